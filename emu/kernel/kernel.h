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
#include "emu/files/file_locks.h"
#include "emu/files/timer_fd.h"
#include "emu/kernel/clock.h"
#include "emu/kernel/run_control.h"
#include "emu/kernel/syscall_dispatcher.h"
#include "emu/loader/program_loader.h"
#include "emu/kernel/proc_info.h"
#include "emu/kernel/process.h"
#include "emu/kernel/process_table.h"
#include "emu/kernel/terminal.h"
#include "rootfs/vfs.h"
#include "emu/kernel/syscall_context.h"
#include "vmrun/sandbox.h"


namespace vmrun {

class UnixSocketSpace;
class PtySpace;

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

class Kernel final : public CpuEvents, public SyscallContext {
 public:
  // `syscalls`: the syscall layer (syscalls/syscall_table.h: linux_syscalls()).
  Kernel(const Config& config, StdioSpec stdio, const SyscallLayer& syscalls);
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
  // it, then call syscalls directly with chosen arguments. A call that
  // would block answers kInvokeBlocked.
  static constexpr int64_t kInvokeBlocked = -10000;
  bool prepare(const RunRequest& request, std::string* error);
  int64_t invoke_syscall(uint64_t nr, const uint64_t args[6]);
  bool stopped() const { return end_.stopped; }
  const RunResult& partial_result() const { return end_.result; }

  // Warm templates (emu/kernel/spawn.cpp; docs/LIBRARY.md, "Templates").
  // With `on`, run() returns at the ready point: every live guest task is
  // blocked reading the (empty, still open) host stdin. at_ready_point()
  // then says so, and a forked copy of this process can go on with
  // begin_spawn() and resume().
  void set_stop_at_ready_point(bool on) {
    template_.stop_at_ready_point = on;
    if (on) meter_.set_timed(false);  // spawns may set a budget: count from the start
  }
  bool at_ready_point() const { return template_.paused_at_ready; }
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

  uint64_t instructions() const { return meter_.executed(); }
  // This host process's minor page faults so far (getrusage).
  static uint64_t host_minor_faults();

  // SyscallContext (emu/kernel/syscall_context.h): what handlers see.
  Process& proc() override { return *current_; }
  GuestCpu& cpu() override { return engines_.cpu(); }
  Arch arch() const override { return engines_.cpu().arch(); }
  const Config& config() const override { return config_; }
  fs::Vfs& vfs() override { return *vfs_; }
  std::mt19937_64& rng() override { return rng_; }
  fs::Timespec realtime() const override { return clock_.realtime(); }
  fs::Timespec monotonic() const override { return clock_.monotonic(); }
  int64_t monotonic_ns() const override { return clock_.monotonic_ns(); }
  double uptime_seconds() const override { return clock_.uptime_seconds(); }
  uint64_t cpu_ns(const Process& p) const override;
  uint64_t group_cpu_ns(const Process& p) const override;
  uint64_t new_inode_number() override { return objects_.next_inode_number++; }
  // Made on first use (abstract names; emu/files/unix_socket.cpp).
  const std::shared_ptr<UnixSocketSpace>& unix_sockets() override;
  SharedFileMemory& shared_file_memory() override { return objects_.shared_file_memory; }
  PtySpace& ptys() override { return *objects_.ptys; }
  FileLocks& file_locks() override { return objects_.file_locks; }
  TimerFds& timer_fds() override { return objects_.timer_fds; }
  Terminal* terminal() override { return console_.terminal.get(); }
  Process* find_process(int pid) override;
  const ProcessTable::Map& processes() const override { return procs_.all(); }
  bool restarted() const override { return dispatcher_.restarted(); }

  // Process lifecycle (emu/kernel/process_lifecycle.cpp).
  Result<int> fork_current(uint64_t flags, uint64_t child_stack, uint64_t tls) override;
  Result<void> exec(const std::string& path, std::vector<std::string> argv, std::vector<std::string> envp) override;
  void exit_current(int wait_status) override;  // exit or death of the current process
  void exit_thread(int code) override;          // exit(2): only the calling thread
  // futex: wake up to `count` tasks waiting on `addr` of `image` whose
  // bitset intersects `bitset`; returns how many woke.
  int futex_wake(const ProcessImage* image, uint64_t addr, int count, uint32_t bitset) override;
  int futex_requeue(const ProcessImage* image, uint64_t from, uint64_t to, int wake, int move) override;
  Outcome<Reaped> wait_child(int pid, int options) override;

  // Signals (emu/kernel/signals.cpp).
  Result<void> send_signal(int pid, int sig, const SignalInfo& info, bool to_thread = false) override;
  // to_group: pending for the whole thread group (SignalState::shared).
  void post_signal(Process& p, int sig, const SignalInfo& info, bool to_group = false) override;
  // Return from a handler: restore registers and mask from the frame.
  Result<void> sigreturn() override;
  // A fault in the current process: deliver or die.
  void fault_signal(int sig, uint64_t addr, const std::string& why);

  OutputBudget& output_budget() { return console_.output; }
  void output_limit_reached();

  // CpuEvents
  void on_syscall() override;
  void on_fault(int signal, uint64_t addr, const char* what, uint64_t pc = ~0ull) override;
  // Instructions when counting; otherwise host nanoseconds (a 1 GHz counter).
  uint64_t cycle_counter() override {
    return meter_.timed() ? static_cast<uint64_t>(monotonic_ns()) : meter_.executed();
  }

  uint64_t tsc_counter() override { return static_cast<uint64_t>(monotonic_ns()); }
  uint64_t time_counter() override;
  bool read_guest(uint64_t addr, void* dst, size_t len) override;
  void resume_at(uint64_t pc) override;

 private:
  // Runs that need no exact count may go without counting (timed turns);
  // VMRUN_TIMED_TURNS=0 in the environment keeps counting every run.
  static bool timed_turns_allowed();
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
  // Drops the pending signals `p` does not block whose action is to
  // ignore them; true if a signal that must be delivered is left.
  bool has_deliverable_signal(Process& p);
  void reap_retired();
  void fire_timers();  // SIGALRM for expired interval timers
  void fire_posix_timers();  // the signals of expired timer_create timers (posix_timers.cpp)
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
  void copy_ahead_spawn_writes();
  RunResult finish_result();         // the counters into result_, at a run's end

  Config config_;
  // Guest stdio: where it goes, the output budget, the host terminal.
  struct Console {
    StdioSpec stdio;
    OutputBudget output;
    std::unique_ptr<Terminal> terminal;
  } console_;
  std::unique_ptr<fs::Vfs> vfs_;
  std::mt19937_64 rng_;
  // What files share across the run (SyscallContext's run-wide objects).
  struct RunObjects {
    SharedFileMemory shared_file_memory;
    uint64_t next_inode_number = 4000;
    std::shared_ptr<UnixSocketSpace> unix_sockets;
    std::shared_ptr<PtySpace> ptys;  // made with the VFS, whose /dev uses it
    FileLocks file_locks;
    TimerFds timer_fds;
  } objects_;
  ProcessTable procs_;
  Process* current_ = nullptr;
  bool yield_requested_ = false;  // the running process must leave the CPU (exit, exec, block, sigreturn)
  uint64_t turn_sequence_ = 0;    // state of the turn lengths' pseudo-random sequence (scheduler.cpp)
  uint64_t next_quantum();
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

  // How the whole run ended, once it has.
  struct RunEnd {
    bool stopped = false;
    RunResult result;
  } end_;
  // A template's state (emu/kernel/spawn.cpp): pausing at the ready point,
  // and, in a spawn, where its own run began.
  struct TemplateState {
    bool stop_at_ready_point = false, paused_at_ready = false;
    bool spawned = false;         // a template's spawn (begin_spawn): its process ends with the run
    bool detached = false;        // detach_from_template done
    double run_started = 0;       // host seconds: the run's (or spawn's) start, for its wall clock
    uint64_t syscalls_base = 0;   // syscalls before the spawn began
    uint64_t minor_faults_base = 0;  // the host process's minor faults then
  } template_;
  // VMRUN_DEBUG_TRANSLATIONS: each block translated in this run (a
  // spawn's: from begin_spawn), as "ADDRESS SIZE MAPPING+OFFSET".
  std::vector<std::string> translation_log_;
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
};

}  // namespace vmrun
