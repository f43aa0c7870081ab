#include "rootfs/pipe_buffer.h"

#include <algorithm>
#include <cerrno>

namespace vmrun::fs {

Result<size_t> PipeBuffer::read(void* buf, size_t n) {
  if (data_.empty()) return writers_ > 0 ? Result<size_t>(Err{EAGAIN}) : Result<size_t>(size_t{0});
  size_t k = std::min(n, data_.size());
  std::copy_n(data_.begin(), k, static_cast<uint8_t*>(buf));
  data_.erase(data_.begin(), data_.begin() + static_cast<std::ptrdiff_t>(k));
  return k;
}

Result<size_t> PipeBuffer::write(const void* buf, size_t n) {
  if (readers_ <= 0) return Err{EPIPE};
  size_t free = room();
  if (free == 0 && n > 0) return Err{EAGAIN};
  if (n <= kAtomicBytes && free < n) return Err{EAGAIN};  // all or nothing
  size_t k = std::min(n, free);
  const auto* p = static_cast<const uint8_t*>(buf);
  data_.insert(data_.end(), p, p + k);
  return k;
}

Result<size_t> PipeBuffer::resize(size_t bytes) {
  constexpr size_t kPage = 4096;
  if (bytes > kMaxCapacity) return Err{EPERM};
  size_t size = kPage;
  while (size < bytes) size <<= 1;
  if (size < data_.size()) return Err{EBUSY};
  capacity_ = size;
  return size;
}

}  // namespace vmrun::fs
