// inotify(7): inotify_init, inotify_init1, inotify_add_watch and
// inotify_rm_watch over the VFS's change registry (rootfs/fs_notify.h);
// the instance is emu/files/inotify_file.h. Only changes made inside the
// sandbox are reported (the host never tells us of its own).
#include <sys/inotify.h>
#include <sys/stat.h>

#include "emu/files/inotify_file.h"
#include "syscalls/handler_util.h"

namespace vmrun {
namespace {

// Linux's default max_user_instances (per run here).
constexpr size_t kMaxInstances = 128;

// Every bit inotify_add_watch knows; a mask with none of them, or with any
// other, is EINVAL.
constexpr uint32_t kAllInotifyBits = IN_ALL_EVENTS | IN_UNMOUNT | IN_Q_OVERFLOW | IN_IGNORED | IN_ONLYDIR |
                                     IN_DONT_FOLLOW | IN_EXCL_UNLINK | IN_MASK_CREATE | IN_MASK_ADD | IN_ISDIR |
                                     IN_ONESHOT;

SyscallResult sys_inotify_init1(SyscallContext& k, const SyscallArgs& a) {
  int flags = a.i32(0);
  if (flags & ~(IN_CLOEXEC | IN_NONBLOCK)) return Err{EINVAL};
  const auto& registry = k.vfs().notify();
  if (registry->instances() >= kMaxInstances) return Err{EMFILE};
  auto f = std::make_shared<InotifyFile>(registry);
  f->flags |= flags & IN_NONBLOCK;
  f->path = "anon_inode:inotify";
  TRY_ASSIGN(int fd, k.proc().fds->install(f, flags & IN_CLOEXEC));
  registry->add_instance(f);
  return static_cast<uint64_t>(fd);
}

SyscallResult sys_inotify_init(SyscallContext& k, const SyscallArgs& a) { return sys_inotify_init1(k, a.with(0, 0)); }

Result<std::shared_ptr<InotifyFile>> instance_arg(SyscallContext& k, int fd) {
  TRY_ASSIGN(auto f, file_arg(k, fd));
  auto inotify = std::dynamic_pointer_cast<InotifyFile>(f);
  if (!inotify) return Err{EINVAL};
  return inotify;
}

SyscallResult sys_inotify_add_watch(SyscallContext& k, const SyscallArgs& a) {
  uint32_t mask = static_cast<uint32_t>(a[2]);
  if ((mask & IN_MASK_ADD) && (mask & IN_MASK_CREATE)) return Err{EINVAL};
  if (!(mask & kAllInotifyBits) || (mask & ~kAllInotifyBits)) return Err{EINVAL};
  TRY_ASSIGN(auto inotify, instance_arg(k, a.fd(0)));
  TRY_ASSIGN(std::string path, a.path(1));
  if (path.empty()) return Err{ENOENT};
  TRY_ASSIGN(std::string base, dir_base(k, AT_FDCWD, path));
  bool follow = !(mask & IN_DONT_FOLLOW);
  TRY_ASSIGN(fs::Attr attr, k.vfs().stat(base, path, follow));
  if ((mask & IN_ONLYDIR) && !S_ISDIR(attr.mode)) return Err{ENOTDIR};
  // Watching needs read permission on the node.
  TRY_VOID(k.vfs().access(base, path, R_OK, follow));
  TRY_ASSIGN(int wd, inotify->add_watch(inotify, fs::NodeId{attr.dev, attr.ino}, S_ISDIR(attr.mode), mask));
  return static_cast<uint64_t>(wd);
}

SyscallResult sys_inotify_rm_watch(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(auto inotify, instance_arg(k, a.fd(0)));
  TRY_VOID(inotify->rm_watch(a.i32(1)));
  return 0;
}

constexpr const char* kNote =
    "changes made inside the sandbox only; an open description's events reach its directory through the path it "
    "was opened by, so no longer once it is renamed (Linux follows the dentry); a working directory does not delay "
    "a removed directory's IN_DELETE_SELF; IN_EXCL_UNLINK acts only once a node's last name is gone; IN_UNMOUNT "
    "never comes; execve reports no IN_OPEN or IN_ACCESS";

constexpr SyscallDef kDefs[] = {
    SYSCALL_DEF("inotify_init", sys_inotify_init, Support::Partial, "", kNote),
    SYSCALL_DEF("inotify_init1", sys_inotify_init1, Support::Partial, "N", kNote),
    SYSCALL_DEF("inotify_add_watch", sys_inotify_add_watch, Support::Partial, "fsx", kNote),
    SYSCALL_DEF("inotify_rm_watch", sys_inotify_rm_watch, Support::Full, "fd", nullptr),
};

}  // namespace

std::span<const SyscallDef> inotify_syscalls() { return kDefs; }

}  // namespace vmrun
