// The server's job slots: at most `workers` jobs run at once; beyond that
// jobs wait in a queue of at most `max_queued`, and beyond that submit()
// refuses (the caller answers 503).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace vmrun::server {

class JobQueue {
 public:
  struct Task {
    std::function<void()> run;      // on a worker thread
    std::function<void()> abandon;  // instead of run, when the queue stops first
  };

  JobQueue(unsigned workers, size_t max_queued);
  ~JobQueue();  // stop()

  // false: the queue is full or stopping (the task is not kept).
  bool submit(Task task);
  // Abandons the waiting tasks, lets the running ones finish, joins.
  void stop();

  size_t queued() const;
  size_t running() const;
  unsigned workers() const { return static_cast<unsigned>(threads_.size()); }
  size_t max_queued() const { return max_queued_; }

 private:
  void work();

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Task> waiting_;
  size_t running_ = 0;
  size_t max_queued_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace vmrun::server
