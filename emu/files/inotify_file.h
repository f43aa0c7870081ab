// An inotify instance (inotify(7)): the descriptor inotify_init1 returns.
// It watches nodes through the VFS's change registry (rootfs/fs_notify.h)
// and queues what happens to them; reading takes whole struct
// inotify_event records. The queue and the watch count are bounded as on
// Linux with the default limits: past 16384 queued events one
// IN_Q_OVERFLOW stands for the ones dropped, past 8192 watches ENOSPC;
// the run's instances together hold at most FsNotify::kMaxQueuedBytes.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>

#include "emu/files/epoll_file.h"
#include "rootfs/file.h"
#include "rootfs/fs_notify.h"

namespace vmrun {

class InotifyFile final : public fs::File, public fs::NotifySink {
 public:
  static constexpr size_t kMaxQueuedEvents = 16384;
  static constexpr size_t kMaxWatches = 8192;
  static constexpr size_t kEventHeader = 16;  // struct inotify_event without its name

  explicit InotifyFile(std::weak_ptr<fs::FsNotify> registry);
  ~InotifyFile() override;

  // inotify_add_watch on `node` for `self`, this instance: the watch
  // descriptor (the same one again for a node already watched).
  Result<int> add_watch(const std::shared_ptr<InotifyFile>& self, fs::NodeId node, bool is_dir, uint32_t mask);
  // inotify_rm_watch: EINVAL for an unknown watch descriptor.
  Result<void> rm_watch(int wd);

  Result<size_t> read(void* buf, size_t n) override;
  Result<fs::Attr> stat() override;
  uint32_t poll_ready() override { return queue_.empty() ? 0 : uint32_t{fs::kPollIn}; }
  Result<int64_t> bytes_available() override { return static_cast<int64_t>(queued_bytes_); }

  void on_event(fs::NodeId node, uint32_t mask, uint32_t cookie, std::string_view name) override;
  void on_node_gone(fs::NodeId node) override;

 private:
  struct Watch {
    fs::NodeId node;
    uint32_t mask;  // IN_* events, IN_ONESHOT, IN_EXCL_UNLINK
  };
  struct Event {
    int32_t wd;
    uint32_t mask;
    uint32_t cookie;
    std::string name;
    size_t size() const;  // as read(2) returns it, the name's padding included
  };
  void queue(Event e);
  // Forget watch `wd` and queue its IN_IGNORED.
  void end_watch(std::map<int, Watch>::iterator it);

  std::weak_ptr<fs::FsNotify> registry_;
  std::map<int, Watch> watches_;
  std::map<fs::NodeId, int> by_node_;
  int last_wd_ = 0;
  std::deque<Event> queue_;
  size_t queued_bytes_ = 0;
};

}  // namespace vmrun
