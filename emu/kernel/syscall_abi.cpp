#include "emu/kernel/syscall_abi.h"

namespace vmrun {

Result<std::string> path_at(const AddressSpace& mem, GuestAddr addr) { return mem.copy_in_string(addr, kPathMax - 1); }

Result<std::vector<Iov>> iovecs_at(const AddressSpace& mem, GuestAddr addr, uint64_t count, int too_many) {
  if (count > kIovMax) return Err{too_many};
  std::vector<Iov> v(count);
  if (count) TRY_VOID(mem.copy_in(addr, v.data(), count * sizeof(Iov)));
  uint64_t total = 0;
  for (auto& i : v) {
    if (static_cast<int64_t>(i.len) < 0 || total + i.len < total) return Err{EINVAL};
    total += i.len;
  }
  return v;
}

Result<std::string> SyscallArgs::path(int i) const {
  if (!mem_) return Err{EFAULT};
  return path_at(*mem_, addr(i));
}

Result<std::vector<Iov>> SyscallArgs::iovecs(int i, uint64_t count, int too_many) const {
  if (!mem_) return Err{EFAULT};
  return iovecs_at(*mem_, addr(i), count, too_many);
}

const char* support_name(Support s) {
  switch (s) {
    case Support::Full: return "full";
    case Support::Partial: return "partial";
    case Support::Stub: return "stub";
    case Support::Refused: return "refused";
  }
  return "?";
}

}  // namespace vmrun
