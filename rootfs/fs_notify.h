// Change notification, the registry behind inotify(7) and dnotify (fcntl
// F_NOTIFY): the VFS reports each change it makes to it, and it hands the
// change to the sinks (an inotify instance, a directory's dnotify) that
// watch the node concerned. Nodes are named by identity (device, inode),
// so a watch follows its node across renames and copy-up. Sinks are held
// weakly: a closed inotify descriptor needs no hook, its marks just lapse.
// Only changes made inside the sandbox are seen.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rootfs/file.h"

namespace vmrun::fs {

// IN_* event bits, as in <sys/inotify.h>.
enum : uint32_t {
  kInAccess = 0x1,
  kInModify = 0x2,
  kInAttrib = 0x4,
  kInCloseWrite = 0x8,
  kInCloseNoWrite = 0x10,
  kInOpen = 0x20,
  kInMovedFrom = 0x40,
  kInMovedTo = 0x80,
  kInCreate = 0x100,
  kInDelete = 0x200,
  kInDeleteSelf = 0x400,
  kInMoveSelf = 0x800,
  kInAllEvents = 0xfff,
  kInQueueOverflow = 0x4000,
  kInIgnored = 0x8000,
  kInIsDir = 0x40000000,
  // Not Linux's: marks an event on an open description of a node that has
  // lost its last name (what IN_EXCL_UNLINK leaves out). Sinks clear it.
  kInOfUnlinked = 0x08000000,
};

struct NodeId {
  uint64_t dev = 0;
  uint64_t ino = 0;
  auto operator<=>(const NodeId&) const = default;
};

// What watches nodes: told of each event on a node it watches.
class NotifySink {
 public:
  virtual ~NotifySink() = default;
  // `name` is the entry of directory `node` the event is about; empty for
  // an event on `node` itself.
  virtual void on_event(NodeId node, uint32_t mask, uint32_t cookie, std::string_view name) = 0;
  // `node` lost its last name: its watches end (inotify: IN_IGNORED).
  virtual void on_node_gone(NodeId node) = 0;
};

class FsNotify {
 public:
  // Where an open file's path leads now: its directory and its name there,
  // if the path still names node `id` (set by the VFS that owns this).
  struct Place {
    NodeId parent;
    std::string name;
  };
  using Locate = std::function<std::optional<Place>(const std::string& path, NodeId id)>;
  void set_locate(Locate locate) { locate_ = std::move(locate); }

  // Nothing watched: the VFS skips the work of describing its changes.
  bool idle() const { return marks_.empty(); }
  // `is_dir`: the node is a directory (events on open files look for
  // their directory only while some directory is watched).
  void add(NodeId node, bool is_dir, const std::shared_ptr<NotifySink>& sink);
  void remove(NodeId node, const NotifySink* sink);

  // An entry of directory `dir` was created, removed or moved: to the
  // directory's watchers, with the entry's name.
  void entry_event(NodeId dir, uint32_t mask, std::string_view name, uint32_t cookie = 0);
  // Node `node` itself changed (IN_ATTRIB, IN_MODIFY, IN_OPEN, ...): to its
  // directory's watchers with its name first (when `parent` is given), as
  // Linux does, then to its own.
  void node_event(NodeId node, uint32_t mask, const Place* parent = nullptr);
  // The same for an open file known by the path it was opened with: the
  // directory is found from the path when it still names the file.
  void path_event(const std::string& path, NodeId node, uint32_t mask);
  // `node` lost its last name (`from`: the directory and name it had):
  // IN_DELETE_SELF to its watchers, then its watches end. While a
  // description of it is open that waits for the last one to close, as
  // Linux's waits for the last reference to the dentry, and events on it
  // still reach the directory it was removed from.
  void node_removed(NodeId node, bool is_dir, const Place* from = nullptr);
  // A description of `node` was opened / closed (OpenNotice).
  void opened(NodeId node) { ++open_[node].count; }
  void closed(NodeId node);
  // The live inotify instances, for Linux's bound on them
  // (max_user_instances); `sink` joins them.
  size_t instances();
  void add_instance(const std::shared_ptr<NotifySink>& sink) { instances_.push_back(sink); }
  // Bytes of events all inotify instances of the run may hold queued (as
  // read(2) returns them): past it an instance overflows as at its own
  // 16384 events. Taking may fail; `force` takes anyway (the overflow
  // event itself).
  static constexpr size_t kMaxQueuedBytes = 64 << 20;
  bool take_queue_bytes(size_t n, bool force = false) {
    if (!force && (n > kMaxQueuedBytes || queued_bytes_ > kMaxQueuedBytes - n)) return false;
    queued_bytes_ += n;
    return true;
  }
  void give_queue_bytes(size_t n) { queued_bytes_ -= n < queued_bytes_ ? n : queued_bytes_; }
  // The cookie that pairs an IN_MOVED_FROM with its IN_MOVED_TO.
  uint32_t next_cookie() { return ++cookie_ ? cookie_ : ++cookie_; }

 private:
  std::vector<std::shared_ptr<NotifySink>> sinks_of(NodeId node);
  void prune();

  struct Marks {
    bool is_dir = false;
    std::vector<std::weak_ptr<NotifySink>> sinks;
  };
  void erase(std::map<NodeId, Marks>::iterator it);

  // Nodes with open descriptions, and whether one lost its last name.
  struct OpenNode {
    size_t count = 0;
    bool removed = false;
    bool is_dir = false;
    std::optional<Place> from;
  };
  void remove_now(NodeId node, bool is_dir);

  std::map<NodeId, OpenNode> open_;
  std::map<NodeId, Marks> marks_;
  size_t dir_marks_ = 0;  // entries of marks_ that are directories
  size_t marks_after_prune_ = 0;
  Locate locate_;
  uint32_t cookie_ = 0;
  std::vector<std::weak_ptr<NotifySink>> instances_;
  size_t queued_bytes_ = 0;
};

// Carried by every description the VFS opens on a watchable node (a file
// or directory of the overlay, /dev/shm or a mount): what events about I/O
// through it need, and IN_CLOSE_WRITE / IN_CLOSE_NOWRITE when the
// description goes away. A directory's dnotify hangs here too.
class OpenNotice {
 public:
  OpenNotice(std::weak_ptr<FsNotify> registry, NodeId id, bool is_dir, bool writer, std::string path, DirRef dir)
      : registry_(std::move(registry)), id_(id), is_dir_(is_dir), writer_(writer), path_(std::move(path)),
        dir_(std::move(dir)) {
    if (auto r = registry_.lock()) r->opened(id_);
  }
  ~OpenNotice();
  OpenNotice(const OpenNotice&) = delete;
  OpenNotice& operator=(const OpenNotice&) = delete;

  // An event on the opened node (IN_ISDIR added for a directory).
  void event(uint32_t mask);
  NodeId id() const { return id_; }
  bool is_dir() const { return is_dir_; }
  std::shared_ptr<FsNotify> registry() const { return registry_.lock(); }

  // fcntl(F_NOTIFY) state of a directory's description.
  std::shared_ptr<NotifySink> dnotify;

 private:
  std::weak_ptr<FsNotify> registry_;
  NodeId id_;
  bool is_dir_;
  bool writer_;
  std::string path_;
  DirRef dir_;  // a directory's current path, across renames
};

}  // namespace vmrun::fs
