// No network: no socket can reach anything outside the sandbox. Internet,
// netlink and packet sockets fail with EAFNOSUPPORT ("Address family not
// supported by protocol"). The one kind offered is the connected pair of
// AF_UNIX stream sockets socketpair() makes (asyncio, multiprocessing),
// built from two pipe buffers; named AF_UNIX sockets are not offered.
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <spdlog/spdlog.h>

#include <cstring>

#include "emu/kernel/pipe.h"
#include "syscalls/handler_util.h"

namespace vmrun {
namespace {

class SocketEnd final : public fs::File {
 public:
  SocketEnd(fs::FileRef in, fs::FileRef out, int type, uint64_t inode)
      : in_(std::move(in)), out_(std::move(out)), type_(type), inode_(inode) {
    flags = O_RDWR;
    path = "socket:[" + std::to_string(inode) + "]";
  }
  Result<size_t> read(void* buf, size_t n) override {
    if (shut_rd_) return size_t{0};
    return in_->read(buf, n);
  }
  Result<size_t> write(const void* buf, size_t n) override {
    if (shut_wr_) return Err{EPIPE};
    return out_->write(buf, n);
  }
  Result<fs::Attr> stat() override {
    fs::Attr a;
    a.mode = S_IFSOCK | 0777;
    a.dev = 0x8;
    a.ino = inode_;
    return a;
  }
  uint32_t poll_ready() override {
    uint32_t r = in_->poll_ready() & (fs::kPollIn | fs::kPollHup);
    uint32_t w = out_->poll_ready();
    if (w & fs::kPollOut) r |= fs::kPollOut;
    if (w & fs::kPollErr) r |= fs::kPollHup;
    return r;
  }
  size_t write_capacity() override { return out_->write_capacity(); }
  Result<int64_t> bytes_available() override { return in_->bytes_available(); }
  void shutdown(int how) {
    if (how == SHUT_RD || how == SHUT_RDWR) shut_rd_ = true;
    if (how == SHUT_WR || how == SHUT_RDWR) {
      shut_wr_ = true;
      out_.reset();  // the peer sees end of file
      out_ = std::make_shared<ClosedEnd>();
    }
  }
  int type() const { return type_; }

 private:
  class ClosedEnd final : public fs::File {
   public:
    Result<size_t> write(const void*, size_t) override { return Err{EPIPE}; }
    Result<fs::Attr> stat() override { return fs::Attr{}; }
    uint32_t poll_ready() override { return fs::kPollErr; }
  };
  fs::FileRef in_, out_;
  int type_;
  uint64_t inode_;  // sockfs inode number, also in the socket:[N] name
  bool shut_rd_ = false, shut_wr_ = false;
};

Result<uint64_t> sys_socket(Kernel& k, const SyscallArgs& a) {
  static thread_local bool told = false;
  if (!told && (a.i32(0) == AF_INET || a.i32(0) == AF_INET6)) {
    spdlog::info("guest tried to open a network socket: the sandbox has no network");
    told = true;
  }
  return Err{EAFNOSUPPORT};
}

Result<uint64_t> sys_socketpair(Kernel& k, const SyscallArgs& a) {
  int domain = a.i32(0), type = a.i32(1) & 0xf, flags = a.i32(1) & ~0xf;
  if (domain != AF_UNIX) return Err{EAFNOSUPPORT};
  if (type != SOCK_STREAM) return Err{EOPNOTSUPP};
  if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK)) return Err{EINVAL};
  if (k.mem().accessible_prefix(a[3], 8, kProtWrite) != 8) return Err{EFAULT};
  auto [r1, w1] = make_pipe(0);
  auto [r2, w2] = make_pipe(0);
  auto s0 = std::make_shared<SocketEnd>(r1, w2, type, k.new_inode_number());
  auto s1 = std::make_shared<SocketEnd>(r2, w1, type, k.new_inode_number());
  for (auto& s : {s0, s1}) s->flags |= flags & SOCK_NONBLOCK ? O_NONBLOCK : 0;
  TRY_ASSIGN(int fd0, k.proc().fds->install(s0, flags & SOCK_CLOEXEC));
  auto fd1 = k.proc().fds->install(s1, flags & SOCK_CLOEXEC);
  if (!fd1.ok()) {
    (void)k.proc().fds->close(fd0);
    return Err{fd1.error()};
  }
  int32_t pair[2] = {fd0, fd1.value()};
  TRY_VOID(k.mem().copy_out({a[3]}, pair, sizeof pair));
  return 0;
}

Result<std::shared_ptr<SocketEnd>> socket_arg(Kernel& k, int fd) {
  TRY_ASSIGN(auto f, file_arg(k, fd));
  auto s = std::dynamic_pointer_cast<SocketEnd>(f);
  if (!s) return Err{ENOTSOCK};
  return s;
}

// send/recv on a socket pair are write/read (flags other than
// MSG_DONTWAIT/MSG_NOSIGNAL are ignored; no addresses).
Result<uint64_t> sys_sendto(Kernel& k, const SyscallArgs& a) {
  TRY_ASSIGN(auto s, socket_arg(k, a.fd(0)));
  if (a[4]) return Err{EISCONN};
  uint64_t n = std::min(a[2], kMaxTransfer);
  if (n == 0) return 0;
  uint64_t avail = k.mem().accessible_prefix(a[1], n, kProtRead);
  if (avail == 0) return Err{EFAULT};
  std::vector<uint8_t> buf(std::min<uint64_t>(avail, 1 << 20));
  TRY_VOID(k.mem().copy_in({a[1]}, buf.data(), buf.size()));
  auto w = s->write(buf.data(), buf.size());
  if (!w.ok() && w.error() == EAGAIN && !(s->flags & O_NONBLOCK) && !(a.i32(3) & MSG_DONTWAIT))
    return k.block(wait_until([s] { return (s->poll_ready() & (fs::kPollOut | fs::kPollHup)) != 0; }));
  if (!w.ok() && w.error() == EPIPE && !(a.i32(3) & MSG_NOSIGNAL)) {
    SignalInfo info;
    info.signo = SIGPIPE;
    k.post_signal(k.proc(), SIGPIPE, info);
  }
  if (!w.ok()) return Err{w.error()};
  return w.value();
}

Result<uint64_t> sys_recvfrom(Kernel& k, const SyscallArgs& a) {
  TRY_ASSIGN(auto s, socket_arg(k, a.fd(0)));
  uint64_t n = std::min(a[2], kMaxTransfer);
  if (n == 0) return 0;
  uint64_t room = k.mem().accessible_prefix(a[1], n, kProtWrite);
  if (room == 0) return Err{EFAULT};
  std::vector<uint8_t> buf(std::min<uint64_t>(room, 1 << 20));
  auto r = s->read(buf.data(), buf.size());
  if (!r.ok() && r.error() == EAGAIN && !(s->flags & O_NONBLOCK) && !(a.i32(3) & MSG_DONTWAIT))
    return k.block(wait_until([s] { return (s->poll_ready() & (fs::kPollIn | fs::kPollHup)) != 0; }));
  if (!r.ok()) return Err{r.error()};
  TRY_VOID(k.mem().copy_out({a[1]}, buf.data(), r.value()));
  if (a[4] && a[5]) TRY_VOID(k.mem().write<uint32_t>({a[5]}, 0));  // no peer address
  return r.value();
}

Result<uint64_t> sys_shutdown(Kernel& k, const SyscallArgs& a) {
  TRY_ASSIGN(auto s, socket_arg(k, a.fd(0)));
  if (a.i32(1) < SHUT_RD || a.i32(1) > SHUT_RDWR) return Err{EINVAL};
  s->shutdown(a.i32(1));
  return 0;
}

Result<uint64_t> sys_getsockopt(Kernel& k, const SyscallArgs& a) {
  TRY_ASSIGN(auto s, socket_arg(k, a.fd(0)));
  if (a.i32(1) != SOL_SOCKET) return Err{ENOPROTOOPT};
  int32_t v;
  switch (a.i32(2)) {
    case SO_TYPE: v = s->type(); break;
    case SO_DOMAIN: v = AF_UNIX; break;
    case SO_ERROR: v = 0; break;
    case SO_RCVBUF: case SO_SNDBUF: v = static_cast<int32_t>(kPipeCapacity); break;
    case SO_ACCEPTCONN: v = 0; break;
    default: return Err{ENOPROTOOPT};
  }
  TRY_ASSIGN(uint32_t len, k.mem().read<uint32_t>({a[4]}));
  if (len < 4) return Err{EINVAL};
  TRY_VOID(k.mem().write<int32_t>({a[3]}, v));
  TRY_VOID(k.mem().write<uint32_t>({a[4]}, 4));
  return 0;
}

Result<uint64_t> sys_setsockopt(Kernel& k, const SyscallArgs& a) {
  TRY_VOID(socket_arg(k, a.fd(0)));
  return 0;  // buffer sizes and the like: accepted, fixed
}

Result<uint64_t> sys_getsockname(Kernel& k, const SyscallArgs& a) {
  TRY_VOID(socket_arg(k, a.fd(0)));
  // An unnamed AF_UNIX socket: just the family.
  TRY_ASSIGN(uint32_t len, k.mem().read<uint32_t>({a[2]}));
  uint16_t family = AF_UNIX;
  if (len >= 2) TRY_VOID(k.mem().write<uint16_t>({a[1]}, family));
  TRY_VOID(k.mem().write<uint32_t>({a[2]}, 2));
  return 0;
}

Result<uint64_t> not_connectable(Kernel& k, const SyscallArgs& a) {
  TRY_VOID(socket_arg(k, a.fd(0)));
  return Err{EOPNOTSUPP};
}

const SyscallDef kDefs[] = {
    SYSCALL_DEF("socket", sys_socket, Support::Partial, "DTd", "no address family is available: the sandbox has no network"),
    SYSCALL_DEF("socketpair", sys_socketpair, Support::Partial, "DTdp", "AF_UNIX SOCK_STREAM pairs only"),
    SYSCALL_DEF("connect", not_connectable, Support::Refused, "fpu", "no network and no socket addresses: EOPNOTSUPP (socket pairs have no address)"),
    SYSCALL_DEF("bind", not_connectable, Support::Refused, "fpu", "no network and no socket addresses: EOPNOTSUPP (socket pairs have no address)"),
    SYSCALL_DEF("listen", not_connectable, Support::Refused, "fd", "no network and no socket addresses: EOPNOTSUPP (socket pairs have no address)"),
    SYSCALL_DEF("accept", not_connectable, Support::Refused, "fpp", "no network and no socket addresses: EOPNOTSUPP (socket pairs have no address)"),
    SYSCALL_DEF("accept4", not_connectable, Support::Refused, "fppT", "no network and no socket addresses: EOPNOTSUPP (socket pairs have no address)"),
    SYSCALL_DEF("sendto", sys_sendto, Support::Partial, "fpuxpu", "socket pairs: no addresses, flags other than DONTWAIT/NOSIGNAL ignored"),
    SYSCALL_DEF("recvfrom", sys_recvfrom, Support::Partial, "fpuxpp", "socket pairs: no addresses, flags other than DONTWAIT ignored"),
    SYSCALL_DEF("shutdown", sys_shutdown, Support::Full, "fd", nullptr),
    SYSCALL_DEF("getsockname", sys_getsockname, Support::Full, "fpp", nullptr),
    SYSCALL_DEF("getpeername", sys_getsockname, Support::Full, "fpp", nullptr),
    SYSCALL_DEF("setsockopt", sys_setsockopt, Support::Partial, "fddpu", "accepted without effect"),
    SYSCALL_DEF("getsockopt", sys_getsockopt, Support::Partial, "fddpp", "SOL_SOCKET: SO_TYPE/DOMAIN/ERROR/RCVBUF/SNDBUF"),
};

}  // namespace

std::span<const SyscallDef> socket_syscalls() { return kDefs; }

}  // namespace vmrun
