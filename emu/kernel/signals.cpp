// Signals: generation (kill, faults, SIGCHLD), default actions, delivery to
// handlers through kernel-layout frames (emu/arch/signal_frame_*.cpp), and
// sigreturn. Interrupted syscalls return EINTR or restart under SA_RESTART.

#include <climits>
#include <csignal>
#include <cstring>

#include "emu/kernel/kernel.h"

namespace vmrun {
namespace {

constexpr uint64_t bit(int sig) { return 1ull << (sig - 1); }
constexpr uint64_t kUnblockable = bit(SIGKILL) | bit(SIGSTOP);
constexpr uint64_t kSigIgn = 1;
constexpr uint64_t kSaRestart = 0x10000000, kSaNoDefer = 0x40000000, kSaResetHand = 0x80000000;

bool ignored_by_default(int sig) { return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH || sig == SIGCONT; }
bool stops_by_default(int sig) { return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU; }
[[maybe_unused]] bool dumps_core(int sig) {
  switch (sig) {
    case SIGQUIT: case SIGILL: case SIGTRAP: case SIGABRT: case SIGBUS: case SIGFPE: case SIGSEGV:
    case SIGXCPU: case SIGXFSZ: case SIGSYS: return true;
    default: return false;
  }
}

}  // namespace

void Kernel::post_signal(Process& p, int sig, const SignalInfo& info, bool to_group) {
  if (p.state == ProcState::Zombie || sig < 1 || sig > SignalState::kNsig) return;
  if (sig == SIGKILL) {
    // Acted on by the scheduler, like every signal: the sender's kill()
    // returns first, as on Linux.
    p.signals.pending |= bit(SIGKILL);
    p.signals.info[SIGKILL] = info;
    if (p.state == ProcState::Stopped) p.state = p.call.active ? ProcState::Blocked : ProcState::Runnable;
    if (&p == current_) {
      yield_requested_ = true;
      stop_cpu();
    }
    return;
  }
  if (sig == SIGCONT) {
    p.signals.pending &= ~(bit(SIGSTOP) | bit(SIGTSTP) | bit(SIGTTIN) | bit(SIGTTOU));
    p.signals.shared->set &= ~(bit(SIGSTOP) | bit(SIGTSTP) | bit(SIGTTIN) | bit(SIGTTOU));
    if (p.state == ProcState::Stopped) p.state = p.call.active ? ProcState::Blocked : ProcState::Runnable;
  } else if (stops_by_default(sig)) {
    p.signals.pending &= ~bit(SIGCONT);
    p.signals.shared->set &= ~bit(SIGCONT);
  }
  const SigAction& act = p.signals.actions()[sig];
  // Ignored signals are discarded when generated, unless the task blocks
  // them (sigwaitinfo may take them, or a handler be installed by then).
  if (!(p.signals.mask & bit(sig)) && (act.handler == kSigIgn || (act.handler == 0 && ignored_by_default(sig))))
    return;
  if (to_group && sig != SIGSTOP) {
    p.signals.shared->set |= bit(sig);
    p.signals.shared->info[sig] = info;
    return;
  }
  p.signals.pending |= bit(sig);
  p.signals.info[sig] = info;
  if (sig == SIGSTOP) {
    // Not catchable: stop at once.
    p.signals.pending &= ~bit(SIGSTOP);
    p.state = ProcState::Stopped;
    p.report.stop_signal = SIGSTOP;
    p.report.stop_reported = false;
    if (&p == current_) {
      yield_requested_ = true;
      stop_cpu();
    }
  }
}

Result<void> Kernel::send_signal(int pid, int sig, const SignalInfo& info, bool to_thread) {
  if (sig < 0 || sig > SignalState::kNsig) return Err{EINVAL};
  // Linux: -INT_MIN names no process group (and must not be negated).
  if (pid == INT_MIN) return Err{ESRCH};
  Process& self = *current_;
  std::vector<Process*> targets;
  for (auto& [tpid, p] : procs_) {
    if (pid <= 0 && p->ids.tgid != tpid) continue;  // groups are signalled through their leaders
    // kill(-1): everyone but init and the caller's own thread group.
    bool match = pid > 0    ? tpid == pid
                 : pid == 0 ? p->ids.pgid == self.ids.pgid
                 : pid == -1 ? tpid != 1 && p->ids.tgid != self.ids.tgid
                             : p->ids.pgid == -pid;
    if (match) targets.push_back(p.get());
  }
  if (targets.empty()) return Err{ESRCH};
  if (sig == 0) return Ok();
  for (Process* p : targets) {
    // The sandbox's init is its PID namespace's pid 1 (Linux's
    // SIGNAL_UNKILLABLE): a signal any guest process sends it, itself
    // included, arrives only where it installed a handler or blocks it
    // (SIGKILL and SIGSTOP never), so `kill $$` in a script run as the
    // program does nothing, as in a container. Signals the kernel raises
    // (faults, timers) and those from outside the sandbox (the host
    // terminal's Ctrl-C, --kill-after's SIGTERM) are not sent through here.
    if (p->ids.tgid == 1 && (sig == SIGKILL || sig == SIGSTOP ||
                         (p->signals.actions()[sig].handler == 0 && !(p->signals.mask & bit(sig)))))
      continue;
    post_signal(*p, sig, info, !to_thread);
  }
  return Ok();
}

bool Kernel::has_deliverable_signal(Process& p) {
  // A blocked signal that is ignored stays pending (sigwaitinfo may take
  // it); once it is not blocked it must not count as a wake-up: waking a
  // task for it would end the task's wait for nothing.
  uint64_t deliverable = p.signals.all_pending() & ~p.signals.mask;
  for (uint64_t m = deliverable; m; m &= m - 1) {
    int sig = __builtin_ctzll(m) + 1;
    const SigAction& act = p.signals.actions()[sig];
    if (act.handler == kSigIgn || (act.handler == 0 && ignored_by_default(sig))) {
      while (p.signals.all_pending() & bit(sig)) p.signals.take(sig);
      deliverable &= ~bit(sig);
    }
  }
  return deliverable != 0;
}

void Kernel::deliver_pending_signals(Process& p) {
  while (p.state == ProcState::Runnable) {
    // The thread's own signals first, then the group's (as Linux dequeues).
    uint64_t unblocked = ~(p.signals.mask & ~kUnblockable);
    uint64_t deliverable = p.signals.pending & unblocked;
    if (!deliverable) deliverable = p.signals.shared->set & unblocked;
    if (!deliverable) break;
    int sig = __builtin_ctzll(deliverable) + 1;
    SignalInfo info = p.signals.take(sig);
    if (p.posix_timers) p.posix_timers->signal_taken(info.code, info.pid, info.uid);
    SigAction act = p.signals.actions()[sig];
    if (act.handler == kSigIgn || (act.handler == 0 && ignored_by_default(sig))) continue;
    // Init drops, when it unblocks them, the signals guest processes sent
    // it that still have their default action (see send_signal).
    if (act.handler == 0 && p.ids.tgid == 1 && info.code <= 0 && sig != SIGKILL) continue;
    if (act.handler == 0) {
      if (stops_by_default(sig)) {
        p.state = ProcState::Stopped;
        p.report.stop_signal = sig;
        p.report.stop_reported = false;
        return;
      }
      if (&p == find_process(1)) faults_.init_message.clear();
      terminate(p, sig);  // no core is written (RLIMIT_CORE is 0), so no core flag
      return;
    }
    // Run the handler. A syscall this interrupted returns EINTR, or is
    // re-executed after the handler under SA_RESTART.
    uint64_t saved_mask = p.signals.mask;
    if (p.call.sigsuspend) {
      saved_mask = p.call.sigsuspend_mask;
      p.call.sigsuspend = false;
    }
    if (p.call.active) {
      p.call.active = false;
      p.call.wait = Wait{};
      int64_t sleep_deadline = p.call.deadline_ns;
      p.call.deadline_ns = -1;
      p.call.futex.waiting = p.call.futex.woken = false;
      const SyscallTable::Entry* e = dispatcher_.table().lookup(p.call.regs.nr);
      const SyscallDef* def = e ? e->def : nullptr;
      if ((act.flags & kSaRestart) && def && def->restart == Restart::AfterHandler) {
        cpu().prepare_syscall_restart(p.uc, p.call.regs);
        p.regs.resume_pc -= cpu().syscall_insn_size();
      } else if (p.call.progress) {
        // A write interrupted after moving some bytes returns that count.
        complete_syscall(p, p.call.progress);
        p.call.progress = 0;
      } else {
        complete_syscall(p, static_cast<uint64_t>(-EINTR));
        if (def && def->on_interrupt && sleep_deadline >= 0)
          def->on_interrupt(*p.mem, p.call.regs.args, sleep_deadline - monotonic_ns());
      }
    }
    cpu().set_pc(p.uc, p.regs.resume_pc);
    auto pushed = push_signal_frame(arch(), p.uc, *p.mem, info, act, saved_mask, p.signals.altstack,
                                    kRiscvSigreturnTrampoline);
    if (!pushed.ok()) {
      terminate(p, SIGSEGV);
      return;
    }
    p.signals.mask = (p.signals.mask | act.mask | ((act.flags & kSaNoDefer) ? 0 : bit(sig))) & ~kUnblockable;
    if (act.flags & kSaResetHand) p.signals.actions()[sig] = SigAction{};
    p.regs.resume_pc = cpu().pc(p.uc);
  }
  // Woken only by a signal that turned out to be ignored: keep waiting.
  if (p.call.active && p.state == ProcState::Runnable) p.state = ProcState::Blocked;
}

Result<void> Kernel::sigreturn() {
  Process& p = *current_;
  auto mask = pop_signal_frame(arch(), p.uc, *p.mem);
  if (!mask.ok()) {
    terminate(p, SIGSEGV);
    return Ok();
  }
  p.signals.mask = mask.value() & ~kUnblockable;
  p.regs.resume_pc = cpu().pc(p.uc);
  yield_requested_ = true;
  stop_cpu();
  return Ok();
}

void Kernel::fault_signal(int sig, uint64_t addr, const std::string& why) {
  Process& p = *current_;
  const SigAction& act = p.signals.actions()[sig];
  bool blocked = p.signals.mask & bit(sig);
  if (act.handler > kSigIgn && !blocked) {
    SignalInfo info;
    info.signo = sig;
    info.code = 1;  // SEGV_MAPERR, ILL_ILLOPC, FPE_INTDIV, BUS_ADRALN, TRAP_BRKPT
    // A mapped page refused by its protection is SEGV_ACCERR.
    if (sig == SIGSEGV && p.mem && p.mem->vma_at(addr)) info.code = 2;
    info.addr = addr;
    p.signals.pending |= bit(sig);
    p.signals.info[sig] = info;
    return;  // delivered when the process runs next
  }
  // A fault that is blocked or ignored cannot be survived: Linux forces
  // the default action.
  if (p.pid() == 1) faults_.init_message = why;
  terminate(p, sig);
}

}  // namespace vmrun
