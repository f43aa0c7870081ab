// SplitMix64: a small, fast pseudo-random sequence from one 64-bit state.
// Used where a run needs reproducible variety, not secrecy.
#pragma once

#include <cstdint>

namespace vmrun {

inline uint64_t splitmix64_next(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

}  // namespace vmrun
