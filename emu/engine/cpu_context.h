// CPU register state kept outside an engine, and what the kernel may ask
// of an engine beyond running it: the kernel's only door to Unicorn's
// context and error calls (only engine/ and arch/ include Unicorn's
// header).
#pragma once

#include <cstdint>

struct uc_struct;
struct uc_context;

namespace vmrun {

// A saved copy of an engine's registers (a task's, while another task of
// the same image holds the engine). Owns its storage.
class SavedCpu {
 public:
  SavedCpu() = default;
  ~SavedCpu() { reset(); }
  SavedCpu(const SavedCpu&) = delete;
  SavedCpu& operator=(const SavedCpu&) = delete;

  // Copy `uc`'s registers in (storage made on first use).
  bool save(uc_struct* uc);
  // Put them back into `uc`; false if nothing was saved.
  bool restore(uc_struct* uc) const;
  // Change one register (a Unicorn register id) of the saved copy, without
  // touching any engine: how a new thread's registers are built while its
  // parent's turn goes on (docs/UNICORN.md, "A PC written during a turn").
  bool write_reg(int regid, uint64_t value);
  bool empty() const { return ctx_ == nullptr; }
  void reset();

 private:
  uc_context* ctx_ = nullptr;
};

// Copy the registers of one engine into another of the same kind.
bool copy_cpu(uc_struct* from, uc_struct* to);
// Close an engine (its guest memory must be gone first).
void close_engine(uc_struct* uc);

// How a turn of emulation ended, from the engine's error code.
enum class EngineStop {
  Normal,              // stopped by us, or the code ran out
  RefusedAccess,       // the TLB-fill hook refused an access (AddressSpace::take_fault says where)
  InvalidInstruction,
  Unaligned,
  Other,
};
EngineStop classify_engine_error(int uc_err);
const char* engine_error_text(int uc_err);

}  // namespace vmrun
