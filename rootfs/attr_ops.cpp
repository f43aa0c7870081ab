// Metadata changes and truncate: copy-up for lower entries, host calls
// with AT_SYMLINK_NOFOLLOW for rw mounts, EROFS for ro mounts.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rootfs/overlay_vfs.h"

namespace vmrun::fs {

namespace {

bool valid_time(const Timespec& t) {
  return t.nsec == kUtimeNow || t.nsec == kUtimeOmit || (t.nsec >= 0 && t.nsec < 1000000000);
}

}  // namespace

Result<void> OverlayVfs::chmod(std::string_view base, std::string_view path, uint32_t mode, bool follow) {
  TRY_ASSIGN(Walk w, core_->resolve(base, path, WalkOptions{follow, false}));
  if (!w.final) return Err{ENOENT};
  TRY_VOID(core_->chmod_walk(w, mode));
  core_->notify_changed(w, kInAttrib);
  return Ok();
}

Result<void> OverlayVfs::chown(std::string_view base, std::string_view path, int64_t uid, int64_t gid, bool follow) {
  if (uid < -1 || uid > UINT32_MAX || gid < -1 || gid > UINT32_MAX) return Err{EINVAL};
  TRY_ASSIGN(Walk w, core_->resolve(base, path, WalkOptions{follow, false}));
  if (!w.final) return Err{ENOENT};
  Entry& f = *w.final;
  if (f.fsid == kFsProc) return Err{EPERM};
  Attr a = f.attr();
  const VfsConfig& c = core_->config;
  if (c.uid != 0) {
    if (a.uid != c.uid) return Err{EPERM};
    if (uid != -1 && static_cast<uint32_t>(uid) != a.uid) return Err{EPERM};
    if (gid != -1 && static_cast<uint32_t>(gid) != a.gid && static_cast<uint32_t>(gid) != c.gid) return Err{EPERM};
  }
  if (f.in_mount()) {
    if (mount_ro(f)) return Err{EROFS};
    if (!f.host_parent) return Err{EPERM};
    if (::fchownat(f.host_parent->get(), f.host_name.c_str(), static_cast<uid_t>(uid), static_cast<gid_t>(gid),
                   AT_SYMLINK_NOFOLLOW) != 0)
      return Err{errno};
    core_->notify_changed(w, kInAttrib);
    return Ok();
  }
  TRY_ASSIGN(NodeRef n, core_->writable_node(w));
  if (uid != -1) n->uid = static_cast<uint32_t>(uid);
  if (gid != -1) n->gid = static_cast<uint32_t>(gid);
  // As Linux: a non-root chown of a regular file drops setuid/setgid.
  if (c.uid != 0 && S_ISREG(n->mode)) n->mode &= ~static_cast<uint32_t>(S_ISUID | S_ISGID);
  n->ctime = core_->shared->now();
  n->changed = true;
  core_->notify_changed(w, kInAttrib);
  return Ok();
}

Result<void> OverlayVfs::utimens(std::string_view base, std::string_view path, Timespec atime, Timespec mtime,
                                 bool follow) {
  if (!valid_time(atime) || !valid_time(mtime)) return Err{EINVAL};
  TRY_ASSIGN(Walk w, core_->resolve(base, path, WalkOptions{follow, false}));
  if (!w.final) return Err{ENOENT};
  Entry& f = *w.final;
  if (f.fsid == kFsProc) return Err{EPERM};
  if (atime.nsec == kUtimeOmit && mtime.nsec == kUtimeOmit) return Ok();
  Attr a = f.attr();
  bool only_now = (atime.nsec == kUtimeNow || atime.nsec == kUtimeOmit) &&
                  (mtime.nsec == kUtimeNow || mtime.nsec == kUtimeOmit);
  if (!core_->is_owner(a)) {
    if (!only_now) return Err{EPERM};
    TRY_VOID(core_->check_access(a, kW));
  }
  if (mount_ro(f)) return Err{EROFS};
  Timespec now = core_->shared->now();
  // As Linux's fsnotify_change: both times set is a metadata change, the
  // access time alone an access, the modification time alone a modification.
  uint32_t event = atime.nsec == kUtimeOmit ? kInModify : mtime.nsec == kUtimeOmit ? kInAccess : kInAttrib;
  auto pick = [&](Timespec t, Timespec old) { return t.nsec == kUtimeNow ? now : t.nsec == kUtimeOmit ? old : t; };
  if (f.in_mount()) {
    if (!f.host_parent) return Err{EPERM};
    struct timespec ts[2];
    Timespec at = pick(atime, a.atime), mt = pick(mtime, a.mtime);
    ts[0] = {static_cast<time_t>(at.sec), static_cast<long>(at.nsec)};
    ts[1] = {static_cast<time_t>(mt.sec), static_cast<long>(mt.nsec)};
    if (::utimensat(f.host_parent->get(), f.host_name.c_str(), ts, AT_SYMLINK_NOFOLLOW) != 0) return Err{errno};
    core_->notify_changed(w, event);
    return Ok();
  }
  TRY_ASSIGN(NodeRef n, core_->writable_node(w));
  n->atime = pick(atime, n->atime);
  n->mtime = pick(mtime, n->mtime);
  n->ctime = now;
  n->changed = true;
  core_->notify_changed(w, event);
  return Ok();
}

Result<void> OverlayVfs::truncate(std::string_view base, std::string_view path, uint64_t len) {
  if (len > static_cast<uint64_t>(INT64_MAX)) return Err{EINVAL};
  TRY_ASSIGN(Walk w, core_->resolve(base, path, WalkOptions{true, false}));
  if (!w.final) return Err{ENOENT};
  Entry& f = *w.final;
  if (f.is_dir()) return Err{EISDIR};
  if (f.fsid == kFsProc) return Err{EACCES};
  if (mount_ro(f)) return Err{EROFS};
  TRY_VOID(core_->check_access(f.attr(), kW));
  if (f.in_mount()) {
    if (!S_ISREG(f.st.st_mode) || !f.host_parent) return Err{EINVAL};
    int fd = ::openat(f.host_parent->get(), f.host_name.c_str(), O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return Err{errno};
    HostFd owned(fd);
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_ino != f.st.st_ino) return Err{EINVAL};
    if (::ftruncate(fd, static_cast<off_t>(len)) != 0) return Err{errno};
    core_->notify_changed(w, kInModify);
    return Ok();
  }
  if (f.mem ? f.mem->kind != NodeKind::kReg : !S_ISREG(f.st.st_mode)) return Err{EINVAL};
  TRY_ASSIGN(NodeRef n, core_->writable_node(w));
  TRY_VOID(n->resize(len));
  n->touch_modified();
  core_->notify_changed(w, kInModify);
  return Ok();
}

}  // namespace vmrun::fs
