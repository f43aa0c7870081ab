#include "server/job_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "server/python_job_driver.h"
#include "server/sh_job_driver.h"

namespace vmrun::server {
namespace {

// Reads the job's stdout and stderr pipes while it runs, keeping each
// stream and both together in arrival order. The pipes' write ends stay
// open in this process (Sandbox::run forks inside), so the end is not an
// end of file but the run's return, after which whatever is left in the
// pipes is read. finish() wakes the thread through an eventfd: a poll
// timeout there would be added to every job's answer.
class OutputGatherer {
 public:
  explicit OutputGatherer(uint64_t cap) : cap_(cap ? cap : UINT64_MAX) {}
  ~OutputGatherer() {
    finish();
    for (int fd : {out_[0], out_[1], err_[0], err_[1], wake_})
      if (fd >= 0) close(fd);
  }
  bool start() {
    if (pipe2(out_, O_CLOEXEC) != 0 || pipe2(err_, O_CLOEXEC) != 0) return false;
    wake_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_ < 0) return false;
    fcntl(out_[0], F_SETFL, O_NONBLOCK);
    fcntl(err_[0], F_SETFL, O_NONBLOCK);
    thread_ = std::thread([this] {
      while (!done_) {
        pollfd p[3] = {{out_[0], POLLIN, 0}, {err_[0], POLLIN, 0}, {wake_, POLLIN, 0}};
        if (poll(p, 3, -1) <= 0) continue;
        if (p[0].revents) pull(out_[0], stdout_);
        if (p[1].revents) pull(err_[0], stderr_);
      }
      while (pull(out_[0], stdout_) | pull(err_[0], stderr_)) {
      }
    });
    return true;
  }
  int stdout_fd() const { return out_[1]; }
  int stderr_fd() const { return err_[1]; }
  void finish() {
    done_ = true;
    if (wake_ >= 0) {
      uint64_t one = 1;
      (void)!write(wake_, &one, sizeof one);
    }
    if (thread_.joinable()) thread_.join();
  }
  std::string stdout_, stderr_, combined_;

 private:
  bool pull(int fd, std::string& one) {
    char buf[65536];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) return false;
    uint64_t room = combined_.size() < cap_ ? cap_ - combined_.size() : 0;
    size_t keep = static_cast<size_t>(std::min<uint64_t>(room, static_cast<uint64_t>(n)));
    one.append(buf, keep);
    combined_.append(buf, keep);
    return true;
  }
  int out_[2] = {-1, -1}, err_[2] = {-1, -1};
  int wake_ = -1;
  uint64_t cap_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

// Runs `start(stdout_fd, stderr_fd)` (-1, -1: the run captures its own
// output) and, when the job wants its streams together in arrival order,
// gathers them from pipes; never throws.
RunResult run_gathering(const JobLaunch& job, const std::function<RunResult(int, int)>& start) {
  try {
    if (!job.combined_output) return start(-1, -1);
    OutputGatherer output(job.limits.max_output);
    if (!output.start()) throw std::runtime_error("cannot make the output pipes");
    RunResult r = start(output.stdout_fd(), output.stderr_fd());
    output.finish();
    r.stdout_data = std::move(output.stdout_);
    r.stderr_data = std::move(output.stderr_);
    *job.combined_output = std::move(output.combined_);
    return r;
  } catch (const std::exception& e) {
    RunResult r;
    r.stop_reason = StopReason::SandboxError;
    r.message = e.what();
    return r;
  }
}

}  // namespace

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
  const Sandbox box(std::move(config));
  return run_gathering(job, [&](int out, int err) {
    req.stdout_fd = out;
    req.stderr_fd = err;
    return box.run(req);
  });
}

// --- WarmRunner

struct WarmRunner::Templates {
  std::mutex mutex;
  // One per runtime; an entry without a ready template means it could not
  // be made (its jobs boot cold).
  std::map<const Runtime*, std::shared_ptr<Template>> by_runtime;
};

WarmRunner::WarmRunner() : templates_(std::make_unique<Templates>()) {}
WarmRunner::~WarmRunner() = default;

namespace {

// A runtime's warm template: its command with the family's driver (the
// python driver after `-c`; busybox sh's with $0 = the default main file).
std::shared_ptr<Template> make_template(const Runtime& runtime) {
  Config config;
  config.rootfs = runtime.rootfs;
  config.arch = runtime.arch;
  config.contain = true;
  config.limits.timeout_seconds = 120;  // to the ready point; each spawn has its job's
  RunRequest req;
  req.argv = runtime.command;
  req.argv.push_back("-c");
  if (runtime.family == "python") {
    req.argv.push_back(kPythonJobDriver);
  } else {
    req.argv.push_back(kShJobDriver);
    req.argv.push_back("/job/" + runtime.default_file_name);
  }
  req.cwd = "/";
  try {
    auto t = std::make_shared<Template>(Sandbox(std::move(config)).prepare(req));
    if (t->ready()) {
      spdlog::info("template runtime={} arch={} ready instructions={} ms={:.0f}", runtime.language,
                   arch_name(runtime.arch), t->prepare_result().instructions.value_or(0), t->prepare_result().wall_seconds * 1000);
      return t;
    }
    spdlog::warn("template runtime={}: not ready ({}: {}); its jobs boot cold", runtime.language,
                 stop_reason_name(t->prepare_result().stop_reason), t->prepare_result().message);
  } catch (const std::exception& e) {
    spdlog::warn("template runtime={}: {}; its jobs boot cold", runtime.language, e.what());
  }
  return nullptr;
}

// Each file of the job directory with its size, in the order of the
// directory walk, and all their bytes in that order.
bool job_files(const JobLaunch& job, std::vector<std::pair<std::string, size_t>>* files, std::string* bytes) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::recursive_directory_iterator it(job.host_dir, ec), end;
  if (ec) return false;
  for (; it != end; it.increment(ec)) {
    if (ec) return false;
    if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;
    std::ifstream in(it->path(), std::ios::binary);
    std::ostringstream data;
    data << in.rdbuf();
    if (!in.good() && !in.eof()) return false;
    std::string content = data.str();
    files->emplace_back(fs::relative(it->path(), job.host_dir).string(), content.size());
    *bytes += content;
  }
  return true;
}

// The job as the python driver reads it (python_job_driver.h): the
// header, every file of the job directory, then the job's stdin.
bool python_job_stdin(const JobLaunch& job, std::string* out) {
  std::vector<std::pair<std::string, size_t>> files;
  std::string bytes;
  if (!job_files(job, &files, &bytes)) return false;
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [name, size] : files) list.push_back({{"name", name}, {"size", size}});
  nlohmann::json head = {{"files", list},
                         {"main", job.main_file},
                         {"args", job.args},
                         {"stdin_size", job.stdin_data.size()}};
  std::string h = head.dump();
  *out = std::to_string(h.size()) + "\n" + h + bytes + job.stdin_data;
  return true;
}

// The same for the sh driver (sh_job_driver.h): a line of shell, every
// file, then the job's stdin.
bool sh_job_stdin(const JobLaunch& job, std::string* out) {
  std::vector<std::pair<std::string, size_t>> files;
  std::string bytes;
  if (!job_files(job, &files, &bytes)) return false;
  std::vector<bool> text;
  size_t at = 0;
  for (const auto& [name, size] : files) {
    text.push_back(size <= kShReadFileMax && bytes.find('\0', at) >= at + size);
    at += size;
  }
  *out = sh_job_script(files, text, job.args) + bytes + job.stdin_data;
  return true;
}

}  // namespace

RunResult WarmRunner::run(const JobLaunch& job) {
  // Python jobs, and sh jobs whose main file has the default name (the
  // template's $0), start warm.
  if (!job.runtime || job.main_file.empty()) return cold_.run(job);
  const bool python = job.runtime->family == "python";
  if (!python && !(job.runtime->family == "sh" && job.main_file == job.runtime->default_file_name))
    return cold_.run(job);
  std::shared_ptr<Template> tpl;
  {
    std::lock_guard<std::mutex> lock(templates_->mutex);  // the first job of a runtime makes its template
    auto found = templates_->by_runtime.find(job.runtime);
    if (found == templates_->by_runtime.end())
      found = templates_->by_runtime.emplace(job.runtime, make_template(*job.runtime)).first;
    tpl = found->second;
  }
  SpawnRequest req;
  if (!tpl || !(python ? python_job_stdin(job, &req.stdin_data) : sh_job_stdin(job, &req.stdin_data)))
    return cold_.run(job);
  req.limits = job.limits;
  req.cancel_fd = job.cancel_fd;
  return run_gathering(job, [&](int out, int err) {
    req.stdout_fd = out;
    req.stderr_fd = err;
    return tpl->spawn(req);
  });
}

std::unique_ptr<JobRunner> make_job_runner() {
  const char* cold = std::getenv("VMRUN_SERVE_COLD");
  if (cold && std::string(cold) == "1") return std::make_unique<ColdBootRunner>();
  return std::make_unique<WarmRunner>();
}

}  // namespace vmrun::server
