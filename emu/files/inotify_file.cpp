#include "emu/files/inotify_file.h"

#include <fcntl.h>
#include <sys/inotify.h>

#include <cstring>

namespace vmrun {

namespace {

constexpr uint32_t kWatchFlags = IN_ALL_EVENTS | IN_ONESHOT | IN_EXCL_UNLINK;
constexpr int kMaxWd = INT32_MAX;

}  // namespace

// The name is padded with NULs to a multiple of the header's size, one NUL
// at least, as Linux pads it.
size_t InotifyFile::Event::size() const {
  if (name.empty()) return kEventHeader;
  return kEventHeader + (name.size() + kEventHeader) / kEventHeader * kEventHeader;
}

InotifyFile::InotifyFile(std::weak_ptr<fs::FsNotify> registry) : registry_(std::move(registry)) { flags = O_RDONLY; }

InotifyFile::~InotifyFile() {
  if (auto r = registry_.lock()) {
    for (auto& [wd, w] : watches_) r->remove(w.node, this);
    r->give_queue_bytes(queued_bytes_);
  }
}

Result<int> InotifyFile::add_watch(const std::shared_ptr<InotifyFile>& self, fs::NodeId node, bool is_dir,
                                   uint32_t mask) {
  uint32_t wanted = mask & kWatchFlags;
  if (auto it = by_node_.find(node); it != by_node_.end()) {
    if (mask & IN_MASK_CREATE) return Err{EEXIST};
    Watch& w = watches_.at(it->second);
    w.mask = (mask & IN_MASK_ADD) ? (w.mask | wanted) : wanted;
    return it->second;
  }
  if (watches_.size() >= kMaxWatches) return Err{ENOSPC};
  auto registry = registry_.lock();
  if (!registry) return Err{ENOSPC};
  // Watch descriptors are not reused until they wrap, as Linux's cyclic ids.
  int wd = last_wd_;
  do {
    wd = wd >= kMaxWd ? 1 : wd + 1;
  } while (watches_.count(wd));
  last_wd_ = wd;
  watches_[wd] = Watch{node, wanted};
  by_node_[node] = wd;
  registry->add(node, is_dir, self);
  return wd;
}

Result<void> InotifyFile::rm_watch(int wd) {
  auto it = watches_.find(wd);
  if (it == watches_.end()) return Err{EINVAL};
  if (auto r = registry_.lock()) r->remove(it->second.node, this);
  end_watch(it);
  return Ok();
}

void InotifyFile::end_watch(std::map<int, Watch>::iterator it) {
  int wd = it->first;
  by_node_.erase(it->second.node);
  watches_.erase(it);
  queue(Event{wd, IN_IGNORED, 0, {}});
}

void InotifyFile::queue(Event e) {
  // An event identical to the last one still unread is merged into it.
  if (!queue_.empty()) {
    const Event& last = queue_.back();
    if (last.wd == e.wd && last.mask == e.mask && last.cookie == e.cookie && last.name == e.name &&
        !(last.mask & IN_IGNORED))
      return;
  }
  auto registry = registry_.lock();
  if (!registry) return;
  if (queue_.size() >= kMaxQueuedEvents || !registry->take_queue_bytes(e.size())) {
    if (!queue_.empty() && queue_.back().mask == IN_Q_OVERFLOW) return;
    e = Event{-1, IN_Q_OVERFLOW, 0, {}};
    registry->take_queue_bytes(e.size(), true);
  }
  queued_bytes_ += e.size();
  queue_.push_back(std::move(e));
}

void InotifyFile::on_event(fs::NodeId node, uint32_t mask, uint32_t cookie, std::string_view name) {
  auto node_it = by_node_.find(node);
  if (node_it == by_node_.end()) return;
  auto it = watches_.find(node_it->second);
  if (!(it->second.mask & mask & IN_ALL_EVENTS)) return;
  if (mask & fs::kInOfUnlinked) {
    if (it->second.mask & IN_EXCL_UNLINK) return;
    mask &= ~uint32_t{fs::kInOfUnlinked};
  }
  // inotify never reported IN_ISDIR with these two; Linux keeps it so.
  if (mask & (IN_DELETE_SELF | IN_MOVE_SELF)) mask &= ~uint32_t{IN_ISDIR};
  queue(Event{it->first, mask, cookie, std::string(name)});
  if (it->second.mask & IN_ONESHOT) {
    if (auto r = registry_.lock()) r->remove(node, this);
    end_watch(it);
  }
}

void InotifyFile::on_node_gone(fs::NodeId node) {
  auto node_it = by_node_.find(node);
  if (node_it == by_node_.end()) return;
  end_watch(watches_.find(node_it->second));
}

Result<size_t> InotifyFile::read(void* buf, size_t n) {
  if (queue_.empty()) return Err{EAGAIN};
  if (queue_.front().size() > n) return Err{EINVAL};
  auto* out = static_cast<uint8_t*>(buf);
  auto registry = registry_.lock();
  size_t done = 0;
  while (!queue_.empty() && queue_.front().size() <= n - done) {
    const Event& e = queue_.front();
    size_t size = e.size();
    uint32_t len = static_cast<uint32_t>(size - kEventHeader);
    std::memset(out + done, 0, size);
    std::memcpy(out + done, &e.wd, 4);
    std::memcpy(out + done + 4, &e.mask, 4);
    std::memcpy(out + done + 8, &e.cookie, 4);
    std::memcpy(out + done + 12, &len, 4);
    std::memcpy(out + done + kEventHeader, e.name.data(), e.name.size());
    done += size;
    queued_bytes_ -= size;
    if (registry) registry->give_queue_bytes(size);
    queue_.pop_front();
  }
  return done;
}

Result<fs::Attr> InotifyFile::stat() { return anon_inode_attr(); }

}  // namespace vmrun
