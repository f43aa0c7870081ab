// The kernel of one sandbox run: it owns the virtual filesystem, the guest
// process, the CPU engine and every limit, runs the guest, and services its
// syscalls through the table. All per-run state lives here (no globals), so
// any number of runs can coexist in one host process.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>

#include "emu/guest_cpu.h"
#include "emu/process.h"
#include "rootfs/vfs.h"
#include "syscalls/syscall_table.h"
#include "vmrun/sandbox.h"

namespace vmrun {

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

class Kernel final : public CpuEvents {
 public:
  Kernel(const Config& config, StdioSpec stdio);
  ~Kernel() override;
  Kernel(const Kernel&) = delete;
  Kernel& operator=(const Kernel&) = delete;

  // Load the program and run it to the end; never throws.
  RunResult run(const RunRequest& request);

  // For handler-level tests and fuzzers: load the program without running
  // it, then call syscalls directly with chosen arguments. Returns false
  // with a message if loading failed.
  bool prepare(const RunRequest& request, std::string* error);
  // Dispatch one syscall as if the guest had made it; returns the raw
  // return register (negative errno on failure).
  int64_t invoke_syscall(uint64_t nr, const uint64_t args[6]);
  bool stopped() const { return stopped_; }
  const RunResult& partial_result() const { return result_; }

  // --- for syscall handlers ---
  Process& proc() { return *proc_; }
  AddressSpace& mem() { return *proc_->mem; }
  fs::Vfs& vfs() { return *vfs_; }
  GuestCpu& cpu() { return *cpu_; }
  const Config& config() const { return config_; }
  Arch arch() const { return cpu_->arch(); }
  std::mt19937_64& rng() { return rng_; }
  // Clocks: host clocks, or virtual ones derived from the instruction count
  // in deterministic mode.
  fs::Timespec realtime();
  fs::Timespec monotonic();
  // Sleep (really, or by advancing virtual time); false if the deadline
  // cut it short.
  bool sleep_for(int64_t nanoseconds);
  uint64_t instructions() const { return executed_; }
  // End the run: the guest exited or was killed.
  void exit_group(int status);
  void kill_by_signal(int sig, const std::string& why);
  // Replace the process image (execve); on success the CPU restarts at the
  // new entry when the current syscall returns.
  Result<void> exec(const std::string& path, std::vector<std::string> argv, std::vector<std::string> envp);
  OutputBudget& output_budget() { return output_; }
  void output_limit_reached();

  // CpuEvents
  void on_syscall() override;
  void on_fault(int signal, uint64_t addr, const char* what) override;
  uint64_t cycle_counter() override { return executed_; }
  uint64_t time_counter() override;

 private:
  struct ExecError {
    StopReason reason;
    std::string message;
  };
  bool start(const RunRequest& request, ExecError* error);
  bool load_program(const std::string& path, std::vector<std::string> argv, std::vector<std::string> envp,
                    ExecError* error, int depth = 0);
  void run_loop();
  void enter_tail_mode();
  static void block_hook(uc_struct* uc, uint64_t address, uint32_t size, void* self);
  static void code_hook(uc_struct* uc, uint64_t address, uint32_t size, void* self);
  static bool invalid_memory_hook(uc_struct* uc, int type, uint64_t address, int size, int64_t value, void* self);
  uint64_t dispatch(const SyscallRegs& regs);
  void log_syscall(const SyscallTable::Entry* e, const SyscallRegs& regs, uint64_t ret);
  void stop_cpu();

  Config config_;
  StdioSpec stdio_;
  std::unique_ptr<fs::Vfs> vfs_;
  std::unique_ptr<GuestCpu> cpu_;
  std::unique_ptr<Process> proc_;
  const SyscallTable* table_ = nullptr;
  std::mt19937_64 rng_;
  OutputBudget output_;

  // Stop state.
  bool stopped_ = false;
  RunResult result_;
  std::atomic<bool> deadline_passed_{false};
  double deadline_ = 0;  // monotonic seconds; 0 = none
  double start_time_ = 0;
  int64_t virtual_sleep_ns_ = 0;

  // Instruction accounting (see docs/UNICORN.md, "Counting").
  uint64_t executed_ = 0;
  uint64_t budget_ = 0;           // 0 = unlimited
  bool tail_mode_ = false;        // counting per instruction for the last partial block
  bool tail_hook_installed_ = false;
  bool budget_exhausted_ = false;
  // Instruction count per translated block, in a direct-mapped cache:
  // the block hook runs for every guest block, so no hashing or allocation.
  struct BlockCount {
    uint64_t key = ~0ull;
    uint32_t icount = 0;
  };
  static constexpr size_t kBlockCacheSize = 1 << 14;
  std::unique_ptr<BlockCount[]> block_icount_{new BlockCount[kBlockCacheSize]};
  // A new image (execve) or a signal may redirect the CPU.
  bool pc_override_ = false;
  uint64_t next_pc_ = 0;
  uint64_t fault_addr_ = 0;
  uint64_t syscalls_ = 0;
};

}  // namespace vmrun
