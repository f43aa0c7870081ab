#include "emu/files/eventfd_file.h"

#include <fcntl.h>

#include <cstring>

namespace vmrun {

EventFd::EventFd(uint64_t initial, bool semaphore) : value_(initial), semaphore_(semaphore) { flags = O_RDWR; }

Result<size_t> EventFd::read(void* buf, size_t n) {
  if (n < 8) return Err{EINVAL};
  if (value_ == 0) return Err{EAGAIN};
  uint64_t v = semaphore_ ? 1 : value_;
  value_ -= v;
  changes_++;
  std::memcpy(buf, &v, 8);
  return size_t{8};
}

Result<size_t> EventFd::write(const void* buf, size_t n) {
  if (n < 8) return Err{EINVAL};
  uint64_t v;
  std::memcpy(&v, buf, 8);
  if (v == ~0ull) return Err{EINVAL};
  if (value_ + v >= ~0ull || value_ + v < value_) return Err{EAGAIN};
  value_ += v;
  changes_++;
  return size_t{8};
}

Result<fs::Attr> EventFd::stat() { return anon_inode_attr(); }

}  // namespace vmrun
