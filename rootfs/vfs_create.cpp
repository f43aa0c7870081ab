// Building a Vfs: the lower root, the synthetic /dev and /proc, a /tmp if
// the lower layer has none, and the mount points of the configured mounts.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rootfs/overlay_vfs.h"

namespace vmrun::fs {

namespace {

// Splits an operator-given guest mount path into components; rejects
// relative paths, ".", ".." and the root itself.
bool split_mount_path(const std::string& p, std::vector<std::string>* out) {
  if (p.empty() || p[0] != '/' || p.size() >= kPathMax) return false;
  size_t i = 0;
  while (i < p.size()) {
    while (i < p.size() && p[i] == '/') ++i;
    size_t j = i;
    while (j < p.size() && p[j] != '/') ++j;
    if (j > i) {
      std::string c = p.substr(i, j - i);
      if (c == "." || c == ".." || c.size() > kNameMax) return false;
      out->push_back(std::move(c));
    }
    i = j;
  }
  return !out->empty();
}

NodeRef plain_dir(VfsCore& core, uint32_t mode) {
  NodeRef n = core.new_node(NodeKind::kDir, S_IFDIR | mode, kFsOverlay);
  n->uid = n->gid = 0;
  n->changed = false;
  n->links = 1;
  return n;
}

bool add_mount(VfsCore& core, size_t index, const MountSpec& m, std::string* error) {
  std::vector<std::string> parts;
  if (!split_mount_path(m.guest_path, &parts)) {
    *error = "invalid mount guest path: " + m.guest_path;
    return false;
  }
  // The operator's host path is trusted configuration; only what is below
  // it is confined.
  int fd = ::open(m.host_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    *error = "cannot open mount source " + m.host_dir;
    return false;
  }
  core.mount_roots.push_back(std::make_shared<HostFd>(fd));
  core.mount_writable.push_back(m.writable);
  std::string canonical;
  for (auto& part : parts) canonical += "/" + part;
  core.mount_points.push_back(std::move(canonical));

  NodeRef dir = core.root;
  HostFdRef lower = core.lower_root;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    HostFdRef next_lower;
    struct stat st {};
    if (lower) {
      auto e = core.host_lookup(lower, parts[i], kFsOverlay);
      if (e && e->is_dir()) {
        next_lower = e->host_dir;
        st = e->st;
      }
    }
    auto it = dir->children.find(parts[i]);
    if (it != dir->children.end() && !is_whiteout(it->second)) {
      if (it->second->kind != NodeKind::kDir || it->second->mount >= 0 || it->second->fsid != kFsOverlay) {
        *error = "mount path crosses another mount or a synthetic directory: " + m.guest_path;
        return false;
      }
      dir = it->second;
    } else {
      NodeRef n = plain_dir(core, 0755);
      if (next_lower) {
        n->mode = st.st_mode;
        n->uid = st.st_uid;
        n->gid = st.st_gid;
        n->ino = st.st_ino;
      }
      dir->children[parts[i]] = n;
      dir = n;
    }
    lower = next_lower;
  }
  auto it = dir->children.find(parts.back());
  if (it != dir->children.end() && !is_whiteout(it->second) &&
      (it->second->mount >= 0 || !it->second->children.empty() || it->second->synthetic)) {
    *error = "mount path already used: " + m.guest_path;
    return false;
  }
  NodeRef point = plain_dir(core, 0755);
  point->synthetic = true;
  point->mount = static_cast<int>(index);
  dir->children[parts.back()] = point;
  return true;
}

}  // namespace

std::unique_ptr<Vfs> Vfs::create(const VfsConfig& config, std::string* error) {
  std::string scratch;
  if (!error) error = &scratch;
  auto core = std::make_shared<VfsCore>();
  core->config = config;
  core->shared = std::make_shared<VfsShared>();
  core->shared->max = config.max_upper_bytes;
  core->shared->clock = config.now;
  core->shared->rng = config.random_seed;

  int fd = ::open(config.lower_root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    *error = "cannot open lower root " + config.lower_root;
    return nullptr;
  }
  core->lower_root = std::make_shared<HostFd>(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    *error = "cannot stat lower root " + config.lower_root;
    return nullptr;
  }
  NodeRef root = std::make_shared<MemNode>(NodeKind::kDir, core->shared);
  root->mode = st.st_mode;
  root->uid = st.st_uid;
  root->gid = st.st_gid;
  root->ino = st.st_ino;
  root->links = 1;
  root->atime = {st.st_atim.tv_sec, st.st_atim.tv_nsec};
  root->mtime = {st.st_mtim.tv_sec, st.st_mtim.tv_nsec};
  root->ctime = {st.st_ctim.tv_sec, st.st_ctim.tv_nsec};
  core->root = root;
  // An open file's directory and name, found again from its path.
  core->notify->set_locate([raw = core.get()](const std::string& path, NodeId id) -> std::optional<FsNotify::Place> {
    auto w = raw->resolve("/", path, WalkOptions{false, false});
    if (!w || !w->final || w->dot_final || node_id(*w->final) != id) return std::nullopt;
    return FsNotify::Place{node_id(w->stack.back().entry), w->name};
  });

  root->children["dev"] = core->build_dev_tree();
  root->children["proc"] = core->build_proc_root();
  struct stat tmp {};
  if (::fstatat(fd, "tmp", &tmp, AT_SYMLINK_NOFOLLOW) != 0) root->children["tmp"] = plain_dir(*core, 01777);

  for (size_t i = 0; i < config.mounts.size(); ++i)
    if (!add_mount(*core, i, config.mounts[i], error)) return nullptr;
  return std::make_unique<OverlayVfs>(std::move(core));
}

}  // namespace vmrun::fs
