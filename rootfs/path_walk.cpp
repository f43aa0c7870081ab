// Guest path resolution: component by component over the merged view,
// symlinks expanded by us (never by the host kernel), ".." bounded by the
// canonical chain we keep, every length and count bounded.
#include <fcntl.h>
#include <sys/stat.h>

#include <deque>

#include "rootfs/vfs_core.h"

namespace vmrun::fs {

Attr Entry::access_attr() const {
  Attr a;
  a.mode = mem ? mem->mode : st.st_mode;
  a.uid = mem ? mem->uid : st.st_uid;
  a.gid = mem ? mem->gid : st.st_gid;
  return a;
}

Attr Entry::attr() const {
  if (mem) {
    Attr a = mem->attr();
    a.dev = dev_for_fsid(fsid);
    return a;
  }
  Attr a;
  a.dev = dev_for_fsid(fsid);
  a.ino = st.st_ino;
  a.mode = st.st_mode;
  a.nlink = static_cast<uint32_t>(st.st_nlink);
  a.uid = st.st_uid;
  a.gid = st.st_gid;
  a.rdev = st.st_rdev;
  a.size = st.st_size;
  a.blocks = st.st_blocks;
  a.blksize = static_cast<int32_t>(st.st_blksize);
  a.atime = {st.st_atim.tv_sec, st.st_atim.tv_nsec};
  a.mtime = {st.st_mtim.tv_sec, st.st_mtim.tv_nsec};
  a.ctime = {st.st_ctim.tv_sec, st.st_ctim.tv_nsec};
  return a;
}

std::string Walk::dir_path() const {
  if (stack.size() <= 1) return "/";
  std::string p;
  p.reserve(path_len);
  for (size_t i = 1; i < stack.size(); ++i) {
    p += '/';
    p += stack[i].name;
  }
  return p;
}

std::string Walk::canonical() const {
  std::string d = dir_path();
  if (dot_final || name.empty()) return d;
  if (d.size() > 1) d += '/';
  return d + name;
}

Entry VfsCore::root_entry() const {
  Entry e;
  e.mem = root;
  e.host_dir = lower_root;
  e.has_host = true;
  ::fstat(lower_root->get(), &e.st);
  return e;
}

Entry VfsCore::mount_root_entry(int mount) const {
  Entry e;
  e.host_dir = mount_roots[static_cast<size_t>(mount)];
  e.has_host = true;
  e.fsid = kFsMountBase + mount;
  ::fstat(e.host_dir->get(), &e.st);
  return e;
}

Result<Entry> VfsCore::lookup(const Entry& dir, std::string_view name) {
  if (!dir.mem) {
    if (!dir.host_dir) return Err{ENOENT};
    return host_lookup(dir.host_dir, name, dir.fsid);
  }
  const MemNode& node = *dir.mem;
  if (node.kind == NodeKind::kProcDir) {
    NodeRef n = proc_lookup(node, name);
    if (!n) return Err{ENOENT};
    Entry e;
    e.mem = std::move(n);
    e.fsid = kFsProc;
    return e;
  }
  if (node.kind != NodeKind::kDir) return Err{ENOTDIR};
  if (node.dev == DevKind::kPtsDir) {
    NodeRef n = pts_lookup(name);
    if (!n) return Err{ENOENT};
    Entry e;
    e.mem = std::move(n);
    e.fsid = kFsDev;
    return e;
  }
  auto it = node.children.find(name);
  if (it != node.children.end()) {
    if (is_whiteout(it->second)) return Err{ENOENT};
    const NodeRef& child = it->second;
    if (child->mount >= 0) return mount_root_entry(child->mount);
    Entry e;
    e.mem = child;
    e.fsid = child->fsid;
    // A non-opaque upper directory shows the lower directory's content too.
    if (child->kind == NodeKind::kDir && !child->opaque && dir.host_dir && dir.fsid == kFsOverlay) {
      auto low = host_lookup(dir.host_dir, name, kFsOverlay);
      if (low && low->is_dir()) {
        e.host_dir = low->host_dir;
        e.host_parent = low->host_parent;
        e.host_name = low->host_name;
        e.st = low->st;
        e.has_host = true;
      }
    }
    return e;
  }
  if (node.opaque || !dir.host_dir) return Err{ENOENT};
  return host_lookup(dir.host_dir, name, dir.fsid);
}

Result<std::string> VfsCore::link_target(const Entry& e) const {
  if (e.mem) {
    if (e.mem->kind != NodeKind::kSymlink) return Err{EINVAL};
    return e.mem->target;
  }
  if (!e.has_host || !S_ISLNK(e.st.st_mode) || !e.host_parent) return Err{EINVAL};
  char buf[kPathMax];
  ssize_t n = ::readlinkat(e.host_parent->get(), e.host_name.c_str(), buf, sizeof buf);
  if (n < 0) return Err{errno};
  if (static_cast<size_t>(n) >= sizeof buf) return Err{ENAMETOOLONG};
  return std::string(buf, static_cast<size_t>(n));
}

Result<void> VfsCore::check_access(const Attr& a, int want) const {
  want &= 7;
  if (config.uid == 0) {
    if ((want & kX) && !S_ISDIR(a.mode) && !(a.mode & 0111)) return Err{EACCES};
    return Ok();
  }
  uint32_t bits;
  if (a.uid == config.uid) bits = (a.mode >> 6) & 7;
  else if (a.gid == config.gid) bits = (a.mode >> 3) & 7;
  else bits = a.mode & 7;
  if ((bits & static_cast<uint32_t>(want)) != static_cast<uint32_t>(want)) return Err{EACCES};
  return Ok();
}

Result<void> VfsCore::check_sticky(const Entry& dir, const Entry& victim) const {
  if (config.uid == 0) return Ok();
  Attr d = dir.attr();
  if (!(d.mode & S_ISVTX)) return Ok();
  if (d.uid == config.uid || victim.attr().uid == config.uid) return Ok();
  return Err{EPERM};
}

namespace {

// Push the components of `p` so that the first one is popped first.
void push_components(std::vector<std::string_view>& pending, std::string_view p) {
  size_t end = p.size();
  while (end > 0) {
    while (end > 0 && p[end - 1] == '/') --end;
    if (end == 0) break;
    size_t start = end;
    while (start > 0 && p[start - 1] != '/') --start;
    pending.push_back(p.substr(start, end - start));
    end = start;
  }
}

}  // namespace

Result<Walk> VfsCore::resolve(std::string_view base, std::string_view path, WalkOptions opt) {
  if (path.empty()) return Err{ENOENT};
  if (path.size() >= kPathMax || base.size() >= kPathMax) return Err{ENAMETOOLONG};
  if (path.find('\0') != std::string_view::npos) return Err{EINVAL};
  Walk w;
  w.stack.push_back(Level{"", root_entry()});
  w.trailing_slash = path.back() == '/';

  std::deque<std::string> targets;  // stable storage for expanded symlinks
  std::vector<std::string_view> pending;
  push_components(pending, path);
  if (path[0] != '/') {
    // The base is walked like leading components: it must be a directory.
    std::vector<std::string_view> base_parts;
    push_components(base_parts, base);
    pending.insert(pending.end(), base_parts.begin(), base_parts.end());
  }

  int links = 0;
  while (!pending.empty()) {
    std::string_view comp = pending.back();
    pending.pop_back();
    bool last = pending.empty();
    if (comp == ".") continue;
    if (comp == "..") {
      if (w.stack.size() > 1) {
        w.path_len -= 1 + w.stack.back().name.size();
        w.stack.pop_back();
      }
      continue;
    }
    if (comp.size() > kNameMax) return Err{ENAMETOOLONG};
    const Entry& dir = w.stack.back().entry;
    TRY_VOID(check_access(dir.access_attr(), kX));
    auto found = lookup(dir, comp);
    if (!found) {
      if (found.error() == ENOENT && last) {
        if (w.path_len + 1 + comp.size() >= kPathMax) return Err{ENAMETOOLONG};
        w.name = std::string(comp);
        return w;
      }
      return Err{found.error()};
    }
    Entry e = std::move(found.value());
    if (e.is_symlink() && (!last || opt.follow || w.trailing_slash)) {
      if (last && opt.magic && e.mem && (e.mem->magic_fd >= 0 || !e.mem->magic_ns.empty())) {
        w.name = std::string(comp);
        w.magic_fd = e.mem->magic_fd;
        w.magic_ns = e.mem->magic_ns;
        w.magic_pid = e.mem->proc_pid;
        w.final = std::move(e);
        return w;
      }
      if (++links > kMaxSymlinks) return Err{ELOOP};
      TRY_ASSIGN(std::string target, link_target(e));
      if (target.empty()) return Err{ENOENT};
      if (last && target.back() == '/') w.trailing_slash = true;
      targets.push_back(std::move(target));
      std::string_view t = targets.back();
      if (t[0] == '/') {
        w.stack.resize(1);
        w.path_len = 0;
      }
      push_components(pending, t);
      continue;
    }
    if (last) {
      if (w.trailing_slash && !e.is_dir()) return Err{ENOTDIR};
      if (w.path_len + 1 + comp.size() >= kPathMax) return Err{ENAMETOOLONG};
      w.name = std::string(comp);
      w.final = std::move(e);
      return w;
    }
    if (!e.is_dir()) return Err{ENOTDIR};
    if (w.path_len + 1 + comp.size() >= kPathMax) return Err{ENAMETOOLONG};
    w.path_len += 1 + comp.size();
    w.stack.push_back(Level{std::string(comp), std::move(e)});
  }
  // The path (after expansion) ended at a directory: "/", ".", "..".
  w.dot_final = true;
  w.final = w.stack.back().entry;
  return w;
}

}  // namespace vmrun::fs
