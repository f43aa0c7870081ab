// Creating, removing and renaming names. In-memory layers are changed
// through VfsCore (copy-up, whiteouts); rw mounts through single-component
// *at() calls on directory fds of the mount; ro mounts give EROFS.
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rootfs/overlay_vfs.h"

namespace vmrun::fs {

namespace {

Result<void> host_call(int rc) {
  if (rc != 0) return Err{errno};
  return Ok();
}

bool busy(const Entry& e) {
  // Layer roots, mount points, /dev, /proc and their fixed entries.
  return e.layer_root() || (e.mem && e.mem->synthetic) || e.fsid == kFsProc;
}

}  // namespace

Result<void> OverlayVfs::mkdir(std::string_view base, std::string_view path, uint32_t mode) {
  TRY_ASSIGN(Walk w, core_->resolve(base, path, WalkOptions{false, false}));
  if (w.final) return Err{EEXIST};
  TRY_ASSIGN(auto target, core_->prepare_create(w));
  uint32_t perm = mode & 07777;
  if (target.host) {
    TRY_VOID(host_call(::mkdirat(target.host->get(), w.name.c_str(), perm)));
  } else {
    NodeRef n = core_->new_node(NodeKind::kDir, S_IFDIR | perm, target.mem->fsid);
    TRY_VOID(core_->insert_child(target.mem, w.name, std::move(n)));
  }
  core_->notify_created(w, true);
  return Ok();
}

Result<void> OverlayVfs::mknod(std::string_view base, std::string_view path, uint32_t mode, uint64_t dev) {
  uint32_t type = mode & S_IFMT;
  if (type == 0) type = S_IFREG;
  if (type != S_IFREG && type != S_IFIFO && type != S_IFSOCK) return Err{EPERM};
  TRY_ASSIGN(Walk w, core_->resolve(base, path, WalkOptions{false, false}));
  if (w.final) return Err{EEXIST};
  if (w.trailing_slash) return Err{ENOENT};
  TRY_ASSIGN(auto target, core_->prepare_create(w));
  uint32_t perm = mode & 07777;
  if (target.host) {
    // Host FIFOs could block us on open, host sockets reach outside the
    // sandbox; only regular files reach the host.
    if (type != S_IFREG) return Err{EPERM};
    int fd = ::openat(target.host->get(), w.name.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, perm);
    if (fd < 0) return Err{errno};
    ::close(fd);
    core_->notify_created(w, false);
    return Ok();
  }
  NodeKind kind = type == S_IFREG ? NodeKind::kReg : type == S_IFIFO ? NodeKind::kFifo : NodeKind::kSocket;
  NodeRef n = core_->new_node(kind, type | perm, target.mem->fsid);
  TRY_VOID(core_->insert_child(target.mem, w.name, std::move(n)));
  core_->notify_created(w, false);
  return Ok();
}

Result<void> OverlayVfs::bind_socket(std::string_view base, std::string_view path, uint32_t mode,
                                     std::weak_ptr<SocketEndpoint> socket) {
  TRY_ASSIGN(Walk w, core_->resolve(base, path, WalkOptions{false, false}));
  if (w.final) return Err{EADDRINUSE};  // whatever it is, even a dangling symlink
  if (w.trailing_slash) return Err{ENOENT};
  TRY_ASSIGN(auto target, core_->prepare_create(w));
  if (target.host) return Err{EPERM};  // a rw mount: the name would be a host socket
  NodeRef n = core_->new_node(NodeKind::kSocket, S_IFSOCK | (mode & 07777), target.mem->fsid);
  n->socket = std::move(socket);
  TRY_VOID(core_->insert_child(target.mem, w.name, std::move(n)));
  core_->notify_created(w, false);
  return Ok();
}

Result<std::shared_ptr<SocketEndpoint>> OverlayVfs::find_socket(std::string_view base, std::string_view path) {
  TRY_ASSIGN(Walk w, core_->resolve(base, path, WalkOptions{true, false}));
  if (!w.final) return Err{ENOENT};
  const Entry& e = *w.final;
  TRY_VOID(core_->check_access(e.attr(), kW));
  if (!e.mem || e.mem->kind != NodeKind::kSocket) return Err{ECONNREFUSED};
  auto s = e.mem->socket.lock();
  if (!s) return Err{ECONNREFUSED};
  return s;
}

Result<void> OverlayVfs::rmdir(std::string_view base, std::string_view path) {
  TRY_ASSIGN(Walk w, core_->resolve(base, path, WalkOptions{false, false}));
  if (!w.final) return Err{ENOENT};
  if (w.dot_final) {
    // Linux: "." is EINVAL, ".." ENOTEMPTY, the root EBUSY.
    std::string_view last = path;
    while (last.size() > 1 && last.back() == '/') last.remove_suffix(1);
    if (auto slash = last.rfind('/'); slash != std::string_view::npos && last.size() > 1) last.remove_prefix(slash + 1);
    if (last == "..") return Err{ENOTEMPTY};
    return Err{w.stack.size() == 1 && last != "." ? EBUSY : EINVAL};
  }
  const Entry& e = *w.final;
  if (!e.is_dir()) return Err{ENOTDIR};
  if (busy(e)) return Err{EBUSY};
  const Entry& parent = w.stack.back().entry;
  if (mount_ro(parent)) return Err{EROFS};
  TRY_VOID(core_->check_access(parent.attr(), kW | kX));
  TRY_VOID(core_->check_sticky(parent, e));
  TRY_ASSIGN(auto listing, core_->list(e));
  if (listing.size() > 2) return Err{ENOTEMPTY};
  Entry gone = e;
  if (parent.in_mount()) TRY_VOID(host_call(::unlinkat(parent.host_dir->get(), w.name.c_str(), AT_REMOVEDIR)));
  else TRY_VOID(core_->remove_mem_child(w));
  core_->dir_removed(gone);
  core_->notify_removed(w, gone, true);
  return Ok();
}

Result<void> OverlayVfs::unlink(std::string_view base, std::string_view path) {
  TRY_ASSIGN(Walk w, core_->resolve(base, path, WalkOptions{false, false}));
  if (!w.final) return Err{ENOENT};
  const Entry& e = *w.final;
  if (w.dot_final || e.is_dir()) return Err{EISDIR};
  if (e.fsid == kFsProc) return Err{EACCES};
  const Entry& parent = w.stack.back().entry;
  if (mount_ro(parent)) return Err{EROFS};
  TRY_VOID(core_->check_access(parent.attr(), kW | kX));
  TRY_VOID(core_->check_sticky(parent, e));
  Entry gone = e;
  bool last_link = true;
  if (parent.in_mount()) {
    TRY_VOID(host_call(::unlinkat(parent.host_dir->get(), w.name.c_str(), 0)));
    last_link = gone.st.st_nlink <= 1;
  } else {
    TRY_VOID(core_->remove_mem_child(w));
    if (gone.mem) last_link = gone.mem->links == 0;
  }
  core_->notify_removed(w, gone, last_link);
  return Ok();
}

Result<void> OverlayVfs::rename(std::string_view old_base, std::string_view old_path, std::string_view new_base,
                                std::string_view new_path, unsigned flags) {
  if (flags & ~unsigned{RENAME_NOREPLACE}) return Err{EINVAL};
  TRY_ASSIGN(Walk ow, core_->resolve(old_base, old_path, WalkOptions{false, false}));
  if (!ow.final) return Err{ENOENT};
  TRY_ASSIGN(Walk nw, core_->resolve(new_base, new_path, WalkOptions{false, false}));
  if (ow.dot_final || nw.dot_final) return Err{EBUSY};
  Entry& o = *ow.final;
  const Entry& oparent = ow.stack.back().entry;
  const Entry& nparent = nw.stack.back().entry;
  if (oparent.fsid != nparent.fsid) return Err{EXDEV};
  if (busy(o) || (nw.final && busy(*nw.final))) return Err{EBUSY};
  if (mount_ro(oparent)) return Err{EROFS};
  std::string oc = ow.canonical(), nc = nw.canonical();
  if (oc == nc) return Ok();
  if (nw.final) {
    const Entry& n = *nw.final;
    Attr oa = o.attr(), na = n.attr();
    if (oa.ino == na.ino && oa.dev == na.dev) return Ok();  // two names of one file
    if (flags & RENAME_NOREPLACE) return Err{EEXIST};
    if (o.is_dir() && !n.is_dir()) return Err{ENOTDIR};
    if (!o.is_dir() && n.is_dir()) return Err{EISDIR};
    if (n.is_dir()) {
      TRY_ASSIGN(auto listing, core_->list(n));
      if (listing.size() > 2) return Err{ENOTEMPTY};
    }
  } else if (nw.trailing_slash && !o.is_dir()) {
    return Err{ENOTDIR};
  }
  if (o.is_dir() && nc.size() > oc.size() && nc.compare(0, oc.size(), oc) == 0 && nc[oc.size()] == '/')
    return Err{EINVAL};
  TRY_VOID(core_->check_access(oparent.attr(), kW | kX));
  TRY_VOID(core_->check_access(nparent.attr(), kW | kX));
  TRY_VOID(core_->check_sticky(oparent, o));
  if (nw.final) TRY_VOID(core_->check_sticky(nparent, *nw.final));

  // Open directories and working directories follow a moved directory; a
  // directory replaced by the move is gone.
  std::optional<Entry> replaced;
  if (nw.final && nw.final->is_dir()) replaced = *nw.final;
  std::optional<Entry> overwritten = nw.final;  // the node the new name named, if any
  auto moved = [&] {
    if (replaced) core_->dir_removed(*replaced);
    if (o.is_dir()) core_->dirs_moved(oc, nc);
    core_->notify_moved(ow, nw, o, overwritten);
  };
  if (oparent.in_mount()) {
    TRY_VOID(host_call(::renameat2(oparent.host_dir->get(), ow.name.c_str(), nparent.host_dir->get(),
                                   nw.name.c_str(), flags)));
    moved();
    return Ok();
  }
  // A directory with lower content would need a recursive copy-up; like
  // overlayfs without redirect_dir we answer EXDEV (mv falls back to copying).
  if (o.is_dir() && o.host_dir) return Err{EXDEV};
  bool dest_has_lower = core_->lower_has(nparent, nw.name);
  TRY_VOID(core_->copy_up_final(ow));
  NodeRef node = o.mem;
  TRY_ASSIGN(NodeRef np, core_->ensure_upper_dir(nw, nw.stack.size() - 1));
  TRY_VOID(core_->remove_mem_child(ow));
  if (nw.final && nw.final->mem && nw.final->mem->links > 0) --nw.final->mem->links;
  if (node->kind == NodeKind::kDir && dest_has_lower) node->opaque = true;
  np->children[nw.name] = node;
  ++node->links;
  Timespec now = core_->shared->now();
  np->mtime = np->ctime = now;
  node->ctime = now;
  node->changed = true;
  moved();
  return Ok();
}

Result<void> OverlayVfs::link(std::string_view old_base, std::string_view old_path, std::string_view new_base,
                              std::string_view new_path, bool follow) {
  TRY_ASSIGN(Walk ow, core_->resolve(old_base, old_path, WalkOptions{follow, false}));
  if (!ow.final) return Err{ENOENT};
  if (ow.dot_final || ow.final->is_dir()) return Err{EPERM};
  TRY_ASSIGN(Walk nw, core_->resolve(new_base, new_path, WalkOptions{false, false}));
  if (nw.final) return Err{EEXIST};
  if (nw.trailing_slash) return Err{ENOENT};
  Entry& o = *ow.final;
  const Entry& nparent = nw.stack.back().entry;
  if (o.fsid != nparent.fsid) return Err{EXDEV};
  if (busy(o)) return Err{EPERM};
  TRY_ASSIGN(auto target, core_->prepare_create(nw));
  if (target.host) {
    if (!o.host_parent) return Err{EPERM};
    TRY_VOID(host_call(::linkat(o.host_parent->get(), o.host_name.c_str(), target.host->get(), nw.name.c_str(), 0)));
  } else {
    TRY_VOID(core_->copy_up_final(ow));
    NodeRef node = o.mem;
    TRY_VOID(core_->insert_child(target.mem, nw.name, node));
    node->ctime = core_->shared->now();
    node->changed = true;
  }
  // The file's link count changed, then its new name appeared.
  if (!core_->notify->idle()) core_->notify->node_event(node_id(o), kInAttrib);
  core_->notify_created(nw, false);
  return Ok();
}

Result<void> OverlayVfs::symlink(std::string_view target, std::string_view base, std::string_view path) {
  if (target.empty()) return Err{ENOENT};
  if (target.size() >= kPathMax) return Err{ENAMETOOLONG};
  if (target.find('\0') != std::string_view::npos) return Err{EINVAL};
  TRY_ASSIGN(Walk w, core_->resolve(base, path, WalkOptions{false, false}));
  if (w.final) return Err{EEXIST};
  if (w.trailing_slash) return Err{ENOENT};
  TRY_ASSIGN(auto where, core_->prepare_create(w));
  std::string t(target);
  // Created on the host as a plain symlink; only our walk ever follows it.
  if (where.host) {
    TRY_VOID(host_call(::symlinkat(t.c_str(), where.host->get(), w.name.c_str())));
  } else {
    NodeRef n = core_->new_node(NodeKind::kSymlink, S_IFLNK | 0777, where.mem->fsid);
    n->target = std::move(t);
    TRY_VOID(core_->insert_child(where.mem, w.name, std::move(n)));
  }
  core_->notify_created(w, false);
  return Ok();
}

}  // namespace vmrun::fs
