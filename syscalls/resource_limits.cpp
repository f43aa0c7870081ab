#include "syscalls/resource_limits.h"

#include <signal.h>
#include <sys/resource.h>

namespace vmrun {

ResourceLimits::Pair limit_of(SyscallContext& k, int resource) {
  if (const auto& set = k.proc().rlimits->set[resource]) {
    if (resource != RLIMIT_NOFILE) return *set;
    return {k.proc().fds->limit(), set->max};  // a CLONE_FILES sibling may have set the table's
  }
  const Limits& l = k.config().limits;
  switch (resource) {
    case RLIMIT_STACK: return {8ull << 20, kRlimInfinity};
    case RLIMIT_NOFILE: return {k.proc().fds->limit(), l.max_open_files};
    case RLIMIT_AS:
    case RLIMIT_DATA: {
      uint64_t v = l.max_memory ? l.max_memory : kRlimInfinity;
      return {v, v};
    }
    case RLIMIT_CORE: return {0, kRlimInfinity};
    case RLIMIT_NPROC: return {l.max_processes, l.max_processes};
    default: return {kRlimInfinity, kRlimInfinity};
  }
}

namespace {
void send_sigxfsz(SyscallContext& k) {
  SignalInfo info;
  info.signo = SIGXFSZ;
  info.pid = k.proc().pid();
  k.post_signal(k.proc(), SIGXFSZ, info);
}
}  // namespace

uint64_t file_size_limit(SyscallContext& k) {
  const auto& set = k.proc().rlimits->set[RLIMIT_FSIZE];
  return set ? set->cur : kRlimInfinity;
}

uint64_t file_size_room(SyscallContext& k, uint64_t start, bool signal) {
  uint64_t limit = file_size_limit(k);
  if (limit == kRlimInfinity) return kRlimInfinity;
  if (start < limit) return limit - start;
  if (signal) send_sigxfsz(k);
  return 0;
}

Result<void> file_growth_allowed(SyscallContext& k, uint64_t new_size,
                                 const std::function<Result<int64_t>()>& current_size) {
  if (new_size <= file_size_limit(k)) return Ok();
  auto now = current_size();
  // Not growing; or no such file, which the call itself reports.
  if (!now.ok() || new_size <= static_cast<uint64_t>(now.value())) return Ok();
  send_sigxfsz(k);
  return Err{EFBIG};
}

bool address_space_room(SyscallContext& k, uint64_t len, std::optional<uint64_t> replacing, uint64_t released) {
  const auto& set = k.proc().rlimits->set[RLIMIT_AS];
  if (!set || set->cur == kRlimInfinity) return true;  // the sandbox's own limit is the memory account's
  uint64_t freed = released + (replacing ? k.mem().mapped_within(*replacing, len) : 0);
  if (freed >= len) return true;
  uint64_t used = k.mem().mapped_bytes();
  return used <= set->cur && len - freed <= set->cur - used;
}

}  // namespace vmrun
