// How a job's program is started: the seam between the server and the
// sandbox. Today every job is a cold boot (Sandbox::run: a fresh emulator
// process loads the runtime from its root filesystem). When warm templates
// land (Sandbox::prepare -> Template, Template::spawn), a runner that keeps
// one template per runtime and spawns python and sh jobs from it replaces
// ColdBootRunner in make_job_runner(); nothing else in server/ changes.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "server/runtimes.h"
#include "vmrun/sandbox.h"

namespace vmrun::server {

// One job, ready to start: its files are already in `host_dir`.
struct JobLaunch {
  const Runtime* runtime = nullptr;
  std::string host_dir;                // the job's private directory on the host
  std::string guest_dir;               // where the guest sees it (read-write), its cwd
  std::vector<std::string> argv;       // runtime command, the first file, the job's args
  std::string stdin_data;
  Limits limits;
  int cancel_fd = -1;                  // readable: stop the job (server shutdown)
  // When set: stdout and stderr are also gathered here in the order they
  // arrive (Piston's `output`), as well as apart in the result.
  std::string* combined_output = nullptr;
};

class JobRunner {
 public:
  virtual ~JobRunner() = default;
  // Runs the job to its end on the calling thread; never throws. The
  // result's stop reason classifies every ending (limits, faults, ...).
  virtual RunResult run(const JobLaunch& job) = 0;
  virtual const char* name() const = 0;
};

// Every job a fresh contained Sandbox::run.
class ColdBootRunner : public JobRunner {
 public:
  RunResult run(const JobLaunch& job) override;
  const char* name() const override { return "cold-boot"; }
};

std::unique_ptr<JobRunner> make_job_runner();

}  // namespace vmrun::server
