// What each request gets: the routes, the token check, and the execute
// path from a checked request to a queued job and its answer.
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "server/http_server.h"
#include "server/job_queue.h"
#include "server/job_runner.h"
#include "server/metrics.h"
#include "server/piston_api.h"
#include "server/runtimes.h"
#include "server/serve.h"
#include "server/sessions.h"

namespace vmrun::server {

class Routes {
 public:
  Routes(const ServeOptions& options, std::vector<Runtime> runtimes, JobRunner& runner, JobQueue& queue,
         int cancel_fd, SessionManager& sessions);

  // The HttpServer's handler: never blocks, answers every request once.
  void handle(HttpRequest request, Respond respond);

  const std::vector<Runtime>& runtimes() const { return runtimes_; }

 private:
  // A request being answered: its id, start and what the log line says.
  struct Exchange {
    uint64_t id;
    std::string method, path;
    std::chrono::steady_clock::time_point start;
    Respond respond;
    std::string log_fields;  // " language=python stop_reason=exited ..." for execute
  };
  void answer(const std::shared_ptr<Exchange>& ex, int status, std::string body,
              const char* content_type = "application/json");
  bool authorized(const HttpRequest& request) const;
  void execute(const std::shared_ptr<Exchange>& ex, const std::string& body);
  // /sessions...: code-interpreter sessions (sessions.h).
  void session_route(const std::shared_ptr<Exchange>& ex, const HttpRequest& request);
  // Runs `work` on a job slot with the session held; answers 503 when the
  // queue is full.
  void on_session(const std::shared_ptr<Exchange>& ex, std::shared_ptr<Session> session,
                  std::function<void(Session&)> work);
  const ServeOptions& options_;
  std::vector<Runtime> runtimes_;
  std::string runtimes_json_;
  JobRunner& runner_;
  JobQueue& queue_;
  int cancel_fd_;
  SessionManager& sessions_;
  Metrics metrics_;
  std::atomic<uint64_t> next_id_{1};
};

}  // namespace vmrun::server
