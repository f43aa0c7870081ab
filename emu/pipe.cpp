#include "emu/pipe.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <memory>

namespace vmrun {
namespace {

struct PipeBuffer {
  std::deque<uint8_t> data;
  size_t capacity = kPipeCapacity;
  bool reader_open = true, writer_open = true;
  uint64_t inode = 0;
};

fs::Attr pipe_attr(const PipeBuffer& b) {
  fs::Attr a;
  a.mode = S_IFIFO | 0600;
  a.dev = 0xc;
  a.ino = b.inode;
  a.blksize = 4096;
  return a;
}

// F_SETPIPE_SZ as Linux does it: the size rounds up to a power-of-two
// number of pages (one page at least); beyond the system's maximum
// (fs.pipe-max-size, 1 MiB by default) EPERM, here for root too: pipe
// memory is host memory; below the bytes already queued EBUSY.
Result<size_t> resize_pipe(PipeBuffer& b, size_t bytes) {
  constexpr size_t kPage = 4096;
  if (bytes > kPipeMaxCapacity) return Err{EPERM};
  size_t size = kPage;
  while (size < bytes) size <<= 1;
  if (size < b.data.size()) return Err{EBUSY};
  b.capacity = size;
  return size;
}

class ReadEnd final : public fs::File {
 public:
  explicit ReadEnd(std::shared_ptr<PipeBuffer> b) : b_(std::move(b)) { flags = O_RDONLY; }
  ~ReadEnd() override { b_->reader_open = false; }
  Result<size_t> read(void* buf, size_t n) override {
    if (b_->data.empty()) return b_->writer_open ? Result<size_t>(Err{EAGAIN}) : Result<size_t>(size_t{0});
    size_t k = std::min(n, b_->data.size());
    std::copy_n(b_->data.begin(), k, static_cast<uint8_t*>(buf));
    b_->data.erase(b_->data.begin(), b_->data.begin() + k);
    return k;
  }
  Result<fs::Attr> stat() override { return pipe_attr(*b_); }
  uint32_t poll_ready() override {
    return (b_->data.empty() ? 0 : fs::kPollIn) | (b_->writer_open ? 0 : fs::kPollHup);
  }
  Result<int64_t> bytes_available() override { return static_cast<int64_t>(b_->data.size()); }
  Result<size_t> pipe_capacity() override { return b_->capacity; }
  Result<size_t> set_pipe_capacity(size_t bytes) override { return resize_pipe(*b_, bytes); }

 private:
  std::shared_ptr<PipeBuffer> b_;
};

class WriteEnd final : public fs::File {
 public:
  explicit WriteEnd(std::shared_ptr<PipeBuffer> b) : b_(std::move(b)) { flags = O_WRONLY; }
  ~WriteEnd() override { b_->writer_open = false; }
  Result<size_t> write(const void* buf, size_t n) override {
    if (!b_->reader_open) return Err{EPIPE};
    size_t room = b_->capacity - std::min(b_->capacity, b_->data.size());
    if (room == 0 && n > 0) return Err{EAGAIN};
    // POSIX: a write of at most PIPE_BUF bytes is atomic, all or nothing.
    if (n <= kPipeAtomicBytes && room < n) return Err{EAGAIN};
    size_t k = std::min(n, room);
    const auto* p = static_cast<const uint8_t*>(buf);
    b_->data.insert(b_->data.end(), p, p + k);
    return k;
  }
  Result<fs::Attr> stat() override { return pipe_attr(*b_); }
  Result<size_t> pipe_capacity() override { return b_->capacity; }
  Result<size_t> set_pipe_capacity(size_t bytes) override { return resize_pipe(*b_, bytes); }
  size_t write_capacity() override { return b_->capacity - std::min(b_->capacity, b_->data.size()); }
  uint32_t poll_ready() override {
    if (!b_->reader_open) return fs::kPollErr;
    return b_->data.size() < b_->capacity ? fs::kPollOut : 0;
  }

 private:
  std::shared_ptr<PipeBuffer> b_;
};

}  // namespace

std::pair<fs::FileRef, fs::FileRef> make_pipe(uint64_t inode) {
  auto b = std::make_shared<PipeBuffer>();
  b->inode = inode;
  auto r = std::make_shared<ReadEnd>(b);
  auto w = std::make_shared<WriteEnd>(b);
  r->path = w->path = "pipe:[" + std::to_string(inode) + "]";
  return {r, w};
}

}  // namespace vmrun
