// What a syscall handler sees of the kernel: the calling task, the
// filesystem, the clocks, the run-wide objects files share, and the
// process operations (fork, exec, exit, wait, signals, futex). The Kernel
// implements it; handlers never see the Kernel itself (its scheduler,
// engines, loader and run state are not theirs to touch).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "common/result.h"
#include "emu/kernel/process_table.h"
#include "emu/kernel/syscall_abi.h"
#include "rootfs/vfs.h"
#include "vmrun/sandbox.h"

namespace vmrun {

class Terminal;
class UnixSocketSpace;
class PtySpace;
class FileLocks;
class TimerFds;
class GuestCpu;

// wait4/waitid's answer: the child and its Linux wait status.
struct Reaped {
  int pid = 0;
  int status = 0;
  uint64_t cpu_ns = 0;  // an ended child's CPU time and its waited-for children's
};

// MAP_SHARED mappings of the same file range share host memory across
// processes (semaphores and shared memory in /dev/shm files work).
struct SharedFileKey {
  uint64_t dev, ino, offset, length;
  bool operator<(const SharedFileKey& o) const {
    return std::tie(dev, ino, offset, length) < std::tie(o.dev, o.ino, o.offset, o.length);
  }
};
using SharedFileMemory = std::map<SharedFileKey, std::weak_ptr<uint8_t>>;

class SyscallContext {
 public:
  // The calling task, its address space and its CPU.
  virtual Process& proc() = 0;
  AddressSpace& mem() { return *proc().mem; }
  virtual GuestCpu& cpu() = 0;
  virtual Arch arch() const = 0;
  virtual const Config& config() const = 0;
  virtual fs::Vfs& vfs() = 0;
  virtual std::mt19937_64& rng() = 0;
  UtsNames& uts() { return *proc().uts; }  // the caller's UTS namespace

  // Clocks (virtual in deterministic mode). CPU time is one ns per guest
  // instruction, the current turn's included.
  virtual fs::Timespec realtime() const = 0;
  virtual fs::Timespec monotonic() const = 0;
  virtual int64_t monotonic_ns() const = 0;
  virtual double uptime_seconds() const = 0;
  virtual uint64_t cpu_ns(const Process& p) const = 0;
  virtual uint64_t group_cpu_ns(const Process& p) const = 0;

  // Run-wide objects. Inode numbers for pipes and sockets are unique in
  // the run and the same from run to run.
  virtual uint64_t new_inode_number() = 0;
  virtual const std::shared_ptr<UnixSocketSpace>& unix_sockets() = 0;
  virtual SharedFileMemory& shared_file_memory() = 0;
  virtual PtySpace& ptys() = 0;  // the run's pseudo-terminals (emu/files/pty.h)
  virtual FileLocks& file_locks() = 0;  // the run's advisory locks (emu/files/file_locks.h)
  virtual TimerFds& timer_fds() = 0;    // the run's timerfds (emu/files/timer_fd.h)
  virtual Terminal* terminal() = 0;  // the host terminal, when stdin is one

  // Processes.
  virtual Process* find_process(int pid) = 0;
  virtual const ProcessTable::Map& processes() const = 0;
  virtual Result<int> fork_current(uint64_t flags, uint64_t child_stack, uint64_t tls) = 0;
  virtual Result<void> exec(const std::string& path, std::vector<std::string> argv, std::vector<std::string> envp) = 0;
  virtual void exit_current(int wait_status) = 0;
  void exit_group(int code) { exit_current((code & 0xff) << 8); }
  virtual void exit_thread(int code) = 0;
  // The first child matching `pid` (Linux rules) whose state change is
  // reportable; ECHILD if none can ever match; Blocked until one is.
  virtual Outcome<Reaped> wait_child(int pid, int options) = 0;
  virtual int futex_wake(const ProcessImage* image, uint64_t addr, int count, uint32_t bitset) = 0;
  virtual int futex_requeue(const ProcessImage* image, uint64_t from, uint64_t to, int wake, int move) = 0;

  // Signals. kill(2) semantics for pid; to_thread: tgkill/tkill.
  virtual Result<void> send_signal(int pid, int sig, const SignalInfo& info, bool to_thread = false) = 0;
  virtual void post_signal(Process& p, int sig, const SignalInfo& info, bool to_group = false) = 0;
  virtual Result<void> sigreturn() = 0;

  // Blocking: park the caller until `wait` is ready; the handler runs
  // again then, with restarted() true.
  Blocked block(Wait wait) const { return Blocked{std::move(wait)}; }
  virtual bool restarted() const = 0;

 protected:
  ~SyscallContext() = default;
};

}  // namespace vmrun
