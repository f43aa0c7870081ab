// The process itself: exit, ids, TLS, prctl, scheduling, kill to self.
// fork/clone/execve/wait arrive with the process issue; until then they are
// unimplemented (ENOSYS, reported by name).
#include <sched.h>
#include <sys/prctl.h>
#include <unicorn/unicorn.h>

#include <csignal>
#include <cstring>

#include "syscalls/handler_util.h"

namespace vmrun {
namespace {

Result<uint64_t> sys_exit_group(Kernel& k, const SyscallArgs& a) {
  k.exit_group(a.i32(0));
  return 0;
}

Result<uint64_t> sys_getpid(Kernel& k, const SyscallArgs&) { return k.proc().pid(); }
Result<uint64_t> sys_getppid(Kernel&, const SyscallArgs&) { return 0; }

Result<uint64_t> sys_set_tid_address(Kernel& k, const SyscallArgs& a) {
  k.proc().clear_child_tid = a[0];
  return k.proc().pid();
}

Result<uint64_t> sys_arch_prctl(Kernel& k, const SyscallArgs& a) {
  constexpr int kSetGs = 0x1001, kSetFs = 0x1002, kGetFs = 0x1003, kGetGs = 0x1004;
  uc_struct* uc = k.proc().uc;
  uint64_t v = 0;
  switch (a.i32(0)) {
    case kSetFs:
      if (a[1] >= k.mem().user_top()) return Err{EPERM};
      k.cpu().set_tls(uc, a[1]);
      return 0;
    case kSetGs:
      if (a[1] >= k.mem().user_top()) return Err{EPERM};
      uc_reg_write(uc, UC_X86_REG_GS_BASE, &a.a[1]);
      return 0;
    case kGetFs:
      uc_reg_read(uc, UC_X86_REG_FS_BASE, &v);
      TRY_VOID(k.mem().write<uint64_t>({a[1]}, v));
      return 0;
    case kGetGs:
      uc_reg_read(uc, UC_X86_REG_GS_BASE, &v);
      TRY_VOID(k.mem().write<uint64_t>({a[1]}, v));
      return 0;
    default: return Err{EINVAL};
  }
}

Result<uint64_t> sys_prctl(Kernel& k, const SyscallArgs& a) {
  switch (a.i32(0)) {
    case PR_SET_NAME: {
      char name[16] = {};
      // The name is at most 16 bytes including the NUL; a shorter string
      // may end right before an unmapped page.
      auto s = k.mem().copy_in_string({a[1]}, 4096);
      if (!s.ok()) return Err{EFAULT};
      k.proc().name = s.value().substr(0, 15);
      (void)name;
      return 0;
    }
    case PR_GET_NAME: {
      char name[16] = {};
      std::memcpy(name, k.proc().name.data(), std::min<size_t>(15, k.proc().name.size()));
      TRY_VOID(k.mem().copy_out({a[1]}, name, 16));
      return 0;
    }
    case PR_GET_DUMPABLE: return 1;
    case PR_SET_DUMPABLE: return 0;
    case PR_SET_PDEATHSIG: return 0;
    case PR_GET_NO_NEW_PRIVS: return 1;
    case PR_SET_NO_NEW_PRIVS: return 0;
    default: return Err{EINVAL};
  }
}

Result<uint64_t> sys_set_robust_list(Kernel&, const SyscallArgs& a) {
  return a[1] == 24 ? Result<uint64_t>(0) : Result<uint64_t>(Err{EINVAL});
}

Result<uint64_t> sys_sched_yield(Kernel&, const SyscallArgs&) { return 0; }

Result<uint64_t> sys_sched_getaffinity(Kernel& k, const SyscallArgs& a) {
  // One virtual CPU.
  uint64_t size = a[1];
  if (size < 8 || (size & 7)) return Err{EINVAL};
  uint64_t mask = 1;
  TRY_VOID(k.mem().write<uint64_t>({a[2]}, mask));
  return 8;
}

Result<uint64_t> sys_sched_setaffinity(Kernel&, const SyscallArgs&) { return 0; }

Result<uint64_t> sys_getcpu(Kernel& k, const SyscallArgs& a) {
  uint32_t zero = 0;
  if (a[0]) TRY_VOID(k.mem().write({a[0]}, zero));
  if (a[1]) TRY_VOID(k.mem().write({a[1]}, zero));
  return 0;
}

Result<uint64_t> sys_riscv_flush_icache(Kernel& k, const SyscallArgs&) {
  // Stores into code are already seen by Unicorn; dropping translations is
  // the conservative way to honour an explicit request.
  uc_ctl_flush_tb(k.proc().uc);
  return 0;
}

Result<uint64_t> sys_kill(Kernel& k, const SyscallArgs& a) {
  int pid = a.i32(0), sig = a.i32(1);
  if (sig < 0 || sig > 64) return Err{EINVAL};
  // Only our own process exists; pid -1 (everyone we may signal) and our
  // process group reach it too.
  if (pid != k.proc().pid() && pid != 0 && pid != -1 && pid != -k.proc().pid()) return Err{ESRCH};
  if (sig == 0) return 0;
  if (sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH || sig == SIGCONT) return 0;  // ignored by default
  k.kill_by_signal(sig, std::string("killed by signal ") + std::to_string(sig) + " (sent by itself)");
  return 0;
}

Result<uint64_t> sys_tgkill(Kernel& k, const SyscallArgs& a) {
  if (a.i32(0) != k.proc().pid() || a.i32(1) != k.proc().pid()) return Err{ESRCH};
  SyscallArgs b;
  b.a[0] = a[1], b.a[1] = a[2];
  return sys_kill(k, b);
}

Result<uint64_t> sys_tkill(Kernel& k, const SyscallArgs& a) {
  if (a.i32(0) != k.proc().pid()) return Err{ESRCH};
  SyscallArgs b;
  b.a[0] = a[0], b.a[1] = a[1];
  return sys_kill(k, b);
}

const SyscallDef kDefs[] = {
    SYSCALL_DEF("exit", sys_exit_group, Support::Full, "d", nullptr),
    SYSCALL_DEF("exit_group", sys_exit_group, Support::Full, "d", nullptr),
    SYSCALL_DEF("getpid", sys_getpid, Support::Full, "", nullptr),
    SYSCALL_DEF("gettid", sys_getpid, Support::Full, "", nullptr),
    SYSCALL_DEF("getppid", sys_getppid, Support::Full, "", nullptr),
    SYSCALL_DEF("set_tid_address", sys_set_tid_address, Support::Full, "p", nullptr),
    SYSCALL_DEF("arch_prctl", sys_arch_prctl, Support::Full, "xx", nullptr),
    SYSCALL_DEF("prctl", sys_prctl, Support::Partial, "xxxxx", "PR_SET/GET_NAME, dumpable, no_new_privs; others EINVAL"),
    SYSCALL_DEF("set_robust_list", sys_set_robust_list, Support::Full, "pu", nullptr),
    SYSCALL_DEF("sched_yield", sys_sched_yield, Support::Full, "", nullptr),
    SYSCALL_DEF("sched_getaffinity", sys_sched_getaffinity, Support::Full, "dup", nullptr),
    SYSCALL_DEF("sched_setaffinity", sys_sched_setaffinity, Support::Partial, "dup", "accepted, one virtual CPU"),
    SYSCALL_DEF("getcpu", sys_getcpu, Support::Full, "ppp", nullptr),
    SYSCALL_DEF("riscv_flush_icache", sys_riscv_flush_icache, Support::Full, "xxx", nullptr),
    SYSCALL_DEF("kill", sys_kill, Support::Partial, "dd", "only the process itself; default actions (handlers arrive with the signal issue)"),
    SYSCALL_DEF("tgkill", sys_tgkill, Support::Partial, "ddd", "as kill"),
    SYSCALL_DEF("tkill", sys_tkill, Support::Partial, "dd", "as kill"),
};

}  // namespace

std::span<const SyscallDef> process_syscalls() { return kDefs; }

}  // namespace vmrun
