// epoll on top of the same readiness the poll family uses. Level-triggered
// by default; EPOLLONESHOT disarms after one report; EPOLLET reports edges
// as emu/files/epoll_file.h recognises them.
#include <sys/epoll.h>

#include <cstring>
#include <map>
#include <memory>

#include "emu/arch/guest_abi.h"
#include "emu/files/epoll_file.h"
#include "syscalls/handler_util.h"
#include "syscalls/wait_mask.h"

namespace vmrun {
namespace {

SyscallResult sys_epoll_create1(SyscallContext& k, const SyscallArgs& a) {
  if (a.i32(0) & ~EPOLL_CLOEXEC) return Err{EINVAL};
  auto ep = std::make_shared<EpollFile>();
  ep->path = "anon_inode:[eventpoll]";
  ep->flags = O_RDWR;
  TRY_ASSIGN(int fd, k.proc().fds->install(ep, a.i32(0) & EPOLL_CLOEXEC));
  return static_cast<uint64_t>(fd);
}

SyscallResult sys_epoll_create(SyscallContext& k, const SyscallArgs& a) {
  if (a.i32(0) <= 0) return Err{EINVAL};
  return sys_epoll_create1(k, a.with(0, 0));
}

Result<std::shared_ptr<EpollFile>> epoll_arg(SyscallContext& k, int fd) {
  TRY_ASSIGN(auto f, file_arg(k, fd));
  auto ep = std::dynamic_pointer_cast<EpollFile>(f);
  if (!ep) return Err{EINVAL};
  return ep;
}

// struct epoll_event is packed (12 bytes) on x86-64 and 16 bytes on riscv64.
size_t event_size(Arch arch) { return GuestAbi::of(arch).epoll_event_size; }

SyscallResult sys_epoll_ctl(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(auto ep, epoll_arg(k, a.fd(0)));
  int op = a.i32(1), fd = a.fd(2);
  TRY_ASSIGN(auto target, file_arg(k, fd));
  if (target.get() == ep.get()) return Err{EINVAL};
  uint32_t events = 0;
  uint64_t data = 0;
  if (op != EPOLL_CTL_DEL) {
    uint8_t raw[16] = {};
    TRY_VOID(k.mem().copy_in(a.addr(3), raw, event_size(k.arch())));
    std::memcpy(&events, raw, 4);
    std::memcpy(&data, raw + GuestAbi::of(k.arch()).epoll_data_offset, 8);
  }
  auto it = ep->interests.find(fd);
  bool present = it != ep->interests.end() && !it->second.file.expired();
  switch (op) {
    case EPOLL_CTL_ADD: {
      if (present) return Err{EEXIST};
      // Regular files and directories cannot be polled on Linux: EPERM.
      auto st = target->stat();
      uint32_t type = st.ok() ? (st.value().mode & S_IFMT) : 0;
      if (type == S_IFREG || type == S_IFDIR) return Err{EPERM};
      if (ep->interests.size() >= 65536) return Err{ENOSPC};
      ep->interests[fd] = {target, events, data, true};
      return 0;
    }
    case EPOLL_CTL_MOD:
      if (!present) return Err{ENOENT};
      it->second = {target, events, data, true};
      return 0;
    case EPOLL_CTL_DEL:
      if (!present) return Err{ENOENT};
      ep->interests.erase(it);
      return 0;
    default: return Err{EINVAL};
  }
}

SyscallResult do_epoll_wait(SyscallContext& k, int epfd, uint64_t events_addr, int max, int64_t timeout_ns) {
  if (max <= 0 || max > 65536) return Err{EINVAL};
  TRY_ASSIGN(auto ep, epoll_arg(k, epfd));
  Process& p = k.proc();
  int64_t now = k.monotonic_ns();
  if (!k.restarted() || p.call.deadline_ns < 0)
    p.call.deadline_ns = timeout_ns < 0 ? INT64_MAX : (timeout_ns > INT64_MAX - now ? INT64_MAX : now + timeout_ns);
  auto ready = ep->collect(static_cast<size_t>(max), true);
  if (ready.empty() && timeout_ns != 0 && now < p.call.deadline_ns) {
    int host_fd = -1;
    for (auto& [fd, in] : ep->interests)
      if (auto f = in.file.lock(); f && f->host_fd() >= 0) host_fd = f->host_fd();
    Wait w = wait_until([ep] { return ep->ready_count() > 0; }, host_fd);
    w.deadline_ns = p.call.deadline_ns == INT64_MAX ? -1 : p.call.deadline_ns;
    return k.block(std::move(w));
  }
  p.call.deadline_ns = -1;
  size_t sz = event_size(k.arch());
  std::vector<uint8_t> out(ready.size() * sz, 0);
  for (size_t i = 0; i < ready.size(); i++) {
    std::memcpy(&out[i * sz], &ready[i].first, 4);
    std::memcpy(&out[i * sz + (sz == 12 ? 4 : 8)], &ready[i].second, 8);
  }
  if (!out.empty()) TRY_VOID(k.mem().copy_out({events_addr}, out.data(), out.size()));
  return ready.size();
}

SyscallResult sys_epoll_wait(SyscallContext& k, const SyscallArgs& a) {
  int ms = a.i32(3);
  return do_epoll_wait(k, a.fd(0), a[1], a.i32(2), ms < 0 ? -1 : int64_t(ms) * 1000000);
}

SyscallResult sys_epoll_pwait(SyscallContext& k, const SyscallArgs& a) {
  TRY_VOID(begin_wait_mask(k, a[4], a[5]));
  return finish_wait_mask(k, sys_epoll_wait(k, a));
}

// epoll_pwait2: the timeout is a timespec (NULL: none).
SyscallResult sys_epoll_pwait2(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(int64_t timeout_ns, timeout_from_timespec(k, a[3]));
  TRY_VOID(begin_wait_mask(k, a[4], a[5]));
  return finish_wait_mask(k, do_epoll_wait(k, a.fd(0), a[1], a.i32(2), timeout_ns));
}

const SyscallDef kDefs[] = {
    SYSCALL_DEF("epoll_create", sys_epoll_create, Support::Full, "d", nullptr),
    SYSCALL_DEF("epoll_create1", sys_epoll_create1, Support::Full, "x", nullptr),
    SYSCALL_DEF("epoll_ctl", sys_epoll_ctl, Support::Partial, "fefp", "EPOLLET: an edge is a readiness bit that rose, more bytes than the last epoll_wait saw, a counted wake-up (eventfd write, connection), or an EAGAIN the guest had since (files here are polled, not woken)"),
    SYSCALL_DEF_NO_RESTART("epoll_wait", sys_epoll_wait, Support::Full, "fpdd", nullptr),
    SYSCALL_DEF_NO_RESTART("epoll_pwait", sys_epoll_pwait, Support::Full, "fpddpu", nullptr),
    SYSCALL_DEF_NO_RESTART("epoll_pwait2", sys_epoll_pwait2, Support::Full, "fpdppu", nullptr),
};

}  // namespace

std::span<const SyscallDef> epoll_syscalls() { return kDefs; }

}  // namespace vmrun
