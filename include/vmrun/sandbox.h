// vmrun public API: a sandbox configured once and run many times.
//
//   vmrun::Config cfg;
//   cfg.rootfs = "/path/to/rootfs";            // host directory, never modified
//   cfg.limits.max_instructions = 100'000'000;
//   vmrun::Sandbox box(cfg);
//   vmrun::RunRequest req;
//   req.argv = {"/bin/busybox", "echo", "hi"};
//   vmrun::RunResult r = box.run(req);
//   // r.stop_reason, r.exit_code, r.stdout_data, r.instructions ...
//
// Everything the guest does is serviced by vmrun itself; nothing reaches the
// host except reads of the rootfs and the mounts the config names.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace vmrun {

enum class Arch { X86_64, RiscV64 };
const char* arch_name(Arch arch);
std::optional<Arch> parse_arch(const std::string& name);
std::vector<Arch> all_arches();  // every guest architecture vmrun runs

// Why a run ended. Each limit is its own reason.
enum class StopReason {
  Exited,            // the guest called exit/exit_group
  Signaled,          // the guest died of a signal (fault or kill)
  InstructionLimit,  // Limits::max_instructions reached exactly
  TimeLimit,         // Limits::timeout_seconds of wall clock passed
  OutputLimit,       // Limits::max_output bytes of stdout+stderr written
  Deadlock,          // every guest process blocked with nothing that could wake one
  EmulatorFault,     // the emulator itself crashed or hung; the caller lives on
  NotFound,          // the program does not exist in the guest filesystem
  CannotExecute,     // not an executable we can load (bad ELF, wrong arch, ...)
  SandboxError,      // vmrun's own error (bad configuration, host failure)
  Cancelled,         // the embedder cancelled the run (RunRequest::cancel_fd)
};
const char* stop_reason_name(StopReason reason);

struct Mount {
  std::string host_dir;
  std::string guest_path;
  bool writable = false;  // the only way guest writes reach the host
};

struct Limits {
  uint64_t max_instructions = 0;  // 0 = unlimited; counted exactly over the whole run
  double timeout_seconds = 0;     // wall clock; 0, +infinity or beyond kMaxTimeoutSeconds = unlimited
  uint64_t max_memory = 4ull << 30; // bytes of guest mappings, all processes; beyond, ENOMEM (0 = unlimited)
  uint64_t max_output = 64 << 20; // bytes of stdout+stderr (captured or streamed)
  uint64_t max_disk = 256 << 20;  // bytes the guest may write into the in-memory upper layer
  uint32_t max_open_files = 1024; // per process (RLIMIT_NOFILE)
  uint32_t max_processes = 256;   // live guest processes; fork beyond gets EAGAIN
  // At the time limit, guest processes first get SIGTERM and the run ends
  // this much later (or when they do), as timeout(1) -k; 0 = stop at once.
  // The run is reported as TimeLimit either way.
  double kill_after_seconds = 0;

  // A time limit longer than this (about 31 years) is no limit.
  static constexpr double kMaxTimeoutSeconds = 1e9;
  // The wall-clock limit in force: 0 when there is none.
  double effective_timeout() const;
  // Why these limits cannot be used (a negative or NaN timeout, ...), or "".
  std::string invalid_reason() const;
};

struct Config {
  std::string rootfs;                 // host directory holding the guest root
  // With `rootfs` empty: the root filesystem for each architecture. The
  // program is looked up in the one for `arch` (x86_64 when unset), and
  // when its ELF machine is another architecture, the run uses that one's.
  std::map<Arch, std::string> rootfs_by_arch;
  std::optional<Arch> arch;           // default: the program's ELF machine
  std::vector<Mount> mounts;
  Limits limits;
  bool deterministic = false;         // virtual time, seeded randomness
  uint64_t seed = 0;                  // for deterministic randomness
  // Run each program in a supervised child process, so that a crash or
  // hang inside the CPU emulator becomes StopReason::EmulatorFault instead
  // of taking the caller down. Costs one fork per run.
  bool contain = true;
  // With `contain`: once the program is loaded, the emulator process drops
  // to a seccomp allowlist of host system calls (no sockets, no exec, no
  // new processes, opens only under the rootfs and mount directories).
  // A refused call ends the run as StopReason::EmulatorFault. See
  // docs/SECURITY.md.
  bool host_syscall_filter = true;
  bool strace = false;                // log every syscall at info level (spdlog)
  // Translated-code buffer per guest process (1 MiB .. 1 GiB). Host memory
  // is used only as code is translated; a full buffer is flushed and the
  // code translated again. More helps programs with much hot code.
  uint64_t translation_buffer_bytes = 64ull << 20;
  uint32_t uid = 0, gid = 0;          // guest identity
  std::string hostname = "vmrun";
  // Test seam: the emulator process aborts as it starts, to prove that
  // containment turns an emulator crash into StopReason::EmulatorFault.
  bool crash_emulator_for_testing = false;
  // Test seam: the emulator process hangs outside guest code (as a stuck
  // CPU engine would), to prove the supervisor's wall-clock kill.
  bool hang_emulator_for_testing = false;
};

struct RunRequest {
  std::vector<std::string> argv;      // argv[0] is the program path in the guest
  std::string program;                // optional: path to execute if not argv[0]
  std::vector<std::string> env;       // "KEY=VALUE"; empty = a small default
  std::string cwd = "/";
  std::string stdin_data;             // bytes fed to guest stdin ...
  int stdin_fd = -1;                  // ... or a host fd to read from (>= 0)
  int stdout_fd = -1;                 // stream guest stdout to this host fd instead of capturing
  int stderr_fd = -1;                 // likewise for stderr
  // Cancellation: when this host fd becomes readable (a byte written to a
  // pipe, an eventfd signalled) the run stops as StopReason::Cancelled,
  // with its result and statistics so far. vmrun never reads from it.
  int cancel_fd = -1;
};

struct RunResult {
  StopReason stop_reason = StopReason::SandboxError;
  int exit_code = 0;                  // valid when Exited
  int signal = 0;                     // valid when Signaled; for Cancelled, the host signal that asked for it (0: none)
  std::string message;                // human-readable detail for errors and faults
  std::optional<Arch> arch;
  // Guest instructions executed, counted exactly when the run had an
  // instruction budget or was deterministic; absent otherwise (such runs
  // install no counting hook, docs/UNICORN.md "Turns without a counting hook").
  std::optional<uint64_t> instructions;
  double wall_seconds = 0;
  uint64_t syscalls = 0;
  uint64_t peak_guest_memory = 0;
  std::string stdout_data, stderr_data;  // when captured
  bool output_truncated = false;
  std::map<std::string, uint64_t> unimplemented_syscalls;  // name -> times called
  // What the report records about the run itself (docs/REPORT.md).
  std::vector<std::string> argv;      // the guest's argv, program resolved
  std::string program;                // the guest path executed
  Limits limits;                      // the limits in force
  double started_at = 0;              // Unix time (seconds) the run started
  double host_cpu_seconds = 0;        // user+system CPU time of the emulator
  uint64_t host_peak_rss = 0;         // bytes: peak resident set of the emulator process
  uint64_t blocks_translated = 0;     // guest code blocks Unicorn translated during the run
  uint64_t host_minor_faults = 0;     // the emulator process's minor page faults during the run (a spawn's: from its request)
  // Debugging (VMRUN_DEBUG_TRANSLATIONS in the emulator's environment):
  // each translated block, "ADDRESS SIZE MAPPING+OFFSET".
  std::vector<std::string> translated_blocks;

  // The CLI's exit status convention (timeout(1), env(1), chroot(8)).
  int exit_status() const;
  // The JSON report (docs/REPORT.md, schema kReportSchemaVersion).
  std::string to_json() const;
  static RunResult from_json(const std::string& text);
};

// The report's schema version (docs/REPORT.md): bumped when a field changes
// meaning or disappears; new fields may appear without a bump.
constexpr int kReportSchemaVersion = 1;
// vmrun's version ("0.3.0") and the Unicorn library's in use ("2.1.4").
const char* version();
std::string unicorn_version();

// The root filesystem directories a run may read: `rootfs`, or every
// `rootfs_by_arch` entry when it is empty.
std::vector<std::string> rootfs_candidates(const Config& config);

// One run started from a Template (docs/LIBRARY.md, "Templates").
struct SpawnRequest {
  std::string stdin_data;             // bytes fed to the guest's stdin ...
  int stdin_fd = -1;                  // ... or a host fd to read from (>= 0)
  int stdout_fd = -1;                 // stream guest stdout to this host fd instead of capturing
  int stderr_fd = -1;                 // likewise for stderr
  int cancel_fd = -1;                 // readable: stop as StopReason::Cancelled (as RunRequest's)
  std::optional<Limits> limits;       // default: the template's Config::limits; counted from the spawn
  // For a guest that is already running, the spawn's additions to its
  // environment and arguments are files it may read once its stdin has
  // something: /run/vmrun/env ("KEY=VALUE" entries) and
  // /run/vmrun/args, each entry followed by a NUL byte (as
  // /proc/self/environ). Both files exist, maybe empty, in every spawn.
  std::vector<std::string> env;
  std::vector<std::string> args;
  std::optional<uint64_t> seed;       // deterministic templates: default Config::seed
};

// A program run up to its ready point (every guest task blocked reading
// its empty, still open stdin) and frozen in a holder process; each spawn
// is a fork of that process and an independent run from there. Movable;
// destroying it ends the holder and any spawn still running. spawn() may
// be called from several threads at once.
class Template {
 public:
  Template();
  Template(Template&& other) noexcept;
  Template& operator=(Template&& other) noexcept;
  ~Template();

  // The program reached its ready point: spawn() can be used.
  bool ready() const { return holder_ != nullptr; }
  // How the preparation went: with ready(), the statistics (instructions,
  // wall_seconds, output) up to the ready point; otherwise the run's own
  // result (it ended, failed or was stopped before the ready point).
  const RunResult& prepare_result() const { return prepared_; }
  RunResult spawn(const SpawnRequest& request) const;
  // The holder process's host pid (0 when not ready).
  int holder_pid() const;

 private:
  friend class Sandbox;
  struct Holder;
  std::unique_ptr<Holder> holder_;
  RunResult prepared_;
};

class Sandbox {
 public:
  explicit Sandbox(Config config);
  RunResult run(const RunRequest& request) const;
  // Run `request` (its stdin is the template's own, empty and open: the
  // request's stdin fields are not used) up to the ready point and keep it
  // there. Needs Config::contain.
  Template prepare(const RunRequest& request) const;
  const Config& config() const { return config_; }

 private:
  Config config_;
};

}  // namespace vmrun
