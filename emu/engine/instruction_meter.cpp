#include "emu/engine/instruction_meter.h"

#include <time.h>
#include <unicorn/unicorn.h>

#include "emu/engine/unicorn_private.h"

namespace vmrun {
namespace {

int64_t thread_cpu_ns() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

}  // namespace

bool InstructionMeter::set_timed(bool on) {
  if (installed_any_) return on == timed_;
  if (on && (budget_ || !unicorn_private::enabled())) on = false;
  timed_ = on;
  return true;
}

bool InstructionMeter::continue_timed() {
  if (timed_) return true;
  if (budget_ || tail_hook_seen_ || !unicorn_private::enabled()) return false;
  timed_ = true;
  timed_cpu_ns_ = executed_;  // the run's CPU time goes on from here
  timed_from_ns_ = timed_cpu_ns_;
  return true;
}

uint64_t InstructionMeter::uncharged() const {
  if (!timed_) return executed_ - charged_;
  if (!running_) return 0;
  int64_t d = thread_cpu_ns() - turn_cpu_start_;
  return d > 0 ? static_cast<uint64_t>(d) : 0;
}

uint64_t InstructionMeter::charge_turn() {
  if (timed_) {
    int64_t now = thread_cpu_ns();
    int64_t d = now - turn_cpu_start_;
    turn_cpu_start_ = now;
    uint64_t n = d > 0 ? static_cast<uint64_t>(d) : 0;
    timed_cpu_ns_ += n;
    return n;
  }
  uint64_t n = executed_ - charged_;
  charged_ = executed_;
  return n;
}

void InstructionMeter::tick() {
  std::lock_guard<std::mutex> hold(turn_lock_);
  tick_turn();
}

void InstructionMeter::tick_in_signal() {
  if (turn_updating_.load(std::memory_order_relaxed)) return;
  std::atomic_signal_fence(std::memory_order_acquire);
  tick_turn();
}

void InstructionMeter::tick_turn() {
  if (!timed_engine_) {
    tick_seen_seq_ = ~0ull;
    return;
  }
  // A turn seen at the previous tick too has run for at least a tick; a
  // raised stop flag ends any turn. uc_emu_stop lands at the next block
  // start (or after the hook the engine is in); a stop that comes too
  // early for Unicorn to see is lost, and the next tick sends another.
  // It only sets flags, so a signal handler may call it as well.
  if (turn_seq_ == tick_seen_seq_ || stop_now_->load(std::memory_order_relaxed)) {
    timer_stopped_ = true;
    uc_emu_stop(timed_engine_);
  }
  tick_seen_seq_ = turn_seq_;
}

template <typename Change>
void InstructionMeter::change_turn(Change change) {
  std::lock_guard<std::mutex> hold(turn_lock_);  // against the watchdog thread
  turn_updating_.store(true, std::memory_order_relaxed);  // against a timer signal on this thread
  std::atomic_signal_fence(std::memory_order_seq_cst);
  change();
  std::atomic_signal_fence(std::memory_order_seq_cst);
  turn_updating_.store(false, std::memory_order_relaxed);
}

bool InstructionMeter::install(uc_struct* uc, std::vector<size_t>* handles) {
  installed_any_ = true;
  if (timed_) {
    // The timer's stop must never leave a block in its middle: only
    // engines whose per-access exit checks are off run without the hook.
    if (unicorn_private::set_exit_checks(uc, false)) return true;
    return false;
  }
  uc_hook h;
  if (uc_hook_add(uc, &h, UC_HOOK_BLOCK, reinterpret_cast<void*>(&block_hook), this, 1, 0) != UC_ERR_OK) return false;
  handles->push_back(h);
  if (uc_hook_add(uc, &h, UC_HOOK_EDGE_GENERATED, reinterpret_cast<void*>(&translation_hook), this, 1, 0) != UC_ERR_OK)
    return false;
  handles->push_back(h);
  return true;
}

int InstructionMeter::run_turn(uc_struct* uc, BlockCountCache* counts, bool* tail_hook_installed, uint64_t pc,
                               uint64_t quantum, bool yield_first) {
  slice_left_ = quantum;
  quantum_expired_ = yield_first;
  stopped_before_block_ = ~0ull;
  if (tail_mode_ && !*tail_hook_installed) {
    // Code hooks only reach blocks translated after they exist, and a
    // stop from one must land before the next instruction: the blocks
    // translated from now on check for it after each hook call.
    unicorn_private::set_exit_checks(uc, true);
    uc_ctl_flush_tb(uc);
    uc_hook h;
    uc_hook_add(uc, &h, UC_HOOK_CODE, reinterpret_cast<void*>(&code_hook), this, 1, 0);
    *tail_hook_installed = true;
  }
  if (*tail_hook_installed) tail_hook_seen_ = true;
  running_ = uc;
  counts_ = counts;
  charged_ = executed_;
  if (timed_) {
    change_turn([&] {
      timed_engine_ = uc;
      ++turn_seq_;
      timer_stopped_ = false;
    });
    turn_cpu_start_ = thread_cpu_ns();
    uc_err e = uc_emu_start(uc, pc, 0, 0, 0);
    change_turn([&] {
      timed_engine_ = nullptr;
      // The watchdog ended the turn (or tried to): a turn ending, like a
      // used-up quantum. The PC is the start of the next block.
      if (timer_stopped_) quantum_expired_ = true;
    });
    running_ = nullptr;
    return e;
  }
  uc_err e = uc_emu_start(uc, pc, 0, 0, 0);
  running_ = nullptr;
  return e;
}

void InstructionMeter::stop() {
  if (running_) uc_emu_stop(running_);
}

void InstructionMeter::block_hook(uc_struct* uc, uint64_t address, uint32_t size, void* self) {
  auto* m = static_cast<InstructionMeter*>(self);
  if (m->timed_) return;  // continue_timed(): the watchdog ends turns
  if (m->stop_now_->load(std::memory_order_relaxed)) {
    uc_emu_stop(uc);
    return;
  }
  if (m->tail_mode_) return;
  uint64_t key = BlockCountCache::key(address, size);
  BlockCountCache::Slot& slot = m->counts_->at(address);
  if (slot.key != key) {
    // A collision, or a block translated without translation_hook: ask
    // Unicorn once.
    uc_tb tb{};
    slot.icount = uc_ctl_request_cache(uc, address, &tb) == UC_ERR_OK && tb.icount ? tb.icount : 1;
    slot.key = key;
  }
  uint32_t n = slot.icount;
  if (m->budget_ && m->executed_ + n > m->budget_) {
    // Stop before this block runs; the rest of the budget is spent one
    // instruction at a time (code_hook).
    m->tail_mode_ = true;
    m->stopped_before_block_ = address;
    uc_emu_stop(uc);
    return;
  }
  if (m->slice_left_ < n) {
    // The quantum is used up: yield before this block (PC = its start).
    m->quantum_expired_ = true;
    m->stopped_before_block_ = address;
    uc_emu_stop(uc);
    return;
  }
  m->slice_left_ -= n;
  m->executed_ += n;
}

// Run once per newly translated block (when Unicorn has a previous block,
// uc->last_tb): records the block's instruction count for block_hook, which
// would otherwise ask Unicorn (uc_ctl_request_cache, a hash lookup) on
// first sight. (Up to 2.1.2 this hook also gave every engine one flush
// before its translation buffer first filled, Unicorn's first-fill crash;
// 2.1.3 fixed it, docs/UNICORN.md.)
void InstructionMeter::translation_hook(uc_struct* uc, uc_tb* cur, uc_tb* prev, void* self) {
  (void)prev;
  auto* m = static_cast<InstructionMeter*>(self);
  m->translated_++;
  if (m->on_translate_) m->on_translate_(cur->pc, cur->size);
  if (!m->counts_ || m->running_ != uc) return;
  BlockCountCache::Slot& slot = m->counts_->at(cur->pc);
  slot.key = BlockCountCache::key(cur->pc, cur->size);
  slot.icount = cur->icount ? cur->icount : 1;
}

void InstructionMeter::code_hook(uc_struct* uc, uint64_t address, uint32_t size, void* self) {
  (void)size;
  auto* m = static_cast<InstructionMeter*>(self);
  if (!m->tail_mode_) return;
  if (m->executed_ >= m->budget_ || m->stop_now_->load(std::memory_order_relaxed)) {
    m->budget_exhausted_ = m->executed_ >= m->budget_;
    m->stopped_before_block_ = address;
    uc_emu_stop(uc);
    return;
  }
  m->executed_++;
}

}  // namespace vmrun
