// An owned host file descriptor shared by every walk/File that refers to
// the same host directory, closed exactly once when the last holder goes.
#pragma once

#include <unistd.h>

#include <memory>

namespace vmrun::fs {

class HostFd {
 public:
  explicit HostFd(int fd) : fd_(fd) {}
  ~HostFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  HostFd(const HostFd&) = delete;
  HostFd& operator=(const HostFd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

using HostFdRef = std::shared_ptr<HostFd>;

}  // namespace vmrun::fs
