// An epoll instance (epoll_create): the interest list of the descriptions
// it watches, over the readiness (fs::File::poll_ready) the poll family
// uses. EPOLLONESHOT disarms after one report.
//
// EPOLLET: Linux reports an edge-triggered interest when the file wakes
// its waiters (data queued, room made, a hang-up). Files here have no
// wake-ups, only a readiness that is polled, so an edge is recognised
// from what epoll_wait saw last time it looked at the interest:
//  - a readiness bit that was not set then (EPOLLIN arriving on a
//    writable socket, a hang-up);
//  - more bytes to read than then (Linux wakes readers on every write);
//  - a wake-up the file counts (fs::File::wakeups) since then;
//  - the guest has had EAGAIN from a call on the description since the
//    last epoll_wait, and what is ready now was not then (it drained
//    it; what is ready now is new).
// A program that reads or writes until EAGAIN, as epoll(7) requires for
// EPOLLET, sees Linux's events (tests/proc/epoll_edge.c); Linux may give
// a program that stops early more repeats (room made while writable).
#pragma once

#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "emu/files/anon_inode.h"
#include "rootfs/file.h"

namespace vmrun {

class EpollFile final : public fs::File {
 public:
  struct Interest {
    std::weak_ptr<fs::File> file;
    uint32_t events;
    uint64_t data;
    bool armed = true;
    // EPOLLET: what the last epoll_wait saw (see above).
    uint32_t seen_ready = 0;
    int64_t seen_available = -1;
    uint64_t seen_would_block = 0;
    uint64_t seen_wakeups = 0;
  };
  std::map<int, Interest> interests;  // by guest fd

  Result<fs::Attr> stat() override;
  uint32_t poll_ready() override { return ready_count() ? uint32_t{fs::kPollIn} : 0; }

  // Ready (events, data) pairs, at most `max`.
  std::vector<std::pair<uint32_t, uint64_t>> collect(size_t max, bool consume);
  size_t ready_count() { return collect(1, false).size(); }

 private:
  static bool edge(fs::File& f, Interest& in, uint32_t got, bool consume);
};

}  // namespace vmrun
