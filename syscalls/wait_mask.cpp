#include "syscalls/wait_mask.h"

namespace vmrun {

void install_temporary_mask(Process& p, uint64_t mask) {
  p.call.sigsuspend = true;
  p.call.sigsuspend_mask = p.signals.mask;
  p.signals.mask = mask & ~kUnblockable;
}

Result<void> begin_wait_mask(SyscallContext& k, uint64_t mask_addr, uint64_t size) {
  if (!mask_addr || k.restarted()) return Ok();
  if (size != kSigsetSize) return Err{EINVAL};
  TRY_ASSIGN(uint64_t mask, k.mem().load(GuestPtr<uint64_t>{mask_addr}));
  install_temporary_mask(k.proc(), mask);
  return Ok();
}

SyscallResult finish_wait_mask(SyscallContext& k, SyscallResult r) {
  Process& p = k.proc();
  if (!r.blocked() && p.call.sigsuspend) {
    p.signals.mask = p.call.sigsuspend_mask;
    p.call.sigsuspend = false;
  }
  return r;
}

}  // namespace vmrun
