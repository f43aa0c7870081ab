#include "syscalls/handler_util.h"

#include <sys/stat.h>

#include <algorithm>

namespace vmrun {

namespace {

Result<std::string> handle_path(const fs::DirRef& d) {
  if (!d) return std::string("/");
  // Linux: nothing can be looked up in, or created in, a removed directory.
  if (d->removed()) return Err{ENOENT};
  return d->path();
}

}  // namespace

Result<int64_t> timeout_from_timespec(SyscallContext& k, uint64_t addr) {
  if (!addr) return -1;
  int64_t ts[2];
  TRY_VOID(k.mem().copy_in({addr}, ts, sizeof ts));
  if (ts[0] < 0 || ts[1] < 0 || ts[1] > 999999999) return Err{EINVAL};
  return ts[0] >= (int64_t(1) << 32) ? int64_t(1) << 62 : ts[0] * 1000000000 + ts[1];
}

void write_time_left(AddressSpace& mem, uint64_t addr, int64_t left_ns) {
  if (!addr) return;
  left_ns = std::max<int64_t>(0, left_ns);
  int64_t ts[2] = {left_ns / 1000000000, left_ns % 1000000000};
  (void)mem.copy_out({addr}, ts, sizeof ts);
}

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
