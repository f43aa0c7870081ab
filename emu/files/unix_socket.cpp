#include "emu/files/unix_socket.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "emu/files/inet_ports.h"

namespace vmrun {

std::string UnixAddress::sockaddr() const {
  std::string out(2, '\0');
  uint16_t family = AF_UNIX;
  std::memcpy(out.data(), &family, 2);
  if (kind == kPath) out += name + '\0';
  if (kind == kAbstract) out += '\0' + name;
  return out;
}

std::string UnixAddress::inet_sockaddr(int family) const {
  uint16_t port_be = static_cast<uint16_t>((port >> 8) | (port << 8));
  if (family == AF_INET) {
    std::string out(16, '\0');
    uint16_t f = AF_INET;
    std::memcpy(out.data(), &f, 2);
    std::memcpy(out.data() + 2, &port_be, 2);
    if (kind == kInet) std::memcpy(out.data() + 4, ip.data() + 12, 4);
    return out;
  }
  std::string out(28, '\0');  // sockaddr_in6: flow info and scope id 0
  uint16_t f = AF_INET6;
  std::memcpy(out.data(), &f, 2);
  std::memcpy(out.data() + 2, &port_be, 2);
  if (kind == kInet) std::memcpy(out.data() + 8, ip.data(), 16);
  return out;
}

// --- UnixSocketSpace

UnixSocketSpace::UnixSocketSpace()
    : tcp_(std::make_unique<InetPorts>(true)),
      udp_(std::make_unique<InetPorts>(false)),
      udplite_(std::make_unique<InetPorts>(false)) {}

InetPorts& UnixSocketSpace::ports_for(const UnixSocket& s) {
  if (s.type() == SOCK_STREAM) return *tcp_;
  return s.udplite ? *udplite_ : *udp_;
}

UnixSocketSpace::~UnixSocketSpace() {
  std::vector<std::shared_ptr<UnixSocket>> live;
  for (auto& w : all_)
    if (auto s = w.lock()) live.push_back(std::move(s));
  all_.clear();
  // Messages and pending connections may hold the last reference to other
  // sockets (or to their own): dropping them ends every cycle.
  std::vector<std::shared_ptr<UnixSocket>> freed;
  for (auto& s : live) s->drop_queues(freed);
  freed.clear();
  live.clear();
}

std::shared_ptr<UnixSocket> UnixSocketSpace::find_abstract(const std::string& name) {
  auto it = abstract_.find(name);
  return it == abstract_.end() ? nullptr : it->second.lock();
}

Result<void> UnixSocketSpace::bind_abstract(const std::string& name, const std::shared_ptr<UnixSocket>& s) {
  if (find_abstract(name)) return Err{EADDRINUSE};
  abstract_[name] = s;
  return Ok();
}

void UnixSocketSpace::unbind_abstract(const std::string& name, const UnixSocket* s) {
  auto it = abstract_.find(name);
  if (it == abstract_.end()) return;
  auto cur = it->second.lock();
  if (!cur || cur.get() == s) abstract_.erase(it);
}

Result<std::string> UnixSocketSpace::autobind_name() {
  for (uint32_t tries = 0; tries <= 0xfffff; tries++) {
    char name[8];
    std::snprintf(name, sizeof name, "%05x", next_autobind_++ & 0xfffff);
    if (!find_abstract(name)) return std::string(name);
  }
  return Err{ENOSPC};
}

void UnixSocketSpace::track(const std::shared_ptr<UnixSocket>& s) {
  if (all_.size() >= 64 && all_.size() == all_.capacity()) {
    std::erase_if(all_, [](const std::weak_ptr<UnixSocket>& w) { return w.expired(); });
  }
  all_.push_back(s);
}

// --- InFlightFds

InFlightFds::InFlightFds(std::vector<fs::FileRef> files, const std::shared_ptr<UnixSocketSpace>& space)
    : files_(std::move(files)), space_(space) {
  if (space) space->inflight += files_.size();
}

InFlightFds& InFlightFds::operator=(InFlightFds&& o) noexcept {
  if (this != &o) {
    release();
    files_ = std::move(o.files_);
    space_ = std::move(o.space_);
    o.files_.clear();
  }
  return *this;
}

std::vector<fs::FileRef> InFlightFds::take() {
  std::vector<fs::FileRef> out = std::move(files_);
  files_.clear();
  if (auto sp = space_.lock()) sp->inflight -= std::min<uint64_t>(sp->inflight, out.size());
  return out;
}

void InFlightFds::release() {
  if (files_.empty()) return;
  if (auto sp = space_.lock()) sp->inflight -= std::min<uint64_t>(sp->inflight, files_.size());
  // Closing them may destroy sockets whose queues hold more: move them out
  // first so this object is consistent while that happens.
  std::vector<fs::FileRef> gone = std::move(files_);
  files_.clear();
}

// --- UnixSocket

UnixSocket::UnixSocket(int type, uint64_t inode, std::shared_ptr<UnixSocketSpace> space, int family)
    : type_(type), family_(family), inode_(inode), space_(space) {
  flags = O_RDWR;
  path = "socket:[" + std::to_string(inode) + "]";
}

UnixSocket::~UnixSocket() {
  if (addr_.kind == UnixAddress::kAbstract)
    if (auto sp = space_.lock()) sp->unbind_abstract(addr_.name, this);
  if (addr_.kind == UnixAddress::kInet && !embryo_ && !accepted_)
    if (auto sp = space_.lock()) sp->ports_for(*this).release(this);
  if (connection_oriented()) {
    if (auto p = peer_.lock()) {
      // The peer reads what is left, then end of file; writes get EPIPE
      // (TCP: because the peer is gone; the socket itself is only
      // half-closed, as in CLOSE_WAIT, and stays writable for poll).
      p->shut_ = is_inet() ? static_cast<uint8_t>(p->shut_ | kShutRead) : static_cast<uint8_t>(kShutRead | kShutWrite);
      // A reset: closing with unread data, or TCP with SO_LINGER's zero
      // time. The peer reads what it has, then ECONNRESET (EPIPE when it
      // had our FIN already: Linux's reset in CLOSE_WAIT); a TCP peer is
      // no longer connected (getpeername fails, writes get EPIPE).
      bool abort = is_inet() && linger[0] != 0 && linger[1] == 0;
      if (!queue_.empty() || embryo_ || abort) {
        p->error_ = is_inet() && p->fin_ ? EPIPE : ECONNRESET;
        if (is_inet()) {
          p->reset_ = true;
          p->shut_ |= kShutWrite;
        }
      } else if (is_inet()) {
        p->fin_ = true;  // a plain TCP close: our FIN
      }
    }
  }
}

void UnixSocket::drop_queues(std::vector<std::shared_ptr<UnixSocket>>& freed) {
  for (auto& s : pending_) freed.push_back(std::move(s));
  pending_.clear();
  std::deque<UnixMessage> q = std::move(queue_);
  queue_.clear();
}

Result<void> UnixSocket::set_address(UnixAddress addr) {
  if (addr_.kind != UnixAddress::kUnnamed) return Err{EINVAL};
  addr_ = std::move(addr);
  return Ok();
}

Result<void> UnixSocket::listen(int backlog, const UnixCred& cred) {
  if (!connection_oriented()) return Err{EOPNOTSUPP};
  if (state_ == State::kConnected || addr_.kind == UnixAddress::kUnnamed) return Err{EINVAL};
  if (static_cast<unsigned>(backlog) > static_cast<unsigned>(kMaxBacklog)) backlog = kMaxBacklog;
  backlog_ = backlog;
  state_ = State::kListening;
  listen_cred_ = cred;
  peer_cred_ = cred;  // SO_PEERCRED on a listener: its own, as Linux
  return Ok();
}

bool UnixSocket::backlog_full() const { return pending_.size() > static_cast<size_t>(backlog_); }

Result<void> UnixSocket::connect_to(const std::shared_ptr<UnixSocket>& listener, const UnixCred& cred,
                                    uint64_t new_inode) {
  // Linux's order: the listener first, then this socket's own state.
  if (listener->type_ != type_) return Err{EPROTOTYPE};
  if (listener->state_ != State::kListening || (listener->shut_ & kShutRead)) return Err{ECONNREFUSED};
  if (listener->backlog_full()) return Err{EAGAIN};
  if (state_ == State::kConnected) return Err{EISCONN};
  if (state_ == State::kListening) return Err{EINVAL};
  auto server_side = std::make_shared<UnixSocket>(type_, new_inode, space_.lock(), listener->family_);
  server_side->accepted_ = true;
  server_side->state_ = State::kConnected;
  server_side->was_connected_ = true;
  server_side->embryo_ = true;
  server_side->peer_ = shared_from_this();
  server_side->peer_cred_ = cred;
  server_side->addr_ = listener->addr_;
  server_side->owner_uid = listener->owner_uid;
  server_side->owner_gid = listener->owner_gid;
  server_side->sndbuf = listener->sndbuf;  // Linux clones the listener
  server_side->rcvbuf = listener->rcvbuf;
  server_side->peer_addr_ = addr_;
  peer_addr_ = listener->addr_;
  peer_ = server_side;
  peer_cred_ = listener->listen_cred_;
  state_ = State::kConnected;
  was_connected_ = true;
  listener->pending_.push_back(server_side);
  listener->connections_queued_++;
  if (auto sp = space_.lock()) sp->track(server_side);
  return Ok();
}

void UnixSocket::pair(const std::shared_ptr<UnixSocket>& a, const std::shared_ptr<UnixSocket>& b,
                      const UnixCred& cred) {
  for (auto [x, y] : {std::pair{a, b}, std::pair{b, a}}) {
    x->state_ = State::kConnected;
    x->was_connected_ = true;
    x->dgram_connected_ = true;
    x->peer_ = y;
    x->peer_cred_ = cred;
  }
}

Result<std::shared_ptr<UnixSocket>> UnixSocket::accept() {
  if (state_ != State::kListening) return Err{EINVAL};
  if (pending_.empty()) return Err{EAGAIN};
  auto s = std::move(pending_.front());
  pending_.pop_front();
  s->embryo_ = false;
  return s;
}

size_t UnixSocket::queued_bytes() const {
  size_t n = 0;
  for (auto& m : queue_) n += m.left();
  return n;
}

size_t UnixSocket::stream_limit(const UnixSocket& to) const {
  if (!is_inet() || type_ != SOCK_STREAM) return kQueueBytes;
  return std::min(kQueueBytes, static_cast<size_t>(to.rcvbuf) / 2 + static_cast<size_t>(sndbuf));
}

bool UnixSocket::room_for(const UnixSocket& to, size_t bytes) const {
  size_t q = to.queued_bytes();
  if (to.type_ == SOCK_STREAM) return q < stream_limit(to);
  if (to.is_inet()) return to.queue_.size() < kMaxInetDgramQueue && (to.queue_.empty() || q + bytes <= kQueueBytes);
  if (!to.queue_.empty() && q + bytes > kQueueBytes) return false;
  if (to.type_ == SOCK_DGRAM && to.peer_.lock().get() != this && to.queue_.size() > kMaxDgramQueue) return false;
  return true;
}

Result<size_t> UnixSocket::send(const std::string& data, InFlightFds& fds, const UnixCred& cred,
                                const std::shared_ptr<UnixSocket>& to, const IpDatagram& ip) {
  bool tcp = is_inet() && type_ == SOCK_STREAM;
  // TCP: a pending error (a reset) is the answer first, once (Linux's
  // sk_err; the caller raises SIGPIPE only for EPIPE).
  if (tcp && was_connected_ && error_) return Err{take_error()};
  if (shut_ & kShutWrite) return Err{EPIPE};
  // TCP: nothing to send is no error, even when the peer has gone (Linux).
  if (tcp && data.empty() && was_connected_) return size_t{0};
  std::shared_ptr<UnixSocket> target = to;
  if (connection_oriented()) {
    if (!was_connected_) return Err{ENOTCONN};
    target = peer_.lock();
    if (!target && tcp) {
      // The peer closed (its FIN came, or we would be reset already): the
      // data is accepted and dropped, a send buffer's worth at most, and
      // the peer's answer is a reset, an EPIPE for the next send (the
      // socket was in CLOSE_WAIT), then EPIPE.
      reset_ = true;
      error_ = EPIPE;
      shut_ |= kShutRead | kShutWrite;
      return std::min(data.size(), static_cast<size_t>(sndbuf));
    }
    // (A TCP peer that shut down its reading still takes data, as Linux.)
    if (!target || (!tcp && (target->shut_ & kShutRead))) return Err{EPIPE};
  } else if (!target) {
    if (!dgram_connected_) return Err{ENOTCONN};
    target = peer_.lock();
    if (!target) return Err{ECONNREFUSED};
  } else if (auto tp = target->peer_.lock(); tp && tp.get() != this) {
    return Err{EPERM};  // it is connected to another socket
  }
  if (is_inet() && !connection_oriented() && target->dgram_connected_ &&
      (target->peer_addr_.ip != addr_.ip || target->peer_addr_.port != addr_.port))
    return data.size();  // UDP: a connected socket takes nothing from others; dropped
  if (is_inet() && !connection_oriented() &&
      ((target->shut_ & kShutRead) || !room_for(*target, data.size())))
    return data.size();  // UDP: a full or closed receiver drops the datagram
  if (type_ != SOCK_STREAM && data.size() > kMaxMessage) return Err{EMSGSIZE};
  if (!connection_oriented() && (target->shut_ & kShutRead)) return Err{EPIPE};
  if (type_ == SOCK_STREAM && data.empty()) return size_t{0};
  if (!room_for(*target, data.size())) return Err{EAGAIN};
  size_t n = data.size();
  if (type_ == SOCK_STREAM) {
    size_t limit = stream_limit(*target);
    n = std::min(n, limit - std::min(limit, target->queued_bytes()));
  }
  UnixMessage m;
  m.data = n == data.size() ? data : data.substr(0, n);
  m.fds = std::move(fds);
  m.cred = cred;
  m.from = addr_;
  m.ip = ip;
  if (is_inet() && inet::is_any(addr_.ip))  // what the receiver sees: the loopback address sent from
    m.from.ip = inet::is_v4(target->addr_.ip) || family_ == AF_INET ? inet::v4_loopback() : inet::v6_loopback();
  target->queue_.push_back(std::move(m));
  target->stream_queued_ += n;
  return n;
}

bool UnixSocket::oob_inline() const {
  auto it = inet_options.find(static_cast<uint32_t>(SOL_SOCKET) << 16 | SO_OOBINLINE);
  return it != inet_options.end() && it->second != 0;
}

Result<size_t> UnixSocket::send_urgent(const std::string& data) {
  InFlightFds none;
  if (data.empty()) return send(data, none, UnixCred{}, nullptr);
  auto target = peer_.lock();
  if (!target) return send(data, none, UnixCred{}, nullptr);  // errors, or dropped by a closed peer
  bool inline_byte = target->oob_inline();
  // Out of line, the last byte is held apart: the rest goes as usual.
  std::string body = inline_byte ? data : data.substr(0, data.size() - 1);
  size_t sent = 0;
  if (!body.empty()) {
    TRY_ASSIGN(sent, send(body, none, UnixCred{}, nullptr));
    if (sent < body.size()) return sent;  // the urgent byte waits for the rest
  } else {
    TRY_VOID(send(body, none, UnixCred{}, nullptr));  // the errors a send would give
  }
  // A new urgent byte replaces one not read yet, as TCP has one pointer.
  target->urgent_.marked = true;
  if (inline_byte) {
    target->urgent_.mark = target->stream_queued_ - 1;
    target->urgent_.held = false;
    return sent;
  }
  target->urgent_.mark = target->stream_queued_;
  target->urgent_.held = true;
  target->urgent_.byte = data.back();
  return sent + 1;
}

Result<char> UnixSocket::receive_urgent(bool peek) {
  if (!urgent_.held || oob_inline()) return Err{EINVAL};
  char b = urgent_.byte;
  if (!peek) urgent_.held = false;
  return b;
}

bool UnixSocket::send_ready(size_t bytes, const std::shared_ptr<UnixSocket>& to) {
  if (shut_ & kShutWrite) return true;
  std::shared_ptr<UnixSocket> target = connection_oriented() || !to ? peer_.lock() : to;
  if (!target || (target->shut_ & kShutRead)) return true;  // fails at once
  return room_for(*target, type_ == SOCK_STREAM ? 1 : std::min(bytes, kMaxMessage));
}

Result<UnixSocket::Received> UnixSocket::receive(size_t max, bool peek) {
  if (type_ == SOCK_STREAM && state_ != State::kConnected) return Err{EINVAL};
  if (type_ == SOCK_SEQPACKET && state_ != State::kConnected) return Err{ENOTCONN};
  Received r;
  if (queue_.empty()) {
    if (fin_) return r;  // TCP: after the peer's FIN, end of file before any error (Linux's SOCK_DONE)
    if (error_) return Err{take_error()};
    if (shut_ & kShutRead) return r;  // end of file
    return Err{EAGAIN};
  }
  if (type_ != SOCK_STREAM) {
    UnixMessage& m = queue_.front();
    r.full_len = m.data.size();
    r.data = m.data.substr(0, std::min(max, m.data.size()));
    r.from = m.from;
    r.cred = m.cred;
    r.ip = m.ip;
    if (peek) r.fds = m.fds.files();
    else r.fds = m.fds.take();
    if (!peek) queue_.pop_front();
    return r;
  }
  r.from = queue_.front().from;
  r.cred = queue_.front().cred;
  // TCP: a read takes what the receive buffer holds, its window (half of
  // a lowered SO_RCVBUF); the rest waits in the sender's send buffer.
  if (is_inet() && rcvbuf < static_cast<int>(kQueueBytes)) max = std::min<size_t>(max, std::max(rcvbuf / 2, 1));
  // A read stops at the urgent mark (the next one starts there).
  if (urgent_.marked && urgent_.mark > stream_read_) max = std::min<uint64_t>(max, urgent_.mark - stream_read_);
  for (size_t i = 0; i < queue_.size() && r.data.size() < max;) {
    UnixMessage& m = queue_[i];
    size_t chunk = std::min(m.left(), max - r.data.size());
    r.data.append(m.data, m.consumed, chunk);
    bool had_fds = !m.fds.empty();
    if (had_fds && r.fds.empty()) r.fds = peek ? m.fds.files() : m.fds.take();
    if (peek) {
      i++;
    } else {
      m.consumed += chunk;
      if (m.left()) break;
      queue_.erase(queue_.begin() + static_cast<std::ptrdiff_t>(i));
    }
    if (had_fds) break;
  }
  r.full_len = r.data.size();
  if (!peek) {
    stream_read_ += r.data.size();
    if (urgent_.marked && stream_read_ > urgent_.mark) urgent_.marked = false;
  }
  return r;
}

bool UnixSocket::recv_ready() {
  if (state_ == State::kListening) return !pending_.empty();
  return !queue_.empty() || error_ || (shut_ & kShutRead);
}

Result<void> UnixSocket::shutdown(int how) {
  if (how < SHUT_RD || how > SHUT_RDWR) return Err{EINVAL};
  uint8_t mode = static_cast<uint8_t>(how + 1);  // SHUT_RD -> read, SHUT_WR -> write, both
  shut_ |= mode;
  if (connection_oriented()) {
    if (auto p = peer_.lock()) {
      if (is_inet()) {
        // TCP: shutting down reading tells the peer nothing; writing
        // sends our FIN.
        if (mode & kShutWrite) {
          p->shut_ |= kShutRead;
          p->fin_ = true;
        }
      } else {
        uint8_t theirs = static_cast<uint8_t>(((mode & kShutRead) ? kShutWrite : 0) | ((mode & kShutWrite) ? kShutRead : 0));
        p->shut_ |= theirs;
      }
    }
  }
  return Ok();
}

Result<size_t> UnixSocket::read(void* buf, size_t n) {
  TRY_ASSIGN(Received r, receive(n, false));
  std::memcpy(buf, r.data.data(), r.data.size());
  return r.data.size();
}

Result<size_t> UnixSocket::write(const void* buf, size_t n) {
  InFlightFds none;
  return send(std::string(static_cast<const char*>(buf), n), none, UnixCred{}, nullptr);
}

Result<fs::Attr> UnixSocket::stat() {
  fs::Attr a;
  a.mode = S_IFSOCK | 0777;
  a.dev = 0x8;
  a.ino = inode_;
  a.uid = owner_uid;
  a.gid = owner_gid;
  return a;
}

uint32_t UnixSocket::poll_ready() {
  uint32_t m = 0;
  if (error_) m |= fs::kPollErr;
  if (shut_ & kShutRead) m |= fs::kPollRdHup | fs::kPollIn;
  if (shut_ == (kShutRead | kShutWrite)) m |= fs::kPollHup;
  if (state_ == State::kListening) return m | (pending_.empty() ? 0 : uint32_t{fs::kPollIn});
  if (!queue_.empty()) m |= fs::kPollIn;
  if (urgent_.held || (urgent_.marked && oob_inline())) m |= fs::kPollPri;
  if (connection_oriented() && state_ != State::kConnected) m |= fs::kPollHup;
  auto p = peer_.lock();
  bool writable = !p || room_for(*p, 1);
  if (writable) m |= fs::kPollOut;
  return m;
}

size_t UnixSocket::write_capacity() {
  auto p = peer_.lock();
  if (!p) return is_inet() && type_ == SOCK_STREAM && was_connected_ ? static_cast<size_t>(sndbuf) : SIZE_MAX;
  size_t limit = stream_limit(*p);
  return limit - std::min(limit, p->queued_bytes());
}

Result<int64_t> UnixSocket::bytes_available() {
  if (state_ == State::kListening) return Err{EINVAL};
  if (type_ == SOCK_STREAM) return static_cast<int64_t>(queued_bytes());
  return queue_.empty() ? 0 : static_cast<int64_t>(queue_.front().data.size());
}

}  // namespace vmrun
