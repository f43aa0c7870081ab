// Sockets. No network: no socket can reach anything outside the sandbox.
// Netlink, packet and the other families fail with EAFNOSUPPORT ("Address
// family not supported by protocol"). AF_UNIX stream, datagram and
// seqpacket sockets exist inside the run only (emu/files/unix_socket.h): named by
// socket nodes of the in-memory filesystem layer or by the run's abstract
// namespace, connected to each other, passing bytes and descriptors
// (SCM_RIGHTS) through bounded queues. socketpair(2) makes the same
// sockets, already connected. AF_INET and AF_INET6 TCP and UDP sockets are
// the same objects with an internet family, named by the run's port tables
// (emu/files/inet_ports.h): the sandbox's loopback, where every address off
// 127.0.0.0/8 and ::1 is unreachable (ENETUNREACH) or not local
// (EADDRNOTAVAIL). No host socket is ever created.
#include "syscalls/socket_io.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <algorithm>
#include <functional>
#include <cstring>

#include "emu/files/inet_ports.h"
#include "emu/files/unix_socket.h"
#include "syscalls/handler_util.h"
#include "syscalls/ip_ancillary.h"

namespace vmrun {
namespace {

constexpr int kTypeMask = 0xf;
constexpr int kScmMaxFd = 253;          // SCM_MAX_FD: descriptors in one message
constexpr uint64_t kMaxControl = 65536;  // control buffer of one sendmsg (Linux: optmem_max)
constexpr uint64_t kSockaddrUnSize = sizeof(sockaddr_un);  // 110
constexpr uint64_t kCmsgHeader = 16;     // struct cmsghdr on both 64-bit guests
// The 64-bit-time_t names of SO_RCVTIMEO/SO_SNDTIMEO (same layout here).
constexpr int kSoRcvTimeoNew = 66, kSoSndTimeoNew = 67;
constexpr uint64_t cmsg_align(uint64_t n) { return (n + 7) & ~uint64_t{7}; }

// struct msghdr of both 64-bit guests.
struct GuestMsghdr {
  uint64_t name;
  uint32_t namelen, pad0;
  uint64_t iov, iovlen;
  uint64_t control, controllen;
  int32_t flags, pad1;
};
static_assert(sizeof(GuestMsghdr) == 56);
constexpr uint64_t kMsgNamelenOffset = 8, kMsgControllenOffset = 40, kMsgFlagsOffset = 48;

static_assert(sizeof(UnixCred) == 12, "struct ucred");

UnixCred current_cred(SyscallContext& k) {
  return UnixCred{k.proc().ids.tgid, k.config().uid, k.config().gid};
}

Result<std::shared_ptr<UnixSocket>> socket_arg(SyscallContext& k, int fd) {
  TRY_ASSIGN(auto f, file_arg(k, fd));
  auto s = as_unix_socket(f);
  if (!s) return Err{ENOTSOCK};
  return s;
}

uint64_t iov_total(const std::vector<Iov>& iovs) {
  uint64_t t = 0;
  for (auto& i : iovs) t += i.len;
  return std::min(t, kMaxTransfer);
}

// Up to `max` bytes of the guest's iovecs, from byte `skip` on. EFAULT if
// the first byte wanted cannot be read; a fault further on shortens it.
Result<std::string> gather(SyscallContext& k, const std::vector<Iov>& iovs, uint64_t skip, uint64_t max) {
  std::string out;
  for (auto& iov : iovs) {
    if (out.size() >= max) break;
    if (skip >= iov.len) {
      skip -= iov.len;
      continue;
    }
    uint64_t want = std::min(iov.len - skip, max - out.size());
    uint64_t ok = k.mem().accessible_prefix(iov.base + skip, want, kProtRead);
    size_t at = out.size();
    out.resize(at + ok);
    if (ok) TRY_VOID(k.mem().copy_in({iov.base + skip}, out.data() + at, ok));
    skip = 0;
    if (ok < want) {
      if (out.empty()) return Err{EFAULT};
      break;
    }
  }
  return out;
}

// Bytes the iovecs can take now (the writable prefix), for checking before
// a receive consumes anything.
uint64_t scatter_room(SyscallContext& k, const std::vector<Iov>& iovs) {
  uint64_t room = 0;
  for (auto& iov : iovs) {
    if (!iov.len) continue;
    uint64_t ok = k.mem().accessible_prefix(iov.base, iov.len, kProtWrite);
    room += ok;
    if (ok < iov.len) break;
  }
  return room;
}

Result<void> scatter(SyscallContext& k, const std::vector<Iov>& iovs, const std::string& data) {
  size_t done = 0;
  for (auto& iov : iovs) {
    if (done >= data.size()) break;
    size_t n = std::min<uint64_t>(iov.len, data.size() - done);
    if (n) TRY_VOID(k.mem().copy_out({iov.base}, data.data() + done, n));
    done += n;
  }
  return Ok();
}

// --- internet sockets on the sandbox's loopback

constexpr uint64_t kSockaddrStorage = 128;
constexpr size_t kMaxUdpPayload = 65507;  // 65535 less the IPv4 and UDP headers

InetPorts& ports_of(SyscallContext& k, const UnixSocket& s) { return k.unix_sockets()->ports_for(s); }

// A sockaddr_in (AF_INET socket) or sockaddr_in6 (AF_INET6) from the guest.
Result<UnixAddress> inet_address_arg(SyscallContext& k, const UnixSocket& s, uint64_t addr, uint64_t len_arg) {
  int32_t len = static_cast<int32_t>(len_arg);
  uint64_t need = s.family() == AF_INET ? 16 : 24;  // Linux takes the RFC 2133 sockaddr_in6 (no scope id)
  if (len < 0 || static_cast<uint64_t>(len) > kSockaddrStorage) return Err{EINVAL};
  if (static_cast<uint64_t>(len) < need) return Err{EINVAL};
  unsigned char buf[28] = {};
  TRY_VOID(k.mem().copy_in({addr}, buf, std::min<uint64_t>(static_cast<uint64_t>(len), sizeof buf)));
  uint16_t family;
  std::memcpy(&family, buf, 2);
  if (family != s.family()) return Err{EAFNOSUPPORT};
  UnixAddress a;
  a.kind = UnixAddress::kInet;
  a.port = static_cast<uint16_t>(buf[2] << 8 | buf[3]);
  if (family == AF_INET) {
    a.ip = inet::from_v4(static_cast<uint32_t>(buf[4]) << 24 | buf[5] << 16 | buf[6] << 8 | buf[7]);
  } else {
    std::memcpy(a.ip.data(), buf + 8, 16);
  }
  return a;
}

// Where a datagram or connection to `dest` goes: only the loopback. The
// wildcard address means this host (Linux's rule), any other is a
// network the sandbox has no route to.
Result<UnixAddress> route(const UnixAddress& dest) {
  UnixAddress d = dest;
  if (inet::is_any(d.ip)) d.ip = inet::is_v4(d.ip) ? inet::v4_loopback() : inet::v6_loopback();
  if (!inet::is_loopback(d.ip)) return Err{ENETUNREACH};
  return d;
}

// An unnamed socket gets a port (an automatic bind). `local`: the address
// it takes, the wildcard if none.
Result<void> inet_autobind(SyscallContext& k, const std::shared_ptr<UnixSocket>& s, const InetIp* local) {
  if (s->address().kind != UnixAddress::kUnnamed) return Ok();
  UnixAddress a;
  a.kind = UnixAddress::kInet;
  a.ip = local ? *local : s->family() == AF_INET ? inet::from_v4(0) : InetIp{};
  TRY_ASSIGN(a.port, ports_of(k, *s).bind(s, a.ip, 0));
  return s->set_address(std::move(a));
}

InetIp loopback_for(const InetIp& dest) { return inet::is_v4(dest) ? inet::v4_loopback() : inet::v6_loopback(); }

// The name a socket's address has in its family's sockaddr.
std::string name_of(const UnixSocket& s, const UnixAddress& a) {
  return s.is_inet() ? a.inet_sockaddr(s.family()) : a.sockaddr();
}

// A sockaddr_un from the guest. Linux's rules: the length covers at least
// the family and at most sizeof(sockaddr_un); a path ends at its first NUL
// or at the length (a path without one is taken whole); a leading NUL is
// an abstract name of exactly the remaining bytes. A bare family (length
// 2) is returned unnamed: bind autobinds it, the others refuse it.
Result<UnixAddress> unix_address_arg(SyscallContext& k, uint64_t addr, uint64_t len_arg) {
  int32_t len = static_cast<int32_t>(len_arg);  // an int in the ABI: the upper half is not looked at
  if (len < 2 || static_cast<uint64_t>(len) > kSockaddrUnSize) return Err{EINVAL};
  char buf[kSockaddrUnSize];
  TRY_VOID(k.mem().copy_in({addr}, buf, len));
  uint16_t family;
  std::memcpy(&family, buf, 2);
  if (family != AF_UNIX) return Err{EINVAL};
  UnixAddress a;
  if (len == 2) return a;
  if (buf[2] == '\0') {
    a.kind = UnixAddress::kAbstract;
    a.name.assign(buf + 3, len - 3);
  } else {
    a.kind = UnixAddress::kPath;
    a.name.assign(buf + 2, strnlen(buf + 2, len - 2));
  }
  return a;
}

Result<UnixAddress> address_arg(SyscallContext& k, const UnixSocket& s, uint64_t addr, uint64_t len_arg) {
  return s.is_inet() ? inet_address_arg(k, s, addr, len_arg) : unix_address_arg(k, addr, len_arg);
}

// The socket a name refers to, of the caller's type. A path to a socket of
// another type is EPROTOTYPE; an abstract name only matches its own type.
Result<std::shared_ptr<UnixSocket>> find_target(SyscallContext& k, const UnixAddress& a, int type) {
  std::shared_ptr<UnixSocket> s;
  if (a.kind == UnixAddress::kPath) {
    TRY_ASSIGN(std::string base, dir_base(k, AT_FDCWD, a.name));
    TRY_ASSIGN(auto endpoint, k.vfs().find_socket(base, a.name));
    s = std::dynamic_pointer_cast<UnixSocket>(endpoint);
    if (!s) return Err{ECONNREFUSED};
    if (s->type() != type) return Err{EPROTOTYPE};
    return s;
  }
  if (a.kind != UnixAddress::kAbstract) return Err{EINVAL};
  s = k.unix_sockets()->find_abstract(a.name);
  if (!s || s->type() != type) return Err{ECONNREFUSED};
  return s;
}

// Linux's move_addr_to_user: as much of the address as the guest's length
// allows, and the full length written back. `len_addr` 0: nothing.
Result<void> address_out(SyscallContext& k, const std::string& sa, uint64_t addr, uint64_t len_addr) {
  if (!len_addr) return Ok();
  TRY_ASSIGN(int32_t len, k.mem().read<int32_t>({len_addr}));
  if (len < 0) return Err{EINVAL};
  uint64_t n = std::min<uint64_t>(static_cast<uint64_t>(len), sa.size());
  if (n) TRY_VOID(k.mem().copy_out({addr}, sa.data(), n));
  return k.mem().write<uint32_t>({len_addr}, static_cast<uint32_t>(sa.size()));
}

std::string received_from(const UnixSocket& s, const UnixAddress& a) {
  if (s.is_inet()) return s.type() == SOCK_STREAM ? std::string() : a.inet_sockaddr(s.family());
  return a.kind == UnixAddress::kUnnamed ? std::string() : a.sockaddr();
}

// A destination address of either kind.
Result<UnixAddress> address_arg(SyscallContext& k, const UnixSocket& s, uint64_t addr, uint64_t len_arg);

void raise_sigpipe(SyscallContext& k) {
  SignalInfo info;
  info.signo = SIGPIPE;
  info.pid = k.proc().ids.tgid;
  k.post_signal(k.proc(), SIGPIPE, info);
}

// The descriptors of a sendmsg's SCM_RIGHTS messages (and a check of its
// SCM_CREDENTIALS, which must be the sender's own).
Result<std::vector<fs::FileRef>> control_in(SyscallContext& k, uint64_t addr, uint64_t len) {
  std::vector<fs::FileRef> files;
  if (!len) return files;
  if (len > kMaxControl) return Err{ENOBUFS};
  std::string buf(len, '\0');
  TRY_VOID(k.mem().copy_in({addr}, buf.data(), len));
  for (uint64_t off = 0; off + kCmsgHeader <= len;) {
    uint64_t clen;
    int32_t level, type;
    std::memcpy(&clen, buf.data() + off, 8);
    std::memcpy(&level, buf.data() + off + 8, 4);
    std::memcpy(&type, buf.data() + off + 12, 4);
    if (clen < kCmsgHeader || clen > len - off) return Err{EINVAL};
    if (level == SOL_SOCKET) {
      if (type == SCM_RIGHTS) {
        uint64_t n = (clen - kCmsgHeader) / 4;
        if (files.size() + n > kScmMaxFd) return Err{EINVAL};
        for (uint64_t i = 0; i < n; i++) {
          int32_t fd;
          std::memcpy(&fd, buf.data() + off + kCmsgHeader + 4 * i, 4);
          TRY_ASSIGN(auto f, file_arg(k, fd));
          files.push_back(std::move(f));
        }
      } else if (type == SCM_CREDENTIALS) {
        if (clen != kCmsgHeader + 12) return Err{EINVAL};
        UnixCred c;
        std::memcpy(&c, buf.data() + off + kCmsgHeader, 12);
        UnixCred me = current_cred(k);
        if (c.pid != me.pid || c.uid != me.uid || c.gid != me.gid) return Err{EPERM};
      } else {
        return Err{EINVAL};
      }
    }
    off += cmsg_align(clen);
  }
  return files;
}

// What recvmsg puts in the control buffer: credentials if asked for
// (SO_PASSCRED), then the descriptors as many as fit (the others are
// closed and MSG_CTRUNC set). Returns the bytes used; flags gets MSG_CTRUNC.
Result<uint64_t> control_out(SyscallContext& k, UnixSocket& s, UnixSocket::Received& r, uint64_t addr, uint64_t len,
                             bool cloexec, int* flags) {
  std::string out;
  auto put = [&](int type, const void* data, uint64_t n) {
    uint64_t clen = kCmsgHeader + n;
    std::string c(cmsg_align(clen), '\0');
    int32_t level = SOL_SOCKET;
    std::memcpy(c.data(), &clen, 8);
    std::memcpy(c.data() + 8, &level, 4);
    std::memcpy(c.data() + 12, &type, 4);
    std::memcpy(c.data() + kCmsgHeader, data, n);
    // The last one may lose its padding, never its data.
    if (out.size() + c.size() > len) c.resize(clen);
    out += c;
  };
  if (s.pass_cred) {
    if (out.size() + kCmsgHeader + 12 > len) *flags |= MSG_CTRUNC;
    else put(SCM_CREDENTIALS, &r.cred, 12);
  }
  if (!r.fds.empty()) {
    uint64_t room = len > out.size() + kCmsgHeader ? (len - out.size() - kCmsgHeader) / 4 : 0;
    std::vector<int32_t> fds;
    for (auto& f : r.fds) {
      if (fds.size() >= room) break;
      auto fd = k.proc().fds->install(f, cloexec);
      if (!fd.ok()) break;
      fds.push_back(fd.value());
    }
    if (fds.size() < r.fds.size()) *flags |= MSG_CTRUNC;
    if (!fds.empty()) put(SCM_RIGHTS, fds.data(), fds.size() * 4);
    r.fds.clear();  // the ones not installed are closed
    auto w = out.empty() ? Result<void>(Ok()) : k.mem().copy_out({addr}, out.data(), out.size());
    if (!w.ok()) {
      for (int32_t fd : fds) (void)k.proc().fds->close(fd);
      return Err{w.error()};
    }
    return out.size();
  }
  if (!out.empty()) TRY_VOID(k.mem().copy_out({addr}, out.data(), out.size()));
  return out.size();
}

// Park the caller until `ready`; with a socket timeout (SO_RCVTIMEO,
// SO_SNDTIMEO) EAGAIN once it has passed, the deadline kept across re-runs.
SyscallResult block_on(SyscallContext& k, std::function<bool()> ready, int64_t timeout_ns) {
  if (timeout_ns <= 0) return k.block(wait_until(std::move(ready)));
  Process& p = k.proc();
  int64_t now = k.monotonic_ns();
  if (!k.restarted() || p.call.deadline_ns < 0)
    p.call.deadline_ns = timeout_ns > INT64_MAX - now ? INT64_MAX : now + timeout_ns;
  if (now >= p.call.deadline_ns) {
    p.call.deadline_ns = -1;
    return Err{EAGAIN};
  }
  Wait w = wait_until(std::move(ready));
  w.deadline_ns = p.call.deadline_ns;
  return k.block(std::move(w));
}

// --- sending and receiving, shared by send*, recv*, read, write

struct SendArgs {
  std::vector<Iov> iovs;
  int flags = 0;
  bool has_dest = false;
  UnixAddress dest;
  uint64_t control = 0, control_len = 0;
};

// send(MSG_OOB) on a TCP socket: the whole buffer in one piece, its last
// byte urgent (UnixSocket::send_urgent). Elsewhere EOPNOTSUPP, as for
// AF_UNIX without CONFIG_AF_UNIX_OOB and for UDP.
SyscallResult send_urgent(SyscallContext& k, const std::shared_ptr<UnixSocket>& s, const SendArgs& a, bool nonblock) {
  if (!s->is_inet() || s->type() != SOCK_STREAM) return Err{EOPNOTSUPP};
  uint64_t total = iov_total(a.iovs);
  if (total > UnixSocket::kQueueBytes) return Err{EMSGSIZE};  // one queue's worth at most, here
  TRY_ASSIGN(std::string data, total ? gather(k, a.iovs, 0, total) : std::string());
  if (!s->send_ready(data.size(), nullptr) && !nonblock) {
    uint64_t need = data.size();
    return block_on(k, [s, need] { return s->send_ready(need, nullptr); }, s->sndtimeo_ns);
  }
  auto r = s->send_urgent(data);
  if (!r.ok() && r.error() == ENOTCONN) r = Err{EPIPE};
  if (!r.ok() && r.error() == EPIPE && !(a.flags & MSG_NOSIGNAL)) raise_sigpipe(k);
  if (!r.ok()) return Err{r.error()};
  return r.value();
}

SyscallResult do_send(SyscallContext& k, const std::shared_ptr<UnixSocket>& s, const SendArgs& a) {
  bool nonblock = (s->flags & O_NONBLOCK) || (a.flags & MSG_DONTWAIT);
  if (a.flags & MSG_OOB) return send_urgent(k, s, a, nonblock);
  std::shared_ptr<UnixSocket> to;
  IpDatagram ip;
  std::string inet_control;
  if (s->is_inet()) {
    TRY_ASSIGN(inet_control, copy_control_in(k, a.control, a.control_len));
  }
  if (s->is_inet() && s->type() == SOCK_DGRAM) {
    // UDP: routed at each send; nobody on the port drops the datagram
    // (a connected socket learns it as ECONNREFUSED, as from ICMP).
    if (iov_total(a.iovs) > kMaxUdpPayload) return Err{EMSGSIZE};
    UnixAddress dest;
    if (a.has_dest) {
      dest = a.dest;
    } else {
      if (!s->dgram_connected()) return Err{EDESTADDRREQ};
      TRY_ASSIGN(dest, s->peer_address());
    }
    TRY_ASSIGN(IpSendControl control, parse_ip_control(*s, inet_control, inet::is_v4(dest.ip)));
    TRY_ASSIGN(dest, route(dest));
    TRY_VOID(inet_autobind(k, s, nullptr));
    ip = ip_datagram(*s, dest.ip, control);
    to = ports_of(k, *s).find(dest.ip, dest.port);
    if (!to) {
      if (!a.has_dest) s->set_error(ECONNREFUSED);
      return iov_total(a.iovs);
    }
  } else if (s->is_inet()) {
    TRY_VOID(parse_ip_control(*s, inet_control, false));  // TCP: SOL_SOCKET items only
  }
  if (a.has_dest && !s->is_inet()) {
    if (s->type() == SOCK_STREAM) return Err{s->state() == UnixSocket::State::kConnected ? EISCONN : EOPNOTSUPP};
    if (s->type() == SOCK_DGRAM) {
      if (a.dest.kind == UnixAddress::kUnnamed) return Err{EINVAL};
      TRY_ASSIGN(to, find_target(k, a.dest, s->type()));
    }
  }
  uint64_t total = iov_total(a.iovs);
  if (s->type() != SOCK_STREAM && total > UnixSocket::kMaxMessage) return Err{EMSGSIZE};
  Process& p = k.proc();
  uint64_t done = k.restarted() ? p.call.progress : 0;
  p.call.progress = 0;
  std::vector<fs::FileRef> files;  // an internet socket ignores SCM_RIGHTS (Linux)
  if (!s->is_inet()) {
    TRY_ASSIGN(files, control_in(k, a.control, a.control_len));
  }
  InFlightFds fds;
  if (!files.empty() && done == 0) {
    auto& space = k.unix_sockets();
    if (space->inflight + files.size() > p.fds->limit()) return Err{ETOOMANYREFS};
    fds = InFlightFds(std::move(files), space);
  }
  for (;;) {
    uint64_t want = s->type() == SOCK_STREAM ? std::min<uint64_t>(total - done, UnixSocket::kQueueBytes) : total;
    TRY_ASSIGN(std::string data, want ? gather(k, a.iovs, done, want) : std::string());
    auto r = s->send(data, fds, current_cred(k), to, ip);
    if (r.ok()) {
      done += r.value();
      if (done >= total || s->type() != SOCK_STREAM) return done;
      if (data.size() < want && r.value() == data.size()) return done;  // a fault ended the buffer
      continue;
    }
    if (r.error() == EAGAIN && !nonblock) {
      p.call.progress = done;
      std::weak_ptr<UnixSocket> weak_to = to;
      bool had_to = to != nullptr;
      uint64_t need = total - done;
      return block_on(k, [s, weak_to, had_to, need] {
        auto t = weak_to.lock();
        return (had_to && !t) || s->send_ready(need, t);
      }, s->sndtimeo_ns);
    }
    if (done) return done;
    if (r.error() == ENOTCONN && s->is_inet() && s->type() == SOCK_STREAM) r = Err{EPIPE};  // TCP: as Linux
    if (r.error() == EPIPE && s->type() == SOCK_STREAM && !(a.flags & MSG_NOSIGNAL)) raise_sigpipe(k);
    return Err{r.error()};
  }
}

struct RecvOut {
  uint64_t name = 0, name_len_addr = 0;  // where the sender's address goes (recvfrom)
  uint64_t control = 0, control_len = 0;
  bool want_control = false;
  int msg_flags = 0;
  uint64_t control_used = 0;
  std::string from;
};

// The iovecs from byte `skip` on.
std::vector<Iov> iovs_from(const std::vector<Iov>& iovs, uint64_t skip) {
  std::vector<Iov> out;
  for (auto& iov : iovs) {
    if (skip >= iov.len) {
      skip -= iov.len;
      continue;
    }
    out.push_back(Iov{iov.base + skip, iov.len - skip});
    skip = 0;
  }
  return out;
}

// recv(MSG_OOB): the urgent byte of a TCP socket, never waiting (EINVAL
// when there is none, as Linux; EOPNOTSUPP for other sockets).
SyscallResult recv_urgent(SyscallContext& k, const std::shared_ptr<UnixSocket>& s, const std::vector<Iov>& iovs, int flags) {
  if (!s->is_inet() || s->type() != SOCK_STREAM) return Err{EOPNOTSUPP};
  if (s->state() != UnixSocket::State::kConnected) return Err{ENOTCONN};
  TRY_ASSIGN(char byte, s->receive_urgent(true));
  if (iov_total(iovs) == 0) return uint64_t{0};
  TRY_VOID(scatter(k, iovs, std::string(1, byte)));
  if (!(flags & MSG_PEEK)) (void)s->receive_urgent(false);
  return uint64_t{1};
}

SyscallResult do_recv(SyscallContext& k, const std::shared_ptr<UnixSocket>& s, const std::vector<Iov>& all_iovs, int flags,
                         RecvOut& out) {
  bool nonblock = (s->flags & O_NONBLOCK) || (flags & MSG_DONTWAIT);
  if (flags & MSG_OOB) return recv_urgent(k, s, all_iovs, flags);
  // MSG_WAITALL on a stream: fill the whole buffer, waiting between pieces
  // (the bytes already read are kept across the waits), unless end of
  // file, an error or descriptors end it first.
  bool waitall = (flags & MSG_WAITALL) && s->type() == SOCK_STREAM && !(flags & MSG_PEEK) && !nonblock;
  Process& p = k.proc();
  uint64_t done = waitall && k.restarted() ? p.call.progress : 0;
  p.call.progress = 0;
  std::vector<Iov> iovs = done ? iovs_from(all_iovs, done) : all_iovs;
  uint64_t total = iov_total(iovs);
  uint64_t room = scatter_room(k, iovs);
  if (total && !room) return done ? Result<uint64_t>(done) : Err{EFAULT};
  auto r = s->receive(std::min<uint64_t>(room, total), flags & MSG_PEEK);
  if (!r.ok() && r.error() == EINVAL && s->is_inet()) return Err{ENOTCONN};  // TCP: not connected
  if (!r.ok()) {
    if (r.error() == EAGAIN && !nonblock) {
      p.call.progress = done;
      return block_on(k, [s] { return s->recv_ready(); }, s->rcvtimeo_ns);
    }
    if (done) return done;
    return Err{r.error()};
  }
  UnixSocket::Received& got = r.value();
  TRY_VOID(scatter(k, iovs, got.data));
  if (got.full_len > got.data.size()) out.msg_flags |= MSG_TRUNC;
  out.from = received_from(*s, got.from);
  bool had_fds = !got.fds.empty();
  if (out.want_control && s->is_inet()) {
    out.control_used = ip_control_out(k, *s, got.ip, out.control, out.control_len, &out.msg_flags);
  } else if (out.want_control) {
    TRY_ASSIGN(out.control_used, control_out(k, *s, got, out.control, out.control_len, flags & MSG_CMSG_CLOEXEC,
                                             &out.msg_flags));
  }
  if (s->type() != SOCK_STREAM && (flags & MSG_TRUNC)) return got.full_len;
  done += got.data.size();
  if (waitall && !got.data.empty() && !had_fds && got.data.size() < std::min(room, total)) {
    p.call.progress = done;
    return block_on(k, [s] { return s->recv_ready(); }, s->rcvtimeo_ns);
  }
  return done;
}

// --- the syscalls

SyscallResult sys_socket(SyscallContext& k, const SyscallArgs& a) {
  int domain = a.i32(0), type = a.i32(1) & kTypeMask, flags = a.i32(1) & ~kTypeMask;
  if (domain == AF_INET || domain == AF_INET6) {
    // The sandbox's loopback: TCP and UDP among the run's own sockets.
    if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK)) return Err{EINVAL};
    int proto = a.i32(2);
    if (type == SOCK_RAW) return Err{EPERM};  // no CAP_NET_RAW in the sandbox
    if (type != SOCK_STREAM && type != SOCK_DGRAM) return Err{ESOCKTNOSUPPORT};
    bool lite = type == SOCK_DGRAM && proto == IPPROTO_UDPLITE;
    if (proto != 0 && proto != (type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP) && !lite) return Err{EPROTONOSUPPORT};
    auto s = std::make_shared<UnixSocket>(type, k.new_inode_number(), k.unix_sockets(), domain);
    s->udplite = lite;
    if (flags & SOCK_NONBLOCK) s->flags |= O_NONBLOCK;
    s->owner_uid = k.config().uid;
    s->owner_gid = k.config().gid;
    k.unix_sockets()->track(s);
    TRY_ASSIGN(int fd, k.proc().fds->install(s, flags & SOCK_CLOEXEC));
    return static_cast<uint64_t>(fd);
  }
  if (domain != AF_UNIX) return Err{EAFNOSUPPORT};
  if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK)) return Err{EINVAL};
  if (a.i32(2) != 0 && a.i32(2) != PF_UNIX) return Err{EPROTONOSUPPORT};
  if (type == SOCK_RAW) type = SOCK_DGRAM;  // as Linux's unix_create
  if (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_SEQPACKET) return Err{ESOCKTNOSUPPORT};
  auto s = std::make_shared<UnixSocket>(type, k.new_inode_number(), k.unix_sockets());
  if (flags & SOCK_NONBLOCK) s->flags |= O_NONBLOCK;
  s->owner_uid = k.config().uid;
  s->owner_gid = k.config().gid;
  k.unix_sockets()->track(s);
  TRY_ASSIGN(int fd, k.proc().fds->install(s, flags & SOCK_CLOEXEC));
  return static_cast<uint64_t>(fd);
}

SyscallResult sys_socketpair(SyscallContext& k, const SyscallArgs& a) {
  int domain = a.i32(0), type = a.i32(1) & kTypeMask, flags = a.i32(1) & ~kTypeMask;
  if (domain == AF_INET || domain == AF_INET6) return Err{EOPNOTSUPP};  // as Linux
  if (domain != AF_UNIX) return Err{EAFNOSUPPORT};
  if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK)) return Err{EINVAL};
  if (a.i32(2) != 0 && a.i32(2) != PF_UNIX) return Err{EPROTONOSUPPORT};
  if (type == SOCK_RAW) type = SOCK_DGRAM;
  if (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_SEQPACKET) return Err{ESOCKTNOSUPPORT};
  if (k.mem().accessible_prefix(a[3], 8, kProtWrite) != 8) return Err{EFAULT};
  auto s0 = std::make_shared<UnixSocket>(type, k.new_inode_number(), k.unix_sockets());
  auto s1 = std::make_shared<UnixSocket>(type, k.new_inode_number(), k.unix_sockets());
  UnixSocket::pair(s0, s1, current_cred(k));
  for (auto& s : {s0, s1}) {
    if (flags & SOCK_NONBLOCK) s->flags |= O_NONBLOCK;
    s->owner_uid = k.config().uid;
    s->owner_gid = k.config().gid;
    k.unix_sockets()->track(s);
  }
  TRY_ASSIGN(int fd0, k.proc().fds->install(s0, flags & SOCK_CLOEXEC));
  auto fd1 = k.proc().fds->install(s1, flags & SOCK_CLOEXEC);
  if (!fd1.ok()) {
    (void)k.proc().fds->close(fd0);
    return Err{fd1.error()};
  }
  int32_t pair[2] = {fd0, fd1.value()};
  TRY_VOID(k.mem().copy_out(a.addr(3), pair, sizeof pair));
  return 0;
}

SyscallResult sys_bind(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(auto s, socket_arg(k, a.fd(0)));
  TRY_ASSIGN(UnixAddress addr, address_arg(k, *s, a[1], a[2]));
  if (s->is_inet()) {
    if (s->address().kind != UnixAddress::kUnnamed) return Err{EINVAL};
    if (!inet::is_any(addr.ip) && !inet::is_loopback(addr.ip)) return Err{EADDRNOTAVAIL};
    if (s->v6only && inet::is_v4(addr.ip)) return Err{EINVAL};
    TRY_ASSIGN(addr.port, ports_of(k, *s).bind(s, addr.ip, addr.port));
    TRY_VOID(s->set_address(std::move(addr)));
    return 0;
  }
  auto& space = k.unix_sockets();
  if (addr.kind == UnixAddress::kPath) {
    // Linux makes the node first: a taken name is EADDRINUSE even for a
    // socket already bound.
    TRY_ASSIGN(std::string base, dir_base(k, AT_FDCWD, addr.name));
    if (s->address().kind == UnixAddress::kUnnamed) {
      uint32_t mode = S_IFSOCK | (0777 & ~k.proc().fs->umask);
      TRY_VOID(k.vfs().bind_socket(base, addr.name, mode, std::weak_ptr<fs::SocketEndpoint>(s)));
    } else {
      return Err{k.vfs().stat(base, addr.name, false).ok() ? EADDRINUSE : EINVAL};
    }
    TRY_VOID(s->set_address(std::move(addr)));
    return 0;
  }
  if (s->address().kind != UnixAddress::kUnnamed) return Err{EINVAL};
  if (addr.kind == UnixAddress::kUnnamed) {
    addr.kind = UnixAddress::kAbstract;
    TRY_ASSIGN(addr.name, space->autobind_name());
  }
  TRY_VOID(space->bind_abstract(addr.name, s));
  TRY_VOID(s->set_address(std::move(addr)));
  return 0;
}

SyscallResult sys_listen(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(auto s, socket_arg(k, a.fd(0)));
  if (s->is_inet() && s->type() == SOCK_STREAM && s->state() == UnixSocket::State::kUnconnected)
    TRY_VOID(inet_autobind(k, s, nullptr));
  TRY_VOID(s->listen(a.i32(1), current_cred(k)));
  return 0;
}

// A stream connect to a listener: 0 when connected; while the backlog is
// full, EAGAIN for a non-blocking socket, else a wait for room (the call
// is re-run when the wait is ready).
SyscallResult connect_stream(SyscallContext& k, const std::shared_ptr<UnixSocket>& s,
                             const std::shared_ptr<UnixSocket>& target) {
  auto r = s->connect_to(target, current_cred(k), k.new_inode_number());
  if (!r.ok() && r.error() == EAGAIN) {
    if (s->flags & O_NONBLOCK) return Err{EAGAIN};
    std::weak_ptr<UnixSocket> weak = target;
    return k.block(wait_until([weak] {
      auto t = weak.lock();
      return !t || t->state() != UnixSocket::State::kListening || !t->backlog_full();
    }));
  }
  TRY_VOID(r);
  return 0;
}

SyscallResult inet_connect(SyscallContext& k, const std::shared_ptr<UnixSocket>& s, const UnixAddress& addr) {
  if (s->v6only && inet::is_v4(addr.ip)) return Err{ENETUNREACH};
  TRY_ASSIGN(UnixAddress dest, route(addr));
  if (s->type() == SOCK_DGRAM) {
    InetIp local = loopback_for(dest.ip);
    TRY_VOID(inet_autobind(k, s, &local));
    s->connect_inet_dgram(dest);
    return 0;
  }
  if (s->state() == UnixSocket::State::kConnected) return Err{EISCONN};
  if (s->state() == UnixSocket::State::kListening) return Err{EISCONN};
  auto target = k.unix_sockets()->tcp_ports().find(dest.ip, dest.port);
  if (!target) return Err{ECONNREFUSED};
  InetIp local_ip = loopback_for(dest.ip);
  TRY_VOID(inet_autobind(k, s, &local_ip));
  UnixAddress local = s->address();
  if (inet::is_any(local.ip)) local.ip = local_ip;
  TRY_OUTCOME([[maybe_unused]] uint64_t connected, connect_stream(k, s, target));
  s->set_inet_names(local, dest);
  if (auto server_side = s->peer()) server_side->set_inet_names(dest, local);
  // Linux: a non-blocking connect is in progress, even on the loopback;
  // it is writable (connected) when the caller next looks.
  if (s->flags & O_NONBLOCK) return Err{EINPROGRESS};
  return 0;
}

SyscallResult sys_connect(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(auto s, socket_arg(k, a.fd(0)));
  if (s->type() == SOCK_DGRAM && a[2] >= 2) {
    uint16_t family;
    TRY_VOID(k.mem().copy_in(a.addr(1), &family, 2));
    if (family == AF_UNSPEC) {  // dissolve the association
      s->disconnect_dgram();
      return 0;
    }
  }
  TRY_ASSIGN(UnixAddress addr, address_arg(k, *s, a[1], a[2]));
  if (s->is_inet()) return inet_connect(k, s, addr);
  if (addr.kind == UnixAddress::kUnnamed) return Err{EINVAL};
  TRY_ASSIGN(auto target, find_target(k, addr, s->type()));
  if (s->type() == SOCK_DGRAM) {
    s->connect_dgram(target);
    return 0;
  }
  return connect_stream(k, s, target);
}

SyscallResult do_accept(SyscallContext& k, const SyscallArgs& a, int flags) {
  TRY_ASSIGN(auto s, socket_arg(k, a.fd(0)));
  if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK)) return Err{EINVAL};
  if (s->type() == SOCK_DGRAM) return Err{EOPNOTSUPP};
  if (a[1]) {
    TRY_ASSIGN(int32_t len, k.mem().load(a.ptr<int32_t>(2)));
    if (len < 0) return Err{EINVAL};
  }
  auto r = s->accept();
  if (!r.ok()) {
    if (r.error() == EAGAIN && !(s->flags & O_NONBLOCK))
      return block_on(k, [s] { return s->recv_ready(); }, s->rcvtimeo_ns);
    return Err{r.error()};
  }
  auto conn = r.value();
  if (flags & SOCK_NONBLOCK) conn->flags |= O_NONBLOCK;
  TRY_ASSIGN(int fd, k.proc().fds->install(conn, flags & SOCK_CLOEXEC));
  auto w = a[1] ? address_out(k, name_of(*conn, conn->accepted_peer_address()), a[1], a[2]) : Result<void>(Ok());
  if (!w.ok()) {
    // Linux keeps the connection and returns EFAULT; the descriptor goes.
    (void)k.proc().fds->close(fd);
    return Err{w.error()};
  }
  return static_cast<uint64_t>(fd);
}

SyscallResult sys_accept(SyscallContext& k, const SyscallArgs& a) { return do_accept(k, a, 0); }
SyscallResult sys_accept4(SyscallContext& k, const SyscallArgs& a) { return do_accept(k, a, a.i32(3)); }

SyscallResult sys_sendto(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(auto s, socket_arg(k, a.fd(0)));
  SendArgs sa;
  sa.iovs = {Iov{a[1], std::min(a[2], kMaxTransfer)}};
  sa.flags = a.i32(3);
  if (a[4] && static_cast<int32_t>(a[5]) != 0) {  // a zero length: no address, as Linux
    TRY_ASSIGN(sa.dest, address_arg(k, *s, a[4], a[5]));
    sa.has_dest = true;
  }
  return do_send(k, s, sa);
}

SyscallResult sys_sendmsg(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(auto s, socket_arg(k, a.fd(0)));
  TRY_ASSIGN(GuestMsghdr m, k.mem().load(a.ptr<GuestMsghdr>(1)));
  SendArgs sa;
  TRY_ASSIGN(sa.iovs, iovecs_at(k.mem(), GuestAddr{m.iov}, m.iovlen, EMSGSIZE));
  sa.flags = a.i32(2);
  if (m.name && m.namelen) {
    TRY_ASSIGN(sa.dest, address_arg(k, *s, m.name, m.namelen));
    sa.has_dest = true;
  }
  if (m.controllen > INT32_MAX) return Err{ENOBUFS};
  sa.control = m.control;
  sa.control_len = m.controllen;
  return do_send(k, s, sa);
}

SyscallResult sys_recvfrom(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(auto s, socket_arg(k, a.fd(0)));
  std::vector<Iov> iovs{Iov{a[1], std::min(a[2], kMaxTransfer)}};
  RecvOut out;
  TRY_OUTCOME(uint64_t n, do_recv(k, s, iovs, a.i32(3), out));
  if (a[4]) {
    if (!a[5]) return Err{EFAULT};
    TRY_VOID(address_out(k, out.from, a[4], a[5]));
  }
  return n;
}

SyscallResult sys_recvmsg(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(auto s, socket_arg(k, a.fd(0)));
  TRY_ASSIGN(GuestMsghdr m, k.mem().load(a.ptr<GuestMsghdr>(1)));
  TRY_ASSIGN(auto iovs, iovecs_at(k.mem(), GuestAddr{m.iov}, m.iovlen, EMSGSIZE));
  if (m.name && static_cast<int32_t>(m.namelen) < 0) return Err{EINVAL};
  RecvOut out;
  out.msg_flags = a.i32(2) & MSG_CMSG_CLOEXEC;  // Linux echoes it
  out.want_control = true;
  out.control = m.control;
  out.control_len = m.control ? std::min<uint64_t>(m.controllen, INT32_MAX) : 0;
  TRY_OUTCOME(uint64_t n, do_recv(k, s, iovs, a.i32(2), out));
  if (m.name) TRY_VOID(address_out(k, out.from, m.name, a[1] + kMsgNamelenOffset));
  TRY_VOID(k.mem().write<uint64_t>(a.addr(1) + kMsgControllenOffset, out.control_used));
  TRY_VOID(k.mem().write<int32_t>(a.addr(1) + kMsgFlagsOffset, out.msg_flags));
  return n;
}

SyscallResult sys_shutdown(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(auto s, socket_arg(k, a.fd(0)));
  if (s->is_inet() && s->state() == UnixSocket::State::kUnconnected && !s->dgram_connected() &&
      a.i32(1) >= SHUT_RD && a.i32(1) <= SHUT_RDWR)
    return Err{ENOTCONN};
  TRY_VOID(s->shutdown(a.i32(1)));
  return 0;
}

SyscallResult sys_getsockname(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(auto s, socket_arg(k, a.fd(0)));
  if (!a[2]) return Err{EFAULT};
  TRY_VOID(address_out(k, name_of(*s, s->address()), a[1], a[2]));
  return 0;
}

SyscallResult sys_getpeername(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(auto s, socket_arg(k, a.fd(0)));
  if (!a[2]) return Err{EFAULT};
  TRY_ASSIGN(UnixAddress peer, s->peer_address());
  TRY_VOID(address_out(k, name_of(*s, peer), a[1], a[2]));
  return 0;
}

// Linux's sock_getsockopt: at most the option's size is copied, and the
// size written back.
Result<uint64_t> option_out(SyscallContext& k, const SyscallArgs& a, const void* v, uint32_t size) {
  TRY_ASSIGN(int32_t len, k.mem().load(a.ptr<int32_t>(4)));
  if (len < 0) return Err{EINVAL};
  uint32_t n = std::min<uint32_t>(static_cast<uint32_t>(len), size);
  if (n) TRY_VOID(k.mem().copy_out(a.addr(3), v, n));
  TRY_VOID(k.mem().store(a.ptr<uint32_t>(4), n));
  return 0;
}

// IP-level options of an internet socket: which are known at each level,
// and what they read as before a set (Linux's defaults).
bool inet_option_known(const UnixSocket& s, int level, int opt, int32_t* def) {
  *def = 0;
  if (level == SOL_SOCKET)
    return opt == SO_KEEPALIVE || opt == SO_BROADCAST || opt == SO_OOBINLINE || opt == SO_DONTROUTE ||
           opt == SO_REUSEPORT || opt == SO_PRIORITY || opt == SO_RCVLOWAT || (opt == SO_SNDLOWAT && (*def = 1));
  if (level == IPPROTO_TCP && s.type() == SOCK_STREAM) {
    switch (opt) {
      case 1: case 3: case 12: case 9: case 18: case 23: return true;  // NODELAY CORK QUICKACK DEFER_ACCEPT USER_TIMEOUT FASTOPEN
      case 2: *def = 536; return true;    // TCP_MAXSEG
      case 4: *def = 7200; return true;   // TCP_KEEPIDLE
      case 5: *def = 75; return true;     // TCP_KEEPINTVL
      case 6: *def = 9; return true;      // TCP_KEEPCNT
      default: return false;
    }
  }
  if (level == IPPROTO_UDPLITE && s.udplite) return opt == 10 || opt == 11;  // UDPLITE_SEND_CSCOV RECV_CSCOV
  return false;
}

uint32_t option_key(int level, int opt) { return static_cast<uint32_t>(level) << 16 | (static_cast<uint32_t>(opt) & 0xffff); }

SyscallResult sys_getsockopt(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(auto s, socket_arg(k, a.fd(0)));
  if (s->is_inet()) {
    int level = a.i32(1), opt = a.i32(2);
    int32_t v = 0, def;
    if (ip_ancillary_option(*s, level, opt)) return ip_ancillary_get(k, *s, level, opt, a[3], a[4]);
    if (level == IPPROTO_IPV6 && s->family() == AF_INET) return Err{EOPNOTSUPP};  // Linux's ip_getsockopt
    if (level == SOL_SOCKET && opt == SO_REUSEADDR) {
      v = s->reuse_addr;
    } else if (level == IPPROTO_IPV6 && opt == IPV6_V6ONLY && s->family() == AF_INET6) {
      v = s->v6only;
    } else if (level == SOL_SOCKET && opt == SO_PROTOCOL) {
      v = s->type() == SOCK_STREAM ? IPPROTO_TCP : s->udplite ? IPPROTO_UDPLITE : IPPROTO_UDP;
    } else if (level == SOL_SOCKET && opt == SO_DOMAIN) {
      v = s->family();
    } else if (inet_option_known(*s, level, opt, &def)) {
      auto it = s->inet_options.find(option_key(level, opt));
      v = it == s->inet_options.end() ? def : it->second;
    } else if (level != SOL_SOCKET) {
      return Err{ENOPROTOOPT};
    } else {
      goto socket_level;
    }
    return option_out(k, a, &v, sizeof v);
  }
socket_level:
  if (a.i32(1) != SOL_SOCKET) return Err{EOPNOTSUPP};
  int32_t v = 0;
  int opt = a.i32(2);
  if (opt == kSoRcvTimeoNew) opt = SO_RCVTIMEO;
  if (opt == kSoSndTimeoNew) opt = SO_SNDTIMEO;
  switch (opt) {
    case SO_TYPE: v = s->type(); break;
    case SO_DOMAIN: v = s->family(); break;
    case SO_PROTOCOL: v = 0; break;
    case SO_ERROR: v = s->take_error(); break;
    case SO_SNDBUF: v = s->sndbuf; break;
    case SO_RCVBUF: v = s->rcvbuf; break;
    case SO_ACCEPTCONN: v = s->state() == UnixSocket::State::kListening; break;
    case SO_PASSCRED: v = s->pass_cred; break;
    case SO_LINGER: return option_out(k, a, s->linger, sizeof s->linger);
    case SO_REUSEADDR: case SO_KEEPALIVE: case SO_BROADCAST: case SO_OOBINLINE: case SO_DONTROUTE: v = 0; break;
    case SO_RCVTIMEO:
    case SO_SNDTIMEO: {
      int64_t ns = opt == SO_RCVTIMEO ? s->rcvtimeo_ns : s->sndtimeo_ns;
      int64_t tv[2] = {ns / 1000000000, ns % 1000000000 / 1000};
      return option_out(k, a, tv, sizeof tv);
    }
    case SO_PEERCRED: {
      UnixCred c = s->peer_cred();
      int32_t ucred[3] = {c.pid, static_cast<int32_t>(c.uid), static_cast<int32_t>(c.gid)};
      return option_out(k, a, ucred, sizeof ucred);
    }
    default: return Err{ENOPROTOOPT};
  }
  return option_out(k, a, &v, sizeof v);
}

SyscallResult sys_setsockopt(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(auto s, socket_arg(k, a.fd(0)));
  if (s->is_inet()) {
    int level = a.i32(1), opt = a.i32(2);
    int32_t def;
    if (ip_ancillary_option(*s, level, opt)) return ip_ancillary_set(k, *s, level, opt, a[3], a.i32(4));
    bool reuse = level == SOL_SOCKET && opt == SO_REUSEADDR;
    bool v6only = level == IPPROTO_IPV6 && opt == IPV6_V6ONLY && s->family() == AF_INET6;
    bool known = inet_option_known(*s, level, opt, &def);
    if (reuse || v6only || known) {
      int32_t v = 0;
      if (static_cast<int32_t>(a[4]) >= 4) {
        TRY_ASSIGN(v, k.mem().load(a.ptr<int32_t>(3)));
      } else if (static_cast<int32_t>(a[4]) >= 1 && level != SOL_SOCKET) {
        TRY_ASSIGN(uint8_t b, k.mem().load(a.ptr<uint8_t>(3)));  // IP options take a byte too
        v = b;
      } else {
        return Err{EINVAL};
      }
      if (reuse) s->reuse_addr = v != 0;
      else if (v6only) {
        if (s->address().kind != UnixAddress::kUnnamed) return Err{EINVAL};
        s->v6only = v != 0;
      } else {
        s->inet_options[option_key(level, opt)] = v;  // a fixed set of keys: bounded
      }
      return 0;
    }
    if (level != SOL_SOCKET) return Err{ENOPROTOOPT};
  }
  if (a.i32(1) != SOL_SOCKET) return Err{EOPNOTSUPP};
  int opt = a.i32(2);
  if (opt == kSoRcvTimeoNew) opt = SO_RCVTIMEO;
  if (opt == kSoSndTimeoNew) opt = SO_SNDTIMEO;
  if (opt == SO_RCVTIMEO || opt == SO_SNDTIMEO) {
    // struct timeval (the 64-bit layout: SO_*TIMEO_OLD and _NEW agree).
    if (static_cast<int32_t>(a[4]) < 16) return Err{EINVAL};
    int64_t tv[2];
    TRY_VOID(k.mem().copy_in(a.addr(3), tv, sizeof tv));
    if (tv[1] < 0 || tv[1] >= 1000000) return Err{EDOM};
    int64_t ns = tv[0] < 0 ? 0 : tv[0] > INT64_MAX / 2000000000 ? INT64_MAX / 2 : tv[0] * 1000000000 + tv[1] * 1000;
    (opt == SO_RCVTIMEO ? s->rcvtimeo_ns : s->sndtimeo_ns) = ns;
    return 0;
  }
  if (opt == SO_LINGER) {
    if (static_cast<int32_t>(a[4]) < 8) return Err{EINVAL};
    TRY_VOID(k.mem().copy_in(a.addr(3), s->linger, sizeof s->linger));
    if (s->linger[0]) s->linger[0] = 1;  // read back as a flag
    return 0;
  }
  if (static_cast<int32_t>(a[4]) < 4) return Err{EINVAL};
  TRY_ASSIGN(int32_t v, k.mem().load(a.ptr<int32_t>(3)));
  // As Linux: the value doubled (for its bookkeeping), within
  // [minimum, wmem_max/rmem_max * 2].
  uint32_t clamped = std::min<uint32_t>(static_cast<uint32_t>(v), UnixSocket::kQueueBytes);
  switch (opt) {
    case SO_SNDBUF: s->sndbuf = static_cast<int>(std::max<uint32_t>(clamped * 2, 4608)); return 0;
    case SO_RCVBUF: s->rcvbuf = static_cast<int>(std::max<uint32_t>(clamped * 2, 2304)); return 0;
    case SO_PASSCRED: s->pass_cred = v != 0; return 0;
    case SO_REUSEADDR: case SO_KEEPALIVE: case SO_BROADCAST: case SO_OOBINLINE: case SO_DONTROUTE:
    case SO_RCVLOWAT: case SO_SNDLOWAT: case SO_PRIORITY:
      return 0;  // accepted; no effect on a unix socket here
    default: return Err{ENOPROTOOPT};
  }
}

const SyscallDef kDefs[] = {
    SYSCALL_DEF("socket", sys_socket, Support::Partial, "DTd",
                "AF_UNIX stream, datagram and seqpacket sockets inside the run; AF_INET/AF_INET6 TCP, UDP and UDP-Lite on the "
                "sandbox's loopback only; raw sockets EPERM; every other family EAFNOSUPPORT (no network)"),
    SYSCALL_DEF("socketpair", sys_socketpair, Support::Partial, "DTdp", "AF_UNIX only (AF_INET/AF_INET6 EOPNOTSUPP, as Linux)"),
    SYSCALL_DEF("bind", sys_bind, Support::Partial, "fpu",
                "AF_UNIX: paths (a socket node in the in-memory layer; EPERM in a read-write mount: never a host "
                "socket), abstract names per run, autobind. AF_INET/AF_INET6: 127.0.0.0/8, ::1 and the wildcard "
                "(others EADDRNOTAVAIL), per-run port tables, port 0 ephemeral (32768-60999), SO_REUSEADDR; no "
                "privileged-port check, no TIME_WAIT"),
    SYSCALL_DEF("listen", sys_listen, Support::Full, "fd", nullptr),
    SYSCALL_DEF("connect", sys_connect, Support::Partial, "fpu",
                "AF_UNIX; no autobind of SO_PASSCRED sockets. AF_INET/AF_INET6: loopback only, any other destination "
                "ENETUNREACH; a non-blocking TCP connect is EINPROGRESS and already complete; a refused one is "
                "ECONNREFUSED at once"),
    SYSCALL_DEF("accept", sys_accept, Support::Full, "fpp", nullptr),
    SYSCALL_DEF("accept4", sys_accept4, Support::Full, "fppT", nullptr),
    SYSCALL_DEF("sendto", sys_sendto, Support::Partial, "fpuxpu",
                "MSG_MORE and MSG_EOR ignored; MSG_OOB: TCP urgent data (its last byte, SO_OOBINLINE, SIOCATMARK, POLLPRI; "
                "no SIGURG), EOPNOTSUPP on AF_UNIX (as without CONFIG_AF_UNIX_OOB); UDP to a port nobody holds is dropped "
                "(ECONNREFUSED later when connected)"),
    SYSCALL_DEF("recvfrom", sys_recvfrom, Support::Partial, "fpuxpp", "MSG_OOB: TCP's urgent byte; EOPNOTSUPP on AF_UNIX (as without CONFIG_AF_UNIX_OOB)"),
    SYSCALL_DEF("sendmsg", sys_sendmsg, Support::Partial, "fpx",
                "SCM_RIGHTS and SCM_CREDENTIALS (checked); MSG_OOB as sendto; UDP: IPV6_HOPLIMIT, IPV6_TCLASS, IP_TTL, "
                "IP_TOS for the one datagram, IPV6_PKTINFO/IP_PKTINFO checked (no effect on a loopback), IPv6 extension "
                "headers taken without effect"),
    SYSCALL_DEF("recvmsg", sys_recvmsg, Support::Partial, "fpx",
                "SCM_RIGHTS, SCM_CREDENTIALS with SO_PASSCRED; MSG_OOB as recvfrom (no control messages with it); MSG_WAITALL "
                "interrupted by a signal loses the bytes already read; UDP: IPV6_PKTINFO, IPV6_HOPLIMIT, IPV6_TCLASS, "
                "IP_PKTINFO, IP_TTL, IP_TOS (the datagram's, as sent); no timestamps or other IP-level messages"),
    SYSCALL_DEF("shutdown", sys_shutdown, Support::Full, "fd", nullptr),
    SYSCALL_DEF("getsockname", sys_getsockname, Support::Full, "fpp", nullptr),
    SYSCALL_DEF("getpeername", sys_getpeername, Support::Full, "fpp", nullptr),
    SYSCALL_DEF("setsockopt", sys_setsockopt, Support::Partial, "fddpu",
                "SOL_SOCKET: SO_SNDBUF/RCVBUF bound what a TCP connection holds unread (half the receiver's plus the sender's, up to 208 KiB) and one read (half a lowered SO_RCVBUF); AF_UNIX and UDP queues stay 208 KiB, SO_RCVTIMEO/SNDTIMEO, SO_PASSCRED, "
                "SO_REUSEADDR; inet sockets: IPV6_RECVHOPLIMIT/RECVTCLASS/RECVPKTINFO, IP_RECVTTL/RECVTOS/PKTINFO, "
                "IPV6_UNICAST_HOPS/TCLASS and IP_TTL/TOS (what datagrams carry); SO_KEEPALIVE and the like, "
                "TCP_NODELAY/KEEPIDLE/..., IPV6_V6ONLY recorded without effect on the loopback; a few others accepted "
                "without effect"),
    SYSCALL_DEF("getsockopt", sys_getsockopt, Support::Partial, "fddpp",
                "SOL_SOCKET: SO_TYPE/DOMAIN/PROTOCOL/ERROR/SNDBUF/RCVBUF/RCVTIMEO/SNDTIMEO/ACCEPTCONN/PASSCRED/PEERCRED/"
                "REUSEADDR; inet sockets: the recorded IP-level options (Linux's defaults before a set)"),
};

}  // namespace

bool is_socket(const fs::FileRef& f) { return as_unix_socket(f) != nullptr; }

bool socket_at_mark(const fs::FileRef& f) {
  auto s = as_unix_socket(f);
  return s && s->at_mark();
}

SyscallResult socket_read_write(SyscallContext& k, const fs::FileRef& f, uint64_t buf, uint64_t len, bool write) {
  auto s = as_unix_socket(f);
  std::vector<Iov> iovs{Iov{buf, std::min(len, kMaxTransfer)}};
  if (write) {
    SendArgs sa;
    sa.iovs = std::move(iovs);
    return do_send(k, s, sa);
  }
  if (len == 0) return 0;
  RecvOut out;
  return do_recv(k, s, iovs, 0, out);
}

SyscallResult socket_vector_io(SyscallContext& k, const fs::FileRef& f, uint64_t iov, uint64_t count, bool write) {
  auto s = as_unix_socket(f);
  TRY_ASSIGN(auto iovs, iovecs_at(k.mem(), GuestAddr{iov}, count, EINVAL));
  if (write) {
    SendArgs sa;
    sa.iovs = std::move(iovs);
    return do_send(k, s, sa);
  }
  if (iov_total(iovs) == 0) return 0;
  RecvOut out;
  return do_recv(k, s, iovs, 0, out);
}

std::span<const SyscallDef> socket_syscalls() { return kDefs; }

}  // namespace vmrun
