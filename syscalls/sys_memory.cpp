// Guest memory: brk, mmap, munmap, mprotect, mremap, madvise.
#include <sys/mman.h>

#include <algorithm>
#include <vector>

#include "syscalls/handler_util.h"
#include "syscalls/resource_limits.h"

namespace vmrun {
namespace {

bool all_zero(const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i]) return false;
  return true;
}

SyscallResult sys_brk(SyscallContext& k, const SyscallArgs& a) {
  ProcessImage& p = *k.proc().image;
  uint64_t want = a[0];
  if (want < p.brk_start) return p.brk_current;
  uint64_t new_end = page_up(want);
  if (new_end > p.brk_mapped_end) {
    uint64_t grow = new_end - p.brk_mapped_end;
    // The heap may not run into another mapping.
    if (new_end > p.mmap_top || k.mem().overlaps(p.brk_mapped_end, grow)) return p.brk_current;
    if (!address_space_room(k, grow)) return p.brk_current;  // RLIMIT_AS
    if (!k.mem().map_fixed(p.brk_mapped_end, grow, kProtRead | kProtWrite, "[heap]").ok()) return p.brk_current;
    p.brk_mapped_end = new_end;
  } else if (new_end < p.brk_mapped_end) {
    (void)k.mem().unmap(new_end, p.brk_mapped_end - new_end);
    p.brk_mapped_end = new_end;
  }
  p.brk_current = want;
  return want;
}

constexpr uint64_t kMapTypeMask = 0x0f;

SyscallResult sys_mmap(SyscallContext& k, const SyscallArgs& a) {
  uint64_t addr = a[0], len = a[1];
  uint32_t prot = static_cast<uint32_t>(a[2]);
  int flags = a.i32(3), fd = a.fd(4);
  uint64_t off = a[5];
  if (len == 0 || (off & (kPageSize - 1))) return Err{EINVAL};
  if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)) return Err{EINVAL};
  int type = flags & kMapTypeMask;
  if (type != MAP_SHARED && type != MAP_PRIVATE && type != MAP_SHARED_VALIDATE) return Err{EINVAL};
  uint64_t plen = page_up(len);
  if (plen < len || plen > k.mem().user_top()) return Err{ENOMEM};
  bool anonymous = flags & MAP_ANONYMOUS;
  fs::FileRef file;
  if (!anonymous) {
    TRY_ASSIGN(file, file_arg(k, fd));
    if ((file->flags & O_PATH) || (file->flags & O_ACCMODE) == O_WRONLY) return Err{EACCES};
    if (type != MAP_PRIVATE && (prot & PROT_WRITE) && (file->flags & O_ACCMODE) != O_RDWR) return Err{EACCES};
  }
  uint64_t where;
  bool fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
  if (fixed) {
    if (addr & (kPageSize - 1)) return Err{EINVAL};
    if (addr + plen < addr || addr + plen > k.mem().user_top()) return Err{ENOMEM};
    // vm.mmap_min_addr (65536 on Debian): the low pages stay unmapped so a
    // NULL-pointer dereference always faults.
    if (addr < kMmapMinAddr) return Err{EPERM};
    if ((flags & MAP_FIXED_NOREPLACE) && !(flags & MAP_FIXED) && k.mem().overlaps(addr, plen)) return Err{EEXIST};
    where = addr;
  } else {
    uint64_t hint = page_down(addr);
    if (hint >= kMmapMinAddr && hint + plen > hint && hint + plen <= k.proc().image->mmap_top && !k.mem().overlaps(hint, plen)) {
      where = hint;
    } else {
      TRY_ASSIGN(where, k.mem().find_free(plen, k.proc().image->mmap_top));
    }
  }
  // RLIMIT_AS counts what the mapping adds: what it replaces is not new.
  if (!address_space_room(k, plen, fixed ? std::optional<uint64_t>(where) : std::nullopt)) return Err{ENOMEM};
  std::string name = file ? file->path : std::string();
  bool shared = type != MAP_PRIVATE;
  if (file && shared) {
    // Another live mapping of the same file range: share its memory.
    auto attr = file->stat();
    if (attr.ok()) {
      SharedFileKey key{attr->dev, attr->ino, off, plen};
      auto& registry = k.shared_file_memory();
      if (auto it = registry.find(key); it != registry.end()) {
        if (auto backing = it->second.lock()) {
          Vma area;
          area.start = where;
          area.end = where + plen;
          area.prot = prot & 7;
          area.host = backing.get();
          area.name = name;
          area.backing = backing;
          area.backing_len = plen;
          if ((file->flags & O_ACCMODE) == O_RDWR) area.shared_file = file, area.file_offset = off;
          if (k.mem().overlaps(where, plen)) TRY_VOID(k.mem().unmap(where, plen));
          TRY_VOID(k.mem().map_host(area));
          return where;
        }
        registry.erase(it);
      }
    }
  }
  TRY_VOID(k.mem().map_fixed(where, plen, prot & 7, name, shared));
  if (file) {
    // Private file mappings are copies; shared ones are written back to the
    // file on msync, munmap and exit, and shared with other mappings of the
    // same range (not coherent with read()/write() of the file meanwhile).
    std::vector<uint8_t> tmp(std::min<uint64_t>(plen, 1 << 20));
    for (uint64_t done = 0; done < plen;) {
      uint64_t want = std::min<uint64_t>(tmp.size(), plen - done);
      auto r = file->pread(tmp.data(), want, off + done);
      if (!r.ok()) {
        (void)k.mem().unmap(where, plen);
        return Err{r.error() == ESPIPE ? ENODEV : r.error()};
      }
      if (r.value() == 0) break;
      // The new mapping reads as zeros already: copy only the pages that
      // are not all zeros, so the holes of a sparse file (or a file of
      // zeros) cost no host memory.
      for (uint64_t page = 0; page < r.value(); page += kPageSize) {
        uint64_t n = std::min<uint64_t>(kPageSize, r.value() - page);
        if (!all_zero(tmp.data() + page, n)) TRY_VOID(k.mem().fill(where + done + page, tmp.data() + page, n));
      }
      done += r.value();
    }
    if (shared && (file->flags & O_ACCMODE) == O_RDWR) k.mem().set_shared_file(where, plen, file, off);
    if (!shared) k.mem().set_private_file(where, plen, file, off);
    if (shared) {
      auto attr = file->stat();
      const Vma* v = k.mem().vma_at(where);
      if (attr.ok() && v && v->backing)
        k.shared_file_memory()[SharedFileKey{attr->dev, attr->ino, off, plen}] = v->backing;
    }
  }
  return where;
}

SyscallResult sys_munmap(SyscallContext& k, const SyscallArgs& a) {
  TRY_VOID(k.mem().unmap(a[0], a[1]));
  return 0;
}

SyscallResult sys_mprotect(SyscallContext& k, const SyscallArgs& a) {
  uint32_t prot = static_cast<uint32_t>(a[2]);
  if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_GROWSDOWN | PROT_GROWSUP)) return Err{EINVAL};
  TRY_VOID(k.mem().protect(a[0], a[1], prot & 7));
  return 0;
}

// mremap(old, old_size, new_size, flags, new_address). MREMAP_FIXED moves
// to new_address, replacing what is there; MREMAP_DONTUNMAP (private
// anonymous memory, equal sizes: Linux 5.7 to 5.12; EINVAL for the shared
// and file mappings 5.13 added) moves and leaves
// the old range mapped and empty. A move copies the bytes.
SyscallResult sys_mremap(SyscallContext& k, const SyscallArgs& a) {
  uint64_t old_addr = a[0], old_size = page_up(a[1]), new_size = page_up(a[2]);
  int flags = a.i32(3);
  if ((old_addr & (kPageSize - 1)) || new_size == 0) return Err{EINVAL};
  if (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP)) return Err{EINVAL};
  const bool fixed = flags & MREMAP_FIXED, dontunmap = flags & MREMAP_DONTUNMAP;
  if ((fixed || dontunmap) && !(flags & MREMAP_MAYMOVE)) return Err{EINVAL};
  if (dontunmap && old_size != new_size) return Err{EINVAL};
  uint64_t to = a[4];
  if (fixed) {
    if (to & (kPageSize - 1)) return Err{EINVAL};
    if (new_size > k.mem().user_top() || to > k.mem().user_top() - new_size) return Err{EINVAL};
    if (to < old_addr + old_size && old_addr < to + new_size) return Err{EINVAL};  // the ranges overlap
  }
  const Vma* v = k.mem().vma_at(old_addr);
  if (!v || old_size == 0 || k.mem().accessible_prefix(old_addr, old_size, 0) != old_size) return Err{EFAULT};
  uint32_t prot = v->prot;
  std::string name = v->name;
  if (dontunmap && (v->backing || !(name.empty() || name[0] == '['))) return Err{EINVAL};
  if (!fixed && !dontunmap) {
    if (new_size <= old_size) {
      if (new_size < old_size) TRY_VOID(k.mem().unmap(old_addr + new_size, old_size - new_size));
      return old_addr;
    }
    uint64_t extra = new_size - old_size;
    if (!address_space_room(k, extra)) return Err{ENOMEM};  // RLIMIT_AS
    if (!k.mem().overlaps(old_addr + old_size, extra) && old_addr + new_size <= k.proc().image->mmap_top) {
      TRY_VOID(k.mem().map_fixed(old_addr + old_size, extra, prot, name));
      return old_addr;
    }
    if (!(flags & MREMAP_MAYMOVE)) return Err{ENOMEM};
  }
  // A move. RLIMIT_AS counts what the new range adds beyond what it
  // replaces and what the old range gives back.
  if (!address_space_room(k, new_size, fixed ? std::optional<uint64_t>(to) : std::nullopt, dontunmap ? 0 : old_size))
    return Err{ENOMEM};
  uint64_t where = to;
  if (!fixed) {
    TRY_ASSIGN(where, k.mem().find_free(new_size, k.proc().image->mmap_top));
  }
  TRY_VOID(k.mem().map_fixed(where, new_size, prot, name));
  TRY_VOID(k.mem().move_contents(old_addr, where, std::min(old_size, new_size)));
  TRY_VOID(k.mem().unmap(old_addr, old_size));
  if (dontunmap) TRY_VOID(k.mem().map_fixed(old_addr, old_size, prot, name));  // mapped, and empty
  return where;
}

SyscallResult sys_madvise(SyscallContext& k, const SyscallArgs& a) {
  uint64_t addr = a[0], len = page_up(a[1]);
  if (addr & (kPageSize - 1)) return Err{EINVAL};
  if (a.i32(2) == MADV_DONTNEED) {
    if (k.mem().accessible_prefix(addr, len, 0) != len) return Err{ENOMEM};
    k.mem().discard(addr, len);
  }
  return 0;
}

SyscallResult sys_msync(SyscallContext& k, const SyscallArgs& a) {
  if (a[0] & (kPageSize - 1)) return Err{EINVAL};
  if (k.mem().accessible_prefix(a[0], page_up(a[1]), 0) != page_up(a[1])) return Err{ENOMEM};
  k.mem().write_back(a[0], page_up(a[1]));
  return 0;
}

SyscallResult sys_mlock(SyscallContext& k, const SyscallArgs& a) { return 0; }

const SyscallDef kDefs[] = {
    SYSCALL_DEF("brk", sys_brk, Support::Full, "p", nullptr),
    SYSCALL_DEF("mmap", sys_mmap, Support::Partial, "puPMfx",
                "MAP_SHARED file mappings are copies written back on msync/munmap/exit (not coherent with read() or other mappings meanwhile)"),
    SYSCALL_DEF("munmap", sys_munmap, Support::Full, "pu", nullptr),
    SYSCALL_DEF("mprotect", sys_mprotect, Support::Full, "puP", nullptr),
    SYSCALL_DEF("mremap", sys_mremap, Support::Partial, "puuxp", "a move copies the bytes (a moved MAP_SHARED area is no longer shared); MREMAP_DONTUNMAP for private anonymous memory only (EINVAL for the shared and file mappings Linux 5.13 added)"),
    SYSCALL_DEF("madvise", sys_madvise, Support::Partial, "puv", "only MADV_DONTNEED acts: private anonymous pages read back as zeros, private file pages as the file again, shared memory keeps its contents; the program's own ELF segments keep theirs even when written; other advice is a hint"),
    SYSCALL_DEF("msync", sys_msync, Support::Full, "pux", nullptr),
    SYSCALL_DEF("mlock", sys_mlock, Support::Stub, "pu", "no effect: guest memory is never paged out by vmrun"),
    SYSCALL_DEF("munlock", sys_mlock, Support::Stub, "pu", "no effect: guest memory is never paged out by vmrun"),
};

}  // namespace

std::span<const SyscallDef> memory_syscalls() { return kDefs; }

}  // namespace vmrun
