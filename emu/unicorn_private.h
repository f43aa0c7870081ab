// What vmrun reads or writes in Unicorn 2.1.1's private engine state
// (struct uc_struct, include/uc_priv.h in Unicorn's source), in one place.
//
// The public API has no way to reach these fields. Each offset was worked
// out from uc_priv.h and confirmed on Debian's 2.1.1 library by probing
// (docs/UNICORN.md). Nothing is written unless a fingerprint of the layout
// around the field (page-size fields, the initialisation flag) reads as
// 2.1.1's, so another build of Unicorn only loses the optimisation.
// CodeBufferGauge (code_buffer_gauge.h) reads the TCG context the same way.
#pragma once

#include <cstddef>
#include <cstdint>

struct uc_struct;

namespace vmrun::unicorn_private {

// uc_struct offsets in 2.1.1 on x86-64 hosts.
constexpr size_t kInvalidAddr = 1392;     // uint64_t invalid_addr
constexpr size_t kTargetPageSize = 1960;  // uint32_t target_page_size, then target_page_align
constexpr size_t kHostPageSize = 1968;    // uint64_t qemu_host_page_size, qemu_real_host_page_size
constexpr size_t kIcacheLine = 1984;      // int qemu_icache_linesize
constexpr size_t kHookInsert = 2008;      // bool hook_insert, first_tb, no_exit_request, init_done
constexpr size_t kNoExitRequest = 2010;
constexpr size_t kInitDone = 2011;

// Whether an initialised engine shows 2.1.1's layout around these fields.
bool layout_matches(const uc_struct* uc);

// Unicorn ends a block after every guest load and store if an exit was
// requested (check_exit_request in qemu/tcg/tcg-op.c); `no_exit_request`
// leaves those checks out of blocks translated from then on, keeping the
// one at each block's start. False (and nothing written) if the layout is
// not recognised.
bool set_exit_checks(uc_struct* uc, bool on);

// The exact address of the access that last raised a fault in the
// virtual-TLB path (the TLB-fill hook sees only its page).
bool last_invalid_address(const uc_struct* uc, uint64_t* out);

}  // namespace vmrun::unicorn_private
