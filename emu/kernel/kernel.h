// The kernel of one sandbox run: it owns the virtual filesystem, the guest
// processes (each with its own CPU engine and address space), the scheduler
// and every limit, and services syscalls through the table. All per-run
// state lives here (no globals), so any number of runs can coexist in one
// host process.
//
// Processes run one at a time on the calling host thread (Unicorn compiles
// guest atomics as plain accesses, and one thread keeps scheduling
// deterministic): each runs for an instruction quantum or until it blocks
// in a syscall; blocked syscalls are re-run when what they wait for is ready.
#pragma once

#include <algorithm>
#include <atomic>
#include <functional>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <tuple>

#include "emu/arch/guest_cpu.h"
#include "emu/engine/engines.h"
#include "emu/engine/instruction_meter.h"
#include "emu/kernel/clock.h"
#include "emu/kernel/run_control.h"
#include "emu/kernel/syscall_dispatcher.h"
#include "emu/loader/program_loader.h"
#include "emu/kernel/proc_info.h"
#include "emu/kernel/process.h"
#include "emu/kernel/process_table.h"
#include "emu/kernel/terminal.h"
#include "rootfs/vfs.h"
#include "syscalls/syscall_table.h"
#include "vmrun/sandbox.h"


namespace vmrun {

class UnixSocketSpace;

// Where guest stdio goes: host fds (streamed) or capture buffers.
struct StdioSpec {
  std::string stdin_data;
  int stdin_fd = -1;
  int stdout_fd = -1, stderr_fd = -1;
  std::string* stdout_capture = nullptr;
  std::string* stderr_capture = nullptr;
};

// Output accounting shared by stdout and stderr.
struct OutputBudget {
  uint64_t limit = 0;
  uint64_t used = 0;
  bool exceeded = false;
};

// A handler's way to say "block this process until `wait` is ready, then
// call me again with the same arguments". Never reaches the guest.
constexpr int kErrBlock = 10000;

class Kernel final : public CpuEvents {
 public:
  Kernel(const Config& config, StdioSpec stdio);
  ~Kernel() override;
  Kernel(const Kernel&) = delete;
  Kernel& operator=(const Kernel&) = delete;

  // Load the program and run it (and every process it starts) to the end.
  RunResult run(const RunRequest& request);
  // Called by run() after the first program is loaded, before any guest
  // instruction (the supervised child installs its seccomp filter here).
  // Returning false stops the run as SandboxError with the message.
  void set_before_guest_code(std::function<bool(std::string*)> hook) { before_guest_code_ = std::move(hook); }
  // Stop the run as StopReason::Cancelled (host signal `sig`, 0 for none)
  // before the next guest block. Async-signal-safe: two atomic stores.
  void request_cancel(int sig) noexcept { control_.request_cancel(sig); }

  // For handler-level tests and fuzzers: load the program without running
  // it, then call syscalls directly with chosen arguments.
  bool prepare(const RunRequest& request, std::string* error);
  int64_t invoke_syscall(uint64_t nr, const uint64_t args[6]);
  bool stopped() const { return stopped_; }
  const RunResult& partial_result() const { return result_; }

  // Warm templates (emu/kernel/spawn.cpp; docs/LIBRARY.md, "Templates").
  // With `on`, run() returns at the ready point: every live guest task is
  // blocked reading the (empty, still open) host stdin. at_ready_point()
  // then says so, and a forked copy of this process can go on with
  // begin_spawn() and resume().
  void set_stop_at_ready_point(bool on) { stop_at_ready_point_ = on; }
  bool at_ready_point() const { return paused_at_ready_; }
  struct SpawnSettings {
    Limits limits;
    uint64_t seed = 0;                   // randomness, when Config::deterministic
    std::vector<std::string> env, args;  // written to kSpawnEnvPath / kSpawnArgsPath
  };
  static constexpr const char* kSpawnEnvPath = "/run/vmrun/env";
  static constexpr const char* kSpawnArgsPath = "/run/vmrun/args";
  // Make this (forked) copy of a kernel paused at its ready point a run of
  // its own: limits, clocks of the run and counters start now; fresh
  // randomness; detach_from_template() if not done yet.
  void begin_spawn(const SpawnSettings& settings);
  // The part of begin_spawn that needs no request (a standby spawn does it
  // ahead): MAP_SHARED guest memory stops being shared with the template.
  void detach_from_template();
  // Run from the ready point to the end (the host fds behind stdio are the
  // caller's to have replaced).
  RunResult resume(int cancel_fd);

  // --- for syscall handlers ---
  Process& proc() { return *current_; }
  AddressSpace& mem() { return *current_->mem; }
  fs::Vfs& vfs() { return *vfs_; }
  GuestCpu& cpu() { return engines_.cpu(); }
  const Config& config() const { return config_; }
  Arch arch() const { return engines_.cpu().arch(); }
  std::mt19937_64& rng() { return rng_; }
  fs::Timespec realtime() const { return clock_.realtime(); }
  fs::Timespec monotonic() const { return clock_.monotonic(); }
  int64_t monotonic_ns() const { return clock_.monotonic_ns(); }
  uint64_t instructions() const { return meter_.executed(); }
  // Inode numbers for pipes and sockets: unique in the run and the same
  // from run to run (never derived from host addresses).
  uint64_t new_inode_number() { return next_inode_number_++; }
  // Seconds since the sandbox booted (virtual in deterministic mode).
  double uptime_seconds() const { return clock_.uptime_seconds(); }
  // CPU time (one ns per guest instruction) of a task and of its thread
  // group, the current turn's instructions so far included.
  uint64_t cpu_ns(const Process& p) const;
  uint64_t group_cpu_ns(const Process& p) const;
  Process* find_process(int pid);
  const ProcessTable::Map& processes() const { return procs_.all(); }
  // The run's AF_UNIX socket state (abstract names; emu/files/unix_socket.cpp),
  // made on first use.
  const std::shared_ptr<UnixSocketSpace>& unix_sockets();

  // Block the current process until `wait` is ready; the handler is called
  // again then. Returns the value handlers pass up (Err{kErrBlock}).
  Err block(Wait wait);
  // The current syscall is being re-run after a wake-up.
  bool restarted() const { return dispatcher_.restarted(); }

  // Process lifecycle (emu/kernel/process_lifecycle.cpp).
  Result<int> fork_current(uint64_t flags, uint64_t child_stack, uint64_t tls);
  Result<void> exec(const std::string& path, std::vector<std::string> argv, std::vector<std::string> envp);
  void exit_current(int wait_status);  // exit or death of the current process
  void exit_group(int code) { exit_current((code & 0xff) << 8); }
  void exit_thread(int code);          // exit(2): only the calling thread
  // futex: wake up to `count` tasks waiting on `addr` of `image` whose
  // bitset intersects `bitset`; returns how many woke.
  int futex_wake(const ProcessImage* image, uint64_t addr, int count, uint32_t bitset);
  int futex_requeue(const ProcessImage* image, uint64_t from, uint64_t to, int wake, int move);
  // wait4/waitid: the first child matching `pid` (Linux rules) whose state
  // change is reportable; ECHILD if none can ever match.
  struct Reaped {
    int pid = 0;
    int status = 0;
    uint64_t cpu_ns = 0;  // an ended child's CPU time and its waited-for children's
  };
  Result<Reaped> wait_child(int pid, int options);

  // Signals (emu/kernel/signals.cpp).
  // kill(2) semantics for pid; to_thread: tgkill/tkill, for that task alone.
  Result<void> send_signal(int pid, int sig, const SignalInfo& info, bool to_thread = false);
  // to_group: pending for the whole thread group (SignalState::shared).
  void post_signal(Process& p, int sig, const SignalInfo& info, bool to_group = false);
  // Return from a handler: restore registers and mask from the frame.
  Result<void> sigreturn();
  // A fault in the current process: deliver or die.
  void fault_signal(int sig, uint64_t addr, const std::string& why);

  OutputBudget& output_budget() { return output_; }
  // MAP_SHARED mappings of the same file range share host memory across
  // processes (semaphores and shared memory in /dev/shm files work).
  struct SharedFileKey {
    uint64_t dev, ino, offset, length;
    bool operator<(const SharedFileKey& o) const {
      return std::tie(dev, ino, offset, length) < std::tie(o.dev, o.ino, o.offset, o.length);
    }
  };
  std::map<SharedFileKey, std::weak_ptr<uint8_t>>& shared_file_memory() { return shared_file_memory_; }
  // The host terminal, when stdin is one; nullptr otherwise.
  Terminal* terminal() { return terminal_.get(); }
  void output_limit_reached();

  // CpuEvents
  void on_syscall() override;
  void on_fault(int signal, uint64_t addr, const char* what, uint64_t pc = ~0ull) override;
  uint64_t cycle_counter() override { return meter_.executed(); }

  uint64_t tsc_counter() override { return static_cast<uint64_t>(monotonic_ns()); }
  uint64_t time_counter() override;
  bool read_guest(uint64_t addr, void* dst, size_t len) override;

 private:
  bool start(const RunRequest& request, ExecError* error);
  // Build a complete new image for `p` (engine, memory, stack, registers);
  // on failure `p` is untouched.
  bool load_program(Process& p, const std::string& path, const std::vector<std::string>& argv,
                    const std::vector<std::string>& envp, ExecError* error);
  // Start-up (emu/kernel/kernel.cpp): the filesystem for an architecture, the
  // ELF machine of a guest file, execvp's PATH search.
  bool make_vfs(Arch arch, std::string* error);
  void apply_hostname();

  // Scheduler (emu/kernel/scheduler.cpp).
  void run_with_watchdog(int cancel_fd);
  void stop_as_requested();  // the deadline passed or a cancel arrived
  void run_loop();
  Process* pick_next();
  bool wake_blocked();              // re-run syscalls whose wait is ready
  void idle_wait();                 // all blocked: wait for host input or time
  void run_slice(Process& p);
  void deliver_pending_signals(Process& p);
  void reap_retired();
  void fire_timers();  // SIGALRM for expired interval timers
  void charge_cpu(Process& p);  // after a turn: CPU time, SIGVTALRM/SIGPROF
  void terminate(Process& p, int wait_status);
  void end_thread(Process& t);
  // Engines and memory shared by tasks (emu/kernel/process_lifecycle.cpp).
  void install_image(Process& p, std::shared_ptr<ProcessImage> image);
  void drop_image(Process& p);
  bool switch_in(Process& p);  // put p's registers into its engine
  // The one place a syscall's result reaches a task's result register:
  // at once when the task's registers are in its engine, otherwise when
  // the task is switched in (before any signal is delivered to it).
  void complete_syscall(Process& p, uint64_t value);

  void stop_cpu();
  void stop_run(StopReason reason, const std::string& message);
  bool ready_point_reached() const;  // emu/kernel/spawn.cpp
  void unshare_host_memory();
  RunResult finish_result();         // the counters into result_, at a run's end

  Config config_;
  StdioSpec stdio_;
  std::unique_ptr<fs::Vfs> vfs_;
  std::mt19937_64 rng_;
  OutputBudget output_;

  std::unique_ptr<Terminal> terminal_;
  std::map<SharedFileKey, std::weak_ptr<uint8_t>> shared_file_memory_;
  ProcessTable procs_;
  Process* current_ = nullptr;
  uint64_t next_inode_number_ = 4000;
  bool yield_requested_ = false;  // the running process must leave the CPU (exit, exec, block, sigreturn)
  std::function<bool(std::string*)> before_guest_code_;
  MemoryAccount memory_;
  // A fault a hook reported during the running turn, acted on when the
  // turn ends; and the message of the last fatal one of PID 1 (the
  // report's).
  struct Faults {
    struct Pending {
      int signal = 0;
      uint64_t addr = 0;
      std::string what;
      uint64_t pc = ~0ull;  // the faulting instruction, when known better than the engine's PC
    } pending;
    std::string init_message;
  } faults_;

  // Stop state of the whole run.
  bool stopped_ = false;
  bool stop_at_ready_point_ = false, paused_at_ready_ = false;
  bool spawned_ = false;        // a template's spawn (begin_spawn): its process ends with the run
  bool detached_ = false;       // detach_from_template done
  double run_started_ = 0;     // host seconds: the run's (or spawn's) start, for its wall clock
  uint64_t syscalls_base_ = 0;  // syscalls before the spawn began
  RunResult result_;
  // The deadline and cancels (the watchdog's flag stops the meter).
  RunControl control_;

  // Instruction accounting and the quantum (emu/engine/instruction_meter.h),
  // and the clocks that follow it in deterministic mode.
  InstructionMeter meter_;
  Clock clock_;
  // The CPU engines, and exec's loader that fills them.
  Engines engines_;
  ProgramLoader loader_;
  SyscallDispatcher dispatcher_;
  ProcInfo proc_info_;  // /proc's view of the run
  std::shared_ptr<UnixSocketSpace> unix_sockets_;
};

}  // namespace vmrun
