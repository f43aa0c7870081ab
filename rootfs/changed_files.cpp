// What the guest changed in the upper layer, and tearing the tree down.
// Both walk the tree with an explicit stack: renames can nest upper
// directories deeper than any path the guest could name, so recursion
// depth would be guest-controlled.
#include <sys/stat.h>

#include <algorithm>

#include "rootfs/vfs_core.h"

namespace vmrun::fs {

std::vector<ChangedFile> VfsCore::changed_files() const {
  std::vector<ChangedFile> out;
  struct Item {
    const MemNode* dir;
    std::string path;
  };
  std::vector<Item> todo{{root.get(), ""}};
  while (!todo.empty()) {
    Item item = std::move(todo.back());
    todo.pop_back();
    for (const auto& [name, child] : item.dir->children) {
      std::string p = item.path + "/" + name;
      if (child && child->kind == NodeKind::kWhiteout) {
        out.push_back(ChangedFile{p, ChangedFile::kDeleted, S_ISDIR(child->mode)});
        continue;
      }
      if (!child || child->synthetic) continue;  // /dev, /proc, mount points
      bool dir = child->kind == NodeKind::kDir;
      if (child->changed) out.push_back(ChangedFile{p, ChangedFile::kCreatedOrModified, dir});
      if (dir) todo.push_back(Item{child.get(), std::move(p)});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const ChangedFile& a, const ChangedFile& b) { return a.guest_path < b.guest_path; });
  return out;
}

VfsCore::~VfsCore() {
  // Detach every child map iteratively so no destructor recurses deeply.
  std::vector<NodeRef> todo{root};
  while (!todo.empty()) {
    NodeRef n = std::move(todo.back());
    todo.pop_back();
    if (!n) continue;
    for (auto& [name, child] : n->children) todo.push_back(std::move(child));
    n->children.clear();
  }
}

}  // namespace vmrun::fs
