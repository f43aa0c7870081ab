// The emulator process's seccomp allowlist (libseccomp). Everything the
// emulator does after set-up: memory management for guest memory and
// Unicorn, I/O on fds it already holds (stdio pipes, the terminal, files
// under the rootfs and mount directories, opened with openat relative to
// directory fds), time, futexes and the watchdog thread, signals to itself.
#include "lib/host_seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <linux/seccomp.h>
#include <linux/filter.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>

namespace vmrun {
namespace {

// SIGSYS from SCMP_ACT_TRAP: name the call, then die of SIGSYS so the
// supervisor reports it. Async-signal-safe: write, rt_sigaction, tgkill.
void on_refused_syscall(int, siginfo_t* info, void*) {
  char msg[128] = "vmrun: emulator stopped: host system call ";
  char num[24];
  int n = 0;
  unsigned v = static_cast<unsigned>(info->si_syscall);
  do num[n++] = static_cast<char>('0' + v % 10); while ((v /= 10) && n < 20);
  size_t len = std::strlen(msg);
  while (n > 0) msg[len++] = num[--n];
  const char tail[] = " is outside the seccomp allowlist\n";
  std::memcpy(msg + len, tail, sizeof tail);
  len += sizeof tail - 1;
  ssize_t ignored = write(2, msg, len);
  (void)ignored;
  signal(SIGSYS, SIG_DFL);
  raise(SIGSYS);
}

}  // namespace

namespace {

void trap_refused_syscalls() {
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_refused_syscall;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGSYS, &sa, nullptr);
}

// The allowlist as a libseccomp context (nullptr with `error` on failure);
// the caller loads or exports it and releases it.
scmp_filter_ctx build_filter(std::string* error, bool holder) {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);
  if (!ctx) {
    *error = "seccomp_init failed";
    return nullptr;
  }
  int rc = 0;
  auto allow = [&](int nr) {
    if (rc == 0) rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
  };
  for (int nr : {
           // I/O on descriptors already open
           SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev), SCMP_SYS(pread64),
           SCMP_SYS(pwrite64), SCMP_SYS(preadv), SCMP_SYS(pwritev), SCMP_SYS(lseek), SCMP_SYS(close),
           SCMP_SYS(fstat), SCMP_SYS(newfstatat), SCMP_SYS(statx), SCMP_SYS(fstatfs), SCMP_SYS(getdents64),
           SCMP_SYS(readlinkat), SCMP_SYS(fcntl), SCMP_SYS(dup), SCMP_SYS(dup3), SCMP_SYS(ftruncate),
           SCMP_SYS(fallocate), SCMP_SYS(fsync), SCMP_SYS(fdatasync), SCMP_SYS(flock),
           // anonymous pipes (the sanitizer runtimes probe memory with one)
           SCMP_SYS(pipe), SCMP_SYS(pipe2),
           // names under directory fds (writable mounts)
           SCMP_SYS(mkdirat), SCMP_SYS(unlinkat), SCMP_SYS(renameat), SCMP_SYS(renameat2),
           SCMP_SYS(linkat), SCMP_SYS(symlinkat), SCMP_SYS(fchmod), SCMP_SYS(fchmodat), SCMP_SYS(fchown),
           SCMP_SYS(fchownat), SCMP_SYS(utimensat), SCMP_SYS(faccessat), SCMP_SYS(faccessat2),
           // memory (guest memory, Unicorn's translation buffers, the heap)
           SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mprotect), SCMP_SYS(mremap), SCMP_SYS(madvise),
           SCMP_SYS(mincore), SCMP_SYS(brk), SCMP_SYS(msync),
           // time and waiting
           SCMP_SYS(clock_gettime), SCMP_SYS(clock_getres), SCMP_SYS(gettimeofday), SCMP_SYS(time),
           SCMP_SYS(nanosleep), SCMP_SYS(clock_nanosleep), SCMP_SYS(poll), SCMP_SYS(ppoll),
           SCMP_SYS(select), SCMP_SYS(pselect6), SCMP_SYS(sched_yield), SCMP_SYS(futex),
           // threads (the watchdog), the process itself, and a spawn's watchdog timer (its own thread only)
           SCMP_SYS(set_robust_list), SCMP_SYS(rseq), SCMP_SYS(sched_getaffinity), SCMP_SYS(getpid),
           SCMP_SYS(gettid), SCMP_SYS(getuid), SCMP_SYS(geteuid), SCMP_SYS(getgid), SCMP_SYS(getegid),
           SCMP_SYS(getrandom), SCMP_SYS(exit), SCMP_SYS(exit_group), SCMP_SYS(rt_sigaction),
           SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigreturn), SCMP_SYS(sigaltstack), SCMP_SYS(restart_syscall),
           SCMP_SYS(prlimit64), SCMP_SYS(getrlimit), SCMP_SYS(getrusage), SCMP_SYS(uname), SCMP_SYS(sysinfo),
           SCMP_SYS(timer_create), SCMP_SYS(timer_settime), SCMP_SYS(timer_delete)})
    allow(nr);

  if (holder) {
    // A template's holder: forks a spawn per request, waits for it and
    // signals it, passes descriptors; a spawn child redirects its stdio,
    // asks to die with the holder and stacks the strict filter.
    for (int nr : {SCMP_SYS(clone), SCMP_SYS(wait4), SCMP_SYS(waitid), SCMP_SYS(pidfd_open),
                   SCMP_SYS(pidfd_send_signal), SCMP_SYS(recvmsg), SCMP_SYS(sendmsg), SCMP_SYS(dup2),
                   SCMP_SYS(prctl), SCMP_SYS(seccomp), SCMP_SYS(getppid), SCMP_SYS(kill), SCMP_SYS(tgkill)})
      allow(nr);
    // A standby spawn's request socket: a pair of unix sockets, nothing else.
    if (rc == 0)
      rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socketpair), 1, SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
  } else {
    // Signals only to this process (abort, raise).
    const scmp_datum_t self = static_cast<scmp_datum_t>(getpid());
    if (rc == 0) rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1, SCMP_A0(SCMP_CMP_EQ, self));
    if (rc == 0) rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(kill), 1, SCMP_A0(SCMP_CMP_EQ, self));
    // Threads only (the watchdog): never a new process.
    if (rc == 0)
      rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
                            SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
  }
  // clone3's flags are behind a pointer, so it is refused with ENOSYS and
  // glibc falls back to clone.
  if (rc == 0) rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
  // Opens only relative to a directory fd we hold: never by a path from
  // the current directory or the host's root.
  if (rc == 0)
    rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
                          SCMP_A0(SCMP_CMP_NE, static_cast<uint32_t>(AT_FDCWD)));
  if (rc == 0)
    rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(openat), 1,
                          SCMP_A0(SCMP_CMP_EQ, static_cast<uint32_t>(AT_FDCWD)));
  if (rc == 0) rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(open), 0);
  if (rc == 0) rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(creat), 0);
  // Terminal requests the guest's tty emulation passes on, and FIONREAD.
  for (unsigned long req : {TCGETS, TCSETS, TCSETSW, TCSETSF, TIOCGWINSZ, TIOCGPGRP, FIONREAD})
    if (rc == 0) rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1, SCMP_A1(SCMP_CMP_EQ, req));
  if (rc != 0) {
    seccomp_release(ctx);
    *error = std::string("cannot build the seccomp filter: ") + std::strerror(-rc);
    return nullptr;
  }
  return ctx;
}

// libseccomp 2.5 (Debian 12) exports a program only to a descriptor: a
// pipe, read back (the program is a few hundred instructions, well under
// a pipe's buffer). Every filter is loaded from its exported program, so
// one that was compiled ahead (a template's standby) and one compiled on
// the spot go into the kernel the same way.
bool compile_filter(bool holder, CompiledSyscallFilter* out, std::string* error) {
  scmp_filter_ctx ctx = build_filter(error, holder);
  if (!ctx) return false;
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) {
    seccomp_release(ctx);
    *error = std::string("cannot compile the seccomp filter: pipe: ") + std::strerror(errno);
    return false;
  }
  int rc = seccomp_export_bpf(ctx, p[1]);
  seccomp_release(ctx);
  close(p[1]);
  std::string bytes;
  char buf[4096];
  ssize_t n;
  while ((n = read(p[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0) bytes.append(buf, static_cast<size_t>(n));
  close(p[0]);
  if (rc != 0 || bytes.empty() || bytes.size() % sizeof(sock_filter) != 0 ||
      bytes.size() / sizeof(sock_filter) > BPF_MAXINSNS) {
    *error = "cannot compile the seccomp filter" + (rc ? ": " + std::string(std::strerror(-rc)) : std::string());
    return false;
  }
  out->program.resize(bytes.size() / sizeof(sock_filter));
  std::memcpy(out->program.data(), bytes.data(), bytes.size());
  out->pid = getpid();
  return true;
}

bool install_filter(std::string* error, bool holder) {
  CompiledSyscallFilter filter;
  return compile_filter(holder, &filter, error) && load_host_syscall_filter(filter, error);
}

}  // namespace

bool install_host_syscall_filter(std::string* error) { return install_filter(error, false); }
bool install_template_holder_filter(std::string* error) { return install_filter(error, true); }

bool compile_host_syscall_filter(CompiledSyscallFilter* out, std::string* error) {
  return compile_filter(false, out, error);
}

bool load_host_syscall_filter(const CompiledSyscallFilter& filter, std::string* error) {
  if (filter.program.empty() || filter.pid != getpid()) {
    *error = "the compiled seccomp filter is not this process's";
    return false;
  }
  trap_refused_syscalls();
  sock_fprog prog{static_cast<unsigned short>(filter.program.size()),
                  const_cast<sock_filter*>(filter.program.data())};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
    *error = std::string("cannot install the seccomp filter: ") + std::strerror(errno);
    return false;
  }
  return true;
}

std::string probe_forbidden_host_syscall(const std::string& which) {
  auto result = [](long r) { return r < 0 ? std::string(strerrorname_np(errno)) : std::string("allowed"); };
  if (which == "open_absolute") return result(syscall(SYS_openat, AT_FDCWD, "/etc/passwd", O_RDONLY));
  if (which == "open_legacy") return result(syscall(SYS_open, "/etc/passwd", O_RDONLY));
  if (which == "socket") return result(syscall(SYS_socket, AF_INET, SOCK_STREAM, 0));
  if (which == "execve") return result(syscall(SYS_execve, "/bin/true", nullptr, nullptr));
  if (which == "fork") return result(syscall(SYS_fork));
  if (which == "getpid") return result(syscall(SYS_getpid));
  return "unknown probe";
}

}  // namespace vmrun
