// The guest's view of a filesystem: a confined read-only lower layer (a
// host directory tree), a writable in-memory upper layer with overlay
// semantics, host directories mounted at guest paths, synthetic /dev and
// /proc. All path resolution is done here, component by component; the
// host kernel is only asked to open entries already resolved inside a
// layer, relative to a directory fd of that layer, with O_NOFOLLOW.
//
// Paths: every call takes `base`, the canonical absolute guest path of the
// directory relative paths start from (the current path of the cwd's or a
// directory fd's DirHandle), and `path`, the guest's own (hostile) string. Absolute symlinks resolve
// against the guest root; ".." never climbs above it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "rootfs/file.h"
#include "rootfs/xattr.h"

namespace vmrun::fs {

struct MountSpec {
  std::string host_dir;    // host directory
  std::string guest_path;  // absolute guest path where it appears
  bool writable = false;   // rw mounts are the only way writes reach the host
};

// What /proc/self and /dev/std* need from the process layer.
class ProcessView {
 public:
  virtual ~ProcessView() = default;
  virtual int pid() const = 0;
  virtual std::string exe_path() const = 0;  // guest path
  virtual std::string cwd() const = 0;       // guest path (" (deleted)" appended once removed)
  virtual std::vector<int> open_fds() const = 0;
  virtual FileRef fd_file(int fd) const = 0;  // nullptr if not open
  virtual std::string maps() const { return {}; }  // /proc/self/maps text
  virtual std::string cmdline() const { return {}; }  // NUL-separated argv
  // For /proc/<pid>/stat and status.
  virtual int thread_group() const { return pid(); }  // what getpid() returns; /proc/self
  virtual int parent_pid() const { return 0; }
  virtual int group_id() const { return pid(); }    // process group
  virtual int session_id() const { return pid(); }
  virtual char state_code() const { return 'R'; }   // R running, S sleeping, T stopped, Z zombie
  // At most 15 bytes; by default the executable's file name.
  virtual std::string comm() const {
    std::string exe = exe_path();
    return exe.substr(exe.find_last_of('/') + 1).substr(0, 15);
  }
  virtual uint64_t vm_bytes() const { return 0; }   // mapped guest memory
  // /proc/<pid>/ns/<kind>: its link text ("uts:[N]"; "" if there is no
  // such namespace) and, opened, a File that holds the namespace (setns).
  virtual std::string namespace_link(std::string_view kind) const { (void)kind; return {}; }
  virtual FileRef open_namespace(std::string_view kind) const { (void)kind; return nullptr; }
};

// Every guest process, for /proc/<pid> and listing /proc.
class ProcessDirectory {
 public:
  virtual ~ProcessDirectory() = default;
  virtual std::vector<int> process_ids() const = 0;              // thread-group leaders, ascending
  virtual const ProcessView* process_view(int pid) const = 0;    // a process or thread; nullptr if none
  virtual int thread_count(int pid) const = 0;
};

// The device number stat(2) shows for everything in /dev (devtmpfs).
constexpr uint64_t kDevFilesystemDev = 0x801;

// The run's pseudo-terminals as /dev sees them: /dev/ptmx, the /dev/pts
// directory and /dev/tty's controlling terminal. The kernel provides them
// (emu/files/pty.h); without one /dev/ptmx is ENODEV and /dev/pts empty.
class TerminalDevices {
 public:
  virtual ~TerminalDevices() = default;
  // open("/dev/ptmx"): a new master, its slave locked. `node` is the
  // ptmx node's metadata (what the master's fstat shows).
  virtual Result<FileRef> open_master(int flags, const Attr& node, const ProcessView* opener) = 0;
  // open("/dev/pts/N"): EIO while locked; may make it the opener's
  // controlling terminal (a session leader without one, no O_NOCTTY).
  virtual Result<FileRef> open_slave(unsigned index, int flags, const ProcessView* opener) = 0;
  // The slaves that exist now, ascending, and one's metadata (dev is
  // kDevFilesystemDev).
  virtual std::vector<unsigned> slave_indices() const = 0;
  virtual std::optional<Attr> slave_attr(unsigned index) const = 0;
  // open("/dev/tty"): the opener's controlling pseudo-terminal, or nullptr
  // when it has none (then /dev/tty is the host terminal on stdio, if any).
  // Its fstat shows `node`, /dev/tty's own metadata, as on Linux.
  virtual Result<FileRef> open_controlling(int flags, const Attr& node, const ProcessView* opener) = 0;
};

struct VfsConfig {
  std::string lower_root;           // host directory; must exist
  std::vector<MountSpec> mounts;
  uint64_t max_upper_bytes = 0;     // quota on bytes written to the upper layer (0 = none)
  uint32_t uid = 0, gid = 0;        // identity of the guest (for permission checks)
  std::function<Timespec()> now;    // time source for new timestamps (virtual in deterministic mode)
  std::string cpuinfo, meminfo;     // contents of /proc/cpuinfo, /proc/meminfo
  std::function<double()> uptime;   // seconds, for /proc/uptime
  std::function<std::string()> stat, loadavg;  // /proc/stat, /proc/loadavg, made when read (absent if unset)
  uint64_t random_seed = 0;         // seeds /dev/random and /dev/urandom (reproducible runs)
};

// What statfs(2) reports. Sizes are in units of bsize; flags are ST_*
// bits, ST_VALID always among them (glibc's statvfs then trusts them
// instead of searching /proc/mounts).
struct FsStats {
  static constexpr uint64_t kValid = 0x20;  // the kernel's ST_VALID: f_flags is filled in
  uint64_t type = 0;  // f_type magic number
  uint64_t bsize = 4096;
  uint64_t blocks = 0, bfree = 0, bavail = 0;
  uint64_t files = 0, ffree = 0;
  uint64_t namelen = 255;
  uint64_t flags = 0;
};

class FsNotify;  // rootfs/fs_notify.h

// Special values for utimens, as in the Linux ABI.
constexpr int64_t kUtimeNow = (1l << 30) - 1;
constexpr int64_t kUtimeOmit = (1l << 30) - 2;

struct ChangedFile {
  std::string guest_path;
  enum Kind { kCreatedOrModified, kDeleted } kind;
  bool is_dir = false;
};

class Vfs {
 public:
  virtual ~Vfs() = default;
  // Fails with a message when the lower root or a mount is unusable.
  static std::unique_ptr<Vfs> create(const VfsConfig& config, std::string* error);

  // The process currently making calls (for /proc/self, /dev/stdin, ...).
  virtual void set_process(const ProcessView* process) = 0;
  // Where /proc finds the other processes (without one: only the current).
  virtual void set_process_directory(const ProcessDirectory* directory) = 0;
  // Where /dev/ptmx, /dev/pts and /dev/tty find the pseudo-terminals
  // (nullptr: none); it must outlive its use here.
  virtual void set_terminal_devices(TerminalDevices* terminals) = 0;

  // open(2)/openat(2) semantics: O_CREAT, O_EXCL, O_TRUNC, O_APPEND,
  // O_DIRECTORY, O_NOFOLLOW, O_PATH (a description usable only as a dirfd
  // or for fstat), access checks, copy-up when a lower file is opened for
  // writing. `mode` already has the umask applied.
  virtual Result<FileRef> open(std::string_view base, std::string_view path, int flags, uint32_t mode) = 0;
  virtual Result<Attr> stat(std::string_view base, std::string_view path, bool follow) = 0;
  virtual Result<std::string> readlink(std::string_view base, std::string_view path) = 0;
  virtual Result<void> access(std::string_view base, std::string_view path, int amode, bool follow) = 0;
  virtual Result<void> mkdir(std::string_view base, std::string_view path, uint32_t mode) = 0;
  virtual Result<void> mknod(std::string_view base, std::string_view path, uint32_t mode, uint64_t dev) = 0;
  // bind(2) of an AF_UNIX socket to a path: a new socket node (mode has
  // S_IFSOCK and the umask applied) naming `socket`, in the in-memory layer
  // only: EADDRINUSE if the name exists, EROFS in a read-only place, EPERM
  // in a read-write mount (a guest socket never becomes a host socket).
  virtual Result<void> bind_socket(std::string_view base, std::string_view path, uint32_t mode,
                                   std::weak_ptr<SocketEndpoint> socket) = 0;
  // connect(2)/sendto(2) to a path: the socket bound to it. ENOENT if no
  // such name, EACCES without write permission on it, ECONNREFUSED if it is
  // not a socket node (host sockets included) or its socket is closed.
  virtual Result<std::shared_ptr<SocketEndpoint>> find_socket(std::string_view base, std::string_view path) = 0;
  virtual Result<void> rmdir(std::string_view base, std::string_view path) = 0;
  virtual Result<void> unlink(std::string_view base, std::string_view path) = 0;
  // flags: RENAME_NOREPLACE (1), RENAME_EXCHANGE (2) may give EINVAL if unsupported.
  virtual Result<void> rename(std::string_view old_base, std::string_view old_path,
                              std::string_view new_base, std::string_view new_path, unsigned flags) = 0;
  virtual Result<void> link(std::string_view old_base, std::string_view old_path,
                            std::string_view new_base, std::string_view new_path, bool follow) = 0;
  virtual Result<void> symlink(std::string_view target, std::string_view base, std::string_view path) = 0;
  virtual Result<void> chmod(std::string_view base, std::string_view path, uint32_t mode, bool follow) = 0;
  virtual Result<void> chown(std::string_view base, std::string_view path, int64_t uid, int64_t gid, bool follow) = 0;  // -1 keeps
  virtual Result<void> utimens(std::string_view base, std::string_view path, Timespec atime, Timespec mtime, bool follow) = 0;
  virtual Result<void> truncate(std::string_view base, std::string_view path, uint64_t len) = 0;
  // Extended attributes (rootfs/xattr_ops.cpp): a get's value, a list's
  // NUL-terminated names one after the other, "" for set and remove.
  virtual Result<std::string> xattr(std::string_view base, std::string_view path, bool follow,
                                    const XattrCall& call) = 0;
  // The same on an open description (fgetxattr...).
  virtual Result<std::string> xattr_file(const FileRef& f, const XattrCall& call) = 0;
  // Canonical absolute guest path of an existing directory.
  virtual Result<std::string> resolve_dir(std::string_view base, std::string_view path) = 0;
  // The directory itself (for chdir): a handle that follows it when it or
  // an ancestor is renamed, and tells when it has been removed. ENOTDIR,
  // or EACCES without search permission.
  virtual Result<DirRef> open_dir(std::string_view base, std::string_view path) = 0;
  // statfs(2) numbers of the filesystem holding a path (mount_table.cpp).
  virtual Result<FsStats> statfs(std::string_view base, std::string_view path) = 0;

  // A template's spawn starts here: the quota allows `max_upper_bytes`
  // more from now (0: none), /dev/urandom is reseeded.
  virtual void begin_spawn(uint64_t max_upper_bytes, uint64_t random_seed) = 0;
  // Bytes currently held by the upper layer (for the quota and the report).
  virtual uint64_t upper_bytes() const = 0;
  // What the guest created, modified or deleted in the upper layer.
  virtual std::vector<ChangedFile> changed_files() const = 0;
  // Copy a file's current content out (for exporting results); guest path.
  virtual Result<std::string> read_whole_file(std::string_view path, uint64_t max_bytes) = 0;
  // memfd_create: a read-write regular file in memory with no name in any
  // directory (tmpfs-like, counted against the quota), shown as
  // "/memfd:NAME (deleted)".
  virtual FileRef create_memfd(std::string_view name) = 0;
  // The change registry inotify and dnotify watch through (rootfs/fs_notify.h).
  virtual const std::shared_ptr<FsNotify>& notify() = 0;
};

}  // namespace vmrun::fs
