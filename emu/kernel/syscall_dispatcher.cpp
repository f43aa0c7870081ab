#include "emu/kernel/syscall_dispatcher.h"

#include <spdlog/spdlog.h>

#include <cstring>

#include "emu/kernel/syscall_context.h"

namespace vmrun {

SyscallDispatcher::Outcome SyscallDispatcher::dispatch(const SyscallRegs& regs, bool restarted) {
  restarted_ = restarted;
  if (!restarted) count_++;
  const SyscallTable::Entry* e = table_->lookup(regs.nr);
  uint64_t ret;
  if (!e || !e->def) {
    ret = static_cast<uint64_t>(-ENOSYS);
    // Named once each, but a guest can invent numbers without end: past
    // 64 names (and for numbers beyond the table) they share one entry,
    // so neither the report nor the host's log grows with the guest.
    constexpr size_t kMaxNamed = 64;
    std::string name = e ? e->name : "out_of_range";
    auto& seen = *unimplemented_;
    if (!seen.count(name) && seen.size() >= kMaxNamed) name = "others";
    if (seen[name]++ == 0) {
      if (name == "others")
        spdlog::warn("more unimplemented syscalls (return ENOSYS; not named any more)");
      else
        spdlog::warn("unimplemented syscall {} (returns ENOSYS)", name);
    }
  } else {
    SyscallArgs args(regs.args, &context_.mem());
    SyscallResult r = e->def->handler(context_, args);
    if (r.blocked()) {
      context_.proc().call.wait = std::move(r.wait());
      return {true, 0};
    }
    ret = r.ok() ? r.value() : static_cast<uint64_t>(-static_cast<int64_t>(r.error_code()));
    // A call on a descriptor that would have blocked: the guest has seen
    // the description not ready (what edge-triggered epoll waits for).
    if (!r.ok() && r.error_code() == EAGAIN && e->def->args && e->def->args[0] == 'f') {
      if (auto f = context_.proc().fds->get(args.fd(0))) {
        f->would_block_seen++;
        f->would_block_unready = ~f->poll_ready();
      }
    }
  }
  if (strace_) log(e, regs, ret);
  return {false, ret};
}

void SyscallDispatcher::log(const SyscallTable::Entry* e, const SyscallRegs& regs, uint64_t ret) {
  Process& p = context_.proc();
  std::string name = e ? e->name : "syscall_" + std::to_string(regs.nr);
  std::string call = layer_.format_call(name, e && e->def ? e->def->args : nullptr, regs.args, ret, context_.arch(),
                                         [&p](uint64_t addr) -> std::optional<std::string> {
                                           auto s = p.mem->copy_in_string({addr}, 4096);
                                           if (!s.ok()) return std::nullopt;
                                           return std::move(s.value());
                                         });
  // A logger of its own (vmrun --strace-file) keeps the trace apart from
  // the guest's stderr; otherwise the default logger.
  std::shared_ptr<spdlog::logger> own = spdlog::get("vmrun.strace");
  (own ? own.get() : spdlog::default_logger_raw())->info("[{}] {}", p.pid(), call);
}

}  // namespace vmrun
