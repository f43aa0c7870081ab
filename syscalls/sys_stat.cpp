// The stat family, access, readlink, statfs.
#include <fcntl.h>
#include <sys/stat.h>

#include "emu/arch/guest_abi.h"
#include "syscalls/handler_util.h"

namespace vmrun {
namespace {

Result<uint64_t> put_stat(SyscallContext& k, uint64_t addr, const fs::Attr& attr) {
  std::string bytes = abi::encode_stat(k.arch(), attr);
  TRY_VOID(k.mem().copy_out({addr}, bytes.data(), bytes.size()));
  return 0;
}

// Resolve (dirfd, path, flags) to attributes, honouring AT_EMPTY_PATH and
// AT_SYMLINK_NOFOLLOW.
Result<fs::Attr> stat_at(SyscallContext& k, int dirfd, uint64_t path_addr, int flags) {
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE)) return Err{EINVAL};
  TRY_ASSIGN(std::string path, path_at(k.mem(), {path_addr}));
  if (path.empty()) {
    if (!(flags & AT_EMPTY_PATH)) return Err{ENOENT};
    if (dirfd == AT_FDCWD) {
      TRY_ASSIGN(std::string base, dir_base(k, AT_FDCWD, "."));
      return k.vfs().stat(base, ".", true);
    }
    TRY_ASSIGN(auto f, file_arg(k, dirfd));
    return f->stat();
  }
  TRY_ASSIGN(std::string base, dir_base(k, dirfd, path));
  return k.vfs().stat(base, path, !(flags & AT_SYMLINK_NOFOLLOW));
}

SyscallResult sys_stat(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(auto attr, stat_at(k, AT_FDCWD, a[0], 0));
  return put_stat(k, a[1], attr);
}
SyscallResult sys_lstat(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(auto attr, stat_at(k, AT_FDCWD, a[0], AT_SYMLINK_NOFOLLOW));
  return put_stat(k, a[1], attr);
}
SyscallResult sys_fstat(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(auto f, file_arg(k, a.fd(0)));
  TRY_ASSIGN(auto attr, f->stat());
  return put_stat(k, a[1], attr);
}
SyscallResult sys_newfstatat(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(auto attr, stat_at(k, a.i32(0), a[1], a.i32(3)));
  return put_stat(k, a[2], attr);
}
SyscallResult sys_statx(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(auto attr, stat_at(k, a.i32(0), a[1], a.i32(2)));
  std::string bytes = abi::encode_statx(attr, static_cast<uint32_t>(a[3]));
  TRY_VOID(k.mem().copy_out(a.addr(4), bytes.data(), bytes.size()));
  return 0;
}

Result<uint64_t> do_access(SyscallContext& k, int dirfd, uint64_t path_addr, int mode, int flags) {
  if (mode & ~(R_OK | W_OK | X_OK)) return Err{EINVAL};
  if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return Err{EINVAL};
  TRY_ASSIGN(std::string path, path_at(k.mem(), {path_addr}));
  if (path.empty()) return Err{ENOENT};
  TRY_ASSIGN(std::string base, dir_base(k, dirfd, path));
  TRY_VOID(k.vfs().access(base, path, mode, !(flags & AT_SYMLINK_NOFOLLOW)));
  return 0;
}
SyscallResult sys_access(SyscallContext& k, const SyscallArgs& a) { return do_access(k, AT_FDCWD, a[0], a.i32(1), 0); }
SyscallResult sys_faccessat(SyscallContext& k, const SyscallArgs& a) { return do_access(k, a.i32(0), a[1], a.i32(2), 0); }
SyscallResult sys_faccessat2(SyscallContext& k, const SyscallArgs& a) {
  return do_access(k, a.i32(0), a[1], a.i32(2), a.i32(3));
}

Result<uint64_t> do_readlink(SyscallContext& k, int dirfd, uint64_t path_addr, uint64_t buf, uint64_t size) {
  if (static_cast<int64_t>(size) <= 0) return Err{EINVAL};
  TRY_ASSIGN(std::string path, path_at(k.mem(), {path_addr}));
  if (path.empty()) return Err{ENOENT};
  TRY_ASSIGN(std::string base, dir_base(k, dirfd, path));
  TRY_ASSIGN(std::string target, k.vfs().readlink(base, path));
  uint64_t n = std::min<uint64_t>(size, target.size());
  TRY_VOID(k.mem().copy_out({buf}, target.data(), n));
  return n;
}
SyscallResult sys_readlink(SyscallContext& k, const SyscallArgs& a) { return do_readlink(k, AT_FDCWD, a[0], a[1], a[2]); }
SyscallResult sys_readlinkat(SyscallContext& k, const SyscallArgs& a) {
  return do_readlink(k, a.i32(0), a[1], a[2], a[3]);
}

// struct statfs is laid out the same on x86-64 and riscv64 (120 bytes).
Result<uint64_t> put_statfs(SyscallContext& k, uint64_t addr, const fs::FsStats& s) {
  abi::Writer w(120);
  w.put<int64_t>(0, static_cast<int64_t>(s.type));
  w.put<int64_t>(8, static_cast<int64_t>(s.bsize));
  w.put<uint64_t>(16, s.blocks);
  w.put<uint64_t>(24, s.bfree);
  w.put<uint64_t>(32, s.bavail);
  w.put<uint64_t>(40, s.files);
  w.put<uint64_t>(48, s.ffree);
  // f_fsid (56) stays zero, as on filesystems without a device.
  w.put<int64_t>(64, static_cast<int64_t>(s.namelen));
  w.put<int64_t>(72, static_cast<int64_t>(s.bsize));  // f_frsize
  w.put<int64_t>(80, static_cast<int64_t>(s.flags));
  TRY_VOID(k.mem().copy_out({addr}, w.bytes().data(), w.bytes().size()));
  return 0;
}
SyscallResult sys_statfs(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(std::string path, a.path(0));
  if (path.empty()) return Err{ENOENT};
  TRY_ASSIGN(std::string base, dir_base(k, AT_FDCWD, path));
  TRY_ASSIGN(fs::FsStats s, k.vfs().statfs(base, path));
  return put_statfs(k, a[1], s);
}
SyscallResult sys_fstatfs(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(auto f, file_arg(k, a.fd(0)));
  auto path = file_path(f);
  auto s = path.ok() ? k.vfs().statfs("/", path.value()) : Result<fs::FsStats>(Err{path.error()});
  if (s.ok()) return put_statfs(k, a[1], s.value());
  // Pipes, sockets, and files whose name has gone (deleted, renamed):
  // their own kind of filesystem, or the in-memory layer that held them.
  auto attr = f->stat();
  uint32_t type = attr.ok() ? (attr.value().mode & S_IFMT) : 0;
  if (type == S_IFIFO || type == S_IFSOCK) {
    fs::FsStats anon;
    anon.type = type == S_IFIFO ? 0x50495045 : 0x534F434B;  // PIPEFS_MAGIC, SOCKFS_MAGIC
    anon.flags = fs::FsStats::kValid;
    return put_statfs(k, a[1], anon);
  }
  // The root always resolves, even after the guest removed /tmp.
  TRY_ASSIGN(fs::FsStats mem, k.vfs().statfs("/", "/"));
  mem.type = 0x01021994;  // TMPFS_MAGIC
  return put_statfs(k, a[1], mem);
}

const SyscallDef kDefs[] = {
    SYSCALL_DEF("stat", sys_stat, Support::Full, "sp", nullptr),
    SYSCALL_DEF("lstat", sys_lstat, Support::Full, "sp", nullptr),
    SYSCALL_DEF("fstat", sys_fstat, Support::Full, "fp", nullptr),
    SYSCALL_DEF("newfstatat", sys_newfstatat, Support::Full, "fspA", nullptr),
    SYSCALL_DEF("statx", sys_statx, Support::Partial, "fsAxp", "btime reported as ctime"),
    SYSCALL_DEF("access", sys_access, Support::Full, "sa", nullptr),
    SYSCALL_DEF("faccessat", sys_faccessat, Support::Full, "fsa", nullptr),
    SYSCALL_DEF("faccessat2", sys_faccessat2, Support::Full, "fsaE", nullptr),
    SYSCALL_DEF("readlink", sys_readlink, Support::Full, "spu", nullptr),
    SYSCALL_DEF("readlinkat", sys_readlinkat, Support::Full, "fspu", nullptr),
    SYSCALL_DEF("statfs", sys_statfs, Support::Partial, "sp", "sizes of in-memory layers are the --max-disk quota; inode counts synthetic; f_fsid 0"),
    SYSCALL_DEF("fstatfs", sys_fstatfs, Support::Partial, "fp", "sizes of in-memory layers are the --max-disk quota; inode counts synthetic; f_fsid 0"),
};

}  // namespace

std::span<const SyscallDef> stat_syscalls() { return kDefs; }

}  // namespace vmrun
