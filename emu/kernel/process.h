// A guest process: its CPU engine and address space, file descriptors,
// working directory, signal state and its place in the process tree.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "emu/arch/guest_cpu.h"
#include "emu/mm/guest_memory.h"
#include "emu/arch/signal_frame.h"
#include "emu/engine/block_counts.h"
#include "emu/engine/cpu_context.h"
#include "emu/engine/process_image.h"
#include "emu/files/pidfd_file.h"
#include "emu/kernel/posix_timers.h"
#include "emu/kernel/uts_names.h"
#include "emu/kernel/wait.h"
#include "rootfs/vfs.h"

struct uc_struct;
struct uc_context;

namespace vmrun {

class FdTable {
 public:
  struct Entry {
    fs::FileRef file;
    bool cloexec = false;
  };
  explicit FdTable(uint32_t limit) : limit_(limit) {}

  // Lowest free descriptor >= min_fd; EMFILE at the limit.
  Result<int> install(fs::FileRef file, bool cloexec, int min_fd = 0);
  // dup2/dup3 semantics: replaces whatever `fd` held.
  Result<int> install_at(int fd, fs::FileRef file, bool cloexec);
  fs::FileRef get(int fd) const;
  const Entry* entry(int fd) const;
  Result<void> set_cloexec(int fd, bool on);
  Result<void> close(int fd);
  void close_on_exec();
  void close_all() { entries_.clear(); }
  std::vector<int> open_fds() const;
  uint32_t limit() const { return limit_; }
  void set_limit(uint32_t limit) { limit_ = limit; }

 private:
  std::vector<Entry> entries_;
  uint32_t limit_;
};

// Signal dispositions are shared by the threads of a process
// (CLONE_SIGHAND); masks, alternate stacks and thread-directed pending
// signals (tgkill, faults) are per thread; process-directed ones (kill)
// wait in a set the thread group shares, for whichever thread does not
// block them (or waits for them in sigtimedwait) first.
struct SignalState {
  static constexpr int kNsig = 64;
  using Actions = std::array<SigAction, kNsig + 1>;
  struct Pending {
    uint64_t set = 0;  // bit (sig - 1)
    std::array<SignalInfo, kNsig + 1> info{};
  };
  std::shared_ptr<Actions> actions_table = std::make_shared<Actions>();
  Actions& actions() { return *actions_table; }
  uint64_t mask = 0;        // blocked signals
  uint64_t pending = 0;     // this thread's: bit (sig - 1)
  std::array<SignalInfo, kNsig + 1> info{};
  std::shared_ptr<Pending> shared = std::make_shared<Pending>();  // the thread group's
  AltStack altstack;
  uint64_t all_pending() const { return pending | shared->set; }
  // Takes signal `sig` off the thread's set, else the group's.
  SignalInfo take(int sig) {
    uint64_t b = 1ull << (sig - 1);
    if (pending & b) {
      pending &= ~b;
      return info[sig];
    }
    shared->set &= ~b;
    return shared->info[sig];
  }
};

enum class ProcState { Runnable, Blocked, Stopped, Zombie };

// getrlimit/setrlimit/prlimit64: the limits a process set itself, shared
// by its threads (Linux keeps them in the signal struct), copied by fork,
// kept across exec. A resource it never set has the sandbox's default
// (syscalls/sys_identity.cpp, limit_of).
struct ResourceLimits {
  struct Pair {
    uint64_t cur, max;
  };
  static constexpr int kCount = 16;  // RLIM_NLIMITS
  std::array<std::optional<Pair>, kCount> set;
};

class Process final : public fs::ProcessView {
 public:
  Process(int pid, uint32_t fd_limit) : pid_(pid), fds(std::make_shared<FdTable>(fd_limit)) { ids.tgid = pid; }
  ~Process() override;

  // fs::ProcessView
  int pid() const override { return pid_; }
  std::string exe_path() const override { return exe; }
  std::string cwd() const override { return fs->cwd ? fs->cwd->shown_path() : std::string("/"); }
  std::vector<int> open_fds() const override { return fds->open_fds(); }
  fs::FileRef fd_file(int fd) const override { return fds->get(fd); }
  std::string maps() const override { return mem ? mem->format_maps() : std::string(); }
  std::string cmdline() const override;
  int thread_group() const override { return ids.tgid; }
  int parent_pid() const override { return ids.ppid; }
  int group_id() const override { return ids.pgid; }
  int session_id() const override { return ids.sid; }
  char state_code() const override;
  std::string comm() const override { return name; }
  uint64_t vm_bytes() const override;
  std::string namespace_link(std::string_view kind) const override;
  fs::FileRef open_namespace(std::string_view kind) const override;

  int pid_;
  struct Ids {
    int tgid = 0;  // thread group (the process id getpid returns)
    int ppid = 0, pgid = 0, sid = 0;
  } ids;
  ProcState state = ProcState::Runnable;
  uint64_t queued_at = 0;  // the scheduler's run queue: the lowest runnable goes next (ProcessTable::requeue)
  // What the parent's wait sees.
  struct Report {
    int wait_status = 0;  // Linux wait status once a zombie
    int stop_signal = 0;  // while Stopped
    bool stop_reported = false;
    bool autoreap = false;  // the parent ignores SIGCHLD: no zombie is kept
  } report;
  bool did_exec = false;  // setpgid by the parent is refused after execve
  // What pidfds for this process see (emu/files/pidfd_file.h): each task
  // has its own; a thread group's is its leader's, set when the group ends.
  std::shared_ptr<ProcessLife> life = std::make_shared<ProcessLife>();

  // The engine and memory (shared with the other threads of the process).
  std::shared_ptr<ProcessImage> image;
  uc_struct* uc = nullptr;      // image->uc, cached
  AddressSpace* mem = nullptr;  // image->mem, cached
  struct Registers {
    SavedCpu saved;  // ours while another task holds the engine
    std::optional<uint64_t> result;  // a syscall result to write once they are back
    uint64_t resume_pc = 0;
  } regs;
  std::shared_ptr<FdTable> fds;  // shared by CLONE_FILES threads
  // The working directory and umask: one per thread group and shared by
  // CLONE_FS children (every thread), copied for others.
  struct FsContext {
    fs::DirRef cwd;  // the directory itself (null: the root)
    uint32_t umask = 022;
  };
  std::shared_ptr<FsContext> fs = std::make_shared<FsContext>();
  struct Credentials {
    int nice = 0;  // setpriority; recorded and reported, the scheduler ignores it
    std::vector<uint32_t> groups;  // supplementary group ids (setgroups); start: the configured gid
  } creds;
  std::string exe;
  std::vector<std::string> argv;
  std::string name;  // comm
  uint64_t clear_child_tid = 0;
  SignalState signals;
  struct Alarm {  // ITIMER_REAL / alarm(): SIGALRM when passed
    int64_t deadline_ns = -1;
    int64_t interval_ns = 0;
  } alarm;
  // CPU time is one nanosecond per guest instruction: this task's, and its
  // thread group's (shared by CLONE_THREAD, with the CPU-time interval
  // timers, which count it down).
  struct GroupTimes {
    uint64_t cpu_ns = 0;
    uint64_t children_cpu_ns = 0;  // of the children waited for, and theirs (RUSAGE_CHILDREN)
    int64_t virt_deadline = -1, virt_interval = 0;  // ITIMER_VIRTUAL: SIGVTALRM, in group cpu_ns
    int64_t prof_deadline = -1, prof_interval = 0;  // ITIMER_PROF: SIGPROF
  };
  uint64_t cpu_ns = 0;
  std::shared_ptr<GroupTimes> group_times = std::make_shared<GroupTimes>();
  // timer_create's timers: the thread group's (shared by CLONE_THREAD),
  // none after fork or exec.
  std::shared_ptr<PosixTimers> posix_timers = std::make_shared<PosixTimers>();
  std::shared_ptr<UtsNames> uts = std::make_shared<UtsNames>();  // shared by fork and clone
  std::shared_ptr<ResourceLimits> rlimits = std::make_shared<ResourceLimits>();

  int vfork_parent = 0;           // pid suspended until we exec or exit
  // What the task waits for, and the syscall it is blocked in with what
  // that call keeps across its re-runs.
  struct BlockedCall {
    Wait wait;              // also a vfork parent's, outside any syscall
    bool active = false;    // blocked inside `regs`
    SyscallRegs regs;       // the syscall to re-run when woken
    int64_t deadline_ns = -1;  // the call's own deadline (sleeps, timeouts)
    uint64_t progress = 0;     // bytes a blocking pipe write already moved
    struct Futex {
      uint64_t addr = 0;
      uint32_t bitset = 0;
      bool waiting = false, woken = false;
    } futex;
    // rt_sigsuspend: the signal frame saves this mask, not the temporary one.
    bool sigsuspend = false;
    uint64_t sigsuspend_mask = 0;
  } call;
};

}  // namespace vmrun
