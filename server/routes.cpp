#include "server/routes.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "server/job_files.h"

namespace vmrun::server {

namespace {

// Where the job's directory appears in the guest (its working directory).
constexpr const char* kGuestJobDir = "/job";

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// Comparison whose time does not depend on where the strings differ.
bool same_secret(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); i++) diff |= static_cast<unsigned char>(a[i] ^ b[i % (b.size() ? b.size() : 1)]);
  return diff == 0 && !b.empty();
}

}  // namespace

Routes::Routes(const ServeOptions& options, std::vector<Runtime> runtimes, JobRunner& runner, JobQueue& queue,
               int cancel_fd)
    : options_(options),
      runtimes_(std::move(runtimes)),
      runtimes_json_(runtimes_json(runtimes_)),
      runner_(runner),
      queue_(queue),
      cancel_fd_(cancel_fd) {}

bool Routes::authorized(const HttpRequest& request) const {
  if (options_.token.empty()) return true;
  return same_secret(request.authorization, "Bearer " + options_.token);
}

void Routes::answer(const std::shared_ptr<Exchange>& ex, int status, std::string body, const char* content_type) {
  double seconds = seconds_since(ex->start);
  metrics_.http_answered(status);
  if (ex->path == "/api/v2/execute" && status == 200) metrics_.execute_answered(seconds);
  spdlog::info("request id={} method={} path={} status={} ms={:.1f}{}", ex->id, ex->method, ex->path, status,
               seconds * 1000, ex->log_fields);
  ex->respond(HttpResponse{status, content_type, std::move(body)});
}

void Routes::handle(HttpRequest request, Respond respond) {
  auto ex = std::make_shared<Exchange>();
  ex->id = next_id_++;
  ex->method = request.method;
  ex->path = request.target.substr(0, request.target.find('?'));
  if (ex->path.size() > 200) ex->path = ex->path.substr(0, 200) + "...";
  ex->start = std::chrono::steady_clock::now();
  ex->respond = std::move(respond);

  const std::string& path = ex->path;
  bool get = request.method == "GET";
  // The health check is open: load balancers probe it without the token.
  if (path == "/healthz") {
    if (!get) return answer(ex, 405, message_json("use GET"));
    nlohmann::json health{{"status", "ok"}, {"running", queue_.running()}, {"queued", queue_.queued()}};
    return answer(ex, 200, health.dump());
  }
  if (!authorized(request))
    return answer(ex, 401, message_json(request.authorization.empty() ? "missing Authorization: Bearer token"
                                                                      : "bad token"));
  if (path == "/metrics") {
    if (!get) return answer(ex, 405, message_json("use GET"));
    return answer(ex,
                  200,
                  metrics_.prometheus_text(queue_.running(), queue_.queued(), queue_.workers(), queue_.max_queued()),
                  "text/plain; version=0.0.4");
  }
  if (path == "/api/v2/runtimes") {
    if (!get) return answer(ex, 405, message_json("use GET"));
    return answer(ex, 200, runtimes_json_);
  }
  if (path == "/api/v2/execute") {
    if (request.method != "POST") return answer(ex, 405, message_json("use POST"));
    return execute(ex, request.body);
  }
  answer(ex, 404, message_json("no route for " + request.method + " " + path));
}

void Routes::execute(const std::shared_ptr<Exchange>& ex, const std::string& body) {
  std::string error;
  auto parsed = parse_execute_request(body, runtimes_, options_.bounds, &error);
  if (!parsed) {
    ex->log_fields = " error=bad_request";
    return answer(ex, 400, message_json(error));
  }
  auto job = std::make_shared<ExecuteRequest>(std::move(*parsed));
  ex->log_fields = " language=" + job->runtime->language + " arch=" + arch_name(job->runtime->arch);
  JobQueue::Task task;
  task.run = [this, ex, job] {
    double queued_ms = seconds_since(ex->start) * 1000;
    int status = 200;
    std::string answer_body;
    {
      // The directory goes before the answer: a client that sees the answer
      // sees the job's files gone.
      JobDirectory dir(options_.jobs_dir);
      std::string error;
      if (!dir.ok()) {
        ex->log_fields += " error=job_directory";
        spdlog::error("job id={}: {}", ex->id, dir.error());
        status = 500;
        answer_body = message_json(dir.error());
      } else if (!dir.write(job->files, &error)) {
        ex->log_fields += " error=job_files";
        status = 400;
        answer_body = message_json(error);
      } else {
        JobLaunch launch;
        launch.runtime = job->runtime;
        launch.host_dir = dir.path();
        launch.guest_dir = kGuestJobDir;
        launch.argv = job->runtime->command;
        launch.argv.push_back(std::string(kGuestJobDir) + "/" + job->files[0].name);
        launch.argv.insert(launch.argv.end(), job->args.begin(), job->args.end());
        launch.stdin_data = std::move(job->stdin_data);
        launch.limits = job->limits;
        launch.cancel_fd = cancel_fd_;
        RunResult result = runner_.run(launch);
        if (result.stop_reason == StopReason::Cancelled) result.message = "cancelled: the server is shutting down";
        metrics_.job_finished(job->runtime->language, stop_reason_name(result.stop_reason), result.wall_seconds);
        ex->log_fields += fmt::format(" stop_reason={} exit_status={} instructions={} run_ms={:.1f} queue_ms={:.1f}",
                                      stop_reason_name(result.stop_reason), result.exit_status(), result.instructions,
                                      result.wall_seconds * 1000, queued_ms);
        answer_body = execute_response_json(*job->runtime, result);
      }
    }
    answer(ex, status, std::move(answer_body));
  };
  task.abandon = [this, ex] {
    ex->log_fields += " error=shutting_down";
    answer(ex, 503, message_json("the server is shutting down"));
  };
  if (!queue_.submit(std::move(task))) {
    metrics_.job_rejected_queue_full();
    ex->log_fields += " error=queue_full";
    answer(ex, 503, message_json("too many jobs waiting (" + std::to_string(queue_.max_queued()) + "); try again later"));
  }
}

}  // namespace vmrun::server
