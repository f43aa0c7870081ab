// The machinery behind Vfs: resolved entries, path walks and the
// operations shared by the public calls and the Files they hand out.
#pragma once

#include <sys/stat.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rootfs/fs_notify.h"
#include "rootfs/host_fd.h"
#include "rootfs/mem_node.h"
#include "rootfs/vfs.h"

namespace vmrun::fs {

// One resolved name of the merged view. An overlay directory may have both
// an upper node and a lower host directory (merged); anything else lives in
// exactly one layer.
struct Entry {
  NodeRef mem;             // upper / synthetic node
  HostFdRef host_dir;      // O_PATH fd when the host side is a directory
  HostFdRef host_parent;   // host directory holding the host side (null at a layer root)
  std::string host_name;
  struct stat st {};
  bool has_host = false;
  int fsid = kFsOverlay;

  uint32_t mode() const { return mem ? mem->mode : st.st_mode; }
  bool is_dir() const { return S_ISDIR(mode()); }
  bool is_symlink() const { return S_ISLNK(mode()); }
  bool in_mount() const { return fsid >= kFsMountBase; }
  bool host_only() const { return !mem && has_host; }
  bool layer_root() const { return !mem && has_host && !host_parent; }
  Attr attr() const;
  // Only what a permission check reads (mode and owner): a path walk's
  // step must not cost what attr() does for a directory in memory (its
  // link count counts the subdirectories among all its entries).
  Attr access_attr() const;
};

struct Level {
  std::string name;
  Entry entry;
};

struct Walk {
  std::vector<Level> stack;   // canonical chain of directories, [0] = "/"
  std::string name;           // final component; empty when dot_final
  std::optional<Entry> final; // absent: the final component does not exist
  bool dot_final = false;     // the path named stack.back() itself ("/", ".", "..")
  bool trailing_slash = false;
  int magic_fd = -1;          // final is /proc/<pid>/fd/N and was to be followed
  std::string magic_ns;       // final is /proc/<pid>/ns/<kind> and was to be followed
  int magic_pid = 0;          // ... of this process
  size_t path_len = 0;        // length of the canonical path of stack.back()

  bool magic() const { return magic_fd >= 0 || !magic_ns.empty(); }

  std::string dir_path() const;   // canonical path of stack.back()
  std::string canonical() const;  // canonical path of the final entry
};

struct WalkOptions {
  bool follow = true;   // follow a final symlink
  bool magic = false;   // stop at a final /proc/<pid>/fd/N or ns/<kind> link (open, stat)
};

enum Access : int { kR = 4, kW = 2, kX = 1 };

// The VFS's DirHandle: the entry the directory was opened as (its
// in-memory node and/or host directory fd, and which filesystem), and its
// current path, which VfsCore rewrites when a rename moves it.
class DirDentry final : public DirHandle {
 public:
  DirDentry(std::string path, Entry e) : entry(std::move(e)) { path_ = std::move(path); }
  void set_path(std::string p) { path_ = std::move(p); }
  void mark_removed() { removed_ = true; }

  const Entry entry;
};

// An entry's identity for change notification: what stat(2) shows as
// st_dev and st_ino (a copy-up keeps both).
inline NodeId node_id(const Entry& e) { return {dev_for_fsid(e.fsid), e.mem ? e.mem->ino : e.st.st_ino}; }

// Whether two entries are the same directory: the same in-memory node, or
// the same host directory (a lower directory copied up later keeps its
// lower half, so a handle taken before the copy-up still matches).
bool same_dir(const Entry& a, const Entry& b);

class VfsCore : public std::enable_shared_from_this<VfsCore> {
 public:
  ~VfsCore();

  VfsConfig config;
  std::shared_ptr<VfsShared> shared;
  NodeRef root;                   // upper root (always present)
  HostFdRef lower_root;
  std::vector<HostFdRef> mount_roots;
  std::vector<bool> mount_writable;
  std::vector<std::string> mount_points;  // canonical guest paths, by mount index
  const ProcessView* process = nullptr;
  const ProcessDirectory* processes = nullptr;
  TerminalDevices* terminals = nullptr;
  // The process /proc/<pid> names, if it exists.
  const ProcessView* proc_target(int pid) const;
  // What a magic link the walk stopped at leads to (Walk::magic): the open
  // description of /proc/<pid>/fd/N, the namespace of /proc/<pid>/ns/<kind>;
  // nullptr once gone.
  FileRef magic_target(const Walk& w) const;

  // --- path_walk.cpp
  Result<Walk> resolve(std::string_view base, std::string_view path, WalkOptions opt);
  Result<Entry> lookup(const Entry& dir, std::string_view name);
  Entry root_entry() const;
  Entry mount_root_entry(int mount) const;
  Result<std::string> link_target(const Entry& e) const;

  // --- permissions (path_walk.cpp)
  Result<void> check_access(const Attr& a, int want) const;
  Result<void> check_sticky(const Entry& dir, const Entry& victim) const;
  bool is_owner(const Attr& a) const { return config.uid == 0 || a.uid == config.uid; }

  // --- overlay_ops.cpp
  NodeRef new_node(NodeKind kind, uint32_t mode, int fsid);
  Result<NodeRef> ensure_upper_dir(Walk& w, size_t level);
  Result<void> copy_up_final(Walk& w);
  // The parent of w's final name, made ready to receive a new entry.
  struct CreateTarget {
    NodeRef mem;      // in-memory directory
    HostFdRef host;   // rw mount directory
  };
  Result<CreateTarget> prepare_create(Walk& w);
  Result<void> insert_child(const NodeRef& dir, std::string_view name, NodeRef child);
  // Remove final from its in-memory parent, leaving a whiteout if the lower
  // layer still has that name.
  Result<void> remove_mem_child(Walk& w);
  bool lower_has(const Entry& dir, std::string_view name) const;
  // Make a modifiable in-memory node for the final entry (copy-up), or
  // EROFS/EACCES when it cannot be modified.
  Result<NodeRef> writable_node(Walk& w);
  // chmod of the final entry (copy-up / host write-through / EROFS).
  Result<void> chmod_walk(Walk& w, uint32_t mode);
  Result<void> chmod_path(std::string_view path, uint32_t mode);

  // --- host_layer.cpp
  Result<Entry> host_lookup(const HostFdRef& parent, std::string_view name, int fsid) const;
  Result<std::vector<DirEntry>> host_list(const HostFdRef& dir) const;
  Result<std::string> host_read_all(const Entry& e, uint64_t max_bytes) const;
  Result<FileRef> host_open_file(const Entry& e, int flags, bool create, uint32_t mode,
                                 const HostFdRef& create_dir, std::string_view create_name);

  // --- dir_files.cpp
  Result<std::vector<DirEntry>> list(const Entry& dir);
  FileRef make_dir_file(const Entry& e);
  FileRef make_path_file(const Entry& e);

  // --- dir_handles.cpp: every live DirDentry, kept current as directories move
  std::vector<std::weak_ptr<DirDentry>> dir_handles;
  size_t dir_handles_after_prune = 0;
  // A handle to w's final entry, an existing directory.
  DirRef dir_handle(const Walk& w);
  // The directory at canonical path `from` is now at `to`: every handle to
  // it or below it follows.
  void dirs_moved(const std::string& from, const std::string& to);
  // Directory `e` was removed: its handles are marked removed.
  void dir_removed(const Entry& e);

  // --- dev_files.cpp
  NodeRef build_dev_tree();
  Result<FileRef> open_device(const NodeRef& node, int flags);
  // /dev/pts: a transient node for slave `name`, and the listing.
  NodeRef pts_lookup(std::string_view name);
  std::vector<DirEntry> pts_list();

  // --- proc_files.cpp
  NodeRef build_proc_root();
  NodeRef proc_lookup(const MemNode& dir, std::string_view name);
  std::vector<DirEntry> proc_list(const MemNode& dir);
  Result<FileRef> open_proc_file(const NodeRef& node, int flags);

  // --- changed_files.cpp
  std::vector<ChangedFile> changed_files() const;

  // --- vfs_notify.cpp: telling the change registry what a call changed
  std::shared_ptr<FsNotify> notify = std::make_shared<FsNotify>();
  // w's final entry, just created (IN_CREATE in its directory).
  void notify_created(const Walk& w, bool is_dir);
  // w's final entry changed (IN_ATTRIB, IN_MODIFY, IN_ACCESS): to its
  // directory's watchers, then to its own.
  void notify_changed(const Walk& w, uint32_t mask);
  // Name w.name of w's directory, which named `victim`, is gone; the node
  // with it when that was its last name (`last_link`).
  void notify_removed(const Walk& w, const Entry& victim, bool last_link);
  // ow's final entry `moved` now has nw's name; `overwritten` is what that
  // name named before, if anything (its last name gone when its link count
  // is now 0).
  void notify_moved(const Walk& ow, const Walk& nw, const Entry& moved, const std::optional<Entry>& overwritten);
  // The description `f` just opened by path: its notice, and IN_OPEN.
  void notify_opened(const FileRef& f);

  // --- mount_table.cpp
  FsStats fs_stats(const Entry& e, const std::string& canonical) const;
  std::string mounts_text() const;     // /proc/<pid>/mounts
  std::string mountinfo_text() const;  // /proc/<pid>/mountinfo
};

// Strip creation-only flags, as File::flags wants.
int status_flags(int open_flags);

}  // namespace vmrun::fs
