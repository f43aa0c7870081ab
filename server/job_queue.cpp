#include "server/job_queue.h"

namespace vmrun::server {

JobQueue::JobQueue(unsigned workers, size_t max_queued) : max_queued_(max_queued) {
  for (unsigned i = 0; i < (workers ? workers : 1); i++) threads_.emplace_back([this] { work(); });
}

JobQueue::~JobQueue() { stop(); }

bool JobQueue::submit(Task task) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (stopping_) return false;
  // A free worker takes the task at once: only the excess waits.
  size_t idle = threads_.size() > running_ + waiting_.size() ? threads_.size() - running_ - waiting_.size() : 0;
  if (!idle && waiting_.size() >= max_queued_) return false;
  waiting_.push_back(std::move(task));
  wake_.notify_one();
  return true;
}

void JobQueue::stop() {
  std::deque<Task> abandoned;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
    abandoned.swap(waiting_);
    wake_.notify_all();
  }
  for (Task& t : abandoned)
    if (t.abandon) t.abandon();
  for (std::thread& t : threads_)
    if (t.joinable()) t.join();
  std::lock_guard<std::mutex> lock(mutex_);
  threads_.clear();
}

size_t JobQueue::queued() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return waiting_.size();
}

size_t JobQueue::running() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return running_;
}

void JobQueue::work() {
  for (;;) {
    Task task;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !waiting_.empty(); });
      if (waiting_.empty()) return;  // stopping
      task = std::move(waiting_.front());
      waiting_.pop_front();
      running_++;
    }
    try {
      task.run();
    } catch (...) {
      // A task answers its own client; nothing escapes to kill the worker.
    }
    std::lock_guard<std::mutex> lock(mutex_);
    running_--;
  }
}

}  // namespace vmrun::server
