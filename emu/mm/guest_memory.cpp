#include "emu/mm/guest_memory.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "emu/engine/memory_binding.h"
#include "emu/engine/unicorn_private.h"

namespace vmrun {

AddressSpace::AddressSpace(uc_struct* uc, MemoryAccount* account, uint64_t user_top)
    : uc_(uc), arena_(uc), account_(account ? account : &own_account_), user_top_(user_top) {
  // Without the hook Unicorn's virtual TLB would map every address to the
  // same physical one with any permission: no mapping is made then.
  tlb_binding_ = {&tlb_fill, this};
  engine_ready_ = uc_ && engine_memory::use_virtual_tlb(uc_, &tlb_binding_);
}

AddressSpace::~AddressSpace() {
  write_back(0, ~0ull);
  // Unicorn is closed by the owner before or after; the arena frees the
  // private areas' host memory, shared blocks go with their last user.
  account(-static_cast<int64_t>(mapped_bytes_));
}

bool AddressSpace::tlb_fill(void* self, uint64_t vaddr, engine_memory::Access access, uint64_t* paddr,
                            uint32_t* prot) {
  using engine_memory::Access;
  auto* as = static_cast<AddressSpace*>(self);
  const StandIn& si = as->stand_in_;
  if (vaddr >= si.lo && vaddr < si.hi) {  // a kernel-side lookup (stand_in)
    *paddr = si.paddr + (vaddr - si.lo);
    *prot = si.perms;
    if (si.stale) as->tlb_stale_ = true;
    return true;
  }
  const Vma* v = as->find(vaddr);
  uint32_t need = access == Access::Write ? kProtWrite : access == Access::Fetch ? kProtExec : kProtRead;
  if (!v || !(v->prot & need)) {
    as->fault_ = {vaddr, need == kProtWrite ? "write" : need == kProtExec ? "fetch" : "read"};
    as->fault_pending_ = true;
    return false;
  }
  *paddr = reinterpret_cast<uint64_t>(v->host + (vaddr - v->start));
  // Prot's bits are UC_PROT_READ/WRITE/EXEC's.
  *prot = v->prot & 7;
  as->tlb_fills_++;
  return true;
}

void AddressSpace::grow_tlb_if_busy() {
  const uint64_t fills = tlb_fills_ - fills_at_check_;
  fills_at_check_ = tlb_fills_;
  if (fills < kBusyTurnFills || growth_flushes_ >= kMaxGrowthFlushes || !engine_ready_) return;
  growth_flushes_++;
  tlb_stale_ = true;
  flush_tlb_if_stale();
}

template <class F>
void AddressSpace::with_stand_in(const StandIn& si, F&& call) {
  stand_in_ = si;
  call();
  stand_in_ = StandIn{};
}

bool AddressSpace::take_fault(Fault* out) {
  if (!fault_pending_) return false;
  fault_pending_ = false;
  *out = fault_;
  // The hook sees only the page; Unicorn keeps the exact address. Taken
  // only when it lies in the refused page.
  uint64_t exact = 0;
  if (unicorn_private::last_invalid_address(uc_, &exact) && page_down(exact) == fault_.addr) out->addr = exact;
  return true;
}

bool AddressSpace::run_to_exit(uint64_t from, uint64_t until) {
  bool ran = false;
  const uint64_t stop = page_down(until);
  const Vma* v = find(stop);
  if (!v || stop < kPageSize) return false;
  // The page below the stop, looked up as code, answers with the stop's
  // own page; the run itself never touches that page.
  with_stand_in({stop - kPageSize, stop, reinterpret_cast<uint64_t>(v->host + (stop - v->start)), kProtExec, true},
                [&] { ran = engine_memory::run_until(uc_, from, until); });
  flush_tlb_if_stale();  // the stand-in entry must not outlive the run
  Fault ignored;
  take_fault(&ignored);
  return ran;
}

void AddressSpace::drop_code(const Vma& v, uint64_t lo, uint64_t hi, bool live) {
  // uc_ctl_remove_cache translates `lo` as an instruction fetch (through
  // the TLB or tlb_fill) and drops the translations of the physical range
  // from there: right for one area's contiguous host bytes, and only
  // while `v` still answers for its addresses.
  if (lo >= hi) return;
  with_stand_in({v.start, v.end, reinterpret_cast<uint64_t>(v.host), v.prot | kProtExec, !live},
                [&] { engine_memory::drop_translations(uc_, lo, hi); });
}

void AddressSpace::flush_tlb_if_stale() {
  if (!tlb_stale_) return;
  engine_memory::flush_tlb(uc_);
  tlb_stale_ = false;
}

bool AddressSpace::register_shared(const Vma& v) {
  uint8_t* base = v.backing.get();
  if (shared_regions_.count(base)) return true;
  if (!engine_memory::map_host(uc_, base, v.backing_len)) return false;
  shared_regions_[base] = v.backing_len;
  return true;
}

void AddressSpace::release_unused_shared() {
  for (auto it = shared_regions_.begin(); it != shared_regions_.end();) {
    bool used = false;
    for (auto& [s, v] : vmas_)
      if (v.backing.get() == it->first) {
        used = true;
        break;
      }
    if (used) {
      ++it;
      continue;
    }
    // No area points into it (remove_range has flushed the TLB).
    // uc_mem_unmap drops the region's translations by looking its
    // physical address up as a virtual one (memory_unmap →
    // uc_invalidate_tb): that range answers with itself meanwhile, and
    // the entries this leaves are flushed.
    const uint64_t base = reinterpret_cast<uint64_t>(it->first), len = it->second;
    with_stand_in({base, base + len, base, kProtRead | kProtWrite | kProtExec, true},
                  [&] { engine_memory::unmap_host(uc_, base, len); });
    flush_tlb_if_stale();
    it = shared_regions_.erase(it);
  }
}

void AddressSpace::park_code() {
  drop_parked();
  std::vector<std::pair<uint64_t, uint64_t>> gone;
  for (auto& [start, v] : vmas_) {
    bool private_anon = !v.backing && !v.shared_file;
    bool code = v.prot == (kProtRead | kProtExec), data = v.prot == (kProtRead | kProtWrite);
    if (!private_anon || !(code || data) || (data && v.end - v.start > kMaxZeroedPark))
      gone.push_back({v.start, v.end - v.start});
  }
  for (auto& [addr, len] : gone) remove_range(addr, len);
  for (auto& [start, v] : vmas_) {
    account(-static_cast<int64_t>(v.end - v.start));
    if (v.prot & kProtWrite) {
      // Back to zeros; the host range and Unicorn's mapping of it stay.
      madvise(v.host, v.end - v.start, MADV_DONTNEED);
      v.zeroed = true;
      v.content_id = 0;
    }
    parked_[start] = std::move(v);
  }
  vmas_.clear();
  tlb_stale_ = true;
  flush_tlb_if_stale();
}

uint64_t AddressSpace::parked_bytes() const {
  uint64_t n = 0;
  for (auto& [start, v] : parked_) n += v.end - v.start;
  return n;
}

void AddressSpace::unmap_parked(std::map<uint64_t, Vma>::iterator it) {
  Vma& v = it->second;
  if (v.prot & kProtExec) drop_code(v, v.start, v.end, false);
  arena_.release(v.host, v.end - v.start);
  parked_.erase(it);
}

void AddressSpace::drop_parked() {
  while (!parked_.empty()) unmap_parked(parked_.begin());
  flush_tlb_if_stale();
}

void AddressSpace::drop_parked_in(uint64_t addr, uint64_t len) {
  for (auto it = parked_.begin(); it != parked_.end();) {
    auto next = std::next(it);
    if (it->second.start < addr + len && it->second.end > addr) unmap_parked(it);
    it = next;
  }
}

template <class Same>
bool AddressSpace::adopt_parked(uint64_t addr, uint64_t len, uint32_t prot, Same same) {
  auto it = parked_.find(addr);
  if (it == parked_.end()) return false;
  Vma& v = it->second;
  if (v.end != addr + len || v.prot != prot || overlaps(addr, len) || vmas_.size() + 1 > kMaxVmas ||
      (account_->limit && account_->used + len > account_->limit) || !same(static_cast<const Vma&>(v)))
    return false;
  vmas_[addr] = std::move(v);
  parked_.erase(it);
  account(static_cast<int64_t>(len));
  return true;
}

bool AddressSpace::adopt_code(uint64_t addr, uint64_t len, uint32_t prot, const std::string& name,
                              uint64_t content_id, const std::function<bool(const uint8_t*)>& same) {
  if (!(prot & kProtExec) || (prot & kProtWrite)) return false;
  if (!adopt_parked(addr, len, prot & 7, [&](const Vma& parked) {
        return !parked.zeroed && ((content_id && parked.content_id == content_id) || same(parked.host));
      }))
    return false;
  Vma& v = vmas_.at(addr);
  v.name = name;
  v.content_id = content_id;
  return true;
}

void AddressSpace::set_content_id(uint64_t addr, uint64_t content_id) {
  auto it = vmas_.find(addr);
  if (it != vmas_.end()) it->second.content_id = (it->second.prot & kProtWrite) ? 0 : content_id;
}

Result<void> AddressSpace::map_content(uint64_t addr, uint64_t len, uint32_t prot, std::string name,
                                       const uint8_t* content) {
  if (adopt_code(addr, len, prot, name, 0, [&](const uint8_t* host) { return std::memcmp(host, content, len) == 0; }))
    return Ok();
  TRY_VOID(map_fixed(addr, len, prot, std::move(name)));
  std::memcpy(vmas_.at(addr).host, content, len);
  return Ok();
}

void AddressSpace::account(int64_t delta) {
  mapped_bytes_ += delta;
  account_->used += delta;
  account_->peak = std::max(account_->peak, account_->used);
}

Result<void> AddressSpace::copy_from(const AddressSpace& other) {
  std::vector<unsigned char> resident;
  for (auto& [start, v] : other.vmas_) {
    uint64_t len = v.end - v.start;
    if (v.backing) {
      // MAP_SHARED: parent and child see the same memory.
      TRY_VOID(map_host(v));
      continue;
    }
    const uint8_t* parent_bytes = v.host;
    const uint64_t id = v.content_id;
    if (!v.shared_file && (v.prot & kProtExec) &&
        adopt_parked(v.start, len, v.prot, [parent_bytes, len, id](const Vma& parked) {
          return !parked.zeroed && ((id && parked.content_id == id) || std::memcmp(parked.host, parent_bytes, len) == 0);
        })) {
      vmas_.at(v.start).name = v.name;
      vmas_.at(v.start).content_id = id;
      vmas_.at(v.start).private_file = v.private_file;
      vmas_.at(v.start).file_offset = v.file_offset;
      continue;  // the same code, already translated in this engine
    }
    TRY_VOID(map_fixed(v.start, len, v.prot, v.name));
    vmas_.at(v.start).shared_file = v.shared_file;
    vmas_.at(v.start).private_file = v.private_file;
    vmas_.at(v.start).file_offset = v.file_offset;
    vmas_.at(v.start).content_id = id;
    // Copy only pages the parent ever touched: untouched anonymous pages
    // read as zero in the fresh mapping anyway.
    resident.assign(len / kPageSize, 1);
    if (mincore(v.host, len, resident.data()) != 0) resident.assign(len / kPageSize, 1);
    uint8_t* dst = vmas_.at(v.start).host;
    for (uint64_t i = 0; i < len / kPageSize;) {
      if (!(resident[i] & 1)) {
        i++;
        continue;
      }
      uint64_t j = i;
      while (j < len / kPageSize && (resident[j] & 1)) j++;
      std::memcpy(dst + i * kPageSize, v.host + i * kPageSize, (j - i) * kPageSize);
      i = j;
    }
  }
  return Ok();
}

const Vma* AddressSpace::find(uint64_t addr) const {
  auto it = vmas_.upper_bound(addr);
  if (it == vmas_.begin()) return nullptr;
  --it;
  return addr < it->second.end ? &it->second : nullptr;
}

bool AddressSpace::overlaps(uint64_t addr, uint64_t len) const {
  if (len == 0) return false;
  uint64_t end = addr + len;
  auto it = vmas_.upper_bound(addr);
  if (it != vmas_.begin()) {
    auto prev = std::prev(it);
    if (prev->second.end > addr) return true;
  }
  return it != vmas_.end() && it->first < end;
}

// The part [lo, hi) of `v`, as an area of its own. It no longer holds the
// loader's bytes as loaded (elf_loader.cpp re-creates pieces), so it has
// no content identity.
static Vma piece(const Vma& v, uint64_t lo, uint64_t hi) {
  Vma p = v;
  p.start = lo;
  p.end = hi;
  p.host = v.host + (lo - v.start);
  p.file_offset = v.file_offset + (lo - v.start);
  p.content_id = 0;
  return p;
}

void AddressSpace::remove_range(uint64_t addr, uint64_t len) {
  uint64_t end = addr + len;
  auto it = vmas_.upper_bound(addr);
  if (it != vmas_.begin()) --it;
  std::vector<Vma> keep;
  bool shared_cut = false;
  while (it != vmas_.end() && it->first < end) {
    Vma v = it->second;
    if (v.end <= addr) { ++it; continue; }
    it = vmas_.erase(it);
    uint64_t cut_lo = std::max(v.start, addr), cut_hi = std::min(v.end, end);
    if (v.shared_file) write_piece(v, cut_lo, cut_hi);
    // Translated code for the range must go before the memory does.
    if (v.prot & kProtExec) drop_code(v, cut_lo, cut_hi, false);
    tlb_stale_ = true;
    if (cut_hi > free_hint_) free_hint_below_ = 0;  // a gap above the hint
    if (v.backing) shared_cut = true;
    else arena_.release(v.host + (cut_lo - v.start), cut_hi - cut_lo);
    account(-static_cast<int64_t>(cut_hi - cut_lo));
    if (v.start < cut_lo) keep.push_back(piece(v, v.start, cut_lo));
    if (cut_hi < v.end) keep.push_back(piece(v, cut_hi, v.end));
  }
  for (auto& v : keep) vmas_[v.start] = v;
  flush_tlb_if_stale();
  if (shared_cut) release_unused_shared();
}

uint64_t AddressSpace::mapped_within(uint64_t addr, uint64_t len) const {
  uint64_t bytes = 0;
  auto it = vmas_.upper_bound(addr);
  if (it != vmas_.begin()) --it;
  for (; it != vmas_.end() && it->first < addr + len; ++it) {
    uint64_t lo = std::max(it->first, addr), hi = std::min(it->second.end, addr + len);
    if (lo < hi) bytes += hi - lo;
  }
  return bytes;
}

Result<void> AddressSpace::map_fixed(uint64_t addr, uint64_t len, uint32_t prot, std::string name, bool shared) {
  if (len == 0 || (addr | len) & (kPageSize - 1)) return Err{EINVAL};
  if (addr + len < addr || addr + len > user_top_) return Err{ENOMEM};
  if (!engine_ready_) return Err{ENOMEM};
  // Bytes already mapped inside the range are replaced, not added.
  uint64_t replaced = mapped_within(addr, len);
  if (account_->limit && account_->used - replaced + len > account_->limit) return Err{ENOMEM};
  // Replacing can split at most two areas in two; the new one adds one.
  if (vmas_.size() + 3 > kMaxVmas) return Err{ENOMEM};
  // A zeroed parked area of the same range and protection is as good as
  // new memory (park_code). It never held code (its protection never had
  // exec), so no translation refers to it.
  if (!shared && (prot & 7) == (kProtRead | kProtWrite) &&
      adopt_parked(addr, len, prot & 7, [](const Vma& parked) { return parked.zeroed; })) {
    Vma& v = vmas_.at(addr);
    v.name = std::move(name);
    v.zeroed = false;
    return Ok();
  }
  Vma area;
  area.start = addr;
  area.end = addr + len;
  area.prot = prot & 7;
  area.name = std::move(name);
  if (shared) {
    // MAP_SHARED: host memory of its own, shared with forked children
    // (each registers it with its engine) and freed with the last user.
    void* host = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (host == MAP_FAILED) return Err{ENOMEM};
    area.host = static_cast<uint8_t*>(host);
    area.backing = std::shared_ptr<uint8_t>(area.host, [len](uint8_t* p) { munmap(p, len); });
    area.backing_len = len;
    if (!register_shared(area)) return Err{ENOMEM};
  } else {
    auto host = arena_.allocate(len);
    if (!host.ok()) return Err{ENOMEM};
    area.host = *host;
  }
  remove_range(addr, len);
  drop_parked_in(addr, len);
  vmas_[addr] = std::move(area);
  account(static_cast<int64_t>(len));
  return Ok();
}

Result<uint64_t> AddressSpace::find_free(uint64_t len, uint64_t below) const {
  if (len == 0 || len > below) return Err{ENOMEM};
  // Like Linux's old free-area cache: top-down allocations mostly land just
  // below the previous one, so the search starts there (remove_range
  // forgets the hint when it frees anything above it). Without it, n
  // packed mappings cost O(n^2) walks.
  if (free_hint_below_ == below && free_hint_ < below) {
    auto r = find_free_from(len, free_hint_);
    if (r.ok()) {
      free_hint_ = *r;
      return r;
    }
  }
  auto r = find_free_from(len, below);
  if (r.ok()) free_hint_below_ = below, free_hint_ = *r;
  return r;
}

Result<uint64_t> AddressSpace::find_free_from(uint64_t len, uint64_t below) const {
  if (len == 0 || len > below) return Err{ENOMEM};
  uint64_t candidate_end = below;
  // Walk VMAs from the top down, looking for a gap of `len` bytes.
  auto it = vmas_.lower_bound(below);
  while (true) {
    uint64_t gap_lo = 0;
    if (it != vmas_.begin()) {
      auto prev = std::prev(it);
      gap_lo = prev->second.end;
      if (gap_lo > candidate_end) {  // prev straddles candidate_end
        candidate_end = prev->second.start;
        it = prev;
        continue;
      }
    }
    uint64_t lo_bound = std::max<uint64_t>(gap_lo, kMmapMinAddr);  // keep page zero and friends unmapped
    if (candidate_end >= lo_bound + len) return candidate_end - len;
    if (it == vmas_.begin()) return Err{ENOMEM};
    --it;
    candidate_end = it->second.start;
  }
}

Result<void> AddressSpace::unmap(uint64_t addr, uint64_t len) {
  if ((addr & (kPageSize - 1)) || len == 0) return Err{EINVAL};
  len = page_up(len);
  if (addr + len < addr || addr + len > user_top_) return Err{EINVAL};
  // Only a hole inside one area splits it in two (one more area); unmapping
  // whole areas always works, even at the cap.
  const Vma* first = find(addr);
  const Vma* last = find(addr + len - 1);
  bool splits = first && last && first == last && first->start < addr && first->end > addr + len;
  if (splits && vmas_.size() + 1 > kMaxVmas) return Err{ENOMEM};
  remove_range(addr, len);
  return Ok();
}

Result<void> AddressSpace::protect(uint64_t addr, uint64_t len, uint32_t prot) {
  if (addr & (kPageSize - 1)) return Err{EINVAL};
  len = page_up(len);
  if (len == 0) return Ok();
  uint64_t end = addr + len;
  if (end < addr) return Err{ENOMEM};
  // Linux: ENOMEM if any page of the range is unmapped.
  for (uint64_t a = addr; a < end;) {
    const Vma* v = find(a);
    if (!v) return Err{ENOMEM};
    a = v->end;
  }
  if (vmas_.size() + 2 > kMaxVmas) return Err{ENOMEM};
  // Split VMAs at the range edges and update protections; the TLB-fill
  // hook hands out the new ones once the TLB is flushed.
  const uint32_t np = prot & 7;
  std::vector<Vma> pieces;
  auto it = vmas_.upper_bound(addr);
  if (it != vmas_.begin()) --it;
  while (it != vmas_.end() && it->first < end) {
    if (it->second.end <= addr) { ++it; continue; }
    Vma v = it->second;
    uint64_t lo = std::max(v.start, addr), hi = std::min(v.end, end);
    if ((v.prot & kProtExec) && !(np & kProtExec)) drop_code(v, lo, hi, true);
    it = vmas_.erase(it);
    if (v.prot != np) tlb_stale_ = true;
    if (v.start < lo) pieces.push_back(piece(v, v.start, lo));
    pieces.push_back(piece(v, lo, hi));
    pieces.back().prot = np;
    if (hi < v.end) pieces.push_back(piece(v, hi, v.end));
  }
  for (auto& p : pieces) vmas_[p.start] = p;
  flush_tlb_if_stale();
  return Ok();
}

Result<void> AddressSpace::map_host(const Vma& area) {
  uint64_t len = area.end - area.start;
  if (!engine_ready_ || !area.backing) return Err{ENOMEM};
  if (vmas_.size() + 1 > kMaxVmas) return Err{ENOMEM};
  if (account_->limit && account_->used + len > account_->limit) return Err{ENOMEM};
  drop_parked_in(area.start, len);
  if (!register_shared(area)) return Err{ENOMEM};
  vmas_[area.start] = area;
  account(static_cast<int64_t>(len));
  return Ok();
}

void AddressSpace::write_piece(const Vma& v, uint64_t lo, uint64_t hi) {
  // Only bytes inside the file are written: a shared mapping never
  // extends its file (Linux raises SIGBUS past the end instead).
  auto attr = v.shared_file->stat();
  if (!attr.ok()) return;
  uint64_t size = static_cast<uint64_t>(std::max<int64_t>(0, attr->size));
  uint64_t off = v.file_offset + (lo - v.start);
  if (off >= size) return;
  uint64_t n = std::min(hi - lo, size - off);
  (void)v.shared_file->pwrite(v.host + (lo - v.start), n, off);
}

void AddressSpace::write_back(uint64_t addr, uint64_t len) {
  uint64_t end = addr + len < addr ? ~0ull : addr + len;
  for (auto& [s, v] : vmas_) {
    if (!v.shared_file || v.end <= addr || v.start >= end) continue;
    write_piece(v, std::max(v.start, addr), std::min(v.end, end));
  }
}

void AddressSpace::set_private_file(uint64_t addr, uint64_t len, fs::FileRef file, uint64_t offset) {
  for (auto& [s, v] : vmas_) {
    if (v.start >= addr && v.end <= addr + len) {
      v.private_file = file;
      v.file_offset = offset + (v.start - addr);
    }
  }
}

void AddressSpace::discard(uint64_t addr, uint64_t len) {
  uint64_t end = addr + len;
  std::vector<uint8_t> buf;
  auto it = vmas_.upper_bound(addr);
  if (it != vmas_.begin()) --it;
  for (; it != vmas_.end() && it->second.start < end; ++it) {
    Vma& v = it->second;
    if (v.end <= addr || v.backing) continue;  // shared: the contents stay
    bool anonymous = v.name.empty() || v.name[0] == '[';
    if (!anonymous && !v.private_file) continue;  // the program's segments
    uint64_t lo = std::max(v.start, addr), hi = std::min(v.end, end);
    uint8_t* host = v.host + (lo - v.start);
    if (anonymous) {
      // Private anonymous host memory: the host gives zero pages back.
      madvise(host, hi - lo, MADV_DONTNEED);
    } else {
      uint64_t off = v.file_offset + (lo - v.start), done = 0;
      while (done < hi - lo) {
        auto got = v.private_file->pread(host + done, hi - lo - done, off + done);
        if (!got.ok() || got.value() == 0) break;
        done += got.value();
      }
      std::memset(host + done, 0, hi - lo - done);  // past the end of the file
    }
    if (v.prot & kProtExec) drop_code(v, lo, hi, true);
    v.content_id = 0;
  }
}

void AddressSpace::set_shared_file(uint64_t addr, uint64_t len, fs::FileRef file, uint64_t offset) {
  for (auto& [s, v] : vmas_) {
    if (v.start >= addr && v.end <= addr + len) {
      v.shared_file = file;
      v.file_offset = offset + (v.start - addr);
    }
  }
}

uint64_t AddressSpace::accessible_prefix(uint64_t addr, uint64_t len, uint32_t prot) const {
  uint64_t done = 0;
  while (done < len) {
    const Vma* v = find(addr + done);
    if (!v || (v->prot & prot) != prot) break;
    done = std::min(len, v->end - addr);
  }
  return done;
}

Result<void> AddressSpace::copy_in(GuestAddr src, void* dst, uint64_t len) const {
  if (len == 0) return Ok();
  if (src.value + len < src.value) return Err{EFAULT};
  auto* out = static_cast<uint8_t*>(dst);
  uint64_t a = src.value, left = len;
  while (left) {
    const Vma* v = find(a);
    if (!v || !(v->prot & kProtRead)) return Err{EFAULT};
    uint64_t n = std::min(left, v->end - a);
    std::memcpy(out, v->host + (a - v->start), n);
    out += n, a += n, left -= n;
  }
  return Ok();
}

Result<void> AddressSpace::copy_out(GuestAddr dst, const void* src, uint64_t len) {
  if (len == 0) return Ok();
  if (dst.value + len < dst.value) return Err{EFAULT};
  // Check the whole range first so a failed copy writes nothing.
  if (accessible_prefix(dst.value, len, kProtWrite) != len) return Err{EFAULT};
  auto* in = static_cast<const uint8_t*>(src);
  uint64_t a = dst.value, left = len;
  while (left) {
    const Vma* v = find(a);
    uint64_t n = std::min(left, v->end - a);
    std::memcpy(v->host + (a - v->start), in, n);
    // Guest code written by a syscall (read() into a code page) must not
    // run stale translations. Only executable areas can hold any, and the
    // invalidation is not free, so skip it for data.
    if (v->prot & kProtExec) drop_code(*v, a, a + n, true);
    in += n, a += n, left -= n;
  }
  return Ok();
}

Result<std::string> AddressSpace::copy_in_string(GuestAddr src, uint64_t max_len) const {
  std::string s;
  uint64_t a = src.value;
  while (true) {
    const Vma* v = find(a);
    if (!v || !(v->prot & kProtRead)) return Err{EFAULT};
    const uint8_t* p = v->host + (a - v->start);
    uint64_t avail = v->end - a;
    const void* nul = std::memchr(p, 0, avail);
    uint64_t n = nul ? static_cast<const uint8_t*>(nul) - p : avail;
    if (s.size() + n > max_len) return Err{ENAMETOOLONG};
    s.append(reinterpret_cast<const char*>(p), n);
    if (nul) return s;
    a += n;
  }
}

Result<void> AddressSpace::fill(uint64_t addr, const void* src, uint64_t len) {
  auto* in = static_cast<const uint8_t*>(src);
  while (len) {
    const Vma* v = find(addr);
    if (!v) return Err{EFAULT};
    uint64_t n = std::min(len, v->end - addr);
    std::memcpy(v->host + (addr - v->start), in, n);
    if (v->prot & kProtExec) drop_code(*v, addr, addr + n, true);
    vmas_.at(v->start).content_id = 0;  // no longer the loader's bytes
    in += n, addr += n, len -= n;
  }
  return Ok();
}

Result<void> AddressSpace::move_contents(uint64_t from, uint64_t to, uint64_t len) {
  std::vector<uint8_t> tmp(std::min<uint64_t>(len, 1 << 20));
  for (uint64_t done = 0; done < len;) {
    uint64_t n = std::min<uint64_t>(tmp.size(), len - done);
    TRY_VOID(peek(from + done, tmp.data(), n));
    TRY_VOID(fill(to + done, tmp.data(), n));
    done += n;
  }
  return Ok();
}

Result<void> AddressSpace::peek(uint64_t addr, void* dst, uint64_t len) const {
  auto* out = static_cast<uint8_t*>(dst);
  while (len) {
    const Vma* v = find(addr);
    if (!v) return Err{EFAULT};
    uint64_t n = std::min(len, v->end - addr);
    std::memcpy(out, v->host + (addr - v->start), n);
    out += n, addr += n, len -= n;
  }
  return Ok();
}

std::string AddressSpace::format_maps() const {
  std::string out;
  char line[256];
  for (auto& [s, v] : vmas_) {
    std::snprintf(line, sizeof line, "%08lx-%08lx %c%c%cp 00000000 00:00 0", (unsigned long)v.start,
                  (unsigned long)v.end, v.prot & kProtRead ? 'r' : '-', v.prot & kProtWrite ? 'w' : '-',
                  v.prot & kProtExec ? 'x' : '-');
    out += line;
    if (!v.name.empty()) {
      out.append(std::max<int>(1, 73 - (int)std::strlen(line)), ' ');
      out += v.name;
    }
    out += '\n';
  }
  return out;
}

}  // namespace vmrun
