// Instructions per translated block, keyed by the block's start address
// and size: one table per CPU engine, filled when Unicorn translates a
// block (InstructionMeter's translation hook) and read by the block hook
// before each block runs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace vmrun {

struct BlockCountCache {
  struct Slot {
    uint64_t key = ~0ull;
    uint32_t icount = 0;
  };
  static constexpr size_t kSize = 1 << 14;
  std::unique_ptr<Slot[]> slots{new Slot[kSize]};
  static uint64_t key(uint64_t address, uint32_t size) { return address ^ (static_cast<uint64_t>(size) << 48); }
  Slot& at(uint64_t address) { return slots[(address ^ (address >> 14)) & (kSize - 1)]; }
  void clear() {
    for (size_t i = 0; i < kSize; i++) slots[i] = Slot{};
  }
};

}  // namespace vmrun
