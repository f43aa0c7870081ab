// An eventfd: a 64-bit counter; reading takes it (or 1 of it in semaphore
// mode) and would block while it is zero, writing adds to it and would
// block past 2^64 - 2.
#pragma once

#include <cstdint>

#include "emu/files/epoll_file.h"
#include "rootfs/file.h"

namespace vmrun {

class EventFd final : public fs::File {
 public:
  EventFd(uint64_t initial, bool semaphore);
  Result<size_t> read(void* buf, size_t n) override;
  Result<size_t> write(const void* buf, size_t n) override;
  Result<fs::Attr> stat() override;
  // Writable while a write of 1 would not block.
  uint32_t poll_ready() override { return (value_ ? uint32_t{fs::kPollIn} : 0) | (value_ < ~0ull - 1 ? uint32_t{fs::kPollOut} : 0); }
  uint64_t wakeups() const override { return changes_; }  // every read and write wakes the other side

 private:
  uint64_t value_;
  bool semaphore_;
  uint64_t changes_ = 0;
};

}  // namespace vmrun
