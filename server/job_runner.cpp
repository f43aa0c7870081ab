#include "server/job_runner.h"

namespace vmrun::server {

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
    return Sandbox(std::move(config)).run(req);
  } catch (const std::exception& e) {
    RunResult r;
    r.stop_reason = StopReason::SandboxError;
    r.message = e.what();
    return r;
  }
}

std::unique_ptr<JobRunner> make_job_runner() { return std::make_unique<ColdBootRunner>(); }

}  // namespace vmrun::server
