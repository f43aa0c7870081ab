#include "syscalls/handler_util.h"

#include <sys/stat.h>

namespace vmrun {

namespace {

Result<std::string> handle_path(const fs::DirRef& d) {
  if (!d) return std::string("/");
  // Linux: nothing can be looked up in, or created in, a removed directory.
  if (d->removed()) return Err{ENOENT};
  return d->path();
}

}  // namespace

Result<std::string> dir_base(SyscallContext& k, int dirfd, const std::string& path) {
  if (!path.empty() && path[0] == '/') return std::string("/");
  if (dirfd == AT_FDCWD) return handle_path(k.proc().fs->cwd);
  fs::FileRef f = k.proc().fds->get(dirfd);
  if (!f) return Err{EBADF};
  if (f->dir) return handle_path(f->dir);
  if (path.empty()) return f->path;  // AT_EMPTY_PATH users check this themselves
  auto a = f->stat();
  if (!a.ok()) return Err{a.error()};
  if (!S_ISDIR(a->mode)) return Err{ENOTDIR};
  return f->path;
}

Result<std::string> file_path(const fs::FileRef& f) {
  if (f->dir) return handle_path(f->dir);
  return f->path;
}

Result<fs::FileRef> file_arg(SyscallContext& k, int fd) {
  fs::FileRef f = k.proc().fds->get(fd);
  if (!f) return Err{EBADF};
  return f;
}

}  // namespace vmrun
