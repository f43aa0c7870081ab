// vmrun: run a Linux program in the sandbox. A thin shell over the library
// API (include/vmrun/sandbox.h); conventions follow timeout(1), env(1) and
// chroot(8): the guest's exit status, 128+N for death by signal N, 124 when a
// limit stopped it, 125 for vmrun's own errors, 126 cannot execute, 127 not
// found.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include "vmrun/sandbox.h"

namespace {

constexpr int kUsageError = 125;

bool parse_size(const std::string& text, uint64_t* out) {
  if (text.empty()) return false;
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(text.c_str(), &end);
  if (errno || v < 0 || end == text.c_str()) return false;
  std::string suffix(end);
  double mult = 1;
  if (suffix == "" || suffix == "B") mult = 1;
  else if (suffix == "K" || suffix == "k" || suffix == "KiB") mult = 1024.0;
  else if (suffix == "M" || suffix == "MiB") mult = 1024.0 * 1024;
  else if (suffix == "G" || suffix == "GiB") mult = 1024.0 * 1024 * 1024;
  else return false;
  *out = static_cast<uint64_t>(v * mult);
  return true;
}

std::string default_rootfs(vmrun::Arch arch) {
  const char* base = std::getenv("VMRUN_ROOTFS_BASE");
  std::string b = base && *base ? base : VMRUN_DEFAULT_ROOTFS_BASE;
  return b + "/" + vmrun::arch_name(arch);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Run a Linux x86-64 or riscv64 program in a confined, limited sandbox.", "vmrun"};
  app.prefix_command();  // everything from PROGRAM on belongs to the guest
  app.footer(
      "PROGRAM is a path inside the guest filesystem (a bare name is looked up in PATH).\n"
      "Exit status: the guest's own; 128+N if it died of signal N; 124 if a limit stopped it;\n"
      "125 if vmrun itself failed; 126 if PROGRAM cannot be executed; 127 if it was not found.");
  std::string rootfs, arch_text, cwd = "/", report, log_level = "warn", max_memory, max_output, max_disk;
  std::vector<std::string> mounts, envs;
  uint64_t max_insns = 0, seed = 0;
  uint32_t max_procs = 256, max_files = 1024;
  double timeout = 0;
  bool strace = false, deterministic = false, no_contain = false, no_seccomp = false;
  app.add_option("--rootfs", rootfs, "Host directory holding the guest root (read-only; default: the built-in one)");
  app.add_option("--arch", arch_text, "x86_64 or riscv64 (default: the program's, else x86_64)");
  app.add_option("--mount", mounts, "HOST:GUEST[:ro|:rw] — show a host directory in the guest (default ro)")
      ->allow_extra_args(false);
  app.add_option("--env", envs, "K=V — set a guest environment variable (repeatable)")->allow_extra_args(false);
  app.add_option("--cwd", cwd, "Guest working directory (default /)");
  app.add_option("--max-insns", max_insns, "Stop after exactly N guest instructions (0 = no limit)");
  app.add_option("--timeout", timeout, "Stop after SECONDS of wall-clock time (0 = no limit)");
  app.add_option("--max-memory", max_memory, "Guest memory limit, e.g. 256M (default 4G; 0 = none; beyond it mappings fail with ENOMEM)");
  app.add_option("--max-output", max_output, "Limit on stdout+stderr bytes (default 64M)");
  app.add_option("--max-disk", max_disk, "Limit on bytes written into the sandbox's in-memory filesystem (default 256M)");
  app.add_option("--max-procs", max_procs, "Live guest processes (default 256); fork beyond gets EAGAIN")
      ->check(CLI::Range(1u, 100000u));
  app.add_option("--max-files", max_files, "Open files per guest process (default 1024)")->check(CLI::Range(3u, 1u << 20));
  app.add_option("--report", report, "Write a JSON report of the run to FILE");
  app.add_flag("--strace", strace, "Log every syscall to stderr");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error, off (default warn)");
  app.add_flag("--deterministic", deterministic, "Virtual time and seeded randomness: identical runs");
  app.add_option("--seed", seed, "Seed for --deterministic randomness");
  app.add_flag("--no-contain", no_contain,
               "Run the emulator in this process (faster start, no crash containment, no seccomp filter)");
  app.add_flag("--no-seccomp", no_seccomp, "Do not confine the emulator process with its seccomp allowlist");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : kUsageError;
  }
  std::vector<std::string> guest_argv = app.remaining();
  if (guest_argv.empty()) {
    std::cerr << "vmrun: missing PROGRAM\n" << app.help();
    return kUsageError;
  }
  if (guest_argv[0] == "--") {
    guest_argv.erase(guest_argv.begin());
  } else if (guest_argv[0].size() > 1 && guest_argv[0][0] == '-') {
    // prefix_command() hands unknown options over as the program.
    std::cerr << "vmrun: unknown option " << guest_argv[0] << " (see vmrun --help)\n";
    return kUsageError;
  }
  if (guest_argv.empty()) {
    std::cerr << "vmrun: missing PROGRAM\n";
    return kUsageError;
  }

  auto logger = spdlog::stderr_color_mt("vmrun");
  logger->set_pattern(strace ? "%v" : "vmrun: %l: %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(log_level));
  if (strace && spdlog::get_level() > spdlog::level::info) spdlog::set_level(spdlog::level::info);

  vmrun::Config config;
  if (!arch_text.empty()) {
    config.arch = vmrun::parse_arch(arch_text);
    if (!config.arch) {
      std::cerr << "vmrun: unknown architecture '" << arch_text << "' (x86_64 or riscv64)\n";
      return kUsageError;
    }
  }
  config.rootfs = rootfs.empty() ? default_rootfs(config.arch.value_or(vmrun::Arch::X86_64)) : rootfs;
  struct stat st;
  if (stat(config.rootfs.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    std::cerr << "vmrun: root filesystem " << config.rootfs << " is not a directory"
              << (rootfs.empty() ? " (run scripts/setup.sh to build the default one)" : "") << "\n";
    return kUsageError;
  }
  for (auto& m : mounts) {
    vmrun::Mount mount;
    std::string spec = m;
    size_t last = spec.rfind(':');
    if (last != std::string::npos && (spec.substr(last + 1) == "ro" || spec.substr(last + 1) == "rw")) {
      mount.writable = spec.substr(last + 1) == "rw";
      spec = spec.substr(0, last);
    }
    size_t colon = spec.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 >= spec.size() || spec[colon + 1] != '/') {
      std::cerr << "vmrun: bad --mount '" << m << "' (expected HOST:GUEST[:ro|:rw], GUEST absolute)\n";
      return kUsageError;
    }
    mount.host_dir = spec.substr(0, colon);
    mount.guest_path = spec.substr(colon + 1);
    config.mounts.push_back(mount);
  }
  config.limits.max_instructions = max_insns;
  config.limits.max_processes = max_procs;
  config.limits.max_open_files = max_files;
  config.limits.timeout_seconds = timeout;
  if (!max_memory.empty() && !parse_size(max_memory, &config.limits.max_memory)) {
    std::cerr << "vmrun: bad --max-memory '" << max_memory << "'\n";
    return kUsageError;
  }
  if (!max_output.empty() && !parse_size(max_output, &config.limits.max_output)) {
    std::cerr << "vmrun: bad --max-output '" << max_output << "'\n";
    return kUsageError;
  }
  if (!max_disk.empty() && !parse_size(max_disk, &config.limits.max_disk)) {
    std::cerr << "vmrun: bad --max-disk '" << max_disk << "'\n";
    return kUsageError;
  }
  config.deterministic = deterministic;
  config.seed = seed;
  config.strace = strace;
  config.contain = !no_contain;
  config.host_syscall_filter = !no_seccomp;

  vmrun::RunRequest req;
  req.argv = guest_argv;
  req.cwd = cwd;
  req.stdin_fd = 0;
  req.stdout_fd = 1;
  req.stderr_fd = 2;
  if (!envs.empty()) {
    req.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "LANG=C.UTF-8"};
    for (auto& e : envs) {
      if (e.find('=') == std::string::npos || e[0] == '=') {
        std::cerr << "vmrun: bad --env '" << e << "' (expected K=V)\n";
        return kUsageError;
      }
      std::string key = e.substr(0, e.find('=') + 1);
      std::erase_if(req.env, [&](const std::string& x) { return x.rfind(key, 0) == 0; });
      req.env.push_back(e);
    }
  }

  vmrun::Sandbox sandbox(config);
  vmrun::RunResult result = sandbox.run(req);

  if (!report.empty()) {
    std::ofstream f(report);
    f << result.to_json() << "\n";
    if (!f) {
      std::cerr << "vmrun: cannot write report " << report << "\n";
      return kUsageError;
    }
  }
  // A guest that died of a signal is reported like a shell would: by the
  // exit status (128+N) alone; the detail is in --report and at info level.
  bool quiet_death = result.stop_reason == vmrun::StopReason::Signaled && spdlog::get_level() > spdlog::level::info;
  if (result.stop_reason != vmrun::StopReason::Exited && !quiet_death) {
    std::string what = vmrun::stop_reason_name(result.stop_reason);
    if (result.stop_reason == vmrun::StopReason::Signaled)
      what = std::string("killed by signal ") + std::to_string(result.signal) + " (" + strsignal(result.signal) + ")";
    std::cerr << "vmrun: " << what << (result.message.empty() ? "" : ": " + result.message) << "\n";
  }
  return result.exit_status();
}
