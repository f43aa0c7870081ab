#include "server/routes.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "server/job_files.h"
#include "server/sessions.h"

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
               int cancel_fd, SessionManager& sessions)
    : options_(options),
      runtimes_(std::move(runtimes)),
      runtimes_json_(runtimes_json(runtimes_)),
      runner_(runner),
      queue_(queue),
      cancel_fd_(cancel_fd),
      sessions_(sessions) {}

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
  if (path == "/sessions" || path.rfind("/sessions/", 0) == 0) return session_route(ex, request);
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
        launch.main_file = job->files[0].name;
        launch.args = job->args;
        launch.stdin_data = std::move(job->stdin_data);
        launch.limits = job->limits;
        launch.cancel_fd = cancel_fd_;
        std::string output;
        launch.combined_output = &output;
        RunResult result = runner_.run(launch);
        if (result.stop_reason == StopReason::Cancelled) result.message = "cancelled: the server is shutting down";
        metrics_.job_finished(job->runtime->language, stop_reason_name(result.stop_reason), result.wall_seconds);
        ex->log_fields += fmt::format(" stop_reason={} exit_status={} instructions={} run_ms={:.1f} queue_ms={:.1f}",
                                      stop_reason_name(result.stop_reason), result.exit_status(),
                                      result.instructions ? std::to_string(*result.instructions) : std::string("-"),
                                      result.wall_seconds * 1000, queued_ms);
        answer_body = execute_response_json(*job->runtime, result, &output);
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

namespace vmrun::server {
namespace {

// Where a session's directory appears in the guest, and its working
// directory (the code-interpreter convention).
constexpr const char* kGuestSessionDir = "/mnt/data";

// %XX decoding of a URL path; nullopt for a malformed escape.
std::optional<std::string> percent_decode(const std::string& in) {
  std::string out;
  for (size_t i = 0; i < in.size(); i++) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size() + 0 || !std::isxdigit(static_cast<unsigned char>(in[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(in[i + 2])))
      return std::nullopt;
    out.push_back(static_cast<char>(std::stoi(in.substr(i + 1, 2), nullptr, 16)));
    i += 2;
  }
  return out;
}

std::optional<nlohmann::json> json_object(const std::string& body, std::string* error) {
  if (body.empty()) return nlohmann::json::object();
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    *error = "the request body must be a JSON object";
    return std::nullopt;
  }
  return j;
}

// A positive number field, or `fallback` when absent; capped at `max`.
bool positive(const nlohmann::json& j, const char* name, double fallback, double max, double* out, std::string* error) {
  *out = fallback;
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return true;
  if (!it->is_number() || it->get<double>() <= 0 || std::isnan(it->get<double>())) {
    *error = std::string(name) + " must be a number above 0";
    return false;
  }
  *out = std::min(it->get<double>(), max);
  return true;
}

}  // namespace

void Routes::on_session(const std::shared_ptr<Exchange>& ex, std::shared_ptr<Session> session,
                        std::function<void(Session&)> work) {
  JobQueue::Task task;
  task.run = [ex, session, work = std::move(work), this] {
    std::lock_guard<std::mutex> lock(session->busy);
    if (session->deleted) return answer(ex, 404, message_json("the session was deleted"));
    session->last_used = monotonic_seconds();
    work(*session);
    session->last_used = monotonic_seconds();
  };
  task.abandon = [this, ex] { answer(ex, 503, message_json("the server is shutting down")); };
  if (!queue_.submit(std::move(task))) {
    metrics_.job_rejected_queue_full();
    answer(ex, 503, message_json("too many jobs waiting; try again later"));
  }
}

void Routes::session_route(const std::shared_ptr<Exchange>& ex, const HttpRequest& request) {
  const std::string& m = request.method;
  std::string error;
  if (ex->path == "/sessions") {
    if (m != "POST") return answer(ex, 405, message_json("use POST to create a session"));
    auto body = json_object(request.body, &error);
    if (!body) return answer(ex, 400, message_json(error));
    std::optional<Arch> arch = Arch::X86_64;
    if (auto it = body->find("arch"); it != body->end() && !it->is_null())
      arch = it->is_string() ? parse_arch(it->get<std::string>()) : std::nullopt;
    if (!arch) return answer(ex, 400, message_json("arch must be x86_64 or riscv64"));
    const Runtime* python = find_runtime(runtimes_, "python", "*", arch);
    if (!python) return answer(ex, 400, message_json(std::string("no python runtime for ") + arch_name(*arch)));
    SessionLimits limits;
    double memory = 0, idle = 0, quota = 0;
    if (!positive(*body, "memory_limit", static_cast<double>(options_.bounds.max_memory),
                  static_cast<double>(options_.bounds.max_memory), &memory, &error) ||
        !positive(*body, "idle_timeout", options_.session_idle_seconds, options_.session_idle_seconds, &idle, &error) ||
        !positive(*body, "quota", static_cast<double>(options_.session_quota), static_cast<double>(options_.session_quota),
                  &quota, &error))
      return answer(ex, 400, message_json(error));
    limits.max_memory = static_cast<uint64_t>(memory);
    limits.idle_seconds = idle;
    limits.quota = static_cast<uint64_t>(quota);
    limits.max_cell_seconds = options_.bounds.max_timeout_seconds;
    limits.max_output = options_.bounds.max_output;
    auto session = sessions_.create(*arch, limits, &error);
    if (!session) return answer(ex, 503, message_json(error));
    ex->log_fields = " session=" + session->id;
    nlohmann::json out{{"id", session->id},          {"arch", arch_name(*arch)},
                       {"memory_limit", limits.max_memory}, {"idle_timeout", limits.idle_seconds},
                       {"quota", limits.quota},       {"python_version", python->version},
                       {"cwd", kGuestSessionDir}};
    return answer(ex, 201, out.dump());
  }

  // /sessions/ID[/files[/NAME] | /run | /cells]
  std::string rest = ex->path.substr(std::string("/sessions/").size());
  size_t slash = rest.find('/');
  std::string id = rest.substr(0, slash), sub = slash == std::string::npos ? "" : rest.substr(slash + 1);
  auto session = sessions_.find(id);
  if (!session) return answer(ex, 404, message_json("no session '" + id.substr(0, 64) + "'"));
  ex->log_fields = " session=" + id;
  const Runtime* python = find_runtime(runtimes_, "python", "*", session->arch);
  std::string root = session->dir.path();

  if (sub.empty()) {
    if (m == "DELETE") {
      sessions_.remove(id);
      return answer(ex, 200, nlohmann::json{{"deleted", id}}.dump());
    }
    if (m != "GET") return answer(ex, 405, message_json("use GET or DELETE"));
    nlohmann::json out{{"id", id},
                       {"arch", arch_name(session->arch)},
                       {"interpreter_running", session->interpreter.running()},
                       {"idle_seconds", monotonic_seconds() - session->last_used},
                       {"idle_timeout", session->limits.idle_seconds},
                       {"quota", session->limits.quota},
                       {"used", session_usage(root)}};
    return answer(ex, 200, out.dump());
  }
  if (sub == "files") {
    if (m != "GET") return answer(ex, 405, message_json("use GET"));
    return answer(ex, 200, list_session_files(root));
  }
  if (sub.rfind("files/", 0) == 0) {
    auto name = percent_decode(sub.substr(6));
    if (!name) return answer(ex, 400, message_json("bad %-escape in the file name"));
    if (std::string why = check_file_name(*name); !why.empty()) return answer(ex, 400, message_json(why));
    if (m == "GET") {
      int status = 200;
      auto data = read_session_file(root, *name, options_.max_body * 16, &status, &error);
      if (!data) return answer(ex, status, message_json(error));
      return answer(ex, 200, std::move(*data), "application/octet-stream");
    }
    if (m == "PUT") {
      auto content = std::make_shared<std::string>(request.body);
      auto file = *name;
      return on_session(ex, session, [this, ex, content, file](Session& s) {
        std::string error;
        if (!write_session_file(s.dir.path(), file, *content, s.limits.quota, &error))
          return answer(ex, 400, message_json(error));
        answer(ex, 201, nlohmann::json{{"name", file}, {"size", content->size()}}.dump());
      });
    }
    return answer(ex, 405, message_json("use GET or PUT"));
  }
  if (sub == "run" || sub == "cells") {
    if (m != "POST") return answer(ex, 405, message_json("use POST"));
    auto body = json_object(request.body, &error);
    if (!body) return answer(ex, 400, message_json(error));
    double timeout_ms = 0;
    if (!positive(*body, "timeout", session->limits.max_cell_seconds * 1000, session->limits.max_cell_seconds * 1000,
                  &timeout_ms, &error))
      return answer(ex, 400, message_json(error));
    if (!python) return answer(ex, 500, message_json("the session's python runtime is gone"));

    if (sub == "cells") {
      auto code = body->find("code");
      if (code == body->end() || !code->is_string()) return answer(ex, 400, message_json("code must be a string"));
      auto text = std::make_shared<std::string>(code->get<std::string>());
      return on_session(ex, session, [this, ex, text, python, timeout_ms](Session& s) {
        std::string error;
        double start = monotonic_seconds();
        if (!s.interpreter.ensure_started(*python, s.dir.path(), kGuestSessionDir, s.limits, &error))
          return answer(ex, 500, message_json(error));
        auto result = s.interpreter.run_cell(*text, timeout_ms / 1000, &error);
        double ms = (monotonic_seconds() - start) * 1000;
        if (!result) {
          ex->log_fields += " cell=" + error;
          nlohmann::json out{{"stdout", ""}, {"stderr", ""}, {"value", nullptr},
                             {"error", {{"ename", error == "time limit reached" ? "TimeLimit" : "InterpreterDied"},
                                        {"evalue", error + "; the interpreter was restarted, its state is lost"}}},
                             {"interpreter_restarted", true}, {"wall_time", std::llround(ms)}};
          return answer(ex, 200, out.dump());
        }
        auto out = nlohmann::json::parse(*result, nullptr, false);
        if (out.is_discarded()) return answer(ex, 500, message_json("the interpreter's answer is not JSON"));
        out["interpreter_restarted"] = false;
        out["wall_time"] = std::llround(ms);
        answer(ex, 200, out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      });
    }

    // run: a command on the session's files, a contained run of its own.
    std::vector<std::string> argv;
    auto command = body->find("command");
    if (command != body->end() && command->is_string()) {
      argv = {"/bin/busybox", "sh", "-c", command->get<std::string>()};
    } else if (command != body->end() && command->is_array() && !command->empty() && command->size() <= 1024) {
      for (auto& a : *command) {
        if (!a.is_string()) return answer(ex, 400, message_json("command must be a string or an array of strings"));
        argv.push_back(a.get<std::string>());
      }
    } else {
      return answer(ex, 400, message_json("command must be a string or a non-empty array of strings"));
    }
    for (auto& a : argv)
      if (a.find('\0') != std::string::npos) return answer(ex, 400, message_json("command must not contain NUL"));
    std::string stdin_data;
    if (auto it = body->find("stdin"); it != body->end() && !it->is_null()) {
      if (!it->is_string()) return answer(ex, 400, message_json("stdin must be a string"));
      stdin_data = it->get<std::string>();
    }
    return on_session(ex, session, [this, ex, argv, stdin_data, python, timeout_ms](Session& s) {
      JobLaunch launch;
      launch.runtime = python;
      launch.host_dir = s.dir.path();
      launch.guest_dir = kGuestSessionDir;
      launch.argv = argv;
      launch.stdin_data = stdin_data;
      launch.limits.timeout_seconds = timeout_ms / 1000;
      launch.limits.max_memory = s.limits.max_memory;
      launch.limits.max_output = s.limits.max_output;
      launch.limits.max_processes = options_.bounds.max_processes;
      launch.cancel_fd = cancel_fd_;
      std::string output;
      launch.combined_output = &output;
      RunResult r = runner_.run(launch);
      metrics_.job_finished("session-run", stop_reason_name(r.stop_reason), r.wall_seconds);
      ex->log_fields += std::string(" stop_reason=") + stop_reason_name(r.stop_reason);
      answer(ex, 200, run_json(r, &output));
    });
  }
  answer(ex, 404, message_json("no route for " + m + " " + ex->path.substr(0, 200)));
}

}  // namespace vmrun::server
