// What vmrun reads or writes in Unicorn's private engine state, in one
// place: fields of struct uc_struct (include/uc_priv.h in Unicorn's source)
// and, for the x86 backend, one slot of the CPU state inside a saved
// context (X86_64Cpu::clear_old_exception).
//
// The public API has no way to reach these. Their offsets belong to one
// Unicorn build, so they are used only when all of these hold:
//   - VMRUN_NO_UNICORN_PRIVATE is unset, empty or "0";
//   - the loaded library's full version (uc_version, patch level included)
//     is one of kLayouts, whose struct size bounds every read;
//   - a fingerprint of the engine's fields reads as that layout (page sizes,
//     flags, and the arch, mode and translation-buffer size that the public
//     API reports).
// Otherwise nothing is read or written and every caller keeps a public-API
// path that is slower or less precise, never wrong (docs/UNICORN.md).
#pragma once

#include <cstddef>
#include <cstdint>

struct uc_struct;

namespace vmrun::unicorn_private {

// uc_struct on x86-64 hosts for one Unicorn release, computed with
// offsetof() against that release's headers (docs/UNICORN.md says how).
struct Layout {
  unsigned version;         // uc_version()'s packed value
  size_t struct_size;       // sizeof(struct uc_struct)
  size_t arch;              // uc_arch arch, then uc_mode mode (int each)
  size_t invalid_addr;      // uint64_t invalid_addr
  size_t target_page_size;  // uint32_t target_page_size, then target_page_align
  size_t host_page_size;    // uint64_t qemu_host_page_size, qemu_real_host_page_size
  size_t icache_line;       // int qemu_icache_linesize
  size_t hook_insert;       // bool hook_insert, first_tb, no_exit_request, init_done
  size_t tcg_buffer_size;   // uint32_t tcg_buffer_size
  // x86-64 guests: int32_t CPUX86State::old_exception within a saved
  // uc_context (the context header, then CPUX86State from its start).
  size_t x86_old_exception;
  size_t no_exit_request() const { return hook_insert + 2; }
  size_t init_done() const { return hook_insert + 3; }
};

// The releases whose layout is known: Unicorn 2.1.4.
extern const Layout kLayouts[];
extern const size_t kLayoutCount;

// The known layout for a packed version, or nullptr.
const Layout* layout_for(unsigned version);
// Whether the environment value of VMRUN_NO_UNICORN_PRIVATE turns private
// state off (set, non-empty and not "0").
bool switched_off(const char* env_value);
// The layout in force for this process: nullptr when switched off or when
// the loaded library is not a known release. Decided once.
const Layout* active_layout();
inline bool enabled() { return active_layout() != nullptr; }

// What the public API says about an engine, for the fingerprint.
struct PublicFacts {
  int arch = -1, mode = -1;
  uint32_t tcg_buffer_size = 0;
};
PublicFacts public_facts(uc_struct* uc);
// Whether `uc` shows `layout` (reads only inside layout.struct_size).
bool layout_matches(const uc_struct* uc, const Layout& layout, const PublicFacts& facts);
// The active layout if this engine matches it, else nullptr.
const Layout* matching_layout(uc_struct* uc);

// Unicorn ends a block after every guest load and store if an exit was
// requested (check_exit_request in qemu/tcg/tcg-op.c); `no_exit_request`
// leaves those checks out of blocks translated from then on, keeping the
// one at each block's start. False (and nothing written) if private state
// is off for this engine: the checks then stay, as Unicorn has them.
bool set_exit_checks(uc_struct* uc, bool on);

// The exact address of the access that last raised a fault in the
// virtual-TLB path (the TLB-fill hook sees only its page). False if private
// state is off for this engine.
bool last_invalid_address(uc_struct* uc, uint64_t* out);

}  // namespace vmrun::unicorn_private
