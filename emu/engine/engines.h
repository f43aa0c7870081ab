// The CPU engines of one run: the architecture's backend (GuestCpu, chosen
// by the first program), new Unicorn engines with the run's hooks, warm
// engines kept for reuse (EnginePool), and the CPU state a fresh engine
// has at its first user instruction (how a warm engine starts a new
// program).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "emu/arch/guest_cpu.h"
#include "emu/engine/engine_pool.h"
#include "emu/engine/instruction_meter.h"
#include "emu/mm/guest_memory.h"

struct uc_context;

namespace vmrun {

struct ProcessImage;

class Engines {
 public:
  // `events` gets the CPU's syscalls and faults; `meter` counts.
  Engines(uint64_t translation_buffer_bytes, MemoryAccount* memory, InstructionMeter* meter, CpuEvents* events);
  ~Engines();
  Engines(const Engines&) = delete;
  Engines& operator=(const Engines&) = delete;

  // The first program decides the architecture; false if a later one
  // differs.
  bool select(Arch arch);
  bool selected() const { return cpu_ != nullptr; }
  GuestCpu& cpu() { return *cpu_; }
  const GuestCpu& cpu() const { return *cpu_; }

  // An image for exec of a program with `tag`: a warm engine that last ran
  // it, or a new one. nullptr and *error when no engine can be made.
  std::shared_ptr<ProcessImage> for_exec(uint64_t tag, std::string* error);
  // The same for fork (a child of a parent whose program has `tag`).
  std::shared_ptr<ProcessImage> for_fork(uint64_t tag, std::string* error);
  // exec: put `image`'s CPU at its first instruction (pc, sp): a warm
  // engine gets a fresh engine's state; a new one enters user mode and
  // gets its hooks.
  bool start_program(ProcessImage& image, uint64_t pc, uint64_t sp, std::string* error);
  // fork: a new engine's hooks (a warm one has them).
  bool ensure_hooks(ProcessImage& image);
  // Timed mode: remove the counting hooks of `image`'s engine (never
  // while it runs); its blocks are translated again as they run.
  void drop_meter_hooks(ProcessImage& image);
  // A task let go of `image`. Its engine may be running this very moment
  // (the task exited in a syscall): it is kept until collect().
  void release(std::shared_ptr<ProcessImage> image) { released_.push_back(std::move(image)); }
  // Emulation has returned: an engine no task uses any more is kept warm
  // for the next process of the same program, or closed (engine_pool.h).
  void collect();
  void clear();

 private:
  std::shared_ptr<ProcessImage> open(uint64_t tag, bool warm, std::string* error);
  bool install_hooks(ProcessImage& image);

  std::unique_ptr<GuestCpu> cpu_;
  EnginePool pool_;
  std::vector<std::shared_ptr<ProcessImage>> released_;
  uc_context* fresh_state_ = nullptr;
  const uint32_t translation_buffer_bytes_;
  MemoryAccount* memory_;
  InstructionMeter* meter_;
  CpuEvents* events_;
};

}  // namespace vmrun
