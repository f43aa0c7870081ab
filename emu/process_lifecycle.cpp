// Creating, replacing and ending guest processes: fork/vfork/clone, execve,
// exit, wait. Orphans are reparented to pid 1; when pid 1 ends, the run
// ends with its status, as in a container.
#include <sys/wait.h>
#include <unicorn/unicorn.h>

#include <csignal>
#include <cstring>

#include "emu/kernel.h"

namespace vmrun {
namespace {

constexpr uint64_t kCloneVm = 0x100, kCloneFiles = 0x400, kCloneVfork = 0x4000, kCloneThread = 0x10000,
                   kCloneSettls = 0x80000, kCloneChildCleartid = 0x200000;

// Copy the CPU registers of one engine into another of the same kind.
bool copy_registers(uc_struct* from, uc_struct* to) {
  uc_context* ctx = nullptr;
  if (uc_context_alloc(from, &ctx) != UC_ERR_OK) return false;
  bool ok = uc_context_save(from, ctx) == UC_ERR_OK && uc_context_restore(to, ctx) == UC_ERR_OK;
  uc_context_free(ctx);
  return ok;
}

}  // namespace

Result<int> Kernel::fork_current(uint64_t flags, uint64_t child_stack, uint64_t tls) {
  Process& parent = *current_;
  if (flags & kCloneThread) return Err{EINVAL};  // threads arrive with the Python issue
  bool vfork = (flags & kCloneVm) && (flags & kCloneVfork);
  if ((flags & kCloneVm) && !vfork) return Err{EINVAL};
  size_t live = 0;
  for (auto& [pid, p] : procs_)
    if (p->state != ProcState::Zombie) live++;
  if (live >= config_.limits.max_processes) return Err{EAGAIN};

  int pid = next_pid_;
  auto child = std::make_unique<Process>(pid, parent.fds->limit());
  Process& c = *child;
  c.ppid = parent.pid();
  c.pgid = parent.pgid;
  c.sid = parent.sid;
  c.fds = (flags & kCloneFiles) ? parent.fds : std::make_shared<FdTable>(*parent.fds);
  c.cwd_path = parent.cwd_path;
  c.umask = parent.umask;
  c.exe = parent.exe;
  c.argv = parent.argv;
  c.name = parent.name;
  c.brk_start = parent.brk_start;
  c.brk_current = parent.brk_current;
  c.brk_mapped_end = parent.brk_mapped_end;
  c.mmap_top = parent.mmap_top;
  c.signals.actions = parent.signals.actions;
  c.signals.mask = parent.signals.mask;
  c.signals.altstack = parent.signals.altstack;
  c.resume_pc = parent.resume_pc;  // just past the syscall instruction
  if (flags & kCloneChildCleartid) c.clear_child_tid = 0;

  if (vfork) {
    // The child runs on the parent's engine and memory while the parent is
    // suspended (as Linux's vfork shares the address space); the parent's
    // registers are saved and restored when the child execs or exits.
    uc_context* ctx = nullptr;
    if (uc_context_alloc(parent.uc, &ctx) != UC_ERR_OK || uc_context_save(parent.uc, ctx) != UC_ERR_OK) {
      if (ctx) uc_context_free(ctx);
      return Err{ENOMEM};
    }
    if (parent.vfork_saved_context) uc_context_free(parent.vfork_saved_context);
    parent.vfork_saved_context = ctx;
    c.borrow_image(parent);
    c.vfork_parent = parent.pid();
    cpu_->write_syscall_result(parent.uc, 0);
    if (child_stack) cpu_->set_stack_pointer(parent.uc, child_stack);
    if (flags & kCloneSettls) cpu_->set_tls(parent.uc, tls);
    Process* pp = &parent;
    parent.state = ProcState::Blocked;
    parent.in_syscall = false;
    parent.wait.ready = [this, pid] {
      Process* child_now = find_process(pid);
      return !child_now || child_now->vfork_parent == 0;
    };
    parent.wait.on_wake = [this, pp, pid] {
      uc_context_restore(pp->uc, pp->vfork_saved_context);
      uc_context_free(pp->vfork_saved_context);
      pp->vfork_saved_context = nullptr;
      cpu_->write_syscall_result(pp->uc, static_cast<uint64_t>(pid));
    };
    yield_requested_ = true;
    stop_cpu();
  } else {
    std::string err;
    uc_struct* uc = cpu_->open_engine(&err);
    if (!uc) return Err{EAGAIN};
    auto mem = std::make_unique<AddressSpace>(uc, &memory_, cpu_->layout().user_top);
    if (!mem->copy_from(*parent.mem).ok()) {
      mem.reset();
      uc_close(uc);
      return Err{ENOMEM};
    }
    if (!copy_registers(parent.uc, uc) || !install_engine_hooks(uc)) {
      mem.reset();
      uc_close(uc);
      return Err{EAGAIN};
    }
    c.adopt_image(uc, std::move(mem));
    cpu_->write_syscall_result(uc, 0);
    if (child_stack) cpu_->set_stack_pointer(uc, child_stack);
    if (flags & kCloneSettls) cpu_->set_tls(uc, tls);
  }
  next_pid_++;
  procs_[pid] = std::move(child);
  return pid;
}

Result<void> Kernel::exec(const std::string& path, std::vector<std::string> argv, std::vector<std::string> envp) {
  Process& p = *current_;
  ExecError err;
  if (!load_program(p, path, std::move(argv), std::move(envp), &err)) return Err{err.err_no};
  // The new image is in place (the old engine retires once emulation
  // returns). Close-on-exec descriptors go; caught signals reset.
  p.fds->close_on_exec();
  for (auto& a : p.signals.actions)
    if (a.handler > 1) a = SigAction{};
  p.signals.altstack = AltStack{};
  p.vfork_parent = 0;  // a vfork parent resumes now
  p.in_syscall = false;
  yield_requested_ = true;
  stop_cpu();
  return Ok();
}

void Kernel::exit_current(int wait_status) { terminate(*current_, wait_status); }

void Kernel::terminate(Process& p, int wait_status) {
  if (p.state == ProcState::Zombie) return;
  p.vfork_parent = 0;
  p.fds = std::make_shared<FdTable>(p.fds->limit());  // closes pipes: readers see EOF
  p.release_image();
  p.state = ProcState::Zombie;
  p.wait_status = wait_status;
  p.in_syscall = false;
  p.wait = Wait{};
  p.signals.pending = 0;
  for (auto& [pid, c] : procs_)
    if (c->ppid == p.pid()) c->ppid = 1;
  if (&p == current_) {
    yield_requested_ = true;
    stop_cpu();
  }
  if (p.pid() == 1) {
    // The first program is init: when it ends, the run ends.
    if (WIFEXITED(wait_status)) {
      stop_run(StopReason::Exited, "");
      result_.exit_code = WEXITSTATUS(wait_status);
    } else {
      int sig = WTERMSIG(wait_status);
      stop_run(StopReason::Signaled, last_fault_message_.empty() ? std::string(strsignal(sig)) : last_fault_message_);
      result_.signal = sig;
    }
    return;
  }
  Process* parent = find_process(p.ppid);
  if (!parent) return;
  const SigAction& act = parent->signals.actions[SIGCHLD];
  constexpr uint64_t kSaNoCldWait = 2;
  if (act.handler == 1 /* SIG_IGN */ || (act.flags & kSaNoCldWait)) p.autoreap = true;
  SignalInfo info;
  info.signo = SIGCHLD;
  info.pid = p.pid();
  info.uid = config_.uid;
  if (WIFEXITED(wait_status)) {
    info.code = 1;  // CLD_EXITED
    info.status = WEXITSTATUS(wait_status);
  } else {
    info.code = WCOREDUMP(wait_status) ? 3 : 2;  // CLD_DUMPED, CLD_KILLED
    info.status = WTERMSIG(wait_status);
  }
  post_signal(*parent, SIGCHLD, info);
}

Result<Kernel::Reaped> Kernel::wait_child(int pid, int options) {
  if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | WNOWAIT | __WALL | __WCLONE | __WNOTHREAD | WEXITED))
    return Err{EINVAL};
  Process& self = *current_;
  auto matches = [&](const Process& c) {
    if (c.ppid != self.pid() || c.autoreap) return false;
    if (pid > 0) return c.pid() == pid;
    if (pid == 0) return c.pgid == self.pgid;
    if (pid < -1) return c.pgid == -pid;
    return true;
  };
  bool any = false;
  for (auto it = procs_.begin(); it != procs_.end(); ++it) {
    Process& c = *it->second;
    if (&c == &self || !matches(c)) continue;
    any = true;
    if (c.state == ProcState::Zombie) {
      Reaped r{c.pid(), c.wait_status};
      if (!(options & WNOWAIT)) procs_.erase(it);
      return r;
    }
    if ((options & WUNTRACED) && c.state == ProcState::Stopped && !c.reported_stop) {
      c.reported_stop = true;
      return Reaped{c.pid(), (c.stop_signal << 8) | 0x7f};
    }
  }
  if (!any) return Err{ECHILD};
  if (options & WNOHANG) return Reaped{0, 0};
  int self_pid = self.pid();
  return block(wait_until([this, self_pid, pid, options] {
    Process* me = find_process(self_pid);
    if (!me) return true;
    for (auto& [cpid, c] : procs_) {
      if (c->ppid != self_pid || c->autoreap) continue;
      bool m = pid > 0 ? cpid == pid : pid == 0 ? c->pgid == me->pgid : pid < -1 ? c->pgid == -pid : true;
      if (!m) continue;
      if (c->state == ProcState::Zombie) return true;
      if ((options & WUNTRACED) && c->state == ProcState::Stopped && !c->reported_stop) return true;
    }
    return false;
  }));
}

}  // namespace vmrun
