// Sandbox::run: either in this process, or (the default) in a supervised
// child process so that a crash or hang inside the CPU emulator becomes
// StopReason::EmulatorFault and the caller lives on. The child streams
// stdout/stderr through pipes and sends its result as JSON.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "emu/kernel/kernel.h"
#include "emu/engine/unicorn_version.h"
#include "lib/host_io.h"
#include "lib/host_landlock.h"
#include "lib/host_seccomp.h"
#include "syscalls/syscall_table.h"
#include "vmrun/sandbox.h"

namespace vmrun {
namespace {



RunResult run_here(const Config& config, const RunRequest& req) {
  rusage before {};
  getrusage(RUSAGE_SELF, &before);
  std::string out, err;
  StdioSpec stdio;
  stdio.stdin_data = req.stdin_data;
  stdio.stdin_fd = req.stdin_fd;
  stdio.stdout_fd = req.stdout_fd;
  stdio.stderr_fd = req.stderr_fd;
  if (req.stdout_fd < 0) stdio.stdout_capture = &out;
  if (req.stderr_fd < 0) stdio.stderr_capture = &err;
  RunResult r;
  {
    Kernel kernel(config, std::move(stdio), linux_syscalls());
    r = kernel.run(req);
  }
  r.stdout_data = std::move(out);
  r.stderr_data = std::move(err);
  rusage after {};
  getrusage(RUSAGE_SELF, &after);
  r.host_cpu_seconds = cpu_seconds(after) - cpu_seconds(before);
  r.host_peak_rss = static_cast<uint64_t>(after.ru_maxrss) * 1024;  // the whole host process's
  return r;
}


// What the emulator process does once the program is loaded and before its
// first instruction: Landlock limits later opens to the rootfs and mounts
// (where the kernel has it), then the seccomp allowlist (docs/SECURITY.md).
std::function<bool(std::string*)> harden_emulator_process(const Config& config) {
  std::vector<LandlockPath> paths;
  for (const std::string& root : rootfs_candidates(config)) paths.push_back({root, false});
  for (const Mount& m : config.mounts) paths.push_back({m.host_dir, m.writable});
  return [paths](std::string* error) {
    if (restrict_host_paths(paths, error) == LandlockStatus::Failed) return false;
    return install_host_syscall_filter(error);
  };
}

// Grace beyond the guest's own time limit before the supervisor kills an
// emulator that did not stop by itself.
constexpr double kKillGrace = 3.0;
// How long a cancelled emulator has to send its result.
constexpr double kCancelGrace = 2.0;

// The emulator process's kernel, for its termination-signal handler (one
// per emulator process, which runs exactly one Kernel), and a termination
// request that arrived before that kernel existed.
std::atomic<Kernel*> g_child_kernel{nullptr};
std::atomic<int> g_early_cancel{0};

RunResult run_contained(const Config& config, const RunRequest& req) {
  double started = monotonic_seconds();
  double started_wall = [] {
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
  }();
  int out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1}, res_pipe[2];
  if (pipe2(res_pipe, O_CLOEXEC) != 0 || (req.stdout_fd < 0 && pipe2(out_pipe, O_CLOEXEC) != 0) ||
      (req.stderr_fd < 0 && pipe2(err_pipe, O_CLOEXEC) != 0)) {
    RunResult r;
    r.message = std::string("pipe: ") + std::strerror(errno);
    return r;
  }
  // If the guest gets the terminal, make sure it is restored whatever
  // happens to the emulator process, and let terminal signals (Ctrl-C)
  // reach only the emulator, which forwards them to the guest.
  struct termios saved_tty;
  bool have_tty = req.stdin_fd >= 0 && isatty(req.stdin_fd) && tcgetattr(req.stdin_fd, &saved_tty) == 0;
  struct sigaction ignore {}, old_int, old_quit, old_tstp;
  ignore.sa_handler = SIG_IGN;
  if (have_tty) {
    sigaction(SIGINT, &ignore, &old_int);
    sigaction(SIGQUIT, &ignore, &old_quit);
    sigaction(SIGTSTP, &ignore, &old_tstp);
  }
  // Termination signals stay blocked across the fork until the emulator
  // process has its own handlers: a cancel that comes early must not meet
  // the caller's handlers, or the default action, in the child.
  sigset_t term_sigs, old_mask;
  sigemptyset(&term_sigs);
  for (int sig : {SIGTERM, SIGHUP, SIGINT}) sigaddset(&term_sigs, sig);
  pthread_sigmask(SIG_BLOCK, &term_sigs, &old_mask);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid != 0) pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  if (pid < 0) {
    if (have_tty) {
      sigaction(SIGINT, &old_int, nullptr);
      sigaction(SIGQUIT, &old_quit, nullptr);
      sigaction(SIGTSTP, &old_tstp, nullptr);
    }
    RunResult r;
    r.message = std::string("fork: ") + std::strerror(errno);
    for (int fd : {res_pipe[0], res_pipe[1], out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]})
      if (fd >= 0) close(fd);
    return r;
  }
  if (pid == 0) {
    // The emulator process. The embedder's handlers for fatal signals must
    // not run here: a crash has to end this process so the parent sees it.
    if (have_tty) {
      sigaction(SIGINT, &old_int, nullptr);
      sigaction(SIGQUIT, &old_quit, nullptr);
      sigaction(SIGTSTP, &old_tstp, nullptr);
    }
    for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS}) signal(sig, SIG_DFL);
    signal(SIGPIPE, SIG_IGN);
    // A sandbox never outlives its caller: if the caller dies (even of
    // SIGKILL), the kernel kills this process. Checked once more after
    // the request, in case the caller died before it.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);
    // Termination requests (the caller's cancel, or a signal to the whole
    // process group) stop the guest cleanly; the result still goes back.
    struct sigaction cancel {};
    cancel.sa_handler = [](int sig) {
      g_early_cancel.store(sig);
      if (Kernel* k = g_child_kernel.load()) k->request_cancel(sig);
    };
    sigemptyset(&cancel.sa_mask);
    for (int sig : {SIGTERM, SIGHUP}) sigaction(sig, &cancel, nullptr);
    if (!have_tty) sigaction(SIGINT, &cancel, nullptr);
    pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
    close(res_pipe[0]);
    if (out_pipe[0] >= 0) close(out_pipe[0]);
    if (err_pipe[0] >= 0) close(err_pipe[0]);
    StdioSpec stdio;
    stdio.stdin_data = req.stdin_data;
    stdio.stdin_fd = req.stdin_fd;
    stdio.stdout_fd = req.stdout_fd >= 0 ? req.stdout_fd : out_pipe[1];
    stdio.stderr_fd = req.stderr_fd >= 0 ? req.stderr_fd : err_pipe[1];
    RunRequest child_req = req;
    child_req.cancel_fd = -1;  // the caller watches it and signals us
    RunResult r;
    {
      Kernel kernel(config, std::move(stdio), linux_syscalls());
      if (config.host_syscall_filter) kernel.set_before_guest_code(harden_emulator_process(config));
      g_child_kernel.store(&kernel);
      // A request that came while the kernel was being made still counts.
      if (int sig = g_early_cancel.load()) kernel.request_cancel(sig);
      r = kernel.run(child_req);
      g_child_kernel.store(nullptr);
    }
    write_all(res_pipe[1], r.to_json());
    _exit(0);
  }
  close(res_pipe[1]);
  if (out_pipe[1] >= 0) close(out_pipe[1]);
  if (err_pipe[1] >= 0) close(err_pipe[1]);

  std::string out, err, result_text;
  const uint64_t cap = config.limits.max_output ? config.limits.max_output : UINT64_MAX;
  double limit = config.limits.effective_timeout();
  double kill_at = limit > 0 ? started + limit + config.limits.kill_after_seconds + kKillGrace : 0;
  bool killed_for_time = false, cancelled = false;
  int fds[3] = {out_pipe[0], err_pipe[0], res_pipe[0]};
  std::string* sinks[3] = {&out, &err, &result_text};
  char buf[65536];
  while (fds[0] >= 0 || fds[1] >= 0 || fds[2] >= 0) {
    pollfd p[4];
    int n = 0, idx[4];
    for (int i = 0; i < 3; i++)
      if (fds[i] >= 0) p[n] = {fds[i], POLLIN, 0}, idx[n++] = i;
    if (req.cancel_fd >= 0 && !cancelled) p[n] = {req.cancel_fd, POLLIN, 0}, idx[n++] = 3;
    int timeout_ms = -1;
    if (kill_at) timeout_ms = static_cast<int>(std::clamp((kill_at - monotonic_seconds()) * 1000 + 1, 0.0, 3600e3));
    int rc = poll(p, n, timeout_ms);
    if (rc < 0 && errno == EINTR) continue;
    if (rc == 0 && kill_at && monotonic_seconds() >= kill_at) {
      kill(pid, SIGKILL);
      killed_for_time = !cancelled;
      break;
    }
    for (int j = 0; j < n; j++) {
      if (!p[j].revents) continue;
      int i = idx[j];
      if (i == 3) {
        // Ask the emulator to stop; it has a grace period to send its
        // result before it is killed.
        cancelled = true;
        kill(pid, SIGTERM);
        double grace = monotonic_seconds() + kCancelGrace;
        kill_at = kill_at ? std::min(kill_at, grace) : grace;
        continue;
      }
      ssize_t got = read(fds[i], buf, sizeof buf);
      if (got <= 0) {
        if (got < 0 && errno == EINTR) continue;
        close(fds[i]);
        fds[i] = -1;
        continue;
      }
      std::string& sink = *sinks[i];
      if (i == 2) {
        if (sink.size() < (16u << 20)) sink.append(buf, got);
      } else {
        uint64_t room = out.size() + err.size() < cap ? cap - out.size() - err.size() : 0;
        sink.append(buf, std::min<uint64_t>(room, got));
      }
    }
  }
  for (int i = 0; i < 3; i++)
    if (fds[i] >= 0) close(fds[i]);
  int status = 0;
  rusage usage {};
  while (wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  if (have_tty) {
    tcsetattr(req.stdin_fd, TCSAFLUSH, &saved_tty);
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGQUIT, &old_quit, nullptr);
    sigaction(SIGTSTP, &old_tstp, nullptr);
  }
  RunResult r;
  if (killed_for_time) {
    r.stop_reason = StopReason::TimeLimit;
    r.message = "the emulator did not stop at the time limit and was killed";
  } else if (cancelled && (result_text.empty() || !WIFEXITED(status))) {
    r.stop_reason = StopReason::Cancelled;
    r.message = "cancelled; the emulator did not stop in time and was killed";
  } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && !result_text.empty()) {
    r = RunResult::from_json(result_text);
  } else {
    r.stop_reason = StopReason::EmulatorFault;
    r.message = WIFSIGNALED(status) ? std::string("the emulator process died of signal ") +
                                          std::to_string(WTERMSIG(status)) + " (" + strsignal(WTERMSIG(status)) + ")"
                                    : "the emulator process exited without a result";
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
      r.message += ": a host system call outside the seccomp allowlist (the number is on stderr)";
  }
  r.wall_seconds = monotonic_seconds() - started;
  r.host_cpu_seconds = cpu_seconds(usage);
  r.host_peak_rss = static_cast<uint64_t>(usage.ru_maxrss) * 1024;
  r.limits = config.limits;
  if (r.started_at == 0) r.started_at = started_wall;
  r.stdout_data = std::move(out);
  r.stderr_data = std::move(err);
  return r;
}

}  // namespace

Sandbox::Sandbox(Config config) : config_(std::move(config)) {}

std::vector<std::string> rootfs_candidates(const Config& config) {
  if (!config.rootfs.empty()) return {config.rootfs};
  std::vector<std::string> roots;
  for (auto& [arch, dir] : config.rootfs_by_arch) roots.push_back(dir);
  return roots;
}

RunResult Sandbox::run(const RunRequest& request) const {
  if (std::string why = config_.limits.invalid_reason(); !why.empty()) {
    RunResult r;
    r.stop_reason = StopReason::SandboxError;
    r.message = "invalid limits: " + why;
    r.limits = config_.limits;
    return r;
  }
  if (std::string why; !loaded_unicorn_supported(&why)) {
    RunResult r;
    r.stop_reason = StopReason::SandboxError;
    r.message = why;
    r.limits = config_.limits;
    return r;
  }
  if (config_.rootfs.empty() && config_.rootfs_by_arch.empty()) {
    RunResult r;
    r.stop_reason = StopReason::SandboxError;
    r.message = "no root filesystem configured (Config::rootfs)";
    return r;
  }
  return config_.contain ? run_contained(config_, request) : run_here(config_, request);
}

}  // namespace vmrun
