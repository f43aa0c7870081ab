// In-memory nodes and the Files over them: the upper layer's regular
// files (with the byte quota) and FIFOs.
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <new>

#include "rootfs/mem_node.h"

#include "common/splitmix64.h"

namespace vmrun::fs {

Timespec VfsShared::now() const {
  if (clock) return clock();
  struct timespec ts {};
  clock_gettime(CLOCK_REALTIME, &ts);
  return Timespec{ts.tv_sec, ts.tv_nsec};
}

uint64_t VfsShared::next_random() { return splitmix64_next(rng); }

Result<void> VfsShared::resize_accounting(uint64_t old_size, uint64_t new_size) {
  if (new_size > old_size) {
    uint64_t grow = new_size - old_size;
    if (max != 0 && (grow > max || used > max - grow)) return Err{ENOSPC};
    used += grow;
  } else {
    used -= std::min(used, old_size - new_size);
  }
  return Ok();
}

Result<void> VfsShared::xattr_accounting(uint64_t old_bytes, uint64_t new_bytes) {
  if (new_bytes > old_bytes && new_bytes - old_bytes > kXattrRunBytesMax - std::min(xattr_used, kXattrRunBytesMax))
    return Err{ENOSPC};
  TRY_VOID(resize_accounting(old_bytes, new_bytes));
  if (new_bytes >= old_bytes) xattr_used += new_bytes - old_bytes;
  else xattr_used -= std::min(xattr_used, old_bytes - new_bytes);
  return Ok();
}

MemNode::~MemNode() {
  if (shared && data.stored() != 0) (void)shared->resize_accounting(data.stored(), 0);
  if (shared && xattr_bytes != 0) (void)shared->xattr_accounting(xattr_bytes, 0);
}

Attr MemNode::attr() const {
  Attr a;
  a.dev = dev_for_fsid(fsid);
  a.ino = ino;
  a.mode = mode;
  a.uid = uid;
  a.gid = gid;
  a.rdev = rdev;
  a.atime = atime;
  a.mtime = mtime;
  a.ctime = ctime;
  switch (kind) {
    case NodeKind::kDir: {
      uint32_t subdirs = 0;
      for (const auto& [name, child] : children)
        if (!is_whiteout(child) && S_ISDIR(child->mode)) ++subdirs;
      a.nlink = 2 + subdirs;
      a.size = 4096;
      break;
    }
    case NodeKind::kProcDir:
      a.nlink = 2;
      break;
    case NodeKind::kReg:
      a.size = static_cast<int64_t>(data.size());
      a.nlink = links;
      a.blocks = static_cast<int64_t>(data.pages() * (FileData::kPage / 512));  // tmpfs: whole pages
      return a;
    case NodeKind::kSymlink:
      a.size = static_cast<int64_t>(target.size());
      a.nlink = std::max<uint32_t>(links, 1);
      break;
    default:
      a.nlink = std::max<uint32_t>(links, 1);
      break;
  }
  a.blocks = (a.size + 511) / 512;
  return a;
}

void MemNode::touch_modified() {
  mtime = ctime = shared->now();
  changed = true;
}

Result<void> MemNode::resize(uint64_t size) {
  if (size > kMaxMemFileSize) return Err{EFBIG};
  if (size == data.size()) return Ok();
  uint64_t before = data.stored(), after = data.stored_after_resize(size);
  TRY_VOID(account(before, after));
  try {
    data.resize(size);
  } catch (const std::bad_alloc&) {
    (void)account(after, data.stored());
    return Err{ENOSPC};
  }
  return Ok();
}

Result<size_t> MemNode::write_at(const void* buf, size_t n, uint64_t off) {
  if (n == 0) return size_t{0};
  if (off > kMaxMemFileSize || n > kMaxMemFileSize - off) return Err{EFBIG};
  uint64_t before = data.stored(), after = data.stored_after_write(off, n);
  TRY_VOID(account(before, after));
  try {
    data.write(buf, n, off);
  } catch (const std::bad_alloc&) {
    (void)account(after, data.stored());
    return Err{ENOSPC};
  }
  touch_modified();
  return n;
}

size_t MemNode::read_at(void* buf, size_t n, uint64_t off) const { return data.read(buf, n, off); }

Result<void> MemNode::allocate(int mode, uint64_t off, uint64_t len) {
  constexpr int kKeepSize = 0x01, kPunchHole = 0x02, kZeroRange = 0x10;
  if (off > kMaxMemFileSize || len > kMaxMemFileSize - off) return Err{EFBIG};
  if (mode & kPunchHole) {
    if (!(mode & kKeepSize) || (mode & kZeroRange)) return Err{EOPNOTSUPP};  // checked by the caller too
    uint64_t before = data.stored();
    data.punch_hole(off, len);
    (void)account(before, data.stored());
    touch_modified();
    return Ok();
  }
  if (mode & ~(kKeepSize | kZeroRange)) return Err{EOPNOTSUPP};
  if (!(mode & kKeepSize) && off + len > data.size()) {
    TRY_VOID(resize(off + len));
    touch_modified();
  }
  if (mode & kZeroRange) {
    uint64_t before = data.stored();
    data.punch_hole(off, len);
    (void)account(before, data.stored());
  }
  // Blocks past the end under KEEP_SIZE are not kept (a partial of
  // fallocate: the size stays and nothing is allocated beyond it).
  uint64_t before = data.stored(), after = data.stored_after_allocate(off, len);
  TRY_VOID(account(before, after));
  try {
    data.allocate(off, len);
  } catch (const std::bad_alloc&) {
    (void)account(after, data.stored());
    return Err{ENOSPC};
  }
  if (mode & kZeroRange) touch_modified();
  return Ok();
}

namespace {

bool can_read(int flags) { return (flags & O_ACCMODE) != O_WRONLY; }
bool can_write(int flags) { return (flags & O_ACCMODE) != O_RDONLY; }

class MemFile final : public File {
 public:
  explicit MemFile(NodeRef node) : node_(std::move(node)) {}

  Result<size_t> read(void* buf, size_t n) override {
    TRY_ASSIGN(size_t k, pread(buf, n, off_));
    off_ += k;
    return k;
  }
  Result<size_t> write(const void* buf, size_t n) override {
    if (!can_write(flags)) return Err{EBADF};
    if (flags & O_APPEND) off_ = node_->data.size();
    TRY_ASSIGN(size_t k, node_->write_at(buf, n, off_));
    off_ += k;
    return k;
  }
  Result<size_t> pread(void* buf, size_t n, uint64_t off) override {
    if (!can_read(flags)) return Err{EBADF};
    return node_->read_at(buf, n, off);
  }
  Result<size_t> pwrite(const void* buf, size_t n, uint64_t off) override {
    if (!can_write(flags)) return Err{EBADF};
    // Linux appends on pwrite to an O_APPEND description too.
    if (flags & O_APPEND) off = node_->data.size();
    return node_->write_at(buf, n, off);
  }
  Result<int64_t> seek(int64_t off, int whence) override {
    int64_t basepos;
    int64_t size = static_cast<int64_t>(node_->data.size());
    switch (whence) {
      case SEEK_SET: basepos = 0; break;
      case SEEK_CUR: basepos = static_cast<int64_t>(off_); break;
      case SEEK_END: basepos = size; break;
      case SEEK_DATA: {
        if (off < 0 || off >= size) return Err{ENXIO};
        auto data = node_->data.next_data(static_cast<uint64_t>(off));
        if (!data) return Err{ENXIO};
        off_ = *data;
        return static_cast<int64_t>(off_);
      }
      case SEEK_HOLE:
        if (off < 0 || off >= size) return Err{ENXIO};
        off_ = node_->data.next_hole(static_cast<uint64_t>(off));
        return static_cast<int64_t>(off_);
      default: return Err{EINVAL};
    }
    if ((off > 0 && basepos > INT64_MAX - off)) return Err{EOVERFLOW};
    int64_t pos = basepos + off;
    if (pos < 0) return Err{EINVAL};
    off_ = static_cast<uint64_t>(pos);
    return pos;
  }
  Result<Attr> stat() override { return node_->attr(); }
  Result<void> truncate(uint64_t len) override {
    if (!can_write(flags)) return Err{EINVAL};
    TRY_VOID(node_->resize(len));
    node_->touch_modified();
    return Ok();
  }
  Result<void> chmod(uint32_t mode) override {
    node_->mode = (node_->mode & S_IFMT) | (mode & 07777);
    node_->ctime = node_->shared->now();
    node_->changed = true;
    return Ok();
  }
  Result<int64_t> bytes_available() override {
    return static_cast<int64_t>(node_->data.size() > off_ ? node_->data.size() - off_ : 0);
  }
  Result<void> allocate(int mode, uint64_t off, uint64_t len) override {
    if (!can_write(flags)) return Err{EBADF};
    return node_->allocate(mode, off, len);
  }
  std::shared_ptr<MemNode> memory_node() const override { return node_; }

 private:
  NodeRef node_;
  uint64_t off_ = 0;
};

// A named FIFO: each open is one end of the node's pipe buffer (the one
// anonymous pipes use), so PIPE_BUF atomicity and blocking writes are the
// same as theirs.
class FifoFile final : public File {
 public:
  FifoFile(NodeRef node, int fl) : node_(std::move(node)) {
    flags = fl;
    buf_ = node_->fifo.lock();
    if (!buf_) {
      buf_ = std::make_shared<PipeBuffer>();
      node_->fifo = buf_;
    }
    if (can_read(flags)) buf_->add_reader();
    if (can_write(flags)) buf_->add_writer();
    readers_seen_ = buf_->reader_opens();
    writers_seen_ = buf_->writer_opens();
  }
  bool fifo_peer_ready() const override {
    if (can_read(flags) && can_write(flags)) return true;
    if (can_read(flags)) return buf_->writers() > 0 || buf_->writer_opens() > writers_seen_;
    return buf_->readers() > 0 || buf_->reader_opens() > readers_seen_;
  }
  ~FifoFile() override {
    if (can_read(flags)) buf_->remove_reader();
    if (can_write(flags)) buf_->remove_writer();
  }
  Result<size_t> read(void* buf, size_t n) override {
    if (!can_read(flags)) return Err{EBADF};
    return buf_->read(buf, n);
  }
  Result<size_t> write(const void* buf, size_t n) override {
    if (!can_write(flags)) return Err{EBADF};
    return buf_->write(buf, n);
  }
  Result<Attr> stat() override { return node_->attr(); }
  uint32_t poll_ready() override {
    uint32_t r = 0;
    if (can_read(flags) && (buf_->size() || buf_->writers() == 0)) r |= kPollIn;
    if (can_read(flags) && buf_->writers() == 0) r |= kPollHup;
    if (can_write(flags) && buf_->readers() == 0) r |= kPollErr;
    if (can_write(flags) && buf_->writable()) r |= kPollOut;
    return r;
  }
  size_t write_capacity() override { return can_write(flags) ? buf_->room() : SIZE_MAX; }
  Result<int64_t> bytes_available() override { return static_cast<int64_t>(buf_->size()); }
  Result<size_t> pipe_capacity() override { return buf_->capacity(); }
  Result<size_t> set_pipe_capacity(size_t bytes) override { return buf_->resize(bytes); }

 private:
  NodeRef node_;
  std::shared_ptr<PipeBuffer> buf_;
  uint64_t readers_seen_ = 0, writers_seen_ = 0;  // opens of each side when we opened
};

}  // namespace

FileRef make_mem_file(NodeRef node, int flags) {
  auto f = std::make_shared<MemFile>(std::move(node));
  f->flags = flags;
  return f;
}

FileRef make_fifo_file(NodeRef node, int flags) { return std::make_shared<FifoFile>(std::move(node), flags); }

int status_flags(int open_flags) {
  return open_flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC);
}

}  // namespace vmrun::fs
