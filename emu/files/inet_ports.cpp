#include "emu/files/inet_ports.h"

#include <cstring>

#include "emu/files/unix_socket.h"

namespace vmrun {
namespace inet {

InetIp from_v4(uint32_t a) {
  InetIp ip{};
  ip[10] = ip[11] = 0xff;
  ip[12] = static_cast<uint8_t>(a >> 24);
  ip[13] = static_cast<uint8_t>(a >> 16);
  ip[14] = static_cast<uint8_t>(a >> 8);
  ip[15] = static_cast<uint8_t>(a);
  return ip;
}

bool is_v4(const InetIp& ip) {
  for (int i = 0; i < 10; i++)
    if (ip[i]) return false;
  return ip[10] == 0xff && ip[11] == 0xff;
}

bool is_any(const InetIp& ip) {
  for (int i = 0; i < 16; i++)
    if (ip[i] && !(is_v4(ip) && (i == 10 || i == 11))) return false;
  return true;
}

InetIp v6_loopback() {
  InetIp ip{};
  ip[15] = 1;
  return ip;
}

bool is_loopback(const InetIp& ip) { return is_v4(ip) ? ip[12] == 127 : ip == v6_loopback(); }

}  // namespace inet

namespace {

// The local addresses a bound name stands for.
struct Cover {
  bool v4 = false, v6 = false;  // every address of that version
  bool exact = false;
  InetIp ip{};
};

Cover cover_of(const UnixSocket& s, const InetIp& ip) {
  Cover c;
  if (!inet::is_any(ip)) {
    c.exact = true;
    c.ip = ip;
  } else if (inet::is_v4(ip)) {
    c.v4 = true;
  } else {
    c.v6 = true;
    c.v4 = !s.v6only;
  }
  return c;
}

bool covers(const Cover& c, const InetIp& ip) { return c.exact ? c.ip == ip : inet::is_v4(ip) ? c.v4 : c.v6; }

bool overlap(const Cover& a, const Cover& b) {
  if (a.exact) return covers(b, a.ip);
  if (b.exact) return covers(a, b.ip);
  return (a.v4 && b.v4) || (a.v6 && b.v6);
}

}  // namespace

bool InetPorts::conflicts(const UnixSocket& s, const InetIp& ip, uint16_t port) {
  Cover mine = cover_of(s, ip);
  auto [lo, hi] = bound_.equal_range(port);
  for (auto it = lo; it != hi; ++it) {
    auto other = it->second.lock();
    if (!other || other.get() == &s) continue;
    if (!overlap(mine, cover_of(*other, other->address().ip))) continue;
    bool shared = s.reuse_addr && other->reuse_addr;
    if (tcp_ && other->state() == UnixSocket::State::kListening) shared = false;
    if (!shared) return true;
  }
  return false;
}

Result<uint16_t> InetPorts::bind(const std::shared_ptr<UnixSocket>& s, const InetIp& ip, uint16_t port) {
  if (port == 0) {
    constexpr uint32_t span = kEphemeralHigh - kEphemeralLow + 1;
    for (uint32_t tries = 0; tries < span; tries++) {
      uint16_t p = static_cast<uint16_t>(kEphemeralLow + (next_++ - kEphemeralLow) % span);
      if (next_ > kEphemeralHigh) next_ = kEphemeralLow;
      // An ephemeral port is one nobody holds at all.
      bool taken = false;
      auto [lo, hi] = bound_.equal_range(p);
      for (auto it = lo; it != hi && !taken; ++it) taken = !it->second.expired();
      if (!taken) {
        port = p;
        break;
      }
    }
    if (port == 0) return Err{EADDRINUSE};
  } else if (conflicts(*s, ip, port)) {
    return Err{EADDRINUSE};
  }
  // Entries of sockets gone are dropped now and then.
  auto [lo, hi] = bound_.equal_range(port);
  for (auto it = lo; it != hi;) it = it->second.expired() ? bound_.erase(it) : std::next(it);
  bound_.emplace(port, s);
  return port;
}

void InetPorts::release(const UnixSocket* s) {
  auto [lo, hi] = bound_.equal_range(s->address().port);
  for (auto it = lo; it != hi;) {
    auto o = it->second.lock();
    it = (!o || o.get() == s) ? bound_.erase(it) : std::next(it);
  }
}

std::shared_ptr<UnixSocket> InetPorts::find(const InetIp& dest, uint16_t port) {
  std::shared_ptr<UnixSocket> wild;
  auto [lo, hi] = bound_.equal_range(port);
  for (auto it = lo; it != hi; ++it) {
    auto s = it->second.lock();
    if (!s) continue;
    if (tcp_ && s->state() != UnixSocket::State::kListening) continue;
    Cover c = cover_of(*s, s->address().ip);
    if (!covers(c, dest)) continue;
    if (c.exact) return s;
    if (!wild) wild = s;
  }
  return wild;
}

}  // namespace vmrun
