#include "emu/files/epoll_file.h"

#include <sys/epoll.h>

#include <cstdint>

namespace vmrun {

Result<fs::Attr> EpollFile::stat() { return anon_inode_attr(); }

// An edge-triggered interest that is ready (`got`): whether this is a new
// edge. `consume` (epoll_wait itself) records what it saw.
bool EpollFile::edge(fs::File& f, Interest& in, uint32_t got, bool consume) {
  auto available = f.bytes_available();
  int64_t avail = available.ok() ? available.value() : -1;
  bool fresh = got != 0 && ((got & ~in.seen_ready) != 0 || (f.would_block_seen != in.seen_would_block && (got & f.would_block_unready)) ||
               ((got & EPOLLIN) && avail > in.seen_available) || f.wakeups() != in.seen_wakeups);
  if (consume) {
    in.seen_ready = got;
    in.seen_available = avail;
    in.seen_would_block = f.would_block_seen;
    in.seen_wakeups = f.wakeups();
  }
  return fresh;
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
    if (in.armed && (in.events & EPOLLET) && !edge(*f, in, got, consume)) {
      ++it;
      continue;
    }
    if (in.armed && got) {
      out.push_back({got, in.data});
      if (consume && (in.events & EPOLLONESHOT)) in.armed = false;
    }
    ++it;
  }
  return out;
}

}  // namespace vmrun
