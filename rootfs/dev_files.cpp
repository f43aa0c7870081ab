// The synthetic /dev: character devices, the std* and fd links into
// /proc/self, and the writable in-memory /dev/shm. It replaces whatever
// the lower layer has at /dev; host device nodes are never opened.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cstring>

#include "rootfs/vfs_core.h"

namespace vmrun::fs {

namespace {

class DeviceFile final : public File {
 public:
  DeviceFile(NodeRef node, std::shared_ptr<VfsShared> shared) : node_(std::move(node)), shared_(std::move(shared)) {}

  Result<size_t> read(void* buf, size_t n) override {
    if ((flags & O_ACCMODE) == O_WRONLY) return Err{EBADF};
    switch (node_->dev) {
      case DevKind::kNull: return size_t{0};
      case DevKind::kZero:
      case DevKind::kFull: std::memset(buf, 0, n); return n;
      case DevKind::kRandom:
      case DevKind::kURandom: {
        auto* out = static_cast<unsigned char*>(buf);
        for (size_t i = 0; i < n; i += 8) {
          uint64_t r = shared_->next_random();
          std::memcpy(out + i, &r, std::min<size_t>(8, n - i));
        }
        return n;
      }
      default: return Err{ENXIO};
    }
  }
  Result<size_t> write(const void*, size_t n) override {
    if ((flags & O_ACCMODE) == O_RDONLY) return Err{EBADF};
    if (node_->dev == DevKind::kFull) return Err{ENOSPC};
    return n;
  }
  Result<size_t> pread(void* buf, size_t n, uint64_t) override { return read(buf, n); }
  Result<size_t> pwrite(const void* buf, size_t n, uint64_t) override { return write(buf, n); }
  Result<int64_t> seek(int64_t, int) override { return int64_t{0}; }
  Result<Attr> stat() override { return node_->attr(); }

 private:
  NodeRef node_;
  std::shared_ptr<VfsShared> shared_;
};

}  // namespace

NodeRef VfsCore::build_dev_tree() {
  auto dir = [&](uint32_t perm, int fsid) {
    NodeRef n = new_node(NodeKind::kDir, S_IFDIR | perm, fsid);
    n->uid = n->gid = 0;
    n->synthetic = true;
    n->changed = false;
    n->opaque = true;
    return n;
  };
  NodeRef dev = dir(0755, kFsDev);
  struct Dev {
    const char* name;
    DevKind kind;
    unsigned major, minor;
  };
  const Dev devices[] = {
      {"null", DevKind::kNull, 1, 3},      {"zero", DevKind::kZero, 1, 5},
      {"full", DevKind::kFull, 1, 7},      {"random", DevKind::kRandom, 1, 8},
      {"urandom", DevKind::kURandom, 1, 9}, {"tty", DevKind::kTty, 5, 0},
  };
  for (const auto& d : devices) {
    NodeRef n = new_node(NodeKind::kCharDev, S_IFCHR | 0666, kFsDev);
    n->uid = n->gid = 0;
    n->dev = d.kind;
    n->rdev = makedev(d.major, d.minor);
    n->changed = false;
    (void)insert_child(dev, d.name, n);
  }
  const std::pair<const char*, const char*> links[] = {
      {"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"},
      {"stderr", "/proc/self/fd/2"}, {"fd", "/proc/self/fd"}};
  for (const auto& [name, target] : links) {
    NodeRef n = new_node(NodeKind::kSymlink, S_IFLNK | 0777, kFsDev);
    n->uid = n->gid = 0;
    n->target = target;
    n->changed = false;
    (void)insert_child(dev, name, n);
  }
  NodeRef shm = dir(01777, kFsShm);
  (void)insert_child(dev, "shm", shm);
  (void)insert_child(dev, "pts", dir(0755, kFsDev));
  return dev;
}

Result<FileRef> VfsCore::open_device(const NodeRef& node, int flags) {
  if (node->dev == DevKind::kTty) {
    // The controlling terminal: the terminal on the process's standard
    // descriptors, if any (vmrun run from an interactive terminal).
    if (!process) return Err{ENXIO};
    for (int fd : {0, 1, 2}) {
      FileRef t = process->fd_file(fd);
      if (t && t->is_tty()) return t;
    }
    return Err{ENXIO};
  }
  auto f = std::make_shared<DeviceFile>(node, shared);
  f->flags = status_flags(flags);
  return FileRef(f);
}

}  // namespace vmrun::fs
