// The IP-level state of a socket of the sandbox's loopback that decides
// ancillary data (RFC 3542 for IPv6, and IPv4's equivalents): what the
// socket sends with (hop limit, traffic class; TTL and TOS for IPv4
// datagrams, those of a dual-stack IPv6 socket included) and which control
// messages recvmsg gives it. The values each datagram carried when it was
// sent travel with it (IpDatagram), so a receiver sees the sender's
// settings of that moment, or the sender's per-message overrides. The
// rules (ranges, defaults, cmsg layout) are syscalls/ip_ancillary.cpp's.
#pragma once

#include <array>
#include <cstdint>

namespace vmrun {

struct IpOptions {
  // IPV6_UNICAST_HOPS and IP_TTL: -1 is the route's default (64).
  int16_t hop_limit = -1, ttl = -1;
  uint8_t tclass = 0, tos = 0;  // IPV6_TCLASS, IP_TOS
  // IPV6_RECVHOPLIMIT, IPV6_RECVTCLASS, IPV6_RECVPKTINFO.
  bool recv_hoplimit = false, recv_tclass = false, recv_pktinfo6 = false;
  // IP_RECVTTL, IP_RECVTOS, IP_PKTINFO.
  bool recv_ttl = false, recv_tos = false, recv_pktinfo = false;
};

// The IP header fields of one UDP datagram that recvmsg can report.
struct IpDatagram {
  bool valid = false;
  bool v4 = false;        // an IPv4 datagram (its destination ::ffff:a.b.c.d)
  uint8_t hops = 64;      // hop limit or TTL
  uint8_t tclass = 0;     // traffic class or TOS
  std::array<uint8_t, 16> dst{};  // the destination address, IPv6 form
};

}  // namespace vmrun
