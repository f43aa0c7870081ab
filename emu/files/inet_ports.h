// The sandbox's loopback: the port spaces of internet sockets (AF_INET,
// AF_INET6) inside one run. The sockets themselves are UnixSocket objects
// of family AF_INET or AF_INET6 (emu/files/unix_socket.h), with the same
// queues, accept backlog and readiness as AF_UNIX stream and datagram
// sockets; here is only what names them: which socket holds which port on
// which local address. Only loopback addresses (127.0.0.0/8, ::1, and
// IPv4 in IPv6 as ::ffff:127.x.y.z) and the wildcard addresses exist; no
// host socket is ever involved and nothing is visible outside the run.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>

#include "rootfs/file.h"

namespace vmrun {

class UnixSocket;

using InetIp = std::array<uint8_t, 16>;  // IPv6 form; IPv4 as ::ffff:a.b.c.d

namespace inet {
InetIp from_v4(uint32_t host_order);
bool is_v4(const InetIp& ip);  // IPv4 in IPv6 form
bool is_any(const InetIp& ip);  // 0.0.0.0 or ::
bool is_loopback(const InetIp& ip);  // 127.0.0.0/8 or ::1
inline InetIp v4_loopback() { return from_v4(0x7f000001); }
InetIp v6_loopback();
}  // namespace inet

class InetPorts {
 public:
  // Linux's net.ipv4.ip_local_port_range.
  static constexpr uint16_t kEphemeralLow = 32768, kEphemeralHigh = 60999;
  explicit InetPorts(bool tcp) : tcp_(tcp) {}
  // Gives `s` the address ip:port (port 0: an unused ephemeral port) and
  // returns the port. EADDRINUSE when a socket holds an overlapping
  // address on the port (both with SO_REUSEADDR, neither a TCP listener:
  // allowed); EADDRINUSE as well when no ephemeral port is left.
  Result<uint16_t> bind(const std::shared_ptr<UnixSocket>& s, const InetIp& ip, uint16_t port);
  void release(const UnixSocket* s);
  // The socket that takes what is sent to dest:port: for TCP a listener.
  // An exact address wins over a wildcard.
  std::shared_ptr<UnixSocket> find(const InetIp& dest, uint16_t port);

 private:
  bool conflicts(const UnixSocket& s, const InetIp& ip, uint16_t port);
  bool tcp_;
  std::multimap<uint16_t, std::weak_ptr<UnixSocket>> bound_;
  uint32_t next_ = kEphemeralLow;
};

}  // namespace vmrun
