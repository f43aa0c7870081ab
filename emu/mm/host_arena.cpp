#include "emu/mm/host_arena.h"

#include "emu/engine/memory_binding.h"

#include <sys/mman.h>

#include <cerrno>

namespace vmrun {
namespace {

constexpr uint64_t kPage = 4096;

bool commit(uint8_t* p, uint64_t len) {
  void* r = mmap(p, len, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (r == MAP_FAILED) return false;
  // Guest pages are touched sparsely (a stack, a heap growing by pages);
  // transparent huge pages would zero 2 MiB for each first touch.
  madvise(p, len, MADV_NOHUGEPAGE);
  return true;
}

// Fresh PROT_NONE pages in place of [p, p+len): the memory goes back to
// the host and later accesses would fault on the host, not read stale data.
void decommit(uint8_t* p, uint64_t len) {
  mmap(p, len, PROT_NONE, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
}

}  // namespace

HostArena::~HostArena() {
  // Unicorn may already be closed; only the host memory is ours to free.
  for (auto& s : slabs_) munmap(s.base, s.size);
}

HostArena::Slab* HostArena::add_slab(uint64_t min_len) {
  if (slabs_.size() >= kMaxSlabs) return nullptr;
  uint64_t size = min_len > kSlabBytes ? (min_len + kSlabBytes - 1) / kSlabBytes * kSlabBytes : kSlabBytes;
  if (size < min_len) return nullptr;  // overflow
  void* base = mmap(nullptr, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (base == MAP_FAILED) return nullptr;
  auto* b = static_cast<uint8_t*>(base);
  // Registered with every permission: the TLB-fill hook grants each page
  // only its guest area's protection.
  if (!engine_memory::map_host(uc_, b, size)) {
    munmap(base, size);
    return nullptr;
  }
  slabs_.push_back(Slab{b, size, {{0, size}}});
  return &slabs_.back();
}

Result<uint8_t*> HostArena::allocate(uint64_t len) {
  if (len == 0 || len % kPage) return Err{EINVAL};
  auto take = [&](Slab& s) -> uint8_t* {
    for (auto it = s.free.begin(); it != s.free.end(); ++it) {
      if (it->second < len) continue;
      uint64_t off = it->first, left = it->second - len;
      s.free.erase(it);
      if (left) s.free[off + len] = left;
      return s.base + off;
    }
    return nullptr;
  };
  uint8_t* p = nullptr;
  for (auto& s : slabs_)
    if ((p = take(s))) break;
  if (!p) {
    Slab* s = add_slab(len);
    if (!s || !(p = take(*s))) return Err{ENOMEM};
  }
  if (!commit(p, len)) {
    release(p, len);
    return Err{ENOMEM};
  }
  return p;
}

void HostArena::release(uint8_t* p, uint64_t len) {
  if (!p || len == 0) return;
  for (auto& s : slabs_) {
    if (p < s.base || p >= s.base + s.size) continue;
    decommit(p, len);
    uint64_t off = static_cast<uint64_t>(p - s.base);
    auto next = s.free.lower_bound(off);
    if (next != s.free.end() && next->first == off + len) {
      len += next->second;
      next = s.free.erase(next);
    }
    if (next != s.free.begin()) {
      auto prev = std::prev(next);
      if (prev->first + prev->second == off) {
        prev->second += len;
        return;
      }
    }
    s.free[off] = len;
    return;
  }
}

}  // namespace vmrun
