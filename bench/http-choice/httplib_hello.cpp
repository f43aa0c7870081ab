// A trivial GET /healthz on cpp-httplib (Debian's libcpp-httplib-dev 0.11.4),
// for bench/http-choice/measure.sh.
#include <httplib.h>

#include <cstdlib>

int main(int argc, char** argv) {
  httplib::Server server;
  server.set_tcp_nodelay(true);  // without it, keep-alive answers wait ~40 ms on delayed ACKs
  server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("{\"status\":\"ok\"}", "application/json");
  });
  return server.listen("127.0.0.1", std::atoi(argv[1])) ? 0 : 1;
}
