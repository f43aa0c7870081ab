#include "emu/unicorn_private.h"

#include <unicorn/unicorn.h>

#include <cstring>

namespace vmrun::unicorn_private {
namespace {

template <class T>
T field(const uc_struct* uc, size_t offset) {
  T v;
  std::memcpy(&v, reinterpret_cast<const char*>(uc) + offset, sizeof v);
  return v;
}

}  // namespace

bool layout_matches(const uc_struct* uc) {
  if (!uc) return false;
  unsigned major = 0, minor = 0;
  uc_version(&major, &minor);
  if (major != 2 || minor != 1) return false;
  auto page = field<uint32_t>(uc, kTargetPageSize), align = field<uint32_t>(uc, kTargetPageSize + 4);
  auto host_page = field<uint64_t>(uc, kHostPageSize), real_host_page = field<uint64_t>(uc, kHostPageSize + 8);
  auto line = field<int>(uc, kIcacheLine);
  const auto* flags = reinterpret_cast<const uint8_t*>(uc) + kHookInsert;
  return page == 4096 && align == 4095 && host_page == 4096 && real_host_page == 4096 && line > 0 && line <= 4096 &&
         (line & (line - 1)) == 0 && flags[0] <= 1 && flags[1] <= 1 && flags[2] <= 1 && flags[3] == 1;
}

bool set_exit_checks(uc_struct* uc, bool on) {
  if (!layout_matches(uc)) return false;
  reinterpret_cast<uint8_t*>(uc)[kNoExitRequest] = on ? 0 : 1;
  return true;
}

bool last_invalid_address(const uc_struct* uc, uint64_t* out) {
  if (!layout_matches(uc)) return false;
  *out = field<uint64_t>(uc, kInvalidAddr);
  return true;
}

}  // namespace vmrun::unicorn_private
