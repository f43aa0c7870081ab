// An epoll instance (epoll_create): the interest list of the descriptions
// it watches, over the readiness (fs::File::poll_ready) the poll family
// uses. Level-triggered; EPOLLONESHOT disarms after one report.
#pragma once

#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "rootfs/file.h"

namespace vmrun {

// The inode number every anon-inode file (epoll, eventfd) reports, as the
// one anon inode Linux shares between them.
constexpr uint64_t kAnonInode = 1;

class EpollFile final : public fs::File {
 public:
  struct Interest {
    std::weak_ptr<fs::File> file;
    uint32_t events;
    uint64_t data;
    bool armed = true;
  };
  std::map<int, Interest> interests;  // by guest fd

  Result<fs::Attr> stat() override;
  uint32_t poll_ready() override { return ready_count() ? uint32_t{fs::kPollIn} : 0; }

  // Ready (events, data) pairs, at most `max`.
  std::vector<std::pair<uint32_t, uint64_t>> collect(size_t max, bool consume);
  size_t ready_count() { return collect(1, false).size(); }
};

}  // namespace vmrun
