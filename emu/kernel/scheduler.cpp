// The scheduler: guest processes take turns on the calling host thread.
// A process runs until its instruction quantum is used, it blocks in a
// syscall, it exits or execs, or a signal needs delivering. Blocked
// processes are woken by re-checking what they wait for; when every
// process is blocked the host waits for input or time. Turns are decided by
// instruction counts and pids only, so scripts run deterministically.
#include <fcntl.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "emu/kernel/kernel.h"

#include "common/splitmix64.h"

#include "emu/engine/cpu_context.h"

namespace vmrun {
namespace {

constexpr uint64_t kQuantum = 2'000'000;  // instructions per turn, on average

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", s);
  return buf;
}

}  // namespace

void Kernel::run_with_watchdog(int cancel_fd) {
  std::string error;
  std::function<void()> tick;
  // A template's spawn is a process of its own, watched without a second
  // thread (RunControl::run_watched, `by_signal`).
  const bool by_signal = template_.spawned;
  if (meter_.timed()) {
    if (by_signal) tick = [this] { meter_.tick_in_signal(); };
    else tick = [this] { meter_.tick(); };  // ends turns: no counting hook does
  }
  if (!control_.run_watched(cancel_fd, [this] { run_loop(); }, &error, tick, InstructionMeter::kTickMs, by_signal))
    stop_run(StopReason::SandboxError, error);
}

void Kernel::stop_as_requested() {
  int sig = control_.cancel_signal();
  if (control_.begin_grace()) {
    // timeout(1) -k: the guest gets SIGTERM and a grace period to end.
    SignalInfo info;
    info.signo = SIGTERM;
    info.code = 0x80;  // SI_KERNEL
    for (auto& [pid, q] : procs_)
      if (q->ids.tgid == pid && q->state != ProcState::Zombie) post_signal(*q, SIGTERM, info, /*to_group=*/true);
    return;
  }
  if (sig) {
    end_.result.signal = sig > 0 ? sig : 0;
    stop_run(StopReason::Cancelled, sig > 0 ? std::string("cancelled by signal ") + std::to_string(sig) + " (" +
                                                  strsignal(sig) + ")"
                                            : "cancelled");
    return;
  }
  stop_run(StopReason::TimeLimit, "wall-clock limit of " + seconds_text(control_.deadline() - template_.run_started) + " s reached" +
                                      (control_.timed_out() ? " (SIGTERM sent, still running " + seconds_text(control_.grace()) + " s later)" : ""));
}

Process* Kernel::pick_next() {
  // The runnable task that has waited longest since its last turn
  // (ProcessTable::requeue). A woken task keeps its place.
  Process* next = nullptr;
  for (auto& [pid, p] : procs_)
    if (p->state == ProcState::Runnable && (!next || p->queued_at < next->queued_at)) next = p.get();
  return next;
}

bool Kernel::wake_blocked() {
  bool woke = false;
  int64_t now = monotonic_ns();
  std::vector<Process*> blocked;
  for (auto& [pid, p] : procs_)
    if (p->state == ProcState::Blocked) blocked.push_back(p.get());
  for (Process* p : blocked) {
    if (end_.stopped) break;
    if (p->state != ProcState::Blocked) continue;  // changed by an earlier wake
    bool signal_ready = has_deliverable_signal(*p);
    bool ready = (p->call.wait.ready && p->call.wait.ready()) || (p->call.wait.deadline_ns >= 0 && now >= p->call.wait.deadline_ns);
    if (!ready && !signal_ready) continue;
    current_ = p;
    vfs_->set_process(p);
    if (p->call.active && ready) {
      yield_requested_ = false;
      SyscallDispatcher::Outcome r = dispatcher_.dispatch(p->call.regs, true);
      if (r.blocked) continue;  // still waiting (the wait was renewed)
      p->call.active = false;
      if (p->state == ProcState::Blocked) p->state = ProcState::Runnable;
      // (Another task of the same engine may hold the registers now.)
      if (p->state == ProcState::Runnable && !yield_requested_) complete_syscall(*p, r.value);
    } else if (ready) {
      if (p->call.wait.on_wake) p->call.wait.on_wake();
      if (p->state == ProcState::Blocked) p->state = ProcState::Runnable;
    } else {
      // A signal arrived for a process blocked in a syscall: the delivery
      // code decides between EINTR and restarting. The wait stays: another
      // thread of the group may take the signal first, and then this one
      // goes back to waiting for the same thing.
      if (p->state == ProcState::Blocked && p->call.active) p->state = ProcState::Runnable;
      else continue;  // e.g. a vfork parent: signals wait until it resumes
      woke = true;
      continue;
    }
    p->call.wait = Wait{};
    woke = true;
  }
  return woke;
}

void Kernel::idle_wait() {
  // Every live process is blocked. Find the earliest timer and the host fds
  // that could make a wait ready.
  int64_t earliest = objects_.timer_fds.earliest();  // a timerfd's expiry can make a wait ready
  std::vector<pollfd> fds;
  bool any_blocked = false;
  for (auto& [pid, p] : procs_) {
    if (p->alarm.deadline_ns >= 0 && p->state != ProcState::Zombie &&
        (earliest < 0 || p->alarm.deadline_ns < earliest))
      earliest = p->alarm.deadline_ns;
    if (p->state != ProcState::Blocked) continue;
    any_blocked = true;
    if (p->call.wait.deadline_ns >= 0 && (earliest < 0 || p->call.wait.deadline_ns < earliest)) earliest = p->call.wait.deadline_ns;
    if (p->call.wait.host_fd >= 0) fds.push_back({p->call.wait.host_fd, POLLIN, 0});
  }
  if (!any_blocked) {
    stop_run(StopReason::SandboxError, "no runnable guest process");
    return;
  }
  // A wait may have become ready after wake_blocked looked at it (another
  // wake-up in the same pass filled the pipe it waits on): go round again.
  for (auto& [pid, p] : procs_)
    if (p->state == ProcState::Blocked && p->call.wait.ready && p->call.wait.ready()) return;
  if (config_.deterministic && earliest >= 0 && fds.empty()) {
    // Virtual time: jump straight to the next timer.
    clock_.sleep_until(earliest);
    return;
  }
  if (earliest < 0 && fds.empty()) {
    if (spdlog::should_log(spdlog::level::debug) && dispatcher_.selected()) {
      // What each task waits in: the first thing to look at in a deadlock.
      for (auto& [pid, p] : procs_) {
        if (p->state != ProcState::Blocked) continue;
        const SyscallTable::Entry* e = p->call.active ? dispatcher_.table().lookup(p->call.regs.nr) : nullptr;
        spdlog::debug("deadlock: task {} (group {}) blocked in {}({:#x}, {:#x}, {:#x})", pid, p->ids.tgid,
                      e ? e->name : (p->vfork_parent ? "vfork" : "?"), p->call.regs.args[0], p->call.regs.args[1],
                      p->call.regs.args[2]);
      }
    }
    stop_run(StopReason::Deadlock, "every guest process is blocked and nothing can wake one");
    return;
  }
  // Wait on the host, in short steps so the deadline flag is honoured.
  int timeout_ms = 100;
  if (earliest >= 0) {
    int64_t left = earliest - monotonic_ns();
    timeout_ms = static_cast<int>(std::clamp<int64_t>((left + 999999) / 1000000, 0, 100));
  }
  if (fds.empty()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(timeout_ms));
  } else {
    poll(fds.data(), fds.size(), timeout_ms);
  }
}

// The turn's instructions become the task's and its group's CPU time; the
// group's CPU-time interval timers fire when it passes their deadlines.
void Kernel::charge_cpu(Process& p) {
  uint64_t used = meter_.charge_turn();
  p.cpu_ns += used;
  Process::GroupTimes& g = *p.group_times;
  g.cpu_ns += used;
  auto expire = [&](int64_t& deadline, int64_t interval, int sig) {
    if (deadline < 0 || g.cpu_ns < static_cast<uint64_t>(deadline)) return;
    deadline = interval > 0 ? static_cast<int64_t>(g.cpu_ns) + interval : -1;
    SignalInfo info;
    info.signo = sig;
    info.code = 0x80;  // SI_KERNEL
    post_signal(p, sig, info, /*to_group=*/true);
  };
  expire(g.virt_deadline, g.virt_interval, SIGVTALRM);
  expire(g.prof_deadline, g.prof_interval, SIGPROF);
}

uint64_t Kernel::cpu_ns(const Process& p) const {
  return p.cpu_ns + (&p == current_ && meter_.in_turn() ? meter_.uncharged() : 0);
}

uint64_t Kernel::group_cpu_ns(const Process& p) const {
  bool running = meter_.in_turn() && current_ && current_->group_times == p.group_times;
  return p.group_times->cpu_ns + (running ? meter_.uncharged() : 0);
}

void Kernel::fire_timers() {
  int64_t now = monotonic_ns();
  for (auto& [pid, p] : procs_) {
    if (p->alarm.deadline_ns < 0 || now < p->alarm.deadline_ns || p->state == ProcState::Zombie) continue;
    p->alarm.deadline_ns = p->alarm.interval_ns > 0 ? now + p->alarm.interval_ns : -1;
    SignalInfo info;
    info.signo = SIGALRM;
    info.code = 0x80;  // SI_KERNEL
    post_signal(*p, SIGALRM, info, /*to_group=*/true);
  }
  fire_posix_timers();
}

void Kernel::reap_retired() {
  engines_.collect();
  // Threads and auto-reaped children leave no zombie behind. A group
  // leader that left early stays while other threads of its group run: the
  // group's exit status is reported through it (terminate).
  auto group_alive = [this](int tgid) {
    for (auto& [pid, t] : procs_)
      if (t->ids.tgid == tgid && t->state != ProcState::Zombie) return true;
    return false;
  };
  for (auto it = procs_.begin(); it != procs_.end();) {
    Process& z = *it->second;
    if (z.state == ProcState::Zombie && z.report.autoreap && &z != current_ && !(z.pid() == z.ids.tgid && group_alive(z.ids.tgid)))
      it = procs_.erase(it);
    else
      ++it;
  }
}

// Turn lengths vary between kQuantum/2 and 3*kQuantum/2, along a fixed
// pseudo-random sequence (the same in every run, so a --deterministic run
// still repeats). With one fixed length, a thread that always starts its
// turn at the same point (taking a lock back after a wait) is preempted
// at the same point of its loop every time, and another thread only ever
// sees the program in that one state: CPython's signal stress test, which
// flips a handler between a function and SIG_IGN while another thread
// raises the signal, saw SIG_IGN every time and never ended.
uint64_t Kernel::next_quantum() { return kQuantum / 2 + splitmix64_next(turn_sequence_) % kQuantum; }

void Kernel::run_slice(Process& p) {
  current_ = &p;
  procs_.requeue(p);
  vfs_->set_process(&p);
  if (!switch_in(p)) {
    terminate(p, SIGSEGV);
    return;
  }
  if (p.regs.result) {
    cpu().write_syscall_result(p.uc, *p.regs.result);
    p.regs.result.reset();
  }
  deliver_pending_signals(p);
  if (end_.stopped || p.state != ProcState::Runnable) return;
  yield_requested_ = false;
  faults_.pending = {};
  uint64_t fault_addr = 0;
  AddressSpace::Fault refused;
  if (p.mem) p.mem->take_fault(&refused);  // one left by a probe or a lookup
  uc_struct* uc = p.uc;
  int e = (meter_.run_turn(uc, &p.image->block_counts, &p.image->tail_hook_installed, p.regs.resume_pc,
                                               next_quantum(), Terminal::host_signal_pending()));
  charge_cpu(p);
  if (p.mem && p.uc == uc) p.mem->grow_tlb_if_busy();
  if (p.image && p.uc == uc && !p.image->meter_hooks.empty() && meter_.hooks_worth_dropping())
    engines_.drop_meter_hooks(*p.image);  // a long spawn without a budget: full speed from here
  if (end_.stopped) return;
  bool grace_began = false;  // the kill-after grace began: this turn just ends
  if (control_.stop_requested()) {
    stop_as_requested();
    if (end_.stopped) return;
    grace_began = true;
  }
  if (meter_.budget_exhausted()) {
    stop_run(StopReason::InstructionLimit, "instruction limit of " + std::to_string(meter_.budget()) + " reached");
    return;
  }
  if (p.state == ProcState::Zombie || yield_requested_ || p.state == ProcState::Blocked ||
      p.state == ProcState::Stopped)
    return;  // exit, exec, block, sigreturn or vfork set resume_pc themselves
  if (p.uc != uc) return;  // the image was replaced
  p.regs.resume_pc = meter_.stopped_before() != ~0ull ? meter_.stopped_before() : cpu().pc(uc);
  if (faults_.pending.signal) {
    if (faults_.pending.pc != ~0ull) p.regs.resume_pc = faults_.pending.pc;
    fault_signal(faults_.pending.signal, faults_.pending.addr, faults_.pending.what);
    return;
  }
  if (EngineStop how = classify_engine_error(e); how != EngineStop::Normal) {
    char buf[160];
    int sig = SIGSEGV;
    if (how == EngineStop::RefusedAccess && p.mem && p.mem->take_fault(&refused)) {
      fault_addr = refused.addr;
      std::snprintf(buf, sizeof buf, "invalid memory %s (address 0x%llx, pc 0x%llx)", refused.access,
                    static_cast<unsigned long long>(fault_addr), static_cast<unsigned long long>(p.regs.resume_pc));
      fault_signal(sig, fault_addr, buf);
      return;
    }
    if (how == EngineStop::InvalidInstruction) sig = cpu().invalid_instruction_signal(uc, p.regs.resume_pc);
    if (how == EngineStop::Unaligned) sig = SIGBUS;
    std::snprintf(buf, sizeof buf, "%s (address 0x%llx, pc 0x%llx)", engine_error_text(e),
                  static_cast<unsigned long long>(fault_addr), static_cast<unsigned long long>(p.regs.resume_pc));
    fault_signal(sig, fault_addr, buf);
    return;
  }
  if (meter_.in_tail() || meter_.quantum_expired() || grace_began) return;  // quantum or budget boundary: just a turn ending
  // Emulation ended without a reason of ours: x86 `hlt` does this. Linux
  // answers a privileged instruction in user mode with SIGSEGV.
  fault_signal(SIGSEGV, p.regs.resume_pc, "privileged instruction");
}

void Kernel::run_loop() {
  while (!end_.stopped) {
    reap_retired();
    if (control_.stop_requested()) {
      stop_as_requested();
      if (end_.stopped) break;
    }
    if (console_.terminal) {
      // Ctrl-C / Ctrl-\ / Ctrl-Z typed at the host terminal go to the
      // guest's foreground process group.
      if (int sig = Terminal::take_host_signal()) {
        SignalInfo info;
        info.signo = sig;
        info.code = 0x80;  // SI_KERNEL
        for (auto& [pid, q] : procs_)
          if (q->ids.pgid == console_.terminal->foreground_pgrp) post_signal(*q, sig, info, /*to_group=*/true);
      }
    }
    fire_timers();
    wake_blocked();
    if (end_.stopped) break;
    Process* p = pick_next();
    if (!p) {
      if (template_.stop_at_ready_point && ready_point_reached()) {
        template_.paused_at_ready = true;  // a template's ready point: the run pauses here
        break;
      }
      idle_wait();
      continue;
    }
    run_slice(*p);
  }
  // A spawn's process ends with its run: parking its engines would only
  // copy pages shared with the template (docs/LIBRARY.md, "Templates").
  if (!template_.spawned) reap_retired();
}

}  // namespace vmrun
