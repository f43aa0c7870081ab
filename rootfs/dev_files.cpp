// The synthetic /dev: character devices, the std* and fd links into
// /proc/self, the writable in-memory /dev/shm, and /dev/ptmx and /dev/pts,
// whose pseudo-terminals the kernel provides (fs::TerminalDevices). It
// replaces whatever the lower layer has at /dev; host device nodes are
// never opened.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cstring>
#include <string>

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
      {"ptmx", DevKind::kPtmx, 5, 2},
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
  NodeRef pts = dir(0755, kFsDev);
  pts->dev = DevKind::kPtsDir;
  (void)insert_child(dev, "pts", pts);
  return dev;
}

static_assert(kDevFilesystemDev == 0x800 + kFsDev, "dev_for_fsid(kFsDev)");

NodeRef VfsCore::pts_lookup(std::string_view name) {
  if (!terminals || name.empty() || name.size() > 9) return nullptr;
  unsigned index = 0;
  for (char c : name) {
    if (c < '0' || c > '9') return nullptr;
    index = index * 10 + static_cast<unsigned>(c - '0');
  }
  if (name.size() > 1 && name[0] == '0') return nullptr;
  auto a = terminals->slave_attr(index);
  if (!a) return nullptr;
  auto n = std::make_shared<MemNode>(NodeKind::kCharDev, shared);
  n->fsid = kFsDev;
  n->mode = a->mode;
  n->uid = a->uid;
  n->gid = a->gid;
  n->ino = a->ino;
  n->rdev = a->rdev;
  n->atime = a->atime;
  n->mtime = a->mtime;
  n->ctime = a->ctime;
  n->links = 1;
  n->dev = DevKind::kPts;
  return n;
}

std::vector<DirEntry> VfsCore::pts_list() {
  std::vector<DirEntry> out;
  if (!terminals) return out;
  for (unsigned index : terminals->slave_indices())
    if (auto a = terminals->slave_attr(index)) out.push_back(DirEntry{a->ino, DT_CHR, std::to_string(index)});
  return out;
}

Result<FileRef> VfsCore::open_device(const NodeRef& node, int flags) {
  if (node->dev == DevKind::kPtmx) {
    if (!terminals) return Err{ENODEV};
    return terminals->open_master(status_flags(flags), node->attr(), process);
  }
  if (node->dev == DevKind::kPts) {
    if (!terminals) return Err{ENXIO};
    return terminals->open_slave(minor(node->rdev), flags, process);
  }
  if (node->dev == DevKind::kTty) {
    if (terminals) {
      TRY_ASSIGN(FileRef t, terminals->open_controlling(flags, node->attr(), process));
      if (t) return t;
    }
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
