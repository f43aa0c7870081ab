// Warm engines: a guest process that ends leaves its Unicorn engine here,
// with its program's code still mapped and translated, for the next
// process that runs the same program.
//
// Why: a new engine translates every block it runs from scratch, and for
// short processes (a shell's children, `busybox true` in a loop) that
// translation is most of the cost: perf of fork+exec+wait of
// `busybox true` put ~55 % of the time in Unicorn's code generator, with
// engine creation, the ELF copy and fork's memory copy after it
// (bench/RESULTS.md). Unicorn has no way to share translations between
// engines, so the engine itself is kept.
//
// Safety: a pooled engine holds no guest state but its parked code areas
// (AddressSpace::park_code: private read+exec areas only, everything else
// unmapped). The next image adopts a parked area only where it would map
// the very same bytes at the same place with the same protection
// (map_content, copy_from compare them), and unmaps the rest before its
// first instruction; the CPU state comes from a snapshot of a fresh
// engine (exec) or from the parent (fork), never from the previous user.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string_view>

namespace vmrun {

struct ProcessImage;

class EnginePool {
 public:
  // Engines kept at most; the oldest goes first. Each holds its
  // translation buffer (up to 64 MiB, touched pages only) and its parked
  // code areas in host memory.
  static constexpr size_t kMaxEngines = 4;
  // Parked code kept at most over all pooled engines.
  static constexpr uint64_t kMaxParkedBytes = 256ull << 20;

  // Keep `image` (no task uses it any more) if it has code worth keeping;
  // otherwise, or when the pool is full, an engine is closed.
  void give(std::shared_ptr<ProcessImage> image);
  // A pooled engine last used for a program with this tag, or nullptr.
  std::shared_ptr<ProcessImage> take(uint64_t tag);
  void clear() { engines_.clear(); }

 private:
  std::deque<std::shared_ptr<ProcessImage>> engines_;  // oldest first
};

// A cheap identity hint for an executable file (its size, ELF header and
// program headers). Only a hint: adoption compares the actual bytes.
uint64_t program_tag(std::string_view file);

}  // namespace vmrun
