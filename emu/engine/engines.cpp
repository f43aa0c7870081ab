#include "emu/engine/engines.h"

#include <unicorn/unicorn.h>

#include <algorithm>

#include "emu/engine/process_image.h"

namespace vmrun {

Engines::Engines(uint64_t translation_buffer_bytes, MemoryAccount* memory, InstructionMeter* meter,
                 CpuEvents* events)
    // Clamped to what Unicorn accepts.
    : translation_buffer_bytes_(static_cast<uint32_t>(std::clamp<uint64_t>(translation_buffer_bytes, 1u << 20, 1u << 30))),
      memory_(memory),
      meter_(meter),
      events_(events) {}

Engines::~Engines() { clear(); }

void Engines::collect() {
  for (auto& image : released_) {
    if (image.use_count() == 1) pool_.give(std::move(image));
    image.reset();
  }
  released_.clear();
}

void Engines::clear() {
  released_.clear();
  pool_.clear();
  if (fresh_state_) uc_context_free(fresh_state_);
  fresh_state_ = nullptr;
}

bool Engines::select(Arch arch) {
  if (!cpu_) cpu_ = GuestCpu::create(arch);
  return cpu_->arch() == arch;
}

std::shared_ptr<ProcessImage> Engines::open(uint64_t tag, bool warm, std::string* error) {
  std::shared_ptr<ProcessImage> image = warm ? pool_.take(tag) : nullptr;
  if (image) return image;
  uc_struct* fresh = cpu_->open_engine(translation_buffer_bytes_, error);
  if (!fresh) return nullptr;
  return std::make_shared<ProcessImage>(fresh, std::make_unique<AddressSpace>(fresh, memory_, cpu_->layout().user_top));
}

// A warm engine can start a new program only from a fresh engine's CPU
// state, known once the first engine was made.
std::shared_ptr<ProcessImage> Engines::for_exec(uint64_t tag, std::string* error) {
  return open(tag, fresh_state_ != nullptr, error);
}

std::shared_ptr<ProcessImage> Engines::for_fork(uint64_t tag, std::string* error) { return open(tag, true, error); }

bool Engines::install_hooks(ProcessImage& image) {
  uc_struct* uc = image.uc;
  if (!cpu_->install_hooks(uc, events_) || !meter_->install(uc, &image.meter_hooks)) return false;
  // No UC_HOOK_MEM_INVALID hook: in UC_TLB_VIRTUAL mode a refused access
  // never reaches it (guest_memory.h), and since Unicorn 2.1.4 any such hook
  // counts as a memory hook for notdirty_write (qemu/accel/tcg/cputlb.c,
  // uc_mem_hook_installed), which then never marks a written page clean:
  // every guest store took the slow path (cpu_mem 4-5x slower, measured).
  // With exits enabled and none set, `until` is ignored: no guest address
  // can end emulation by accident.
  uc_ctl_exits_enable(uc);
  return true;
}

bool Engines::ensure_hooks(ProcessImage& image) {
  if (image.hooks_installed) return true;
  if (!install_hooks(image)) return false;
  image.hooks_installed = true;
  return true;
}

void Engines::drop_meter_hooks(ProcessImage& image) {
  for (size_t h : image.meter_hooks) uc_hook_del(image.uc, h);
  image.meter_hooks.clear();
}

bool Engines::start_program(ProcessImage& image, uint64_t pc, uint64_t sp, std::string* error) {
  uc_struct* uc = image.uc;
  if (image.hooks_installed) {
    // A warm engine: the CPU state of a fresh one, then this program's.
    if (uc_context_restore(uc, fresh_state_) != UC_ERR_OK) {
      *error = "cannot reset the CPU engine";
      return false;
    }
    cpu_->start_state(uc, pc, sp);
    return true;
  }
  cpu_->start_state(uc, pc, sp);
  if (!cpu_->enter_user_mode(uc, *image.mem, 0x1000)) {
    *error = "cannot enter user mode";
    return false;
  }
  if (!fresh_state_ &&
      (uc_context_alloc(uc, &fresh_state_) != UC_ERR_OK || uc_context_save(uc, fresh_state_) != UC_ERR_OK)) {
    if (fresh_state_) uc_context_free(fresh_state_);
    fresh_state_ = nullptr;  // no warm engines then
  }
  if (!ensure_hooks(image)) {
    *error = "cannot install CPU hooks";
    return false;
  }
  return true;
}

}  // namespace vmrun
