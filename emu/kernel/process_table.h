// Every task of a run (processes and threads) by id, and the ids handed
// out so far. Iteration is in id order, which /proc listings rely on; the
// scheduler's order is a run queue kept in Process::queued_at.
#pragma once

#include <map>
#include <memory>
#include <vector>

#include "emu/kernel/process.h"

namespace vmrun {

class ProcessTable {
 public:
  using Map = std::map<int, std::unique_ptr<Process>>;

  Map::iterator begin() { return tasks_.begin(); }
  Map::iterator end() { return tasks_.end(); }
  Map::const_iterator begin() const { return tasks_.begin(); }
  Map::const_iterator end() const { return tasks_.end(); }
  const Map& all() const { return tasks_; }

  Process* find(int id) const {
    auto it = tasks_.find(id);
    return it == tasks_.end() ? nullptr : it->second.get();
  }
  // The id the next new task gets.
  int next_id() const { return next_id_; }
  // Ids handed out so far (/proc/stat's "processes").
  int created() const { return next_id_ - 1; }
  // Add a task; its id must be next_id() (or 1, for the first).
  Process& add(std::unique_ptr<Process> task) {
    int id = task->pid();
    if (id >= next_id_) next_id_ = id + 1;
    requeue(*task);
    return *(tasks_[id] = std::move(task));
  }
  Map::iterator erase(Map::iterator it) { return tasks_.erase(it); }
  void clear() { tasks_.clear(); }

  // The run queue: a task joins its tail when it is created and when its
  // turn begins, and the runnable task nearest its head runs next. The
  // children a task forks in its turn queue behind it, so a forking parent
  // goes on before them, as on Linux. Ordering by pid instead let each new
  // generation, always higher, run ahead of an older task until the
  // process limit was full.
  void requeue(Process& task) { task.queued_at = ++queue_tail_; }

  // Thread-group leaders, ascending.
  std::vector<int> group_ids() const;
  // Live threads of the group `tgid` (at least 1).
  int thread_count(int tgid) const;

 private:
  Map tasks_;
  int next_id_ = 2;
  uint64_t queue_tail_ = 0;
};

}  // namespace vmrun
