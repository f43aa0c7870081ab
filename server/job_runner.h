// How a job's program is started: the seam between the server and the
// sandbox. A cold boot is a Sandbox::run (a fresh emulator process loads
// the runtime from its root filesystem); WarmRunner starts Piston python
// and sh jobs from a warm template of the interpreter instead
// (Sandbox::prepare, Template::spawn; docs/SERVER.md, "Warm python jobs",
// "Warm sh jobs") and boots the rest cold.
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
  // A Piston job: the first file's name (relative to host_dir) and the
  // job's args, for a runner that starts the runtime another way.
  std::string main_file;
  std::vector<std::string> args;
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

// Piston python jobs, and sh jobs whose main file has the default name,
// from one warm template per runtime, made at the first such job;
// everything else, and a runtime whose template cannot be made, boots
// cold.
class WarmRunner : public JobRunner {
 public:
  WarmRunner();
  ~WarmRunner() override;
  RunResult run(const JobLaunch& job) override;
  const char* name() const override { return "warm"; }

 private:
  struct Templates;
  ColdBootRunner cold_;
  std::unique_ptr<Templates> templates_;
};

// VMRUN_SERVE_COLD=1: every job boots cold (for comparisons).
std::unique_ptr<JobRunner> make_job_runner();

}  // namespace vmrun::server
