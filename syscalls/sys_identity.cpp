// Who and where the guest is: uname, user and group ids, resource limits,
// randomness, sysinfo, process groups, usage.
#include <sys/resource.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "emu/arch/guest_abi.h"
#include "syscalls/handler_util.h"
#include "syscalls/resource_limits.h"

namespace vmrun {
namespace {

SyscallResult sys_uname(SyscallContext& k, const SyscallArgs& a) {
  char u[6][65] = {};
  auto set = [&](int i, const std::string& s) { std::strncpy(u[i], s.c_str(), 64); };
  set(0, "Linux");
  set(1, k.uts().hostname);
  set(2, "6.1.0-vmrun");
  set(3, "#1 SMP PREEMPT_DYNAMIC vmrun");
  set(4, k.cpu().uname_machine());
  set(5, k.uts().domainname);
  TRY_VOID(k.mem().copy_out(a.addr(0), u, sizeof u));
  return 0;
}

// sethostname/setdomainname: Linux's order of checks (the length, then the
// privilege, then the copy); the name is the len bytes given, up to a NUL
// among them (uname stops there). Unchanged on any error.
Result<uint64_t> set_uts_name(SyscallContext& k, const SyscallArgs& a, std::string UtsNames::*field) {
  int64_t len = a.i32(1);
  if (len < 0 || len > static_cast<int64_t>(UtsNames::kMaxLen)) return Err{EINVAL};
  if (k.config().uid != 0) return Err{EPERM};
  char buf[UtsNames::kMaxLen] = {};
  if (len) TRY_VOID(k.mem().copy_in(a.addr(0), buf, static_cast<uint64_t>(len)));
  k.uts().*field = std::string(buf, strnlen(buf, static_cast<size_t>(len)));
  return 0;
}
SyscallResult sys_sethostname(SyscallContext& k, const SyscallArgs& a) {
  return set_uts_name(k, a, &UtsNames::hostname);
}
SyscallResult sys_setdomainname(SyscallContext& k, const SyscallArgs& a) {
  return set_uts_name(k, a, &UtsNames::domainname);
}

// unshare(2): only a UTS namespace of the caller's own (CLONE_NEWUTS,
// root only: a copy of the names it had). Any other flag: EINVAL, as
// from a kernel built without the namespace (nothing is changed).
SyscallResult sys_unshare(SyscallContext& k, const SyscallArgs& a) {
  constexpr uint64_t kCloneNewUts = 0x04000000;
  if (a[0] & ~kCloneNewUts) return Err{EINVAL};
  if (!a[0]) return 0;
  if (k.config().uid != 0) return Err{EPERM};
  k.proc().uts = k.proc().uts->copy();
  return 0;
}

// setns(2): joining a UTS namespace through an open /proc/<pid>/ns/uts
// (nstype 0 or CLONE_NEWUTS; root only). Other descriptors: EINVAL.
SyscallResult sys_setns(SyscallContext& k, const SyscallArgs& a) {
  constexpr int kCloneNewUts = 0x04000000;
  TRY_ASSIGN(auto f, file_arg(k, a.fd(0)));
  auto* ns = dynamic_cast<UtsNamespaceFile*>(f.get());
  if (!ns || (a.i32(1) != 0 && a.i32(1) != kCloneNewUts)) return Err{EINVAL};
  if (k.config().uid != 0) return Err{EPERM};
  k.proc().uts = ns->names();
  return 0;
}

SyscallResult sys_getuid(SyscallContext& k, const SyscallArgs&) { return k.config().uid; }
SyscallResult sys_getgid(SyscallContext& k, const SyscallArgs&) { return k.config().gid; }

// Identity changes succeed only when they change nothing: the sandbox's
// identity is fixed by its configuration.
Result<uint64_t> set_same_id(uint32_t current, std::initializer_list<uint64_t> wanted) {
  for (uint64_t w : wanted)
    if (static_cast<int32_t>(w) != -1 && static_cast<uint32_t>(w) != current) return Err{EPERM};
  return 0;
}
SyscallResult sys_setuid(SyscallContext& k, const SyscallArgs& a) { return set_same_id(k.config().uid, {a[0]}); }
SyscallResult sys_setgid(SyscallContext& k, const SyscallArgs& a) { return set_same_id(k.config().gid, {a[0]}); }
SyscallResult sys_setreuid(SyscallContext& k, const SyscallArgs& a) { return set_same_id(k.config().uid, {a[0], a[1]}); }
SyscallResult sys_setregid(SyscallContext& k, const SyscallArgs& a) { return set_same_id(k.config().gid, {a[0], a[1]}); }
SyscallResult sys_setresuid(SyscallContext& k, const SyscallArgs& a) {
  return set_same_id(k.config().uid, {a[0], a[1], a[2]});
}
SyscallResult sys_setresgid(SyscallContext& k, const SyscallArgs& a) {
  return set_same_id(k.config().gid, {a[0], a[1], a[2]});
}
// Supplementary groups: kept per task (glibc's setgroups reaches every
// thread), sorted as Linux keeps them; only root may change them.
SyscallResult sys_setgroups(SyscallContext& k, const SyscallArgs& a) {
  constexpr int64_t kNgroupsMax = 65536;
  int64_t n = static_cast<int64_t>(a[0]);
  if (n < 0 || n > kNgroupsMax) return Err{EINVAL};
  if (k.config().uid != 0) return Err{EPERM};
  std::vector<uint32_t> groups(static_cast<size_t>(n));
  if (n) TRY_VOID(k.mem().copy_in(a.addr(1), groups.data(), groups.size() * sizeof(uint32_t)));
  std::sort(groups.begin(), groups.end());
  k.proc().creds.groups = std::move(groups);
  return 0;
}

Result<uint64_t> get_res(SyscallContext& k, const SyscallArgs& a, uint32_t id) {
  for (int i = 0; i < 3; i++) TRY_VOID(k.mem().store(a.ptr<uint32_t>(i), id));
  return 0;
}
SyscallResult sys_getresuid(SyscallContext& k, const SyscallArgs& a) { return get_res(k, a, k.config().uid); }
SyscallResult sys_getresgid(SyscallContext& k, const SyscallArgs& a) { return get_res(k, a, k.config().gid); }

SyscallResult sys_getgroups(SyscallContext& k, const SyscallArgs& a) {
  int size = a.i32(0);
  const std::vector<uint32_t>& groups = k.proc().creds.groups;
  if (size < 0) return Err{EINVAL};
  if (size == 0) return groups.size();
  if (static_cast<size_t>(size) < groups.size()) return Err{EINVAL};
  if (!groups.empty()) TRY_VOID(k.mem().copy_out(a.addr(1), groups.data(), groups.size() * sizeof(uint32_t)));
  return groups.size();
}

Result<uint64_t> do_prlimit(SyscallContext& k, int resource, uint64_t new_addr, uint64_t old_addr) {
  if (resource < 0 || resource >= ResourceLimits::kCount) return Err{EINVAL};
  ResourceLimits::Pair cur = limit_of(k, resource);
  if (new_addr) {
    TRY_ASSIGN(auto want, k.mem().read<ResourceLimits::Pair>({new_addr}));
    if (want.cur > want.max) return Err{EINVAL};
    // Raising a hard limit needs CAP_SYS_RESOURCE (root here), and never
    // goes past what the sandbox itself enforces: its open-file, memory
    // and process limits.
    if (want.max > cur.max) {
      if (k.config().uid != 0) return Err{EPERM};
      const Limits& l = k.config().limits;
      uint64_t cap = resource == RLIMIT_NOFILE ? l.max_open_files
                     : resource == RLIMIT_NPROC ? l.max_processes
                     : (resource == RLIMIT_AS || resource == RLIMIT_DATA) && l.max_memory ? l.max_memory
                                                                                           : kRlimInfinity;
      if (want.max > cap) return Err{EPERM};
    }
    if (resource == RLIMIT_NOFILE) {
      if (want.cur > (1u << 20)) return Err{EPERM};  // Linux's fs.nr_open
      k.proc().fds->set_limit(static_cast<uint32_t>(want.cur));
    }
    k.proc().rlimits->set[resource] = want;
  }
  if (old_addr) TRY_VOID(k.mem().write({old_addr}, cur));
  return 0;
}
SyscallResult sys_getrlimit(SyscallContext& k, const SyscallArgs& a) { return do_prlimit(k, a.i32(0), 0, a[1]); }
SyscallResult sys_setrlimit(SyscallContext& k, const SyscallArgs& a) { return do_prlimit(k, a.i32(0), a[1], 0); }
SyscallResult sys_prlimit64(SyscallContext& k, const SyscallArgs& a) {
  if (a.i32(0) != 0 && a.i32(0) != k.proc().pid()) return Err{ESRCH};
  return do_prlimit(k, a.i32(1), a[2], a[3]);
}

SyscallResult sys_getrandom(SyscallContext& k, const SyscallArgs& a) {
  if (a.i32(2) & ~7) return Err{EINVAL};
  // Like Linux: fill what is writable, EFAULT only if nothing is.
  uint64_t len = k.mem().accessible_prefix(a[0], std::min<uint64_t>(a[1], 33554431), kProtWrite);
  if (len == 0 && a[1] != 0) return Err{EFAULT};
  std::vector<uint8_t> bytes(std::min<uint64_t>(len, 1 << 20));
  uint64_t done = 0;
  while (done < len) {
    uint64_t n = std::min<uint64_t>(bytes.size(), len - done);
    for (uint64_t i = 0; i < n; i += 8) {
      uint64_t r = k.rng()();
      std::memcpy(bytes.data() + i, &r, std::min<uint64_t>(8, n - i));
    }
    auto w = k.mem().copy_out(a.addr(0) + done, bytes.data(), n);
    if (!w.ok()) return done ? Result<uint64_t>(done) : Result<uint64_t>(Err{EFAULT});
    done += n;
  }
  return done;
}

SyscallResult sys_sysinfo(SyscallContext& k, const SyscallArgs& a) {
  abi::Writer w(112);
  uint64_t total = k.config().limits.max_memory ? k.config().limits.max_memory : (4ull << 30);
  // Uptime is the sandbox's own (as /proc/uptime), not the host's.
  w.put<int64_t>(0, static_cast<int64_t>(k.uptime_seconds()));
  w.put<uint64_t>(32, total);
  w.put<uint64_t>(40, total - std::min(total, k.mem().mapped_bytes()));
  int procs = 0;
  for (auto& [pid, p] : k.processes())
    if (p->state != ProcState::Zombie) procs++;
  w.put<uint16_t>(80, static_cast<uint16_t>(std::clamp(procs, 1, 65535)));  // procs
  w.put<uint32_t>(104, 1);  // mem_unit
  TRY_VOID(k.mem().copy_out(a.addr(0), w.bytes().data(), w.bytes().size()));
  return 0;
}

// Nice values: kept per task and inherited, as Linux does; every process
// still gets the same share of the one emulated CPU. The processes `which`
// and `who` name (PRIO_PROCESS: a task, PRIO_PGRP: a process group,
// PRIO_USER: everyone, since all run as the one configured uid).
Result<std::vector<Process*>> priority_targets(SyscallContext& k, int which, int who) {
  std::vector<Process*> out;
  Process& self = k.proc();
  switch (which) {
    case PRIO_PROCESS:
      if (Process* p = who == 0 ? &self : k.find_process(who)) out.push_back(p);
      break;
    case PRIO_PGRP:
    case PRIO_USER:
      for (auto& [pid, task] : k.processes()) {
        Process* p = task.get();
        if (p->ids.tgid != pid || p->state == ProcState::Zombie) continue;
        bool match = which == PRIO_PGRP ? p->ids.pgid == (who == 0 ? self.ids.pgid : who)
                                        : (who == 0 || static_cast<uint32_t>(who) == k.config().uid);
        if (match) out.push_back(p);
      }
      break;
    default: return Err{EINVAL};
  }
  if (out.empty()) return Err{ESRCH};
  return out;
}

SyscallResult sys_getpriority(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(auto targets, priority_targets(k, a.i32(0), a.i32(1)));
  int best = 19;
  for (Process* p : targets) best = std::min(best, p->creds.nice);
  return static_cast<uint64_t>(20 - best);  // the raw call returns 20 - nice (1..40)
}

SyscallResult sys_setpriority(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(auto targets, priority_targets(k, a.i32(0), a.i32(1)));
  int nice = std::clamp(a.i32(2), -20, 19);
  for (Process* p : targets)
    // Raising priority needs CAP_SYS_NICE: only the sandbox's root has it.
    if (nice < p->creds.nice && k.config().uid != 0) return Err{EACCES};
  for (Process* p : targets) p->creds.nice = nice;
  return 0;
}

SyscallResult sys_times(SyscallContext& k, const SyscallArgs& a) {
  uint64_t ticks = k.group_cpu_ns(k.proc()) / 10000000;  // 100 Hz at 1 instruction per ns
  uint64_t child_ticks = k.proc().group_times->children_cpu_ns / 10000000;
  if (a[0]) {
    int64_t t[4] = {static_cast<int64_t>(ticks), 0, static_cast<int64_t>(child_ticks), 0};
    TRY_VOID(k.mem().copy_out(a.addr(0), t, sizeof t));
  }
  fs::Timespec m = k.monotonic();
  return static_cast<uint64_t>(m.sec * 100 + m.nsec / 10000000);
}

SyscallResult sys_getrusage(SyscallContext& k, const SyscallArgs& a) {
  constexpr int kSelf = 0, kChildren = -1, kThread = 1;
  int who = a.i32(0);
  if (who != kSelf && who != kChildren && who != kThread) return Err{EINVAL};
  abi::Writer w(144);
  uint64_t ns = who == kSelf     ? k.group_cpu_ns(k.proc())
               : who == kThread ? k.cpu_ns(k.proc())
                                : k.proc().group_times->children_cpu_ns;
  w.put<int64_t>(0, ns / 1000000000);
  w.put<int64_t>(8, (ns % 1000000000) / 1000);
  if (who != kChildren) w.put<int64_t>(32, static_cast<int64_t>(k.mem().peak_bytes() / 1024));  // ru_maxrss (KiB)
  TRY_VOID(k.mem().copy_out(a.addr(1), w.bytes().data(), w.bytes().size()));
  return 0;
}

#define kRlimitNote                                                                                              \
  "every limit is kept, inherited by fork and kept by exec; enforced: RLIMIT_NOFILE, RLIMIT_FSIZE (SIGXFSZ, "     \
  "EFBIG: write, pwrite, writev, truncate, ftruncate, fallocate), RLIMIT_AS (mmap, brk, mremap: ENOMEM, not "   \
  "checked while exec loads); the sandbox's own memory and process limits cap RLIMIT_AS, RLIMIT_DATA and "       \
  "RLIMIT_NPROC; the others are reported only"

const SyscallDef kDefs[] = {
    SYSCALL_DEF("uname", sys_uname, Support::Full, "p", nullptr),
    SYSCALL_DEF("sethostname", sys_sethostname, Support::Full, "pd", nullptr),
    SYSCALL_DEF("setdomainname", sys_setdomainname, Support::Full, "pd", nullptr),
    SYSCALL_DEF("unshare", sys_unshare, Support::Partial, "x",
                "CLONE_NEWUTS only (a task's own host and domain names); any other flag EINVAL"),
    SYSCALL_DEF("getuid", sys_getuid, Support::Full, "", nullptr),
    SYSCALL_DEF("geteuid", sys_getuid, Support::Full, "", nullptr),
    SYSCALL_DEF("getgid", sys_getgid, Support::Full, "", nullptr),
    SYSCALL_DEF("getegid", sys_getgid, Support::Full, "", nullptr),
    SYSCALL_DEF("setuid", sys_setuid, Support::Partial, "d", "succeeds only without change: identity is fixed by the config"),
    SYSCALL_DEF("setgid", sys_setgid, Support::Partial, "d", "as setuid"),
    SYSCALL_DEF("setreuid", sys_setreuid, Support::Partial, "dd", "as setuid"),
    SYSCALL_DEF("setregid", sys_setregid, Support::Partial, "dd", "as setuid"),
    SYSCALL_DEF("setresuid", sys_setresuid, Support::Partial, "ddd", "as setuid"),
    SYSCALL_DEF("setresgid", sys_setresgid, Support::Partial, "ddd", "as setuid"),
    SYSCALL_DEF("setgroups", sys_setgroups, Support::Full, "dp", nullptr),
    SYSCALL_DEF("getresuid", sys_getresuid, Support::Full, "ppp", nullptr),
    SYSCALL_DEF("getresgid", sys_getresgid, Support::Full, "ppp", nullptr),
    SYSCALL_DEF("getgroups", sys_getgroups, Support::Full, "dp", nullptr),
    SYSCALL_DEF("getrlimit", sys_getrlimit, Support::Full, "dp", nullptr),
    SYSCALL_DEF("setns", sys_setns, Support::Partial, "fx", "UTS namespaces only (/proc/<pid>/ns/uts), the only kind vmrun has"),
    SYSCALL_DEF("setrlimit", sys_setrlimit, Support::Partial, "dp", kRlimitNote),
    SYSCALL_DEF("prlimit64", sys_prlimit64, Support::Partial, "ddpp", "the caller's own limits only (ESRCH for another pid); " kRlimitNote),
    SYSCALL_DEF("getrandom", sys_getrandom, Support::Full, "pux", nullptr),
    SYSCALL_DEF("sysinfo", sys_sysinfo, Support::Full, "p", nullptr),
    SYSCALL_DEF("getpriority", sys_getpriority, Support::Full, "dd", nullptr),
    SYSCALL_DEF("setpriority", sys_setpriority, Support::Partial, "ddd", "recorded and inherited; scheduling ignores it"),
    SYSCALL_DEF("times", sys_times, Support::Full, "p", nullptr),
    SYSCALL_DEF("getrusage", sys_getrusage, Support::Partial, "dp", "user time (guest instructions, 1 ns each) and maxrss only"),
};

}  // namespace

std::span<const SyscallDef> identity_syscalls() { return kDefs; }

}  // namespace vmrun
