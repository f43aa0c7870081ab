#include "emu/engine/process_image.h"

#include "emu/engine/cpu_context.h"

namespace vmrun {

ProcessImage::ProcessImage(uc_struct* u, std::unique_ptr<AddressSpace> m) : uc(u), mem(std::move(m)) {}

ProcessImage::~ProcessImage() {
  mem.reset();
  close_engine(uc);
}

}  // namespace vmrun
