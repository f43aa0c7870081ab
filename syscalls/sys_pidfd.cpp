// pidfd_open, pidfd_send_signal, pidfd_getfd: descriptors for processes
// (emu/files/pidfd_file.h). waitid(P_PIDFD) is in sys_process.cpp.
#include <fcntl.h>

#include <sys/stat.h>

#include <csignal>
#include <string_view>

#include "emu/files/pidfd_file.h"
#include "emu/kernel/process.h"
#include "rootfs/mem_node.h"
#include "syscalls/pidfd_calls.h"

namespace vmrun {

Result<PidfdTarget> pidfd_target(SyscallContext& k, int fd) {
  TRY_ASSIGN(auto f, file_arg(k, fd));
  auto* p = dynamic_cast<PidFd*>(f.get());
  if (!p) return Err{EBADF};
  return PidfdTarget{p->pid(), (f->flags & O_NONBLOCK) != 0, p->thread()};
}

namespace {

constexpr unsigned kPidfdNonblock = O_NONBLOCK;
constexpr unsigned kPidfdThread = O_EXCL;  // the same bit on every guest ABI

// pidfd_send_signal also takes the descriptor of a /proc/<pid> directory
// (the interface's first form, still Linux's): the pid it names.
Result<PidfdTarget> signal_target(SyscallContext& k, int fd) {
  auto t = pidfd_target(k, fd);
  if (t.ok()) return t;
  TRY_ASSIGN(auto f, file_arg(k, fd));
  auto attr = f->stat();
  if (!attr.ok() || !S_ISDIR(attr->mode) || attr->dev != fs::dev_for_fsid(fs::kFsProc) || !f->dir) return Err{EBADF};
  const std::string& path = f->dir->path();
  constexpr std::string_view kProc = "/proc/";
  if (path.size() <= kProc.size() || path.size() > kProc.size() + 9 || path.compare(0, kProc.size(), kProc) != 0)
    return Err{EBADF};
  int pid = 0;
  for (char c : path.substr(kProc.size())) {
    if (c < '0' || c > '9') return Err{EBADF};
    pid = pid * 10 + (c - '0');
  }
  return PidfdTarget{pid};
}

// pidfd_open(pid, flags): the process must exist and lead its thread
// group, unless PIDFD_THREAD asks for a pidfd of that one task (another
// thread without it: ENOENT, as Linux 6.18 answers; older kernels said
// EINVAL); a zombie not yet reaped still has one. Always close-on-exec;
// the flags show in F_GETFL, as Linux's.
SyscallResult sys_pidfd_open(SyscallContext& k, const SyscallArgs& a) {
  int pid = a.i32(0);
  if (a[1] & ~uint64_t{kPidfdNonblock | kPidfdThread}) return Err{EINVAL};
  if (pid <= 0) return Err{EINVAL};
  Process* p = k.find_process(pid);
  if (!p || p->life->released) return Err{ESRCH};
  bool thread = (a[1] & kPidfdThread) != 0;
  if (!thread && p->ids.tgid != p->pid()) return Err{ENOENT};
  auto f = std::make_shared<PidFd>(pid, p->life, thread);
  f->flags = O_RDWR | static_cast<int>(a[1] & (kPidfdNonblock | kPidfdThread));
  f->path = "anon_inode:[pidfd]";
  TRY_ASSIGN(int fd, k.proc().fds->install(f, true));
  return static_cast<uint64_t>(fd);
}

// pidfd_send_signal(pidfd, sig, info, flags): kill(2) to the process (a
// pidfd, or a /proc/<pid> directory's descriptor), with
// the caller's siginfo when given (as rt_sigqueueinfo: its si_signo must be
// `sig`, and another process may only be sent a negative si_code).
SyscallResult sys_pidfd_send_signal(SyscallContext& k, const SyscallArgs& a) {
  constexpr uint64_t kThread = 1, kThreadGroup = 2, kProcessGroup = 4;
  uint64_t scope = a[3];
  if (scope & ~(kThread | kThreadGroup | kProcessGroup)) return Err{EINVAL};
  if (scope & (scope - 1)) return Err{EINVAL};  // at most one
  TRY_ASSIGN(PidfdTarget t, signal_target(k, a.fd(0)));
  int pid = t.pid;
  if (scope == 0) scope = t.thread ? kThread : kThreadGroup;  // the pidfd's own scope
  int sig = a.i32(1);
  if (sig < 0 || sig > SignalState::kNsig) return Err{EINVAL};
  Process* target = k.find_process(pid);
  if (!target || target->life->released) return Err{ESRCH};
  SignalInfo info;
  info.signo = sig;
  info.pid = k.proc().ids.tgid;
  info.uid = k.config().uid;
  if (a[2]) {
    struct {
      int32_t signo, error, code, pad;
      int32_t pid;
      uint32_t uid;
      uint64_t value;
    } raw{};
    TRY_VOID(k.mem().copy_in(a.addr(2), &raw, sizeof raw));
    if (raw.signo != sig) return Err{EINVAL};
    constexpr int kSiTkill = -6;
    if (target->ids.tgid != k.proc().ids.tgid && (raw.code >= 0 || raw.code == kSiTkill)) return Err{EPERM};
    info.error = raw.error;
    info.code = raw.code;
    info.pid = raw.pid;
    info.uid = raw.uid;
    info.value = raw.value;
  }
  if (scope == kThreadGroup) pid = target->ids.tgid;  // a thread pidfd's whole group
  if (scope == kProcessGroup && target->ids.pgid <= 0) return Err{ESRCH};
  if (scope == kProcessGroup) TRY_VOID(k.send_signal(-target->ids.pgid, sig, info));
  else TRY_VOID(k.send_signal(pid, sig, info, /*to_thread=*/scope == kThread));
  return 0;
}

// pidfd_getfd(pidfd, targetfd, flags): a new descriptor of the caller for
// the description the process has at `targetfd` (the guest is root in its
// sandbox, so ptrace access is granted); close-on-exec.
SyscallResult sys_pidfd_getfd(SyscallContext& k, const SyscallArgs& a) {
  if (a[2] != 0) return Err{EINVAL};
  TRY_ASSIGN(PidfdTarget t, pidfd_target(k, a.fd(0)));
  Process* target = k.find_process(t.pid);
  if (!target) return Err{ESRCH};
  fs::FileRef f = target->fds ? target->fds->get(a.i32(1)) : nullptr;
  if (!f) return Err{EBADF};
  TRY_ASSIGN(int fd, k.proc().fds->install(f, true));
  return static_cast<uint64_t>(fd);
}

const SyscallDef kDefs[] = {
    SYSCALL_DEF("pidfd_open", sys_pidfd_open, Support::Partial, "dx",
                "PIDFD_NONBLOCK, PIDFD_THREAD; polls readable once the process (a thread pidfd: the thread) has ended "
                "(POLLHUP too once reaped); read/write EINVAL, no fdinfo"),
    SYSCALL_DEF("pidfd_send_signal", sys_pidfd_send_signal, Support::Partial, "fSpx",
                "a pidfd (a thread pidfd signals its thread by default) or a /proc/<pid> directory; PIDFD_SIGNAL_THREAD, "
                "_THREAD_GROUP and _PROCESS_GROUP; a given siginfo's si_code, si_errno, si_pid, si_uid and "
                "si_value are delivered (not the rest of its union)"),
    SYSCALL_DEF("pidfd_getfd", sys_pidfd_getfd, Support::Full, "fdx", nullptr),
};

}  // namespace

std::span<const SyscallDef> pidfd_syscalls() { return kDefs; }

}  // namespace vmrun
