// Nodes of the in-memory layers: the overlay's upper layer, /dev (with
// /dev/shm) and the transient nodes /proc hands out. A directory maps
// names to child nodes; a whiteout child hides a lower entry of that name.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "common/result.h"
#include "rootfs/file.h"
#include "rootfs/file_data.h"
#include "rootfs/pipe_buffer.h"
#include "rootfs/xattr.h"

namespace vmrun::fs {

constexpr size_t kPathMax = 4096;  // including the terminating NUL, as Linux
constexpr size_t kNameMax = 255;
constexpr int kMaxSymlinks = 40;
// An in-memory file is sparse (rootfs/file_data.h): its size costs nothing
// until pages are written, so the limit is tmpfs's (MAX_LFS_FILESIZE);
// what is stored counts against the quota.
constexpr uint64_t kMaxMemFileSize = static_cast<uint64_t>(INT64_MAX);
// A lower-layer file copied up (opened for writing) is read whole.
constexpr uint64_t kMaxCopyUpSize = 1ull << 31;

// Which filesystem an entry belongs to (rename/link across them is EXDEV).
enum FsId : int { kFsOverlay = 0, kFsDev = 1, kFsShm = 2, kFsProc = 3, kFsMountBase = 16 };
inline uint64_t dev_for_fsid(int fsid) { return 0x800 + static_cast<uint64_t>(fsid); }

enum class NodeKind : uint8_t { kDir, kReg, kSymlink, kFifo, kSocket, kCharDev, kProcDir, kProcFile, kWhiteout };
// kPtmx: /dev/ptmx; kPtsDir: the /dev/pts directory, whose entries come
// from the kernel's TerminalDevices; kPts: one of them (rdev's minor is
// the index).
enum class DevKind : uint8_t { kNone, kNull, kZero, kFull, kRandom, kURandom, kTty, kPtmx, kPtsDir, kPts };
enum class ProcDirKind : uint8_t { kRoot, kPid, kFd, kNs };

// Per-Vfs state shared with the open Files that outlive a call.
struct VfsShared {
  uint64_t used = 0;  // bytes of file data held in memory
  uint64_t max = 0;   // 0 = unlimited
  uint64_t next_ino = 1ull << 40;  // above any plausible host inode
  std::function<Timespec()> clock;
  uint64_t rng = 0;  // splitmix64 state for /dev/random and /dev/urandom

  Timespec now() const;
  uint64_t next_random();
  // Account for a data size change; ENOSPC beyond the quota.
  Result<void> resize_accounting(uint64_t old_size, uint64_t new_size);
  // Extended attributes' bytes (rootfs/xattr.h): counted in `used` (the
  // quota) and here, against the run's fixed cap; ENOSPC beyond either.
  uint64_t xattr_used = 0;
  Result<void> xattr_accounting(uint64_t old_bytes, uint64_t new_bytes);
};

struct MemNode {
  MemNode(NodeKind k, std::shared_ptr<VfsShared> s) : kind(k), shared(std::move(s)) {}
  ~MemNode();
  MemNode(const MemNode&) = delete;
  MemNode& operator=(const MemNode&) = delete;

  NodeKind kind;
  uint32_t mode = 0;  // S_IFMT | permissions
  uint32_t uid = 0, gid = 0;
  uint64_t ino = 0;
  uint64_t rdev = 0;
  int fsid = kFsOverlay;
  Timespec atime, mtime, ctime;
  uint32_t links = 0;  // directory entries naming this node

  // kDir: children; a kWhiteout child hides the lower entry.
  std::map<std::string, std::shared_ptr<MemNode>, std::less<>> children;
  bool opaque = false;     // lower directory of the same name is not merged
  bool synthetic = false;  // infrastructure (/dev, /proc, mount points): never reported as a change
  bool changed = false;    // created or modified by the guest
  int mount = -1;          // >= 0: mount point of VfsConfig::mounts[mount]

  FileData data;       // kReg contents
  XattrMap xattrs;     // extended attributes (rootfs/xattr_ops.cpp)
  uint64_t xattr_bytes = 0;  // what they cost (xattr_cost), accounted in shared
  std::string target;  // kSymlink target
  DevKind dev = DevKind::kNone;
  int magic_fd = -1;   // /proc/<pid>/fd/N: following it yields the open File
  std::string magic_ns;  // /proc/<pid>/ns/<kind>: following it yields the namespace's File
  ProcDirKind proc = ProcDirKind::kRoot;
  int proc_pid = 0;    // /proc/<pid> and its fd/: whose
  std::function<std::string()> content;  // kProcFile generator

  // kFifo: the pipe buffer while the FIFO is open anywhere (its contents
  // go when the last end closes, as on Linux).
  std::weak_ptr<PipeBuffer> fifo;
  // kSocket: the socket bound to this name, while it is open (none for a
  // node made by mknod, or once the socket is closed).
  std::weak_ptr<SocketEndpoint> socket;

  std::shared_ptr<VfsShared> shared;

  Attr attr() const;
  void touch_modified();  // mtime = ctime = now, mark changed
  Result<void> resize(uint64_t size);
  Result<size_t> write_at(const void* buf, size_t n, uint64_t off);
  size_t read_at(void* buf, size_t n, uint64_t off) const;
  // fallocate(2) on a regular file: modes 0, KEEP_SIZE, PUNCH_HOLE|KEEP_SIZE
  // and ZERO_RANGE (with or without KEEP_SIZE).
  Result<void> allocate(int mode, uint64_t off, uint64_t len);
  // Reserves (or releases) quota for a change of stored bytes.
  Result<void> account(uint64_t before, uint64_t after) { return shared->resize_accounting(before, after); }
};

using NodeRef = std::shared_ptr<MemNode>;

inline bool is_whiteout(const NodeRef& n) { return !n || n->kind == NodeKind::kWhiteout; }

// Regular in-memory file.
FileRef make_mem_file(NodeRef node, int flags);
// FIFO in memory: non-blocking semantics only.
FileRef make_fifo_file(NodeRef node, int flags);

}  // namespace vmrun::fs
