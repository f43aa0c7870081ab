// The HTTP/1.1 transport of `vmrun serve` (Boost.Beast over Boost.Asio):
// a listener on a loopback TCP address or a unix socket, one asynchronous
// session per connection, bounded headers, bodies and connections, and
// timeouts on reading and writing. Handlers answer asynchronously: an
// execute request is answered from a job worker when its job ends.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace vmrun::server {

struct HttpRequest {
  std::string method;         // "GET", "POST", ...
  std::string target;         // "/api/v2/execute" (query included)
  std::string authorization;  // the Authorization header, or ""
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

// Called on an I/O thread; must not block. `respond` may be called once,
// from any thread, now or later.
using Respond = std::function<void(HttpResponse)>;
using RequestHandler = std::function<void(HttpRequest, Respond)>;

struct HttpLimits {
  uint64_t max_body = 4 << 20;        // bytes; beyond, 400 and the connection closes
  uint32_t max_header = 16 << 10;     // bytes of request line and headers
  unsigned max_connections = 256;     // beyond, new connections are closed at once
  unsigned idle_seconds = 30;         // to read a request, or to write an answer
};

class HttpServer {
 public:
  HttpServer(RequestHandler handler, HttpLimits limits);
  ~HttpServer();

  // "127.0.0.1:8080", "[::1]:8080"; false with `error` when it cannot listen.
  bool listen_tcp(const std::string& host, uint16_t port, std::string* error);
  // A unix socket at `path` (mode 0600); an existing socket file there is
  // replaced, any other file is an error.
  bool listen_unix(const std::string& path, std::string* error);
  // The TCP port listened on (after listen_tcp with port 0).
  uint16_t port() const;

  // Runs the I/O threads until stop(); called from one thread.
  void run(unsigned io_threads);
  // Stops accepting and ends run(); safe from any thread.
  void stop();
  // `on_signal` is called (on an I/O thread) for SIGTERM, SIGINT, SIGHUP.
  void on_termination_signal(std::function<void(int)> on_signal);

 struct State;  // the Asio objects (http_server.cpp)

 private:
  std::unique_ptr<State> state_;
};

}  // namespace vmrun::server
