// Directories and names: getdents64, mkdir, rmdir, unlink, rename, link,
// symlink, chdir/getcwd, chmod/chown/utimens, umask, mknod.
#include <fcntl.h>
#include <sys/stat.h>

#include <cstring>

#include "rootfs/fs_notify.h"
#include "syscalls/handler_util.h"

namespace vmrun {
namespace {

// (dirfd, path pointer) resolved to the VFS's (base, path).
struct At {
  std::string base, path;
};
Result<At> at_arg(SyscallContext& k, int dirfd, uint64_t path_addr) {
  TRY_ASSIGN(std::string path, path_at(k.mem(), {path_addr}));
  if (path.empty()) return Err{ENOENT};
  TRY_ASSIGN(std::string base, dir_base(k, dirfd, path));
  return At{std::move(base), std::move(path)};
}

SyscallResult sys_getdents64(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(auto f, file_arg(k, a.fd(0)));
  uint64_t buf = a[1], size = std::min<uint64_t>(a[2], 1 << 20);
  if (!f->dir_snapshot) {
    TRY_ASSIGN(auto list, f->list_dir());
    f->dir_snapshot = std::move(list);
  }
  const auto& entries = *f->dir_snapshot;
  std::string out;
  while (f->dir_pos < entries.size()) {
    const fs::DirEntry& e = entries[f->dir_pos];
    size_t reclen = (19 + e.name.size() + 1 + 7) & ~size_t(7);
    if (out.size() + reclen > size) break;
    size_t off = out.size();
    out.resize(off + reclen, '\0');
    uint64_t ino = e.ino ? e.ino : 1;
    int64_t next = static_cast<int64_t>(f->dir_pos + 1);
    uint16_t rl = static_cast<uint16_t>(reclen);
    std::memcpy(&out[off], &ino, 8);
    std::memcpy(&out[off + 8], &next, 8);
    std::memcpy(&out[off + 16], &rl, 2);
    out[off + 18] = static_cast<char>(e.type);
    std::memcpy(&out[off + 19], e.name.data(), e.name.size());
    f->dir_pos++;
  }
  // Every listing call is an access, as Linux's iterate_dir reports it.
  if (f->notice) f->notice->event(fs::kInAccess);
  if (out.empty() && f->dir_pos < entries.size()) return Err{EINVAL};  // buffer too small
  TRY_VOID(k.mem().copy_out({buf}, out.data(), out.size()));
  return out.size();
}

Result<uint64_t> do_mkdir(SyscallContext& k, int dirfd, uint64_t p, uint32_t mode) {
  TRY_ASSIGN(At at, at_arg(k, dirfd, p));
  TRY_VOID(k.vfs().mkdir(at.base, at.path, mode & 07777 & ~k.proc().fs->umask));
  return 0;
}
SyscallResult sys_mkdir(SyscallContext& k, const SyscallArgs& a) { return do_mkdir(k, AT_FDCWD, a[0], a.i32(1)); }
SyscallResult sys_mkdirat(SyscallContext& k, const SyscallArgs& a) { return do_mkdir(k, a.i32(0), a[1], a.i32(2)); }

Result<uint64_t> do_mknod(SyscallContext& k, int dirfd, uint64_t p, uint32_t mode, uint64_t dev) {
  TRY_ASSIGN(At at, at_arg(k, dirfd, p));
  uint32_t type = mode & S_IFMT;
  if (type == 0) type = S_IFREG;
  TRY_VOID(k.vfs().mknod(at.base, at.path, type | (mode & 07777 & ~k.proc().fs->umask), dev));
  return 0;
}
SyscallResult sys_mknod(SyscallContext& k, const SyscallArgs& a) { return do_mknod(k, AT_FDCWD, a[0], a.i32(1), a[2]); }
SyscallResult sys_mknodat(SyscallContext& k, const SyscallArgs& a) { return do_mknod(k, a.i32(0), a[1], a.i32(2), a[3]); }

SyscallResult sys_rmdir(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(At at, at_arg(k, AT_FDCWD, a[0]));
  TRY_VOID(k.vfs().rmdir(at.base, at.path));
  return 0;
}
SyscallResult sys_unlink(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(At at, at_arg(k, AT_FDCWD, a[0]));
  TRY_VOID(k.vfs().unlink(at.base, at.path));
  return 0;
}
SyscallResult sys_unlinkat(SyscallContext& k, const SyscallArgs& a) {
  int flags = a.i32(2);
  if (flags & ~AT_REMOVEDIR) return Err{EINVAL};
  TRY_ASSIGN(At at, at_arg(k, a.i32(0), a[1]));
  if (flags & AT_REMOVEDIR) TRY_VOID(k.vfs().rmdir(at.base, at.path));
  else TRY_VOID(k.vfs().unlink(at.base, at.path));
  return 0;
}

Result<uint64_t> do_rename(SyscallContext& k, int olddir, uint64_t oldp, int newdir, uint64_t newp, unsigned flags) {
  if (flags & ~7u) return Err{EINVAL};
  TRY_ASSIGN(At from, at_arg(k, olddir, oldp));
  TRY_ASSIGN(At to, at_arg(k, newdir, newp));
  TRY_VOID(k.vfs().rename(from.base, from.path, to.base, to.path, flags));
  return 0;
}
SyscallResult sys_rename(SyscallContext& k, const SyscallArgs& a) { return do_rename(k, AT_FDCWD, a[0], AT_FDCWD, a[1], 0); }
SyscallResult sys_renameat(SyscallContext& k, const SyscallArgs& a) { return do_rename(k, a.i32(0), a[1], a.i32(2), a[3], 0); }
SyscallResult sys_renameat2(SyscallContext& k, const SyscallArgs& a) {
  return do_rename(k, a.i32(0), a[1], a.i32(2), a[3], static_cast<unsigned>(a[4]));
}

Result<uint64_t> do_link(SyscallContext& k, int olddir, uint64_t oldp, int newdir, uint64_t newp, int flags) {
  if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH)) return Err{EINVAL};
  TRY_ASSIGN(At from, at_arg(k, olddir, oldp));
  TRY_ASSIGN(At to, at_arg(k, newdir, newp));
  TRY_VOID(k.vfs().link(from.base, from.path, to.base, to.path, flags & AT_SYMLINK_FOLLOW));
  return 0;
}
SyscallResult sys_link(SyscallContext& k, const SyscallArgs& a) { return do_link(k, AT_FDCWD, a[0], AT_FDCWD, a[1], 0); }
SyscallResult sys_linkat(SyscallContext& k, const SyscallArgs& a) {
  return do_link(k, a.i32(0), a[1], a.i32(2), a[3], a.i32(4));
}

Result<uint64_t> do_symlink(SyscallContext& k, uint64_t target_addr, int dirfd, uint64_t p) {
  TRY_ASSIGN(std::string target, path_at(k.mem(), {target_addr}));
  if (target.empty()) return Err{ENOENT};
  TRY_ASSIGN(At at, at_arg(k, dirfd, p));
  TRY_VOID(k.vfs().symlink(target, at.base, at.path));
  return 0;
}
SyscallResult sys_symlink(SyscallContext& k, const SyscallArgs& a) { return do_symlink(k, a[0], AT_FDCWD, a[1]); }
SyscallResult sys_symlinkat(SyscallContext& k, const SyscallArgs& a) { return do_symlink(k, a[0], a.i32(1), a[2]); }

SyscallResult sys_chdir(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(At at, at_arg(k, AT_FDCWD, a[0]));
  TRY_ASSIGN(fs::DirRef dir, k.vfs().open_dir(at.base, at.path));
  k.proc().fs->cwd = std::move(dir);
  return 0;
}
SyscallResult sys_fchdir(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(auto f, file_arg(k, a.fd(0)));
  // The directory the description refers to, wherever it is now; a removed
  // one too (Linux allows it; getcwd then fails with ENOENT).
  if (!f->dir) return Err{ENOTDIR};
  if (!f->dir->removed()) TRY_VOID(k.vfs().access("/", f->dir->path(), X_OK, true));
  k.proc().fs->cwd = f->dir;
  return 0;
}
SyscallResult sys_getcwd(SyscallContext& k, const SyscallArgs& a) {
  const fs::DirRef& dir = k.proc().fs->cwd;
  if (dir && dir->removed()) return Err{ENOENT};  // Linux: the cwd is unlinked
  std::string cwd = dir ? dir->path() : std::string("/");
  if (cwd.size() + 1 > kPathMax) return Err{ENAMETOOLONG};
  if (a[1] < cwd.size() + 1) return Err{ERANGE};
  TRY_VOID(k.mem().copy_out(a.addr(0), cwd.c_str(), cwd.size() + 1));
  return cwd.size() + 1;
}

Result<uint64_t> do_chmod(SyscallContext& k, int dirfd, uint64_t p, uint32_t mode, int flags) {
  TRY_ASSIGN(At at, at_arg(k, dirfd, p));
  TRY_VOID(k.vfs().chmod(at.base, at.path, mode & 07777, !(flags & AT_SYMLINK_NOFOLLOW)));
  return 0;
}
SyscallResult sys_chmod(SyscallContext& k, const SyscallArgs& a) { return do_chmod(k, AT_FDCWD, a[0], a.i32(1), 0); }
SyscallResult sys_fchmodat(SyscallContext& k, const SyscallArgs& a) { return do_chmod(k, a.i32(0), a[1], a.i32(2), 0); }
SyscallResult sys_fchmod(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(auto f, file_arg(k, a.fd(0)));
  TRY_ASSIGN(std::string path, file_path(f));
  TRY_VOID(k.vfs().chmod("/", path, a.i32(1) & 07777, true));
  return 0;
}

Result<uint64_t> do_chown(SyscallContext& k, int dirfd, uint64_t p, uint64_t uid, uint64_t gid, int flags) {
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return Err{EINVAL};
  auto id = [](uint64_t v) { return static_cast<int32_t>(v) == -1 ? int64_t(-1) : int64_t(static_cast<uint32_t>(v)); };
  TRY_ASSIGN(std::string path, path_at(k.mem(), {p}));
  if (path.empty()) {
    if (!(flags & AT_EMPTY_PATH)) return Err{ENOENT};
    TRY_ASSIGN(auto f, file_arg(k, dirfd));
    TRY_ASSIGN(std::string fpath, file_path(f));
    TRY_VOID(k.vfs().chown("/", fpath, id(uid), id(gid), true));
    return 0;
  }
  TRY_ASSIGN(std::string base, dir_base(k, dirfd, path));
  TRY_VOID(k.vfs().chown(base, path, id(uid), id(gid), !(flags & AT_SYMLINK_NOFOLLOW)));
  return 0;
}
SyscallResult sys_chown(SyscallContext& k, const SyscallArgs& a) { return do_chown(k, AT_FDCWD, a[0], a[1], a[2], 0); }
SyscallResult sys_lchown(SyscallContext& k, const SyscallArgs& a) {
  return do_chown(k, AT_FDCWD, a[0], a[1], a[2], AT_SYMLINK_NOFOLLOW);
}
SyscallResult sys_fchownat(SyscallContext& k, const SyscallArgs& a) {
  return do_chown(k, a.i32(0), a[1], a[2], a[3], a.i32(4));
}
SyscallResult sys_fchown(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(auto f, file_arg(k, a.fd(0)));
  auto id = [](uint64_t v) { return static_cast<int32_t>(v) == -1 ? int64_t(-1) : int64_t(static_cast<uint32_t>(v)); };
  TRY_ASSIGN(std::string path, file_path(f));
  TRY_VOID(k.vfs().chown("/", path, id(a[1]), id(a[2]), true));
  return 0;
}

SyscallResult sys_utimensat(SyscallContext& k, const SyscallArgs& a) {
  int flags = a.i32(3);
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return Err{EINVAL};
  fs::Timespec times[2] = {{0, fs::kUtimeNow}, {0, fs::kUtimeNow}};
  if (a[2]) {
    int64_t raw[4];
    TRY_VOID(k.mem().copy_in(a.addr(2), raw, sizeof raw));
    for (int i = 0; i < 2; i++) {
      times[i] = {raw[2 * i], raw[2 * i + 1]};
      int64_t ns = times[i].nsec;
      if (ns != fs::kUtimeNow && ns != fs::kUtimeOmit && (ns < 0 || ns > 999999999)) return Err{EINVAL};
    }
  }
  std::string base, path;
  if (a[1] == 0) {  // futimens: operate on the fd itself
    TRY_ASSIGN(auto f, file_arg(k, a.i32(0)));
    TRY_ASSIGN(path, file_path(f));
    base = "/";
  } else {
    TRY_ASSIGN(At at, at_arg(k, a.i32(0), a[1]));
    base = at.base, path = at.path;
  }
  TRY_VOID(k.vfs().utimens(base, path, times[0], times[1], !(flags & AT_SYMLINK_NOFOLLOW)));
  return 0;
}

SyscallResult sys_utimes(SyscallContext& k, const SyscallArgs& a) {
  fs::Timespec times[2] = {{0, fs::kUtimeNow}, {0, fs::kUtimeNow}};
  if (a[1]) {
    int64_t tv[4];
    TRY_VOID(k.mem().copy_in(a.addr(1), tv, sizeof tv));
    for (int i = 0; i < 2; i++) {
      if (tv[2 * i + 1] < 0 || tv[2 * i + 1] >= 1000000) return Err{EINVAL};
      times[i] = {tv[2 * i], tv[2 * i + 1] * 1000};
    }
  }
  TRY_ASSIGN(At at, at_arg(k, AT_FDCWD, a[0]));
  TRY_VOID(k.vfs().utimens(at.base, at.path, times[0], times[1], true));
  return 0;
}

SyscallResult sys_umask(SyscallContext& k, const SyscallArgs& a) {
  uint32_t old = k.proc().fs->umask;
  k.proc().fs->umask = a[0] & 0777;
  return old;
}

const SyscallDef kDefs[] = {
    SYSCALL_DEF("getdents64", sys_getdents64, Support::Full, "fpu", nullptr),
    SYSCALL_DEF("mkdir", sys_mkdir, Support::Full, "so", nullptr),
    SYSCALL_DEF("mkdirat", sys_mkdirat, Support::Full, "fso", nullptr),
    SYSCALL_DEF("mknod", sys_mknod, Support::Partial, "sox", "regular files, FIFOs and socket nodes only"),
    SYSCALL_DEF("mknodat", sys_mknodat, Support::Partial, "fsox", "regular files, FIFOs and socket nodes only"),
    SYSCALL_DEF("rmdir", sys_rmdir, Support::Full, "s", nullptr),
    SYSCALL_DEF("unlink", sys_unlink, Support::Full, "s", nullptr),
    SYSCALL_DEF("unlinkat", sys_unlinkat, Support::Full, "fsU", nullptr),
    SYSCALL_DEF("rename", sys_rename, Support::Full, "ss", nullptr),
    SYSCALL_DEF("renameat", sys_renameat, Support::Full, "fsfs", nullptr),
    SYSCALL_DEF("renameat2", sys_renameat2, Support::Partial, "fsfsx", "RENAME_WHITEOUT unsupported"),
    SYSCALL_DEF("link", sys_link, Support::Full, "ss", nullptr),
    SYSCALL_DEF("linkat", sys_linkat, Support::Full, "fsfsA", nullptr),
    SYSCALL_DEF("symlink", sys_symlink, Support::Full, "ss", nullptr),
    SYSCALL_DEF("symlinkat", sys_symlinkat, Support::Full, "sfs", nullptr),
    SYSCALL_DEF("chdir", sys_chdir, Support::Full, "s", nullptr),
    SYSCALL_DEF("fchdir", sys_fchdir, Support::Full, "f", nullptr),
    SYSCALL_DEF("getcwd", sys_getcwd, Support::Full, "pu", nullptr),
    SYSCALL_DEF("chmod", sys_chmod, Support::Full, "so", nullptr),
    SYSCALL_DEF("fchmod", sys_fchmod, Support::Full, "fo", nullptr),
    SYSCALL_DEF("fchmodat", sys_fchmodat, Support::Full, "fso", nullptr),
    SYSCALL_DEF("chown", sys_chown, Support::Full, "sdd", nullptr),
    SYSCALL_DEF("lchown", sys_lchown, Support::Full, "sdd", nullptr),
    SYSCALL_DEF("fchown", sys_fchown, Support::Full, "fdd", nullptr),
    SYSCALL_DEF("fchownat", sys_fchownat, Support::Full, "fsddA", nullptr),
    SYSCALL_DEF("utimensat", sys_utimensat, Support::Full, "fspA", nullptr),
    SYSCALL_DEF("utimes", sys_utimes, Support::Full, "sp", nullptr),
    SYSCALL_DEF("umask", sys_umask, Support::Full, "o", nullptr),
};

}  // namespace

std::span<const SyscallDef> dir_syscalls() { return kDefs; }

}  // namespace vmrun
