// Extended attributes: setxattr, getxattr, listxattr, removexattr and
// their l* (the symlink itself) and f* (an open description) variants.
// The guest's arguments are checked here, in Linux's order (flags, name,
// value size and bytes, then the file); what is stored and which
// namespaces exist is the VFS's (rootfs/xattr_ops.cpp).
#include <fcntl.h>

#include "syscalls/handler_util.h"

namespace vmrun {
namespace {

using fs::XattrCall;
using fs::XattrOp;

// Where a call acts: a path (followed or not) or a descriptor.
struct Target {
  int fd = -1;  // >= 0: the f* variants
  uint64_t path = 0;
  bool follow = true;
};
Target by_path(const SyscallArgs& a, bool follow) { return Target{-1, a[0], follow}; }
Target by_fd(const SyscallArgs& a) { return Target{a.fd(0) < 0 ? -2 : a.fd(0), 0, true}; }

// An attribute name: 1 to 255 bytes (ERANGE otherwise, as Linux).
Result<std::string> name_arg(SyscallContext& k, uint64_t addr) {
  auto r = k.mem().copy_in_string({addr}, fs::kXattrNameMax);
  if (!r.ok()) return Err{r.error() == ENAMETOOLONG ? ERANGE : r.error()};
  if (r->empty()) return Err{ERANGE};
  return r;
}

Result<std::string> run(SyscallContext& k, const Target& t, const XattrCall& c) {
  if (t.fd != -1) {
    TRY_ASSIGN(auto f, file_arg(k, t.fd));
    if (f->flags & O_PATH) return Err{EBADF};
    return k.vfs().xattr_file(f, c);
  }
  TRY_ASSIGN(std::string path, path_at(k.mem(), {t.path}));
  if (path.empty()) return Err{ENOENT};
  TRY_ASSIGN(std::string base, dir_base(k, AT_FDCWD, path));
  return k.vfs().xattr(base, path, t.follow, c);
}

// Copy a result of `size` bytes out (get's value, list's names): with
// size 0 only its length; ERANGE when it does not fit, E2BIG when it would
// not fit even the largest buffer Linux accepts.
SyscallResult answer(SyscallContext& k, const std::string& out, uint64_t buf, uint64_t size, size_t limit) {
  if (size == 0) return out.size();
  size = std::min<uint64_t>(size, limit);
  if (out.size() > size) return Err{size >= limit ? E2BIG : ERANGE};
  if (!out.empty()) TRY_VOID(k.mem().copy_out({buf}, out.data(), out.size()));
  return out.size();
}

// setxattr(target, name, value, size, flags)
SyscallResult do_set(SyscallContext& k, const SyscallArgs& a, const Target& t) {
  XattrCall c;
  c.op = XattrOp::kSet;
  c.flags = a.i32(4);
  if (c.flags & ~(fs::kXattrCreate | fs::kXattrReplace)) return Err{EINVAL};
  TRY_ASSIGN(c.name, name_arg(k, a[1]));
  uint64_t size = a[3];
  if (size > fs::kXattrSizeMax) return Err{E2BIG};
  c.value.resize(size);
  if (size) TRY_VOID(k.mem().copy_in(a.addr(2), c.value.data(), size));
  TRY_VOID(run(k, t, c));
  return 0;
}

// getxattr(target, name, value, size)
SyscallResult do_get(SyscallContext& k, const SyscallArgs& a, const Target& t) {
  XattrCall c;
  c.op = XattrOp::kGet;
  TRY_ASSIGN(c.name, name_arg(k, a[1]));
  TRY_ASSIGN(std::string value, run(k, t, c));
  return answer(k, value, a[2], a[3], fs::kXattrSizeMax);
}

// listxattr(target, list, size)
SyscallResult do_list(SyscallContext& k, const SyscallArgs& a, const Target& t) {
  XattrCall c;
  c.op = XattrOp::kList;
  TRY_ASSIGN(std::string names, run(k, t, c));
  return answer(k, names, a[1], a[2], fs::kXattrListMax);
}

// removexattr(target, name)
SyscallResult do_remove(SyscallContext& k, const SyscallArgs& a, const Target& t) {
  XattrCall c;
  c.op = XattrOp::kRemove;
  TRY_ASSIGN(c.name, name_arg(k, a[1]));
  TRY_VOID(run(k, t, c));
  return 0;
}

SyscallResult sys_setxattr(SyscallContext& k, const SyscallArgs& a) { return do_set(k, a, by_path(a, true)); }
SyscallResult sys_lsetxattr(SyscallContext& k, const SyscallArgs& a) { return do_set(k, a, by_path(a, false)); }
SyscallResult sys_fsetxattr(SyscallContext& k, const SyscallArgs& a) { return do_set(k, a, by_fd(a)); }
SyscallResult sys_getxattr(SyscallContext& k, const SyscallArgs& a) { return do_get(k, a, by_path(a, true)); }
SyscallResult sys_lgetxattr(SyscallContext& k, const SyscallArgs& a) { return do_get(k, a, by_path(a, false)); }
SyscallResult sys_fgetxattr(SyscallContext& k, const SyscallArgs& a) { return do_get(k, a, by_fd(a)); }
SyscallResult sys_listxattr(SyscallContext& k, const SyscallArgs& a) { return do_list(k, a, by_path(a, true)); }
SyscallResult sys_llistxattr(SyscallContext& k, const SyscallArgs& a) { return do_list(k, a, by_path(a, false)); }
SyscallResult sys_flistxattr(SyscallContext& k, const SyscallArgs& a) { return do_list(k, a, by_fd(a)); }
SyscallResult sys_removexattr(SyscallContext& k, const SyscallArgs& a) { return do_remove(k, a, by_path(a, true)); }
SyscallResult sys_lremovexattr(SyscallContext& k, const SyscallArgs& a) { return do_remove(k, a, by_path(a, false)); }
SyscallResult sys_fremovexattr(SyscallContext& k, const SyscallArgs& a) { return do_remove(k, a, by_fd(a)); }

#define XATTR_NOTE                                                                                               \
  "user.* attributes on in-memory files and directories (the upper layer, /dev/shm, memfds), and for a root "    \
  "guest trusted.* and security.* on any in-memory node; counted against the upper-layer quota and a 32 MiB cap " \
  "per run (ENOSPC); rootfs files have none until a set copies them up (as chmod); user.* on symlinks and "      \
  "special files EPERM (get ENODATA); a non-root guest: trusted.*/security.* EPERM to set, ENODATA to get; "     \
  "system.posix_acl_*: no ACLs (ENODATA, EOPNOTSUPP to set); other prefixes EOPNOTSUPP; host mounts show none "  \
  "(rw: EOPNOTSUPP to set)"

const SyscallDef kDefs[] = {
    SYSCALL_DEF("setxattr", sys_setxattr, Support::Partial, "sspux", XATTR_NOTE),
    SYSCALL_DEF("lsetxattr", sys_lsetxattr, Support::Partial, "sspux", XATTR_NOTE),
    SYSCALL_DEF("fsetxattr", sys_fsetxattr, Support::Partial, "fspux", XATTR_NOTE),
    SYSCALL_DEF("getxattr", sys_getxattr, Support::Partial, "sspu", XATTR_NOTE),
    SYSCALL_DEF("lgetxattr", sys_lgetxattr, Support::Partial, "sspu", XATTR_NOTE),
    SYSCALL_DEF("fgetxattr", sys_fgetxattr, Support::Partial, "fspu", XATTR_NOTE),
    SYSCALL_DEF("listxattr", sys_listxattr, Support::Partial, "spu", XATTR_NOTE),
    SYSCALL_DEF("llistxattr", sys_llistxattr, Support::Partial, "spu", XATTR_NOTE),
    SYSCALL_DEF("flistxattr", sys_flistxattr, Support::Partial, "fpu", XATTR_NOTE),
    SYSCALL_DEF("removexattr", sys_removexattr, Support::Partial, "ss", XATTR_NOTE),
    SYSCALL_DEF("lremovexattr", sys_lremovexattr, Support::Partial, "ss", XATTR_NOTE),
    SYSCALL_DEF("fremovexattr", sys_fremovexattr, Support::Partial, "fs", XATTR_NOTE),
};

}  // namespace

std::span<const SyscallDef> xattr_syscalls() { return kDefs; }

}  // namespace vmrun
