#include "emu/arch/guest_abi.h"

namespace vmrun::abi {

std::string encode_stat(Arch arch, const fs::Attr& a) {
  Writer w(stat_size(arch));
  if (arch == Arch::X86_64) {
    static_assert(sizeof(uint64_t) == 8);
    w.put<uint64_t>(0, a.dev);
    w.put<uint64_t>(8, a.ino);
    w.put<uint64_t>(16, a.nlink);
    w.put<uint32_t>(24, a.mode);
    w.put<uint32_t>(28, a.uid);
    w.put<uint32_t>(32, a.gid);
    w.put<uint64_t>(40, a.rdev);
    w.put<int64_t>(48, a.size);
    w.put<int64_t>(56, a.blksize);
    w.put<int64_t>(64, a.blocks);
    w.put<int64_t>(72, a.atime.sec);
    w.put<int64_t>(80, a.atime.nsec);
    w.put<int64_t>(88, a.mtime.sec);
    w.put<int64_t>(96, a.mtime.nsec);
    w.put<int64_t>(104, a.ctime.sec);
    w.put<int64_t>(112, a.ctime.nsec);
  } else {
    w.put<uint64_t>(0, a.dev);
    w.put<uint64_t>(8, a.ino);
    w.put<uint32_t>(16, a.mode);
    w.put<uint32_t>(20, a.nlink);
    w.put<uint32_t>(24, a.uid);
    w.put<uint32_t>(28, a.gid);
    w.put<uint64_t>(32, a.rdev);
    w.put<int64_t>(48, a.size);
    w.put<int32_t>(56, a.blksize);
    w.put<int64_t>(64, a.blocks);
    w.put<int64_t>(72, a.atime.sec);
    w.put<int64_t>(80, a.atime.nsec);
    w.put<int64_t>(88, a.mtime.sec);
    w.put<int64_t>(96, a.mtime.nsec);
    w.put<int64_t>(104, a.ctime.sec);
    w.put<int64_t>(112, a.ctime.nsec);
  }
  return w.bytes();
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
