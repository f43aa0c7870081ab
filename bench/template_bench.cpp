// Spawn latency of warm templates against cold runs (docs/LIBRARY.md,
// "Templates"; figures in bench/RESULTS.md).
//
//   template_bench ROOTFS_BASE [--arch x86_64|riscv64] [--reps N] [--only python|sh|WORDS] [--cold 0] [--gap MS]
//                  [--dump-blocks FILE]
//
// For each workload: N cold Sandbox::run calls and N Template::spawn calls
// of the same program and input, interleaved, and the time to prepare the
// template; prints medians and quartiles in milliseconds (wall clock around
// the library call, so the supervisor's work is included), and per spawn the
// medians of its guest instructions, blocks translated and host minor page
// faults (load-independent counts, from the run's report). `--cold 0` skips
// the cold runs; `--dump-blocks FILE` writes the last spawn's translated
// blocks there (run with VMRUN_DEBUG_TRANSLATIONS=1).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "server/python_job_driver.h"
#include "server/sh_job_driver.h"
#include "vmrun/sandbox.h"

namespace {

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

struct Stats {
  double median, q1, q3;
};

Stats stats(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return v[static_cast<size_t>(q * (v.size() - 1) + 0.5)]; };
  return {at(0.5), at(0.25), at(0.75)};
}

struct Workload {
  const char* name;
  std::vector<std::string> template_argv;  // reads its program from stdin
  std::vector<std::string> cold_argv;      // the same program, cold
  std::string input;                       // the spawn's stdin
  std::string expected;                    // stdout of both
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s ROOTFS_BASE [--arch x86_64|riscv64] [--reps N] [--only python|sh] [--cold 0] [--gap MS] [--budget N]\n", argv[0]);
    return 2;
  }
  std::string base = argv[1], arch_name = "x86_64", only, dump_blocks;
  int reps = 30;
  int gap_ms = 0;  // idle time before each spawn (a client's think time)
  uint64_t budget = 0;  // each spawn's instruction budget (0: none, not counted)
  bool run_cold = true;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--arch")) arch_name = argv[i + 1];
    else if (!std::strcmp(argv[i], "--reps")) reps = std::max(1, std::atoi(argv[i + 1]));
    else if (!std::strcmp(argv[i], "--only")) only = argv[i + 1];
    else if (!std::strcmp(argv[i], "--cold")) run_cold = std::atoi(argv[i + 1]) != 0;
    else if (!std::strcmp(argv[i], "--dump-blocks")) dump_blocks = argv[i + 1];
    else if (!std::strcmp(argv[i], "--gap")) gap_ms = std::max(0, std::atoi(argv[i + 1]));
    else if (!std::strcmp(argv[i], "--budget")) budget = std::strtoull(argv[i + 1], nullptr, 10);
  }
  vmrun::Config config;
  config.rootfs = base + "/" + arch_name;
  config.limits.timeout_seconds = 60;
  vmrun::Sandbox sandbox(config);

  // The python driver: before its ready point it runs one program of the
  // kind it will get (read from a pipe, compiled, printed to /dev/null) so
  // that the code every spawn runs is translated in the template, and
  // freezes the garbage collector's view of the template's objects (a
  // collection would write to all of them: copy-on-write). After its program
  // it flushes and leaves with os._exit: the interpreter's clean-up would
  // touch every object again. `random` is reseeded: its state is the
  // template's otherwise (and seeded once before the ready point too, so
  // that the seeding code is translated in the template).
  const std::string driver =
      "import sys, os, gc, random\n"
      "def run(src, name):\n"
      "    exec(compile(src, name, 'exec'), {'__name__': '__main__'})\n"
      "r, w = os.pipe()\n"
      "os.write(w, b'print(1)\\n')\n"
      "os.close(w)\n"
      "with open(r) as f:\n"
      "    warm = f.read()\n"
      "real = sys.stdout\n"
      "with open(os.devnull, 'w') as sys.stdout:\n"
      "    run(warm, '<warm>')\n"
      "    sys.stdout.flush()\n"
      "sys.stdout = real\n"
      "random.seed()\n"
      "gc.freeze()\n"
      "src = sys.stdin.read()\n"
      "random.seed()\n"
      "run(src, '<stdin>')\n"
      "sys.stdout.flush()\n"
      "sys.stderr.flush()\n"
      "os._exit(0)\n";
  // What `vmrun serve` sends its python template for a Piston job of one
  // file main.py holding print(1) (server/python_job_driver.h).
  const std::string job_head = R"({"files":[{"name":"main.py","size":9}],"main":"main.py","args":[],"stdin_size":0})";
  std::vector<Workload> workloads = {
      {"python3 print(1)", {"/usr/bin/python3", "-c", driver}, {"/usr/bin/python3", "-c", "print(1)"}, "print(1)\n",
       "1\n"},
      {"python3 serve job driver", {"/usr/bin/python3", "-c", vmrun::server::kPythonJobDriver},
       {"/usr/bin/python3", "-c", "print(1)"}, std::to_string(job_head.size()) + "\n" + job_head + "print(1)\n", "1\n"},
      // The shell's driver: the kinds of commands it will run, once, then
      // the same shell reads its script from stdin (`.`: an `exec` of a new
      // shell would start a new image, whose code the spawn translates
      // again: 888 blocks per spawn instead of ~100).
      {"busybox sh script",
       {"/bin/busybox", "sh", "-c", "echo warm > /dev/null; x=$((1+1)); echo $x > /dev/null; . /dev/stdin"}, {"/bin/busybox", "sh", "-c", "echo hi; x=$((6*7)); echo $x"},
       "echo hi; x=$((6*7)); echo $x\n", "hi\n42\n"},
      // What `vmrun serve` sends its sh template for a Piston job of one
      // file main.sh holding `echo hi` (server/sh_job_driver.h).
      {"busybox sh serve job driver", {"/bin/busybox", "sh", "-c", vmrun::server::kShJobDriver, "/job/main.sh"},
       {"/bin/busybox", "sh", "-c", "echo hi"},
       vmrun::server::sh_job_script({{"main.sh", 8}}, {true}, {}) + "echo hi\n", "hi\n"},
  };
  std::printf("arch %s, %d repetitions, interleaved; milliseconds: median [q1, q3]\n", arch_name.c_str(), reps);
  std::printf(
      "| workload | prepare | cold run | spawn | cold/spawn | spawn instructions | blocks translated | minor faults | spawn CPU ms |\n"
      "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
  int failures = 0;
  for (const Workload& w : workloads) {
    if (!only.empty() && std::string(w.name).find(only) == std::string::npos) continue;
    vmrun::RunRequest prep;
    prep.argv = w.template_argv;
    auto t0 = std::chrono::steady_clock::now();
    vmrun::Template tpl = sandbox.prepare(prep);
    double prepare_ms = ms_since(t0);
    if (!tpl.ready()) {
      std::fprintf(stderr, "%s: not ready: %s %s\n", w.name, vmrun::stop_reason_name(tpl.prepare_result().stop_reason),
                   tpl.prepare_result().message.c_str());
      failures++;
      continue;
    }
    std::vector<double> cold, warm, insns, blocks, faults, cpu;
    for (int i = 0; i < reps; i++) {
      vmrun::RunRequest req;
      req.argv = w.cold_argv;
      vmrun::RunResult c;
      if (run_cold) {
        t0 = std::chrono::steady_clock::now();
        c = sandbox.run(req);
        cold.push_back(ms_since(t0));
      } else {
        c.stdout_data = w.expected;
        cold.push_back(0);
      }
      vmrun::SpawnRequest sr;
      sr.stdin_data = w.input;
      if (budget) {
        sr.limits = config.limits;
        sr.limits->max_instructions = budget;
      }
      if (gap_ms) std::this_thread::sleep_for(std::chrono::milliseconds(gap_ms));
      t0 = std::chrono::steady_clock::now();
      vmrun::RunResult s = tpl.spawn(sr);
      warm.push_back(ms_since(t0));
      insns.push_back(static_cast<double>(s.instructions.value_or(0)));  // 0: not counted (no budget)
      blocks.push_back(static_cast<double>(s.blocks_translated));
      faults.push_back(static_cast<double>(s.host_minor_faults));
      cpu.push_back(s.host_cpu_seconds * 1000);
      if (!dump_blocks.empty() && i == reps - 1) {
        if (FILE* f = std::fopen(dump_blocks.c_str(), "w")) {
          for (const std::string& b : s.translated_blocks) std::fprintf(f, "%s\n", b.c_str());
          std::fclose(f);
        }
      }
      if (c.stdout_data != w.expected || s.stdout_data != w.expected) {
        std::fprintf(stderr, "%s: unexpected output: cold %s %s [%s], spawn %s %s [%s]\n", w.name,
                     vmrun::stop_reason_name(c.stop_reason), c.message.c_str(), c.stdout_data.c_str(),
                     vmrun::stop_reason_name(s.stop_reason), s.message.c_str(), s.stdout_data.c_str());
        failures++;
        break;
      }
    }
    Stats c = stats(cold), s = stats(warm);
    std::printf("| %s | %.1f | %.1f [%.1f, %.1f] | %.2f [%.2f, %.2f] | %.0f× | %.0f | %.0f | %.0f | %.2f |\n", w.name, prepare_ms,
                c.median, c.q1, c.q3, s.median, s.q1, s.q3, c.median / s.median, stats(insns).median,
                stats(blocks).median, stats(faults).median, stats(cpu).median);
  }
  return failures ? 1 : 0;
}
