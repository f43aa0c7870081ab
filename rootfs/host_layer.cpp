// Confined access to host directories (the lower layer and the mounts).
// Every host call names a single component relative to a directory fd we
// already hold for that layer, never follows a symlink, and never opens
// anything but directories (O_PATH) and regular files.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>

#include "rootfs/vfs_core.h"

namespace vmrun::fs {

namespace {

// A host directory listing bigger than this is cut short rather than
// letting one getdents cost unbounded memory.
constexpr size_t kMaxHostDirEntries = 1u << 20;
constexpr size_t kMaxIo = 1u << 30;

bool valid_name(std::string_view name) {
  return !name.empty() && name != "." && name != ".." && name.size() <= kNameMax &&
         name.find('/') == std::string_view::npos && name.find('\0') == std::string_view::npos;
}

class HostFile final : public File {
 public:
  HostFile(int fd, int fsid, bool writable) : fd_(fd), fsid_(fsid), writable_(writable) {}

  Result<size_t> read(void* buf, size_t n) override {
    TRY_ASSIGN(size_t k, pread(buf, n, off_));
    off_ += k;
    return k;
  }
  Result<size_t> write(const void* buf, size_t n) override {
    if ((flags & O_ACCMODE) == O_RDONLY) return Err{EBADF};
    if (flags & O_APPEND) {
      struct stat st {};
      if (::fstat(fd_.get(), &st) != 0) return Err{errno};
      off_ = static_cast<uint64_t>(st.st_size);
    }
    TRY_ASSIGN(size_t k, pwrite_raw(buf, n, off_));
    off_ += k;
    return k;
  }
  Result<size_t> pread(void* buf, size_t n, uint64_t off) override {
    if ((flags & O_ACCMODE) == O_WRONLY) return Err{EBADF};
    if (off > static_cast<uint64_t>(INT64_MAX)) return Err{EINVAL};
    ssize_t k = ::pread(fd_.get(), buf, std::min(n, kMaxIo), static_cast<off_t>(off));
    if (k < 0) return Err{errno};
    return static_cast<size_t>(k);
  }
  Result<size_t> pwrite(const void* buf, size_t n, uint64_t off) override {
    if ((flags & O_ACCMODE) == O_RDONLY) return Err{EBADF};
    if (flags & O_APPEND) {
      struct stat st {};
      if (::fstat(fd_.get(), &st) != 0) return Err{errno};
      off = static_cast<uint64_t>(st.st_size);
    }
    return pwrite_raw(buf, n, off);
  }
  Result<int64_t> seek(int64_t off, int whence) override {
    int64_t basepos;
    switch (whence) {
      case SEEK_SET: basepos = 0; break;
      case SEEK_CUR: basepos = static_cast<int64_t>(off_); break;
      case SEEK_END: {
        struct stat st {};
        if (::fstat(fd_.get(), &st) != 0) return Err{errno};
        basepos = st.st_size;
        break;
      }
      default: return Err{EINVAL};
    }
    if (off > 0 && basepos > INT64_MAX - off) return Err{EOVERFLOW};
    int64_t pos = basepos + off;
    if (pos < 0) return Err{EINVAL};
    off_ = static_cast<uint64_t>(pos);
    return pos;
  }
  Result<Attr> stat() override {
    Entry e;
    e.has_host = true;
    e.fsid = fsid_;
    if (::fstat(fd_.get(), &e.st) != 0) return Err{errno};
    return e.attr();
  }
  Result<void> truncate(uint64_t len) override {
    if ((flags & O_ACCMODE) == O_RDONLY) return Err{EINVAL};
    if (len > static_cast<uint64_t>(INT64_MAX)) return Err{EINVAL};
    if (::ftruncate(fd_.get(), static_cast<off_t>(len)) != 0) return Err{errno};
    return Ok();
  }
  Result<void> chmod(uint32_t mode) override {
    if (chmod_fallback) return chmod_fallback(mode);
    if (!writable_) return Err{EROFS};
    if (::fchmod(fd_.get(), mode & 07777) != 0) return Err{errno};
    return Ok();
  }
  Result<int64_t> bytes_available() override {
    struct stat st {};
    if (::fstat(fd_.get(), &st) != 0) return Err{errno};
    return std::max<int64_t>(0, st.st_size - static_cast<int64_t>(off_));
  }

  uint64_t content_key() override {
    if (writable_) return 0;
    struct stat st {};
    if (::fstat(fd_.get(), &st) != 0) return 0;
    uint64_t h = 1469598103934665603ull;  // FNV-1a over the identity
    for (uint64_t v : {static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino),
                       static_cast<uint64_t>(st.st_size), static_cast<uint64_t>(st.st_mtim.tv_sec),
                       static_cast<uint64_t>(st.st_mtim.tv_nsec), static_cast<uint64_t>(st.st_ctim.tv_sec),
                       static_cast<uint64_t>(st.st_ctim.tv_nsec)}) {
      for (int i = 0; i < 8; i++) h = (h ^ ((v >> (8 * i)) & 0xff)) * 1099511628211ull;
    }
    return h | 1;
  }

  // Lower files are changed by path (copy-up), not through the host fd.
  std::function<Result<void>(uint32_t)> chmod_fallback;

 private:
  Result<size_t> pwrite_raw(const void* buf, size_t n, uint64_t off) {
    if (!writable_) return Err{EBADF};
    if (off > static_cast<uint64_t>(INT64_MAX)) return Err{EINVAL};
    ssize_t k = ::pwrite(fd_.get(), buf, std::min(n, kMaxIo), static_cast<off_t>(off));
    if (k < 0) return Err{errno};
    return static_cast<size_t>(k);
  }

  HostFd fd_;
  int fsid_;
  bool writable_;
  uint64_t off_ = 0;
};

}  // namespace

Result<Entry> VfsCore::host_lookup(const HostFdRef& parent, std::string_view name, int fsid) const {
  if (!valid_name(name)) return Err{ENOENT};
  std::string n(name);
  Entry e;
  if (::fstatat(parent->get(), n.c_str(), &e.st, AT_SYMLINK_NOFOLLOW) != 0) return Err{errno};
  e.has_host = true;
  e.host_parent = parent;
  e.host_name = std::move(n);
  e.fsid = fsid;
  if (S_ISDIR(e.st.st_mode)) {
    int fd = ::openat(parent->get(), e.host_name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return Err{errno == ELOOP ? ENOENT : errno};
    auto ref = std::make_shared<HostFd>(fd);
    struct stat st2 {};
    // The entry changed between stat and open (host-side race): refuse.
    if (::fstat(fd, &st2) != 0 || st2.st_ino != e.st.st_ino || st2.st_dev != e.st.st_dev) return Err{ENOENT};
    e.st = st2;
    e.host_dir = std::move(ref);
  }
  return e;
}

Result<std::vector<DirEntry>> VfsCore::host_list(const HostFdRef& dir) const {
  int fd = ::openat(dir->get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Err{errno};
  DIR* d = ::fdopendir(fd);
  if (!d) {
    int err = errno;
    ::close(fd);
    return Err{err};
  }
  std::vector<DirEntry> out;
  while (out.size() < kMaxHostDirEntries) {
    errno = 0;
    struct dirent* de = ::readdir(d);
    if (!de) break;
    std::string_view name = de->d_name;
    if (name == "." || name == "..") continue;
    uint8_t type = de->d_type;
    if (type == DT_UNKNOWN) {
      struct stat st {};
      if (::fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) type = static_cast<uint8_t>((st.st_mode & S_IFMT) >> 12);
    }
    out.push_back(DirEntry{de->d_ino, type, std::string(name)});
  }
  ::closedir(d);
  return out;
}

Result<std::string> VfsCore::host_read_all(const Entry& e, uint64_t max_bytes) const {
  if (!e.host_parent) return Err{EISDIR};
  int fd = ::openat(e.host_parent->get(), e.host_name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return Err{errno};
  HostFd owned(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) return Err{errno};
  if (S_ISDIR(st.st_mode)) return Err{EISDIR};
  if (!S_ISREG(st.st_mode)) return Err{EINVAL};
  if (static_cast<uint64_t>(st.st_size) > max_bytes) return Err{EFBIG};
  std::string data;
  try {
    data.resize(static_cast<size_t>(st.st_size));
  } catch (const std::bad_alloc&) {
    return Err{ENOMEM};
  }
  size_t got = 0;
  while (got < data.size()) {
    ssize_t k = ::pread(fd, data.data() + got, data.size() - got, static_cast<off_t>(got));
    if (k < 0) {
      if (errno == EINTR) continue;
      return Err{errno};
    }
    if (k == 0) break;  // shrank under us
    got += static_cast<size_t>(k);
  }
  data.resize(got);
  return data;
}

Result<FileRef> VfsCore::host_open_file(const Entry& e, int flags, bool create, uint32_t mode,
                                        const HostFdRef& create_dir, std::string_view create_name) {
  int acc = flags & O_ACCMODE;
  int host_flags = acc | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY;
  int fd;
  int fsid = e.fsid;
  if (create) {
    if (!valid_name(create_name)) return Err{EINVAL};
    std::string n(create_name);
    fd = ::openat(create_dir->get(), n.c_str(), host_flags | O_CREAT | O_EXCL, mode & 07777);
  } else {
    if (!e.host_parent) return Err{EISDIR};
    if (flags & O_TRUNC) host_flags |= O_TRUNC;
    fd = ::openat(e.host_parent->get(), e.host_name.c_str(), host_flags);
  }
  if (fd < 0) return Err{errno};
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (!create && st.st_ino != e.st.st_ino)) {
    ::close(fd);
    return Err{EACCES};
  }
  bool writable = fsid >= kFsMountBase && mount_writable[static_cast<size_t>(fsid - kFsMountBase)];
  auto f = std::make_shared<HostFile>(fd, fsid, writable);
  f->flags = status_flags(flags);
  if (fsid == kFsOverlay) {
    std::weak_ptr<VfsCore> weak = weak_from_this();
    f->chmod_fallback = [weak, f_raw = f.get()](uint32_t m) -> Result<void> {
      auto core = weak.lock();
      if (!core) return Err{EROFS};
      return core->chmod_path(f_raw->path, m);
    };
  }
  return FileRef(f);
}

}  // namespace vmrun::fs
