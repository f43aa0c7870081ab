#include "server/serve.h"

#include <fcntl.h>
#include <signal.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio/ip/address.hpp>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "server/http_server.h"
#include "server/job_files.h"
#include "server/job_queue.h"
#include "server/job_runner.h"
#include "server/routes.h"
#include "server/runtimes.h"
#include "server/sessions.h"

namespace vmrun::server {
namespace {

constexpr int kStartError = 125;

// "127.0.0.1:2000", "[::1]:2000", "localhost:2000" -> host and port.
bool split_listen(const std::string& text, std::string* host, uint16_t* port, std::string* error) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 == text.size()) {
    *error = "--listen '" + text + "': expected HOST:PORT";
    return false;
  }
  *host = text.substr(0, colon);
  if (host->size() >= 2 && host->front() == '[' && host->back() == ']') *host = host->substr(1, host->size() - 2);
  if (*host == "localhost") *host = "127.0.0.1";
  std::string p = text.substr(colon + 1);
  if (p.find_first_not_of("0123456789") != std::string::npos || p.size() > 5 || std::stoul(p) > 65535) {
    *error = "--listen '" + text + "': bad port";
    return false;
  }
  *port = static_cast<uint16_t>(std::stoul(p));
  return true;
}

bool is_loopback(const std::string& host) {
  boost::system::error_code ec;
  auto a = boost::asio::ip::make_address(host, ec);
  return !ec && a.is_loopback();
}

}  // namespace

int run_server(const ServeOptions& given) {
  ServeOptions options = given;
  auto logger = spdlog::stderr_logger_mt("vmrun.serve");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(options.log_level));

  if (options.jobs == 0) options.jobs = std::max(1u, std::thread::hardware_concurrency());
  if (options.jobs_dir.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    options.jobs_dir = tmp && *tmp ? tmp : "/tmp";
  }
  if (options.listen.empty() && options.socket_path.empty()) options.listen = "127.0.0.1:2000";

  // The address first: a refusal should not wait for the runtimes.
  std::string error, host;
  uint16_t port = 0;
  if (!options.listen.empty()) {
    if (!split_listen(options.listen, &host, &port, &error)) {
      spdlog::error("{}", error);
      return kStartError;
    }
    if (!is_loopback(host) && !options.allow_remote) {
      spdlog::error("refusing to listen on {}: not a loopback address (give --allow-remote to serve other hosts; "
                    "read docs/SERVER.md's security section first)", host);
      return kStartError;
    }
    if (!is_loopback(host) && options.token.empty())
      spdlog::warn("listening on {} without --token: anyone who can reach it can run jobs", host);
  }

  std::vector<Runtime> runtimes = discover_runtimes(options.rootfs_base);
  if (runtimes.empty()) {
    spdlog::error("no runtimes: no python or busybox under {} (run scripts/setup.sh)", options.rootfs_base);
    return kStartError;
  }
  for (const Runtime& r : runtimes)
    spdlog::info("runtime language={} version={} arch={} rootfs={}", r.language, r.version, arch_name(r.arch), r.rootfs);

  // The shutdown signal for running jobs: one byte makes this pipe readable
  // for every job at once (vmrun polls a cancel fd, never reads it).
  int cancel[2];
  if (pipe2(cancel, O_CLOEXEC) != 0) {
    spdlog::error("pipe: {}", std::strerror(errno));
    return kStartError;
  }
  // A client that goes away mid-answer must not end the server.
  signal(SIGPIPE, SIG_IGN);

  // Job directories live in this server's own directory below --jobs-dir;
  // those of servers killed before they could clean up go first.
  if (int stale = ServerWorkDirectory::remove_stale(options.jobs_dir))
    spdlog::info("removed {} directories of servers that were killed", stale);
  ServerWorkDirectory work_dir(options.jobs_dir);
  if (!work_dir.ok()) {
    spdlog::error("{}", work_dir.error());
    return kStartError;
  }
  options.jobs_dir = work_dir.path();

  std::unique_ptr<JobRunner> runner = make_job_runner();
  JobQueue queue(options.jobs, options.max_queue);
  SessionManager sessions(options.max_sessions, options.jobs_dir, options.server_id);
  Routes routes(options, runtimes, *runner, queue, cancel[0], sessions);
  HttpLimits limits;
  limits.max_body = options.max_body;
  limits.max_connections = options.max_connections;
  HttpServer http([&routes](HttpRequest req, Respond respond) { routes.handle(std::move(req), std::move(respond)); },
                  limits);

  // Signals are taken before the address is announced: a SIGTERM right
  // after start-up still stops the server cleanly.
  std::thread stopper;
  http.on_termination_signal([&](int sig) {
    spdlog::info("signal={} stopping: running jobs cancelled, waiting ones answered 503", sig);
    // Off the I/O threads: the queue's join waits for running jobs, whose
    // answers need the I/O threads to go out.
    stopper = std::thread([&] {
      char byte = 1;
      (void)!write(cancel[1], &byte, 1);
      sessions.stop_all();
      queue.stop();
      std::this_thread::sleep_for(std::chrono::milliseconds(200));  // let the last answers leave
      http.stop();
    });
  });
  if (!options.listen.empty()) {
    if (!http.listen_tcp(host, port, &error)) {
      spdlog::error("{}", error);
      return kStartError;
    }
    std::string shown = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    std::printf("vmrun serve: listening on http://%s:%u\n", shown.c_str(), http.port());
  }
  if (!options.socket_path.empty()) {
    if (!http.listen_unix(options.socket_path, &error)) {
      spdlog::error("{}", error);
      return kStartError;
    }
    std::printf("vmrun serve: listening on unix:%s\n", options.socket_path.c_str());
  }
  std::fflush(stdout);
  spdlog::info("serving jobs={} max_queue={} max_body={} max_timeout_ms={} max_memory={} runner={} token={}",
               options.jobs, options.max_queue, options.max_body, options.bounds.max_timeout_seconds * 1000,
               options.bounds.max_memory, runner->name(), options.token.empty() ? "none" : "required");

  http.run(2);
  if (stopper.joinable()) stopper.join();
  sessions.stop_all();
  queue.stop();
  close(cancel[0]);
  close(cancel[1]);
  spdlog::info("stopped");
  return 0;
}

}  // namespace vmrun::server
