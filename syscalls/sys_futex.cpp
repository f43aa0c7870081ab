// futex: the waits and wakes glibc's threads, mutexes, condition variables
// and process-shared semaphores are built on. Futexes are keyed by the host
// address of the word, which is the same in every process mapping shared
// memory and distinct for private memory. Every task runs on one host thread, so the
// compare-and-block is atomic by construction.
#include <linux/futex.h>

#include "syscalls/handler_util.h"

namespace vmrun {
namespace {

Result<uint32_t> load_word(SyscallContext& k, uint64_t addr) {
  if (addr & 3) return Err{EINVAL};
  return k.mem().read<uint32_t>({addr});
}

SyscallResult futex_wait(SyscallContext& k, uint64_t addr, uint32_t val, uint64_t timeout_addr, uint32_t bitset,
                            bool absolute, bool realtime) {
  Process& p = k.proc();
  if (k.restarted() && p.call.futex.waiting) {
    if (p.call.futex.woken) {
      p.call.futex.waiting = p.call.futex.woken = false;
      p.call.deadline_ns = -1;
      return 0;
    }
    if (p.call.deadline_ns >= 0 && k.monotonic_ns() >= p.call.deadline_ns) {
      p.call.futex.waiting = false;
      p.call.deadline_ns = -1;
      return Err{ETIMEDOUT};
    }
  } else {
    if (bitset == 0) return Err{EINVAL};
    TRY_ASSIGN(uint32_t cur, load_word(k, addr));
    if (cur != val) return Err{EAGAIN};
    p.call.deadline_ns = -1;
    if (timeout_addr) {
      int64_t ts[2];
      TRY_VOID(k.mem().copy_in({timeout_addr}, ts, sizeof ts));
      if (ts[0] < 0 || ts[1] < 0 || ts[1] > 999999999) return Err{EINVAL};
      // Seconds past 2^32 (year 2106, far beyond any clock here) wait for
      // ever; below that the product cannot overflow. An absolute time is
      // seconds since the clock's epoch: CLOCK_REALTIME's is in the 1.8e9s.
      constexpr int64_t kForeverSec = int64_t(1) << 32;
      int64_t ns = ts[0] >= kForeverSec ? int64_t(1) << 62 : ts[0] * 1000000000 + ts[1];
      if (absolute) {
        fs::Timespec now = realtime ? k.realtime() : k.monotonic();
        int64_t now_ns = now.sec * 1000000000 + now.nsec;
        ns = ns > now_ns ? ns - now_ns : 0;
      }
      p.call.deadline_ns = k.monotonic_ns() + ns;
      if (ns == 0) return Err{ETIMEDOUT};
    }
    p.call.futex.addr = k.mem().host_key(addr);
    p.call.futex.bitset = bitset;
    p.call.futex.waiting = true;
    p.call.futex.woken = false;
  }
  Process* self = &p;
  Wait w = wait_until([self] { return self->call.futex.woken; });
  w.deadline_ns = p.call.deadline_ns;
  return k.block(std::move(w));
}

SyscallResult sys_futex(SyscallContext& k, const SyscallArgs& a) {
  uint64_t addr = a[0];
  int op = a.i32(1);
  int cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
  bool realtime = op & FUTEX_CLOCK_REALTIME;
  uint32_t val = static_cast<uint32_t>(a[2]);
  const ProcessImage* image = k.proc().image.get();
  switch (cmd) {
    case FUTEX_WAIT: return futex_wait(k, addr, val, a[3], ~0u, false, false);
    case FUTEX_WAIT_BITSET: return futex_wait(k, addr, val, a[3], static_cast<uint32_t>(a[5]), true, realtime);
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET: {
      uint32_t bitset = cmd == FUTEX_WAKE ? ~0u : static_cast<uint32_t>(a[5]);
      if (bitset == 0) return Err{EINVAL};
      if (addr & 3) return Err{EINVAL};
      return static_cast<uint64_t>(
          k.futex_wake(image, k.mem().host_key(addr), static_cast<int>(std::min<uint32_t>(val, INT32_MAX)), bitset));
    }
    case FUTEX_REQUEUE:
    case FUTEX_CMP_REQUEUE: {
      if ((addr & 3) || (a[4] & 3)) return Err{EINVAL};
      if (cmd == FUTEX_CMP_REQUEUE) {
        TRY_ASSIGN(uint32_t cur, load_word(k, addr));
        if (cur != static_cast<uint32_t>(a[5])) return Err{EAGAIN};
      }
      int wake = static_cast<int>(std::min<uint32_t>(val, INT32_MAX));
      int move = static_cast<int>(std::min<uint64_t>(static_cast<uint32_t>(a[3]), INT32_MAX));
      return static_cast<uint64_t>(k.futex_requeue(image, k.mem().host_key(addr), k.mem().host_key(a[4]), wake, move));
    }
    case FUTEX_WAKE_OP: {
      uint64_t addr2 = a[4];
      uint32_t encoded = static_cast<uint32_t>(a[5]);
      int opn = (encoded >> 28) & 0xf, cmp = (encoded >> 24) & 0xf;
      uint32_t oparg = (encoded >> 12) & 0xfff, cmparg = encoded & 0xfff;
      if (opn & FUTEX_OP_OPARG_SHIFT) oparg = 1u << (oparg & 31);
      TRY_ASSIGN(uint32_t old, load_word(k, addr2));
      uint32_t next;
      switch (opn & 7) {
        case FUTEX_OP_SET: next = oparg; break;
        case FUTEX_OP_ADD: next = old + oparg; break;
        case FUTEX_OP_OR: next = old | oparg; break;
        case FUTEX_OP_ANDN: next = old & ~oparg; break;
        case FUTEX_OP_XOR: next = old ^ oparg; break;
        default: return Err{ENOSYS};
      }
      TRY_VOID(k.mem().write<uint32_t>({addr2}, next));
      int woken = k.futex_wake(image, k.mem().host_key(addr), static_cast<int>(std::min<uint32_t>(val, INT32_MAX)), ~0u);
      bool hit;
      int32_t o = static_cast<int32_t>(old), c = static_cast<int32_t>(cmparg);
      switch (cmp) {
        case FUTEX_OP_CMP_EQ: hit = o == c; break;
        case FUTEX_OP_CMP_NE: hit = o != c; break;
        case FUTEX_OP_CMP_LT: hit = o < c; break;
        case FUTEX_OP_CMP_LE: hit = o <= c; break;
        case FUTEX_OP_CMP_GT: hit = o > c; break;
        case FUTEX_OP_CMP_GE: hit = o >= c; break;
        default: return Err{ENOSYS};
      }
      if (hit) woken += k.futex_wake(image, k.mem().host_key(addr2), static_cast<int>(std::min<uint64_t>(static_cast<uint32_t>(a[3]), INT32_MAX)), ~0u);
      return static_cast<uint64_t>(woken);
    }
    default: return Err{ENOSYS};  // PI futexes
  }
}

const SyscallDef kDefs[] = {
    SYSCALL_DEF("futex", sys_futex, Support::Partial, "pXuxpx", "WAIT/WAKE(_BITSET), (CMP_)REQUEUE, WAKE_OP; no PI futexes"),
};

}  // namespace

std::span<const SyscallDef> futex_syscalls() { return kDefs; }

}  // namespace vmrun
