#include "server/http_server.h"

// Boost 1.74's asio/awaitable.hpp uses std::exchange without including
// <utility>, which C++20 mode no longer brings in by accident.
#include <utility>

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <optional>
#include <thread>
#include <vector>

namespace vmrun::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

struct HttpServer::State {
  RequestHandler handler;
  HttpLimits limits;
  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work{io.get_executor()};
  std::optional<asio::ip::tcp::acceptor> tcp_acceptor;
  std::optional<asio::local::stream_protocol::acceptor> unix_acceptor;
  std::string unix_path;
  asio::signal_set signals{io};
  std::atomic<unsigned> connections{0};
};

namespace {

template <class Protocol>
class Session : public std::enable_shared_from_this<Session<Protocol>> {
 public:
  Session(typename Protocol::socket socket, HttpServer::State& state)
      : stream_(std::move(socket)), state_(state) {
    state_.connections++;
  }
  ~Session() { state_.connections--; }

  void read() {
    parser_.emplace();
    parser_->body_limit(state_.limits.max_body);
    parser_->header_limit(state_.limits.max_header);
    stream_.expires_after(std::chrono::seconds(state_.limits.idle_seconds));
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  // Answers on this session's strand, from any thread.
  void post_answer(HttpResponse res) {
    asio::post(stream_.get_executor(),
               [self = this->shared_from_this(), res = std::move(res)]() mutable { self->write(std::move(res)); });
  }

 private:
  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::operation_aborted ||
        ec == asio::error::connection_reset || ec == asio::error::eof) {
      close();
      return;
    }
    if (ec) {
      // A malformed or oversized request: say why, then close (the rest of
      // the stream cannot be trusted to be at a request's start).
      std::string why = ec == http::error::body_limit
                            ? "request body larger than " + std::to_string(state_.limits.max_body) + " bytes"
                        : ec == http::error::header_limit ? "request headers larger than " +
                                                                std::to_string(state_.limits.max_header) + " bytes"
                                                          : "malformed HTTP request: " + ec.message();
      keep_alive_ = false;
      linger_ = true;
      version_ = 11;
      HttpResponse res;
      res.status = 400;
      nlohmann_free_message(why, &res.body);
      write(std::move(res));
      return;
    }
    auto& msg = parser_->get();
    keep_alive_ = msg.keep_alive();
    version_ = msg.version();
    HttpRequest req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    if (auto it = msg.find(http::field::authorization); it != msg.end()) req.authorization = std::string(it->value());
    req.body = std::move(msg.body());
    // The answer may take as long as the job: only the job's own limit
    // bounds that wait.
    stream_.expires_never();
    auto self = this->shared_from_this();
    state_.handler(std::move(req), [self](HttpResponse res) { self->post_answer(std::move(res)); });
  }

  // {"message": why} without a JSON library here: `why` is our own text.
  static void nlohmann_free_message(const std::string& why, std::string* out) {
    *out = "{\"message\":\"";
    for (char c : why) {
      if (c == '"' || c == '\\') out->push_back('\\');
      if (static_cast<unsigned char>(c) < 0x20) continue;
      out->push_back(c);
    }
    *out += "\"}";
  }

  void write(HttpResponse res) {
    auto msg = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(res.status), version_);
    msg->set(http::field::server, "vmrun");
    msg->set(http::field::content_type, res.content_type);
    msg->keep_alive(keep_alive_);
    msg->body() = std::move(res.body);
    msg->prepare_payload();
    stream_.expires_after(std::chrono::seconds(state_.limits.idle_seconds));
    http::async_write(stream_, *msg, [self = this->shared_from_this(), msg](beast::error_code ec, size_t) {
      if (!ec && self->linger_)
        self->linger();
      else if (ec || !msg->keep_alive())
        self->close();
      else
        self->read();
    });
  }

  // After refusing a request mid-stream (a body over the limit): stop
  // sending, then read and drop what the client is still sending, within a
  // bound, so that it can finish its write and read the answer instead of
  // meeting a reset.
  void linger() {
    beast::error_code ec;
    stream_.socket().shutdown(Protocol::socket::shutdown_send, ec);
    drop_.resize(64 << 10);
    stream_.expires_after(std::chrono::seconds(5));
    drain();
  }
  void drain() {
    stream_.async_read_some(asio::buffer(drop_), [self = this->shared_from_this()](beast::error_code ec, size_t n) {
      self->dropped_ += n;
      if (ec || self->dropped_ > 16 * self->state_.limits.max_body + (1 << 20))
        self->close();
      else
        self->drain();
    });
  }

  void close() {
    beast::error_code ec;
    // shutdown() sends the end of stream even while a forked emulator
    // process still holds a copy of this descriptor.
    stream_.socket().shutdown(Protocol::socket::shutdown_both, ec);
    stream_.socket().close(ec);
  }

  beast::basic_stream<Protocol> stream_;
  HttpServer::State& state_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool keep_alive_ = true;
  bool linger_ = false;
  std::vector<char> drop_;
  uint64_t dropped_ = 0;
  unsigned version_ = 11;
};

template <class Acceptor>
void accept_loop(Acceptor& acceptor, HttpServer::State& state) {
  using Protocol = typename Acceptor::protocol_type;
  acceptor.async_accept(asio::make_strand(state.io), [&acceptor, &state](beast::error_code ec, typename Protocol::socket s) {
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
    if (!ec) {
      if (state.connections >= state.limits.max_connections) {
        beast::error_code ignored;
        s.close(ignored);
      } else {
        std::make_shared<Session<Protocol>>(std::move(s), state)->read();
      }
    }
    accept_loop(acceptor, state);
  });
}

}  // namespace

HttpServer::HttpServer(RequestHandler handler, HttpLimits limits) : state_(std::make_unique<State>()) {
  state_->handler = std::move(handler);
  state_->limits = limits;
}

HttpServer::~HttpServer() {
  stop();
  if (!state_->unix_path.empty()) unlink(state_->unix_path.c_str());
}

bool HttpServer::listen_tcp(const std::string& host, uint16_t port, std::string* error) {
  beast::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) {
    *error = "'" + host + "' is not an IP address";
    return false;
  }
  asio::ip::tcp::acceptor acceptor(state_->io);
  asio::ip::tcp::endpoint endpoint(address, port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    *error = "cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message();
    return false;
  }
  state_->tcp_acceptor.emplace(std::move(acceptor));
  accept_loop(*state_->tcp_acceptor, *state_);
  return true;
}

bool HttpServer::listen_unix(const std::string& path, std::string* error) {
  struct stat st;
  if (lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      *error = path + " exists and is not a socket";
      return false;
    }
    unlink(path.c_str());
  }
  beast::error_code ec;
  asio::local::stream_protocol::acceptor acceptor(state_->io);
  asio::local::stream_protocol::endpoint endpoint(path);
  mode_t old = umask(0177);  // the socket file is the owner's only
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  umask(old);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    *error = "cannot listen on unix socket " + path + ": " + ec.message();
    return false;
  }
  state_->unix_path = path;
  state_->unix_acceptor.emplace(std::move(acceptor));
  accept_loop(*state_->unix_acceptor, *state_);
  return true;
}

uint16_t HttpServer::port() const {
  beast::error_code ec;
  return state_->tcp_acceptor ? state_->tcp_acceptor->local_endpoint(ec).port() : 0;
}

void HttpServer::run(unsigned io_threads) {
  std::vector<std::thread> extra;
  for (unsigned i = 1; i < io_threads; i++) extra.emplace_back([this] { state_->io.run(); });
  state_->io.run();
  for (auto& t : extra) t.join();
}

void HttpServer::stop() {
  asio::post(state_->io, [s = state_.get()] {
    beast::error_code ec;
    if (s->tcp_acceptor) s->tcp_acceptor->close(ec);
    if (s->unix_acceptor) s->unix_acceptor->close(ec);
    s->signals.cancel(ec);
    s->work.reset();
    s->io.stop();
  });
}

void HttpServer::on_termination_signal(std::function<void(int)> on_signal) {
  state_->signals.add(SIGTERM);
  state_->signals.add(SIGINT);
  state_->signals.add(SIGHUP);
  state_->signals.async_wait([on_signal](beast::error_code ec, int sig) {
    if (!ec) on_signal(sig);
  });
}

}  // namespace vmrun::server
