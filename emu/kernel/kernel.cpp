#include <sys/resource.h>
#include "emu/kernel/kernel.h"

#include <cstdlib>
#include <string_view>

#include "emu/files/pty.h"
#include "emu/files/unix_socket.h"

#include "emu/arch/guest_abi.h"

#include <elf.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstring>

#include "emu/loader/elf_loader.h"
#include "emu/files/stdio_files.h"

namespace vmrun {
namespace {


constexpr uint64_t kMaxProgramBytes = 1ull << 30;
constexpr uint64_t kMaxArgBytes = 2ull << 20;   // argv+envp strings (ARG_MAX-like), E2BIG beyond

}  // namespace

Kernel::Kernel(const Config& config, StdioSpec stdio, const SyscallLayer& syscalls)
    : config_(config),
      console_{std::move(stdio), {}, nullptr},
      meter_(config.limits.max_instructions, control_.stop_flag()),
      clock_(config.deterministic, meter_.executed_counter()),
      engines_(config.translation_buffer_bytes, &memory_, &meter_, this),
      loader_(config_, &rng_, &engines_),
      dispatcher_(*this, syscalls, config.strace, &end_.result.unimplemented_syscalls),
      proc_info_(procs_, clock_, meter_, dispatcher_) {
  if (config_.deterministic) {
    rng_.seed(config_.seed);
  } else {
    std::random_device rd;
    rng_.seed((static_cast<uint64_t>(rd()) << 32) ^ rd());
  }
  console_.output.limit = config_.limits.max_output;
  if (const char* d = getenv("VMRUN_DEBUG_TRANSLATIONS"); d && *d && *d != '0') {
    meter_.set_translation_trace([this](uint64_t pc, uint32_t size) {
      if (translation_log_.size() >= 100000) return;
      std::string where = "?";
      if (current_ && current_->image && current_->image->mem)
        if (const Vma* v = current_->image->mem->vma_at(pc))
          where = fmt::format("{}+{:#x}", v->name.empty() ? "[anon]" : v->name, pc - v->start);
      translation_log_.push_back(fmt::format("{:#x} {} {}", pc, size, where));
    });
  }
  memory_.limit = config_.limits.max_memory;
  // No counting hook when nothing needs exact counts: no budget, no
  // virtual time (InstructionMeter, timed mode; docs/UNICORN.md, "Turns
  // without a counting hook"). A template turns it back on
  // (set_stop_at_ready_point): its spawns may bring a budget; one that
  // brings none goes on timed (begin_spawn).
  meter_.set_timed(timed_turns_allowed() && !config_.deterministic && config_.limits.max_instructions == 0);
}

bool Kernel::timed_turns_allowed() {
  const char* timed = std::getenv("VMRUN_TIMED_TURNS");
  return !(timed && std::string_view(timed) == "0");
}

Kernel::~Kernel() {
  // Processes close their engines; the VFS outlives the files they hold.
  current_ = nullptr;
  if (objects_.ptys) objects_.ptys->detach();  // a master closed below hangs up without signals
  procs_.clear();
  engines_.clear();
}

uint64_t Kernel::time_counter() { return static_cast<uint64_t>(monotonic_ns() / 100); }

Process* Kernel::find_process(int pid) { return procs_.find(pid); }

const std::shared_ptr<UnixSocketSpace>& Kernel::unix_sockets() {
  if (!objects_.unix_sockets) objects_.unix_sockets = std::make_shared<UnixSocketSpace>();
  return objects_.unix_sockets;
}

void Kernel::stop_cpu() { meter_.stop(); }

void Kernel::stop_run(StopReason reason, const std::string& message) {
  if (end_.stopped) return;
  end_.stopped = true;
  end_.result.stop_reason = reason;
  end_.result.message = message;
  stop_cpu();
}

void Kernel::output_limit_reached() {
  stop_run(StopReason::OutputLimit, "output limit of " + std::to_string(console_.output.limit) + " bytes reached");
}

void Kernel::on_fault(int signal, uint64_t addr, const char* what, uint64_t pc) {
  char buf[128];
  std::snprintf(buf, sizeof buf, "%s at pc 0x%llx", what, static_cast<unsigned long long>(pc != ~0ull ? pc : addr));
  faults_.pending = {signal, addr, buf, pc};
  stop_cpu();
}

bool Kernel::read_guest(uint64_t addr, void* dst, size_t len) {
  return current_ && current_->mem && current_->mem->peek(addr, dst, len).ok();
}

void Kernel::on_syscall() {
  Process& p = *current_;
  uc_struct* uc = p.uc;
  SyscallRegs regs = cpu().read_syscall(uc);
  p.regs.resume_pc = cpu().syscall_return_pc(uc);
  SyscallDispatcher::Outcome r = dispatcher_.dispatch(regs, false);
  if (end_.stopped) return;
  if (r.blocked) {
    // Park the process inside the syscall; the scheduler re-runs it when
    // its wait is ready.
    p.call.active = true;
    p.call.regs = regs;
    p.state = ProcState::Blocked;
    yield_requested_ = true;
    meter_.stop();
    return;
  }
  if (yield_requested_) {
    // exit, exec, sigreturn, vfork: the handler arranged the state.
    meter_.stop();
    return;
  }
  complete_syscall(p, r.value);
  // A signal sent to ourselves (kill, raise) is delivered before the next
  // instruction, as Linux does on return from the syscall.
  if (p.signals.all_pending() & ~p.signals.mask) {
    yield_requested_ = true;
    meter_.stop();
  }
}

void Kernel::resume_at(uint64_t pc) {
  if (!current_) return;
  current_->regs.resume_pc = pc;
  yield_requested_ = true;
  stop_cpu();
}

int64_t Kernel::invoke_syscall(uint64_t nr, const uint64_t args[6]) {
  SyscallRegs regs;
  regs.nr = nr;
  std::memcpy(regs.args, args, sizeof regs.args);
  SyscallDispatcher::Outcome r = dispatcher_.dispatch(regs, false);
  return r.blocked ? kInvokeBlocked : static_cast<int64_t>(r.value);
}

bool Kernel::load_program(Process& p, const std::string& path, const std::vector<std::string>& argv,
                          const std::vector<std::string>& envp, ExecError* error) {
  LoadedProgram prog;
  if (!loader_.load(*vfs_, p.fs->cwd, path, argv, envp, &prog, error)) return false;
  if (!dispatcher_.selected()) dispatcher_.select(arch());
  // The new image replaces the old one.
  prog.image->loaded = &p;
  install_image(p, std::move(prog.image));
  p.exe = prog.path;
  p.argv = prog.argv;
  p.name = prog.path.substr(prog.path.rfind('/') + 1).substr(0, 15);
  p.regs.resume_pc = prog.start_pc;
  return true;
}

bool Kernel::make_vfs(Arch arch, std::string* error) {
  fs::VfsConfig vc;
  vc.lower_root = config_.rootfs;
  if (vc.lower_root.empty()) {
    auto it = config_.rootfs_by_arch.find(arch);
    if (it == config_.rootfs_by_arch.end()) {
      *error = std::string("no root filesystem for ") + arch_name(arch);
      return false;
    }
    vc.lower_root = it->second;
  }
  for (auto& m : config_.mounts) vc.mounts.push_back({m.host_dir, m.guest_path, m.writable});
  vc.max_upper_bytes = config_.limits.max_disk;
  vc.uid = config_.uid;
  vc.gid = config_.gid;
  vc.random_seed = rng_();
  vc.now = [this] { return realtime(); };
  vc.uptime = [this] { return uptime_seconds(); };
  uint64_t total = config_.limits.max_memory ? config_.limits.max_memory : (4ull << 30);
  vc.meminfo = "MemTotal:        " + std::to_string(total >> 10) + " kB\nMemFree:         " +
               std::to_string(total >> 11) + " kB\n";
  vc.cpuinfo = GuestAbi::of(arch).cpuinfo;
  vc.stat = [this] { return proc_info_.stat_text(); };
  vc.loadavg = [this] { return proc_info_.loadavg_text(); };
  vfs_ = fs::Vfs::create(vc, error);
  if (!vfs_) {
    *error = "root filesystem " + vc.lower_root + ": " + *error;
    return false;
  }
  vfs_->set_process_directory(&proc_info_);
  // Pseudo-terminals: their signals (ISIG characters, SIGWINCH, hang-up)
  // come from the kernel, as the host terminal's do.
  objects_.ptys = std::make_shared<PtySpace>(config_.uid, [this](int id, int sig, bool group) {
    SignalInfo info;
    info.signo = sig;
    info.code = 0x80;  // SI_KERNEL
    for (auto& [tid, p] : procs_) {
      if (p->ids.tgid != tid || p->state == ProcState::Zombie) continue;
      if (group ? p->ids.pgid == id : tid == id) post_signal(*p, sig, info, true);
    }
  });
  vfs_->set_terminal_devices(objects_.ptys.get());
  return true;
}

// A host name other than the root filesystem's: /etc/hostname and the
// 127.0.1.1 line of /etc/hosts say it too (written to the in-memory layer;
// the root filesystem is never changed).
void Kernel::apply_hostname() {
  auto read_all = [&](const char* path, std::string* out) {
    auto f = vfs_->open("/", path, O_RDONLY, 0);
    if (!f.ok()) return false;
    char buf[4096];
    for (uint64_t off = 0; off < (64u << 10);) {
      auto got = f.value()->pread(buf, sizeof buf, off);
      if (!got.ok()) return false;
      if (got.value() == 0) break;
      out->append(buf, got.value());
      off += got.value();
    }
    return true;
  };
  auto write_all = [&](const char* path, const std::string& text) {
    auto f = vfs_->open("/", path, O_WRONLY | O_TRUNC, 0);
    if (f.ok()) (void)f.value()->pwrite(text.data(), text.size(), 0);
  };
  std::string old_name;
  if (!read_all("/etc/hostname", &old_name)) return;
  while (!old_name.empty() && (old_name.back() == '\n' || old_name.back() == ' ')) old_name.pop_back();
  if (old_name == config_.hostname) return;
  write_all("/etc/hostname", config_.hostname + "\n");
  std::string hosts, out;
  if (!read_all("/etc/hosts", &hosts)) return;
  bool replaced = false;
  size_t pos = 0;
  while (pos < hosts.size()) {
    size_t end = hosts.find('\n', pos);
    std::string line = hosts.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    pos = end == std::string::npos ? hosts.size() : end + 1;
    if (line.rfind("127.0.1.1", 0) == 0) {
      line = "127.0.1.1\t" + config_.hostname;
      replaced = true;
    }
    out += line + "\n";
  }
  if (!replaced) out += "127.0.1.1\t" + config_.hostname + "\n";
  write_all("/etc/hosts", out);
}

bool Kernel::start(const RunRequest& request, ExecError* error) {
  auto fail = [&](StopReason reason, std::string message) {
    error->reason = reason;
    error->message = std::move(message);
    return false;
  };
  const std::string requested =
      request.program.empty() ? (request.argv.empty() ? "" : request.argv[0]) : request.program;
  std::string program = requested;
  if (program.empty()) return fail(StopReason::SandboxError, "no program given");
  std::vector<std::string> argv = request.argv;
  if (argv.empty()) argv.push_back(program);
  std::vector<std::string> envp = request.env;
  if (envp.empty()) {
    envp = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            std::string("HOME=") + (config_.uid == 0 ? "/root" : "/home/user"), "LANG=C.UTF-8"};
  }

  // The program decides the architecture, and with it /proc/cpuinfo and,
  // when the embedder gave one per architecture, the root filesystem.
  std::string verr, cwd;
  fs::DirRef cwd_dir;
  auto enter = [&](Arch arch) {
    if (!make_vfs(arch, &verr)) return fail(StopReason::SandboxError, verr);
    auto dir = vfs_->open_dir("/", request.cwd.empty() ? "/" : request.cwd);
    if (!dir.ok())
      return fail(StopReason::SandboxError, "working directory " + request.cwd + ": " + std::strerror(dir.error()));
    cwd_dir = dir.value();
    cwd = cwd_dir->path();
    if (program.find('/') == std::string::npos) {
      // A bare name is looked up in the guest's PATH, as env(1) does.
      std::string path_var = "/usr/local/bin:/usr/bin:/bin";
      for (auto& e : envp)
        if (e.rfind("PATH=", 0) == 0) path_var = e.substr(5);
      int err = 0;
      std::string found = ProgramLoader::search_path(*vfs_, program, path_var, cwd, &err);
      if (found.empty()) {
        if (err == EACCES) return fail(StopReason::CannotExecute, program + ": found in PATH but not executable");
        return fail(StopReason::NotFound, program + ": not found in PATH (" + path_var + ")");
      }
      program = found;
    } else if (program[0] != '/') {
      program = (cwd == "/" ? "/" : cwd + "/") + program;
    }
    return true;
  };
  Arch want = config_.arch.value_or(GuestAbi::kDefault);
  if (!enter(want)) return false;
  if (!config_.arch) {
    std::optional<Arch> actual = ProgramLoader::probe_arch(*vfs_, cwd, program);
    bool other_root = config_.rootfs.empty() && actual && config_.rootfs_by_arch.count(*actual);
    if (actual && *actual != want && (other_root || !config_.rootfs.empty())) {
      // Found in the first root; if that root's PATH search picked it, the
      // other root is searched afresh (its PATH may hold another file).
      program = requested;
      if (!enter(*actual)) return false;
    }
  }

  apply_hostname();

  auto init = std::make_unique<Process>(1, config_.limits.max_open_files);
  Process& p = *init;
  p.ids.pgid = p.ids.sid = 1;
  p.creds.groups = {config_.gid};
  p.uts->hostname = config_.hostname.substr(0, UtsNames::kMaxLen);
  current_ = &p;
  procs_.add(std::move(init));
  vfs_->set_process(&p);
  p.fs->cwd = cwd_dir;

  // A terminal on stdin becomes the guest's controlling terminal.
  console_.terminal = Terminal::attach(console_.stdio.stdin_fd);

  // Standard streams.
  auto on_limit = [this] { output_limit_reached(); };
  fs::FileRef in = console_.stdio.stdin_fd >= 0 ? make_host_input(console_.stdio.stdin_fd) : make_bytes_input(console_.stdio.stdin_data);
  in->path = "pipe:[0]";
  fs::FileRef out = make_output(console_.stdio.stdout_fd, console_.stdio.stdout_capture, &console_.output, on_limit);
  out->path = "pipe:[1]";
  fs::FileRef err = make_output(console_.stdio.stderr_fd, console_.stdio.stderr_capture, &console_.output, on_limit);
  err->path = "pipe:[2]";
  (void)p.fds->install_at(0, in, false);
  (void)p.fds->install_at(1, out, false);
  (void)p.fds->install_at(2, err, false);

  end_.result.program = program;
  end_.result.argv = argv;
  return load_program(p, program, argv, envp, error);
}

bool Kernel::prepare(const RunRequest& request, std::string* error) {
  clock_.boot();
  ExecError err;
  if (!start(request, &err)) {
    *error = err.message;
    return false;
  }
  return true;
}

RunResult Kernel::run(const RunRequest& request) {
  if (config_.crash_emulator_for_testing) std::abort();
  if (config_.hang_emulator_for_testing)
    for (;;) pause();
  clock_.boot();
  template_.run_started = clock_.booted_at();
  if (double t = config_.limits.effective_timeout(); t > 0) {
    control_.set_deadline(clock_.booted_at() + t, config_.limits.kill_after_seconds);
  }
  end_.result.limits = config_.limits;
  {
    timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    end_.result.started_at = now.tv_sec + now.tv_nsec * 1e-9;
  }
  ExecError err;
  if (!start(request, &err)) {
    end_.result.stop_reason = err.reason;
    end_.result.message = err.message;
  } else {
    end_.result.arch = cpu().arch();
    std::string why;
    if (before_guest_code_ && !before_guest_code_(&why)) {
      end_.result.stop_reason = StopReason::SandboxError;
      end_.result.message = why;
    } else {
      run_with_watchdog(request.cancel_fd);
    }
  }
  return finish_result();
}

uint64_t Kernel::host_minor_faults() {
  rusage u{};
  return getrusage(RUSAGE_SELF, &u) == 0 ? static_cast<uint64_t>(u.ru_minflt) : 0;
}

RunResult Kernel::finish_result() {
  if (control_.timed_out() && (end_.result.stop_reason == StopReason::Exited || end_.result.stop_reason == StopReason::Signaled)) {
    // It ended within the kill-after grace: still a time-out, as timeout(1).
    end_.result.message = fmt::format("wall-clock limit of {:g} s reached; the guest then ended ({}) after SIGTERM",
                                  config_.limits.effective_timeout(),
                                  end_.result.stop_reason == StopReason::Exited
                                      ? "exit status " + std::to_string(end_.result.exit_code)
                                      : "signal " + std::to_string(end_.result.signal));
    end_.result.stop_reason = StopReason::TimeLimit;
  }
  if (meter_.timed())
    end_.result.instructions.reset();  // not counted: absent, never a guess
  else
    end_.result.instructions = meter_.since_base();
  end_.result.syscalls = dispatcher_.count() - template_.syscalls_base;
  end_.result.peak_guest_memory = memory_.peak;
  end_.result.blocks_translated = meter_.translated_since_base();
  end_.result.host_minor_faults = host_minor_faults() - template_.minor_faults_base;
  end_.result.translated_blocks = translation_log_;
  end_.result.wall_seconds = Clock::host_seconds() - template_.run_started;
  end_.result.output_truncated = console_.output.exceeded;
  return end_.result;
}

}  // namespace vmrun
