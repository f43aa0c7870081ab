// The Vfs implementation: a thin public face over VfsCore. The calls are
// split by theme: overlay_vfs.cpp (open, stat, lookups), namespace_ops.cpp
// (creating, removing, renaming names), attr_ops.cpp (metadata, truncate).
#pragma once

#include <memory>

#include "rootfs/vfs_core.h"

namespace vmrun::fs {

class OverlayVfs final : public Vfs {
 public:
  explicit OverlayVfs(std::shared_ptr<VfsCore> core) : core_(std::move(core)) {}

  void set_process(const ProcessView* process) override { core_->process = process; }
  void set_process_directory(const ProcessDirectory* directory) override { core_->processes = directory; }
  void set_terminal_devices(TerminalDevices* terminals) override { core_->terminals = terminals; }
  Result<FileRef> open(std::string_view base, std::string_view path, int flags, uint32_t mode) override;
  Result<Attr> stat(std::string_view base, std::string_view path, bool follow) override;
  Result<std::string> readlink(std::string_view base, std::string_view path) override;
  Result<void> access(std::string_view base, std::string_view path, int amode, bool follow) override;
  Result<void> mkdir(std::string_view base, std::string_view path, uint32_t mode) override;
  Result<void> mknod(std::string_view base, std::string_view path, uint32_t mode, uint64_t dev) override;
  Result<void> bind_socket(std::string_view base, std::string_view path, uint32_t mode,
                           std::weak_ptr<SocketEndpoint> socket) override;
  Result<std::shared_ptr<SocketEndpoint>> find_socket(std::string_view base, std::string_view path) override;
  Result<void> rmdir(std::string_view base, std::string_view path) override;
  Result<void> unlink(std::string_view base, std::string_view path) override;
  Result<void> rename(std::string_view old_base, std::string_view old_path, std::string_view new_base,
                      std::string_view new_path, unsigned flags) override;
  Result<void> link(std::string_view old_base, std::string_view old_path, std::string_view new_base,
                    std::string_view new_path, bool follow) override;
  Result<void> symlink(std::string_view target, std::string_view base, std::string_view path) override;
  Result<void> chmod(std::string_view base, std::string_view path, uint32_t mode, bool follow) override;
  Result<void> chown(std::string_view base, std::string_view path, int64_t uid, int64_t gid, bool follow) override;
  Result<void> utimens(std::string_view base, std::string_view path, Timespec atime, Timespec mtime,
                       bool follow) override;
  Result<void> truncate(std::string_view base, std::string_view path, uint64_t len) override;
  Result<std::string> xattr(std::string_view base, std::string_view path, bool follow,
                            const XattrCall& call) override;
  Result<std::string> xattr_file(const FileRef& f, const XattrCall& call) override;
  Result<std::string> resolve_dir(std::string_view base, std::string_view path) override;
  Result<DirRef> open_dir(std::string_view base, std::string_view path) override;
  Result<FsStats> statfs(std::string_view base, std::string_view path) override;
  void begin_spawn(uint64_t max_upper_bytes, uint64_t random_seed) override {
    core_->shared->max = max_upper_bytes ? core_->shared->used + max_upper_bytes : 0;
    core_->shared->rng = random_seed;
  }
  uint64_t upper_bytes() const override { return core_->shared->used; }
  std::vector<ChangedFile> changed_files() const override { return core_->changed_files(); }
  Result<std::string> read_whole_file(std::string_view path, uint64_t max_bytes) override;
  FileRef create_memfd(std::string_view name) override;
  const std::shared_ptr<FsNotify>& notify() override { return core_->notify; }

 private:
  Result<FileRef> open_node(std::string_view base, std::string_view path, int flags, uint32_t mode);
  Result<FileRef> open_existing(Walk& w, int flags);
  Result<std::string> xattr_walk(Walk& w, const XattrCall& call);
  bool mount_ro(const Entry& e) const {
    return e.in_mount() && !core_->mount_writable[static_cast<size_t>(e.fsid - kFsMountBase)];
  }

  std::shared_ptr<VfsCore> core_;
};

}  // namespace vmrun::fs
