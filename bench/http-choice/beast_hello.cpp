// A trivial GET /healthz on Boost.Beast (Debian's libboost1.74-dev), one
// asynchronous session per connection on two I/O threads, for
// bench/http-choice/measure.sh.
#include <utility>  // Boost 1.74 asio/awaitable.hpp needs std::exchange under C++20

#include <boost/asio.hpp>
#include <boost/beast.hpp>

#include <cstdlib>
#include <memory>
#include <thread>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

class Session : public std::enable_shared_from_this<Session> {
 public:
  explicit Session(tcp::socket socket) : stream_(std::move(socket)) {}
  void read() {
    request_ = {};
    http::async_read(stream_, buffer_, request_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (!ec) self->answer();
    });
  }

 private:
  void answer() {
    auto res = std::make_shared<http::response<http::string_body>>(http::status::ok, request_.version());
    if (request_.target() != "/healthz") res->result(http::status::not_found);
    res->set(http::field::content_type, "application/json");
    res->body() = "{\"status\":\"ok\"}";
    res->keep_alive(request_.keep_alive());
    res->prepare_payload();
    http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, size_t) {
      if (!ec && res->keep_alive()) self->read();
    });
  }
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
};

void accept(tcp::acceptor& acceptor) {
  acceptor.async_accept(asio::make_strand(acceptor.get_executor()), [&acceptor](beast::error_code ec, tcp::socket s) {
    if (!ec) std::make_shared<Session>(std::move(s))->read();
    accept(acceptor);
  });
}

int main(int argc, char** argv) {
  asio::io_context io;
  tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(std::atoi(argv[1]))});
  accept(acceptor);
  std::thread second([&io] { io.run(); });
  io.run();
  second.join();
}
