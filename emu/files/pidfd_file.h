// A pidfd (pidfd_open(2)): a descriptor for one process, readable (poll,
// epoll, select) once its thread group has ended, whether or not it has
// been reaped yet; after the reap also POLLHUP, as Linux 6.9+ answers.
// A thread pidfd (PIDFD_THREAD) is for one task: readable once that task
// has exited, with POLLHUP once it is gone (a thread other than the leader
// goes at once, nothing waits for it); a leader that left before its
// group counts as exited only with the group, as on Linux.
// read and write are EINVAL. The process is referred to through the
// record it shares (Process::life), never by pointer, so a pidfd may
// outlive its process and the run.
#pragma once

#include <memory>

#include "emu/files/anon_inode.h"
#include "rootfs/file.h"

namespace vmrun {

// Shared between a process and the pidfds for it: whether its thread
// group has ended (set when it becomes a zombie, or is reaped at once).
// Gone with the process record, once reaped.
struct ProcessLife {
  bool ended = false;
  bool task_ended = false;  // this task itself has exited (thread pidfds)
  // A thread other than the leader that has exited: gone for the guest
  // (Linux releases it at once), though its record may linger a moment.
  bool released = false;
};

class PidFd final : public fs::File {
 public:
  PidFd(int pid, const std::shared_ptr<ProcessLife>& life, bool thread = false)
      : pid_(pid), thread_(thread), life_(life) {}
  int pid() const { return pid_; }
  bool thread() const { return thread_; }
  // The process has ended (a zombie) or is gone (reaped).
  bool ended() const {
    auto l = life_.lock();
    return !l || l->ended;
  }
  bool reaped() const { return life_.expired(); }
  Result<fs::Attr> stat() override { return anon_inode_attr(); }
  uint32_t poll_ready() override {
    auto l = life_.lock();
    if (!l || (thread_ && l->released)) return fs::kPollIn | fs::kPollHup;
    return (thread_ ? l->task_ended : l->ended) ? uint32_t{fs::kPollIn} : 0;
  }

 private:
  int pid_;
  bool thread_;
  std::weak_ptr<ProcessLife> life_;
};

}  // namespace vmrun
