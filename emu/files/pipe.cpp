#include "emu/files/pipe.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <memory>

namespace vmrun {
namespace {

using fs::PipeBuffer;

// An anonymous pipe: the buffer and its inode number.
struct Pipe {
  PipeBuffer buf;
  uint64_t inode = 0;
};

fs::Attr pipe_attr(const Pipe& p) {
  fs::Attr a;
  a.mode = S_IFIFO | 0600;
  a.dev = 0xc;
  a.ino = p.inode;
  a.blksize = 4096;
  return a;
}

class ReadEnd final : public fs::File {
 public:
  explicit ReadEnd(std::shared_ptr<Pipe> p) : p_(std::move(p)) {
    flags = O_RDONLY;
    p_->buf.add_reader();
  }
  ~ReadEnd() override { p_->buf.remove_reader(); }
  Result<size_t> read(void* buf, size_t n) override { return p_->buf.read(buf, n); }
  Result<fs::Attr> stat() override { return pipe_attr(*p_); }
  uint32_t poll_ready() override {
    return (p_->buf.size() ? fs::kPollIn : 0) | (p_->buf.writers() > 0 ? 0 : fs::kPollHup);
  }
  Result<int64_t> bytes_available() override { return static_cast<int64_t>(p_->buf.size()); }
  Result<size_t> pipe_capacity() override { return p_->buf.capacity(); }
  Result<size_t> set_pipe_capacity(size_t bytes) override { return p_->buf.resize(bytes); }

 private:
  std::shared_ptr<Pipe> p_;
};

class WriteEnd final : public fs::File {
 public:
  explicit WriteEnd(std::shared_ptr<Pipe> p) : p_(std::move(p)) {
    flags = O_WRONLY;
    p_->buf.add_writer();
  }
  ~WriteEnd() override { p_->buf.remove_writer(); }
  Result<size_t> write(const void* buf, size_t n) override { return p_->buf.write(buf, n); }
  Result<fs::Attr> stat() override { return pipe_attr(*p_); }
  Result<size_t> pipe_capacity() override { return p_->buf.capacity(); }
  Result<size_t> set_pipe_capacity(size_t bytes) override { return p_->buf.resize(bytes); }
  size_t write_capacity() override { return p_->buf.room(); }
  uint32_t poll_ready() override {
    if (p_->buf.readers() <= 0) return fs::kPollErr;
    return p_->buf.writable() ? fs::kPollOut : 0;
  }

 private:
  std::shared_ptr<Pipe> p_;
};

}  // namespace

std::pair<fs::FileRef, fs::FileRef> make_pipe(uint64_t inode) {
  auto p = std::make_shared<Pipe>();
  p->inode = inode;
  auto r = std::make_shared<ReadEnd>(p);
  auto w = std::make_shared<WriteEnd>(p);
  r->path = w->path = "pipe:[" + std::to_string(inode) + "]";
  return {r, w};
}

}  // namespace vmrun
