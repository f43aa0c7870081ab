// An open file description as the guest sees it: what a file descriptor
// points at. Regular files of every layer, directories, devices, /proc
// entries and (later) pipes and terminals all implement this interface.
// Every method is bounded by its arguments; none blocks the host.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace vmrun::fs {

struct Timespec {
  int64_t sec = 0;
  int64_t nsec = 0;
};

// Arch-neutral metadata; converted to each guest's struct stat at the edge.
struct Attr {
  uint64_t dev = 0;
  uint64_t ino = 0;
  uint32_t mode = 0;  // S_IFMT | permission bits
  uint32_t nlink = 1;
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint64_t rdev = 0;
  int64_t size = 0;
  int64_t blocks = 0;  // 512-byte units
  int32_t blksize = 4096;
  Timespec atime, mtime, ctime;
};

struct DirEntry {
  uint64_t ino = 0;
  uint8_t type = 0;  // DT_REG, DT_DIR, DT_LNK, DT_CHR, ...
  std::string name;
};

// poll(2) bits, as in the generic Linux ABI.
enum : uint32_t {
  kPollIn = 0x001,
  kPollPri = 0x002,
  kPollOut = 0x004,
  kPollErr = 0x008,
  kPollHup = 0x010,
  kPollNval = 0x020,
  kPollRdHup = 0x2000,  // the peer shut its writing half (sockets)
};

// A directory itself rather than its name, as a Linux dentry is: what a
// process's working directory and every open description of a directory
// refer to. The VFS that made it keeps path() current when the directory or
// one of its ancestors is renamed through it, and marks it removed when the
// directory is removed (rmdir, or replaced by a rename); a new directory
// made later at the same path is a different one. The VFS's own subclass
// holds the directory's in-memory node and host directory fd, which keeps
// them, and so the directory's identity, alive.
class DirHandle {
 public:
  virtual ~DirHandle() = default;
  // Canonical absolute guest path, as of now.
  const std::string& path() const { return path_; }
  bool removed() const { return removed_; }
  // What /proc/<pid>/cwd and /proc/<pid>/fd/N show: Linux's " (deleted)"
  // suffix once removed.
  std::string shown_path() const { return removed_ ? path_ + " (deleted)" : path_; }

 protected:
  std::string path_;
  bool removed_ = false;
};

using DirRef = std::shared_ptr<DirHandle>;

class OpenNotice;  // rootfs/fs_notify.h
struct MemNode;     // rootfs/mem_node.h

// A bound AF_UNIX socket as the filesystem sees it: what a socket node
// made by bind(2) names, opaque here (emu/files/unix_socket.h has the socket).
// The node refers to it weakly: once the socket is closed, connecting to
// the name is refused, as on Linux.
class SocketEndpoint {
 public:
  virtual ~SocketEndpoint() = default;
};

class File {
 public:
  virtual ~File() = default;

  // Sequential I/O at the description's own offset (shared by dup'ed fds).
  virtual Result<size_t> read(void* buf, size_t n) { (void)buf; (void)n; return Err{EINVAL}; }
  virtual Result<size_t> write(const void* buf, size_t n) { (void)buf; (void)n; return Err{EINVAL}; }
  // Positional I/O; ESPIPE for unseekable files.
  virtual Result<size_t> pread(void* buf, size_t n, uint64_t off) { (void)buf; (void)n; (void)off; return Err{ESPIPE}; }
  virtual Result<size_t> pwrite(const void* buf, size_t n, uint64_t off) { (void)buf; (void)n; (void)off; return Err{ESPIPE}; }
  virtual Result<int64_t> seek(int64_t off, int whence) { (void)off; (void)whence; return Err{ESPIPE}; }
  virtual Result<Attr> stat() = 0;
  virtual Result<void> truncate(uint64_t len) { (void)len; return Err{EINVAL}; }
  // fallocate(2) on a regular file open for writing (mode: FALLOC_FL_*).
  // By default only modes 0 (which extends the size) and KEEP_SIZE (which
  // does nothing) are understood; in-memory files keep real allocations.
  virtual Result<void> allocate(int mode, uint64_t off, uint64_t len) {
    if (mode == 1) return Ok();
    if (mode != 0) return Err{EOPNOTSUPP};
    TRY_ASSIGN(Attr a, stat());
    if (off + len > static_cast<uint64_t>(a.size)) return truncate(off + len);
    return Ok();
  }
  virtual Result<void> chmod(uint32_t mode) { (void)mode; return Err{EPERM}; }
  virtual Result<void> sync() { return Ok(); }
  // The full listing of a directory, "." and ".." first; ENOTDIR otherwise.
  virtual Result<std::vector<DirEntry>> list_dir() { return Err{ENOTDIR}; }
  // How many bytes a write would accept now without blocking (a pipe's
  // free space); unbounded for files.
  virtual size_t write_capacity() { return SIZE_MAX; }
  // A FIFO opened for reading only or writing only: whether the other
  // side has been opened since (open(2) waits for it). Others: true.
  virtual bool fifo_peer_ready() const { return true; }
  // Ready bits for poll/select; files are always ready.
  virtual uint32_t poll_ready() { return kPollIn | kPollOut; }
  virtual bool is_tty() const { return false; }
  // A host fd whose readability may make this file readable (the guest's
  // stdin); the scheduler polls it when every process is blocked.
  virtual int host_fd() const { return -1; }
  // Bytes available to read without blocking, for FIONREAD.
  virtual Result<int64_t> bytes_available() { return Err{ENOTTY}; }
  // A pipe's capacity (F_GETPIPE_SZ), and changing it (F_SETPIPE_SZ:
  // returns the new capacity); EBADF for anything but a pipe.
  virtual Result<size_t> pipe_capacity() { return Err{EBADF}; }
  virtual Result<size_t> set_pipe_capacity(size_t bytes) { (void)bytes; return Err{EBADF}; }
  // A non-zero identity for the file's current bytes when nothing in the
  // sandbox can change them: a read-only host file (the root filesystem's
  // lower layer, a read-only mount) gives one derived from its host device,
  // inode, size and modification and change times. 0 for everything the
  // guest can write. Used to reuse an executable's bytes (emu/kernel/kernel.cpp).
  virtual uint64_t content_key() { return 0; }
  // A count of the wake-ups Linux would give this file's waiters that its
  // readiness alone does not show (another write to a readable eventfd,
  // another connection on a listener with some queued); 0 for files whose
  // queued bytes show them. Edge-triggered epoll reports each new one.
  virtual uint64_t wakeups() const { return 0; }
  // An in-memory regular file's node (the upper layer's, /dev/shm's, a
  // memfd's), which f*xattr reach even once it has no name; null otherwise.
  virtual std::shared_ptr<MemNode> memory_node() const { return nullptr; }

  // The guest path this description was opened with, canonical and
  // absolute (for /proc/self/fd, *at() calls relative to a directory fd).
  std::string path;
  // For a directory's description (opened for reading or O_PATH): the
  // directory itself, followed across renames. *at() calls relative to
  // this description, fchdir and /proc/<pid>/fd/N use it instead of path.
  DirRef dir;
  // path, or the directory's current path (" (deleted)" once removed).
  std::string shown_path() const { return dir ? dir->shown_path() : path; }
  // O_ACCMODE plus status flags (O_APPEND, O_NONBLOCK, ...).
  int flags = 0;
  // How many calls on this description returned EAGAIN, and the readiness
  // bits that were not set at the latest: the guest saw it not ready that
  // way, so an edge-triggered epoll interest reports it again once it is
  // (emu/files/epoll_file.h).
  uint64_t would_block_seen = 0;
  uint32_t would_block_unready = 0;
  // getdents64 cursor: the listing is snapshotted on the first call.
  std::optional<std::vector<DirEntry>> dir_snapshot;
  uint64_t dir_pos = 0;
  // For a description of a watchable node opened by path: what inotify
  // and dnotify events about I/O through it need (rootfs/fs_notify.h).
  std::shared_ptr<OpenNotice> notice;
};

using FileRef = std::shared_ptr<File>;

}  // namespace vmrun::fs
