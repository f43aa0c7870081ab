// Host memory for one engine's guest areas, carved out of a few large
// slabs, each handed to Unicorn once as a "physical" region.
//
// Why: Unicorn keeps its regions in a sorted array, adding one costs
// O(n^2) (QEMU's find_ram_offset) and it aborts the host past ~4,090 of
// them (docs/UNICORN.md "Regions"). With one region per guest area a
// Python program allocating 3,000 buffers of 200 KB (3,000 anonymous
// mmaps from malloc) either ran out of areas or spent seconds in Unicorn.
// Here the number of regions is the number of slabs (a few per GiB of
// guest memory), whatever the number of guest areas.
//
// How: guest virtual addresses are translated by AddressSpace's TLB-fill
// hook (Unicorn's UC_TLB_VIRTUAL mode) to the "physical" address of their
// host bytes. Physical addresses are host addresses: a slab is registered
// at the address it has in this process, so a guest area's physical
// address is simply its host pointer. Slabs are reserved without access
// (PROT_NONE, no swap reservation); an allocation commits its pages
// read+write and a release returns them to PROT_NONE, so memory not given
// to a guest area can be neither used by the guest (the TLB hook never
// points there) nor touched by the host by mistake.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

#include "common/result.h"

struct uc_struct;

namespace vmrun {

class HostArena {
 public:
  // A slab's size unless one allocation needs more. Reserving costs only
  // host address space; Unicorn's per-region bookkeeping (dirty bitmaps)
  // is a few KiB per GiB.
  static constexpr uint64_t kSlabBytes = 1ull << 30;
  // At most this many slabs (regions) per engine; with areas packed first
  // fit, only a guest holding more than this many GiB gets near it.
  static constexpr size_t kMaxSlabs = 256;

  explicit HostArena(uc_struct* uc) : uc_(uc) {}
  ~HostArena();
  HostArena(const HostArena&) = delete;
  HostArena& operator=(const HostArena&) = delete;

  // `len` bytes (page multiple) of zeroed read+write host memory inside a
  // registered slab, or ENOMEM.
  Result<uint8_t*> allocate(uint64_t len);
  // Give back [p, p+len), which must lie within one earlier allocation.
  // Its contents are discarded.
  void release(uint8_t* p, uint64_t len);
  size_t slab_count() const { return slabs_.size(); }

 private:
  struct Slab {
    uint8_t* base;
    uint64_t size;
    std::map<uint64_t, uint64_t> free;  // offset -> length, coalesced
  };
  Slab* add_slab(uint64_t min_len);

  uc_struct* uc_;
  std::vector<Slab> slabs_;
};

}  // namespace vmrun
