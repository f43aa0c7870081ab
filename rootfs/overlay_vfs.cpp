// open, stat and the read-only queries of the merged view.
#include "rootfs/overlay_vfs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace vmrun::fs {

namespace {

FileRef with_identity(FileRef f, const std::string& path, int flags) {
  f->path = path;
  f->flags = status_flags(flags);
  return f;
}

}  // namespace

Result<FileRef> OverlayVfs::open(std::string_view base, std::string_view path, int flags, uint32_t mode) {
  TRY_ASSIGN(FileRef f, open_node(base, path, flags, mode));
  core_->notify_opened(f);
  return f;
}

Result<FileRef> OverlayVfs::open_node(std::string_view base, std::string_view path, int flags, uint32_t mode) {
  bool opath = flags & O_PATH;
  if (opath) flags &= O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC;
  int acc = flags & O_ACCMODE;
  if (acc == O_ACCMODE) return Err{EINVAL};
  bool creat = flags & O_CREAT;
  bool excl = creat && (flags & O_EXCL);
  bool follow = !(flags & O_NOFOLLOW) && !excl;
  TRY_ASSIGN(Walk w, core_->resolve(base, path, WalkOptions{follow, !opath}));
  if (w.magic()) {
    // /proc/self/fd/N names the open description itself, whatever its
    // path; /proc/self/ns/<kind> a handle on the namespace (setns).
    FileRef f = core_->magic_target(w);
    if (!f) return Err{ENOENT};
    if (w.magic_fd < 0 && acc != O_RDONLY) return Err{EPERM};  // as Linux's nsfs answers root
    return f;
  }
  if (w.final) {
    if (excl) return Err{EEXIST};
    return open_existing(w, flags);
  }
  if (!creat) return Err{ENOENT};
  if (w.trailing_slash) return Err{EISDIR};
  TRY_ASSIGN(auto target, core_->prepare_create(w));
  uint32_t perm = mode & 07777;
  std::string canon = w.canonical();
  if (target.host) {
    Entry parent = w.stack.back().entry;
    TRY_ASSIGN(FileRef f, core_->host_open_file(parent, flags, true, perm, target.host, w.name));
    core_->notify_created(w, false);
    return with_identity(std::move(f), canon, flags);
  }
  NodeRef n = core_->new_node(NodeKind::kReg, S_IFREG | perm, target.mem->fsid);
  TRY_VOID(core_->insert_child(target.mem, w.name, n));
  core_->notify_created(w, false);
  return with_identity(make_mem_file(std::move(n), flags), canon, flags);
}

Result<FileRef> OverlayVfs::open_existing(Walk& w, int flags) {
  Entry& e = *w.final;
  int acc = flags & O_ACCMODE;
  bool opath = flags & O_PATH;
  std::string canon = w.canonical();
  if (e.is_symlink()) {  // only reached when not following
    if (opath) return with_identity(core_->make_path_file(e), canon, flags);
    return Err{ELOOP};
  }
  if ((flags & O_DIRECTORY) && !e.is_dir()) return Err{ENOTDIR};
  if (opath) {
    FileRef f = with_identity(core_->make_path_file(e), canon, flags);
    if (e.is_dir()) f->dir = core_->dir_handle(w);
    return f;
  }
  Attr a = e.attr();
  if (e.is_dir()) {
    if (acc != O_RDONLY || (flags & O_CREAT)) return Err{EISDIR};
    TRY_VOID(core_->check_access(a, kR));
    FileRef f = with_identity(core_->make_dir_file(e), canon, flags);
    f->dir = core_->dir_handle(w);
    return f;
  }
  bool want_write = acc != O_RDONLY || (flags & O_TRUNC);
  if (want_write && mount_ro(e)) return Err{EROFS};
  int want = (acc != O_WRONLY ? kR : 0) | (want_write ? kW : 0);
  if (e.fsid == kFsProc && want_write) return Err{EACCES};
  TRY_VOID(core_->check_access(a, want));

  if (e.in_mount()) {
    if (!S_ISREG(e.st.st_mode)) return Err{EACCES};
    TRY_ASSIGN(FileRef f, core_->host_open_file(e, flags, false, 0, nullptr, {}));
    if ((flags & O_TRUNC) && want_write) core_->notify_changed(w, kInModify);
    return with_identity(std::move(f), canon, flags);
  }
  if (!e.mem) {
    if (!S_ISREG(e.st.st_mode)) return Err{EACCES};  // host fifos/devices/sockets stay closed
    if (!want_write) {
      TRY_ASSIGN(FileRef f, core_->host_open_file(e, flags, false, 0, nullptr, {}));
      return with_identity(std::move(f), canon, flags);
    }
    if (flags & O_TRUNC) {
      // Skip reading data that is about to be discarded.
      TRY_ASSIGN(NodeRef parent, core_->ensure_upper_dir(w, w.stack.size() - 1));
      NodeRef n = core_->new_node(NodeKind::kReg, e.st.st_mode, kFsOverlay);
      n->uid = e.st.st_uid;
      n->gid = e.st.st_gid;
      n->ino = e.st.st_ino;
      n->links = 1;
      parent->children[w.name] = n;
      core_->notify_changed(w, kInModify);
      return with_identity(make_mem_file(std::move(n), flags), canon, flags);
    }
    TRY_VOID(core_->copy_up_final(w));
  }
  const NodeRef& n = e.mem;
  switch (n->kind) {
    case NodeKind::kReg:
      if ((flags & O_TRUNC) && want_write) {
        TRY_VOID(n->resize(0));
        n->touch_modified();
        core_->notify_changed(w, kInModify);
      }
      return with_identity(make_mem_file(n, flags), canon, flags);
    case NodeKind::kFifo: return with_identity(make_fifo_file(n, flags), canon, flags);
    case NodeKind::kSocket: return Err{ENXIO};  // sockets are reached by connect(2), not open(2)
    case NodeKind::kCharDev: {
      TRY_ASSIGN(FileRef f, core_->open_device(n, flags));
      return with_identity(std::move(f), canon, flags);
    }
    case NodeKind::kProcFile: {
      TRY_ASSIGN(FileRef f, core_->open_proc_file(n, flags));
      return with_identity(std::move(f), canon, flags);
    }
    default: return Err{EACCES};
  }
}

Result<Attr> OverlayVfs::stat(std::string_view base, std::string_view path, bool follow) {
  TRY_ASSIGN(Walk w, core_->resolve(base, path, WalkOptions{follow, follow}));
  if (w.magic()) {
    FileRef f = core_->magic_target(w);
    if (!f) return Err{ENOENT};
    return f->stat();
  }
  if (!w.final) return Err{ENOENT};
  return w.final->attr();
}

Result<std::string> OverlayVfs::readlink(std::string_view base, std::string_view path) {
  TRY_ASSIGN(Walk w, core_->resolve(base, path, WalkOptions{false, false}));
  if (!w.final) return Err{ENOENT};
  if (!w.final->is_symlink()) return Err{EINVAL};
  return core_->link_target(*w.final);
}

Result<void> OverlayVfs::access(std::string_view base, std::string_view path, int amode, bool follow) {
  if (amode & ~7) return Err{EINVAL};
  TRY_ASSIGN(Walk w, core_->resolve(base, path, WalkOptions{follow, false}));
  if (!w.final) return Err{ENOENT};
  if (amode == F_OK) return Ok();
  if ((amode & W_OK) && mount_ro(*w.final)) return Err{EROFS};
  return core_->check_access(w.final->attr(), amode);
}

Result<std::string> OverlayVfs::resolve_dir(std::string_view base, std::string_view path) {
  TRY_ASSIGN(Walk w, core_->resolve(base, path, WalkOptions{true, false}));
  if (!w.final) return Err{ENOENT};
  if (!w.final->is_dir()) return Err{ENOTDIR};
  TRY_VOID(core_->check_access(w.final->attr(), kX));
  return w.canonical();
}

Result<DirRef> OverlayVfs::open_dir(std::string_view base, std::string_view path) {
  TRY_ASSIGN(Walk w, core_->resolve(base, path, WalkOptions{true, false}));
  if (!w.final) return Err{ENOENT};
  if (!w.final->is_dir()) return Err{ENOTDIR};
  TRY_VOID(core_->check_access(w.final->attr(), kX));
  return core_->dir_handle(w);
}

FileRef OverlayVfs::create_memfd(std::string_view name) {
  NodeRef n = core_->new_node(NodeKind::kReg, S_IFREG | 0777, kFsShm);
  n->changed = false;  // never reported: it has no path
  return with_identity(make_mem_file(std::move(n), O_RDWR), "/memfd:" + std::string(name) + " (deleted)", O_RDWR);
}

Result<FsStats> OverlayVfs::statfs(std::string_view base, std::string_view path) {
  TRY_ASSIGN(Walk w, core_->resolve(base, path, WalkOptions{true, false}));
  if (!w.final) return Err{ENOENT};
  return core_->fs_stats(*w.final, w.canonical());
}

Result<std::string> OverlayVfs::read_whole_file(std::string_view path, uint64_t max_bytes) {
  TRY_ASSIGN(Walk w, core_->resolve("/", path, WalkOptions{true, false}));
  if (!w.final) return Err{ENOENT};
  const Entry& e = *w.final;
  if (e.is_dir()) return Err{EISDIR};
  if (e.mem) {
    if (e.mem->kind == NodeKind::kReg) {
      if (e.mem->data.size() > max_bytes) return Err{EFBIG};
      return e.mem->data.contents();
    }
    if (e.mem->kind != NodeKind::kProcFile || !e.mem->content) return Err{EINVAL};
    std::string data = e.mem->content();
    if (data.size() > max_bytes) return Err{EFBIG};
    return data;
  }
  return core_->host_read_all(e, max_bytes);
}

}  // namespace vmrun::fs
