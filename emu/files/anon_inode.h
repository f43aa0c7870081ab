// What fstat shows of the files Linux keeps on its one anonymous inode
// (epoll, eventfd, inotify, timerfd): one inode, one device, mode 0600.
#pragma once

#include <cstdint>

#include "rootfs/file.h"

namespace vmrun {

constexpr uint64_t kAnonInode = 1;

inline fs::Attr anon_inode_attr() {
  fs::Attr a;
  a.mode = 0600;
  a.dev = 0xd;
  a.ino = kAnonInode;
  return a;
}

}  // namespace vmrun
