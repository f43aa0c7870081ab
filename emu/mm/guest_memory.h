// A guest address space: the guest's virtual memory areas (VMAs), each
// backed by host memory this object owns, so that protection changes and
// partial unmaps never copy.
//
// The engine runs in Unicorn's virtual-TLB mode (UC_TLB_VIRTUAL): every
// TLB miss asks tlb_fill() here, which looks the page up in the VMA table
// and answers with the area's protection and the "physical" address of its
// host bytes (physical = host address; host_arena.h). So the VMA table is
// the one authority on what the guest may touch: a page outside every area,
// or an access its area's protection does not allow, ends emulation with
// UC_ERR_EXCEPTION and take_fault() tells where. Any change that narrows or
// removes a mapping flushes the engine's TLB before the guest runs again.
//
// Unicorn's own uc_mem_read/uc_mem_write take physical addresses and know
// nothing of protections; every access the syscall layer makes on the
// guest's behalf therefore goes through copy_in/copy_out here, which check
// the protections recorded in our VMA table and give EFAULT.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "emu/engine/memory_binding.h"
#include "emu/mm/host_arena.h"
#include "rootfs/file.h"

struct uc_struct;

namespace vmrun {

constexpr uint64_t kPageSize = 4096;
// Areas per address space, as Linux's default vm.max_map_count: beyond it
// a mapping or protection change that needs more areas fails with ENOMEM.
// Guest areas are not Unicorn regions (host_arena.h), so the bound is ours.
constexpr size_t kMaxVmas = 65530;
// park_code keeps read+write areas up to this size (zeroed) for reuse.
constexpr uint64_t kMaxZeroedPark = 64ull << 20;
// Linux's vm.mmap_min_addr default: guests cannot map below it.
constexpr uint64_t kMmapMinAddr = 0x10000;
inline uint64_t page_down(uint64_t a) { return a & ~(kPageSize - 1); }
inline uint64_t page_up(uint64_t a) { return (a + kPageSize - 1) & ~(kPageSize - 1); }

// A guest virtual address. Deliberately not a pointer: only AddressSpace
// turns it into bytes.
struct GuestAddr {
  uint64_t value = 0;
  GuestAddr operator+(uint64_t off) const { return {value + off}; }
  bool null() const { return value == 0; }
};

// A guest address holding a T (or an array of them): what a syscall
// argument points to. AddressSpace::load/store move whole T values.
template <class T>
struct GuestPtr {
  uint64_t value = 0;
  bool null() const { return value == 0; }
  GuestAddr addr() const { return {value}; }
  // The index-th T of an array starting here.
  GuestPtr at(uint64_t index) const { return {value + index * sizeof(T)}; }
};

enum Prot : uint32_t { kProtNone = 0, kProtRead = 1, kProtWrite = 2, kProtExec = 4 };

struct Vma {
  uint64_t start = 0, end = 0;  // [start, end), page aligned
  uint32_t prot = 0;
  uint8_t* host = nullptr;      // host memory backing [start, end)
  std::string name;             // for /proc/self/maps: a path, [heap], [stack]
  // MAP_SHARED file mappings: the file and the offset of `start` in it.
  // Changes are written back on msync, munmap and when the space goes.
  fs::FileRef shared_file;
  uint64_t file_offset = 0;
  // MAP_SHARED areas: the host memory is reference-counted and shared
  // with the same area in forked children (freed with the last mapping).
  std::shared_ptr<uint8_t> backing;
  uint64_t backing_len = 0;  // the whole shared host block backing.get()
  // Non-zero: the area still holds exactly the bytes the loader put there
  // from an unchangeable file (an identity of file, range and placement;
  // elf_loader.cpp). Only for areas without write permission; any change
  // of protection, kernel-side write or split drops it. Lets a warm engine
  // adopt its parked code without comparing it (engine_pool.h).
  uint64_t content_id = 0;
  // Parked only (AddressSpace::park_code): a private read+write area
  // emptied to zeros, still in Unicorn, that map_fixed may take back.
  bool zeroed = false;
  // MAP_PRIVATE file mappings (mmap): the file, read again for the pages
  // madvise(MADV_DONTNEED) discards (offset in file_offset).
  fs::FileRef private_file;
};

// Guest memory accounting shared by every address space of a run, so the
// memory limit covers all processes together.
struct MemoryAccount {
  uint64_t limit = 0;  // 0 = unlimited
  uint64_t used = 0;
  uint64_t peak = 0;
};

class AddressSpace {
 public:
  // `account`: shared accounting and limit (beyond it mappings fail with
  // ENOMEM). `user_top`: first address above the guest's user space.
  AddressSpace(uc_struct* uc, MemoryAccount* account, uint64_t user_top);
  ~AddressSpace();
  AddressSpace(const AddressSpace&) = delete;
  AddressSpace& operator=(const AddressSpace&) = delete;

  // Map [addr, addr+len) (page aligned) fresh and zero-filled, replacing
  // anything there. Fails with ENOMEM beyond the limit or on host failure.
  Result<void> map_fixed(uint64_t addr, uint64_t len, uint32_t prot, std::string name = {}, bool shared = false);
  // Find a free range of `len` bytes below `below` (top-down), or EN0MEM.
  Result<uint64_t> find_free(uint64_t len, uint64_t below) const;
  // Whether any byte of [addr, addr+len) is mapped.
  bool overlaps(uint64_t addr, uint64_t len) const;
  Result<void> unmap(uint64_t addr, uint64_t len);
  Result<void> protect(uint64_t addr, uint64_t len, uint32_t prot);

  // Checked copies for the syscall layer: EFAULT unless every byte is
  // mapped with the needed permission.
  Result<void> copy_in(GuestAddr src, void* dst, uint64_t len) const;
  Result<void> copy_out(GuestAddr dst, const void* src, uint64_t len);
  // A NUL-terminated string of at most max_len bytes (ENAMETOOLONG past it).
  Result<std::string> copy_in_string(GuestAddr src, uint64_t max_len) const;
  template <class T>
  Result<T> read(GuestAddr src) const {
    T v{};
    TRY_VOID(copy_in(src, &v, sizeof v));
    return v;
  }
  template <class T>
  Result<void> write(GuestAddr dst, const T& v) {
    return copy_out(dst, &v, sizeof v);
  }
  template <class T>
  Result<T> load(GuestPtr<T> src) const {
    return read<T>(src.addr());
  }
  template <class T>
  Result<void> store(GuestPtr<T> dst, const T& v) {
    return copy_out(dst.addr(), &v, sizeof v);
  }
  // Kernel-side access that ignores protections: the initial contents of
  // areas the kernel maps (the loader's segments and stack, mmap of a
  // file, the CPU backends' own scratch code), and reading them back.
  // Never for an access made on the guest's behalf (copy_in/copy_out).
  Result<void> fill(uint64_t addr, const void* src, uint64_t len);
  Result<void> peek(uint64_t addr, void* dst, uint64_t len) const;
  // mremap's move: the contents of [from, from+len) into [to, to+len),
  // both mapped, whatever their protection.
  Result<void> move_contents(uint64_t from, uint64_t to, uint64_t len);
  // The protection of the page holding addr, or nullopt if unmapped.
  const Vma* vma_at(uint64_t addr) const { return find(addr); }

  // The largest prefix of [addr, addr+len) accessible with `prot`.
  uint64_t accessible_prefix(uint64_t addr, uint64_t len, uint32_t prot) const;

  uint64_t mapped_bytes() const { return mapped_bytes_; }
  // Bytes of [addr, addr + len) that are mapped (guest areas).
  uint64_t mapped_within(uint64_t addr, uint64_t len) const;
  uint64_t peak_bytes() const { return account_->peak; }
  // The host address behind a mapped guest address (futex keys: shared
  // memory has the same host address in every process that maps it).
  uint64_t host_key(uint64_t addr) const {
    const Vma* v = find(addr);
    return v ? reinterpret_cast<uint64_t>(v->host + (addr - v->start)) : 0;
  }
  // Map [addr, addr+len) with `prot` holding a copy of `content` (len
  // bytes), e.g. the riscv64 signal trampoline. A parked code area with the same range,
  // protection and bytes is adopted instead, translations and all.
  Result<void> map_content(uint64_t addr, uint64_t len, uint32_t prot, std::string name, const uint8_t* content);
  // Adopt a parked code area with exactly this range and protection whose
  // bytes are the wanted ones: known by the same non-zero content identity,
  // or else confirmed by `same(host bytes)`. False if there is none (then
  // map_fixed, fill, set_content_id). Only for exec areas without write.
  bool adopt_code(uint64_t addr, uint64_t len, uint32_t prot, const std::string& name, uint64_t content_id,
                  const std::function<bool(const uint8_t*)>& same);
  // Vma::content_id of the area starting at addr (ignored for writable areas).
  void set_content_id(uint64_t addr, uint64_t content_id);

  // Warm engines (emu/engine/engine_pool.h). park_code() keeps the private
  // read+exec areas, "parked": their host memory and Unicorn's
  // translations of it stay, but they are invisible to the guest (the
  // TLB-fill hook does not know them) and not counted as guest memory. It
  // keeps private read+write areas too, emptied to zeros (the stack, the
  // data and the heap), ready to be taken back as fresh memory; everything
  // else is unmapped. A new image on the same engine adopts a parked code area
  // only through an exact match of range, protection and bytes
  // (map_content, copy_from), a zeroed one only through map_fixed of the
  // same range and protection, and drop_parked() unmaps the rest before
  // the guest runs: the guest never sees memory it did not map.
  void park_code();
  void drop_parked();
  uint64_t parked_bytes() const;
  bool has_parked() const { return !parked_.empty(); }

  // Map an area backed by existing (shared) host memory.
  Result<void> map_host(const Vma& area);
  // Mark [addr, addr+len) (just mapped) as a shared mapping of `file`.
  void set_shared_file(uint64_t addr, uint64_t len, fs::FileRef file, uint64_t offset);
  // Mark [addr, addr+len) (just mapped) as a private mapping of `file`.
  void set_private_file(uint64_t addr, uint64_t len, fs::FileRef file, uint64_t offset);
  // madvise(MADV_DONTNEED) on [addr, addr+len): private anonymous pages
  // read back as zeros, private pages of an mmap'ed file as the file's
  // bytes; shared memory keeps its contents, as do the program's own
  // segments (their bytes are the file's unless made writable).
  void discard(uint64_t addr, uint64_t len);
  // Write shared file mappings in [addr, addr+len) back to their files.
  void write_back(uint64_t addr, uint64_t len);
  // A copy of `other`'s areas and contents into this (empty) space (fork).
  Result<void> copy_from(const AddressSpace& other);
  uint64_t user_top() const { return user_top_; }
  const std::map<uint64_t, Vma>& vmas() const { return vmas_; }
  std::string format_maps() const;
  // Unicorn regions in use (slabs and shared blocks), for diagnostics.
  size_t region_count() const { return arena_.slab_count() + shared_regions_.size(); }

  // uc_emu_start(from, until) for a kernel-side run (entering user mode):
  // true if it stopped at `until` without an error. Unicorn (seen on 2.1.1)
  // translates the stop at `until` as an empty block, and an empty block
  // at the start of a page makes tb_gen_code look up the previous page
  // for instructions (pc + size - 1); that lookup is answered with the
  // stop's own page instead of failing when that page is not executable.
  bool run_to_exit(uint64_t from, uint64_t until);

  // Between turns: flush Unicorn's TLB if the turn just run filled it
  // often, so that it grows. QEMU's softmmu TLB starts at 256 entries
  // (1 MiB of reach, direct-mapped) and resizes only when flushed
  // (tlb_mmu_resize_locked: doubled when more than 70 % of it was used);
  // a guest that never unmaps would keep the smallest TLB for its whole
  // life. At most kMaxGrowthFlushes per address space (256 << 6 = 16,384
  // entries, 64 MiB of reach, 512 KiB of table: cpu_mem gains no more
  // from 65,536). A turn that filled kBusyTurnFills entries has missed at
  // least four times the first size. docs/UNICORN.md, "Memory".
  void grow_tlb_if_busy();

  // The access that ended emulation with UC_ERR_EXCEPTION, if the TLB-fill
  // hook refused one since the last call.
  struct Fault {
    uint64_t addr = 0;
    const char* access = "";  // "read", "write" or "fetch"
  };
  bool take_fault(Fault* out);

 private:
  void write_piece(const Vma& v, uint64_t lo, uint64_t hi);
  static bool tlb_fill(void* self, uint64_t vaddr, engine_memory::Access access, uint64_t* paddr, uint32_t* prot);
  // Drop Unicorn's translations of [lo, hi) inside area v (one contiguous
  // host piece). `live`: v is in the table, unchanged, so the TLB entry the
  // lookup may create is a correct one; otherwise the TLB is marked stale.
  void drop_code(const Vma& v, uint64_t lo, uint64_t hi, bool live);
  void flush_tlb_if_stale();
  // Register the shared host block behind `v` with Unicorn (once).
  bool register_shared(const Vma& v);
  // Unregister shared blocks no area uses any more.
  void release_unused_shared();
  // Host + Unicorn removal of [addr, addr+len) within existing VMAs.
  void remove_range(uint64_t addr, uint64_t len);
  const Vma* find(uint64_t addr) const;
  Result<uint64_t> find_free_from(uint64_t len, uint64_t below) const;
  mutable uint64_t free_hint_below_ = 0, free_hint_ = 0;  // find_free's cache
  // `same(parked)`: whether the parked area's bytes are the ones wanted.
  template <class Same>
  bool adopt_parked(uint64_t addr, uint64_t len, uint32_t prot, Same same);
  void unmap_parked(std::map<uint64_t, Vma>::iterator it);
  void drop_parked_in(uint64_t addr, uint64_t len);

  uc_struct* uc_;
  HostArena arena_;
  engine_memory::TlbBinding tlb_binding_;
  bool engine_ready_ = false;     // virtual-TLB mode and hook in place
  bool tlb_stale_ = false;        // a mapping narrowed since the last flush
  // TLB fills answered (grow_tlb_if_busy's measure of TLB pressure).
  static constexpr uint64_t kBusyTurnFills = 1024;
  static constexpr int kMaxGrowthFlushes = 6;
  uint64_t tlb_fills_ = 0, fills_at_check_ = 0;
  int growth_flushes_ = 0;
  // Kernel-side lookups that are not the guest's (drop_code, run_to_exit,
  // release_unused_shared): tlb_fill answers [lo, hi) from here. `stale`:
  // the entries this creates must be flushed afterwards.
  struct StandIn {
    uint64_t lo = 0, hi = 0, paddr = 0;
    uint32_t perms = 0;
    bool stale = false;
  };
  template <class F>
  void with_stand_in(const StandIn& si, F&& call);
  StandIn stand_in_;
  std::map<uint8_t*, uint64_t> shared_regions_;  // registered shared blocks
  Fault fault_;
  bool fault_pending_ = false;
  std::map<uint64_t, Vma> parked_;  // keyed by start; see park_code()
  void account(int64_t delta);

  std::map<uint64_t, Vma> vmas_;  // keyed by start
  MemoryAccount* account_;
  MemoryAccount own_account_;     // when constructed without a shared one
  uint64_t user_top_;
  uint64_t mapped_bytes_ = 0;
};

}  // namespace vmrun
