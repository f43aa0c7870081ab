// Everything that differs between the guest architectures' Linux ABIs
// outside the CPU itself: names, the ELF machine, structure sizes and field
// places, argument orders and per-arch constants. Code outside emu/arch/
// asks the GuestAbi of its run instead of comparing Arch values; each
// layout is checked by static_asserts (guest_abi.cpp) against the
// kernel's structure, or a mirror of the asm-generic one.
//
// Internals use arch-neutral types (fs::Attr, fs::Timespec); the encode
// functions below write the bytes each guest ABI expects, field by field,
// so no layout depends on the host compiler.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rootfs/file.h"
#include "vmrun/sandbox.h"

namespace vmrun {

struct GuestAbi {
  Arch arch;
  const char* name;                   // as uname -m and the report say it
  std::span<const char* const> aliases;  // other names parse_arch accepts
  uint16_t elf_machine;               // e_machine
  size_t stat_size;                   // struct stat
  size_t epoll_event_size;            // struct epoll_event (packed on x86-64)
  size_t epoll_data_offset;
  // The kernel's struct sigaction, in 8-byte words: handler and flags
  // first, then these (-1: no restorer field).
  size_t sigaction_size;
  int sigaction_restorer_word;
  int sigaction_mask_word;
  // clone(2)'s argument positions of tls and child_tid (x86-64 swaps them).
  int clone_tls_arg;
  int clone_child_tid_arg;
  // Open-file flags F_GETFL always shows (O_LARGEFILE on x86-64, whose
  // 64-bit kernel sets it on every open).
  uint32_t getfl_always;
  bool has_map_32bit;    // mmap's MAP_32BIT
  bool has_arch_prctl;   // arch_prctl(2)
  const char* cpuinfo;   // /proc/cpuinfo

  static const GuestAbi& of(Arch arch);
  static const GuestAbi* for_machine(uint16_t e_machine);
  static const GuestAbi* for_name(std::string_view name);
  static std::span<const GuestAbi> all();
  // The architecture a sandbox assumes before a program says otherwise.
  static constexpr Arch kDefault = Arch::X86_64;
};

}  // namespace vmrun

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
inline size_t stat_size(Arch arch) { return GuestAbi::of(arch).stat_size; }
std::string encode_stat(Arch arch, const fs::Attr& a);
// struct statx: the same on every architecture (256 bytes).
constexpr size_t kStatxSize = 256;
std::string encode_statx(const fs::Attr& a, uint32_t mask);

}  // namespace vmrun::abi
