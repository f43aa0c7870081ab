// Overlay mechanics on the in-memory layers: new nodes, copy-up of lower
// entries (and their parent directories), inserting and removing names
// with whiteouts, so the lower host tree is never touched.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rootfs/vfs_core.h"

namespace vmrun::fs {
namespace {

// chmod of NAME in a host directory without following a final symlink.
// glibc's fchmodat(..., AT_SYMLINK_NOFOLLOW) cannot be used: before the
// fchmodat2 syscall it is emulated through chmod("/proc/self/fd/N"), a
// path-based call the emulator's seccomp allowlist refuses. Regular files
// and directories are opened (no symlink followed) and changed through the
// descriptor; other kinds (FIFOs, sockets, devices), which must not be
// opened, are changed by name once an O_PATH look shows they are not a
// symlink. The guest cannot race the window between the two: it is
// stopped while we run.
Result<void> host_chmod_nofollow(int parent, const std::string& name, uint32_t mode) {
  int probe = ::openat(parent, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (probe < 0) return Err{errno};
  struct stat st {};
  int rc = ::fstat(probe, &st);
  int saved = errno;
  ::close(probe);
  if (rc != 0) return Err{saved};
  if (S_ISLNK(st.st_mode)) return Err{EOPNOTSUPP};
  if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
    int flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | (S_ISDIR(st.st_mode) ? O_DIRECTORY : 0);
    int fd = ::openat(parent, name.c_str(), flags);
    if (fd >= 0) {
      struct stat now {};
      bool same = ::fstat(fd, &now) == 0 && now.st_dev == st.st_dev && now.st_ino == st.st_ino;
      rc = same ? ::fchmod(fd, mode & 07777) : -1;
      saved = same ? errno : ESTALE;
      ::close(fd);
      if (rc != 0) return Err{saved};
      return Ok();
    }
    if (errno != EACCES) return Err{errno};
    // Unreadable to a host user without CAP_DAC_OVERRIDE: by name below.
  }
  if (::fchmodat(parent, name.c_str(), mode & 07777, 0) != 0) return Err{errno};
  return Ok();
}

}  // namespace

NodeRef VfsCore::new_node(NodeKind kind, uint32_t mode, int fsid) {
  auto n = std::make_shared<MemNode>(kind, shared);
  n->mode = mode;
  n->uid = config.uid;
  n->gid = config.gid;
  n->ino = shared->next_ino++;
  n->fsid = fsid;
  n->atime = n->mtime = n->ctime = shared->now();
  n->changed = true;
  return n;
}

namespace {

void copy_host_attrs(MemNode& n, const struct stat& st) {
  n.mode = st.st_mode;
  n.uid = st.st_uid;
  n.gid = st.st_gid;
  n.ino = st.st_ino;  // copy-up keeps the inode number stable
  n.atime = {st.st_atim.tv_sec, st.st_atim.tv_nsec};
  n.mtime = {st.st_mtim.tv_sec, st.st_mtim.tv_nsec};
  n.ctime = {st.st_ctim.tv_sec, st.st_ctim.tv_nsec};
}

}  // namespace

Result<NodeRef> VfsCore::ensure_upper_dir(Walk& w, size_t level) {
  if (level >= w.stack.size()) return Err{EINVAL};
  for (size_t i = 1; i <= level; ++i) {
    Entry& e = w.stack[i].entry;
    if (e.mem) continue;
    if (e.fsid != kFsOverlay) return Err{EROFS};
    const NodeRef& parent = w.stack[i - 1].entry.mem;
    if (!parent || parent->kind != NodeKind::kDir) return Err{EROFS};
    // Another walk may have copied this directory up already.
    auto it = parent->children.find(w.stack[i].name);
    if (it != parent->children.end() && !is_whiteout(it->second) && it->second->kind == NodeKind::kDir) {
      e.mem = it->second;
      continue;
    }
    auto n = std::make_shared<MemNode>(NodeKind::kDir, shared);
    copy_host_attrs(*n, e.st);
    n->fsid = kFsOverlay;
    n->links = 1;
    parent->children[w.stack[i].name] = n;
    e.mem = std::move(n);
  }
  return w.stack[level].entry.mem;
}

Result<void> VfsCore::copy_up_final(Walk& w) {
  if (!w.final) return Err{ENOENT};
  Entry& f = *w.final;
  if (f.mem) return Ok();
  if (f.fsid != kFsOverlay) return Err{EROFS};
  if (w.dot_final) {
    TRY_ASSIGN(NodeRef d, ensure_upper_dir(w, w.stack.size() - 1));
    f.mem = d;
    return Ok();
  }
  TRY_ASSIGN(NodeRef parent, ensure_upper_dir(w, w.stack.size() - 1));
  auto it = parent->children.find(w.name);
  if (it != parent->children.end() && !is_whiteout(it->second)) {
    f.mem = it->second;
  } else {
    NodeRef n;
    uint32_t type = f.st.st_mode & S_IFMT;
    if (type == S_IFDIR) {
      n = std::make_shared<MemNode>(NodeKind::kDir, shared);
    } else if (type == S_IFREG) {
      uint64_t size = static_cast<uint64_t>(f.st.st_size);
      if (size > kMaxCopyUpSize) return Err{EFBIG};
      TRY_VOID(shared->resize_accounting(0, size));  // quota first: files can be huge
      auto data = host_read_all(f, kMaxCopyUpSize);
      (void)shared->resize_accounting(size, 0);
      if (!data) return Err{data.error()};
      n = std::make_shared<MemNode>(NodeKind::kReg, shared);
      TRY_VOID(shared->resize_accounting(0, data->size()));
      n->data.assign(data.value());
    } else if (type == S_IFLNK) {
      TRY_ASSIGN(std::string target, link_target(f));
      n = std::make_shared<MemNode>(NodeKind::kSymlink, shared);
      n->target = std::move(target);
    } else if (type == S_IFIFO) {
      n = std::make_shared<MemNode>(NodeKind::kFifo, shared);
    } else {
      return Err{EPERM};  // host devices and sockets are never brought up
    }
    copy_host_attrs(*n, f.st);
    n->fsid = kFsOverlay;
    n->links = 1;
    parent->children[w.name] = n;
    f.mem = std::move(n);
  }
  if (!f.is_dir()) {
    f.has_host = false;
    f.host_parent.reset();
  }
  return Ok();
}

bool VfsCore::lower_has(const Entry& dir, std::string_view name) const {
  if (dir.fsid != kFsOverlay || !dir.host_dir) return false;
  if (dir.mem && dir.mem->opaque) return false;
  std::string n(name);
  struct stat st {};
  return ::fstatat(dir.host_dir->get(), n.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
}

Result<VfsCore::CreateTarget> VfsCore::prepare_create(Walk& w) {
  Entry& dir = w.stack.back().entry;
  if (dir.fsid == kFsProc) return Err{EACCES};
  if (dir.in_mount() && !mount_writable[static_cast<size_t>(dir.fsid - kFsMountBase)]) return Err{EROFS};
  TRY_VOID(check_access(dir.attr(), kW | kX));
  if (dir.in_mount()) return CreateTarget{nullptr, dir.host_dir};
  TRY_ASSIGN(NodeRef parent, ensure_upper_dir(w, w.stack.size() - 1));
  if (parent->kind != NodeKind::kDir) return Err{EACCES};
  return CreateTarget{parent, nullptr};
}

Result<void> VfsCore::insert_child(const NodeRef& dir, std::string_view name, NodeRef child) {
  auto it = dir->children.find(name);
  if (it != dir->children.end()) {
    // A whiteout means the lower layer has this name: a new directory
    // here must not show the old lower content.
    if (is_whiteout(it->second) && child->kind == NodeKind::kDir) child->opaque = true;
    it->second = child;
  } else {
    dir->children.emplace(std::string(name), child);
  }
  ++child->links;
  dir->mtime = dir->ctime = shared->now();
  return Ok();
}

Result<void> VfsCore::remove_mem_child(Walk& w) {
  if (!w.final || w.dot_final) return Err{EINVAL};
  TRY_ASSIGN(NodeRef parent, ensure_upper_dir(w, w.stack.size() - 1));
  const Entry& pentry = w.stack.back().entry;
  NodeRef victim;
  auto it = parent->children.find(w.name);
  if (it != parent->children.end()) victim = it->second;
  if (lower_has(pentry, w.name)) {
    auto wh = std::make_shared<MemNode>(NodeKind::kWhiteout, shared);
    wh->mode = w.final->has_host ? (w.final->st.st_mode & S_IFMT) : (w.final->mode() & S_IFMT);
    wh->changed = true;
    parent->children[w.name] = std::move(wh);
  } else if (it != parent->children.end()) {
    parent->children.erase(it);
  }
  if (victim && !is_whiteout(victim)) {
    if (victim->links > 0) --victim->links;
    victim->ctime = shared->now();
  }
  parent->mtime = parent->ctime = shared->now();
  return Ok();
}

Result<NodeRef> VfsCore::writable_node(Walk& w) {
  if (!w.final) return Err{ENOENT};
  Entry& f = *w.final;
  if (f.fsid == kFsProc) return Err{EACCES};
  if (f.in_mount()) return Err{EROFS};
  if (f.mem) {
    if (f.mem->synthetic && f.mem->mount >= 0) return Err{EBUSY};
    return f.mem;
  }
  TRY_VOID(copy_up_final(w));
  return f.mem;
}

Result<void> VfsCore::chmod_walk(Walk& w, uint32_t mode) {
  if (!w.final) return Err{ENOENT};
  Entry& f = *w.final;
  if (f.fsid == kFsProc) return Err{EPERM};
  if (f.is_symlink()) return Err{EOPNOTSUPP};
  if (!is_owner(f.attr())) return Err{EPERM};
  if (f.in_mount()) {
    if (!mount_writable[static_cast<size_t>(f.fsid - kFsMountBase)]) return Err{EROFS};
    if (!f.host_parent) return Err{EPERM};
    return host_chmod_nofollow(f.host_parent->get(), f.host_name, mode);
  }
  TRY_ASSIGN(NodeRef n, writable_node(w));
  n->mode = (n->mode & S_IFMT) | (mode & 07777);
  n->ctime = shared->now();
  n->changed = true;
  return Ok();
}

Result<void> VfsCore::chmod_path(std::string_view path, uint32_t mode) {
  TRY_ASSIGN(Walk w, resolve("/", path, WalkOptions{true, false}));
  if (!w.final) return Err{ENOENT};
  return chmod_walk(w, mode);
}

}  // namespace vmrun::fs
