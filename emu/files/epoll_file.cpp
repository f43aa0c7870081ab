#include "emu/files/epoll_file.h"

#include <sys/epoll.h>

namespace vmrun {

Result<fs::Attr> EpollFile::stat() {
  fs::Attr a;
  a.mode = 0600;  // anon inode
  a.dev = 0xd;
  a.ino = kAnonInode;
  return a;
}

// Ready (events, data) pairs, at most `max`.
std::vector<std::pair<uint32_t, uint64_t>> EpollFile::collect(size_t max, bool consume) {
  std::vector<std::pair<uint32_t, uint64_t>> out;
  for (auto it = interests.begin(); it != interests.end() && out.size() < max;) {
    auto f = it->second.file.lock();
    if (!f) {  // the description was closed: Linux drops it from the set
      it = interests.erase(it);
      continue;
    }
    Interest& in = it->second;
    uint32_t want = (in.events & (EPOLLIN | EPOLLOUT | EPOLLPRI | EPOLLRDHUP)) | EPOLLERR | EPOLLHUP;
    uint32_t got = f->poll_ready() & want;
    if (in.armed && got) {
      out.push_back({got, in.data});
      if (consume && (in.events & EPOLLONESHOT)) in.armed = false;
    }
    ++it;
  }
  return out;
}

}  // namespace vmrun
