// The byte queue behind every pipe-like file: anonymous pipes (emu/files/pipe.cpp)
// and named FIFOs (memory_layer.cpp). One implementation, so both have the
// same capacity rules, PIPE_BUF atomicity and end-of-file/EPIPE logic.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>

#include "common/result.h"

namespace vmrun::fs {

class PipeBuffer {
 public:
  static constexpr size_t kDefaultCapacity = 65536;  // a new pipe's, as on Linux
  static constexpr size_t kMaxCapacity = 1 << 20;     // F_SETPIPE_SZ's limit (fs.pipe-max-size)
  static constexpr size_t kAtomicBytes = 4096;        // PIPE_BUF: writes up to this size never interleave

  // Open ends. A read finds end-of-file once no writer is left; a write
  // fails with EPIPE once no reader is.
  void add_reader() { readers_++, reader_opens_++; }
  void add_writer() { writers_++, writer_opens_++; }
  void remove_reader() { readers_--; }
  void remove_writer() { writers_--; }
  int readers() const { return readers_; }
  int writers() const { return writers_; }
  // Ends ever opened (a FIFO's open waits for the other side to have been
  // opened, even if it is closed again by the time the opener looks).
  uint64_t reader_opens() const { return reader_opens_; }
  uint64_t writer_opens() const { return writer_opens_; }

  // Up to n bytes; EAGAIN when empty while a writer is left, 0 at EOF.
  Result<size_t> read(void* buf, size_t n);
  // What fits; EAGAIN when nothing does, or when a write of at most
  // kAtomicBytes does not fit whole; EPIPE without a reader.
  Result<size_t> write(const void* buf, size_t n);

  size_t size() const { return data_.size(); }
  size_t capacity() const { return capacity_; }
  size_t room() const { return capacity_ - std::min(capacity_, data_.size()); }
  // poll's POLLOUT: room for a write of PIPE_BUF bytes. Linux keeps a pipe
  // in page-sized slots and is writable while one is free; counting bytes,
  // this is the nearest rule (a pipe filled with 4 KiB writes stops being
  // writable when Linux's does).
  bool writable() const { return room() >= std::min(kAtomicBytes, capacity_); }
  // F_SETPIPE_SZ: rounds up to a power-of-two number of pages; EPERM
  // beyond kMaxCapacity (pipe memory is host memory), EBUSY below what is
  // queued.
  Result<size_t> resize(size_t bytes);

 private:
  std::deque<uint8_t> data_;
  size_t capacity_ = kDefaultCapacity;
  int readers_ = 0, writers_ = 0;
  uint64_t reader_opens_ = 0, writer_opens_ = 0;
};

}  // namespace vmrun::fs
