// Embedding vmrun: run a busybox pipeline stage with captured output and
// limits, then inspect the result. Built by CMake as `embed_example`.
//
//   ./build/embed_example .deps/rootfs/x86_64
#include <cstdio>
#include <string>

#include "vmrun/sandbox.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s ROOTFS\n", argv[0]);
    return 2;
  }
  vmrun::Config config;
  config.rootfs = argv[1];                          // host directory, never modified
  config.limits.max_instructions = 500'000'000;     // exact and deterministic
  config.limits.timeout_seconds = 10;
  config.limits.max_memory = 256 << 20;
  vmrun::Sandbox sandbox(config);                   // configure once, run many times

  vmrun::RunRequest request;
  request.argv = {"/bin/busybox", "sort", "-r"};
  request.stdin_data = "apple\ncherry\nbanana\n";
  vmrun::RunResult result = sandbox.run(request);

  // Instructions are counted only with a budget or in deterministic mode.
  std::string insns = result.instructions ? std::to_string(*result.instructions) : "uncounted";
  std::printf("stop reason: %s, exit status %d, %s instructions, %llu syscalls\n",
              vmrun::stop_reason_name(result.stop_reason), result.exit_status(), insns.c_str(),
              static_cast<unsigned long long>(result.syscalls));
  std::printf("stdout:\n%s", result.stdout_data.c_str());
  return result.exit_status();
}
