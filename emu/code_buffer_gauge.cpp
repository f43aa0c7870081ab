#include "emu/code_buffer_gauge.h"

#include <sys/uio.h>
#include <unistd.h>
#include <unicorn/unicorn.h>

namespace vmrun {

namespace {

// Unicorn 2.1.1's layout (qemu/include/tcg/tcg.h): TCGContext's run of
// code-generation fields, from code_gen_prologue to code_gen_highwater.
constexpr size_t kCodeGenFieldsOffset = 144;
enum Field {
  kPrologue,
  kEpilogue,
  kBuffer,
  kInitialBuffer,
  kInitialSize,
  kBufferSize,
  kPtr,
  kDataPtr,
  kHighwater,
  kFieldCount
};

// Reads our own memory without faulting on an address that is not mapped.
bool read_own(uintptr_t addr, void* out, size_t len) {
  iovec local{out, len};
  iovec remote{reinterpret_cast<void*>(addr), len};
  return process_vm_readv(getpid(), &local, 1, &remote, 1, 0) == static_cast<ssize_t>(len);
}

}  // namespace

bool CodeBufferGauge::attach(uc_struct* uc, size_t tcg_ctx_offset) {
  fields_ = nullptr;
  uint32_t reported = 0;
  if (uc_ctl_get_tcg_buffer_size(uc, &reported) != UC_ERR_OK || reported < (1u << 20)) return false;
  uintptr_t ctx = 0;
  if (!read_own(reinterpret_cast<uintptr_t>(uc) + tcg_ctx_offset, &ctx, sizeof ctx) || ctx == 0) return false;
  uintptr_t f[kFieldCount];
  if (!read_own(ctx + kCodeGenFieldsOffset, f, sizeof f)) return false;
  // Every field must fall inside the one buffer Unicorn reports.
  const uintptr_t lo = f[kInitialBuffer], hi = lo + f[kInitialSize];
  auto inside = [&](uintptr_t p) { return p >= lo && p <= hi; };
  if (lo == 0 || f[kInitialSize] != reported || hi < lo) return false;
  if (!inside(f[kPrologue]) || !inside(f[kEpilogue]) || !inside(f[kBuffer]) || !inside(f[kPtr]) ||
      !inside(f[kHighwater]) || !inside(f[kBuffer] + f[kBufferSize]))
    return false;
  if (f[kPtr] < f[kBuffer] || f[kHighwater] <= f[kBuffer] || f[kPrologue] > f[kBuffer]) return false;
  fields_ = reinterpret_cast<const uintptr_t*>(ctx + kCodeGenFieldsOffset);
  buffer_bytes_ = reported;
  return true;
}

uint64_t CodeBufferGauge::headroom() const {
  if (!fields_) return 0;
  const volatile uintptr_t* f = fields_;
  uintptr_t ptr = f[kPtr], highwater = f[kHighwater];
  return highwater > ptr ? highwater - ptr : 0;
}

}  // namespace vmrun
