// Directory descriptions (merged listings) and O_PATH descriptions.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <unordered_set>

#include "rootfs/vfs_core.h"

namespace vmrun::fs {

namespace {

uint8_t dtype(uint32_t mode) { return static_cast<uint8_t>((mode & S_IFMT) >> 12); }

Result<Attr> live_attr(const Entry& e) {
  if (e.mem) return e.attr();
  Entry copy = e;
  if (e.host_dir) {
    if (::fstat(e.host_dir->get(), &copy.st) != 0) return Err{errno};
  } else if (e.host_parent) {
    if (::fstatat(e.host_parent->get(), e.host_name.c_str(), &copy.st, AT_SYMLINK_NOFOLLOW) != 0) return Err{errno};
  }
  return copy.attr();
}

class DirFile final : public File {
 public:
  DirFile(std::shared_ptr<VfsCore> core, Entry e) : core_(std::move(core)), entry_(std::move(e)) {}

  Result<size_t> read(void*, size_t) override { return Err{EISDIR}; }
  Result<size_t> write(const void*, size_t) override { return Err{EBADF}; }
  Result<size_t> pread(void*, size_t, uint64_t) override { return Err{EISDIR}; }
  Result<int64_t> seek(int64_t off, int whence) override {
    // Only rewinding is meaningful for a snapshotted listing.
    if (whence == SEEK_SET && off == 0) {
      dir_snapshot.reset();
      dir_pos = 0;
      return int64_t{0};
    }
    if (whence == SEEK_SET && off > 0) {
      dir_pos = static_cast<uint64_t>(off);
      return off;
    }
    if (whence == SEEK_CUR && off == 0) return static_cast<int64_t>(dir_pos);
    return Err{EINVAL};
  }
  Result<Attr> stat() override { return live_attr(current()); }
  Result<std::vector<DirEntry>> list_dir() override {
    if (dir && dir->removed()) {
      // Linux lists only "." and ".." in a removed directory.
      Attr self = entry_.attr();
      return std::vector<DirEntry>{{self.ino, DT_DIR, "."}, {self.ino, DT_DIR, ".."}};
    }
    return core_->list(current());
  }
  Result<void> chmod(uint32_t mode) override {
    if (dir && dir->removed()) return Err{ENOENT};
    return core_->chmod_path(dir ? dir->path() : path, mode);
  }

 private:
  // A lower directory gets an upper twin when something is created in it
  // after we were opened; list the merged view then (the same directory:
  // the twin keeps the lower half).
  Entry current() {
    if (entry_.mem || entry_.fsid != kFsOverlay || (dir && dir->removed())) return entry_;
    auto w = core_->resolve("/", dir ? dir->path() : path, WalkOptions{true, false});
    if (w && w->final && w->final->is_dir() && same_dir(*w->final, entry_)) entry_ = *w->final;
    return entry_;
  }

  std::shared_ptr<VfsCore> core_;
  Entry entry_;
};

class PathFile final : public File {
 public:
  explicit PathFile(Entry e) : entry_(std::move(e)) {}
  Result<size_t> read(void*, size_t) override { return Err{EBADF}; }
  Result<size_t> write(const void*, size_t) override { return Err{EBADF}; }
  Result<size_t> pread(void*, size_t, uint64_t) override { return Err{EBADF}; }
  Result<size_t> pwrite(const void*, size_t, uint64_t) override { return Err{EBADF}; }
  Result<int64_t> seek(int64_t, int) override { return Err{EBADF}; }
  Result<Attr> stat() override { return live_attr(entry_); }
  Result<void> truncate(uint64_t) override { return Err{EBADF}; }
  Result<void> chmod(uint32_t) override { return Err{EBADF}; }
  Result<std::vector<DirEntry>> list_dir() override { return Err{EBADF}; }

 private:
  Entry entry_;
};

}  // namespace

Result<std::vector<DirEntry>> VfsCore::list(const Entry& dir) {
  if (!dir.is_dir()) return Err{ENOTDIR};
  Attr self = dir.attr();
  std::vector<DirEntry> out;
  out.push_back(DirEntry{self.ino, DT_DIR, "."});
  out.push_back(DirEntry{self.ino, DT_DIR, ".."});
  std::unordered_set<std::string> seen;
  bool merge_lower = dir.host_dir != nullptr;
  if (dir.mem) {
    const MemNode& node = *dir.mem;
    if (node.kind == NodeKind::kProcDir) {
      auto entries = proc_list(node);
      out.insert(out.end(), entries.begin(), entries.end());
      return out;
    }
    if (node.dev == DevKind::kPtsDir) {
      auto entries = pts_list();
      out.insert(out.end(), entries.begin(), entries.end());
      return out;
    }
    for (const auto& [name, child] : node.children) {
      seen.insert(name);
      if (is_whiteout(child)) continue;
      out.push_back(DirEntry{child->ino, dtype(child->mode), name});
    }
    if (node.opaque || dir.fsid != kFsOverlay) merge_lower = false;
  }
  if (merge_lower) {
    TRY_ASSIGN(auto host, host_list(dir.host_dir));
    for (auto& de : host)
      if (!seen.count(de.name)) out.push_back(std::move(de));
  }
  return out;
}

FileRef VfsCore::make_dir_file(const Entry& e) { return std::make_shared<DirFile>(shared_from_this(), e); }

FileRef VfsCore::make_path_file(const Entry& e) { return std::make_shared<PathFile>(e); }

}  // namespace vmrun::fs
