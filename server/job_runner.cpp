#include "server/job_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <thread>

namespace vmrun::server {
namespace {

// Reads the job's stdout and stderr pipes while it runs, keeping each
// stream and both together in arrival order. The pipes' write ends stay
// open in this process (Sandbox::run forks inside), so the end is not an
// end of file but the run's return, after which whatever is left in the
// pipes is read.
class OutputGatherer {
 public:
  explicit OutputGatherer(uint64_t cap) : cap_(cap ? cap : UINT64_MAX) {}
  ~OutputGatherer() {
    finish();
    for (int fd : {out_[0], out_[1], err_[0], err_[1]})
      if (fd >= 0) close(fd);
  }
  bool start() {
    if (pipe2(out_, O_CLOEXEC) != 0 || pipe2(err_, O_CLOEXEC) != 0) return false;
    fcntl(out_[0], F_SETFL, O_NONBLOCK);
    fcntl(err_[0], F_SETFL, O_NONBLOCK);
    thread_ = std::thread([this] {
      while (!done_) {
        pollfd p[2] = {{out_[0], POLLIN, 0}, {err_[0], POLLIN, 0}};
        if (poll(p, 2, 50) <= 0) continue;
        if (p[0].revents) pull(out_[0], stdout_);
        if (p[1].revents) pull(err_[0], stderr_);
      }
      while (pull(out_[0], stdout_) | pull(err_[0], stderr_)) {
      }
    });
    return true;
  }
  int stdout_fd() const { return out_[1]; }
  int stderr_fd() const { return err_[1]; }
  void finish() {
    done_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::string stdout_, stderr_, combined_;

 private:
  bool pull(int fd, std::string& one) {
    char buf[65536];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) return false;
    uint64_t room = combined_.size() < cap_ ? cap_ - combined_.size() : 0;
    size_t keep = static_cast<size_t>(std::min<uint64_t>(room, static_cast<uint64_t>(n)));
    one.append(buf, keep);
    combined_.append(buf, keep);
    return true;
  }
  int out_[2] = {-1, -1}, err_[2] = {-1, -1};
  uint64_t cap_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace

RunResult ColdBootRunner::run(const JobLaunch& job) {
  Config config;
  config.rootfs = job.runtime->rootfs;
  config.arch = job.runtime->arch;
  config.limits = job.limits;
  config.mounts.push_back({job.host_dir, job.guest_dir, /*writable=*/true});
  config.contain = true;  // an emulator crash ends the job, never the server
  RunRequest req;
  req.argv = job.argv;
  req.cwd = job.guest_dir;
  req.stdin_data = job.stdin_data;
  req.cancel_fd = job.cancel_fd;
  try {
    if (!job.combined_output) return Sandbox(std::move(config)).run(req);
    OutputGatherer output(job.limits.max_output);
    if (!output.start()) throw std::runtime_error("cannot make the output pipes");
    req.stdout_fd = output.stdout_fd();
    req.stderr_fd = output.stderr_fd();
    RunResult r = Sandbox(std::move(config)).run(req);
    output.finish();
    r.stdout_data = std::move(output.stdout_);
    r.stderr_data = std::move(output.stderr_);
    *job.combined_output = std::move(output.combined_);
    return r;
  } catch (const std::exception& e) {
    RunResult r;
    r.stop_reason = StopReason::SandboxError;
    r.message = e.what();
    return r;
  }
}

std::unique_ptr<JobRunner> make_job_runner() { return std::make_unique<ColdBootRunner>(); }

}  // namespace vmrun::server
