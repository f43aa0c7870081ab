#include "emu/arch/guest_abi.h"

#include <elf.h>
#include <sys/epoll.h>
#include <sys/stat.h>

namespace vmrun {
namespace {

// The kernel's layouts, as the guest sees them. x86-64's are the host's
// own (vmrun runs on x86-64), so the compiler checks them against the
// system headers; riscv64 uses the asm-generic ones, mirrored here.
struct StatX86_64 {
  uint64_t dev, ino, nlink;
  uint32_t mode, uid, gid, pad0;
  uint64_t rdev;
  int64_t size, blksize, blocks;
  int64_t atime, atime_nsec, mtime, mtime_nsec, ctime, ctime_nsec;
  int64_t unused[3];
};
static_assert(sizeof(StatX86_64) == 144);
#if defined(__x86_64__)
static_assert(sizeof(struct stat) == sizeof(StatX86_64));
static_assert(offsetof(struct stat, st_mode) == offsetof(StatX86_64, mode));
static_assert(offsetof(struct stat, st_rdev) == offsetof(StatX86_64, rdev));
static_assert(offsetof(struct stat, st_size) == offsetof(StatX86_64, size));
static_assert(offsetof(struct stat, st_blocks) == offsetof(StatX86_64, blocks));
static_assert(offsetof(struct stat, st_mtim) == offsetof(StatX86_64, mtime));
static_assert(sizeof(struct epoll_event) == 12);  // packed on x86-64
#endif

struct StatGeneric {  // asm-generic/stat.h
  uint64_t dev, ino;
  uint32_t mode, nlink, uid, gid;
  uint64_t rdev, pad1;
  int64_t size;
  int32_t blksize, pad2;
  int64_t blocks;
  int64_t atime, atime_nsec, mtime, mtime_nsec, ctime, ctime_nsec;
  uint32_t unused[2];
};
static_assert(sizeof(StatGeneric) == 128);
static_assert(offsetof(StatGeneric, size) == 48 && offsetof(StatGeneric, blocks) == 64);

struct EpollEventGeneric {  // natural alignment: data at 8
  uint32_t events;
  uint64_t data;
};
static_assert(sizeof(EpollEventGeneric) == 16 && offsetof(EpollEventGeneric, data) == 8);

struct SigactionX86_64 {  // the kernel's, with SA_RESTORER's field
  uint64_t handler, flags, restorer, mask;
};
struct SigactionGeneric {
  uint64_t handler, flags, mask;
};
static_assert(sizeof(SigactionX86_64) == 32 && offsetof(SigactionX86_64, mask) == 3 * 8);
static_assert(sizeof(SigactionGeneric) == 24 && offsetof(SigactionGeneric, mask) == 2 * 8);

constexpr const char* kX86Aliases[] = {"x86-64", "amd64"};
constexpr const char* kRiscVAliases[] = {"rv64"};

const GuestAbi kAbis[] = {
    {Arch::X86_64, "x86_64", kX86Aliases, EM_X86_64, sizeof(StatX86_64), 12, 4, sizeof(SigactionX86_64),
     offsetof(SigactionX86_64, restorer) / 8, offsetof(SigactionX86_64, mask) / 8,
     /*clone_tls_arg=*/4, /*clone_child_tid_arg=*/3, /*O_LARGEFILE*/ 0100000, true, true,
     "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 58\n"
     "model name\t: vmrun virtual CPU\nflags\t\t: fpu tsc cx8 cmov mmx fxsr sse sse2 pni ssse3 cx16 "
     "sse4_1 sse4_2 popcnt lahf_lm syscall nx lm\n\n"},
    {Arch::RiscV64, "riscv64", kRiscVAliases, EM_RISCV, sizeof(StatGeneric), sizeof(EpollEventGeneric),
     offsetof(EpollEventGeneric, data), sizeof(SigactionGeneric), -1, offsetof(SigactionGeneric, mask) / 8,
     /*clone_tls_arg=*/3, /*clone_child_tid_arg=*/4, 0, false, false,
     "processor\t: 0\nhart\t\t: 0\nisa\t\t: rv64imafdc\nmmu\t\t: sv39\n\n"},
};

template <class T>
std::string bytes_of(const T& v) {
  return std::string(reinterpret_cast<const char*>(&v), sizeof v);
}

}  // namespace

std::span<const GuestAbi> GuestAbi::all() { return kAbis; }

const GuestAbi& GuestAbi::of(Arch arch) {
  for (auto& abi : kAbis)
    if (abi.arch == arch) return abi;
  return kAbis[0];  // unreachable: every Arch has a row
}

const GuestAbi* GuestAbi::for_machine(uint16_t e_machine) {
  for (auto& abi : kAbis)
    if (abi.elf_machine == e_machine) return &abi;
  return nullptr;
}

const GuestAbi* GuestAbi::for_name(std::string_view name) {
  for (auto& abi : kAbis) {
    if (name == abi.name) return &abi;
    for (const char* alias : abi.aliases)
      if (name == alias) return &abi;
  }
  return nullptr;
}

const char* arch_name(Arch arch) { return GuestAbi::of(arch).name; }

std::vector<Arch> all_arches() {
  std::vector<Arch> out;
  for (auto& abi : kAbis) out.push_back(abi.arch);
  return out;
}

std::optional<Arch> parse_arch(const std::string& name) {
  const GuestAbi* abi = GuestAbi::for_name(name);
  return abi ? std::optional<Arch>(abi->arch) : std::nullopt;
}

}  // namespace vmrun

namespace vmrun::abi {

std::string encode_stat(Arch arch, const fs::Attr& a) {
  if (GuestAbi::of(arch).stat_size == sizeof(StatX86_64)) {
    StatX86_64 st{};
    st.dev = a.dev, st.ino = a.ino, st.nlink = a.nlink;
    st.mode = a.mode, st.uid = a.uid, st.gid = a.gid;
    st.rdev = a.rdev;
    st.size = a.size, st.blksize = a.blksize, st.blocks = a.blocks;
    st.atime = a.atime.sec, st.atime_nsec = a.atime.nsec;
    st.mtime = a.mtime.sec, st.mtime_nsec = a.mtime.nsec;
    st.ctime = a.ctime.sec, st.ctime_nsec = a.ctime.nsec;
    return bytes_of(st);
  }
  StatGeneric st{};
  st.dev = a.dev, st.ino = a.ino;
  st.mode = a.mode, st.nlink = static_cast<uint32_t>(a.nlink), st.uid = a.uid, st.gid = a.gid;
  st.rdev = a.rdev;
  st.size = a.size, st.blksize = static_cast<int32_t>(a.blksize), st.blocks = a.blocks;
  st.atime = a.atime.sec, st.atime_nsec = a.atime.nsec;
  st.mtime = a.mtime.sec, st.mtime_nsec = a.mtime.nsec;
  st.ctime = a.ctime.sec, st.ctime_nsec = a.ctime.nsec;
  return bytes_of(st);
}

std::string encode_statx(const fs::Attr& a, uint32_t mask) {
  (void)mask;  // everything basic is always filled in
  Writer w(kStatxSize);
  constexpr uint32_t kBasicStats = 0x7ff;
  w.put<uint32_t>(0, kBasicStats);  // stx_mask
  w.put<uint32_t>(4, a.blksize);
  w.put<uint64_t>(8, 0);            // attributes
  w.put<uint32_t>(16, a.nlink);
  w.put<uint32_t>(20, a.uid);
  w.put<uint32_t>(24, a.gid);
  w.put<uint16_t>(28, static_cast<uint16_t>(a.mode));
  w.put<uint64_t>(32, a.ino);
  w.put<uint64_t>(40, a.size);
  w.put<uint64_t>(48, a.blocks);
  w.put<uint64_t>(56, 0);           // attributes_mask
  auto ts = [&](size_t off, const fs::Timespec& t) {
    w.put<int64_t>(off, t.sec);
    w.put<uint32_t>(off + 8, static_cast<uint32_t>(t.nsec));
  };
  ts(64, a.atime);
  ts(80, a.ctime);                  // btime: creation time unknown, use ctime
  ts(96, a.ctime);
  ts(112, a.mtime);
  w.put<uint32_t>(128, static_cast<uint32_t>(a.rdev >> 8));
  w.put<uint32_t>(132, static_cast<uint32_t>(a.rdev & 0xff));
  w.put<uint32_t>(136, static_cast<uint32_t>(a.dev >> 8));
  w.put<uint32_t>(140, static_cast<uint32_t>(a.dev & 0xff));
  return w.bytes();
}

}  // namespace vmrun::abi
