// Processes: fork/vfork/clone, execve, exit, wait4/waitid, ids, groups and
// sessions, kill, TLS, prctl, scheduling hints.
#include <sched.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <vector>

#include "emu/arch/guest_abi.h"
#include "syscalls/handler_util.h"
#include "syscalls/pidfd_calls.h"

namespace vmrun {
namespace {

constexpr uint64_t kMaxArgs = 65536;

SyscallResult sys_exit(SyscallContext& k, const SyscallArgs& a) {
  k.exit_thread(a.i32(0));
  return 0;
}

SyscallResult sys_exit_group(SyscallContext& k, const SyscallArgs& a) {
  k.exit_group(a.i32(0));
  return 0;
}

SyscallResult sys_fork(SyscallContext& k, const SyscallArgs&) {
  TRY_ASSIGN(int pid, k.fork_current(SIGCHLD, 0, 0));
  return static_cast<uint64_t>(pid);
}

SyscallResult sys_vfork(SyscallContext& k, const SyscallArgs&) {
  TRY_ASSIGN(int pid, k.fork_current(0x100 | 0x4000 | SIGCHLD, 0, 0));  // CLONE_VM | CLONE_VFORK
  return static_cast<uint64_t>(pid);
}

SyscallResult sys_clone(SyscallContext& k, const SyscallArgs& a) {
  // x86-64: flags, stack, parent_tid, child_tid, tls; riscv64: flags,
  // stack, parent_tid, tls, child_tid.
  uint64_t flags = a[0], stack = a[1], parent_tid = a[2];
  const GuestAbi& abi = GuestAbi::of(k.arch());
  uint64_t tls = a[abi.clone_tls_arg];
  uint64_t child_tid = a[abi.clone_child_tid_arg];
  constexpr uint64_t kParentSettid = 0x100000, kChildSettid = 0x1000000, kChildCleartid = 0x200000;
  TRY_ASSIGN(int pid, k.fork_current(flags, stack, tls));
  if (flags & kParentSettid) (void)k.mem().write<int32_t>({parent_tid}, pid);
  if (Process* c = k.find_process(pid)) {
    if ((flags & kChildSettid) && c->mem) (void)c->mem->write<int32_t>({child_tid}, pid);
    if (flags & kChildCleartid) c->clear_child_tid = child_tid;
  }
  return static_cast<uint64_t>(pid);
}

// A NULL-terminated array of string pointers, bounded in count and bytes.
Result<std::vector<std::string>> string_array(SyscallContext& k, uint64_t addr, uint64_t* total) {
  std::vector<std::string> out;
  if (!addr) return out;
  for (uint64_t i = 0;; i++) {
    if (i >= kMaxArgs) return Err{E2BIG};
    TRY_ASSIGN(uint64_t p, k.mem().read<uint64_t>({addr + i * 8}));
    if (!p) break;
    auto s = k.mem().copy_in_string({p}, 128 * 1024);
    if (!s.ok()) return Err{s.error() == ENAMETOOLONG ? E2BIG : s.error()};
    *total += s.value().size() + 1;
    if (*total > (2u << 20)) return Err{E2BIG};
    out.push_back(std::move(s.value()));
  }
  return out;
}

Result<uint64_t> do_execve(SyscallContext& k, int dirfd, uint64_t path_addr, uint64_t argv_addr, uint64_t envp_addr,
                           int flags) {
  if (flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)) return Err{EINVAL};
  TRY_ASSIGN(std::string path, path_at(k.mem(), {path_addr}));
  if (path.empty()) {
    if (!(flags & AT_EMPTY_PATH)) return Err{ENOENT};
    TRY_ASSIGN(auto f, file_arg(k, dirfd));
    path = f->path;
  } else if (path[0] != '/') {
    TRY_ASSIGN(std::string base, dir_base(k, dirfd, path));
    path = (base == "/" ? "/" : base + "/") + path;
  }
  uint64_t total = 0;
  TRY_ASSIGN(auto argv, string_array(k, argv_addr, &total));
  TRY_ASSIGN(auto envp, string_array(k, envp_addr, &total));
  TRY_VOID(k.exec(path, std::move(argv), std::move(envp)));
  return 0;
}

SyscallResult sys_execve(SyscallContext& k, const SyscallArgs& a) { return do_execve(k, AT_FDCWD, a[0], a[1], a[2], 0); }
SyscallResult sys_execveat(SyscallContext& k, const SyscallArgs& a) {
  return do_execve(k, a.i32(0), a[1], a[2], a[3], a.i32(4));
}

// struct rusage with the user time only (guest instructions, 1 ns each).
Result<uint64_t> put_rusage(SyscallContext& k, uint64_t addr, uint64_t cpu_ns) {
  if (!addr) return 0;
  abi::Writer w(144);
  w.put<int64_t>(0, static_cast<int64_t>(cpu_ns / 1000000000));
  w.put<int64_t>(8, static_cast<int64_t>((cpu_ns % 1000000000) / 1000));
  TRY_VOID(k.mem().copy_out({addr}, w.bytes().data(), w.bytes().size()));
  return 0;
}

SyscallResult sys_wait4(SyscallContext& k, const SyscallArgs& a) {
  TRY_OUTCOME(Reaped r, k.wait_child(a.i32(0), a.i32(2)));
  if (r.pid && a[1]) TRY_VOID(k.mem().store(a.ptr<int32_t>(1), r.status));
  if (r.pid) TRY_VOID(put_rusage(k, a[3], r.cpu_ns));
  return static_cast<uint64_t>(r.pid);
}

SyscallResult sys_waitid(SyscallContext& k, const SyscallArgs& a) {
  int idtype = a.i32(0), id = a.i32(1), options = a.i32(3);
  // Linux: a P_PID id must be positive, a P_PGID one not negative.
  if ((idtype == P_PID && id <= 0) || (idtype == P_PGID && id < 0)) return Err{EINVAL};
  constexpr int kPPidfd = 3;
  int pid = idtype == P_ALL ? -1 : idtype == P_PID ? id : idtype == P_PGID ? (id ? -id : 0) : -2;
  bool nonblock = false;
  if (idtype == kPPidfd) {
    TRY_ASSIGN(PidfdTarget t, pidfd_target(k, id));
    pid = t.pid;
    nonblock = t.nonblock;
  }
  if (pid == -2 || !(options & (WEXITED | WSTOPPED | WCONTINUED))) return Err{EINVAL};
  // A PIDFD_NONBLOCK pidfd waits as WNOHANG does, and says EAGAIN for nothing yet.
  int wopts = (options & WNOHANG) | (nonblock ? WNOHANG : 0) | (options & WSTOPPED ? WUNTRACED : 0) | (options & WNOWAIT);
  TRY_OUTCOME(Reaped r, k.wait_child(pid, wopts));
  if (nonblock && !(options & WNOHANG) && r.pid == 0) return Err{EAGAIN};
  if (a[2]) {
    abi::Writer w(128);
    if (r.pid) {
      int code, status;
      if (WIFEXITED(r.status)) code = 1, status = WEXITSTATUS(r.status);
      else if (WIFSTOPPED(r.status)) code = 5, status = WSTOPSIG(r.status);  // CLD_STOPPED
      else code = WCOREDUMP(r.status) ? 3 : 2, status = WTERMSIG(r.status);
      w.put<int32_t>(0, SIGCHLD);
      w.put<int32_t>(8, code);
      w.put<int32_t>(16, r.pid);
      w.put<uint32_t>(20, k.config().uid);
      w.put<int32_t>(24, status);
    }
    TRY_VOID(k.mem().copy_out(a.addr(2), w.bytes().data(), w.bytes().size()));
  }
  TRY_VOID(put_rusage(k, a[4], r.cpu_ns));
  return 0;
}

SyscallResult sys_getpid(SyscallContext& k, const SyscallArgs&) { return k.proc().ids.tgid; }
SyscallResult sys_gettid(SyscallContext& k, const SyscallArgs&) { return k.proc().pid(); }
SyscallResult sys_getppid(SyscallContext& k, const SyscallArgs&) { return k.proc().ids.ppid; }

Process* target_or_self(SyscallContext& k, int pid) { return pid == 0 ? &k.proc() : k.find_process(pid); }

SyscallResult sys_getpgid(SyscallContext& k, const SyscallArgs& a) {
  Process* p = target_or_self(k, a.i32(0));
  if (!p) return Err{ESRCH};
  return p->ids.pgid;
}
SyscallResult sys_getpgrp(SyscallContext& k, const SyscallArgs&) { return k.proc().ids.pgid; }
SyscallResult sys_getsid(SyscallContext& k, const SyscallArgs& a) {
  Process* p = target_or_self(k, a.i32(0));
  if (!p) return Err{ESRCH};
  return p->ids.sid;
}

SyscallResult sys_setpgid(SyscallContext& k, const SyscallArgs& a) {
  int pid = a.i32(0), pgid = a.i32(1);
  if (pgid < 0) return Err{EINVAL};
  Process* p = target_or_self(k, pid);
  if (!p || (p != &k.proc() && p->ids.ppid != k.proc().ids.tgid)) return Err{ESRCH};
  if (p != &k.proc() && p->did_exec) return Err{EACCES};
  if (p->ids.sid != k.proc().ids.sid) return Err{EPERM};
  if (p->pid() == p->ids.sid) return Err{EPERM};  // a session leader keeps its group
  if (pgid == 0) pgid = p->pid();
  if (pgid != p->pid()) {
    bool exists = false;
    for (auto& [id, q] : k.processes())
      if (q->ids.pgid == pgid && q->ids.sid == p->ids.sid) exists = true;
    if (!exists) return Err{EPERM};
  }
  p->ids.pgid = pgid;
  return 0;
}

SyscallResult sys_setsid(SyscallContext& k, const SyscallArgs&) {
  Process& p = k.proc();
  for (auto& [id, q] : k.processes())
    if (q->ids.pgid == p.pid()) return Err{EPERM};  // already a group leader
  p.ids.sid = p.ids.pgid = p.pid();
  return p.pid();
}

SyscallResult sys_set_tid_address(SyscallContext& k, const SyscallArgs& a) {
  k.proc().clear_child_tid = a[0];
  return k.proc().pid();
}

SyscallResult sys_arch_prctl(SyscallContext& k, const SyscallArgs& a) {
  constexpr int kSetGs = 0x1001, kSetFs = 0x1002, kGetFs = 0x1003, kGetGs = 0x1004;
  using Base = GuestCpu::SegmentBase;
  uc_struct* uc = k.proc().uc;
  uint64_t v = 0;
  switch (a.i32(0)) {
    case kSetFs:
    case kSetGs:
      if (a[1] >= k.mem().user_top()) return Err{EPERM};
      if (!k.cpu().set_segment_base(uc, a.i32(0) == kSetFs ? Base::Fs : Base::Gs, a[1])) return Err{EINVAL};
      return 0;
    case kGetFs:
    case kGetGs:
      if (!k.cpu().segment_base(uc, a.i32(0) == kGetFs ? Base::Fs : Base::Gs, &v)) return Err{EINVAL};
      TRY_VOID(k.mem().store(a.ptr<uint64_t>(1), v));
      return 0;
    default: return Err{EINVAL};
  }
}

SyscallResult sys_prctl(SyscallContext& k, const SyscallArgs& a) {
  switch (a.i32(0)) {
    case PR_SET_NAME: {
      auto s = k.mem().copy_in_string(a.addr(1), 4096);
      if (!s.ok()) return Err{EFAULT};
      k.proc().name = s.value().substr(0, 15);
      return 0;
    }
    case PR_GET_NAME: {
      char name[16] = {};
      std::memcpy(name, k.proc().name.data(), std::min<size_t>(15, k.proc().name.size()));
      TRY_VOID(k.mem().copy_out(a.addr(1), name, 16));
      return 0;
    }
    case PR_GET_DUMPABLE: return 1;
    case PR_SET_DUMPABLE: return 0;
    case PR_SET_PDEATHSIG: return 0;
    case PR_GET_NO_NEW_PRIVS: return 1;
    case PR_SET_NO_NEW_PRIVS: return 0;
    default: return Err{EINVAL};
  }
}

SyscallResult sys_set_robust_list(SyscallContext&, const SyscallArgs& a) {
  return a[1] == 24 ? Result<uint64_t>(0) : Result<uint64_t>(Err{EINVAL});
}

SyscallResult sys_sched_yield(SyscallContext&, const SyscallArgs&) { return 0; }

SyscallResult sys_sched_getaffinity(SyscallContext& k, const SyscallArgs& a) {
  if (a.i32(0) != 0 && !k.find_process(a.i32(0))) return Err{ESRCH};
  uint64_t size = a[1];
  if (size < 8 || (size & 7)) return Err{EINVAL};
  uint64_t mask = 1;  // one virtual CPU
  TRY_VOID(k.mem().store(a.ptr<uint64_t>(2), mask));
  return 8;
}

SyscallResult sys_sched_setaffinity(SyscallContext& k, const SyscallArgs& a) {
  if (a.i32(0) != 0 && !k.find_process(a.i32(0))) return Err{ESRCH};
  if (a[1] < 8) return Err{EINVAL};
  TRY_ASSIGN(uint64_t mask, k.mem().load(a.ptr<uint64_t>(2)));
  if (!(mask & 1)) return Err{EINVAL};  // must include the one CPU there is
  return 0;
}

// Scheduling policies: every task is SCHED_OTHER; the real-time ranges are
// reported as Linux does.
SyscallResult sys_sched_get_priority_max(SyscallContext&, const SyscallArgs& a) {
  int policy = a.i32(0);
  if (policy == SCHED_FIFO || policy == SCHED_RR) return 99;
  if (policy == SCHED_OTHER || policy == SCHED_BATCH || policy == SCHED_IDLE) return 0;
  return Err{EINVAL};
}
SyscallResult sys_sched_get_priority_min(SyscallContext&, const SyscallArgs& a) {
  int policy = a.i32(0);
  if (policy == SCHED_FIFO || policy == SCHED_RR) return 1;
  if (policy == SCHED_OTHER || policy == SCHED_BATCH || policy == SCHED_IDLE) return 0;
  return Err{EINVAL};
}
SyscallResult sys_sched_getscheduler(SyscallContext& k, const SyscallArgs& a) {
  if (a.i32(0) < 0) return Err{EINVAL};
  if (a.i32(0) != 0 && !k.find_process(a.i32(0))) return Err{ESRCH};
  return SCHED_OTHER;
}
SyscallResult sys_sched_getparam(SyscallContext& k, const SyscallArgs& a) {
  if (a.i32(0) < 0 || !a[1]) return Err{EINVAL};
  if (a.i32(0) != 0 && !k.find_process(a.i32(0))) return Err{ESRCH};
  TRY_VOID(k.mem().store(a.ptr<int32_t>(1), 0));
  return 0;
}
// Only the normal policies exist; setting one with priority 0 is accepted.
Result<uint64_t> set_policy(SyscallContext& k, int pid, int policy, uint64_t param_addr) {
  if (pid < 0 || !param_addr) return Err{EINVAL};
  if (pid != 0 && !k.find_process(pid)) return Err{ESRCH};
  TRY_ASSIGN(int32_t prio, k.mem().read<int32_t>({param_addr}));
  if (policy == SCHED_FIFO || policy == SCHED_RR) return Err{EPERM};  // no real-time scheduling here
  if (policy != SCHED_OTHER && policy != SCHED_BATCH && policy != SCHED_IDLE && policy != -1) return Err{EINVAL};
  if (prio != 0) return Err{EINVAL};
  return 0;
}
SyscallResult sys_sched_setscheduler(SyscallContext& k, const SyscallArgs& a) {
  return set_policy(k, a.i32(0), a.i32(1) & ~0x40000000 /* SCHED_RESET_ON_FORK */, a[2]);
}
SyscallResult sys_sched_setparam(SyscallContext& k, const SyscallArgs& a) { return set_policy(k, a.i32(0), -1, a[1]); }

SyscallResult sys_sched_rr_get_interval(SyscallContext& k, const SyscallArgs& a) {
  if (a.i32(0) < 0) return Err{EINVAL};
  if (a.i32(0) != 0 && !k.find_process(a.i32(0))) return Err{ESRCH};
  int64_t ts[2] = {0, 100000000};
  TRY_VOID(k.mem().copy_out(a.addr(1), ts, sizeof ts));
  return 0;
}

SyscallResult sys_getcpu(SyscallContext& k, const SyscallArgs& a) {
  uint32_t zero = 0;
  if (a[0]) TRY_VOID(k.mem().write(a.addr(0), zero));
  if (a[1]) TRY_VOID(k.mem().write(a.addr(1), zero));
  return 0;
}

SyscallResult sys_riscv_flush_icache(SyscallContext& k, const SyscallArgs& a) {
  // Unicorn already notices stores into translated code (self-modifying
  // code works), so there is nothing to do; flushing everything would zero
  // the whole translation buffer.
  return 0;
}

SignalInfo user_signal(SyscallContext& k, int sig) {
  SignalInfo info;
  info.signo = sig;
  info.code = 0;  // SI_USER
  info.pid = k.proc().pid();
  info.uid = k.config().uid;
  return info;
}

SyscallResult sys_kill(SyscallContext& k, const SyscallArgs& a) {
  int sig = a.i32(1);
  TRY_VOID(k.send_signal(a.i32(0), sig, user_signal(k, sig)));
  return 0;
}

SyscallResult sys_tgkill(SyscallContext& k, const SyscallArgs& a) {
  if (a.i32(0) <= 0 || a.i32(1) <= 0) return Err{EINVAL};
  Process* t = k.find_process(a.i32(1));
  if (!t || t->ids.tgid != a.i32(0)) return Err{ESRCH};
  int sig = a.i32(2);
  SignalInfo info = user_signal(k, sig);
  info.code = -6;  // SI_TKILL
  TRY_VOID(k.send_signal(a.i32(1), sig, info, /*to_thread=*/true));
  return 0;
}

// process_vm_readv/writev(pid, local_iov, liovcnt, remote_iov, riovcnt,
// flags): copies between the caller's memory and another task's of the
// same sandbox (the caller is root, as the guest is: no permission check
// beyond that). The remote side needs the access it would need itself
// (read, or write): Linux does not force it. A transfer stops at the first
// remote or local byte that cannot be reached: the bytes moved until then,
// or EFAULT when none were.
SyscallResult process_vm_io(SyscallContext& k, const SyscallArgs& a, bool write) {
  if (a[5] != 0) return Err{EINVAL};
  TRY_ASSIGN(auto local, a.iovecs(1, a[2]));
  TRY_ASSIGN(auto remote, a.iovecs(3, a[4]));
  uint64_t wanted = 0;
  for (auto& l : local) wanted += l.len;
  if (wanted == 0) return 0;
  Process* t = a.i32(0) > 0 ? k.find_process(a.i32(0)) : nullptr;
  if (!t || !t->mem) return Err{ESRCH};  // none, or a zombie (no memory)
  AddressSpace& theirs = *t->mem;
  AddressSpace& ours = k.mem();
  std::vector<uint8_t> chunk(std::min<uint64_t>(wanted, 64 << 10));
  uint64_t done = 0, local_off = 0;
  size_t li = 0;
  for (auto& r : remote) {
    for (uint64_t remote_off = 0; remote_off < r.len;) {
      while (li < local.size() && local_off == local[li].len) li++, local_off = 0;
      if (li == local.size()) return done;
      uint64_t n = std::min({static_cast<uint64_t>(chunk.size()), r.len - remote_off, local[li].len - local_off});
      uint64_t there = r.base + remote_off, here = local[li].base + local_off;
      n = std::min(theirs.accessible_prefix(there, n, write ? kProtWrite : kProtRead),
                   ours.accessible_prefix(here, n, write ? kProtRead : kProtWrite));
      if (n == 0) return done ? Result<uint64_t>(done) : Result<uint64_t>(Err{EFAULT});
      if (write) {
        TRY_VOID(ours.copy_in({here}, chunk.data(), n));
        TRY_VOID(theirs.copy_out({there}, chunk.data(), n));
      } else {
        TRY_VOID(theirs.copy_in({there}, chunk.data(), n));
        TRY_VOID(ours.copy_out({here}, chunk.data(), n));
      }
      done += n, remote_off += n, local_off += n;
    }
  }
  return done;
}
SyscallResult sys_process_vm_readv(SyscallContext& k, const SyscallArgs& a) { return process_vm_io(k, a, false); }
SyscallResult sys_process_vm_writev(SyscallContext& k, const SyscallArgs& a) { return process_vm_io(k, a, true); }

SyscallResult sys_tkill(SyscallContext& k, const SyscallArgs& a) {
  if (a.i32(0) <= 0) return Err{EINVAL};
  int sig = a.i32(1);
  SignalInfo info = user_signal(k, sig);
  info.code = -6;  // SI_TKILL
  TRY_VOID(k.send_signal(a.i32(0), sig, info, /*to_thread=*/true));
  return 0;
}

const SyscallDef kDefs[] = {
    SYSCALL_DEF("exit", sys_exit, Support::Full, "d", nullptr),
    SYSCALL_DEF("process_vm_readv", sys_process_vm_readv, Support::Full, "dpupux", nullptr),
    SYSCALL_DEF("process_vm_writev", sys_process_vm_writev, Support::Full, "dpupux", nullptr),
    SYSCALL_DEF("exit_group", sys_exit_group, Support::Full, "d", nullptr),
    SYSCALL_DEF("fork", sys_fork, Support::Full, "", nullptr),
    SYSCALL_DEF("vfork", sys_vfork, Support::Full, "", nullptr),
    SYSCALL_DEF("clone", sys_clone, Support::Partial, "Cpppp", "processes, vfork-style clones and threads (CLONE_VM|CLONE_THREAD|CLONE_SIGHAND); no CLONE_NEWNS etc."),
    SYSCALL_DEF("execve", sys_execve, Support::Full, "spp", nullptr),
    SYSCALL_DEF("execveat", sys_execveat, Support::Full, "fsppA", nullptr),
    SYSCALL_DEF("wait4", sys_wait4, Support::Partial, "dpWp", "rusage: user time only"),
    SYSCALL_DEF("waitid", sys_waitid, Support::Partial, "ddpWp", "rusage: user time only"),
    SYSCALL_DEF("getpid", sys_getpid, Support::Full, "", nullptr),
    SYSCALL_DEF("gettid", sys_gettid, Support::Full, "", nullptr),
    SYSCALL_DEF("getppid", sys_getppid, Support::Full, "", nullptr),
    SYSCALL_DEF("getpgid", sys_getpgid, Support::Full, "d", nullptr),
    SYSCALL_DEF("getpgrp", sys_getpgrp, Support::Full, "", nullptr),
    SYSCALL_DEF("getsid", sys_getsid, Support::Full, "d", nullptr),
    SYSCALL_DEF("setpgid", sys_setpgid, Support::Full, "dd", nullptr),
    SYSCALL_DEF("setsid", sys_setsid, Support::Full, "", nullptr),
    SYSCALL_DEF("set_tid_address", sys_set_tid_address, Support::Full, "p", nullptr),
    SYSCALL_DEF("arch_prctl", sys_arch_prctl, Support::Full, "rx", nullptr),
    SYSCALL_DEF("prctl", sys_prctl, Support::Partial, "Rxxxx", "PR_SET/GET_NAME, dumpable, no_new_privs; others EINVAL"),
    SYSCALL_DEF("set_robust_list", sys_set_robust_list, Support::Full, "pu", nullptr),
    SYSCALL_DEF("sched_yield", sys_sched_yield, Support::Full, "", nullptr),
    SYSCALL_DEF("sched_getaffinity", sys_sched_getaffinity, Support::Full, "dup", nullptr),
    SYSCALL_DEF("sched_setaffinity", sys_sched_setaffinity, Support::Partial, "dup", "accepted, one virtual CPU"),
    SYSCALL_DEF("getcpu", sys_getcpu, Support::Full, "ppp", nullptr),
    SYSCALL_DEF("sched_get_priority_max", sys_sched_get_priority_max, Support::Full, "d", nullptr),
    SYSCALL_DEF("sched_get_priority_min", sys_sched_get_priority_min, Support::Full, "d", nullptr),
    SYSCALL_DEF("sched_getscheduler", sys_sched_getscheduler, Support::Full, "d", nullptr),
    SYSCALL_DEF("sched_getparam", sys_sched_getparam, Support::Full, "dp", nullptr),
    SYSCALL_DEF("sched_setscheduler", sys_sched_setscheduler, Support::Partial, "ddp", "normal policies only; SCHED_FIFO/RR give EPERM"),
    SYSCALL_DEF("sched_setparam", sys_sched_setparam, Support::Partial, "dp", "priority 0 only"),
    SYSCALL_DEF("sched_rr_get_interval", sys_sched_rr_get_interval, Support::Full, "dp", nullptr),
    SYSCALL_DEF("riscv_flush_icache", sys_riscv_flush_icache, Support::Full, "xxx", nullptr),
    SYSCALL_DEF("kill", sys_kill, Support::Full, "dS", nullptr),
    SYSCALL_DEF("tgkill", sys_tgkill, Support::Full, "ddS", nullptr),
    SYSCALL_DEF("tkill", sys_tkill, Support::Full, "dS", nullptr),
};

}  // namespace

std::span<const SyscallDef> process_syscalls() { return kDefs; }

}  // namespace vmrun
