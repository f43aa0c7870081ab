// poll/ppoll/select/pselect6 over the descriptors the process has. With a
// single guest process only host stdin can change readiness while we wait.
#include <poll.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "syscalls/handler_util.h"
#include "syscalls/wait_mask.h"

namespace vmrun {
namespace {

struct PollFd {
  int32_t fd;
  int16_t events, revents;
};

// Evaluate readiness once; returns the number of ready entries.
int scan(SyscallContext& k, std::vector<PollFd>& fds) {
  int ready = 0;
  for (auto& p : fds) {
    p.revents = 0;
    if (p.fd < 0) continue;
    fs::FileRef f = k.proc().fds->get(p.fd);
    if (!f) {
      p.revents = POLLNVAL;
    } else {
      uint32_t r = f->poll_ready();
      p.revents = static_cast<int16_t>(r & (static_cast<uint16_t>(p.events) | POLLERR | POLLHUP));
    }
    if (p.revents) ready++;
  }
  return ready;
}

// Block until one of `fds` is ready or the call's own deadline passes. The
// handler runs again on wake-up and re-scans.
// *time_left: what was left of the timeout when the call completed.
Outcome<int> wait_ready(SyscallContext& k, std::vector<PollFd>& fds, int64_t timeout_ns, int64_t* time_left) {
  Process& p = k.proc();
  int64_t now = k.monotonic_ns();
  if (!k.restarted() || p.call.deadline_ns < 0)
    p.call.deadline_ns = timeout_ns < 0 ? INT64_MAX : (timeout_ns > INT64_MAX - now ? INT64_MAX : now + timeout_ns);
  int n = scan(k, fds);
  if (n || timeout_ns == 0 || now >= p.call.deadline_ns) {
    *time_left = std::max<int64_t>(0, p.call.deadline_ns - now);
    p.call.deadline_ns = -1;
    return n;
  }
  std::vector<std::pair<fs::FileRef, uint32_t>> watch;
  int host_fd = -1;
  for (auto& pf : fds) {
    fs::FileRef f = p.fds->get(pf.fd);
    if (!f) continue;
    watch.push_back({f, static_cast<uint16_t>(pf.events) | fs::kPollErr | fs::kPollHup});
    if (host_fd < 0) host_fd = f->host_fd();
  }
  Wait w;
  w.ready = [watch] {
    for (auto& [f, ev] : watch)
      if (f->poll_ready() & ev) return true;
    return false;
  };
  w.host_fd = host_fd;
  w.deadline_ns = p.call.deadline_ns == INT64_MAX ? -1 : p.call.deadline_ns;
  return k.block(std::move(w));
}

// select, pselect6 and ppoll write the time left back to their timeout,
// when they complete and when a signal interrupts them (glibc's select on
// riscv64, which has only pselect6, hands it on to the caller's timeval).
void write_timeval_left(AddressSpace& mem, uint64_t addr, int64_t left_ns) {
  if (!addr) return;
  left_ns = std::max<int64_t>(0, left_ns);
  int64_t tv[2] = {left_ns / 1000000000, left_ns % 1000000000 / 1000};
  (void)mem.copy_out({addr}, tv, sizeof tv);
}
void ppoll_interrupted(AddressSpace& mem, const uint64_t args[6], int64_t left_ns) {
  write_time_left(mem, args[2], left_ns);
}
void select_interrupted(AddressSpace& mem, const uint64_t args[6], int64_t left_ns) {
  write_timeval_left(mem, args[4], left_ns);
}
void pselect6_interrupted(AddressSpace& mem, const uint64_t args[6], int64_t left_ns) {
  write_time_left(mem, args[4], left_ns);
}

SyscallResult do_poll(SyscallContext& k, uint64_t addr, uint64_t nfds, int64_t timeout_ns, int64_t* time_left) {
  if (nfds > k.proc().fds->limit() || nfds > 65536) return Err{EINVAL};
  std::vector<PollFd> fds(nfds);
  if (nfds) TRY_VOID(k.mem().copy_in({addr}, fds.data(), nfds * sizeof(PollFd)));
  TRY_OUTCOME(int n, wait_ready(k, fds, timeout_ns, time_left));
  if (nfds) TRY_VOID(k.mem().copy_out({addr}, fds.data(), nfds * sizeof(PollFd)));
  return static_cast<uint64_t>(n);
}

SyscallResult sys_poll(SyscallContext& k, const SyscallArgs& a) {
  int ms = a.i32(2);
  int64_t left = 0;
  return do_poll(k, a[0], a[1], ms < 0 ? -1 : int64_t(ms) * 1000000, &left);
}

SyscallResult sys_ppoll(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(int64_t t, timeout_from_timespec(k, a[2]));
  TRY_VOID(begin_wait_mask(k, a[3], a[4]));
  int64_t left = 0;
  SyscallResult r = finish_wait_mask(k, do_poll(k, a[0], a[1], t, &left));
  if (r.ok() && a[2]) write_time_left(k.mem(), a[2], left);
  return r;
}

SyscallResult do_select(SyscallContext& k, int nfds, uint64_t rd, uint64_t wr, uint64_t ex, int64_t timeout_ns,
                        int64_t* time_left) {
  if (nfds < 0 || nfds > 1024) return Err{EINVAL};
  size_t bytes = (static_cast<size_t>(nfds) + 63) / 64 * 8;
  uint64_t sets[3][16] = {};
  uint64_t addrs[3] = {rd, wr, ex};
  for (int s = 0; s < 3; s++)
    if (addrs[s] && bytes) TRY_VOID(k.mem().copy_in({addrs[s]}, sets[s], bytes));
  std::vector<PollFd> fds;
  for (int fd = 0; fd < nfds; fd++) {
    int16_t ev = 0;
    if (sets[0][fd / 64] >> (fd % 64) & 1) ev |= POLLIN;
    if (sets[1][fd / 64] >> (fd % 64) & 1) ev |= POLLOUT;
    if (sets[2][fd / 64] >> (fd % 64) & 1) ev |= POLLPRI;
    if (ev) {
      if (!k.proc().fds->get(fd)) return Err{EBADF};
      fds.push_back({fd, ev, 0});
    }
  }
  TRY_OUTCOME([[maybe_unused]] int n, wait_ready(k, fds, timeout_ns, time_left));
  uint64_t out[3][16] = {};
  int count = 0;
  for (auto& p : fds) {
    auto mark = [&](int s) { out[s][p.fd / 64] |= 1ull << (p.fd % 64), count++; };
    if ((p.events & POLLIN) && (p.revents & (POLLIN | POLLHUP | POLLERR))) mark(0);
    if ((p.events & POLLOUT) && (p.revents & (POLLOUT | POLLERR))) mark(1);
    if ((p.events & POLLPRI) && (p.revents & POLLPRI)) mark(2);
  }
  for (int s = 0; s < 3; s++)
    if (addrs[s] && bytes) TRY_VOID(k.mem().copy_out({addrs[s]}, out[s], bytes));
  return static_cast<uint64_t>(count);
}

SyscallResult sys_select(SyscallContext& k, const SyscallArgs& a) {
  int64_t t = -1;
  if (a[4]) {
    int64_t tv[2];
    TRY_VOID(k.mem().copy_in(a.addr(4), tv, sizeof tv));
    if (tv[0] < 0 || tv[1] < 0 || tv[1] > 999999) return Err{EINVAL};
    t = tv[0] > 1000000000 ? int64_t(1) << 62 : tv[0] * 1000000000 + tv[1] * 1000;
  }
  int64_t left = 0;
  SyscallResult r = do_select(k, a.i32(0), a[1], a[2], a[3], t, &left);
  if (r.ok() && a[4]) write_timeval_left(k.mem(), a[4], left);
  return r;
}

SyscallResult sys_pselect6(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(int64_t t, timeout_from_timespec(k, a[4]));
  // The sixth argument points to {const sigset_t* ss; size_t ss_len}.
  uint64_t mask_addr = 0, mask_size = 0;
  if (a[5]) {
    uint64_t pair[2];
    TRY_VOID(k.mem().copy_in(a.addr(5), pair, sizeof pair));
    mask_addr = pair[0];
    mask_size = pair[1];
  }
  TRY_VOID(begin_wait_mask(k, mask_addr, mask_size));
  int64_t left = 0;
  SyscallResult r = finish_wait_mask(k, do_select(k, a.i32(0), a[1], a[2], a[3], t, &left));
  if (r.ok() && a[4]) write_time_left(k.mem(), a[4], left);
  return r;
}

const SyscallDef kDefs[] = {
    SYSCALL_DEF_NO_RESTART("poll", sys_poll, Support::Full, "pud", nullptr),
    SyscallDef{"ppoll", sys_ppoll, Support::Full, "puppu", nullptr, Restart::Never, ppoll_interrupted},
    SyscallDef{"select", sys_select, Support::Full, "dpppp", nullptr, Restart::Never, select_interrupted},
    SyscallDef{"pselect6", sys_pselect6, Support::Full, "dppppp", nullptr, Restart::Never, pselect6_interrupted},
};

}  // namespace

std::span<const SyscallDef> poll_syscalls() { return kDefs; }

}  // namespace vmrun
