// AF_UNIX sockets: stream, datagram and sequenced-packet sockets that
// exist only inside one sandbox run. A socket is an open file description
// (fs::File); connected sockets queue messages into each other's receive
// queue, bounded in bytes like a pipe. Names are socket nodes of the
// in-memory filesystem layer (fs::Vfs::bind_socket) or entries of the run's
// abstract namespace (UnixSocketSpace); no host socket or host fd is ever
// involved. The operations here never block: they return EAGAIN and the
// syscall layer (syscalls/sys_socket.cpp) parks the caller on a readiness
// predicate, as for pipes.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "emu/files/ip_options.h"
#include "rootfs/file.h"

namespace vmrun {

class UnixSocket;

// A socket address: AF_UNIX names as bind(2) took them, or an internet
// address of the sandbox's loopback (kInet).
struct UnixAddress {
  enum Kind { kUnnamed, kPath, kAbstract, kInet };
  Kind kind = kUnnamed;
  std::string name;  // kPath: the path as given (no NUL); kAbstract: the bytes after the leading NUL
  // kInet: the address in IPv6 form (IPv4 as ::ffff:a.b.c.d) and the port,
  // in host byte order.
  std::array<uint8_t, 16> ip{};
  uint16_t port = 0;
  // The sockaddr_un getsockname(2) gives back, and its length (for a path
  // of 108 bytes without a NUL, one more than sizeof(sockaddr_un), as Linux).
  std::string sockaddr() const;
  // kInet (or kUnnamed: the zero address): a sockaddr_in or sockaddr_in6
  // for a socket of `family`.
  std::string inet_sockaddr(int family) const;
};

class InetPorts;

// The credentials SO_PEERCRED reports: guest ids.
struct UnixCred {
  int32_t pid = 0;
  uint32_t uid = UINT32_MAX, gid = UINT32_MAX;
};

// Per-run socket state: the abstract namespace, autobind names, and the
// count of descriptors in flight in SCM_RIGHTS messages. Owned by the
// Kernel; sockets only refer to it weakly. When it goes (the run ends) it
// empties every live socket's queues, which frees sockets kept alive only
// by their own descriptors in flight (Linux has a garbage collector for
// those cycles; here they last until the end of the run).
class UnixSocketSpace {
 public:
  ~UnixSocketSpace();
  std::shared_ptr<UnixSocket> find_abstract(const std::string& name);
  // EADDRINUSE if a live socket has the name.
  Result<void> bind_abstract(const std::string& name, const std::shared_ptr<UnixSocket>& s);
  void unbind_abstract(const std::string& name, const UnixSocket* s);
  // An unused abstract name of five hex digits (Linux's autobind).
  Result<std::string> autobind_name();
  void track(const std::shared_ptr<UnixSocket>& s);
  uint64_t inflight = 0;  // descriptors in SCM_RIGHTS messages not yet received
  // The run's loopback port spaces (emu/files/inet_ports.h).
  InetPorts& tcp_ports() { return *tcp_; }
  InetPorts& udp_ports() { return *udp_; }
  InetPorts& udplite_ports() { return *udplite_; }
  // The port space a socket of this kind binds in.
  InetPorts& ports_for(const UnixSocket& s);
  UnixSocketSpace();

 private:
  std::unique_ptr<InetPorts> tcp_, udp_, udplite_;
  std::map<std::string, std::weak_ptr<UnixSocket>> abstract_;
  std::vector<std::weak_ptr<UnixSocket>> all_;
  uint32_t next_autobind_ = 0;
};

// Descriptors carried by one message, counted in the space while in flight.
class InFlightFds {
 public:
  InFlightFds() = default;
  InFlightFds(std::vector<fs::FileRef> files, const std::shared_ptr<UnixSocketSpace>& space);
  InFlightFds(InFlightFds&& o) noexcept { *this = std::move(o); }
  InFlightFds& operator=(InFlightFds&& o) noexcept;
  ~InFlightFds() { release(); }
  // Hands the files to the receiver.
  std::vector<fs::FileRef> take();
  bool empty() const { return files_.empty(); }
  const std::vector<fs::FileRef>& files() const { return files_; }  // MSG_PEEK: copies

 private:
  void release();
  std::vector<fs::FileRef> files_;
  std::weak_ptr<UnixSocketSpace> space_;
};

// One sendmsg(2)'s worth: for a stream socket a run of bytes that reads may
// join with the next (unless either carries descriptors), for the others
// one datagram or record.
struct UnixMessage {
  std::string data;
  size_t consumed = 0;  // stream: bytes already read
  InFlightFds fds;
  UnixCred cred;  // the sender's
  UnixAddress from;
  IpDatagram ip;  // UDP: the IP header fields it was sent with
  size_t left() const { return data.size() - consumed; }
};

class UnixSocket final : public fs::File, public fs::SocketEndpoint, public std::enable_shared_from_this<UnixSocket> {
 public:
  // Bytes a socket's receive queue holds at most (Linux's default
  // wmem_max/rmem_max, what SO_SNDBUF and SO_RCVBUF report).
  static constexpr size_t kQueueBytes = 212992;
  // Largest datagram or record: Linux's sndbuf less its 32-byte overhead.
  static constexpr size_t kMaxMessage = kQueueBytes - 32;
  // Datagrams a receiver queues from senders it is not connected to
  // (net.unix.max_dgram_qlen; Linux lets one more in).
  static constexpr size_t kMaxDgramQueue = 10;
  static constexpr int kMaxBacklog = 4096;  // net.core.somaxconn
  // Datagrams a UDP socket queues at most (besides the byte bound).
  static constexpr size_t kMaxInetDgramQueue = 1024;
  enum Shut : uint8_t { kShutRead = 1, kShutWrite = 2 };
  enum class State { kUnconnected, kListening, kConnected };

  UnixSocket(int type, uint64_t inode, std::shared_ptr<UnixSocketSpace> space, int family = AF_UNIX);
  ~UnixSocket() override;

  int type() const { return type_; }
  // AF_UNIX, or AF_INET/AF_INET6 for a socket of the sandbox's loopback.
  int family() const { return family_; }
  bool is_inet() const { return family_ != AF_UNIX; }
  // IPPROTO_UDPLITE: a datagram socket like UDP's, in a port space of its
  // own (checksum coverage is moot on a loopback: options kept, no effect).
  bool udplite = false;
  bool connection_oriented() const { return type_ != SOCK_DGRAM; }
  State state() const { return state_; }
  const UnixAddress& address() const { return addr_; }
  std::shared_ptr<UnixSocket> peer() const { return peer_.lock(); }
  const UnixCred& peer_cred() const { return peer_cred_; }
  // getpeername(2): the peer's name when it connected (kept after it
  // closes, as Linux); ENOTCONN if never connected.
  Result<UnixAddress> peer_address() const {
    if (!(connection_oriented() ? was_connected_ : dgram_connected_)) return Err{ENOTCONN};
    if (reset_) return Err{ENOTCONN};  // TCP: the peer reset the connection
    return peer_addr_;
  }
  // The peer's name as accept(2) reports it: even for a connection reset
  // before it was accepted (Linux too).
  const UnixAddress& accepted_peer_address() const { return peer_addr_; }

  // Naming. bind: EINVAL if already named.
  Result<void> set_address(UnixAddress addr);
  // listen(2); `cred` is what clients will see as their peer's.
  Result<void> listen(int backlog, const UnixCred& cred);
  // Connection. For a stream or seqpacket socket: queue a new server-side
  // socket on `listener` (EAGAIN when its backlog is full), connected to
  // this one. `cred` is the connecting process's. For a datagram socket:
  // set the default destination.
  Result<void> connect_to(const std::shared_ptr<UnixSocket>& listener, const UnixCred& cred, uint64_t new_inode);
  void connect_dgram(const std::shared_ptr<UnixSocket>& target) {
    peer_ = target;
    peer_addr_ = target->address();
    dgram_connected_ = true;
  }
  // A UDP socket's default destination: only a name (the receiver is
  // looked up at each send, as datagrams are routed).
  void connect_inet_dgram(const UnixAddress& to) {
    peer_.reset();
    peer_addr_ = to;
    dgram_connected_ = true;
  }
  bool dgram_connected() const { return dgram_connected_; }
  void disconnect_dgram() {
    peer_.reset();
    dgram_connected_ = false;
  }
  // Both ends of a socketpair(2).
  static void pair(const std::shared_ptr<UnixSocket>& a, const std::shared_ptr<UnixSocket>& b, const UnixCred& cred);
  // accept(2): the oldest pending connection; EAGAIN if none, EINVAL if
  // not listening.
  Result<std::shared_ptr<UnixSocket>> accept();
  bool backlog_full() const;

  // Sending. `to` is the destination of a datagram (null: the connected
  // peer). Stream sockets take what fits (a short count; EAGAIN if
  // nothing does); datagrams and records go whole or not at all. Errors:
  // EPIPE (the caller raises SIGPIPE), ENOTCONN, ECONNREFUSED, EMSGSIZE.
  // `ip`: a UDP datagram's IP header fields, for the receiver's control
  // messages.
  Result<size_t> send(const std::string& data, InFlightFds& fds, const UnixCred& cred,
                      const std::shared_ptr<UnixSocket>& to, const IpDatagram& ip = {});
  // Would a send of `bytes` (datagrams: whole) go ahead or fail now rather
  // than wait?
  bool send_ready(size_t bytes, const std::shared_ptr<UnixSocket>& to);
  // Receiving: up to `max` bytes into `out` (datagrams: truncated, the
  // true length in `full_len`), the descriptors of the message(s) read,
  // the sender's address. 0 bytes at end of file; EAGAIN if nothing is
  // queued yet. `peek` leaves the queue as it is.
  struct Received {
    std::string data;
    size_t full_len = 0;
    std::vector<fs::FileRef> fds;
    UnixAddress from;
    UnixCred cred;
    IpDatagram ip;
  };
  Result<Received> receive(size_t max, bool peek);
  bool recv_ready();

  // TCP urgent data (MSG_OOB), for internet stream sockets. A send with
  // MSG_OOB makes its last byte urgent: without SO_OOBINLINE on the
  // receiver it leaves the stream and waits for recv(MSG_OOB); with it,
  // it stays in the stream. Either way the receiver has a mark there:
  // a read stops at it, SIOCATMARK tells when the next byte is it, and
  // poll reports POLLPRI until the byte is read.
  Result<size_t> send_urgent(const std::string& data);
  // recv(MSG_OOB): the urgent byte; EINVAL when there is none (or it was
  // read, or it is inline), EAGAIN is never given.
  Result<char> receive_urgent(bool peek);
  bool at_mark() const { return urgent_.marked && stream_read_ == urgent_.mark; }

  // shutdown(2): SHUT_RD/WR/RDWR; the peer of a connected socket sees the
  // matching half closed.
  Result<void> shutdown(int how);
  int take_error() {
    int e = error_;
    error_ = 0;
    return e;
  }

  // Internet sockets: the local name a bind or an automatic bind gave
  // (registered in the space's port table), and the names of a new
  // connection (the address the client asked for, on both ends).
  void set_inet_names(const UnixAddress& local, const UnixAddress& peer) {
    addr_ = local;
    peer_addr_ = peer;
  }
  void set_error(int e) { error_ = e; }
  bool reuse_addr = false, v6only = false;
  // The options behind IP-level ancillary data (emu/files/ip_options.h).
  IpOptions ip;
  // Other IP-level options recorded as set: (level << 16 | name) -> value.
  std::map<uint32_t, int32_t> inet_options;

  // Socket options kept per socket.
  bool pass_cred = false;
  int sndbuf = kQueueBytes, rcvbuf = kQueueBytes;
  int64_t rcvtimeo_ns = 0, sndtimeo_ns = 0;  // SO_RCVTIMEO/SO_SNDTIMEO; 0: wait for ever
  // SO_LINGER (l_onoff, l_linger). On with a zero time, closing a TCP
  // socket resets the connection (as closing one with unread data does).
  int32_t linger[2] = {0, 0};
  uint32_t owner_uid = 0, owner_gid = 0;     // what fstat reports: the creator's ids

  // fs::File
  Result<size_t> read(void* buf, size_t n) override;
  Result<size_t> write(const void* buf, size_t n) override;
  Result<fs::Attr> stat() override;
  uint32_t poll_ready() override;
  size_t write_capacity() override;
  Result<int64_t> bytes_available() override;
  uint64_t wakeups() const override { return connections_queued_; }

 private:
  friend class UnixSocketSpace;
  // At the end of the run: move out what the queues hold.
  void drop_queues(std::vector<std::shared_ptr<UnixSocket>>& freed);
  size_t queued_bytes() const;
  // The receive queue of `to` can take a message of `bytes` from this socket.
  bool room_for(const UnixSocket& to, size_t bytes) const;
  // Stream bytes a connection from this socket to `to` holds unread at most.
  // TCP: the receiver's window (half its SO_RCVBUF, as Linux's default
  // tcp_adv_win_scale) plus this socket's send buffer (SO_SNDBUF), at most
  // one queue's worth, which the default sizes give; otherwise a queue's.
  size_t stream_limit(const UnixSocket& to) const;

  int type_;
  int family_ = AF_UNIX;
  uint64_t inode_;
  uint64_t connections_queued_ = 0;  // ever, on this listener (epoll EPOLLET)
  // Stream bytes ever queued to this socket and read from it, and the
  // urgent mark (a stream offset) with the byte held out of the stream.
  uint64_t stream_queued_ = 0, stream_read_ = 0;
  struct Urgent {
    bool marked = false;   // a mark at `mark` not yet read past
    uint64_t mark = 0;
    bool held = false;     // `byte` waits for recv(MSG_OOB)
    char byte = 0;
  } urgent_;
  bool oob_inline() const;
  bool reset_ = false;  // TCP: the peer closed with a reset (getpeername: ENOTCONN)
  bool fin_ = false;    // TCP: the peer's FIN came (it closed or shut down writing)
  std::weak_ptr<UnixSocketSpace> space_;
  State state_ = State::kUnconnected;
  UnixAddress addr_;
  std::weak_ptr<UnixSocket> peer_;
  UnixCred peer_cred_;
  UnixAddress peer_addr_;
  UnixCred listen_cred_;  // a listener's, given to its clients as their peer's
  uint8_t shut_ = 0;
  int error_ = 0;  // SO_ERROR: ECONNRESET when the peer went with our data unread
  bool embryo_ = false;  // a connection waiting in a listener's queue
  bool accepted_ = false;  // the server side of a connection: holds no port of its own
  bool was_connected_ = false;
  bool dgram_connected_ = false;
  int backlog_ = 0;
  std::deque<std::shared_ptr<UnixSocket>> pending_;  // a listener's connections not yet accepted
  std::deque<UnixMessage> queue_;  // received, not yet read
};

// The socket behind a descriptor's file, if it is one.
inline std::shared_ptr<UnixSocket> as_unix_socket(const fs::FileRef& f) {
  return std::dynamic_pointer_cast<UnixSocket>(f);
}

}  // namespace vmrun
