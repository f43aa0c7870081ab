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

uint64_t file_size_room(SyscallContext& k, uint64_t start, bool signal) {
  const auto& set = k.proc().rlimits->set[RLIMIT_FSIZE];
  if (!set || set->cur == kRlimInfinity) return kRlimInfinity;
  if (start < set->cur) return set->cur - start;
  if (!signal) return 0;
  SignalInfo info;
  info.signo = SIGXFSZ;
  info.pid = k.proc().pid();
  k.post_signal(k.proc(), SIGXFSZ, info);
  return 0;
}

bool address_space_room(SyscallContext& k, uint64_t growth) {
  const auto& set = k.proc().rlimits->set[RLIMIT_AS];
  if (!set || set->cur == kRlimInfinity) return true;  // the sandbox's own limit is the memory account's
  uint64_t used = k.mem().mapped_bytes();
  return used <= set->cur && growth <= set->cur - used;
}

}  // namespace vmrun
