#include "emu/loader/executable_cache.h"

#include <sys/mman.h>

namespace vmrun {
namespace {
constexpr size_t kHugePage = 2u << 20;
}

ProgramBytes::ProgramBytes(size_t size) : size_(size) {
  if (size >= kHugePage) {
    size_t len = (size + kHugePage - 1) & ~(kHugePage - 1);
    void* p = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p != MAP_FAILED) {
      madvise(p, len, MADV_HUGEPAGE);  // a hint: without it, ordinary pages
      data_ = static_cast<char*>(p);
      mapped_ = len;
      return;
    }
  }
  if (size) data_ = new char[size];  // default-initialised: not written
}

ProgramBytes::~ProgramBytes() {
  if (mapped_)
    munmap(data_, mapped_);
  else
    delete[] data_;
}

}  // namespace vmrun
