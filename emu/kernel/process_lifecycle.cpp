// Creating, replacing and ending guest processes: fork/vfork/clone, execve,
// exit, wait. Orphans are reparented to pid 1; when pid 1 ends, the run
// ends with its status, as in a container.
#include <sys/wait.h>

#include <climits>
#include <csignal>
#include <cstring>

#include "emu/kernel/kernel.h"
#include "emu/files/pty.h"

#include "emu/engine/cpu_context.h"

namespace vmrun {
namespace {

constexpr uint64_t kCloneVm = 0x100, kCloneFs = 0x200, kCloneFiles = 0x400, kCloneSighand = 0x800, kCloneVfork = 0x4000,
                   kCloneThread = 0x10000, kCloneSettls = 0x80000, kCloneNewUts = 0x04000000;


}  // namespace

void Kernel::install_image(Process& p, std::shared_ptr<ProcessImage> image) {
  drop_image(p);
  p.image = std::move(image);
  p.uc = p.image->uc;
  p.mem = p.image->mem.get();
}

void Kernel::drop_image(Process& p) {
  if (!p.image) return;
  if (p.image->loaded == &p) p.image->loaded = nullptr;
  // The engine may be running this very hook: it is closed once emulation
  // has returned (reap_retired), if no other task still uses it.
  engines_.release(std::move(p.image));
  p.uc = nullptr;
  p.mem = nullptr;
  p.regs.saved.reset();
}

void Kernel::complete_syscall(Process& p, uint64_t value) {
  if (p.image && p.image->loaded == &p) {
    cpu().write_syscall_result(p.uc, value);
    return;
  }
  p.regs.result = value;
}

bool Kernel::switch_in(Process& p) {
  ProcessImage& img = *p.image;
  if (img.loaded == &p) return true;
  if (img.loaded) {
    Process& out = *img.loaded;
    if (!out.regs.saved.save(img.uc)) return false;
  }
  if (!p.regs.saved.restore(img.uc)) return false;
  img.loaded = &p;
  return true;
}

Result<int> Kernel::fork_current(uint64_t flags, uint64_t child_stack, uint64_t tls) {
  Process& parent = *current_;
  bool thread = flags & kCloneThread;
  bool share_vm = flags & kCloneVm;
  if (thread && (!share_vm || !(flags & kCloneSighand))) return Err{EINVAL};
  if ((flags & kCloneNewUts) && config_.uid != 0) return Err{EPERM};
  size_t live = 0;
  for (auto& [pid, p] : procs_)
    if (p->state != ProcState::Zombie) live++;
  if (live >= config_.limits.max_processes) return Err{EAGAIN};

  int pid = procs_.next_id();
  auto child = std::make_unique<Process>(pid, parent.fds->limit());
  Process& c = *child;
  c.ids.tgid = thread ? parent.ids.tgid : pid;
  c.ids.ppid = thread ? parent.ids.ppid : parent.ids.tgid;
  c.ids.pgid = parent.ids.pgid;
  c.ids.sid = parent.ids.sid;
  c.fds = (flags & kCloneFiles) ? parent.fds : std::make_shared<FdTable>(*parent.fds);
  c.fs = (flags & kCloneFs) ? parent.fs : std::make_shared<Process::FsContext>(*parent.fs);
  c.creds.nice = parent.creds.nice;
  c.creds.groups = parent.creds.groups;
  c.exe = parent.exe;
  c.argv = parent.argv;
  c.name = parent.name;
  c.signals.actions_table = (flags & kCloneSighand) ? parent.signals.actions_table
                                                    : std::make_shared<SignalState::Actions>(parent.signals.actions());
  c.signals.mask = parent.signals.mask;
  if (thread) c.signals.shared = parent.signals.shared;
  if (thread) c.group_times = parent.group_times;
  if (thread) c.posix_timers = parent.posix_timers;
  c.rlimits = thread ? parent.rlimits : std::make_shared<ResourceLimits>(*parent.rlimits);
  c.uts = (flags & kCloneNewUts) ? parent.uts->copy() : parent.uts;
  c.signals.altstack = thread ? AltStack{} : parent.signals.altstack;
  c.regs.resume_pc = parent.regs.resume_pc;  // just past the syscall instruction

  if (share_vm) {
    // Threads and vfork children run on the parent's engine and memory;
    // each keeps its registers in a saved context while another runs.
    // The child's registers are a copy of the parent's, changed in the
    // copy: the parent is the one running this hook, and its turn goes on
    // (a PC written into the running engine would break that turn's end,
    // GuestCpu::set_pc).
    uc_struct* uc = parent.uc;
    if (!c.regs.saved.save(uc)) return Err{ENOMEM};
    if (!cpu().set_thread_start(c.regs.saved, parent.regs.resume_pc, child_stack ? &child_stack : nullptr,
                                (flags & kCloneSettls) ? &tls : nullptr))
      return Err{ENOMEM};
    c.image = parent.image;
    complete_syscall(c, 0);  // the child's fork returns 0
    c.uc = parent.uc;
    c.mem = parent.mem;
    if (flags & kCloneVfork) {
      c.vfork_parent = parent.pid();
      parent.state = ProcState::Blocked;
      parent.call.active = false;
      Process* pp = &parent;
      parent.call.wait.ready = [this, pid] {
        Process* child_now = find_process(pid);
        return !child_now || child_now->vfork_parent == 0;
      };
      parent.call.wait.on_wake = [this, pp, pid] {
        complete_syscall(*pp, static_cast<uint64_t>(pid));
      };
      yield_requested_ = true;
      stop_cpu();
    }
  } else {
    // A warm engine that ran the parent's program already has its code
    // translated (emu/engine/engine_pool.h); otherwise a new engine. On failure
    // the image, and its engine, just go.
    std::string engine_error;
    std::shared_ptr<ProcessImage> image = engines_.for_fork(parent.image->code_tag, &engine_error);
    if (!image) return Err{EAGAIN};
    uc_struct* uc = image->uc;
    if (!image->mem->copy_from(*parent.mem).ok()) return Err{ENOMEM};
    image->mem->drop_parked();
    if (!copy_cpu(parent.uc, uc)) return Err{EAGAIN};
    if (!engines_.ensure_hooks(*image)) return Err{EAGAIN};
    image->code_tag = parent.image->code_tag;
    image->brk_start = parent.image->brk_start;
    image->brk_current = parent.image->brk_current;
    image->brk_mapped_end = parent.image->brk_mapped_end;
    image->mmap_top = parent.image->mmap_top;
    image->at_random = parent.image->at_random;
    image->loaded = &c;
    install_image(c, std::move(image));
    complete_syscall(c, 0);
    if (child_stack) cpu().set_stack_pointer(uc, child_stack);
    if (flags & kCloneSettls) cpu().set_tls(uc, tls);
  }
  procs_.add(std::move(child));
  return pid;
}

Result<void> Kernel::exec(const std::string& path, std::vector<std::string> argv, std::vector<std::string> envp) {
  Process& p = *current_;
  ExecError err;
  if (!load_program(p, path, std::move(argv), std::move(envp), &err)) return Err{err.err_no};
  // The new image is in place (the old engine retires once emulation
  // returns). Other threads of the process end; close-on-exec descriptors
  // go; caught signals reset.
  for (auto& [tid, t] : procs_)
    if (t.get() != &p && t->ids.tgid == p.ids.tgid && t->state != ProcState::Zombie) end_thread(*t);
  if (p.ids.tgid != p.pid()) {
    // A thread that execs takes over the thread group's identity.
    p.ids.tgid = p.pid();
  }
  p.fds->close_on_exec();
  p.posix_timers = std::make_shared<PosixTimers>();  // exec deletes the process's timers
  p.signals.actions_table = std::make_shared<SignalState::Actions>(p.signals.actions());
  for (auto& a : p.signals.actions())
    if (a.handler > 1) a = SigAction{};
  p.signals.altstack = AltStack{};
  p.vfork_parent = 0;  // a vfork parent resumes now
  p.did_exec = true;
  p.call.active = false;
  yield_requested_ = true;
  stop_cpu();
  return Ok();
}

void Kernel::exit_current(int wait_status) { terminate(*current_, wait_status); }

void Kernel::end_thread(Process& t) {
  // A thread ends: CLONE_CHILD_CLEARTID is honoured (pthread_join waits on
  // it), then the task disappears without a zombie.
  if (t.clear_child_tid && t.mem) {
    uint32_t zero = 0;
    if (t.mem->write({t.clear_child_tid}, zero).ok())
      futex_wake(t.image.get(), t.mem->host_key(t.clear_child_tid), 1, ~0u);
  }
  t.vfork_parent = 0;
  drop_image(t);
  // Its reference to the (shared) descriptor table goes too: a pipe the
  // group held must reach EOF for its readers when the group ends, even
  // while this task's record lingers (it may still be `current_`).
  if (t.fds) t.fds = std::make_shared<FdTable>(t.fds->limit());
  t.state = ProcState::Zombie;
  // Its thread pidfds become readable; a leader's only with its group
  // (Linux delays a group leader's exit until then).
  if (t.pid() != t.ids.tgid) t.life->task_ended = t.life->released = true;
  t.report.autoreap = true;
  t.call.active = false;
  t.call.wait = Wait{};
  if (&t == current_) {
    yield_requested_ = true;
    stop_cpu();
  }
}

void Kernel::exit_thread(int code) {
  Process& t = *current_;
  bool others = false;
  for (auto& [tid, q] : procs_)
    if (q.get() != &t && q->ids.tgid == t.ids.tgid && q->state != ProcState::Zombie) others = true;
  if (!others) {
    terminate(t, (code & 0xff) << 8);  // the last thread: the process exits
    return;
  }
  if (t.pid() == t.ids.tgid) {
    // The leader leaves first: Linux keeps it as a zombie until the group
    // ends; here it stays a silent task so pid, waits and ids keep working.
    t.clear_child_tid = t.clear_child_tid;
  }
  end_thread(t);
}

void Kernel::terminate(Process& p, int wait_status) {
  if (p.state == ProcState::Zombie) return;
  // The whole thread group goes (exit_group, fatal signals, the exit of its
  // last thread). Its status is reported through the group leader, the
  // task whose pid is the tgid (wait4 and init's end of the run look only
  // at leaders), even when the leader left early with exit(2) and stayed
  // as a silent zombie (reap_retired keeps it while the group lives).
  Process* leader = find_process(p.ids.tgid);
  Process& q = leader ? *leader : p;
  for (auto& [tid, t] : procs_)
    if (t.get() != &p && t.get() != &q && t->ids.tgid == p.ids.tgid && t->state != ProcState::Zombie) end_thread(*t);
  if (&q != &p) end_thread(p);
  q.report.autoreap = false;  // set again below if the parent ignores SIGCHLD
  q.vfork_parent = 0;
  q.fds = std::make_shared<FdTable>(q.fds->limit());  // closes pipes: readers see EOF
  // A session leader's end takes the session's controlling pseudo-terminal
  // away: its foreground group gets SIGHUP (Linux's disassociate_ctty).
  if (q.ids.tgid == q.ids.sid && objects_.ptys) objects_.ptys->session_ended(q.ids.sid);
  drop_image(q);
  q.state = ProcState::Zombie;
  q.life->ended = true;  // its pidfds become readable
  q.life->task_ended = true;
  q.posix_timers = std::make_shared<PosixTimers>();  // its timers go with it
  q.report.wait_status = wait_status;
  q.call.active = false;
  q.call.wait = Wait{};
  q.signals.pending = 0;
  q.signals.shared->set = 0;
  for (auto& [pid, c] : procs_)
    if (c->ids.ppid == q.ids.tgid && c->ids.tgid == c->pid()) c->ids.ppid = 1;
  if (&q == current_ || &p == current_) {
    yield_requested_ = true;
    stop_cpu();
  }
  if (q.pid() == 1) {
    // The first program is init: when it ends, the run ends.
    if (WIFEXITED(wait_status)) {
      stop_run(StopReason::Exited, "");
      end_.result.exit_code = WEXITSTATUS(wait_status);
    } else {
      int sig = WTERMSIG(wait_status);
      stop_run(StopReason::Signaled, faults_.init_message.empty() ? std::string(strsignal(sig)) : faults_.init_message);
      end_.result.signal = sig;
    }
    return;
  }
  Process* parent = find_process(q.ids.ppid);
  if (!parent) return;
  const SigAction& act = parent->signals.actions()[SIGCHLD];
  constexpr uint64_t kSaNoCldWait = 2;
  if (act.handler == 1 /* SIG_IGN */ || (act.flags & kSaNoCldWait)) q.report.autoreap = true;
  SignalInfo info;
  info.signo = SIGCHLD;
  info.pid = q.pid();
  info.uid = config_.uid;
  if (WIFEXITED(wait_status)) {
    info.code = 1;  // CLD_EXITED
    info.status = WEXITSTATUS(wait_status);
  } else {
    info.code = WCOREDUMP(wait_status) ? 3 : 2;  // CLD_DUMPED, CLD_KILLED
    info.status = WTERMSIG(wait_status);
  }
  post_signal(*parent, SIGCHLD, info, /*to_group=*/true);
}

Outcome<Reaped> Kernel::wait_child(int pid, int options) {
  if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | WNOWAIT | __WALL | __WCLONE | __WNOTHREAD | WEXITED))
    return Err{EINVAL};
  // Linux: -INT_MIN names no process group (kernel_wait4).
  if (pid == INT_MIN) return Err{ESRCH};
  Process& self = *current_;
  // A group leader that left early with exit(2) while other threads of its
  // group run is a silent zombie: the child exists, but has nothing to
  // report until its whole group ends (terminate makes it reportable).
  auto silent = [this](const Process& c) {
    if (c.state != ProcState::Zombie || !c.report.autoreap || c.pid() != c.ids.tgid) return false;
    for (auto& [tid, t] : procs_)
      if (t->ids.tgid == c.ids.tgid && t->state != ProcState::Zombie) return true;
    return false;
  };
  auto matches = [&](const Process& c) {
    if (c.ids.ppid != self.ids.tgid || (c.report.autoreap && !silent(c)) || c.ids.tgid != c.pid()) return false;
    if (pid > 0) return c.pid() == pid;
    if (pid == 0) return c.ids.pgid == self.ids.pgid;
    if (pid < -1) return c.ids.pgid == -pid;
    return true;
  };
  bool any = false;
  for (auto it = procs_.begin(); it != procs_.end(); ++it) {
    Process& c = *it->second;
    if (&c == &self || !matches(c)) continue;
    any = true;
    if (c.state == ProcState::Zombie && !silent(c)) {
      Reaped r{c.pid(), c.report.wait_status, c.group_times->cpu_ns + c.group_times->children_cpu_ns};
      if (!(options & WNOWAIT)) {
        // As on Linux, a child's times join its parent's children times
        // when it is waited for.
        self.group_times->children_cpu_ns += r.cpu_ns;
        procs_.erase(it);
      }
      return r;
    }
    if ((options & WUNTRACED) && c.state == ProcState::Stopped && !c.report.stop_reported) {
      c.report.stop_reported = true;
      return Reaped{c.pid(), (c.report.stop_signal << 8) | 0x7f};
    }
  }
  if (!any) return Err{ECHILD};
  if (options & WNOHANG) return Reaped{0, 0};
  int self_pid = self.pid(), self_tgid = self.ids.tgid;
  return Blocked{wait_until([this, silent, self_pid, self_tgid, pid, options] {
    Process* me = find_process(self_pid);
    if (!me) return true;
    bool any = false;
    for (auto& [cpid, c] : procs_) {
      if (c->ids.ppid != self_tgid || (c->report.autoreap && !silent(*c)) || c->ids.tgid != cpid) continue;
      bool m = pid > 0 ? cpid == pid : pid == 0 ? c->ids.pgid == me->ids.pgid : pid < -1 ? c->ids.pgid == -pid : true;
      if (!m) continue;
      any = true;
      if (c->state == ProcState::Zombie && !silent(*c)) return true;
      if ((options & WUNTRACED) && c->state == ProcState::Stopped && !c->report.stop_reported) return true;
    }
    return !any;  // nothing left to wait for: the re-run answers ECHILD
  })};
}

}  // namespace vmrun
