#include "rootfs/fs_notify.h"

#include <algorithm>

namespace vmrun::fs {

void FsNotify::add(NodeId node, bool is_dir, const std::shared_ptr<NotifySink>& sink) {
  auto [it, fresh] = marks_.try_emplace(node);
  if (fresh && is_dir) {
    it->second.is_dir = true;
    ++dir_marks_;
  }
  auto& list = it->second.sinks;
  for (auto& w : list)
    if (w.lock() == sink) return;
  list.push_back(sink);
  if (marks_.size() > 2 * marks_after_prune_ + 64) prune();
}

void FsNotify::remove(NodeId node, const NotifySink* sink) {
  auto it = marks_.find(node);
  if (it == marks_.end()) return;
  auto& list = it->second.sinks;
  list.erase(std::remove_if(list.begin(), list.end(),
                            [sink](const std::weak_ptr<NotifySink>& w) {
                              auto s = w.lock();
                              return !s || s.get() == sink;
                            }),
             list.end());
  if (list.empty()) erase(it);
}

void FsNotify::erase(std::map<NodeId, Marks>::iterator it) {
  if (it->second.is_dir) --dir_marks_;
  marks_.erase(it);
}

// Drop the marks of sinks that are gone (closed inotify descriptors).
void FsNotify::prune() {
  for (auto it = marks_.begin(); it != marks_.end();) {
    auto& list = it->second.sinks;
    list.erase(std::remove_if(list.begin(), list.end(), [](const std::weak_ptr<NotifySink>& w) { return w.expired(); }),
               list.end());
    auto next = std::next(it);
    if (list.empty()) erase(it);
    it = next;
  }
  marks_after_prune_ = marks_.size();
}

// The live sinks watching `node`, as a copy: a sink may drop its watch
// (IN_ONESHOT) while being told.
std::vector<std::shared_ptr<NotifySink>> FsNotify::sinks_of(NodeId node) {
  std::vector<std::shared_ptr<NotifySink>> out;
  auto it = marks_.find(node);
  if (it == marks_.end()) return out;
  auto& list = it->second.sinks;
  bool stale = false;
  for (auto& w : list) {
    if (auto s = w.lock()) out.push_back(std::move(s));
    else stale = true;
  }
  if (stale) {
    list.erase(std::remove_if(list.begin(), list.end(), [](const std::weak_ptr<NotifySink>& w) { return w.expired(); }),
               list.end());
    if (list.empty()) erase(it);
  }
  return out;
}

void FsNotify::entry_event(NodeId dir, uint32_t mask, std::string_view name, uint32_t cookie) {
  if (idle()) return;
  for (auto& s : sinks_of(dir)) s->on_event(dir, mask, cookie, name);
}

void FsNotify::node_event(NodeId node, uint32_t mask, const Place* parent) {
  if (idle()) return;
  if (parent && !parent->name.empty())
    for (auto& s : sinks_of(parent->parent)) s->on_event(parent->parent, mask, 0, parent->name);
  for (auto& s : sinks_of(node)) s->on_event(node, mask, 0, {});
}

void FsNotify::path_event(const std::string& path, NodeId node, uint32_t mask) {
  if (idle()) return;
  std::optional<Place> place;
  if (locate_ && dir_marks_) place = locate_(path, node);
  if (auto it = open_.find(node); it != open_.end() && it->second.removed) {
    mask |= kInOfUnlinked;
    if (!place) place = it->second.from;
  }
  node_event(node, mask, place ? &*place : nullptr);
}

void FsNotify::node_removed(NodeId node, bool is_dir, const Place* from) {
  if (idle()) return;
  if (auto it = open_.find(node); it != open_.end() && it->second.count) {
    it->second.removed = true;
    it->second.is_dir = is_dir;
    if (from) it->second.from = *from;
    return;
  }
  remove_now(node, is_dir);
}

void FsNotify::closed(NodeId node) {
  auto it = open_.find(node);
  if (it == open_.end() || --it->second.count) return;
  bool removed = it->second.removed, is_dir = it->second.is_dir;
  open_.erase(it);
  if (removed && !idle()) remove_now(node, is_dir);
}

void FsNotify::remove_now(NodeId node, bool is_dir) {
  auto sinks = sinks_of(node);
  for (auto& s : sinks) s->on_event(node, kInDeleteSelf | (is_dir ? uint32_t{kInIsDir} : 0u), 0, {});
  for (auto& s : sinks) s->on_node_gone(node);
  if (auto it = marks_.find(node); it != marks_.end()) erase(it);
}

size_t FsNotify::instances() {
  instances_.erase(std::remove_if(instances_.begin(), instances_.end(),
                                  [](const std::weak_ptr<NotifySink>& w) { return w.expired(); }),
                   instances_.end());
  return instances_.size();
}

OpenNotice::~OpenNotice() {
  auto registry = registry_.lock();
  if (!registry) return;
  if (!registry->idle())
    registry->path_event(dir_ ? dir_->path() : path_, id_,
                         (writer_ ? uint32_t{kInCloseWrite} : uint32_t{kInCloseNoWrite}) |
                             (is_dir_ ? uint32_t{kInIsDir} : 0u));
  registry->closed(id_);
}

void OpenNotice::event(uint32_t mask) {
  auto registry = registry_.lock();
  if (!registry || registry->idle()) return;
  registry->path_event(dir_ ? dir_->path() : path_, id_, mask | (is_dir_ ? uint32_t{kInIsDir} : 0u));
}

}  // namespace vmrun::fs
