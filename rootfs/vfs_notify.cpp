// The VFS's side of change notification (rootfs/fs_notify.h): each call
// that changes the tree describes its change to the registry, as Linux's
// fsnotify hooks do, in the same order. Nothing is described while
// nothing is watched.
#include <fcntl.h>
#include <sys/stat.h>

#include "rootfs/vfs_core.h"

namespace vmrun::fs {

namespace {

uint32_t dir_bit(const Entry& e) { return e.is_dir() ? uint32_t{kInIsDir} : 0u; }

// The directory holding w's final entry and its name there; none for the root.
std::optional<FsNotify::Place> place_of(const Walk& w) {
  if (!w.dot_final) return FsNotify::Place{node_id(w.stack.back().entry), w.name};
  if (w.stack.size() < 2) return std::nullopt;
  return FsNotify::Place{node_id(w.stack[w.stack.size() - 2].entry), w.stack.back().name};
}

}  // namespace

void VfsCore::notify_created(const Walk& w, bool is_dir) {
  if (notify->idle()) return;
  notify->entry_event(node_id(w.stack.back().entry), kInCreate | (is_dir ? uint32_t{kInIsDir} : 0u), w.name);
}

void VfsCore::notify_changed(const Walk& w, uint32_t mask) {
  if (notify->idle() || !w.final) return;
  auto place = place_of(w);
  notify->node_event(node_id(*w.final), mask | dir_bit(*w.final), place ? &*place : nullptr);
}

void VfsCore::notify_removed(const Walk& w, const Entry& victim, bool last_link) {
  if (notify->idle()) return;
  NodeId id = node_id(victim);
  // unlink changes the file's link count; rmdir says nothing of it.
  if (!victim.is_dir()) notify->node_event(id, kInAttrib);
  FsNotify::Place from{node_id(w.stack.back().entry), w.name};
  if (last_link) notify->node_removed(id, victim.is_dir(), &from);
  notify->entry_event(from.parent, kInDelete | dir_bit(victim), w.name);
}

void VfsCore::notify_moved(const Walk& ow, const Walk& nw, const Entry& moved, const std::optional<Entry>& overwritten) {
  if (notify->idle()) return;
  uint32_t cookie = notify->next_cookie();
  uint32_t dir = dir_bit(moved);
  notify->entry_event(node_id(ow.stack.back().entry), kInMovedFrom | dir, ow.name, cookie);
  notify->entry_event(node_id(nw.stack.back().entry), kInMovedTo | dir, nw.name, cookie);
  bool gone = false;
  if (overwritten) {
    NodeId id = node_id(*overwritten);
    notify->node_event(id, kInAttrib | dir_bit(*overwritten));
    // A lower file's host link count says nothing of the overlay's names.
    gone = overwritten->mem ? overwritten->mem->links == 0
                            : !overwritten->in_mount() || overwritten->st.st_nlink <= 1 || overwritten->is_dir();
  }
  notify->node_event(node_id(moved), kInMoveSelf | dir);
  if (gone) {
    FsNotify::Place from{node_id(nw.stack.back().entry), nw.name};
    notify->node_removed(node_id(*overwritten), overwritten->is_dir(), &from);
  }
}

void VfsCore::notify_opened(const FileRef& f) {
  if (f->notice || (f->flags & O_PATH)) return;
  auto attr = f->stat();
  if (!attr) return;
  uint32_t type = attr->mode & S_IFMT;
  if (type != S_IFREG && type != S_IFDIR) return;
  if (attr->dev == dev_for_fsid(kFsDev) || attr->dev == dev_for_fsid(kFsProc)) return;
  bool writer = (f->flags & O_ACCMODE) != O_RDONLY;
  f->notice = std::make_shared<OpenNotice>(notify, NodeId{attr->dev, attr->ino}, type == S_IFDIR, writer, f->path, f->dir);
  f->notice->event(kInOpen);
}

}  // namespace vmrun::fs
