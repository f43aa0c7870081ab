// Guest structure layouts. Internals use arch-neutral types (fs::Attr,
// fs::Timespec); these functions write the bytes each guest ABI expects,
// field by field, so no layout depends on the host compiler.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

#include "rootfs/file.h"
#include "vmrun/sandbox.h"

namespace vmrun::abi {

// A little-endian byte writer for guest structures.
class Writer {
 public:
  explicit Writer(size_t size) : buf_(size, '\0') {}
  template <class T>
  void put(size_t off, T v) {
    std::memcpy(buf_.data() + off, &v, sizeof v);
  }
  const std::string& bytes() const { return buf_; }

 private:
  std::string buf_;
};

// struct stat: 144 bytes on x86-64, 128 on riscv64 (asm-generic).
constexpr size_t stat_size(Arch arch) { return arch == Arch::X86_64 ? 144 : 128; }
std::string encode_stat(Arch arch, const fs::Attr& a);
// struct statx: the same on every architecture (256 bytes).
constexpr size_t kStatxSize = 256;
std::string encode_statx(const fs::Attr& a, uint32_t mask);

}  // namespace vmrun::abi
