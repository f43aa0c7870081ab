// Code-interpreter sessions (docs/SERVER.md, "Sessions"): a private host
// directory per session, mounted read-write at /mnt/data (the guest's
// working directory), files uploaded and downloaded there within a quota,
// commands run on it, and a persistent Python interpreter whose state
// lasts from cell to cell. Sessions expire when idle.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "server/job_files.h"
#include "server/runtimes.h"
#include "vmrun/sandbox.h"

namespace vmrun::server {

struct SessionLimits {
  uint64_t max_memory = 1ull << 30;   // guest memory of the interpreter and of each command
  uint64_t quota = 64 << 20;          // bytes of files uploaded into the directory
  double idle_seconds = 600;          // expiry after the last use
  double max_cell_seconds = 60;       // a cell's time (and a command's) at most
  uint64_t max_output = 1 << 20;      // per cell or command, stdout and stderr each
};

// The persistent interpreter: one long contained Sandbox::run of the
// python driver (python_driver.h), fed through pipes.
class Interpreter {
 public:
  ~Interpreter();  // stop()
  // Starts it when it is not running; false with `error` when it cannot.
  bool ensure_started(const Runtime& python, const std::string& host_dir, const std::string& guest_dir,
                      const SessionLimits& limits, std::string* error);
  // One cell: the driver's answer as JSON, or nullopt with `error` (the
  // cell took too long: the interpreter is stopped, its state lost).
  std::optional<std::string> run_cell(const std::string& code, double timeout_seconds, std::string* error);
  void stop();
  // Makes a running interpreter end (from any thread); stop() cleans up.
  void cancel();
  bool running() const { return thread_.joinable() && !ended_; }

 private:
  bool write_frame(const std::string& payload, double deadline);
  std::optional<std::string> read_frame(double deadline, std::string* error);

  std::thread thread_;
  std::atomic<bool> ended_{false};
  RunResult result_;
  int to_guest_[2] = {-1, -1}, from_guest_[2] = {-1, -1}, cancel_[2] = {-1, -1};
  std::string pending_;  // bytes read from the guest beyond the last frame
  std::mutex cancel_mutex_;  // cancel() against stop() closing the pipe
};

class Session {
 public:
  Session(std::string id, Arch arch, SessionLimits limits, const std::string& jobs_dir);
  const std::string id;
  const Arch arch;
  const SessionLimits limits;
  JobDirectory dir;
  std::mutex busy;  // one operation at a time
  Interpreter interpreter;
  std::atomic<double> last_used{0};
  std::atomic<bool> deleted{false};
  ~Session() { interpreter.stop(); }
};

class SessionManager {
 public:
  // `id_prefix`: put before every session id with a '-' (ServeOptions::server_id).
  SessionManager(size_t max_sessions, std::string jobs_dir, std::string id_prefix = "");
  ~SessionManager();  // stops the expiry thread and every session

  // nullptr with `error` when at the maximum.
  std::shared_ptr<Session> create(Arch arch, SessionLimits limits, std::string* error);
  std::shared_ptr<Session> find(const std::string& id);
  bool remove(const std::string& id);
  size_t count() const;
  void stop_all();

 private:
  void expire_loop();

  size_t max_sessions_;
  std::string jobs_dir_;
  std::string id_prefix_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::map<std::string, std::shared_ptr<Session>> sessions_;
  std::thread expiry_;
};

// Files of a session directory, never following a link the guest made:
// every component is opened with O_NOFOLLOW below `root`.
std::optional<std::string> read_session_file(const std::string& root, const std::string& name, uint64_t max_bytes,
                                             int* http_status, std::string* error);
bool write_session_file(const std::string& root, const std::string& name, const std::string& content,
                        uint64_t quota, std::string* error);
// JSON array of {name, size, type} for everything below `root`.
std::string list_session_files(const std::string& root);
uint64_t session_usage(const std::string& root);

double monotonic_seconds();

}  // namespace vmrun::server
