#include "emu/engine/unicorn_private.h"

#include <unicorn/unicorn.h>

#include <cstdlib>
#include <cstring>

#include "emu/engine/unicorn_version.h"

namespace vmrun::unicorn_private {
namespace {

// Unicorn 2.1.4 (Debian's 2.1.4-4, built from the 2.1.4 tag): offsetof()
// of each field, compiled against that tag's include/uc_priv.h and
// qemu/target/i386/cpu.h with the configuration Unicorn's own CMake build
// generates for an x86-64 Linux host (config-host.h). The same procedure on
// the 2.1.1 tag gives the offsets that were confirmed by probing Debian's
// 2.1.1 (invalid_addr 1392, no_exit_request 2010, ...). 2.1.4 added three
// pointers before tcg_ctx (read_mem_virtual, virtual_to_physical,
// flatview_copy: +24 for every field after them) and three fields to
// struct uc_context (its header grew from 24 to 40 bytes).
constexpr Layout kUnicorn214{
    unicorn_packed_version(2, 1, 4),
    14912,  // sizeof(struct uc_struct)
    0,      // arch, mode
    1416,   // invalid_addr
    1984,   // target_page_size, target_page_align
    1992,   // qemu_host_page_size, qemu_real_host_page_size
    2008,   // qemu_icache_linesize
    2032,   // hook_insert, first_tb, no_exit_request (2034), init_done (2035)
    14864,  // tcg_buffer_size
    5536,   // sizeof(uc_context) 40 + offsetof(CPUX86State, old_exception) 5496
};

// Every field read or written lies inside the structure.
constexpr bool inside(const Layout& l) {
  return l.arch + 8 <= l.struct_size && l.invalid_addr + 8 <= l.struct_size &&
         l.target_page_size + 8 <= l.struct_size && l.host_page_size + 16 <= l.struct_size &&
         l.icache_line + 4 <= l.struct_size && l.hook_insert + 4 <= l.struct_size &&
         l.tcg_buffer_size + 4 <= l.struct_size;
}
static_assert(inside(kUnicorn214));

template <class T>
T field(const uc_struct* uc, size_t offset) {
  T v;
  std::memcpy(&v, reinterpret_cast<const char*>(uc) + offset, sizeof v);
  return v;
}

}  // namespace

const Layout kLayouts[] = {kUnicorn214};
const size_t kLayoutCount = sizeof kLayouts / sizeof kLayouts[0];

const Layout* layout_for(unsigned version) {
  for (const Layout& l : kLayouts)
    if (l.version == version) return &l;
  return nullptr;
}

bool switched_off(const char* env_value) {
  return env_value && *env_value && std::strcmp(env_value, "0") != 0;
}

const Layout* active_layout() {
  static const Layout* const active =
      switched_off(std::getenv("VMRUN_NO_UNICORN_PRIVATE")) ? nullptr : layout_for(uc_version(nullptr, nullptr));
  return active;
}

PublicFacts public_facts(uc_struct* uc) {
  PublicFacts f;
  size_t v = 0;
  if (uc_query(uc, UC_QUERY_ARCH, &v) == UC_ERR_OK) f.arch = static_cast<int>(v);
  if (uc_query(uc, UC_QUERY_MODE, &v) == UC_ERR_OK) f.mode = static_cast<int>(v);
  uint32_t size = 0;
  if (uc_ctl_get_tcg_buffer_size(uc, &size) == UC_ERR_OK) f.tcg_buffer_size = size;
  return f;
}

bool layout_matches(const uc_struct* uc, const Layout& l, const PublicFacts& facts) {
  if (!uc || !inside(l)) return false;
  auto arch = field<int>(uc, l.arch), mode = field<int>(uc, l.arch + 4);
  auto page = field<uint32_t>(uc, l.target_page_size), align = field<uint32_t>(uc, l.target_page_size + 4);
  auto host_page = field<uint64_t>(uc, l.host_page_size), real_host_page = field<uint64_t>(uc, l.host_page_size + 8);
  auto line = field<int>(uc, l.icache_line);
  auto tcg_buffer = field<uint32_t>(uc, l.tcg_buffer_size);
  const auto* flags = reinterpret_cast<const uint8_t*>(uc) + l.hook_insert;
  return arch == facts.arch && mode == facts.mode && facts.tcg_buffer_size != 0 &&
         tcg_buffer == facts.tcg_buffer_size && page == 4096 && align == 4095 && host_page == 4096 &&
         real_host_page == 4096 && line > 0 && line <= 4096 && (line & (line - 1)) == 0 && flags[0] <= 1 &&
         flags[1] <= 1 && flags[2] <= 1 && flags[3] == 1;
}

const Layout* matching_layout(uc_struct* uc) {
  const Layout* l = active_layout();
  // The version decides the layout (and so how far the fingerprint may
  // read) before any private field is touched.
  if (!l || !uc) return nullptr;
  return layout_matches(uc, *l, public_facts(uc)) ? l : nullptr;
}

bool set_exit_checks(uc_struct* uc, bool on) {
  const Layout* l = matching_layout(uc);
  if (!l) return false;
  reinterpret_cast<uint8_t*>(uc)[l->no_exit_request()] = on ? 0 : 1;
  return true;
}

bool last_invalid_address(uc_struct* uc, uint64_t* out) {
  const Layout* l = matching_layout(uc);
  if (!l) return false;
  *out = field<uint64_t>(uc, l->invalid_addr);
  return true;
}

}  // namespace vmrun::unicorn_private
