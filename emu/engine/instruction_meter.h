// Exact guest instruction counting, the instruction budget and the
// scheduler's quantum, by Unicorn hooks (docs/UNICORN.md, "Counting").
//
// A block hook adds each block's instruction count before the block runs,
// and stops the engine before a block that would overrun the quantum or
// the budget. The rest of a budget is then spent one instruction at a time
// (a code hook, "tail mode"), so a run stops exactly at its limit. A
// translation hook records each new block's count, so the block hook
// almost never has to ask Unicorn.
//
// One meter per run: the engines of all guest processes count into it.
//
// Timed mode (no counting, docs/UNICORN.md "Turns without a counting
// hook"): when nothing needs exact counts (no budget, no virtual time) and
// Unicorn's per-access exit checks are off, the meter installs no hook at
// all. A turn then ends when the run's watchdog thread calls tick() and
// finds the same turn still running one tick later (uc_emu_stop from that
// thread, which lands at a block start); a task's CPU time is the host
// thread's CPU time during its turns. executed() stays 0: the run reports
// its instruction count as absent.
#pragma once

#include <atomic>
#include <functional>
#include <cstdint>
#include <mutex>
#include <vector>

#include "emu/engine/block_counts.h"

struct uc_struct;
struct uc_tb;

namespace vmrun {

class InstructionMeter {
 public:
  // `budget` 0: unlimited. `stop_now`, when raised (by another thread or a
  // signal handler), stops the running engine before its next block.
  InstructionMeter(uint64_t budget, const std::atomic<bool>* stop_now) : budget_(budget), stop_now_(stop_now) {}

  // The block and translation hooks, once per new engine (none in timed
  // mode); their handles are appended to `handles`.
  bool install(uc_struct* uc, std::vector<size_t>* handles);

  // Timed mode on or off; only before the first install(). Turning it on
  // is refused (false) when exact counts are needed (a budget) or private
  // state is off (exit checks would stay in every block, and a stop from
  // another thread could then leave a block in its middle).
  bool set_timed(bool on);
  bool timed() const { return timed_; }
  // Timed mode from now on, for engines whose hooks are installed already
  // (a template's spawn without a budget): the block hook then returns at
  // once. Refused (false) with a budget, with private state off, or once
  // any engine has run in tail mode (its exit checks are back on).
  bool continue_timed();
  // Timed mode with hooks still installed (continue_timed): once the run
  // has used this much CPU time, the hooks' empty calls (an empty block
  // hook costs ~25 % of CPU-bound guest code) outweigh translating again
  // what the engine ran since (uc_hook_del invalidates every block the
  // hook was compiled into), and the scheduler removes them.
  static constexpr uint64_t kDropHooksAfterNs = 200'000'000;
  bool hooks_worth_dropping() const { return timed_ && timed_cpu_ns_ - timed_from_ns_ >= kDropHooksAfterNs; }
  // Timed mode: from the watchdog thread, every kTickMs. Stops the running
  // turn if it was already running at the previous tick, or at once when
  // the stop flag is up.
  void tick();
  // The same from a signal handler on the thread that runs the turns: no
  // lock (the turn's start and end raise `turn_updating_` instead, and a
  // tick that lands then is skipped; the next one acts).
  void tick_in_signal();
  static constexpr int kTickMs = 2;

  // One turn of a task: run `uc` from `pc` until something stops it, for
  // at most `quantum` instructions. `counts` is the engine's block-count
  // table, `tail_hook_installed` its tail-mode flag. `yield_first`: end
  // the turn before the first block (a host signal is waiting).
  // Returns Unicorn's uc_err.
  int run_turn(uc_struct* uc, BlockCountCache* counts, bool* tail_hook_installed, uint64_t pc, uint64_t quantum,
               bool yield_first);
  // Stop the engine of the running turn (from a hook or a syscall), if any.
  void stop();
  bool in_turn() const { return running_ != nullptr; }

  // Instructions counted so far (always 0 in timed mode).
  uint64_t executed() const { return executed_; }
  // Host nanoseconds of guest CPU time charged so far (timed mode only).
  uint64_t timed_cpu_ns() const { return timed_cpu_ns_; }
  // The run's CPU time so far as the tasks are charged it: one nanosecond
  // per instruction when counting, host CPU time in timed mode.
  uint64_t cpu_ns_total() const { return timed_ ? timed_cpu_ns_ : executed_; }
  const uint64_t* executed_counter() const { return &executed_; }
  // The budget, counted from the last rebase (the run's start).
  uint64_t budget() const { return budget_ ? budget_ - base_ : 0; }
  uint64_t since_base() const { return executed_ - base_; }
  // A new run continues from here (a template's spawn): the run's count
  // and its budget start now, while executed() (virtual time's source)
  // goes on.
  void rebase(uint64_t budget) {
    base_ = executed_;
    translated_base_ = translated_;
    budget_ = budget ? executed_ + budget : 0;
    budget_exhausted_ = false;
    tail_mode_ = false;
  }
  // Instructions of the current (or just ended) turn not yet charged to a
  // task; charge_turn() hands them out once.
  // In timed mode these are host CPU nanoseconds of the turn instead.
  uint64_t uncharged() const;
  uint64_t charge_turn();

  // Blocks Unicorn translated since the last rebase (seen by the
  // translation hook: every new block that has a previous one, which is all
  // but the first of an uc_emu_start).
  uint64_t translated_since_base() const { return translated_ - translated_base_; }
  // Debugging: called with each newly translated block's address and size
  // (VMRUN_DEBUG_TRANSLATIONS; Kernel names the guest mapping).
  void set_translation_trace(std::function<void(uint64_t, uint32_t)> f) { on_translate_ = std::move(f); }

  // Why the last turn ended, as far as counting knows.
  bool budget_exhausted() const { return budget_exhausted_; }
  bool in_tail() const { return tail_mode_; }
  bool quantum_expired() const { return quantum_expired_; }
  // The block a hook stopped the engine before (where the task resumes:
  // Unicorn's PC is not reliable then, riscv64 reports a stale one), or
  // ~0 when no hook stopped it.
  uint64_t stopped_before() const { return stopped_before_block_; }

 private:
  static void block_hook(uc_struct* uc, uint64_t address, uint32_t size, void* self);
  static void code_hook(uc_struct* uc, uint64_t address, uint32_t size, void* self);
  static void translation_hook(uc_struct* uc, uc_tb* cur, uc_tb* prev, void* self);

  uint64_t executed_ = 0;
  uint64_t charged_ = 0;
  uint64_t base_ = 0;
  uint64_t translated_ = 0;
  uint64_t translated_base_ = 0;
  std::function<void(uint64_t, uint32_t)> on_translate_;
  uint64_t budget_;  // absolute: stop when executed_ reaches it (0: none)
  uint64_t slice_left_ = 0;
  uint64_t stopped_before_block_ = ~0ull;
  const std::atomic<bool>* stop_now_;
  uc_struct* running_ = nullptr;    // the engine inside uc_emu_start, if any
  // Timed mode. `turn_lock_` orders the watchdog's uc_emu_stop against the
  // start and end of a turn: it is only ever called on the engine of a
  // turn that has not returned yet.
  bool timed_ = false;
  bool installed_any_ = false;
  std::mutex turn_lock_;
  uc_struct* timed_engine_ = nullptr;  // under turn_lock_
  uint64_t turn_seq_ = 0;              // under turn_lock_
  uint64_t tick_seen_seq_ = ~0ull;     // the watchdog's
  bool timer_stopped_ = false;         // under turn_lock_
  std::atomic<bool> turn_updating_{false};  // the turn's start or end is changing the three above
  void tick_turn();  // tick's work, with the turn's state held still
  // Change the turn's state (timed_engine_, turn_seq_, timer_stopped_)
  // where neither kind of watchdog can see it half done.
  template <typename Change>
  void change_turn(Change change);
  int64_t turn_cpu_start_ = 0;         // thread CPU ns at the turn's start
  int64_t charged_cpu_ = 0;            // thread CPU ns charged up to
  uint64_t timed_cpu_ns_ = 0;
  uint64_t timed_from_ns_ = 0;         // timed_cpu_ns_ when continue_timed() began
  BlockCountCache* counts_ = nullptr;  // its block-count table
  bool tail_mode_ = false;
  bool tail_hook_seen_ = false;
  bool quantum_expired_ = false;
  bool budget_exhausted_ = false;
};

}  // namespace vmrun
