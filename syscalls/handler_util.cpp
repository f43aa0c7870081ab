#include "syscalls/handler_util.h"

#include <sys/stat.h>

namespace vmrun {

Result<std::string> path_arg(Kernel& k, uint64_t addr) {
  auto s = k.mem().copy_in_string({addr}, kPathMax - 1);
  if (!s.ok()) return Err{s.error()};
  return s;
}

namespace {

Result<std::string> handle_path(const fs::DirRef& d) {
  if (!d) return std::string("/");
  // Linux: nothing can be looked up in, or created in, a removed directory.
  if (d->removed()) return Err{ENOENT};
  return d->path();
}

}  // namespace

Result<std::string> dir_base(Kernel& k, int dirfd, const std::string& path) {
  if (!path.empty() && path[0] == '/') return std::string("/");
  if (dirfd == AT_FDCWD) return handle_path(k.proc().cwd_dir);
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

Result<std::vector<Iov>> iovecs_arg(Kernel& k, uint64_t addr, uint64_t count, int too_many) {
  if (count > kIovMax) return Err{too_many};
  std::vector<Iov> v(count);
  if (count) TRY_VOID(k.mem().copy_in({addr}, v.data(), count * sizeof(Iov)));
  uint64_t total = 0;
  for (auto& i : v) {
    if (static_cast<int64_t>(i.len) < 0 || total + i.len < total) return Err{EINVAL};
    total += i.len;
  }
  return v;
}

Result<fs::FileRef> file_arg(Kernel& k, int fd) {
  fs::FileRef f = k.proc().fds->get(fd);
  if (!f) return Err{EBADF};
  return f;
}

}  // namespace vmrun
