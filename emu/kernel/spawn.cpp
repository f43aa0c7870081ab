// Warm templates: a run paused at its ready point, and the per-spawn reset
// that turns a forked copy of it into a run of its own (lib/template.cpp
// does the forking; docs/LIBRARY.md, "Templates", says what a spawn gets).
#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>

#include <cstdlib>
#include <cstring>
#include <set>

#include "emu/kernel/kernel.h"

namespace vmrun {
namespace {

std::string nul_joined(const std::vector<std::string>& items) {
  std::string text;
  for (const std::string& s : items) {
    text += s;
    text += '\0';
  }
  return text;
}

}  // namespace

// Every live task waits in a syscall for the host stdin alone (no timer, no
// signal to deliver), and stdin has nothing to read: from here only input
// can move the guest on, so the whole state can be frozen and copied.
bool Kernel::ready_point_reached() const {
  const int in = console_.stdio.stdin_fd;
  if (in < 0) return false;
  bool any = false;
  for (auto& [pid, p] : procs_) {
    if (p->state == ProcState::Zombie) continue;
    if (p->state != ProcState::Blocked || !p->call.active || p->call.wait.host_fd != in || p->call.wait.deadline_ns >= 0 ||
        p->alarm.deadline_ns >= 0 || (p->posix_timers && p->posix_timers->any_armed()) ||
        (p->signals.all_pending() & ~p->signals.mask))
      return false;
    any = true;
  }
  if (!any) return false;
  pollfd fd{in, POLLIN, 0};
  return poll(&fd, 1, 0) == 0;
}

// Guest MAP_SHARED memory is host MAP_SHARED memory, which a host fork
// shares: give this process its own copy at the same host address (the
// engines' registrations stay valid), so a spawn's writes reach neither
// the template nor other spawns.
void Kernel::unshare_host_memory() {
  std::set<uint8_t*> done;
  std::vector<uint8_t> copy;
  for (auto& [pid, p] : procs_) {
    if (!p->image || !p->image->mem) continue;
    for (auto& [start, v] : p->image->mem->vmas()) {
      if (!v.backing || !done.insert(v.backing.get()).second) continue;
      uint8_t* base = v.backing.get();
      copy.assign(base, base + v.backing_len);
      void* again = mmap(base, v.backing_len, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE,
                         -1, 0);
      if (again == MAP_FAILED) std::abort();  // the spawn must not run on shared memory; the supervisor reports it
      std::memcpy(base, copy.data(), copy.size());
    }
  }
}

// Host memory every spawn writes, copied here (in a standby spawn: before
// its request, off the request's path) rather than one copy-on-write fault
// at a time while the guest runs. The block-count tables: a spawn's block
// hook rewrites the slots whose last block in the template was another one
// (a direct-mapped table, 64 pages per engine; measured: a python print(1)
// spawn wrote 63 of them).
void Kernel::copy_ahead_spawn_writes() {
  std::set<const ProcessImage*> seen;
  for (auto& [pid, p] : procs_) {
    if (!p->image || !seen.insert(p->image.get()).second) continue;
    auto* bytes = reinterpret_cast<volatile uint8_t*>(p->image->block_counts.slots.get());
    const size_t len = BlockCountCache::kSize * sizeof(BlockCountCache::Slot);
    for (size_t off = 0; off < len; off += 4096) bytes[off] = bytes[off];
    bytes[len - 1] = bytes[len - 1];
  }
}

void Kernel::detach_from_template() {
  if (template_.detached) return;
  template_.detached = true;
  unshare_host_memory();
  const char* ahead = getenv("VMRUN_SPAWN_COPY_AHEAD");  // "0": off (for A/B measurements)
  if (!ahead || std::strcmp(ahead, "0") != 0) copy_ahead_spawn_writes();
}

void Kernel::begin_spawn(const SpawnSettings& settings) {
  detach_from_template();
  config_.limits = settings.limits;
  if (config_.deterministic) {
    rng_.seed(settings.seed);
  } else {
    // getrandom(2) itself: the spawn runs under the holder's seccomp
    // filter already, where std::random_device may want to open a file.
    uint64_t seed = 0;
    if (getrandom(&seed, sizeof seed, 0) != sizeof seed) seed = static_cast<uint64_t>(Clock::host_seconds() * 1e9);
    rng_.seed(seed);
  }
  // New AT_RANDOM bytes for whoever reads them from now on (what the C
  // library derived from them at start-up stays the template's).
  std::set<const ProcessImage*> seen;
  for (auto& [pid, p] : procs_) {
    if (!p->image || !p->image->at_random || !seen.insert(p->image.get()).second) continue;
    uint8_t bytes[16];
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng_());
    (void)p->image->mem->fill(p->image->at_random, bytes, sizeof bytes);
  }

  // What the spawn adds to the environment and arguments, for a guest
  // already running: files it reads after its stdin (docs/LIBRARY.md).
  (void)vfs_->mkdir("/", "/run", 0755);
  (void)vfs_->mkdir("/", "/run/vmrun", 0755);
  auto write_file = [&](const char* path, const std::string& text) {
    auto f = vfs_->open("/", path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (f.ok()) (void)f.value()->pwrite(text.data(), text.size(), 0);
  };
  write_file(kSpawnEnvPath, nul_joined(settings.env));
  write_file(kSpawnArgsPath, nul_joined(settings.args));
  vfs_->begin_spawn(settings.limits.max_disk, rng_());

  console_.output = OutputBudget{};
  console_.output.limit = settings.limits.max_output;
  memory_.limit = settings.limits.max_memory;
  memory_.peak = memory_.used;
  meter_.rebase(settings.limits.max_instructions);
  // A spawn without a budget, of a template that is not deterministic,
  // needs no exact count: the template's block hooks stay (removing one
  // would throw away every block translated with it) but return at once,
  // and the watchdog ends turns, as in a run without a budget.
  if (timed_turns_allowed() && !config_.deterministic && !settings.limits.max_instructions)
    (void)meter_.continue_timed();
  template_.syscalls_base = dispatcher_.count();
  template_.minor_faults_base = host_minor_faults();
  translation_log_.clear();

  Arch arch = end_.result.arch.value_or(Arch::X86_64);
  std::string program = end_.result.program;
  std::vector<std::string> argv = end_.result.argv;
  end_.result.unimplemented_syscalls.clear();  // the dispatcher holds this map: keep it, empty
  end_.result.stop_reason = StopReason::SandboxError;
  end_.result.message.clear();
  end_.result.exit_code = end_.result.signal = 0;
  end_.result.arch = arch;
  end_.result.program = program;
  end_.result.argv = argv;
  end_.result.limits = settings.limits;
  timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  end_.result.started_at = now.tv_sec + now.tv_nsec * 1e-9;

  end_.stopped = false;
  template_.spawned = true;
  template_.paused_at_ready = false;
  template_.stop_at_ready_point = false;
  template_.run_started = Clock::host_seconds();
  double t = settings.limits.effective_timeout();
  control_.rearm(t > 0 ? template_.run_started + t : 0, settings.limits.kill_after_seconds);
}

RunResult Kernel::resume(int cancel_fd) {
  run_with_watchdog(cancel_fd);
  return finish_result();
}

}  // namespace vmrun
