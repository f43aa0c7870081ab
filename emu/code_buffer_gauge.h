// How full a Unicorn engine's translation buffer is.
//
// Why: Unicorn 2.1.1 crashes the first time an engine's translation buffer
// fills (Kernel::translation_hook, docs/UNICORN.md "Translation"), so each
// engine gets one flush before that can happen. Unicorn's API does not say
// how much code an engine has generated; guessing from guest instruction
// counts has to be so generous (4 KiB guessed for a block that takes ~530
// bytes) that `python3 -c pass` was flushed half-way through its start-up
// and translated everything twice (+70 ms on x86-64, bench/RESULTS.md).
//
// How: the engine's TCG context holds the buffer's bounds and its fill
// pointer. Their place is read from the layout of 2.1.1 (uc_struct::tcg_ctx,
// then TCGContext's code_gen_* fields), through process_vm_readv so that a
// different layout reads nothing rather than crashing, and accepted only if
// the fields agree with each other and with uc_ctl's own report of the
// buffer's size. If they do not, attach() fails and the caller keeps to its
// estimate.
#pragma once

#include <cstddef>
#include <cstdint>

struct uc_struct;

namespace vmrun {

class CodeBufferGauge {
 public:
  // Unicorn 2.1.1: where uc_struct keeps its TCGContext pointer.
  static constexpr size_t kTcgCtxOffset = 744;

  // Call once the engine's translator exists (after its first use); false
  // if what is found there is not a consistent translation state.
  // `tcg_ctx_offset` is for tests.
  bool attach(uc_struct* uc, size_t tcg_ctx_offset = kTcgCtxOffset);
  bool attached() const { return fields_ != nullptr; }
  // Bytes the engine can still generate before Unicorn moves to a new
  // region (the step that misbehaves on the first fill); 0 if not attached.
  uint64_t headroom() const;
  uint64_t buffer_bytes() const { return buffer_bytes_; }

 private:
  const uintptr_t* fields_ = nullptr;  // TCGContext from code_gen_prologue on
  uint64_t buffer_bytes_ = 0;
};

}  // namespace vmrun
