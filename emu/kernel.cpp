#include "emu/kernel.h"

#include <elf.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <time.h>
#include <unicorn/unicorn.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <mutex>
#include <thread>

#include "emu/elf_loader.h"
#include "emu/stdio_files.h"

namespace vmrun {
namespace {

double host_monotonic() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

constexpr uint64_t kMaxProgramBytes = 1ull << 30;
constexpr int64_t kVirtualEpoch = 1767225600;  // 2026-01-01T00:00:00Z, deterministic mode's boot time
constexpr uint64_t kMaxArgBytes = 2ull << 20;   // argv+envp strings (ARG_MAX-like), E2BIG beyond

std::string cpuinfo_text(Arch arch) {
  if (arch == Arch::X86_64)
    return "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 58\n"
           "model name\t: vmrun virtual CPU\nflags\t\t: fpu tsc cx8 cmov mmx fxsr sse sse2 pni ssse3 cx16 "
           "sse4_1 sse4_2 popcnt lahf_lm syscall nx lm\n\n";
  return "processor\t: 0\nhart\t\t: 0\nisa\t\t: rv64imafdc\nmmu\t\t: sv39\n\n";
}

}  // namespace

Kernel::Kernel(const Config& config, StdioSpec stdio) : config_(config), stdio_(std::move(stdio)) {
  if (config_.deterministic) {
    rng_.seed(config_.seed);
  } else {
    std::random_device rd;
    rng_.seed((static_cast<uint64_t>(rd()) << 32) ^ rd());
  }
  budget_ = config_.limits.max_instructions;
  output_.limit = config_.limits.max_output;
}

Kernel::~Kernel() {
  if (proc_) {
    uc_struct* uc = proc_->uc;
    proc_->mem.reset();
    if (uc) uc_close(uc);
  }
}

fs::Timespec Kernel::realtime() {
  if (config_.deterministic) {
    int64_t ns = static_cast<int64_t>(executed_) + virtual_sleep_ns_;
    return {kVirtualEpoch + ns / 1000000000, ns % 1000000000};
  }
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return {ts.tv_sec, ts.tv_nsec};
}

fs::Timespec Kernel::monotonic() {
  if (config_.deterministic) {
    int64_t ns = static_cast<int64_t>(executed_) + virtual_sleep_ns_;
    return {1000 + ns / 1000000000, ns % 1000000000};
  }
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return {ts.tv_sec, ts.tv_nsec};
}

uint64_t Kernel::time_counter() {
  fs::Timespec t = monotonic();
  return static_cast<uint64_t>(t.sec) * 10000000 + t.nsec / 100;
}

bool Kernel::sleep_for(int64_t ns) {
  if (ns <= 0) return true;
  if (config_.deterministic) {
    virtual_sleep_ns_ += ns;
    return true;
  }
  double until = host_monotonic() + ns * 1e-9;
  bool cut = false;
  if (deadline_ && until > deadline_) until = deadline_, cut = true;
  while (true) {
    double left = until - host_monotonic();
    if (left <= 0) break;
    timespec ts{static_cast<time_t>(left), static_cast<long>((left - static_cast<time_t>(left)) * 1e9)};
    nanosleep(&ts, nullptr);
  }
  if (cut) {
    deadline_passed_ = true;
    stop_cpu();
  }
  return !cut;
}

void Kernel::stop_cpu() {
  if (proc_ && proc_->uc) uc_emu_stop(proc_->uc);
}

void Kernel::exit_group(int status) {
  if (stopped_) return;
  stopped_ = true;
  result_.stop_reason = StopReason::Exited;
  result_.exit_code = status & 0xff;
  stop_cpu();
}

void Kernel::kill_by_signal(int sig, const std::string& why) {
  if (stopped_) return;
  stopped_ = true;
  result_.stop_reason = StopReason::Signaled;
  result_.signal = sig;
  result_.message = why;
  stop_cpu();
}

void Kernel::output_limit_reached() {
  if (stopped_) return;
  stopped_ = true;
  result_.stop_reason = StopReason::OutputLimit;
  result_.message = "output limit of " + std::to_string(output_.limit) + " bytes reached";
  stop_cpu();
}

void Kernel::on_fault(int signal, uint64_t addr, const char* what) {
  char buf[128];
  std::snprintf(buf, sizeof buf, "%s at pc 0x%llx", what, static_cast<unsigned long long>(addr));
  kill_by_signal(signal, buf);
}

bool Kernel::invalid_memory_hook(uc_struct* uc, int type, uint64_t address, int size, int64_t value, void* self) {
  auto* k = static_cast<Kernel*>(self);
  k->fault_addr_ = address;
  return false;  // let Unicorn stop with the matching error
}

void Kernel::block_hook(uc_struct* uc, uint64_t address, uint32_t size, void* self) {
  auto* k = static_cast<Kernel*>(self);
  if (k->deadline_passed_.load(std::memory_order_relaxed)) {
    uc_emu_stop(uc);
    return;
  }
  if (k->tail_mode_) return;
  uint64_t key = address ^ (static_cast<uint64_t>(size) << 48);
  BlockCount& slot = k->block_icount_[(address ^ (address >> 14)) & (kBlockCacheSize - 1)];
  if (slot.key != key) {
    // First sight of this block (or a collision): ask Unicorn once.
    uc_tb tb{};
    slot.icount = uc_ctl_request_cache(uc, address, &tb) == UC_ERR_OK && tb.icount ? tb.icount : 1;
    slot.key = key;
  }
  uint32_t n = slot.icount;
  if (k->budget_ && k->executed_ + n > k->budget_) {
    // Stop before this block runs; the rest of the budget is spent one
    // instruction at a time (enter_tail_mode).
    k->tail_mode_ = true;
    uc_emu_stop(uc);
    return;
  }
  k->executed_ += n;
}

void Kernel::code_hook(uc_struct* uc, uint64_t address, uint32_t size, void* self) {
  auto* k = static_cast<Kernel*>(self);
  if (k->executed_ >= k->budget_ || k->deadline_passed_.load(std::memory_order_relaxed)) {
    k->budget_exhausted_ = k->executed_ >= k->budget_;
    uc_emu_stop(uc);
    return;
  }
  k->executed_++;
}

void Kernel::enter_tail_mode() {
  uc_struct* uc = proc_->uc;
  // Code hooks only reach blocks translated after they exist.
  uc_ctl_flush_tb(uc);
  uc_hook h;
  uc_hook_add(uc, &h, UC_HOOK_CODE, reinterpret_cast<void*>(&code_hook), this, 1, 0);
}

void Kernel::on_syscall() {
  uc_struct* uc = proc_->uc;
  SyscallRegs regs = cpu_->read_syscall(uc);
  uint64_t ret = dispatch(regs);
  if (!stopped_ && !pc_override_) cpu_->write_syscall_result(uc, ret);
}

bool Kernel::prepare(const RunRequest& request, std::string* error) {
  start_time_ = host_monotonic();
  ExecError err;
  if (!start(request, &err)) {
    *error = err.message;
    return false;
  }
  return true;
}

int64_t Kernel::invoke_syscall(uint64_t nr, const uint64_t args[6]) {
  SyscallRegs regs;
  regs.nr = nr;
  std::memcpy(regs.args, args, sizeof regs.args);
  return static_cast<int64_t>(dispatch(regs));
}

uint64_t Kernel::dispatch(const SyscallRegs& regs) {
  syscalls_++;
  const SyscallTable::Entry* e = table_->lookup(regs.nr);
  uint64_t ret;
  if (!e || !e->def) {
    ret = static_cast<uint64_t>(-ENOSYS);
    std::string name = e ? e->name : "syscall_" + std::to_string(regs.nr);
    if (result_.unimplemented_syscalls[name]++ == 0)
      spdlog::warn("unimplemented syscall {} (returns ENOSYS)", name);
  } else {
    SyscallArgs args;
    std::memcpy(args.a, regs.args, sizeof args.a);
    Result<uint64_t> r = e->def->handler(*this, args);
    ret = r.ok() ? r.value() : static_cast<uint64_t>(-static_cast<int64_t>(r.error()));
  }
  if (config_.strace) log_syscall(e, regs, ret);
  return ret;
}

void Kernel::log_syscall(const SyscallTable::Entry* e, const SyscallRegs& regs, uint64_t ret) {
  std::string line = e ? e->name : "syscall_" + std::to_string(regs.nr);
  line += '(';
  const char* fmt = e && e->def ? e->def->args : "xxxxxx";
  for (int i = 0; fmt[i] && i < 6; i++) {
    if (i) line += ", ";
    uint64_t a = regs.args[i];
    char buf[64];
    switch (fmt[i]) {
      case 'd': std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(a)); line += buf; break;
      case 'f':
        if (static_cast<int>(a) == AT_FDCWD) line += "AT_FDCWD";
        else line += std::to_string(static_cast<int>(a));
        break;
      case 'u': line += std::to_string(a); break;
      case 's': {
        auto s = proc_->mem->copy_in_string({a}, 4096);
        if (s.ok()) {
          std::string v = s.value().substr(0, 64);
          line += '"' + v + (s.value().size() > 64 ? "\"..." : "\"");
        } else {
          std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(a));
          line += buf;
        }
        break;
      }
      default: std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(a)); line += buf;
    }
  }
  int64_t sret = static_cast<int64_t>(ret);
  if (sret < 0 && sret > -4096) {
    const char* name = strerrorname_np(static_cast<int>(-sret));
    spdlog::info("[{}] {}) = -1 {} ({})", proc_->pid(), line, name ? name : "?", std::strerror(static_cast<int>(-sret)));
  } else if (ret < (1u << 20)) {
    spdlog::info("[{}] {}) = {}", proc_->pid(), line, ret);
  } else {
    spdlog::info("[{}] {}) = {:#x}", proc_->pid(), line, ret);
  }
}

Result<void> Kernel::exec(const std::string& path, std::vector<std::string> argv, std::vector<std::string> envp) {
  // execve into a new image is the process issue's work; only report.
  (void)path, (void)argv, (void)envp;
  return Err{ENOSYS};
}

bool Kernel::load_program(const std::string& path, std::vector<std::string> argv, std::vector<std::string> envp,
                          ExecError* error, int depth) {
  auto fail = [&](StopReason reason, std::string msg) {
    error->reason = reason;
    error->message = path + ": " + msg;
    return false;
  };
  auto opened = vfs_->open("/", path, O_RDONLY, 0);
  if (!opened.ok()) {
    int e = opened.error();
    return fail(e == ENOENT || e == ENOTDIR ? StopReason::NotFound : StopReason::CannotExecute, std::strerror(e));
  }
  fs::FileRef file = opened.value();
  auto attr = file->stat();
  if (!attr.ok()) return fail(StopReason::CannotExecute, std::strerror(attr.error()));
  if (!S_ISREG(attr->mode)) return fail(StopReason::CannotExecute, S_ISDIR(attr->mode) ? "Is a directory" : "not a regular file");
  if (!(attr->mode & 0111)) return fail(StopReason::CannotExecute, "Permission denied");
  if (attr->size < 0 || static_cast<uint64_t>(attr->size) > kMaxProgramBytes)
    return fail(StopReason::CannotExecute, "file too large to execute");
  std::string bytes(static_cast<size_t>(attr->size), '\0');
  size_t got = 0;
  while (got < bytes.size()) {
    auto r = file->pread(bytes.data() + got, bytes.size() - got, got);
    if (!r.ok()) return fail(StopReason::CannotExecute, std::string("read: ") + std::strerror(r.error()));
    if (r.value() == 0) break;
    got += r.value();
  }
  bytes.resize(got);

  if (bytes.size() >= 2 && bytes[0] == '#' && bytes[1] == '!') {
    if (depth >= 4) return fail(StopReason::CannotExecute, "too many levels of #! interpreters");
    std::string line = bytes.substr(2, std::min<size_t>(bytes.find('\n'), 256) - 2);
    auto trim = [](std::string s) {
      size_t a = s.find_first_not_of(" \t"), b = s.find_last_not_of(" \t\r");
      return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
    };
    line = trim(line);
    if (line.empty()) return fail(StopReason::CannotExecute, "empty #! line");
    size_t sp = line.find_first_of(" \t");
    std::string interp = line.substr(0, sp);
    std::vector<std::string> new_argv{interp};
    if (sp != std::string::npos && !trim(line.substr(sp)).empty()) new_argv.push_back(trim(line.substr(sp)));
    new_argv.push_back(path);
    for (size_t i = 1; i < argv.size(); i++) new_argv.push_back(argv[i]);
    ExecError inner;
    if (!load_program(interp, new_argv, envp, &inner, depth + 1)) {
      error->reason = inner.reason == StopReason::NotFound ? StopReason::NotFound : StopReason::CannotExecute;
      error->message = path + ": bad interpreter: " + inner.message;
      return false;
    }
    return true;
  }

  ElfImage image;
  std::string why;
  if (!parse_elf(bytes, &image, &why)) return fail(StopReason::CannotExecute, "cannot execute: " + why);
  if (!image.interpreter.empty())
    return fail(StopReason::CannotExecute,
                "dynamically linked programs (interpreter " + image.interpreter + ") are not supported yet");
  Arch arch = image.machine == EM_X86_64 ? Arch::X86_64 : Arch::RiscV64;
  if (config_.arch && *config_.arch != arch)
    return fail(StopReason::CannotExecute, std::string("Exec format error: a ") + arch_name(arch) +
                                               " program, but the sandbox runs " + arch_name(*config_.arch));

  cpu_ = GuestCpu::create(arch);
  table_ = &SyscallTable::for_arch(arch);
  std::string err;
  uc_struct* uc = cpu_->open_engine(&err);
  if (!uc) return fail(StopReason::SandboxError, err);
  proc_->uc = uc;
  const AddressLayout& layout = cpu_->layout();
  proc_->mem = std::make_unique<AddressSpace>(uc, config_.limits.max_memory, layout.user_top);
  AddressSpace& mem = *proc_->mem;
  uint64_t bias = image.position_independent ? layout.pie_base - image.min_vaddr : 0;
  auto loaded = load_elf(mem, image, bytes, bias, path);
  if (!loaded.ok())
    return fail(loaded.error() == ENOMEM ? StopReason::CannotExecute : StopReason::CannotExecute,
                std::string("cannot load: ") + std::strerror(loaded.error()));

  // The main stack.
  uint64_t stack_lo = layout.stack_top - layout.stack_size;
  if (!mem.map_fixed(stack_lo, layout.stack_size, kProtRead | kProtWrite | (image.exec_stack ? uint32_t(kProtExec) : 0u), "[stack]")
           .ok())
    return fail(StopReason::CannotExecute, "cannot map the stack: out of memory");

  // Strings at the top of the stack, then the vectors below them.
  uint64_t total = 0;
  for (auto& a : argv) total += a.size() + 1;
  for (auto& e : envp) total += e.size() + 1;
  if (total > kMaxArgBytes) return fail(StopReason::CannotExecute, "Argument list too long");
  std::string strings;
  auto add_string = [&](const std::string& s) {
    uint64_t off = strings.size();
    strings += s;
    strings += '\0';
    return off;
  };
  std::vector<uint64_t> argv_off, envp_off;
  for (auto& a : argv) argv_off.push_back(add_string(a));
  for (auto& e : envp) envp_off.push_back(add_string(e));
  uint64_t execfn_off = add_string(path);
  uint64_t platform_off = cpu_->platform() ? add_string(cpu_->platform()) : 0;
  uint64_t random_off = strings.size();
  for (int i = 0; i < 16; i++) strings += static_cast<char>(rng_() & 0xff);
  uint64_t strings_addr = (layout.stack_top - 16 - strings.size()) & ~15ull;

  std::vector<uint64_t> words;
  words.push_back(argv.size());
  for (auto o : argv_off) words.push_back(strings_addr + o);
  words.push_back(0);
  for (auto o : envp_off) words.push_back(strings_addr + o);
  words.push_back(0);
  auto aux = [&](uint64_t k, uint64_t v) { words.push_back(k), words.push_back(v); };
  aux(AT_SYSINFO_EHDR, 0);
  words.resize(words.size() - 2);  // no vDSO: omit the entry entirely
  aux(AT_HWCAP, cpu_->hwcap());
  aux(AT_PAGESZ, kPageSize);
  aux(AT_CLKTCK, 100);
  aux(AT_PHDR, loaded->phdr_addr);
  aux(AT_PHENT, image.phentsize);
  aux(AT_PHNUM, image.phnum);
  aux(AT_BASE, 0);
  aux(AT_FLAGS, 0);
  aux(AT_ENTRY, loaded->entry);
  aux(AT_UID, config_.uid);
  aux(AT_EUID, config_.uid);
  aux(AT_GID, config_.gid);
  aux(AT_EGID, config_.gid);
  aux(AT_SECURE, 0);
  aux(AT_RANDOM, strings_addr + random_off);
  aux(AT_HWCAP2, 0);
  aux(AT_EXECFN, strings_addr + execfn_off);
  if (cpu_->platform()) aux(AT_PLATFORM, strings_addr + platform_off);
  aux(AT_NULL, 0);
  uint64_t sp = (strings_addr - words.size() * 8) & ~15ull;
  if (sp < stack_lo + 4096) return fail(StopReason::CannotExecute, "Argument list too long");
  if (!mem.poke(strings_addr, strings.data(), strings.size()).ok() ||
      !mem.poke(sp, words.data(), words.size() * 8).ok())
    return fail(StopReason::SandboxError, "cannot write the initial stack");

  proc_->exe = path;
  proc_->argv = argv;
  proc_->name = path.substr(path.rfind('/') + 1).substr(0, 15);
  proc_->brk_start = proc_->brk_current = proc_->brk_mapped_end = page_up(loaded->end);
  proc_->mmap_top = layout.mmap_top;

  cpu_->start_state(uc, loaded->entry, sp);
  if (!cpu_->enter_user_mode(uc, mem, 0x1000)) return fail(StopReason::SandboxError, "cannot enter user mode");
  if (!cpu_->install_hooks(uc, this)) return fail(StopReason::SandboxError, "cannot install CPU hooks");
  uc_hook h;
  uc_hook_add(uc, &h, UC_HOOK_BLOCK, reinterpret_cast<void*>(&block_hook), this, 1, 0);
  uc_hook_add(uc, &h, UC_HOOK_MEM_INVALID, reinterpret_cast<void*>(&invalid_memory_hook), this, 1, 0);
  // With exits enabled and none set, `until` is ignored: no guest address
  // can end emulation by accident.
  uc_ctl_exits_enable(uc);
  return true;
}

bool Kernel::start(const RunRequest& request, ExecError* error) {
  fs::VfsConfig vc;
  vc.lower_root = config_.rootfs;
  for (auto& m : config_.mounts) vc.mounts.push_back({m.host_dir, m.guest_path, m.writable});
  vc.max_upper_bytes = config_.limits.max_disk;
  vc.uid = config_.uid;
  vc.gid = config_.gid;
  vc.random_seed = rng_();
  vc.now = [this] { return realtime(); };
  vc.uptime = [this] {
    fs::Timespec t = monotonic();
    return config_.deterministic ? (t.sec - 1000) + t.nsec * 1e-9 : host_monotonic() - start_time_;
  };
  vc.meminfo = "MemTotal:        " + std::to_string((config_.limits.max_memory ? config_.limits.max_memory : (4ull << 30)) >> 10) +
               " kB\nMemFree:         " +
               std::to_string((config_.limits.max_memory ? config_.limits.max_memory : (4ull << 30)) >> 11) + " kB\n";
  vc.cpuinfo = cpuinfo_text(config_.arch.value_or(Arch::X86_64));
  std::string verr;
  vfs_ = fs::Vfs::create(vc, &verr);
  if (!vfs_) {
    error->reason = StopReason::SandboxError;
    error->message = "root filesystem: " + verr;
    return false;
  }
  proc_ = std::make_unique<Process>(1, config_.limits.max_open_files);
  vfs_->set_process(proc_.get());

  auto cwd = vfs_->resolve_dir("/", request.cwd.empty() ? "/" : request.cwd);
  if (!cwd.ok()) {
    error->reason = StopReason::SandboxError;
    error->message = "working directory " + request.cwd + ": " + std::strerror(cwd.error());
    return false;
  }
  proc_->cwd_path = cwd.value();

  // Standard streams.
  auto on_limit = [this] { output_limit_reached(); };
  fs::FileRef in = stdio_.stdin_fd >= 0 ? make_host_input(stdio_.stdin_fd) : make_bytes_input(stdio_.stdin_data);
  in->path = "pipe:[0]";
  fs::FileRef out = make_output(stdio_.stdout_fd, stdio_.stdout_capture, &output_, on_limit);
  out->path = "pipe:[1]";
  fs::FileRef err = make_output(stdio_.stderr_fd, stdio_.stderr_capture, &output_, on_limit);
  err->path = "pipe:[2]";
  (void)proc_->fds.install_at(0, in, false);
  (void)proc_->fds.install_at(1, out, false);
  (void)proc_->fds.install_at(2, err, false);

  std::vector<std::string> argv = request.argv;
  std::string program = request.program.empty() ? (argv.empty() ? "" : argv[0]) : request.program;
  if (program.empty()) {
    error->reason = StopReason::SandboxError;
    error->message = "no program given";
    return false;
  }
  if (argv.empty()) argv.push_back(program);
  // A bare name is looked up in PATH, as a shell or env(1) would.
  if (program.find('/') == std::string::npos) {
    for (const char* dir : {"/usr/local/bin/", "/usr/bin/", "/bin/", "/usr/sbin/", "/sbin/"}) {
      if (vfs_->stat("/", dir + program, true).ok()) {
        program = dir + program;
        break;
      }
    }
  }
  std::vector<std::string> envp = request.env;
  if (envp.empty()) {
    envp = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            std::string("HOME=") + (config_.uid == 0 ? "/root" : "/home/user"), "LANG=C.UTF-8"};
  }
  if (program[0] != '/') program = (proc_->cwd_path == "/" ? "/" : proc_->cwd_path + "/") + program;
  return load_program(program, argv, envp, error);
}

void Kernel::run_loop() {
  uc_struct* uc = proc_->uc;
  uint64_t pc = cpu_->pc(uc);
  while (!stopped_) {
    uc_err e = uc_emu_start(uc, pc, 0, 0, 0);
    if (stopped_) break;
    if (deadline_passed_) {
      stopped_ = true;
      result_.stop_reason = StopReason::TimeLimit;
      result_.message = "wall-clock limit of " + std::to_string(config_.limits.timeout_seconds) + " s reached";
      break;
    }
    if (budget_exhausted_) {
      stopped_ = true;
      result_.stop_reason = StopReason::InstructionLimit;
      result_.message = "instruction limit of " + std::to_string(budget_) + " reached";
      break;
    }
    if (e != UC_ERR_OK) {
      char buf[160];
      int sig = SIGSEGV;
      if (e == UC_ERR_INSN_INVALID) sig = SIGILL;
      if (e == UC_ERR_READ_UNALIGNED || e == UC_ERR_WRITE_UNALIGNED || e == UC_ERR_FETCH_UNALIGNED) sig = SIGBUS;
      std::snprintf(buf, sizeof buf, "%s (address 0x%llx, pc 0x%llx)", uc_strerror(e),
                    static_cast<unsigned long long>(fault_addr_), static_cast<unsigned long long>(cpu_->pc(uc)));
      kill_by_signal(sig, buf);
      break;
    }
    if (pc_override_) {
      pc_override_ = false;
      pc = next_pc_;
      continue;
    }
    if (tail_mode_ && !budget_exhausted_) {
      static_assert(sizeof(uc_hook) > 0);
      if (!tail_hook_installed_) {
        enter_tail_mode();
        tail_hook_installed_ = true;
      }
      pc = cpu_->pc(uc);
      continue;
    }
    // Emulation ended without a reason of ours: x86 `hlt` does this. Linux
    // answers a privileged instruction in user mode with SIGSEGV.
    kill_by_signal(SIGSEGV, "privileged instruction");
  }
}

RunResult Kernel::run(const RunRequest& request) {
  if (config_.crash_emulator_for_testing) std::abort();
  start_time_ = host_monotonic();
  if (config_.limits.timeout_seconds > 0) deadline_ = start_time_ + config_.limits.timeout_seconds;
  ExecError err;
  if (!start(request, &err)) {
    result_.stop_reason = err.reason;
    result_.message = err.message;
  } else {
    result_.arch = cpu_->arch();
    // The watchdog only raises a flag; the block hook acts on it before the
    // next guest block, so the request cannot be lost.
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    std::thread watchdog;
    if (deadline_) {
      watchdog = std::thread([&] {
        std::unique_lock<std::mutex> lock(mu);
        auto until = std::chrono::steady_clock::now() +
                     std::chrono::duration<double>(deadline_ - host_monotonic());
        if (!cv.wait_until(lock, until, [&] { return done; })) deadline_passed_ = true;
      });
    }
    run_loop();
    {
      std::lock_guard<std::mutex> lock(mu);
      done = true;
    }
    cv.notify_all();
    if (watchdog.joinable()) watchdog.join();
    result_.peak_guest_memory = proc_->mem ? proc_->mem->peak_bytes() : 0;
  }
  result_.instructions = executed_;
  result_.syscalls = syscalls_;
  result_.wall_seconds = host_monotonic() - start_time_;
  result_.output_truncated = output_.exceeded;
  return result_;
}

}  // namespace vmrun
