// Directory handles: a process's working directory and its open
// directories refer to the directory itself, not to the name it had when
// opened. Every rename and removal of a directory goes through this VFS,
// which updates the live handles the way Linux's d_move updates a dentry:
// a handle to a moved directory, or to anything below it, gets its new
// path; a handle to a removed one is marked removed, so a directory made
// later under the same name is never mistaken for it.
#include <sys/stat.h>

#include <algorithm>

#include "rootfs/vfs_core.h"

namespace vmrun::fs {

namespace {

// Renames can nest a directory deeper than any path the guest can name
// (each rename may add up to PATH_MAX); a handle whose path outgrows this
// is treated as unreachable rather than grown without bound.
constexpr size_t kMaxHandlePath = 16 * kPathMax;

}  // namespace

bool same_dir(const Entry& a, const Entry& b) {
  if (a.fsid != b.fsid) return false;
  if (a.mem && b.mem) return a.mem == b.mem;
  if (a.has_host && b.has_host) return a.st.st_dev == b.st.st_dev && a.st.st_ino == b.st.st_ino;
  return false;
}

DirRef VfsCore::dir_handle(const Walk& w) {
  // Drop the entries of closed handles once they may be half the list.
  if (dir_handles.size() >= 2 * dir_handles_after_prune + 64) {
    std::erase_if(dir_handles, [](const std::weak_ptr<DirDentry>& h) { return h.expired(); });
    dir_handles_after_prune = dir_handles.size();
  }
  auto h = std::make_shared<DirDentry>(w.canonical(), *w.final);
  dir_handles.push_back(h);
  return h;
}

void VfsCore::dirs_moved(const std::string& from, const std::string& to) {
  if (from.empty() || from == "/") return;
  for (const auto& weak : dir_handles) {
    auto h = weak.lock();
    if (!h || h->removed()) continue;
    const std::string& p = h->path();
    if (p.compare(0, from.size(), from) != 0) continue;
    if (p.size() == from.size()) {
      h->set_path(to);
    } else if (p[from.size()] == '/') {
      if (to.size() + (p.size() - from.size()) > kMaxHandlePath) {
        h->mark_removed();
        continue;
      }
      h->set_path(to + p.substr(from.size()));
    }
  }
}

void VfsCore::dir_removed(const Entry& e) {
  for (const auto& weak : dir_handles) {
    auto h = weak.lock();
    if (h && !h->removed() && same_dir(h->entry, e)) h->mark_removed();
  }
}

}  // namespace vmrun::fs
