// Extended attributes: Linux's checks (fs/xattr.c's xattr_permission and
// the namespace handlers) and the attributes of in-memory nodes.
//
// What is stored: user.* on in-memory regular files and directories, and
// for a root guest (CAP_SYS_ADMIN in its sandbox) trusted.* and security.*
// on any in-memory node, as tmpfs does (rootfs/xattr.h). A lower-layer
// entry has none; setting one copies the entry up first, as chmod does
// (removing one it does not have is ENODATA without a copy-up, as on
// overlayfs). Otherwise:
//   trusted.*, security.*  a non-root guest: get ENODATA, set/remove EPERM
//                          (Linux without CAP_SYS_ADMIN)
//   system.posix_acl_*     get ENODATA (no ACLs), set/remove EOPNOTSUPP
//   anything else          EOPNOTSUPP, as Linux's unknown prefixes
// Files of a read-write host mount show none and refuse set/remove with
// EOPNOTSUPP (the sandbox never writes host attributes); a read-only
// mount gives EROFS; /proc and /dev's devices have none (EOPNOTSUPP).
#include <fcntl.h>
#include <sys/stat.h>

#include "rootfs/overlay_vfs.h"

namespace vmrun::fs {
namespace {

enum class Space { kUser, kPrivileged, kAcl, kUnknown };

Space space_of(std::string_view name) {
  auto starts = [&](std::string_view p) { return name.substr(0, p.size()) == p; };
  if (starts("user.")) return Space::kUser;
  if (starts("trusted.") || starts("security.")) return Space::kPrivileged;
  if (name == "system.posix_acl_access" || name == "system.posix_acl_default") return Space::kAcl;
  return Space::kUnknown;
}

bool writes(const XattrCall& c) { return c.op == XattrOp::kSet || c.op == XattrOp::kRemove; }

// Everything Linux checks before it asks the filesystem: the namespace,
// the kind of file (user.* only on regular files and directories), a
// sticky directory's owner, the permission bits. Ok means "go on to the
// store", which only user.* reaches.
Result<void> check_call(const VfsCore& core, const Attr& a, const XattrCall& c) {
  bool w = writes(c);
  bool root = core.config.uid == 0;
  Space space = space_of(c.name);
  if (space == Space::kPrivileged && !root) return Err{w ? EPERM : ENODATA};
  if (space == Space::kUser) {
    if (!S_ISREG(a.mode) && !S_ISDIR(a.mode)) return Err{w ? EPERM : ENODATA};
    if (w && S_ISDIR(a.mode) && (a.mode & S_ISVTX) && !core.is_owner(a)) return Err{EPERM};
  }
  TRY_VOID(core.check_access(a, w ? kW : kR));
  switch (space) {
    case Space::kUser:
    case Space::kPrivileged:  // a prefix alone ("user.") names nothing
      return c.name.back() == '.' && c.name.find('.') == c.name.size() - 1 ? Result<void>(Err{EINVAL}) : Ok();
    case Space::kAcl: return Err{w ? EOPNOTSUPP : ENODATA};
    case Space::kUnknown: break;
  }
  return Err{EOPNOTSUPP};
}

std::string names_of(const MemNode* n) {
  std::string out;
  if (!n) return out;
  for (const auto& [name, value] : n->xattrs) {
    out += name;
    out += '\0';
  }
  return out;
}

// A get, set or remove of a user.* attribute on an in-memory node.
Result<std::string> apply(MemNode& n, const XattrCall& c) {
  auto it = n.xattrs.find(c.name);
  bool exists = it != n.xattrs.end();
  if (c.op == XattrOp::kGet) {
    if (!exists) return Err{ENODATA};
    return it->second;
  }
  if (c.op == XattrOp::kRemove) {
    if (!exists) return Err{ENODATA};
    uint64_t cost = xattr_cost(it->first, it->second);
    n.xattrs.erase(it);
    (void)n.shared->xattr_accounting(n.xattr_bytes, n.xattr_bytes - cost);
    n.xattr_bytes -= cost;
  } else {
    if ((c.flags & kXattrCreate) && exists) return Err{EEXIST};
    if ((c.flags & kXattrReplace) && !exists) return Err{ENODATA};
    uint64_t old_cost = exists ? xattr_cost(it->first, it->second) : 0;
    uint64_t after = n.xattr_bytes - old_cost + xattr_cost(c.name, c.value);
    TRY_VOID(n.shared->xattr_accounting(n.xattr_bytes, after));
    n.xattr_bytes = after;
    if (exists) it->second = c.value;
    else n.xattrs.emplace(c.name, c.value);
  }
  n.ctime = n.shared->now();
  n.changed = true;
  return std::string();
}

// Any in-memory node of the overlay or /dev/shm may hold attributes (which
// ones check_call allows on which kind); /dev's and /proc's may not.
bool holds_xattrs(const MemNode& n) {
  return n.kind != NodeKind::kWhiteout && (n.fsid == kFsOverlay || n.fsid == kFsShm);
}

}  // namespace

Result<std::string> OverlayVfs::xattr_walk(Walk& w, const XattrCall& c) {
  if (!w.final) return Err{ENOENT};
  Entry& f = *w.final;
  const MemNode* mem = f.mem && holds_xattrs(*f.mem) ? f.mem.get() : nullptr;
  if (c.op == XattrOp::kList) return names_of(mem);
  Attr a = f.attr();
  TRY_VOID(check_call(*core_, a, c));
  if (c.op == XattrOp::kGet) {
    if (f.fsid == kFsProc) return Err{EOPNOTSUPP};  // procfs has no handlers
    if (!mem) return Err{ENODATA};
    return apply(*f.mem, c);
  }
  if (f.fsid == kFsProc || f.fsid == kFsDev) return Err{EOPNOTSUPP};
  if (f.in_mount()) return Err{mount_ro(f) ? EROFS : EOPNOTSUPP};
  if (c.op == XattrOp::kRemove && !mem) return Err{ENODATA};
  TRY_ASSIGN(NodeRef n, core_->writable_node(w));
  if (!holds_xattrs(*n)) return Err{EPERM};
  TRY_ASSIGN(std::string out, apply(*n, c));
  core_->notify_changed(w, kInAttrib);
  return out;
}

Result<std::string> OverlayVfs::xattr(std::string_view base, std::string_view path, bool follow,
                                      const XattrCall& call) {
  TRY_ASSIGN(Walk w, core_->resolve(base, path, WalkOptions{follow, false}));
  return xattr_walk(w, call);
}

Result<std::string> OverlayVfs::xattr_file(const FileRef& f, const XattrCall& c) {
  TRY_ASSIGN(Attr a, f->stat());
  // An in-memory regular file or directory: its node, named or not (a
  // memfd, an unlinked file, a removed directory).
  NodeRef n = f->memory_node();
  if (auto* d = dynamic_cast<const DirDentry*>(f->dir.get()); !n && d && d->entry.mem && holds_xattrs(*d->entry.mem))
    n = d->entry.mem;
  if (n) {
    if (c.op == XattrOp::kList) return names_of(n.get());
    TRY_VOID(check_call(*core_, a, c));
    TRY_ASSIGN(std::string out, apply(*n, c));
    if (writes(c) && !core_->notify->idle()) core_->notify->path_event(f->path, NodeId{a.dev, a.ino}, kInAttrib);
    return out;
  }
  // Anything else by its path, when the path still names this file (a
  // lower-layer file keeps its identity through a copy-up).
  std::string path = f->dir ? f->dir->path() : f->path;
  if (!path.empty() && path[0] == '/' && !(f->dir && f->dir->removed())) {
    auto w = core_->resolve("/", path, WalkOptions{false, false});
    if (w.ok() && w->final) {
      Attr now = w->final->attr();
      if (now.dev == a.dev && now.ino == a.ino) return xattr_walk(*w, c);
    }
  }
  // A pipe, socket, device or anonymous file, or a file no longer named:
  // no attributes, and none can be stored.
  if (c.op == XattrOp::kList) return std::string();
  TRY_VOID(check_call(*core_, a, c));
  return Err{writes(c) ? EOPNOTSUPP : ENODATA};
}

}  // namespace vmrun::fs
