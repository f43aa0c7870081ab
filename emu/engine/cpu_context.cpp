#include "emu/engine/cpu_context.h"

#include <unicorn/unicorn.h>

namespace vmrun {

bool SavedCpu::save(uc_struct* uc) {
  if (!ctx_ && uc_context_alloc(uc, &ctx_) != UC_ERR_OK) {
    ctx_ = nullptr;
    return false;
  }
  return uc_context_save(uc, ctx_) == UC_ERR_OK;
}

bool SavedCpu::restore(uc_struct* uc) const { return ctx_ && uc_context_restore(uc, ctx_) == UC_ERR_OK; }

bool SavedCpu::write_reg(int regid, uint64_t value) {
  return ctx_ && uc_context_reg_write(ctx_, regid, &value) == UC_ERR_OK;
}

void SavedCpu::reset() {
  if (ctx_) uc_context_free(ctx_);
  ctx_ = nullptr;
}

bool copy_cpu(uc_struct* from, uc_struct* to) {
  SavedCpu ctx;
  return ctx.save(from) && ctx.restore(to);
}

void close_engine(uc_struct* uc) {
  if (uc) uc_close(uc);
}

EngineStop classify_engine_error(int e) {
  switch (static_cast<uc_err>(e)) {
    case UC_ERR_OK: return EngineStop::Normal;
    // The TLB-fill hook refused the access (guest_memory.h): Unicorn
    // reports it as an unhandled CPU exception.
    case UC_ERR_EXCEPTION: return EngineStop::RefusedAccess;
    case UC_ERR_INSN_INVALID: return EngineStop::InvalidInstruction;
    case UC_ERR_READ_UNALIGNED:
    case UC_ERR_WRITE_UNALIGNED:
    case UC_ERR_FETCH_UNALIGNED: return EngineStop::Unaligned;
    default: return EngineStop::Other;
  }
}

const char* engine_error_text(int e) { return uc_strerror(static_cast<uc_err>(e)); }

}  // namespace vmrun
