#include "emu/files/stdio_files.h"

#include "emu/files/pipe.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace vmrun {
namespace {

fs::Attr char_device_attr(uint32_t perms, uint64_t rdev) {
  fs::Attr a;
  a.mode = S_IFCHR | perms;
  a.rdev = rdev;
  a.dev = 0x16;
  a.ino = 3 + rdev;
  a.blksize = 1024;
  return a;
}

// vmrun's own stdio, when not a terminal, looks like a pipe to the guest:
// F_GETPIPE_SZ reports a pipe's default size; F_SETPIPE_SZ does not change
// the host's pipe and reports the same.
Result<size_t> stdio_pipe_size(bool tty) {
  if (tty) return Err{EBADF};
  return kPipeCapacity;
}

fs::Attr pipe_attr() {
  fs::Attr a;
  a.mode = S_IFIFO | 0600;
  a.dev = 0xc;
  a.ino = 1000;
  return a;
}

class BytesInput final : public fs::File {
 public:
  explicit BytesInput(std::string data) : data_(std::move(data)) { flags = O_RDONLY; }
  Result<size_t> read(void* buf, size_t n) override {
    size_t k = std::min(n, data_.size() - pos_);
    std::memcpy(buf, data_.data() + pos_, k);
    pos_ += k;
    return k;
  }
  Result<fs::Attr> stat() override { return pipe_attr(); }
  Result<size_t> pipe_capacity() override { return stdio_pipe_size(false); }
  Result<size_t> set_pipe_capacity(size_t) override { return stdio_pipe_size(false); }
  Result<int64_t> bytes_available() override { return static_cast<int64_t>(data_.size() - pos_); }

 private:
  std::string data_;
  size_t pos_ = 0;
};

class HostInput final : public fs::File {
 public:
  explicit HostInput(int fd) : fd_(fd), tty_(isatty(fd)) { flags = O_RDONLY; }
  Result<size_t> read(void* buf, size_t n) override {
    // Never block the host thread: other guest processes must keep
    // running. Not ready means EAGAIN; the syscall layer blocks the caller.
    if (!(poll_ready() & fs::kPollIn)) return Err{EAGAIN};
    while (true) {
      ssize_t r = ::read(fd_, buf, n);
      if (r >= 0) return static_cast<size_t>(r);
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return Err{EAGAIN};
      return Err{EIO};
    }
  }
  Result<fs::Attr> stat() override { return tty_ ? char_device_attr(0620, (136ull << 8) | 0) : pipe_attr(); }
  Result<size_t> pipe_capacity() override { return stdio_pipe_size(tty_); }
  Result<size_t> set_pipe_capacity(size_t) override { return stdio_pipe_size(tty_); }
  bool is_tty() const override { return tty_; }
  uint32_t poll_ready() override {
    // Ask the host whether our own stdin has data; never blocks.
    struct timeval tv {0, 0};
    fd_set set;
    FD_ZERO(&set);
    FD_SET(fd_, &set);
    return select(fd_ + 1, &set, nullptr, nullptr, &tv) > 0 ? uint32_t{fs::kPollIn} : 0;
  }
  Result<int64_t> bytes_available() override {
    int n = 0;
    if (ioctl(fd_, FIONREAD, &n) != 0) return Err{ENOTTY};
    return n;
  }
  int host_fd() const override { return fd_; }

 private:
  int fd_;
  bool tty_;
};

class Output final : public fs::File {
 public:
  Output(int fd, std::string* capture, OutputBudget* budget, std::function<void()> on_limit)
      : fd_(fd), capture_(capture), budget_(budget), on_limit_(std::move(on_limit)), tty_(fd >= 0 && isatty(fd)) {
    flags = O_WRONLY;
  }
  Result<size_t> write(const void* buf, size_t n) override {
    size_t allowed = n;
    if (budget_->limit) {
      uint64_t room = budget_->limit > budget_->used ? budget_->limit - budget_->used : 0;
      allowed = std::min<uint64_t>(n, room);
    }
    auto* p = static_cast<const char*>(buf);
    if (capture_) {
      capture_->append(p, allowed);
    } else if (fd_ >= 0) {
      size_t done = 0;
      while (done < allowed) {
        ssize_t w = ::write(fd_, p + done, allowed - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return done ? Result<size_t>(done) : Result<size_t>(Err{EPIPE});
        done += w;
      }
    }
    budget_->used += allowed;
    if (allowed < n || (budget_->limit && budget_->used >= budget_->limit && n > 0 && allowed < n)) {
      if (!budget_->exceeded) {
        budget_->exceeded = true;
        on_limit_();
      }
    }
    return n;  // the guest is stopped anyway if the budget ran out
  }
  Result<fs::Attr> stat() override { return tty_ ? char_device_attr(0620, (136ull << 8) | 0) : pipe_attr(); }
  Result<size_t> pipe_capacity() override { return stdio_pipe_size(tty_); }
  Result<size_t> set_pipe_capacity(size_t) override { return stdio_pipe_size(tty_); }
  bool is_tty() const override { return tty_; }
  uint32_t poll_ready() override { return fs::kPollOut; }

 private:
  int fd_;
  std::string* capture_;
  OutputBudget* budget_;
  std::function<void()> on_limit_;
  bool tty_;
};

}  // namespace

fs::FileRef make_bytes_input(std::string data) { return std::make_shared<BytesInput>(std::move(data)); }
fs::FileRef make_host_input(int host_fd) { return std::make_shared<HostInput>(host_fd); }
fs::FileRef make_output(int host_fd, std::string* capture, OutputBudget* budget, std::function<void()> on_limit) {
  return std::make_shared<Output>(host_fd, capture, budget, std::move(on_limit));
}

}  // namespace vmrun
