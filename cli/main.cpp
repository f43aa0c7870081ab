// vmrun: run a Linux program in the sandbox. A thin shell over the library
// API (include/vmrun/sandbox.h); conventions follow timeout(1), env(1) and
// chroot(8): the guest's exit status, 128+N for death by signal N, 124 when a
// limit stopped it, 125 for vmrun's own errors, 126 cannot execute, 127 not
// found.
#include <fcntl.h>
#include <signal.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include "server/serve.h"
#include "vmrun/sandbox.h"

namespace {

constexpr int kUsageError = 125;

// Sizes as people type them: 256m, 256M, 256MB, 1g, 1GiB (powers of 1024).
CLI::Validator size_value() {
  static const CLI::AsSizeValue units(false);
  return CLI::Validator(
      [](std::string& text) -> std::string {
        std::string original = text, converted = text;
        size_t first = text.find_first_not_of(" \t");
        bool ok = first != std::string::npos && std::isdigit(static_cast<unsigned char>(text[first]));
        try {
          ok = ok && units(converted).empty();
        } catch (const CLI::ValidationError&) {
          ok = false;
        }
        if (!ok)
          return "bad size '" + original + "' (expected bytes or a number with k, M, G, T: 256M, 1g, 1GiB; 0 for none)";
        text = converted;
        return "";
      },
      "SIZE (256M, 1g, 1GiB)");
}

// Durations as timeout(1) takes them: 90, 1.5, 500ms, 2m, 1h, 1d; "inf"
// for none. Negative and NaN values are refused.
CLI::Validator duration_value() {
  static const std::map<std::string, double> units{{"ms", 1e-3}, {"s", 1}, {"m", 60}, {"h", 3600}, {"d", 86400}};
  CLI::Validator unit = CLI::AsNumberWithUnit(units, CLI::AsNumberWithUnit::CASE_SENSITIVE, "UNIT");
  return CLI::Validator(
      [unit](std::string& text) -> std::string {
        if (text == "inf" || text == "infinity") {
          text = "0";
          return "";
        }
        std::string converted = text;
        double v = 0;
        bool converted_ok = false;
        try {
          converted_ok = unit(converted).empty();
        } catch (const CLI::ValidationError&) {
        }
        if (!converted_ok || !CLI::detail::lexical_cast(converted, v) || std::isnan(v) || v < 0)
          return "bad duration '" + text + "' (expected seconds or a number with ms, s, m, h, d: 90, 1.5, 500ms, 2m, 1h; 0 or inf for none)";
        text = converted;
        return "";
      },
      "DURATION (90, 1.5, 500ms, 2m, 1h; 0 or inf: none)");
}

// Unsigned integers: no sign, no overflow (CLI11's cast wraps -1 on some
// versions).
const CLI::Validator& plain_unsigned() {
  static const CLI::Validator v(
      [](std::string& text) -> std::string {
        if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
          return "bad number '" + text + "' (expected a whole number >= 0)";
        if (text.size() > 20 || (text.size() == 20 && text > "18446744073709551615"))
          return "bad number '" + text + "' (too large: at most 18446744073709551615)";
        return "";
      },
      "N");
  return v;
}

std::string default_rootfs_base() {
  const char* base = std::getenv("VMRUN_ROOTFS_BASE");
  return base && *base ? base : VMRUN_DEFAULT_ROOTFS_BASE;
}

bool is_dir(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// KEY=VALUE lines; blank lines and # comments skipped; a bare KEY takes
// the host's value (as docker --env-file does), or is dropped if unset.
bool read_env_file(const std::string& path, std::vector<std::string>* out, std::string* error) {
  std::ifstream f(path);
  if (!f) {
    *error = "cannot read --env-file " + path + ": " + std::strerror(errno);
    return false;
  }
  std::string line;
  int n = 0;
  while (std::getline(f, line)) {
    n++;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    line = line.substr(start);
    size_t eq = line.find('=');
    if (eq == 0) {
      *error = path + ":" + std::to_string(n) + ": empty variable name";
      return false;
    }
    if (eq == std::string::npos) {
      if (const char* v = std::getenv(line.c_str())) out->push_back(line + "=" + v);
      continue;
    }
    out->push_back(line);
  }
  return true;
}

// Signals that end vmrun end the run cleanly: the handler writes the
// signal number into a pipe the sandbox watches (RunRequest::cancel_fd).
int g_cancel_pipe[2] = {-1, -1};
volatile sig_atomic_t g_cancel_signal = 0;

void on_termination_signal(int sig) {
  if (!g_cancel_signal) g_cancel_signal = sig;
  unsigned char byte = static_cast<unsigned char>(sig);
  int saved = errno;
  (void)!write(g_cancel_pipe[1], &byte, 1);
  errno = saved;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Run a Linux x86-64 or riscv64 program in a confined, limited sandbox.", "vmrun"};
  app.prefix_command();  // everything from PROGRAM on belongs to the guest
  app.footer(
      "PROGRAM is a path inside the guest filesystem (a bare name is looked up in PATH).\n"
      "Exit status: the guest's own; 128+N if it died of signal N; 124 if a limit stopped it;\n"
      "125 if vmrun itself failed; 126 if PROGRAM cannot be executed; 127 if it was not found.\n"
      "vmrun serve [OPTIONS] serves jobs over HTTP (the Piston v2 API; vmrun serve --help).");
  std::string rootfs, arch_text, cwd = "/", report, log_level = "warn", env_file, hostname, user, strace_file;
  std::vector<std::string> mounts, envs;
  uint64_t max_insns = 0, seed = 0, max_memory = 0, max_output = 0, max_disk = 0;
  uint32_t max_procs = 256, max_files = 1024;
  double timeout = 0, kill_after = 0;
  bool strace = false, deterministic = false, no_contain = false, no_seccomp = false;
  app.set_version_flag("--version", std::string("vmrun ") + vmrun::version() + " (Unicorn " + vmrun::unicorn_version() + ")");
  app.add_option("--rootfs", rootfs, "Host directory holding the guest root (read-only; default: the built-in one for the program's architecture)");
  app.add_option("--arch", arch_text, "x86_64 or riscv64 (default: the program's, else x86_64)");
  app.add_option("--mount", mounts, "HOST:GUEST[:ro|:rw] — show a host directory in the guest (default ro)")
      ->allow_extra_args(false);
  app.add_option("--env", envs, "K=V — set a guest environment variable (repeatable)")->allow_extra_args(false);
  app.add_option("--env-file", env_file, "Read guest environment variables from FILE (K=V lines, # comments)");
  app.add_option("--cwd", cwd, "Guest working directory (default /)");
  app.add_option("--hostname", hostname, "The guest's host name (default vmrun)");
  app.add_option("--user", user, "UID[:GID] — the guest's identity (default 0:0; no host privilege either way)");
  app.add_option("--max-insns", max_insns, "Stop after exactly N guest instructions (0 = no limit)")
      ->transform(plain_unsigned());
  app.add_option("--timeout", timeout, "Stop after this much wall-clock time: 90, 1.5, 500ms, 2m, 1h (0 or inf = no limit)")
      ->transform(duration_value());
  app.add_option("--kill-after", kill_after,
                 "At the time limit, send the guest SIGTERM and stop it only this much later (as timeout(1) -k)")
      ->transform(duration_value());
  app.add_option("--max-memory", max_memory, "Guest memory limit: 256M, 1g, 1GiB (default 4G; 0 = none; beyond it mappings fail with ENOMEM)")
      ->transform(size_value());
  app.add_option("--max-output", max_output, "Limit on stdout+stderr bytes: 64M (default 64M; 0 = none)")->transform(size_value());
  app.add_option("--max-disk", max_disk, "Limit on bytes written into the sandbox's in-memory filesystem (default 256M; 0 = none)")
      ->transform(size_value());
  app.add_option("--max-procs", max_procs, "Live guest processes (default 256); fork beyond gets EAGAIN")
      ->check(CLI::Range(1u, 100000u));
  app.add_option("--max-files", max_files, "Open files per guest process (default 1024)")->check(CLI::Range(3u, 1u << 20));
  app.add_option("--report", report, "Write a JSON report of the run to FILE (docs/REPORT.md)");
  app.add_flag("--strace", strace, "Log every syscall to stderr");
  app.add_option("--strace-file", strace_file, "Log every syscall to FILE instead of stderr (implies --strace)");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error, critical, off (default warn)")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  app.add_flag("--deterministic", deterministic, "Virtual time and seeded randomness: identical runs");
  app.add_option("--seed", seed, "Seed for --deterministic randomness")->transform(plain_unsigned());
  app.add_flag("--no-contain", no_contain,
               "Run the emulator in this process (faster start, no crash containment, no seccomp filter)");
  app.add_flag("--no-seccomp", no_seccomp, "Do not confine the emulator process with its seccomp allowlist");
  // `vmrun serve [OPTIONS]`: the HTTP server (docs/SERVER.md). Only as the
  // first argument: anywhere else (`vmrun -- serve`, `vmrun --timeout 5
  // serve`) "serve" is still a guest program, as before the subcommand.
  vmrun::server::ServeOptions serve;
  CLI::App serve_app;  // not a subcommand of `app` unless argv[1] is "serve"
  CLI::App* serve_cmd = &serve_app;
  if (argc > 1 && std::string(argv[1]) == "serve")
    serve_cmd = app.add_subcommand("serve", "Serve the Piston v2 execute API over HTTP/JSON (docs/SERVER.md)");
  double serve_timeout = serve.bounds.max_timeout_seconds;
  serve_cmd->add_option("--listen", serve.listen, "HOST:PORT to listen on (default 127.0.0.1:2000 without --socket)");
  serve_cmd->add_option("--socket", serve.socket_path, "Listen on a unix socket at PATH (mode 0600)");
  serve_cmd->add_flag("--allow-remote", serve.allow_remote, "Allow --listen on a non-loopback address");
  serve_cmd->add_option("--token", serve.token, "Require 'Authorization: Bearer TOKEN' (or set VMRUN_SERVE_TOKEN)")
      ->envname("VMRUN_SERVE_TOKEN");
  serve_cmd->add_option("--jobs", serve.jobs, "Jobs running at once; more wait in the queue (default: the host's cores)")
      ->check(CLI::Range(1u, 1024u));
  serve_cmd->add_option("--max-queue", serve.max_queue, "Jobs that may wait for a slot; beyond, 503 (default 64)")
      ->check(CLI::Range(size_t{0}, size_t{100000}));
  serve_cmd->add_option("--max-body", serve.max_body, "Largest request body (default 4M); beyond, 400")
      ->transform(size_value());
  serve_cmd->add_option("--max-connections", serve.max_connections, "Open connections at once (default 256)")
      ->check(CLI::Range(1u, 100000u));
  serve_cmd->add_option("--max-timeout", serve_timeout, "Longest run_timeout a job may have; also the default (10s)")
      ->transform(duration_value());
  serve_cmd->add_option("--max-memory", serve.bounds.max_memory, "Most guest memory a job may have; also the default (1G)")
      ->transform(size_value());
  serve_cmd->add_option("--max-output", serve.bounds.max_output, "stdout+stderr bytes a job may write (default 1M)")
      ->transform(size_value());
  serve_cmd->add_option("--max-procs", serve.bounds.max_processes, "Live guest processes per job (default 64)")
      ->check(CLI::Range(1u, 100000u));
  serve_cmd->add_option("--jobs-dir", serve.jobs_dir, "Where each job's private directory is made (default $TMPDIR or /tmp)");
  serve_cmd->add_option("--rootfs-base", serve.rootfs_base, "Directory holding one root filesystem per architecture");
  serve_cmd->add_option("--max-sessions", serve.max_sessions, "Code-interpreter sessions at once (default 16; 0: none)")
      ->check(CLI::Range(size_t{0}, size_t{10000}));
  serve_cmd->add_option("--session-quota", serve.session_quota, "Bytes of files a session may upload (default 64M)")
      ->transform(size_value());
  serve_cmd->add_option("--session-idle", serve.session_idle_seconds,
                        "A session expires after this long unused; the longest it may ask for (default 10m)")
      ->transform(duration_value());
  serve_cmd->add_option("--server-id", serve.server_id,
                        "Prefix of this server's session ids, for routing sessions behind a load balancer (docs/SCALING.md)")
      ->check([](const std::string& v) -> std::string {
        if (v.empty() || v.size() > 32) return "1 to 32 characters";
        for (char c : v)
          if (!isalnum(static_cast<unsigned char>(c)) && c != '_') return "letters, digits and '_' only";
        return "";
      });
  serve_cmd->add_option("--log-level", serve.log_level, "trace, debug, info, warn, error, critical, off (default info)")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));

  bool memory_given = false, output_given = false, disk_given = false;
  try {
    app.parse(argc, argv);
    memory_given = app.count("--max-memory") > 0;
    output_given = app.count("--max-output") > 0;
    disk_given = app.count("--max-disk") > 0;
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "vmrun: " << e.what() << " (see vmrun --help)\n";
    return kUsageError;
  }
  if (serve_cmd->parsed()) {
    if (!serve_cmd->remaining().empty()) {
      std::cerr << "vmrun serve: unexpected argument '" << serve_cmd->remaining()[0] << "' (see vmrun serve --help)\n";
      return kUsageError;
    }
    if (serve.bounds.max_memory == 0 || serve.bounds.max_output == 0 || serve.max_body == 0) {
      std::cerr << "vmrun serve: --max-memory, --max-output and --max-body must be above 0\n";
      return kUsageError;
    }
    serve.bounds.max_timeout_seconds = serve_timeout > 0 ? serve_timeout : vmrun::Limits::kMaxTimeoutSeconds;
    if (serve.session_idle_seconds <= 0) serve.session_idle_seconds = vmrun::Limits::kMaxTimeoutSeconds;
    if (serve.rootfs_base.empty()) serve.rootfs_base = default_rootfs_base();
    return vmrun::server::run_server(serve);
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

  if (!strace_file.empty()) strace = true;
  auto logger = spdlog::stderr_color_mt("vmrun");
  logger->set_pattern(strace && strace_file.empty() ? "%v" : "vmrun: %l: %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(log_level));
  if (!strace_file.empty()) {
    try {
      auto trace = spdlog::basic_logger_mt("vmrun.strace", strace_file, /*truncate=*/true);
      trace->set_pattern("%v");
      trace->set_level(spdlog::level::info);
      trace->flush_on(spdlog::level::info);
    } catch (const spdlog::spdlog_ex& e) {
      std::cerr << "vmrun: cannot write --strace-file " << strace_file << ": " << e.what() << "\n";
      return kUsageError;
    }
  } else if (strace && spdlog::get_level() > spdlog::level::info) {
    spdlog::set_level(spdlog::level::info);
  }

  vmrun::Config config;
  if (!arch_text.empty()) {
    config.arch = vmrun::parse_arch(arch_text);
    if (!config.arch) {
      std::cerr << "vmrun: unknown architecture '" << arch_text << "' (x86_64 or riscv64)\n";
      return kUsageError;
    }
  }
  if (!rootfs.empty() || config.arch) {
    config.rootfs = !rootfs.empty() ? rootfs : default_rootfs_base() + "/" + vmrun::arch_name(*config.arch);
    if (!is_dir(config.rootfs)) {
      std::cerr << "vmrun: root filesystem " << config.rootfs << " is not a directory"
                << (rootfs.empty() ? " (run scripts/setup.sh to build the default one)" : "") << "\n";
      return kUsageError;
    }
  } else {
    // The default root filesystem follows the program's architecture.
    for (vmrun::Arch a : vmrun::all_arches()) {
      std::string dir = default_rootfs_base() + "/" + vmrun::arch_name(a);
      if (is_dir(dir)) config.rootfs_by_arch[a] = dir;
    }
    if (config.rootfs_by_arch.empty()) {
      std::cerr << "vmrun: no default root filesystem in " << default_rootfs_base()
                << " (run scripts/setup.sh to build them, or give --rootfs)\n";
      return kUsageError;
    }
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
  if (!user.empty()) {
    unsigned long uid = 0, gid = 0;
    size_t colon = user.find(':');
    std::string u = user.substr(0, colon), g = colon == std::string::npos ? "" : user.substr(colon + 1);
    auto number = [](const std::string& t, unsigned long* out) {
      if (t.empty() || t.size() > 10 || t.find_first_not_of("0123456789") != std::string::npos) return false;
      *out = std::stoul(t);
      return *out < 0xffffffffu;
    };
    if (!number(u, &uid) || (colon != std::string::npos && !number(g, &gid))) {
      std::cerr << "vmrun: bad --user '" << user << "' (expected UID or UID:GID, numbers below 4294967295)\n";
      return kUsageError;
    }
    config.uid = static_cast<uint32_t>(uid);
    config.gid = static_cast<uint32_t>(colon == std::string::npos ? uid : gid);
  }
  if (!hostname.empty()) {
    if (hostname.size() > 64 || hostname.find_first_of("/\n\t ") != std::string::npos) {
      std::cerr << "vmrun: bad --hostname '" << hostname << "' (at most 64 characters, no spaces or '/')\n";
      return kUsageError;
    }
    config.hostname = hostname;
  }
  config.limits.max_instructions = max_insns;
  config.limits.max_processes = max_procs;
  config.limits.max_open_files = max_files;
  config.limits.timeout_seconds = timeout;
  config.limits.kill_after_seconds = kill_after;
  if (memory_given) config.limits.max_memory = max_memory;
  if (output_given) config.limits.max_output = max_output;
  if (disk_given) config.limits.max_disk = max_disk;
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
  std::vector<std::string> extra_env;
  if (!env_file.empty()) {
    std::string error;
    if (!read_env_file(env_file, &extra_env, &error)) {
      std::cerr << "vmrun: " << error << "\n";
      return kUsageError;
    }
  }
  for (auto& e : envs) extra_env.push_back(e);
  if (!extra_env.empty()) {
    req.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "LANG=C.UTF-8"};
    if (config.uid != 0) req.env[1] = "HOME=/home/user";
    for (auto& e : extra_env) {
      if (e.find('=') == std::string::npos || e[0] == '=') {
        std::cerr << "vmrun: bad --env '" << e << "' (expected K=V)\n";
        return kUsageError;
      }
      std::string key = e.substr(0, e.find('=') + 1);
      std::erase_if(req.env, [&](const std::string& x) { return x.rfind(key, 0) == 0; });
      req.env.push_back(e);
    }
  }

  // The report file is opened before the guest runs: a path that cannot
  // be written is an error before any side effect, not after.
  std::ofstream report_file;
  if (!report.empty()) {
    report_file.open(report, std::ios::out | std::ios::trunc);
    if (!report_file) {
      std::cerr << "vmrun: cannot write report " << report << ": " << std::strerror(errno) << "\n";
      return kUsageError;
    }
  }

  if (pipe2(g_cancel_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
    std::cerr << "vmrun: pipe: " << std::strerror(errno) << "\n";
    return kUsageError;
  }
  struct sigaction on_term {};
  on_term.sa_handler = on_termination_signal;
  sigemptyset(&on_term.sa_mask);
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) sigaction(sig, &on_term, nullptr);
  req.cancel_fd = g_cancel_pipe[0];

  vmrun::Sandbox sandbox(config);
  vmrun::RunResult result = sandbox.run(req);
  if (result.stop_reason == vmrun::StopReason::Cancelled && g_cancel_signal) {
    result.signal = g_cancel_signal;
    result.message = std::string("vmrun received signal ") + std::to_string(result.signal) + " (" +
                     strsignal(result.signal) + ")";
  }

  if (report_file.is_open()) {
    auto j = nlohmann::json::parse(result.to_json());
    j["vmrun_argv"] = std::vector<std::string>(argv, argv + argc);
    report_file << j.dump(2) << "\n";
    report_file.close();
    if (!report_file) {
      std::cerr << "vmrun: cannot write report " << report << "\n";
      return kUsageError;
    }
  }
  // A guest that died of a signal is reported like a shell would: by the
  // exit status (128+N) alone; the detail is in --report and at info level.
  // So is a run vmrun was asked to end.
  bool quiet = (result.stop_reason == vmrun::StopReason::Signaled || result.stop_reason == vmrun::StopReason::Cancelled) &&
               spdlog::get_level() > spdlog::level::info;
  if (result.stop_reason != vmrun::StopReason::Exited && !quiet) {
    std::string what = vmrun::stop_reason_name(result.stop_reason);
    if (result.stop_reason == vmrun::StopReason::Signaled)
      what = std::string("killed by signal ") + std::to_string(result.signal) + " (" + strsignal(result.signal) + ")";
    std::cerr << "vmrun: " << what << (result.message.empty() ? "" : ": " + result.message) << "\n";
  }
  return result.exit_status();
}
