// IP-level ancillary data on the sandbox's loopback (syscalls/ip_ancillary.h).
// The rules are Linux's, checked against it on its own loopback
// (tests/proc/ip_ancillary.c): ranges and defaults of the options, which
// level a datagram's control messages are read at, and the order, lengths
// and truncation of the ones recvmsg writes.
#include "syscalls/ip_ancillary.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

#include "emu/files/inet_ports.h"

namespace vmrun {
namespace {

constexpr uint64_t kCmsgHeader = 16;     // struct cmsghdr on both 64-bit guests
constexpr uint64_t kMaxControl = 65536;  // Linux: optmem_max
constexpr int kDefaultHops = 64;         // net.ipv6.conf.lo.hop_limit, net.ipv4.ip_default_ttl
constexpr int kLoopbackIndex = 1;        // lo
constexpr uint8_t kEcnMask = 3;          // a stream socket keeps its ECN bits
constexpr uint64_t cmsg_align(uint64_t n) { return (n + 7) & ~uint64_t{7}; }
constexpr uint64_t cmsg_len(uint64_t n) { return kCmsgHeader + n; }

// RFC 3542 names, as the guests' headers have them (the same numbers on
// both architectures).
constexpr int kIpv6_2292PktInfo = 2, kIpv6_2292HopLimit = 8, kIpv6FlowInfo = 11;
constexpr int kIpv6UnicastHops = 16, kIpv6RecvPktInfo = 49, kIpv6PktInfo = 50, kIpv6RecvHopLimit = 51;
constexpr int kIpv6HopLimit = 52, kIpv6RecvTclass = 66, kIpv6Tclass = 67, kIpv6DontFrag = 62;
constexpr int kIpTos = 1, kIpTtl = 2, kIpRetOpts = 7, kIpPktInfo = 8, kIpRecvTtl = 12, kIpRecvTos = 13;
constexpr int kIpProtocol = 52;
// Extension headers (hop-by-hop, destination, routing; the RFC 2292
// names too): taken, with no effect on a loopback.
bool ipv6_extension_header(int type) { return (type >= 3 && type <= 6) || type == 54 || type == 55 || type == 57 || type == 59; }

bool* recv_flag(IpOptions& o, int level, int opt) {
  if (level == IPPROTO_IPV6) {
    if (opt == kIpv6RecvHopLimit) return &o.recv_hoplimit;
    if (opt == kIpv6RecvTclass) return &o.recv_tclass;
    if (opt == kIpv6RecvPktInfo) return &o.recv_pktinfo6;
  } else if (level == IPPROTO_IP) {
    if (opt == kIpRecvTtl) return &o.recv_ttl;
    if (opt == kIpRecvTos) return &o.recv_tos;
    if (opt == kIpPktInfo) return &o.recv_pktinfo;
  }
  return nullptr;
}

int32_t int_at(const std::string& b, uint64_t off) {
  int32_t v;
  std::memcpy(&v, b.data() + off, 4);
  return v;
}

// SOL_SOCKET items of an internet socket (Linux's __sock_cmsg_send):
// descriptors and credentials are ignored, SO_MARK needs CAP_NET_ADMIN.
Result<void> socket_item(int type, uint64_t clen) {
  switch (type) {
    case SCM_RIGHTS: case SCM_CREDENTIALS: return Ok();
    case 36: return Err{EPERM};  // SO_MARK
    case 37: return clen == cmsg_len(4) ? Result<void>(Ok()) : Err{EINVAL};  // SO_TIMESTAMPING_OLD
    default: return Err{EINVAL};
  }
}

// An IPv6 datagram's item (Linux's ip6_datagram_send_ctl).
Result<void> ipv6_item(int type, const std::string& b, uint64_t off, uint64_t clen, IpSendControl& c) {
  uint64_t data = off + kCmsgHeader;
  switch (type) {
    case kIpv6PktInfo:
    case kIpv6_2292PktInfo: {
      if (clen < cmsg_len(20)) return Err{EINVAL};
      int32_t index = int_at(b, data + 16);
      if (index != 0 && index != kLoopbackIndex) return Err{ENODEV};
      InetIp src;
      std::memcpy(src.data(), b.data() + data, 16);
      if (!inet::is_any(src) && src != inet::v6_loopback()) return Err{EINVAL};  // not a local address
      return Ok();
    }
    case kIpv6FlowInfo: return clen < cmsg_len(4) ? Result<void>(Err{EINVAL}) : Ok();
    case kIpv6HopLimit:
    case kIpv6_2292HopLimit:
    case kIpv6Tclass:
    case kIpv6DontFrag: {
      if (clen != cmsg_len(4)) return Err{EINVAL};
      int32_t v = int_at(b, data);
      if (v < -1 || v > (type == kIpv6DontFrag ? 1 : 255)) return Err{EINVAL};
      if (type == kIpv6Tclass) c.tclass = v;
      else if (type != kIpv6DontFrag) c.hops = v;
      return Ok();
    }
    default: return ipv6_extension_header(type) ? Result<void>(Ok()) : Err{EINVAL};
  }
}

// An IPv4 datagram's item (Linux's ip_cmsg_send).
Result<void> ipv4_item(int type, const std::string& b, uint64_t off, uint64_t clen, IpSendControl& c) {
  uint64_t data = off + kCmsgHeader;
  switch (type) {
    case kIpRetOpts: return Ok();  // IP options: no effect here
    case kIpPktInfo: return clen == cmsg_len(12) ? Result<void>(Ok()) : Err{EINVAL};
    case kIpTtl: {
      if (clen != cmsg_len(4)) return Err{EINVAL};
      int32_t v = int_at(b, data);
      if (v < 1 || v > 255) return Err{EINVAL};
      c.hops = v;
      return Ok();
    }
    case kIpTos: {
      int32_t v;
      if (clen == cmsg_len(4)) v = int_at(b, data);
      else if (clen == cmsg_len(1)) v = static_cast<uint8_t>(b[data]);
      else return Err{EINVAL};
      if (v < 0 || v > 255) return Err{EINVAL};
      c.tclass = v;
      return Ok();
    }
    case kIpProtocol: {
      if (clen != cmsg_len(4)) return Err{EINVAL};
      int32_t v = int_at(b, data);
      return v < 1 || v > 255 ? Result<void>(Err{EINVAL}) : Ok();
    }
    default: return Err{EINVAL};
  }
}

// Linux's put_cmsg: the header and as much of the data as the buffer
// holds (MSG_CTRUNC when cut, nothing at all under a header's size), the
// padding left as it was; then past the item's aligned size.
struct CmsgWriter {
  SyscallContext& k;
  uint64_t at, left;
  int* flags;
  uint64_t used = 0;

  void put(int level, int type, const void* data, uint64_t n) {
    if (!at || left < kCmsgHeader) {
      *flags |= MSG_CTRUNC;
      return;
    }
    uint64_t clen = cmsg_len(n);
    if (left < clen) {
      *flags |= MSG_CTRUNC;
      clen = left;
    }
    unsigned char buf[kCmsgHeader + 20];
    std::memcpy(buf, &clen, 8);
    int32_t l = level, t = type;
    std::memcpy(buf + 8, &l, 4);
    std::memcpy(buf + 12, &t, 4);
    std::memcpy(buf + kCmsgHeader, data, n);
    if (!k.mem().copy_out({at}, buf, clen).ok()) return;  // EFAULT: left out, as Linux
    uint64_t step = std::min(cmsg_align(cmsg_len(n)), left);
    at += step;
    left -= step;
    used += step;
  }
};

void put_ipv4_items(CmsgWriter& w, const UnixSocket& s, const IpDatagram& d) {
  if (s.ip.recv_pktinfo) {
    unsigned char info[12];
    int32_t index = kLoopbackIndex;
    std::memcpy(info, &index, 4);
    std::memcpy(info + 4, d.dst.data() + 12, 4);  // the local address (a loopback's: the destination)
    std::memcpy(info + 8, d.dst.data() + 12, 4);  // the header's destination
    w.put(IPPROTO_IP, kIpPktInfo, info, sizeof info);
  }
  if (s.ip.recv_ttl) {
    int32_t ttl = d.hops;
    w.put(IPPROTO_IP, kIpTtl, &ttl, 4);
  }
  if (s.ip.recv_tos) w.put(IPPROTO_IP, kIpTos, &d.tclass, 1);
}

// getsockopt's answer: IPv4 gives a byte when asked for less than an int
// and the value fits; IPv6 at most an int, whatever the length.
SyscallResult option_out(SyscallContext& k, int level, int32_t v, uint64_t val, uint64_t len_addr) {
  TRY_ASSIGN(int32_t len, k.mem().read<int32_t>({len_addr}));
  uint32_t n;
  if (level == IPPROTO_IP) {
    if (len < 0) return Err{EINVAL};
    if (len > 0 && len < 4 && v >= 0 && v <= 255) {
      uint8_t b = static_cast<uint8_t>(v);
      TRY_VOID(k.mem().write<uint32_t>({len_addr}, 1));
      TRY_VOID(k.mem().copy_out({val}, &b, 1));
      return 0;
    }
    n = std::min<uint32_t>(static_cast<uint32_t>(len), 4);
  } else {
    n = std::min<uint32_t>(static_cast<uint32_t>(len), 4);  // unsigned: a negative length is an int's
  }
  TRY_VOID(k.mem().write<uint32_t>({len_addr}, n));
  if (n) TRY_VOID(k.mem().copy_out({val}, &v, n));
  return 0;
}

}  // namespace

bool ip_ancillary_option(const UnixSocket& s, int level, int opt) {
  IpOptions probe;
  if (recv_flag(probe, level, opt) && (level == IPPROTO_IP || s.family() == AF_INET6)) return true;
  if (level == IPPROTO_IP) return opt == kIpTos || opt == kIpTtl;
  if (level == IPPROTO_IPV6 && s.family() == AF_INET6) return opt == kIpv6UnicastHops || opt == kIpv6Tclass;
  return false;
}

SyscallResult ip_ancillary_set(SyscallContext& k, UnixSocket& s, int level, int opt, uint64_t val, int32_t len) {
  if (len < 0) return Err{EINVAL};
  int32_t v = 0;
  if (len >= 4) {
    TRY_ASSIGN(v, k.mem().read<int32_t>({val}));
  } else if (level == IPPROTO_IP && len >= 1) {
    TRY_ASSIGN(uint8_t b, k.mem().read<uint8_t>({val}));  // IPv4 options take a byte too
    v = b;
  } else if (level == IPPROTO_IPV6) {
    return Err{EINVAL};  // IPv6 wants an int
  }
  IpOptions& o = s.ip;
  if (bool* flag = recv_flag(o, level, opt)) {
    *flag = v != 0;
    return 0;
  }
  bool stream = s.type() == SOCK_STREAM;
  if (level == IPPROTO_IP && opt == kIpTtl) {
    if (len < 1 || (v != -1 && (v < 1 || v > 255))) return Err{EINVAL};
    o.ttl = static_cast<int16_t>(v);
  } else if (level == IPPROTO_IP && opt == kIpTos) {
    uint8_t tos = static_cast<uint8_t>(v);
    if (stream) tos = static_cast<uint8_t>((tos & ~kEcnMask) | (o.tos & kEcnMask));
    o.tos = tos;
  } else if (opt == kIpv6UnicastHops) {
    if (v < -1 || v > 255) return Err{EINVAL};
    o.hop_limit = static_cast<int16_t>(v);
  } else {  // IPV6_TCLASS; RFC 3542: -1 is the default, 0
    if (v < -1 || v > 255) return Err{EINVAL};
    uint8_t tc = v < 0 ? 0 : static_cast<uint8_t>(v);
    if (stream) tc = static_cast<uint8_t>((tc & ~kEcnMask) | (o.tclass & kEcnMask));
    o.tclass = tc;
  }
  return 0;
}

SyscallResult ip_ancillary_get(SyscallContext& k, UnixSocket& s, int level, int opt, uint64_t val, uint64_t len_addr) {
  IpOptions& o = s.ip;
  int32_t v;
  if (bool* flag = recv_flag(o, level, opt)) v = *flag;
  else if (level == IPPROTO_IP && opt == kIpTtl) v = o.ttl < 0 ? kDefaultHops : o.ttl;
  else if (level == IPPROTO_IP) v = o.tos;
  else if (opt == kIpv6UnicastHops) v = o.hop_limit < 0 ? kDefaultHops : o.hop_limit;
  else v = o.tclass;
  return option_out(k, level, v, val, len_addr);
}

Result<std::string> copy_control_in(SyscallContext& k, uint64_t addr, uint64_t len) {
  if (!len) return std::string();
  if (len > kMaxControl) return Err{ENOBUFS};
  std::string buf(len, '\0');
  TRY_VOID(k.mem().copy_in({addr}, buf.data(), len));
  return buf;
}

Result<IpSendControl> parse_ip_control(const UnixSocket& s, const std::string& b, bool dest_v4) {
  IpSendControl c;
  bool datagram = s.type() == SOCK_DGRAM;
  uint64_t len = b.size();
  for (uint64_t off = 0; off + kCmsgHeader <= len;) {
    uint64_t clen;
    std::memcpy(&clen, b.data() + off, 8);
    int32_t level = int_at(b, off + 8), type = int_at(b, off + 12);
    if (clen < kCmsgHeader || clen > len - off) return Err{EINVAL};
    if (level == SOL_SOCKET) {
      TRY_VOID(socket_item(type, clen));
    } else if (datagram && !dest_v4 && level == IPPROTO_IPV6) {
      TRY_VOID(ipv6_item(type, b, off, clen, c));
    } else if (datagram && dest_v4 && level == IPPROTO_IP) {
      TRY_VOID(ipv4_item(type, b, off, clen, c));
    } else if (datagram && dest_v4 && level == IPPROTO_IPV6 && type == kIpv6PktInfo && s.family() == AF_INET6) {
      // A dual-stack socket's IPv6 packet info for an IPv4 datagram: an
      // IPv4 source in IPv6 form.
      if (clen < cmsg_len(20)) return Err{EINVAL};
      InetIp src;
      std::memcpy(src.data(), b.data() + off + kCmsgHeader, 16);
      if (!inet::is_v4(src)) return Err{EINVAL};
    }
    off += cmsg_align(clen);
  }
  return c;
}

IpDatagram ip_datagram(const UnixSocket& s, const std::array<uint8_t, 16>& dst, const IpSendControl& c) {
  IpDatagram d;
  d.valid = true;
  d.v4 = inet::is_v4(dst);
  d.dst = dst;
  int own_hops = d.v4 ? s.ip.ttl : s.ip.hop_limit;
  int hops = c.hops >= 0 ? c.hops : own_hops;
  d.hops = static_cast<uint8_t>(hops < 0 ? kDefaultHops : hops);
  // A per-message traffic class of -1 goes out as 0xff (Linux's IPv6 path).
  d.tclass = c.tclass != -2 ? static_cast<uint8_t>(c.tclass) : d.v4 ? s.ip.tos : s.ip.tclass;
  return d;
}

uint64_t ip_control_out(SyscallContext& k, const UnixSocket& s, const IpDatagram& d, uint64_t addr, uint64_t len,
                        int* flags) {
  if (!d.valid || s.type() != SOCK_DGRAM) return 0;
  CmsgWriter w{k, addr, len, flags};
  if (s.family() == AF_INET6) {
    if (s.ip.recv_pktinfo6) {
      unsigned char info[20];
      int32_t index = kLoopbackIndex;
      std::memcpy(info, d.dst.data(), 16);
      std::memcpy(info + 16, &index, 4);
      w.put(IPPROTO_IPV6, kIpv6PktInfo, info, sizeof info);
    }
    if (d.v4) {
      put_ipv4_items(w, s, d);
      return w.used;
    }
    if (s.ip.recv_hoplimit) {
      int32_t hops = d.hops;
      w.put(IPPROTO_IPV6, kIpv6HopLimit, &hops, 4);
    }
    if (s.ip.recv_tclass) {
      int32_t tclass = d.tclass;
      w.put(IPPROTO_IPV6, kIpv6Tclass, &tclass, 4);
    }
    return w.used;
  }
  put_ipv4_items(w, s, d);
  return w.used;
}

}  // namespace vmrun
