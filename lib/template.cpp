// Warm templates: Sandbox::prepare runs a program in a holder process up to
// its ready point (emu/kernel/spawn.cpp) and keeps it there; Template::spawn
// asks the holder, over a control socket, to fork one run from that state.
//
//   embedder ── control socket (SEQPACKET: one request + 5 fds) ──► holder
//      ▲  status socket: the spawn's pid and pidfd, then its wait status  │ fork
//      └── stdout, stderr, result pipes; stdin socket ───────────── spawn ◄┘
//
// The holder is single-threaded: at the ready point the kernel's watchdog
// thread has ended, so a fork copies one thread, the paused kernel, guest
// memory and Unicorn's translated code (copy-on-write). A spawn puts its
// own descriptors on the fd numbers the template's stdio files use, makes
// itself a run of its own (Kernel::begin_spawn), stacks the strict seccomp
// filter and resumes the guest; its result goes back as JSON, like a
// contained run's. The holder keeps one standby spawn forked ahead (its
// fork, detach_from_template and the compiling of the strict filter are
// off the request's path); the request and descriptors are handed to it
// over a socket pair. A spawn closes its output before it sends its
// result, so the embedder returns without waiting for the process's
// teardown; the holder reaps it.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "emu/engine/unicorn_version.h"
#include "emu/kernel/kernel.h"
#include "lib/host_io.h"
#include "lib/host_landlock.h"
#include "lib/host_seccomp.h"
#include "syscalls/syscall_table.h"
#include "vmrun/sandbox.h"

namespace vmrun {
namespace {

constexpr double kKillGrace = 3.0;    // beyond a spawn's own time limit
constexpr double kCancelGrace = 2.0;  // for a cancelled spawn to send its result
constexpr size_t kMaxRequestBytes = 160u << 10;  // one SEQPACKET message
constexpr uint32_t kRequestMagic = 0x766d7370;   // "vmsp"
constexpr int kSpawnFds = 5;                     // status, stdin, stdout, stderr, result

// Messages on a spawn's status socket, holder to embedder.
struct StatusMessage {
  enum Kind : int32_t { kStarted = 1, kEnded = 2, kFailed = 3 } kind;
  int32_t pid;        // kStarted (a pidfd travels with it)
  int32_t status;     // kEnded: the wait status; kFailed: errno
  double cpu_seconds; // kEnded
  uint64_t peak_rss;  // kEnded: bytes
};


double unix_now() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}


void close_fd(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

int pidfd_open(pid_t pid) { return static_cast<int>(syscall(SYS_pidfd_open, pid, 0)); }
int pidfd_signal(int pidfd, int sig) { return static_cast<int>(syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0)); }

// Send `data` with descriptors attached (SCM_RIGHTS).
bool send_with_fds(int sock, const void* data, size_t len, const int* fds, int nfds) {
  iovec iov{const_cast<void*>(data), len};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kSpawnFds)];
  if (nfds > 0) {
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
    std::memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
  }
  ssize_t n;
  do n = sendmsg(sock, &msg, MSG_NOSIGNAL); while (n < 0 && errno == EINTR);
  return n == static_cast<ssize_t>(len);
}

// Receive one message and its descriptors (at most kSpawnFds, close-on-exec).
// Returns the message length, 0 at end of file, -1 on error.
ssize_t receive_with_fds(int sock, void* data, size_t len, std::vector<int>* fds) {
  iovec iov{data, len};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kSpawnFds)];
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  do n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC); while (n < 0 && errno == EINTR);
  if (n < 0) return -1;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; i++) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      fds->push_back(fd);
    }
  }
  if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
    for (int fd : *fds) close(fd);
    fds->clear();
    return -1;
  }
  return n;
}

// --- the spawn request on the wire ---

class Writer {
 public:
  template <typename T>
  void put(const T& v) {
    out.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  void put_strings(const std::vector<std::string>& list) {
    put(static_cast<uint32_t>(list.size()));
    for (const std::string& s : list) {
      put(static_cast<uint32_t>(s.size()));
      out += s;
    }
  }
  std::string out;
};

class Reader {
 public:
  Reader(const char* p, size_t n) : p_(p), left_(n) {}
  template <typename T>
  bool get(T* v) {
    if (left_ < sizeof *v) return false;
    std::memcpy(v, p_, sizeof *v);
    p_ += sizeof *v;
    left_ -= sizeof *v;
    return true;
  }
  bool get_strings(std::vector<std::string>* list) {
    uint32_t count;
    if (!get(&count) || count > left_) return false;
    for (uint32_t i = 0; i < count; i++) {
      uint32_t len;
      if (!get(&len) || len > left_) return false;
      list->emplace_back(p_, len);
      p_ += len;
      left_ -= len;
    }
    return true;
  }
  bool done() const { return left_ == 0; }

 private:
  const char* p_;
  size_t left_;
};

std::string encode_request(const Kernel::SpawnSettings& s) {
  Writer w;
  w.put(kRequestMagic);
  const Limits& l = s.limits;
  w.put(l.max_instructions);
  w.put(l.timeout_seconds);
  w.put(l.max_memory);
  w.put(l.max_output);
  w.put(l.max_disk);
  w.put(l.max_open_files);
  w.put(l.max_processes);
  w.put(l.kill_after_seconds);
  w.put(s.seed);
  w.put_strings(s.env);
  w.put_strings(s.args);
  return w.out;
}

bool decode_request(const char* data, size_t len, Kernel::SpawnSettings* s) {
  Reader r(data, len);
  uint32_t magic;
  Limits& l = s->limits;
  return r.get(&magic) && magic == kRequestMagic && r.get(&l.max_instructions) && r.get(&l.timeout_seconds) &&
         r.get(&l.max_memory) && r.get(&l.max_output) && r.get(&l.max_disk) && r.get(&l.max_open_files) &&
         r.get(&l.max_processes) && r.get(&l.kill_after_seconds) && r.get(&s->seed) && r.get_strings(&s->env) &&
         r.get_strings(&s->args) && r.done() && l.invalid_reason().empty();
}

// Close every descriptor from 3 up but `keep`: the holder must not hold
// the embedder's other pipes and sockets (their readers would never see
// end of file while it lives).
void close_other_fds(std::vector<int> keep) {
  std::sort(keep.begin(), keep.end());
  unsigned from = 3;
  for (int fd : keep) {
    if (fd < 3) continue;
    if (static_cast<unsigned>(fd) > from) syscall(SYS_close_range, from, static_cast<unsigned>(fd) - 1, 0);
    from = static_cast<unsigned>(fd) + 1;
  }
  syscall(SYS_close_range, from, ~0u, 0);
}

// The kernel of this process (holder or spawn), for the termination-signal
// handler: one per process.
std::atomic<Kernel*> g_kernel{nullptr};
std::atomic<int> g_early_cancel{0};

void on_termination_signal(int sig) {
  g_early_cancel.store(sig);
  if (Kernel* k = g_kernel.load()) k->request_cancel(sig);
}

void child_signal_setup() {
  for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS}) signal(sig, SIG_DFL);
  signal(SIGPIPE, SIG_IGN);
  signal(SIGCHLD, SIG_DFL);
  struct sigaction cancel {};
  cancel.sa_handler = on_termination_signal;
  sigemptyset(&cancel.sa_mask);
  for (int sig : {SIGTERM, SIGHUP, SIGINT}) sigaction(sig, &cancel, nullptr);
}

// The fd numbers of the template's stdio in the holder: a spawn puts its
// own descriptors there, so the guest's stdio files reach them unchanged.
struct HolderStdio {
  int in_read = -1, in_write = -1;  // the template's stdin: empty, and open while the holder lives
  int out = -1, err = -1;
};

struct LiveSpawn {
  pid_t pid;
  int status_fd;
};

// A spawn forked ahead of its request, waiting on `sock` for it.
struct Standby {
  pid_t pid = -1;
  int pidfd = -1;
  int sock = -1;
};

// The spawn's side, once it has its request and descriptors (stdin,
// stdout, stderr, result): put them where the template's stdio files look,
// become a run of its own, stack the strict filter and run to the end.
[[noreturn]] void run_spawn(Kernel& kernel, const Config& config, const Kernel::SpawnSettings& settings,
                            const int fds[4], const HolderStdio& stdio,
                            const CompiledSyscallFilter* filter = nullptr) {
  prctl(PR_SET_NAME, "vmrun-spawn");  // what ps and perf show for it
  const int in = fds[0], out = fds[1], err = fds[2], result = fds[3];
  if (dup2(in, stdio.in_read) < 0 || dup2(out, stdio.out) < 0 || dup2(err, stdio.err) < 0) _exit(1);
  close(in);
  close(out);
  close(err);
  // Termination signals were blocked since the holder's ready point; one
  // sent to this spawn is pending and acts once the handler has the kernel.
  g_early_cancel.store(0);
  g_kernel.store(&kernel);
  sigset_t term_sigs;
  sigemptyset(&term_sigs);
  for (int sig : {SIGTERM, SIGHUP, SIGINT}) sigaddset(&term_sigs, sig);
  pthread_sigmask(SIG_UNBLOCK, &term_sigs, nullptr);
  // CPU time counts from the request, as the faults do (what a standby
  // did before it is not the job's).
  rusage before{};
  getrusage(RUSAGE_SELF, &before);
  kernel.begin_spawn(settings);
  RunResult r;
  std::string why;
  bool filtered = !config.host_syscall_filter ||
                  (filter ? load_host_syscall_filter(*filter, &why) : install_host_syscall_filter(&why));
  if (!filtered) {
    r = kernel.partial_result();
    r.stop_reason = StopReason::SandboxError;
    r.message = why;
  } else {
    r = kernel.resume(-1);  // the embedder watches the cancel fd and signals us
  }
  // The run's host usage from here (the embedder may not wait for the
  // wait status), and its output ends with it: the embedder returns once
  // it has the result and both streams, without waiting for this
  // process's teardown (unmapping guest memory and Unicorn's buffers).
  rusage self{};
  if (getrusage(RUSAGE_SELF, &self) == 0) {
    r.host_cpu_seconds = cpu_seconds(self) - cpu_seconds(before);
    r.host_peak_rss = static_cast<uint64_t>(self.ru_maxrss) * 1024;
  }
  close(stdio.out);
  close(stdio.err);
  close(stdio.in_read);
  write_all(result, r.to_json());
  _exit(0);
}

// The holder's service loop: one spawn per request until the control
// socket closes (the Template was destroyed, or the embedder died); then
// its spawns are killed and reaped. A standby spawn, forked ahead, takes
// the next request; without one (it could not be made, or died) the
// holder forks for the request itself.
[[noreturn]] void serve(Kernel& kernel, const Config& config, int ctl, const HolderStdio& stdio) {
  std::map<int, LiveSpawn> live;  // by pidfd
  Standby standby;
  std::vector<char> buf(kMaxRequestBytes);
  pid_t holder = getpid();
  // In a new child: nothing of the other spawns and nothing of the
  // holder's service stays open.
  auto leave_holder = [&] {
    close(ctl);
    for (auto& [pidfd, s] : live) {
      close(pidfd);
      close(s.status_fd);
    }
    if (standby.sock >= 0) close(standby.sock);
    if (standby.pidfd >= 0) close(standby.pidfd);
    close(stdio.in_write);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != holder) _exit(1);
  };
  auto end_standby = [&] {
    if (standby.pidfd >= 0) pidfd_signal(standby.pidfd, SIGKILL);
    if (standby.pid > 0) waitpid(standby.pid, nullptr, 0);
    for (int fd : {standby.pidfd, standby.sock})
      if (fd >= 0) close(fd);
    standby = Standby{};
  };
  auto start_standby = [&] {
    int sp[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) != 0) return;
    pid_t pid = fork();
    if (pid == 0) {
      close(sp[0]);
      leave_holder();
      prctl(PR_SET_NAME, "vmrun-standby");
      kernel.detach_from_template();
      // Compiled now, loaded when the request comes (milliseconds saved
      // on the request's path); if compiling fails, the spawn compiles
      // again and reports why.
      CompiledSyscallFilter filter;
      std::string ignored;
      bool compiled = config.host_syscall_filter && compile_host_syscall_filter(&filter, &ignored);
      std::vector<int> fds;
      ssize_t n = receive_with_fds(sp[1], buf.data(), buf.size(), &fds);
      Kernel::SpawnSettings settings;
      if (n <= 0 || fds.size() != 4 || !decode_request(buf.data(), n, &settings)) _exit(0);
      close(sp[1]);
      run_spawn(kernel, config, settings, fds.data(), stdio, compiled ? &filter : nullptr);
    }
    close(sp[1]);
    int pidfd = pid > 0 ? pidfd_open(pid) : -1;
    if (pid < 0 || pidfd < 0) {
      close(sp[0]);
      if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
      }
      return;
    }
    standby = Standby{pid, pidfd, sp[0]};
  };
  auto finish_spawn = [&](int pidfd) {
    LiveSpawn s = live.at(pidfd);
    int status = 0;
    rusage usage{};
    while (wait4(s.pid, &status, 0, &usage) < 0 && errno == EINTR) {
    }
    StatusMessage m{StatusMessage::kEnded, s.pid, status, cpu_seconds(usage),
                    static_cast<uint64_t>(usage.ru_maxrss) * 1024};
    send_with_fds(s.status_fd, &m, sizeof m, nullptr, 0);
    close(s.status_fd);
    close(pidfd);
    live.erase(pidfd);
  };
  start_standby();
  for (;;) {
    std::vector<pollfd> p;
    p.push_back({ctl, POLLIN, 0});
    for (auto& [pidfd, s] : live) p.push_back({pidfd, POLLIN, 0});
    if (poll(p.data(), p.size(), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (size_t i = 1; i < p.size(); i++)
      if (p[i].revents) finish_spawn(p[i].fd);
    if (!p[0].revents) continue;
    std::vector<int> fds;
    ssize_t n = receive_with_fds(ctl, buf.data(), buf.size(), &fds);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR && errno != ENOBUFS && errno != ENOMEM)) break;
    if (n < 0) continue;
    Kernel::SpawnSettings settings;
    if (fds.size() != static_cast<size_t>(kSpawnFds) || !decode_request(buf.data(), n, &settings)) {
      if (!fds.empty()) {
        StatusMessage m{StatusMessage::kFailed, 0, EINVAL, 0, 0};
        send_with_fds(fds[0], &m, sizeof m, nullptr, 0);
      }
      for (int fd : fds) close(fd);
      continue;
    }
    const int status_fd = fds[0];
    const int* spawn_fds = fds.data() + 1;  // stdin, stdout, stderr, result
    pid_t pid = -1;
    int pidfd = -1;
    if (standby.pid > 0 && send_with_fds(standby.sock, buf.data(), n, spawn_fds, 4)) {
      pid = standby.pid;
      pidfd = standby.pidfd;
      close(standby.sock);
      standby = Standby{};
    } else {
      end_standby();
      pid = fork();
      if (pid == 0) {
        close(status_fd);
        leave_holder();
        run_spawn(kernel, config, settings, spawn_fds, stdio);
      }
      pidfd = pid > 0 ? pidfd_open(pid) : -1;
    }
    for (int i = 0; i < 4; i++) close(spawn_fds[i]);
    if (pid < 0 || pidfd < 0) {
      StatusMessage m{StatusMessage::kFailed, 0, errno, 0, 0};
      send_with_fds(status_fd, &m, sizeof m, nullptr, 0);
      close(status_fd);
      if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
      }
      continue;
    }
    StatusMessage m{StatusMessage::kStarted, pid, 0, 0, 0};
    send_with_fds(status_fd, &m, sizeof m, &pidfd, 1);
    live[pidfd] = {pid, status_fd};
    start_standby();
  }
  end_standby();
  for (auto& [pidfd, s] : live) pidfd_signal(pidfd, SIGKILL);
  while (!live.empty()) finish_spawn(live.begin()->first);
  _exit(0);
}

// The holder process: run to the ready point, report, then serve.
[[noreturn]] void holder_main(const Config& config, const RunRequest& request, int ctl, int result_fd, int out_fd,
                              int err_fd) {
  HolderStdio stdio;
  int in_pipe[2];
  int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (pipe(in_pipe) != 0 || devnull < 0) {
    RunResult r;
    r.message = std::string("template holder: ") + std::strerror(errno);
    write_all(result_fd, "R" + r.to_json());
    _exit(0);
  }
  stdio.in_read = in_pipe[0];
  stdio.in_write = in_pipe[1];
  stdio.out = out_fd;
  stdio.err = err_fd;
  StdioSpec spec;
  spec.stdin_fd = stdio.in_read;
  spec.stdout_fd = out_fd;
  spec.stderr_fd = err_fd;
  RunRequest req = request;
  req.cancel_fd = -1;  // the embedder watches it and signals us
  req.stdin_data.clear();
  req.stdin_fd = -1;
  req.stdout_fd = req.stderr_fd = -1;
  Kernel* kernel = new Kernel(config, std::move(spec), linux_syscalls());  // lives until the holder exits
  kernel->set_stop_at_ready_point(true);
  if (config.host_syscall_filter) {
    std::vector<LandlockPath> paths;
    for (const std::string& root : rootfs_candidates(config)) paths.push_back({root, false});
    for (const Mount& m : config.mounts) paths.push_back({m.host_dir, m.writable});
    kernel->set_before_guest_code([paths](std::string* error) {
      if (restrict_host_paths(paths, error) == LandlockStatus::Failed) return false;
      return install_template_holder_filter(error);
    });
  }
  g_kernel.store(kernel);
  if (int sig = g_early_cancel.load()) kernel->request_cancel(sig);
  RunResult r = kernel->run(req);
  g_kernel.store(nullptr);
  if (!kernel->at_ready_point()) {
    write_all(result_fd, "R" + r.to_json());
    _exit(0);
  }
  // From here termination signals wait, blocked: the holder ends only with
  // its control socket (or SIGKILL). A spawn starts with them blocked and
  // nothing pending, and unblocks them once its handler can act.
  sigset_t term_sigs;
  sigemptyset(&term_sigs);
  for (int sig : {SIGTERM, SIGHUP, SIGINT}) sigaddset(&term_sigs, sig);
  pthread_sigmask(SIG_BLOCK, &term_sigs, nullptr);
  g_early_cancel.store(0);
  write_all(result_fd, "T" + r.to_json());
  close(result_fd);
  // The embedder's output pipes end here; their fd numbers stay taken
  // (by /dev/null) for the spawns' own.
  dup2(devnull, out_fd);
  dup2(devnull, err_fd);
  close(devnull);
  serve(*kernel, config, ctl, stdio);
}

// The supervisor's side of one emulator process that is not its child
// (a spawn) or that it must not wait for (a holder at its ready point):
// read stdout, stderr and the result until they end, feed stdin, and
// stop it at the time limit or on cancel.
struct Supervised {
  int out = -1, err = -1, result = -1;
  int status = -1;     // a spawn's status socket
  int stdin_w = -1;    // our end of the spawn's stdin, with `stdin_data` to write
  std::string stdin_data;
  int cancel_fd = -1;
  uint64_t output_cap = 0;
  double kill_at = 0;  // host seconds (0: none)
  // Signals the emulator process (it may not be known yet: a spawn's pid
  // comes on the status socket).
  std::function<void(int)> signal;

  std::string out_data, err_data, result_text;
  bool killed_for_time = false, cancelled = false;
  bool ended = false;  // a spawn's kEnded arrived
  StatusMessage end{};
  // A spawn: done once the result and both streams have ended and the
  // result is whole, before the holder has reaped the process.
  bool result_suffices = false;
  bool result_complete = false;
  pid_t pid = 0;
  int pidfd = -1;
};

void supervise(Supervised& s) {
  size_t stdin_done = 0;
  if (s.stdin_w >= 0) fcntl(s.stdin_w, F_SETFL, fcntl(s.stdin_w, F_GETFL) | O_NONBLOCK);
  if (s.stdin_w >= 0 && s.stdin_data.empty()) close_fd(s.stdin_w);
  bool kill_pending = false;  // asked before the pid was known
  int pending_sig = 0;
  auto send_signal = [&](int sig) {
    if (s.signal) return s.signal(sig);
    if (s.pidfd >= 0) {
      pidfd_signal(s.pidfd, sig);
    } else {
      kill_pending = true;
      pending_sig = sig == SIGKILL || pending_sig == SIGKILL ? SIGKILL : sig;
    }
  };
  char buf[65536];
  while (s.out >= 0 || s.err >= 0 || s.result >= 0 || s.status >= 0) {
    if (s.result_suffices && s.out < 0 && s.err < 0 && s.result < 0 && s.pid > 0 && !s.killed_for_time &&
        !s.cancelled && nlohmann::json::accept(s.result_text)) {
      s.result_complete = true;
      break;
    }
    pollfd p[6];
    int n = 0, idx[6];
    int* fds[4] = {&s.out, &s.err, &s.result, &s.status};
    for (int i = 0; i < 4; i++)
      if (*fds[i] >= 0) p[n] = {*fds[i], POLLIN, 0}, idx[n++] = i;
    if (s.stdin_w >= 0) p[n] = {s.stdin_w, POLLOUT, 0}, idx[n++] = 4;
    if (s.cancel_fd >= 0 && !s.cancelled) p[n] = {s.cancel_fd, POLLIN, 0}, idx[n++] = 5;
    int timeout_ms = -1;
    if (s.kill_at) timeout_ms = static_cast<int>(std::clamp((s.kill_at - monotonic_seconds()) * 1000 + 1, 0.0, 3600e3));
    int rc = poll(p, n, timeout_ms);
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0) break;
    if (rc == 0 && s.kill_at && monotonic_seconds() >= s.kill_at) {
      send_signal(SIGKILL);
      s.killed_for_time = !s.cancelled;
      s.kill_at = 0;
      close_fd(s.stdin_w);
      continue;
    }
    for (int j = 0; j < n; j++) {
      if (!p[j].revents) continue;
      int i = idx[j];
      if (i == 5) {
        s.cancelled = true;
        send_signal(SIGTERM);
        double grace = monotonic_seconds() + kCancelGrace;
        s.kill_at = s.kill_at ? std::min(s.kill_at, grace) : grace;
        continue;
      }
      if (i == 4) {
        ssize_t w = send(s.stdin_w, s.stdin_data.data() + stdin_done, s.stdin_data.size() - stdin_done,
                         MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w > 0) stdin_done += w;
        if ((w < 0 && errno != EAGAIN && errno != EINTR) || stdin_done == s.stdin_data.size()) close_fd(s.stdin_w);
        continue;
      }
      if (i == 3) {
        StatusMessage m{};
        std::vector<int> got;
        ssize_t k = receive_with_fds(s.status, &m, sizeof m, &got);
        if (k <= 0 || k != sizeof m) {
          for (int fd : got) close(fd);
          if (k < 0 && errno == EINTR) continue;
          close_fd(s.status);
          continue;
        }
        if (m.kind == StatusMessage::kStarted && got.size() == 1) {
          s.pid = m.pid;
          s.pidfd = got[0];
          if (kill_pending) pidfd_signal(s.pidfd, pending_sig);
        } else {
          for (int fd : got) close(fd);
          s.end = m;
          s.ended = true;
          close_fd(s.status);
        }
        continue;
      }
      int* fd = fds[i];
      ssize_t got = read(*fd, buf, sizeof buf);
      if (got <= 0) {
        if (got < 0 && errno == EINTR) continue;
        close_fd(*fd);
        continue;
      }
      if (i == 2) {
        if (s.result_text.size() < (16u << 20)) s.result_text.append(buf, got);
      } else {
        std::string& sink = i == 0 ? s.out_data : s.err_data;
        uint64_t used = s.out_data.size() + s.err_data.size();
        uint64_t room = used < s.output_cap ? s.output_cap - used : 0;
        sink.append(buf, std::min<uint64_t>(room, got));
      }
    }
  }
  close_fd(s.stdin_w);
  close_fd(s.pidfd);
  close_fd(s.status);
}

// How a supervised emulator process ended, as a RunResult.
RunResult classify(const Supervised& s, bool exited_cleanly, int wait_status, bool status_known) {
  RunResult r;
  if (s.killed_for_time) {
    r.stop_reason = StopReason::TimeLimit;
    r.message = "the emulator did not stop at the time limit and was killed";
  } else if (s.cancelled && (s.result_text.empty() || !exited_cleanly)) {
    r.stop_reason = StopReason::Cancelled;
    r.message = "cancelled; the emulator did not stop in time and was killed";
  } else if (exited_cleanly && !s.result_text.empty()) {
    r = RunResult::from_json(s.result_text);
  } else {
    r.stop_reason = StopReason::EmulatorFault;
    if (!status_known) {
      r.message = "the template's holder process ended before the spawn did";
    } else if (WIFSIGNALED(wait_status)) {
      r.message = std::string("the emulator process died of signal ") + std::to_string(WTERMSIG(wait_status)) + " (" +
                  strsignal(WTERMSIG(wait_status)) + ")";
      if (WTERMSIG(wait_status) == SIGSYS)
        r.message += ": a host system call outside the seccomp allowlist (the number is on stderr)";
    } else {
      r.message = "the emulator process exited without a result";
    }
  }
  return r;
}

RunResult error_result(const std::string& message, const Limits& limits) {
  RunResult r;
  r.stop_reason = StopReason::SandboxError;
  r.message = message;
  r.limits = limits;
  return r;
}

}  // namespace

struct Template::Holder {
  pid_t pid = -1;
  int ctl = -1;
  Config config;
};

Template::Template() = default;
Template::Template(Template&& other) noexcept = default;
Template& Template::operator=(Template&& other) noexcept {
  if (this != &other) {
    Template old(std::move(*this));  // ends this one's holder
    holder_ = std::move(other.holder_);
    prepared_ = std::move(other.prepared_);
  }
  return *this;
}

Template::~Template() {
  if (!holder_) return;
  // The holder sees its control socket close, kills its spawns and exits;
  // a holder that does not within a grace is killed.
  close(holder_->ctl);
  int pidfd = pidfd_open(holder_->pid);
  if (pidfd >= 0) {
    pollfd p{pidfd, POLLIN, 0};
    while (poll(&p, 1, 5000) < 0 && errno == EINTR) {
    }
    if (!p.revents) pidfd_signal(pidfd, SIGKILL);
    close(pidfd);
  }
  while (waitpid(holder_->pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

int Template::holder_pid() const { return holder_ ? holder_->pid : 0; }

Template Sandbox::prepare(const RunRequest& request) const {
  Template t;
  auto fail = [&](const std::string& message) {
    t.prepared_ = error_result(message, config_.limits);
    return std::move(t);
  };
  if (std::string why = config_.limits.invalid_reason(); !why.empty()) return fail("invalid limits: " + why);
  if (std::string why; !loaded_unicorn_supported(&why)) return fail(why);
  if (config_.rootfs.empty() && config_.rootfs_by_arch.empty())
    return fail("no root filesystem configured (Config::rootfs)");
  if (!config_.contain) return fail("templates need Config::contain (the holder is a process of its own)");

  double started = monotonic_seconds(), started_wall = unix_now();
  int ctl[2] = {-1, -1}, res[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl) != 0 || pipe2(res, O_CLOEXEC) != 0 ||
      pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
    std::string message = std::string("pipe: ") + std::strerror(errno);
    for (int* pair : {ctl, res, out, err})
      for (int i = 0; i < 2; i++) close_fd(pair[i]);
    return fail(message);
  }
  sigset_t term_sigs, old_mask;
  sigemptyset(&term_sigs);
  for (int sig : {SIGTERM, SIGHUP, SIGINT}) sigaddset(&term_sigs, sig);
  pthread_sigmask(SIG_BLOCK, &term_sigs, &old_mask);
  pid_t pid = fork();
  if (pid == 0) {
    // The holder. It outlives the thread that prepared it (a server's
    // start-up thread may end), so no PR_SET_PDEATHSIG: it ends when its
    // control socket closes, which the embedder's death also does.
    child_signal_setup();
    pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
    close_other_fds({ctl[1], res[1], out[1], err[1]});
    // The default logger's sinks may have written to descriptors just
    // closed, whose numbers the holder reuses: it logs to stderr only.
    spdlog::default_logger()->sinks().clear();
    spdlog::default_logger()->sinks().push_back(std::make_shared<spdlog::sinks::stderr_sink_mt>());
    holder_main(config_, request, ctl[1], res[1], out[1], err[1]);
  }
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  for (int fd : {ctl[1], res[1], out[1], err[1]}) close(fd);
  if (pid < 0) {
    std::string message = std::string("fork: ") + std::strerror(errno);
    for (int fd : {ctl[0], res[0], out[0], err[0]}) close(fd);
    return fail(message);
  }

  Supervised s;
  s.out = out[0];
  s.err = err[0];
  s.result = res[0];
  s.cancel_fd = request.cancel_fd;
  s.output_cap = config_.limits.max_output ? config_.limits.max_output : UINT64_MAX;
  double limit = config_.limits.effective_timeout();
  s.kill_at = limit > 0 ? started + limit + config_.limits.kill_after_seconds + kKillGrace : 0;
  s.signal = [pid](int sig) { kill(pid, sig); };  // our child: not reaped before we wait
  supervise(s);

  bool ready = !s.killed_for_time && !s.result_text.empty() && s.result_text[0] == 'T';
  RunResult r;
  rusage usage{};
  if (ready) {
    r = RunResult::from_json(s.result_text.substr(1));
    t.holder_ = std::make_unique<Template::Holder>();
    t.holder_->pid = pid;
    t.holder_->ctl = ctl[0];
    t.holder_->config = config_;
  } else {
    close(ctl[0]);
    int status = 0;
    while (wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
    }
    if (!s.result_text.empty()) s.result_text.erase(0, 1);
    r = classify(s, WIFEXITED(status) && WEXITSTATUS(status) == 0, status, true);
    r.host_cpu_seconds = cpu_seconds(usage);
    r.host_peak_rss = static_cast<uint64_t>(usage.ru_maxrss) * 1024;
  }
  r.wall_seconds = monotonic_seconds() - started;
  r.limits = config_.limits;
  if (r.started_at == 0) r.started_at = started_wall;
  r.stdout_data = std::move(s.out_data);
  r.stderr_data = std::move(s.err_data);
  t.prepared_ = std::move(r);
  return t;
}

RunResult Template::spawn(const SpawnRequest& request) const {
  if (!holder_) return error_result("the template is not ready (Template::prepare_result says why)", prepared_.limits);
  // Nothing of *this is used once the request is sent: the Template may
  // then be destroyed by another thread, which ends this spawn.
  const Config& config = holder_->config;
  const std::optional<Arch> arch = prepared_.arch;
  Kernel::SpawnSettings settings;
  settings.limits = request.limits.value_or(config.limits);
  if (std::string why = settings.limits.invalid_reason(); !why.empty())
    return error_result("invalid limits: " + why, settings.limits);
  settings.seed = request.seed.value_or(config.seed);
  settings.env = request.env;
  settings.args = request.args;
  std::string wire = encode_request(settings);
  if (wire.size() > kMaxRequestBytes)
    return error_result("the spawn's env and args exceed " + std::to_string(kMaxRequestBytes) + " bytes",
                        settings.limits);

  const int ctl = holder_->ctl;
  double started = monotonic_seconds(), started_wall = unix_now();
  int status[2] = {-1, -1}, in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1}, res[2] = {-1, -1};
  auto close_all = [&] {
    for (int* pair : {status, in, out, err, res})
      for (int i = 0; i < 2; i++) close_fd(pair[i]);
  };
  bool ok = socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, status) == 0 && pipe2(res, O_CLOEXEC) == 0;
  if (ok && request.stdin_fd < 0) ok = socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) == 0;
  if (ok && request.stdout_fd < 0) ok = pipe2(out, O_CLOEXEC) == 0;
  if (ok && request.stderr_fd < 0) ok = pipe2(err, O_CLOEXEC) == 0;
  if (!ok) {
    std::string message = std::string("pipe: ") + std::strerror(errno);
    close_all();
    return error_result(message, settings.limits);
  }
  // The spawn's ends: status, stdin, stdout, stderr, result.
  int theirs[kSpawnFds] = {status[1], request.stdin_fd >= 0 ? request.stdin_fd : in[1],
                           request.stdout_fd >= 0 ? request.stdout_fd : out[1],
                           request.stderr_fd >= 0 ? request.stderr_fd : err[1], res[1]};
  bool sent = send_with_fds(ctl, wire.data(), wire.size(), theirs, kSpawnFds);
  for (int* fd : {&status[1], &in[1], &out[1], &err[1], &res[1]}) close_fd(*fd);
  if (!sent) {
    std::string message = std::string("the template's holder process is gone (") + std::strerror(errno) + ")";
    close_all();
    return error_result(message, settings.limits);
  }

  Supervised s;
  s.out = out[0];
  s.err = err[0];
  s.result = res[0];
  s.status = status[0];
  s.stdin_w = in[0];
  s.stdin_data = request.stdin_data;
  s.cancel_fd = request.cancel_fd;
  s.output_cap = settings.limits.max_output ? settings.limits.max_output : UINT64_MAX;
  double limit = settings.limits.effective_timeout();
  s.kill_at = limit > 0 ? started + limit + settings.limits.kill_after_seconds + kKillGrace : 0;
  s.result_suffices = true;
  supervise(s);

  RunResult r;
  if (s.ended && s.end.kind == StatusMessage::kFailed) {
    r = error_result(std::string("the template's holder could not fork a spawn: ") + std::strerror(s.end.status),
                     settings.limits);
  } else {
    bool known = s.ended && s.end.kind == StatusMessage::kEnded;
    bool clean = s.result_complete || (known && WIFEXITED(s.end.status) && WEXITSTATUS(s.end.status) == 0);
    r = classify(s, clean, s.end.status, known || s.result_complete);
    if (known && !s.result_complete) {
      // No report of its own: the wait status's usage (the whole process).
      r.host_cpu_seconds = s.end.cpu_seconds;
      r.host_peak_rss = s.end.peak_rss;
    } else if (!s.result_complete) {
      r.host_cpu_seconds = 0;
      r.host_peak_rss = 0;
    }
  }
  r.wall_seconds = monotonic_seconds() - started;
  r.limits = settings.limits;
  if (r.started_at == 0) r.started_at = started_wall;
  if (!r.arch) r.arch = arch;
  r.stdout_data = std::move(s.out_data);
  r.stderr_data = std::move(s.err_data);
  return r;
}

}  // namespace vmrun
