#include "server/sessions.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "server/python_driver.h"

namespace vmrun::server {

double monotonic_seconds() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

// ---- the interpreter ---------------------------------------------------

Interpreter::~Interpreter() { stop(); }

bool Interpreter::ensure_started(const Runtime& python, const std::string& host_dir, const std::string& guest_dir,
                                 const SessionLimits& limits, std::string* error) {
  if (running()) return true;
  stop();
  bool piped;
  {
    std::lock_guard<std::mutex> lock(cancel_mutex_);
    piped = pipe2(to_guest_, O_CLOEXEC) == 0 && pipe2(from_guest_, O_CLOEXEC) == 0 && pipe2(cancel_, O_CLOEXEC) == 0;
  }
  if (!piped) {
    *error = std::string("pipe: ") + std::strerror(errno);
    stop();
    return false;
  }
  fcntl(to_guest_[1], F_SETFL, O_NONBLOCK);
  fcntl(from_guest_[0], F_SETFL, O_NONBLOCK);
  ended_ = false;
  pending_.clear();
  Config config;
  config.rootfs = python.rootfs;
  config.arch = python.arch;
  config.mounts.push_back({host_dir, guest_dir, /*writable=*/true});
  config.limits.max_memory = limits.max_memory;
  // The session's expiry bounds the interpreter; each cell has its own
  // host-side deadline.
  config.limits.timeout_seconds = 0;
  config.limits.max_output = 0;
  RunRequest req;
  req.argv = {python.command[0], "-u", "-c", kPythonDriver, std::to_string(limits.max_output)};
  req.cwd = guest_dir;
  req.stdin_fd = to_guest_[0];
  req.stdout_fd = from_guest_[1];
  req.cancel_fd = cancel_[0];
  thread_ = std::thread([this, config = std::move(config), req = std::move(req)] {
    result_ = Sandbox(config).run(req);
    ended_ = true;
  });
  auto ready = read_frame(monotonic_seconds() + 120, error);
  if (!ready) {
    *error = "the interpreter did not start: " + *error;
    stop();
    return false;
  }
  return true;
}

void Interpreter::cancel() {
  std::lock_guard<std::mutex> lock(cancel_mutex_);
  if (cancel_[1] >= 0) {
    char byte = 1;
    (void)!write(cancel_[1], &byte, 1);
  }
}

void Interpreter::stop() {
  cancel();
  if (thread_.joinable()) thread_.join();
  std::lock_guard<std::mutex> lock(cancel_mutex_);
  for (int* p : {to_guest_, from_guest_, cancel_})
    for (int i = 0; i < 2; i++)
      if (p[i] >= 0) {
        close(p[i]);
        p[i] = -1;
      }
}

bool Interpreter::write_frame(const std::string& payload, double deadline) {
  std::string data = std::to_string(payload.size()) + "\n" + payload;
  size_t done = 0;
  while (done < data.size()) {
    if (ended_ || monotonic_seconds() > deadline) return false;
    ssize_t w = write(to_guest_[1], data.data() + done, data.size() - done);
    if (w > 0) {
      done += static_cast<size_t>(w);
      continue;
    }
    if (w < 0 && errno != EAGAIN && errno != EINTR) return false;
    pollfd p{to_guest_[1], POLLOUT, 0};
    poll(&p, 1, 100);
  }
  return true;
}

std::optional<std::string> Interpreter::read_frame(double deadline, std::string* error) {
  for (;;) {
    size_t nl = pending_.find('\n');
    if (nl != std::string::npos) {
      if (nl == 0 || nl > 20 || pending_.find_first_not_of("0123456789") < nl) {
        *error = "the interpreter's answer is garbled";
        return std::nullopt;
      }
      size_t len = std::stoull(pending_.substr(0, nl));
      if (pending_.size() >= nl + 1 + len) {
        std::string frame = pending_.substr(nl + 1, len);
        pending_.erase(0, nl + 1 + len);
        return frame;
      }
    } else if (pending_.size() > 20) {
      *error = "the interpreter's answer is garbled";
      return std::nullopt;
    }
    double left = deadline - monotonic_seconds();
    if (left <= 0) {
      *error = "time limit reached";
      return std::nullopt;
    }
    pollfd p{from_guest_[0], POLLIN, 0};
    poll(&p, 1, static_cast<int>(std::min(left, 0.1) * 1000) + 1);
    char buf[65536];
    ssize_t n = read(from_guest_[0], buf, sizeof buf);
    if (n > 0) {
      pending_.append(buf, static_cast<size_t>(n));
    } else if (ended_) {
      // Drain what the guest wrote before it ended, then give up.
      if (n <= 0 && pending_.find('\n') == std::string::npos) {
        *error = std::string("the interpreter ended (") + stop_reason_name(result_.stop_reason) +
                 (result_.message.empty() ? "" : ": " + result_.message) + ")";
        return std::nullopt;
      }
    }
  }
}

std::optional<std::string> Interpreter::run_cell(const std::string& code, double timeout_seconds, std::string* error) {
  double deadline = monotonic_seconds() + timeout_seconds;
  nlohmann::json cell{{"code", code}};
  if (!write_frame(cell.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), deadline)) {
    *error = ended_ ? "the interpreter ended" : "time limit reached";
    stop();
    return std::nullopt;
  }
  auto answer = read_frame(deadline, error);
  if (!answer) stop();  // a cell over its time, or a dead interpreter: the next cell starts afresh
  return answer;
}

// ---- sessions ------------------------------------------------------------

Session::Session(std::string id_, Arch arch_, SessionLimits limits_, const std::string& jobs_dir)
    : id(std::move(id_)), arch(arch_), limits(limits_), dir(jobs_dir) {
  last_used = monotonic_seconds();
}

SessionManager::SessionManager(size_t max_sessions, std::string jobs_dir, std::string id_prefix)
    : max_sessions_(max_sessions), jobs_dir_(std::move(jobs_dir)), id_prefix_(std::move(id_prefix)) {
  expiry_ = std::thread([this] { expire_loop(); });
}

SessionManager::~SessionManager() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    wake_.notify_all();
  }
  if (expiry_.joinable()) expiry_.join();
  stop_all();
}

std::shared_ptr<Session> SessionManager::create(Arch arch, SessionLimits limits, std::string* error) {
  unsigned char raw[16];
  if (getrandom(raw, sizeof raw, 0) != sizeof raw) {
    *error = "no randomness for a session id";
    return nullptr;
  }
  std::string id = id_prefix_.empty() ? std::string() : id_prefix_ + "-";
  for (unsigned char c : raw) id += fmt::format("{:02x}", c);
  std::lock_guard<std::mutex> lock(mutex_);
  if (stopping_ || sessions_.size() >= max_sessions_) {
    *error = "at most " + std::to_string(max_sessions_) + " sessions";
    return nullptr;
  }
  auto s = std::make_shared<Session>(id, arch, limits, jobs_dir_);
  if (!s->dir.ok()) {
    *error = s->dir.error();
    return nullptr;
  }
  sessions_[id] = s;
  return s;
}

std::shared_ptr<Session> SessionManager::find(const std::string& id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : it->second;
}

bool SessionManager::remove(const std::string& id) {
  std::shared_ptr<Session> s;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = sessions_.find(id);
    if (it == sessions_.end()) return false;
    s = it->second;
    sessions_.erase(it);
  }
  s->deleted = true;
  // A running cell ends as the interpreter does; the last holder of the
  // session (this, or the operation under way) cleans up.
  s->interpreter.cancel();
  return true;
}

size_t SessionManager::count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return sessions_.size();
}

void SessionManager::stop_all() {
  std::map<std::string, std::shared_ptr<Session>> all;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    all.swap(sessions_);
  }
  for (auto& [id, s] : all) {
    s->deleted = true;
    s->interpreter.cancel();
  }
}

void SessionManager::expire_loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, std::chrono::seconds(1));
    double now = monotonic_seconds();
    std::vector<std::string> expired;
    for (auto& [id, s] : sessions_)
      if (now - s->last_used > s->limits.idle_seconds && s->busy.try_lock()) {
        s->busy.unlock();
        expired.push_back(id);
      }
    lock.unlock();
    for (auto& id : expired) {
      if (remove(id)) spdlog::info("session id={} expired", id);
    }
    lock.lock();
  }
}

// ---- files ---------------------------------------------------------------

namespace {

// Opens the directory holding `name`'s last component, every component
// without following links; returns its fd and sets `leaf`.
int open_parent(const std::string& root, const std::string& name, bool create_dirs, std::string* leaf) {
  int dir = open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  size_t start = 0;
  for (;;) {
    size_t slash = name.find('/', start);
    if (slash == std::string::npos) break;
    std::string part = name.substr(start, slash - start);
    if (create_dirs) mkdirat(dir, part.c_str(), 0755);
    int next = openat(dir, part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    close(dir);
    if (next < 0) return -1;
    dir = next;
    start = slash + 1;
  }
  *leaf = name.substr(start);
  return dir;
}

void walk(int dirfd, const std::string& prefix, const std::function<void(const std::string&, const struct stat&)>& fn,
          int depth) {
  if (depth > 16) return;
  DIR* d = fdopendir(dirfd);
  if (!d) {
    close(dirfd);
    return;
  }
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n == "." || n == "..") continue;
    struct stat st;
    if (fstatat(::dirfd(d), n.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    fn(prefix + n, st);
    if (S_ISDIR(st.st_mode)) {
      int sub = openat(::dirfd(d), n.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub >= 0) walk(sub, prefix + n + "/", fn, depth + 1);
    }
  }
  closedir(d);
}

}  // namespace

uint64_t session_usage(const std::string& root) {
  uint64_t total = 0;
  int fd = open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) walk(fd, "", [&](const std::string&, const struct stat& st) { total += st.st_size; }, 0);
  return total;
}

std::string list_session_files(const std::string& root) {
  nlohmann::json out = nlohmann::json::array();
  int fd = open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0)
    walk(fd, "", [&](const std::string& name, const struct stat& st) {
      const char* type = S_ISREG(st.st_mode) ? "file" : S_ISDIR(st.st_mode) ? "directory" : S_ISLNK(st.st_mode) ? "symlink" : "other";
      out.push_back({{"name", name}, {"size", S_ISREG(st.st_mode) ? st.st_size : 0}, {"type", type}});
    }, 0);
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<std::string> read_session_file(const std::string& root, const std::string& name, uint64_t max_bytes,
                                             int* http_status, std::string* error) {
  std::string leaf;
  int dir = open_parent(root, name, false, &leaf);
  int fd = dir >= 0 ? openat(dir, leaf.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK) : -1;
  if (dir >= 0) close(dir);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    if (fd >= 0) close(fd);
    *http_status = 404;
    *error = "no regular file '" + name + "' in the session";
    return std::nullopt;
  }
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    close(fd);
    *http_status = 413;
    *error = "'" + name + "' is larger than " + std::to_string(max_bytes) + " bytes";
    return std::nullopt;
  }
  std::string data;
  char buf[65536];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0 && data.size() <= max_bytes) data.append(buf, static_cast<size_t>(n));
  close(fd);
  return data;
}

bool write_session_file(const std::string& root, const std::string& name, const std::string& content, uint64_t quota,
                        std::string* error) {
  std::string leaf;
  uint64_t used = session_usage(root);
  if (used + content.size() > quota) {
    *error = "the session's quota of " + std::to_string(quota) + " bytes would be exceeded (" + std::to_string(used) +
             " used)";
    return false;
  }
  int dir = open_parent(root, name, true, &leaf);
  int fd = dir >= 0 ? openat(dir, leaf.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0644)
                    : -1;
  if (dir >= 0) close(dir);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    *error = "cannot write '" + name + "' (a directory, link or other file is in the way)";
    if (fd >= 0) close(fd);
    return false;
  }
  size_t done = 0;
  while (done < content.size()) {
    ssize_t w = write(fd, content.data() + done, content.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) break;
    done += static_cast<size_t>(w);
  }
  close(fd);
  if (done != content.size()) {
    *error = "cannot write '" + name + "': " + std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace vmrun::server
