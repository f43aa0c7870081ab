// IP-level ancillary data of the sandbox's loopback sockets, as Linux
// gives it (RFC 3542's IPV6_RECVHOPLIMIT, IPV6_RECVTCLASS, IPV6_RECVPKTINFO
// and their IPv4 counterparts IP_RECVTTL, IP_RECVTOS, IP_PKTINFO): the
// socket options behind it, the control messages sendmsg takes (a
// datagram's own hop limit, traffic class, TTL, TOS) and the ones recvmsg
// gives. The state lives in the socket (emu/files/ip_options.h) and in
// each queued datagram.
#pragma once

#include <string>

#include "emu/files/unix_socket.h"
#include "emu/kernel/syscall_context.h"

namespace vmrun {

// Whether (level, opt) is one of the options here for this socket.
bool ip_ancillary_option(const UnixSocket& s, int level, int opt);
// setsockopt(2)/getsockopt(2) of one of them; `val`, `len` are the
// syscall's arguments.
SyscallResult ip_ancillary_set(SyscallContext& k, UnixSocket& s, int level, int opt, uint64_t val, int32_t len);
SyscallResult ip_ancillary_get(SyscallContext& k, UnixSocket& s, int level, int opt, uint64_t val, uint64_t len_addr);

// A sendmsg's control buffer, copied in (EFAULT; ENOBUFS beyond Linux's
// optmem bound).
Result<std::string> copy_control_in(SyscallContext& k, uint64_t addr, uint64_t len);

// What a sendmsg's control messages ask of one datagram: -2 where they
// say nothing.
struct IpSendControl {
  int hops = -2;    // IPV6_HOPLIMIT or IP_TTL (-1: the socket's)
  int tclass = -2;  // IPV6_TCLASS or IP_TOS
};
// Checks an internet socket's control messages as Linux does for a
// datagram to an IPv4 (`dest_v4`) or IPv6 destination: SOL_SOCKET items,
// then the destination family's level (the other level is skipped). A
// stream socket looks at SOL_SOCKET items only. EINVAL for a malformed or
// unknown item or a value out of range.
Result<IpSendControl> parse_ip_control(const UnixSocket& s, const std::string& ctl, bool dest_v4);
// The header fields of a datagram from `s` to `dst`.
IpDatagram ip_datagram(const UnixSocket& s, const std::array<uint8_t, 16>& dst, const IpSendControl& c);

// recvmsg's control messages for a datagram received by `s`, written with
// Linux's put_cmsg rules (an item cut short sets MSG_CTRUNC in `flags`; a
// fault leaves it out). Returns the control bytes used.
uint64_t ip_control_out(SyscallContext& k, const UnixSocket& s, const IpDatagram& d, uint64_t addr, uint64_t len,
                        int* flags);

}  // namespace vmrun
