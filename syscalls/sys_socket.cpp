// No network: no socket can be created, so nothing can ever reach a host
// socket. Every address family fails with EAFNOSUPPORT ("Address family not
// supported by protocol"); calls on descriptors give ENOTSOCK.
#include <sys/socket.h>

#include <spdlog/spdlog.h>

#include "syscalls/handler_util.h"

namespace vmrun {
namespace {

Result<uint64_t> sys_socket(Kernel& k, const SyscallArgs& a) {
  static thread_local bool told = false;
  if (!told && (a.i32(0) == AF_INET || a.i32(0) == AF_INET6)) {
    spdlog::info("guest tried to open a network socket: the sandbox has no network");
    told = true;
  }
  return Err{EAFNOSUPPORT};
}

Result<uint64_t> on_fd(Kernel& k, const SyscallArgs& a) {
  TRY_VOID(file_arg(k, a.fd(0)));
  return Err{ENOTSOCK};
}

const SyscallDef kDefs[] = {
    SYSCALL_DEF("socket", sys_socket, Support::Partial, "ddd", "no address family is available (no network; AF_UNIX planned)"),
    SYSCALL_DEF("socketpair", sys_socket, Support::Partial, "dddp", "as socket"),
    SYSCALL_DEF("connect", on_fd, Support::Full, "fpu", nullptr),
    SYSCALL_DEF("bind", on_fd, Support::Full, "fpu", nullptr),
    SYSCALL_DEF("listen", on_fd, Support::Full, "fd", nullptr),
    SYSCALL_DEF("accept", on_fd, Support::Full, "fpp", nullptr),
    SYSCALL_DEF("accept4", on_fd, Support::Full, "fppx", nullptr),
    SYSCALL_DEF("sendto", on_fd, Support::Full, "fpuxpu", nullptr),
    SYSCALL_DEF("recvfrom", on_fd, Support::Full, "fpuxpp", nullptr),
    SYSCALL_DEF("sendmsg", on_fd, Support::Full, "fpx", nullptr),
    SYSCALL_DEF("recvmsg", on_fd, Support::Full, "fpx", nullptr),
    SYSCALL_DEF("shutdown", on_fd, Support::Full, "fd", nullptr),
    SYSCALL_DEF("getsockname", on_fd, Support::Full, "fpp", nullptr),
    SYSCALL_DEF("getpeername", on_fd, Support::Full, "fpp", nullptr),
    SYSCALL_DEF("setsockopt", on_fd, Support::Full, "fddpu", nullptr),
    SYSCALL_DEF("getsockopt", on_fd, Support::Full, "fddpp", nullptr),
};

}  // namespace

std::span<const SyscallDef> socket_syscalls() { return kDefs; }

}  // namespace vmrun
