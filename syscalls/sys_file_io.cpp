// read/write and friends, open/close, dup, fcntl, ioctl, truncate, sync.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>

#include <cstring>

#include <algorithm>
#include <optional>
#include <vector>

#include <csignal>

#include "emu/arch/guest_abi.h"
#include "emu/files/pipe.h"
#include "emu/kernel/terminal.h"
#include "rootfs/fs_notify.h"
#include "syscalls/socket_io.h"
#include "emu/files/eventfd_file.h"
#include "syscalls/handler_util.h"
#include "syscalls/lock_calls.h"
#include "syscalls/notify_calls.h"
#include "syscalls/resource_limits.h"
#include "syscalls/tty_ioctl.h"

namespace vmrun {
namespace {

constexpr size_t kChunk = 1 << 20;

bool can_read(const fs::File& f) {
  return !(f.flags & O_PATH) && ((f.flags & O_ACCMODE) == O_RDONLY || (f.flags & O_ACCMODE) == O_RDWR);
}
bool can_write(const fs::File& f) {
  return !(f.flags & O_PATH) && ((f.flags & O_ACCMODE) == O_WRONLY || (f.flags & O_ACCMODE) == O_RDWR);
}

// Read into guest memory in bounded chunks. `pos` < 0 means the file's own
// offset. A buffer that is only partly writable gets a short transfer, as
// Linux gives; no writable byte at all gives EFAULT.
Result<uint64_t> read_into(SyscallContext& k, fs::File& f, uint64_t buf, uint64_t count, int64_t pos) {
  count = std::min(count, kMaxTransfer);
  if (count == 0) return 0;
  uint64_t room = k.mem().accessible_prefix(buf, count, kProtWrite);
  if (room == 0) return Err{EFAULT};
  std::vector<uint8_t> tmp(std::min<uint64_t>(room, kChunk));
  uint64_t done = 0;
  while (done < room) {
    size_t want = std::min<uint64_t>(tmp.size(), room - done);
    auto r = pos < 0 ? f.read(tmp.data(), want) : f.pread(tmp.data(), want, pos + done);
    if (!r.ok()) {
      if (done) break;
      return Err{r.error()};
    }
    if (r.value() == 0) break;
    TRY_VOID(k.mem().copy_out({buf + done}, tmp.data(), r.value()));
    done += r.value();
    if (r.value() < want) break;  // short read: do not block for more
  }
  if (done && f.notice) f.notice->event(fs::kInAccess);
  return done;
}

// RLIMIT_FSIZE: how much of a write of `count` bytes at `pos` (< 0: the
// file's own position, or its end under O_APPEND) a regular file takes;
// EFBIG (and SIGXFSZ when `first`) when none.
Result<uint64_t> within_file_size_limit(SyscallContext& k, fs::File& f, uint64_t count, int64_t pos, bool first) {
  if (file_size_limit(k) == kRlimInfinity) return count;
  auto attr = f.stat();
  if (!attr.ok() || !S_ISREG(attr->mode)) return count;
  uint64_t start = static_cast<uint64_t>(pos);
  if (pos < 0) {
    if (f.flags & O_APPEND) {
      start = static_cast<uint64_t>(attr->size);
    } else {
      auto at = f.seek(0, SEEK_CUR);
      if (!at.ok()) return count;
      start = static_cast<uint64_t>(at.value());
    }
  }
  uint64_t room = file_size_room(k, start, first);
  if (room == 0) return Err{EFBIG};
  return std::min(count, room);
}

Result<uint64_t> write_from(SyscallContext& k, fs::File& f, uint64_t buf, uint64_t count, int64_t pos,
                            bool first = true) {
  count = std::min(count, kMaxTransfer);
  if (count == 0) return 0;
  TRY_ASSIGN(count, within_file_size_limit(k, f, count, pos, first));
  uint64_t avail = k.mem().accessible_prefix(buf, count, kProtRead);
  if (avail == 0) return Err{EFAULT};
  std::vector<uint8_t> tmp(std::min<uint64_t>(avail, kChunk));
  uint64_t done = 0;
  while (done < avail) {
    size_t want = std::min<uint64_t>(tmp.size(), avail - done);
    TRY_VOID(k.mem().copy_in({buf + done}, tmp.data(), want));
    auto r = pos < 0 ? f.write(tmp.data(), want) : f.pwrite(tmp.data(), want, pos + done);
    if (!r.ok()) {
      if (done) break;
      return Err{r.error()};
    }
    done += r.value();
    if (r.value() < want) break;
  }
  if (done && f.notice) f.notice->event(fs::kInModify);
  return done;
}

// A read or write that would block suspends the process (unless the
// description is non-blocking) until the file is ready, then runs again.
SyscallResult block_if_needed(SyscallContext& k, const fs::FileRef& f, Result<uint64_t> r, bool for_write) {
  if (r.ok() || r.error() != EAGAIN || (f->flags & O_NONBLOCK)) {
    if (!r.ok() && r.error() == EPIPE && for_write) {
      SignalInfo info;
      info.signo = SIGPIPE;
      info.pid = k.proc().pid();
      k.post_signal(k.proc(), SIGPIPE, info);
    }
    return r;
  }
  uint32_t want = for_write ? (fs::kPollOut | fs::kPollErr) : (fs::kPollIn | fs::kPollHup | fs::kPollErr);
  return k.block(wait_until([f, want] { return (f->poll_ready() & want) != 0; }, f->host_fd()));
}

SyscallResult sys_read(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(auto f, file_arg(k, a.fd(0)));
  if (!can_read(*f)) return Err{EBADF};
  if (is_socket(f)) return socket_read_write(k, f, a[1], a[2], false);
  return block_if_needed(k, f, read_into(k, *f, a[1], a[2], -1), false);
}

SyscallResult sys_write(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(auto f, file_arg(k, a.fd(0)));
  if (!can_write(*f)) return Err{EBADF};
  if (is_socket(f)) return socket_read_write(k, f, a[1], a[2], true);
  uint64_t count = std::min(a[2], kMaxTransfer);
  bool bounded = f->write_capacity() != SIZE_MAX;  // a pipe: writes may be partial
  if (!bounded || (f->flags & O_NONBLOCK)) return block_if_needed(k, f, write_from(k, *f, a[1], count, -1), true);
  // A blocking write to a pipe moves everything, waiting for the reader
  // between pieces, as Linux does; progress survives the waits.
  Process& p = k.proc();
  uint64_t done = k.restarted() ? p.call.progress : 0;
  p.call.progress = 0;
  auto r = done < count ? write_from(k, *f, a[1] + done, count - done, -1) : Result<uint64_t>(uint64_t{0});
  if (r.ok()) done += r.value();
  if ((r.ok() || r.error() == EAGAIN) && done < count) {
    p.call.progress = done;
    // A small rest (at most PIPE_BUF) goes in one piece: wait for room for all of it.
    size_t need = count - done <= kPipeAtomicBytes ? count - done : 1;
    return k.block(wait_until([f, need] {
      return f->write_capacity() >= need || (f->poll_ready() & fs::kPollErr) != 0;
    }));
  }
  if (!r.ok() && done == 0) return block_if_needed(k, f, r, true);
  return done;
}

SyscallResult sys_pread64(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(auto f, file_arg(k, a.fd(0)));
  if (!can_read(*f)) return Err{EBADF};
  if (static_cast<int64_t>(a[3]) < 0) return Err{EINVAL};
  return read_into(k, *f, a[1], a[2], static_cast<int64_t>(a[3]));
}

SyscallResult sys_pwrite64(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(auto f, file_arg(k, a.fd(0)));
  if (!can_write(*f)) return Err{EBADF};
  if (static_cast<int64_t>(a[3]) < 0) return Err{EINVAL};
  return write_from(k, *f, a[1], a[2], static_cast<int64_t>(a[3]));
}

Result<uint64_t> vector_io(SyscallContext& k, const SyscallArgs& a, bool is_write, bool positional) {
  TRY_ASSIGN(auto f, file_arg(k, a.fd(0)));
  if (is_write ? !can_write(*f) : !can_read(*f)) return Err{EBADF};
  TRY_ASSIGN(auto iovs, a.iovecs(1, a[2]));
  int64_t pos = positional ? static_cast<int64_t>(a[3]) : -1;
  if (positional && pos < 0) return Err{EINVAL};
  uint64_t done = 0;
  for (auto& iov : iovs) {
    if (iov.len == 0) continue;
    auto r = is_write ? write_from(k, *f, iov.base, iov.len, positional ? pos + done : -1, done == 0)
                      : read_into(k, *f, iov.base, iov.len, positional ? pos + done : -1);
    if (!r.ok()) {
      if (done) break;
      return r;
    }
    done += r.value();
    if (r.value() < iov.len) break;
  }
  return done;
}

SyscallResult sys_readv(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(auto f, file_arg(k, a.fd(0)));
  if (is_socket(f)) return socket_vector_io(k, f, a[1], a[2], false);
  return block_if_needed(k, f, vector_io(k, a, false, false), false);
}
SyscallResult sys_writev(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(auto f, file_arg(k, a.fd(0)));
  if (is_socket(f)) return socket_vector_io(k, f, a[1], a[2], true);
  return block_if_needed(k, f, vector_io(k, a, true, false), true);
}
SyscallResult sys_preadv(SyscallContext& k, const SyscallArgs& a) { return vector_io(k, a, false, true); }
SyscallResult sys_pwritev(SyscallContext& k, const SyscallArgs& a) { return vector_io(k, a, true, true); }

// preadv2/pwritev2(fd, iov, count, pos_l, pos_h, flags): on 64-bit guests
// the offset is pos_l alone; -1 means the file's own position (readv,
// writev). The RWF_* flags: HIPRI, DSYNC and SYNC change nothing here
// (there is no device to poll, and nothing is cached); NOWAIT answers
// EAGAIN where a call would wait (a pipe or socket not ready), as Linux on
// tmpfs; APPEND writes at the end of a regular file (the file's position
// moves only for offset -1), NOAPPEND where O_APPEND would not. Others are
// EOPNOTSUPP.
constexpr uint64_t kRwfHipri = 1, kRwfDsync = 2, kRwfSync = 4, kRwfNowait = 8, kRwfAppend = 0x10,
                   kRwfNoappend = 0x20;
// RWF_NOAPPEND: the description's O_APPEND is set aside for one call (the
// files look at it on each write; nothing else runs meanwhile).
struct AppendSetAside {
  AppendSetAside(fs::File& f, bool on) : f_(f), had_(on && (f.flags & O_APPEND)) {
    if (had_) f_.flags &= ~O_APPEND;
  }
  ~AppendSetAside() {
    if (had_) f_.flags |= O_APPEND;
  }
  fs::File& f_;
  bool had_;
};
SyscallResult vector_io2(SyscallContext& k, const SyscallArgs& a, bool is_write) {
  TRY_ASSIGN(auto f, file_arg(k, a.fd(0)));
  uint64_t flags = a[5];
  if (flags & ~(kRwfHipri | kRwfDsync | kRwfSync | kRwfNowait | kRwfAppend | kRwfNoappend)) return Err{EOPNOTSUPP};
  if ((flags & kRwfAppend) && (flags & kRwfNoappend)) return Err{EINVAL};
  int64_t pos = static_cast<int64_t>(a[3]);
  if (pos < -1) return Err{EINVAL};
  if (is_write ? !can_write(*f) : !can_read(*f)) return Err{EBADF};
  if (flags & kRwfNowait) {
    uint32_t want = is_write ? fs::kPollOut | fs::kPollErr : fs::kPollIn | fs::kPollHup | fs::kPollErr;
    if (!(f->poll_ready() & want)) return Err{EAGAIN};
  }
  if (is_write && (flags & kRwfAppend)) {
    auto attr = f->stat();
    if (attr.ok() && S_ISREG(attr->mode)) {
      if (pos == -1) TRY_VOID(f->seek(0, SEEK_END));
      else pos = attr->size;
    }
  }
  bool sync = is_write && (flags & (kRwfDsync | kRwfSync));
  AppendSetAside no_append(*f, is_write && (flags & kRwfNoappend));
  if (pos != -1) {
    auto r = vector_io(k, a.with(3, static_cast<uint64_t>(pos)), is_write, true);
    if (r.ok() && sync) TRY_VOID(f->sync());
    return r;
  }
  if (is_socket(f)) return socket_vector_io(k, f, a[1], a[2], is_write);
  auto r = vector_io(k, a, is_write, false);
  if (r.ok() && sync) TRY_VOID(f->sync());
  if (flags & kRwfNowait) return r;
  return block_if_needed(k, f, r, is_write);
}
SyscallResult sys_preadv2(SyscallContext& k, const SyscallArgs& a) { return vector_io2(k, a, false); }
SyscallResult sys_pwritev2(SyscallContext& k, const SyscallArgs& a) { return vector_io2(k, a, true); }

SyscallResult sys_lseek(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(auto f, file_arg(k, a.fd(0)));
  if (f->flags & O_PATH) return Err{EBADF};
  int whence = a.i32(2);
  if (whence < 0 || whence > 4) return Err{EINVAL};
  auto attr = f->stat();
  if (attr.ok() && S_ISDIR(attr->mode)) {
    // Directory offsets are getdents64 cursors (d_off = index + 1).
    int64_t off = static_cast<int64_t>(a[1]);
    if (whence == SEEK_CUR && off == 0) return f->dir_pos;
    if (whence != SEEK_SET || off < 0) return Err{EINVAL};
    f->dir_pos = static_cast<uint64_t>(off);
    if (off == 0) f->dir_snapshot.reset();
    return f->dir_pos;
  }
  TRY_ASSIGN(int64_t pos, f->seek(static_cast<int64_t>(a[1]), whence));
  return static_cast<uint64_t>(pos);
}

SyscallResult do_open(SyscallContext& k, int dirfd, uint64_t path_addr, int flags, uint32_t mode) {
  TRY_ASSIGN(std::string path, path_at(k.mem(), {path_addr}));
  if (path.empty()) return Err{ENOENT};
  TRY_ASSIGN(std::string base, dir_base(k, dirfd, path));
  uint32_t eff_mode = mode & 07777 & ~k.proc().fs->umask;
  TRY_ASSIGN(fs::FileRef f, k.vfs().open(base, path, flags, eff_mode));
  if (!f->fifo_peer_ready()) {
    // A FIFO's read-only open waits for a writer, a write-only one for a
    // reader; non-blocking, a writer without a reader gets ENXIO. Woken
    // (restarted), the open goes ahead even if the peer left meanwhile.
    if (flags & O_NONBLOCK) {
      if ((flags & O_ACCMODE) == O_WRONLY) return Err{ENXIO};
    } else if (!k.restarted()) {
      return k.block(wait_until([f] { return f->fifo_peer_ready(); }));
    }
  }
  TRY_ASSIGN(int fd, k.proc().fds->install(std::move(f), flags & O_CLOEXEC));
  return static_cast<uint64_t>(fd);
}

SyscallResult sys_open(SyscallContext& k, const SyscallArgs& a) { return do_open(k, AT_FDCWD, a[0], a.i32(1), a.i32(2)); }
SyscallResult sys_openat(SyscallContext& k, const SyscallArgs& a) { return do_open(k, a.i32(0), a[1], a.i32(2), a.i32(3)); }
SyscallResult sys_creat(SyscallContext& k, const SyscallArgs& a) {
  return do_open(k, AT_FDCWD, a[0], O_CREAT | O_WRONLY | O_TRUNC, a.i32(1));
}

SyscallResult sys_close(SyscallContext& k, const SyscallArgs& a) {
  TRY_VOID(k.proc().fds->close(a.fd(0)));
  return 0;
}

SyscallResult sys_close_range(SyscallContext& k, const SyscallArgs& a) {
  constexpr uint32_t kUnshare = 2, kCloexec = 4;
  uint32_t first = static_cast<uint32_t>(a[0]), last = static_cast<uint32_t>(a[1]);
  uint32_t flags = static_cast<uint32_t>(a[2]);
  if (first > last || (flags & ~(kUnshare | kCloexec))) return Err{EINVAL};
  for (int fd : k.proc().fds->open_fds()) {
    if (static_cast<uint32_t>(fd) < first || static_cast<uint32_t>(fd) > last) continue;
    if (flags & kCloexec) (void)k.proc().fds->set_cloexec(fd, true);
    else (void)k.proc().fds->close(fd);
  }
  return 0;
}

SyscallResult sys_dup(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(auto f, file_arg(k, a.fd(0)));
  TRY_ASSIGN(int fd, k.proc().fds->install(f, false));
  return static_cast<uint64_t>(fd);
}

Result<uint64_t> do_dup3(SyscallContext& k, int oldfd, int newfd, int flags) {
  if (flags & ~O_CLOEXEC) return Err{EINVAL};
  TRY_ASSIGN(auto f, file_arg(k, oldfd));
  TRY_ASSIGN(int fd, k.proc().fds->install_at(newfd, f, flags & O_CLOEXEC));
  return static_cast<uint64_t>(fd);
}

SyscallResult sys_dup2(SyscallContext& k, const SyscallArgs& a) {
  if (a.fd(0) == a.fd(1)) {
    TRY_VOID(file_arg(k, a.fd(0)));
    return static_cast<uint64_t>(a.fd(1));
  }
  return do_dup3(k, a.fd(0), a.fd(1), 0);
}

SyscallResult sys_dup3(SyscallContext& k, const SyscallArgs& a) {
  if (a.fd(0) == a.fd(1)) return Err{EINVAL};
  return do_dup3(k, a.fd(0), a.fd(1), a.i32(2));
}

SyscallResult sys_fcntl(SyscallContext& k, const SyscallArgs& a) {
  int fd = a.fd(0);
  TRY_ASSIGN(auto f, file_arg(k, fd));
  switch (a.i32(1)) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC: {
      if (a.i32(2) < 0 || static_cast<uint32_t>(a.i32(2)) >= k.proc().fds->limit()) return Err{EINVAL};
      TRY_ASSIGN(int nfd, k.proc().fds->install(f, a.i32(1) == F_DUPFD_CLOEXEC, a.i32(2)));
      return static_cast<uint64_t>(nfd);
    }
    case F_GETFD: return k.proc().fds->entry(fd)->cloexec ? FD_CLOEXEC : 0;
    case F_SETFD:
      TRY_VOID(k.proc().fds->set_cloexec(fd, a[2] & FD_CLOEXEC));
      return 0;
    case F_GETFL: return static_cast<uint64_t>(f->flags | GuestAbi::of(k.arch()).getfl_always);
    case F_SETFL: {
      constexpr int kSettable = O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME;
      f->flags = (f->flags & ~kSettable) | (a.i32(2) & kSettable);
      return 0;
    }
    case F_GETLK:
    case F_SETLK:
    case F_SETLKW:
    case F_OFD_GETLK:
    case F_OFD_SETLK:
    case F_OFD_SETLKW: return fcntl_lock(k, f, a.i32(1), a[2]);
    case F_NOTIFY: return fcntl_notify(k, f, a[2]);
    case F_GETPIPE_SZ:
    case F_SETPIPE_SZ: {
      bool set = a.i32(1) == F_SETPIPE_SZ;
      if (set && a[2] > INT32_MAX) return Err{EINVAL};
      return !set ? f->pipe_capacity() : f->set_pipe_capacity(static_cast<size_t>(a[2]));
    }
    default: return Err{EINVAL};
  }
}

SyscallResult sys_ioctl(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(auto f, file_arg(k, a.fd(0)));
  uint64_t req = a[1] & 0xffffffff;
  uint64_t arg = a[2];
  if (PtyEnd* pty = as_pty(f))
    if (auto r = pty_ioctl(k, *pty, req, arg)) return std::move(*r);
  switch (req) {
    case TCGETS: {
      if (!f->is_tty()) return Err{ENOTTY};
      uint8_t t[Terminal::kTermiosSize] = {};
      if (Terminal* term = k.terminal()) {
        TRY_VOID(term->get(t));
      } else {
        // A tty without a host terminal behind it: a canonical, echoing one.
        uint32_t iflag = ICRNL | IXON, oflag = OPOST | ONLCR, cflag = B38400 | CS8 | CREAD,
                 lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | IEXTEN | ECHOCTL | ECHOKE;
        std::memcpy(t, &iflag, 4), std::memcpy(t + 4, &oflag, 4), std::memcpy(t + 8, &cflag, 4),
            std::memcpy(t + 12, &lflag, 4);
        const uint8_t cc[] = {3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0};
        std::memcpy(t + 17, cc, sizeof cc);
      }
      TRY_VOID(k.mem().copy_out({arg}, t, sizeof t));
      return 0;
    }
    case TCSETS:
    case TCSETSW:
    case TCSETSF: {
      if (!f->is_tty()) return Err{ENOTTY};
      uint8_t t[Terminal::kTermiosSize];
      TRY_VOID(k.mem().copy_in({arg}, t, sizeof t));
      if (Terminal* term = k.terminal()) TRY_VOID(term->set(t, req));
      return 0;
    }
    case TIOCGWINSZ: {
      if (!f->is_tty()) return Err{ENOTTY};
      uint16_t ws[4] = {24, 80, 0, 0};
      if (Terminal* term = k.terminal()) TRY_VOID(term->window_size(ws));
      TRY_VOID(k.mem().copy_out({arg}, ws, sizeof ws));
      return 0;
    }
    case TIOCSWINSZ:
      if (!f->is_tty()) return Err{ENOTTY};
      return 0;
    case TIOCGPGRP: {
      if (!f->is_tty()) return Err{ENOTTY};
      int32_t pgrp = k.terminal() ? k.terminal()->foreground_pgrp : k.proc().ids.pgid;
      TRY_VOID(k.mem().write({arg}, pgrp));
      return 0;
    }
    case TIOCSPGRP: {
      if (!f->is_tty()) return Err{ENOTTY};
      TRY_ASSIGN(int32_t pgrp, k.mem().read<int32_t>({arg}));
      if (pgrp <= 0) return Err{EINVAL};
      bool exists = false;
      for (auto& [pid, q] : k.processes())
        if (q->ids.pgid == pgrp && q->ids.sid == k.proc().ids.sid) exists = true;
      if (!exists) return Err{EPERM};
      if (k.terminal()) k.terminal()->foreground_pgrp = pgrp;
      return 0;
    }
    case TIOCGSID: {
      if (!f->is_tty()) return Err{ENOTTY};
      int32_t sid = k.terminal() ? k.terminal()->session : k.proc().ids.sid;
      TRY_VOID(k.mem().write({arg}, sid));
      return 0;
    }
    case TIOCSCTTY:
    case TIOCNOTTY:
      if (!f->is_tty()) return Err{ENOTTY};
      return 0;
    case FIONREAD: {
      TRY_ASSIGN(int64_t n, f->bytes_available());
      int32_t v = static_cast<int32_t>(std::min<int64_t>(n, INT32_MAX));
      TRY_VOID(k.mem().write({arg}, v));
      return 0;
    }
    case SIOCATMARK: {
      if (!is_socket(f)) return Err{ENOTTY};
      TRY_VOID(k.mem().write({arg}, int32_t{socket_at_mark(f)}));
      return 0;
    }
    case FIONBIO: {
      TRY_ASSIGN(int32_t on, k.mem().read<int32_t>({arg}));
      f->flags = on ? (f->flags | O_NONBLOCK) : (f->flags & ~O_NONBLOCK);
      return 0;
    }
    case FIOCLEX: TRY_VOID(k.proc().fds->set_cloexec(a.fd(0), true)); return 0;
    case FIONCLEX: TRY_VOID(k.proc().fds->set_cloexec(a.fd(0), false)); return 0;
    default: return Err{ENOTTY};
  }
}

SyscallResult sys_ftruncate(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(auto f, file_arg(k, a.fd(0)));
  if (static_cast<int64_t>(a[1]) < 0) return Err{EINVAL};
  if (!can_write(*f)) return Err{EINVAL};
  TRY_VOID(file_growth_allowed(k, a[1], [&]() -> Result<int64_t> {
    TRY_ASSIGN(fs::Attr attr, f->stat());
    return attr.size;
  }));
  TRY_VOID(f->truncate(a[1]));
  if (f->notice) f->notice->event(fs::kInModify);
  return 0;
}

SyscallResult sys_truncate(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(std::string path, a.path(0));
  if (path.empty()) return Err{ENOENT};
  if (static_cast<int64_t>(a[1]) < 0) return Err{EINVAL};
  TRY_ASSIGN(std::string base, dir_base(k, AT_FDCWD, path));
  TRY_VOID(file_growth_allowed(k, a[1], [&]() -> Result<int64_t> {
    TRY_ASSIGN(fs::Attr attr, k.vfs().stat(base, path, true));
    return attr.size;
  }));
  TRY_VOID(k.vfs().truncate(base, path, a[1]));
  return 0;
}

SyscallResult sys_fsync(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(auto f, file_arg(k, a.fd(0)));
  TRY_VOID(f->sync());
  return 0;
}

// sync/syncfs: the in-memory layers have nothing to write back; files of rw
// mounts are written through host fds at once (fsync on one syncs it).
SyscallResult sys_sync(SyscallContext&, const SyscallArgs&) { return 0; }
SyscallResult sys_syncfs(SyscallContext& k, const SyscallArgs& a) {
  TRY_VOID(file_arg(k, a.fd(0)));
  return 0;
}

// Moves up to `count` bytes from `in` to `out`, at the given offsets (-1:
// the descriptions' own), never reading more than the output takes now
// (bytes read but not written would be lost). Short at end of file or
// when the output fills; an error only when nothing moved.
Result<uint64_t> transfer(fs::File& in, int64_t in_off, fs::File& out, int64_t out_off, uint64_t count) {
  std::vector<uint8_t> tmp(std::min<uint64_t>(count, kChunk));
  uint64_t done = 0;
  while (done < count) {
    size_t want = std::min<uint64_t>({tmp.size(), count - done, out.write_capacity()});
    if (want == 0) break;
    auto r = in_off >= 0 ? in.pread(tmp.data(), want, static_cast<uint64_t>(in_off) + done) : in.read(tmp.data(), want);
    if (!r.ok()) {
      if (done) break;
      return Err{r.error()};
    }
    if (r.value() == 0) break;
    auto w = out_off >= 0 ? out.pwrite(tmp.data(), r.value(), static_cast<uint64_t>(out_off) + done)
                          : out.write(tmp.data(), r.value());
    if (!w.ok()) {
      if (done) break;
      return Err{w.error()};
    }
    done += w.value();
    if (w.value() < r.value() || r.value() < want) break;
  }
  if (done && in.notice) in.notice->event(fs::kInAccess);
  if (done && out.notice) out.notice->event(fs::kInModify);
  return done;
}

// Reads the offset at `addr` (0: none, -1 returned); a negative one is
// `negative` (sendfile and splice: EINVAL; copy_file_range: EOVERFLOW).
Result<int64_t> offset_arg(SyscallContext& k, uint64_t addr, int negative = EINVAL) {
  if (!addr) return int64_t{-1};
  TRY_ASSIGN(int64_t off, k.mem().read<int64_t>({addr}));
  if (off < 0) return Err{negative};
  return off;
}

// Would a move from `in` to `out` block? Then a wait to run again.
std::optional<SyscallResult> wait_for_ends(SyscallContext& k, const fs::FileRef& in, const fs::FileRef& out,
                                           bool nonblock) {
  if (!(in->poll_ready() & (fs::kPollIn | fs::kPollHup | fs::kPollErr)) && !nonblock && !(in->flags & O_NONBLOCK))
    return k.block(wait_until([in] { return (in->poll_ready() & (fs::kPollIn | fs::kPollHup | fs::kPollErr)) != 0; },
                              in->host_fd()));
  if (!(out->poll_ready() & (fs::kPollOut | fs::kPollErr)) && !nonblock && !(out->flags & O_NONBLOCK))
    return k.block(wait_until([out] { return (out->poll_ready() & (fs::kPollOut | fs::kPollErr)) != 0; }));
  return std::nullopt;
}

SyscallResult sys_sendfile(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(auto out, file_arg(k, a.fd(0)));
  TRY_ASSIGN(auto in, file_arg(k, a.fd(1)));
  if (!can_read(*in) || !can_write(*out)) return Err{EBADF};
  TRY_ASSIGN(int64_t off, offset_arg(k, a[2]));
  uint64_t count = std::min(a[3], kMaxTransfer);
  if (count == 0) return 0;
  if (auto w = wait_for_ends(k, in, out, false)) return std::move(*w);
  TRY_ASSIGN(uint64_t done, transfer(*in, off, *out, -1, count));
  if (a[2]) TRY_VOID(k.mem().write<int64_t>({a[2]}, off + static_cast<int64_t>(done)));
  return done;
}

// splice(2): between a pipe and anything, as a copy through the host.
SyscallResult sys_splice(SyscallContext& k, const SyscallArgs& a) {
  constexpr uint32_t kKnown = 1 | 2 | 4 | 8;  // SPLICE_F_MOVE, NONBLOCK, MORE, GIFT
  if (static_cast<uint32_t>(a[5]) & ~kKnown) return Err{EINVAL};
  TRY_ASSIGN(auto in, file_arg(k, a.fd(0)));
  TRY_ASSIGN(auto out, file_arg(k, a.fd(2)));
  if (!can_read(*in) || !can_write(*out)) return Err{EBADF};
  bool in_pipe = in->pipe_capacity().ok(), out_pipe = out->pipe_capacity().ok();
  if (!in_pipe && !out_pipe) return Err{EINVAL};
  if ((in_pipe && a[1]) || (out_pipe && a[3])) return Err{ESPIPE};
  if (out->flags & O_APPEND) return Err{EINVAL};
  TRY_ASSIGN(int64_t in_off, offset_arg(k, a[1]));
  TRY_ASSIGN(int64_t out_off, offset_arg(k, a[3]));
  uint64_t count = std::min(a[4], kMaxTransfer);
  if (count == 0) return 0;
  if (auto w = wait_for_ends(k, in, out, static_cast<uint32_t>(a[5]) & 2)) return std::move(*w);
  TRY_ASSIGN(uint64_t done, transfer(*in, in_off, *out, out_off, count));
  if (a[1]) TRY_VOID(k.mem().write<int64_t>({a[1]}, in_off + static_cast<int64_t>(done)));
  if (a[3]) TRY_VOID(k.mem().write<int64_t>({a[3]}, out_off + static_cast<int64_t>(done)));
  return done;
}

// copy_file_range(2): between regular files, as a copy through the host.
SyscallResult sys_copy_file_range(SyscallContext& k, const SyscallArgs& a) {
  if (static_cast<uint32_t>(a[5]) != 0) return Err{EINVAL};
  TRY_ASSIGN(auto in, file_arg(k, a.fd(0)));
  TRY_ASSIGN(auto out, file_arg(k, a.fd(2)));
  if (!can_read(*in) || !can_write(*out) || (out->flags & O_APPEND)) return Err{EBADF};
  TRY_ASSIGN(fs::Attr in_attr, in->stat());
  TRY_ASSIGN(fs::Attr out_attr, out->stat());
  if (S_ISDIR(in_attr.mode) || S_ISDIR(out_attr.mode)) return Err{EISDIR};
  if (!S_ISREG(in_attr.mode) || !S_ISREG(out_attr.mode)) return Err{EINVAL};
  TRY_ASSIGN(int64_t in_off, offset_arg(k, a[1], EOVERFLOW));
  TRY_ASSIGN(int64_t out_off, offset_arg(k, a[3], EOVERFLOW));
  uint64_t count = std::min(a[4], kMaxTransfer);
  if (count == 0) return 0;
  // Where the description's own offset is used, its current value.
  int64_t in_at = in_off, out_at = out_off;
  if (in_at < 0) {
    TRY_ASSIGN(in_at, in->seek(0, SEEK_CUR));
  }
  if (out_at < 0) {
    TRY_ASSIGN(out_at, out->seek(0, SEEK_CUR));
  }
  if (in_at > INT64_MAX - static_cast<int64_t>(count) || out_at > INT64_MAX - static_cast<int64_t>(count))
    return Err{EOVERFLOW};
  if (in_attr.dev == out_attr.dev && in_attr.ino == out_attr.ino && in_at < out_at + static_cast<int64_t>(count) &&
      out_at < in_at + static_cast<int64_t>(count))
    return Err{EINVAL};  // overlapping ranges of one file
  TRY_ASSIGN(uint64_t done, transfer(*in, in_off, *out, out_off, count));
  if (a[1]) TRY_VOID(k.mem().write<int64_t>({a[1]}, in_off + static_cast<int64_t>(done)));
  if (a[3]) TRY_VOID(k.mem().write<int64_t>({a[3]}, out_off + static_cast<int64_t>(done)));
  return done;
}

Result<uint64_t> do_pipe2(SyscallContext& k, uint64_t fds_addr, int flags) {
  if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT)) return Err{EINVAL};
  // Check the destination first so a bad pointer leaks no descriptors.
  if (k.mem().accessible_prefix(fds_addr, 8, kProtWrite) != 8) return Err{EFAULT};
  static_assert(sizeof(int32_t) == 4);
  auto [r, w] = make_pipe(k.new_inode_number());
  r->flags |= flags & O_NONBLOCK;
  w->flags |= flags & O_NONBLOCK;
  TRY_ASSIGN(int rfd, k.proc().fds->install(r, flags & O_CLOEXEC));
  auto wfd = k.proc().fds->install(w, flags & O_CLOEXEC);
  if (!wfd.ok()) {
    (void)k.proc().fds->close(rfd);
    return Err{wfd.error()};
  }
  int32_t pair[2] = {rfd, wfd.value()};
  TRY_VOID(k.mem().copy_out({fds_addr}, pair, sizeof pair));
  return 0;
}
SyscallResult sys_pipe(SyscallContext& k, const SyscallArgs& a) { return do_pipe2(k, a[0], 0); }
SyscallResult sys_pipe2(SyscallContext& k, const SyscallArgs& a) { return do_pipe2(k, a[0], a.i32(1)); }

SyscallResult sys_eventfd2(SyscallContext& k, const SyscallArgs& a) {
  constexpr int kSemaphore = 1;
  int flags = a.i32(1);
  if (flags & ~(O_CLOEXEC | O_NONBLOCK | kSemaphore)) return Err{EINVAL};
  auto f = std::make_shared<EventFd>(static_cast<uint32_t>(a[0]), flags & kSemaphore);
  f->flags |= flags & O_NONBLOCK;
  f->path = "anon_inode:[eventfd]";
  TRY_ASSIGN(int fd, k.proc().fds->install(f, flags & O_CLOEXEC));
  return static_cast<uint64_t>(fd);
}
SyscallResult sys_eventfd(SyscallContext& k, const SyscallArgs& a) {
  return sys_eventfd2(k, a.with(1, 0));
}

// memfd_create: an anonymous in-memory file (the Vfs makes it). Sealing
// is not offered: F_ADD_SEALS is refused like any unknown fcntl.
SyscallResult sys_memfd_create(SyscallContext& k, const SyscallArgs& a) {
  constexpr unsigned kCloexec = 1, kAllowSealing = 2, kNoexecSeal = 8, kExec = 0x10;
  unsigned flags = static_cast<unsigned>(a[1]);
  if (flags & ~(kCloexec | kAllowSealing | kNoexecSeal | kExec)) return Err{EINVAL};
  TRY_ASSIGN(std::string name, a.path(0));
  if (name.size() > 249) return Err{EINVAL};  // NAME_MAX minus "memfd:"
  auto f = k.vfs().create_memfd(name);
  TRY_ASSIGN(int fd, k.proc().fds->install(f, flags & kCloexec));
  return static_cast<uint64_t>(fd);
}

SyscallResult sys_fadvise64(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(auto f, file_arg(k, a.fd(0)));
  auto attr = f->stat();
  if (attr.ok() && S_ISFIFO(attr->mode)) return Err{ESPIPE};
  if (a.i32(3) < 0 || a.i32(3) > 5) return Err{EINVAL};
  return 0;  // advice only
}

SyscallResult sys_fallocate(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(auto f, file_arg(k, a.fd(0)));
  int64_t off = static_cast<int64_t>(a[2]), len = static_cast<int64_t>(a[3]);
  const int mode = a.i32(1);
  constexpr int kKnown = 0x01 | 0x02 | 0x10;  // KEEP_SIZE, PUNCH_HOLE, ZERO_RANGE
  if (off < 0 || len <= 0) return Err{EINVAL};
  if (mode & ~kKnown) return Err{EOPNOTSUPP};
  if ((mode & 0x02) && (mode & 0x10)) return Err{EOPNOTSUPP};
  if ((mode & 0x02) && !(mode & 0x01)) return Err{EOPNOTSUPP};  // a hole must keep the size
  if (!can_write(*f)) return Err{EBADF};
  TRY_ASSIGN(fs::Attr attr, f->stat());
  if (S_ISFIFO(attr.mode)) return Err{ESPIPE};
  if (S_ISDIR(attr.mode)) return Err{EISDIR};
  if (!S_ISREG(attr.mode)) return Err{ENODEV};
  if (off > INT64_MAX - len) return Err{EFBIG};
  if (!(mode & 0x01))
    TRY_VOID(file_growth_allowed(k, static_cast<uint64_t>(off + len), [&]() -> Result<int64_t> { return attr.size; }));
  TRY_VOID(f->allocate(mode, static_cast<uint64_t>(off), static_cast<uint64_t>(len)));
  if (f->notice) f->notice->event(fs::kInModify);
  return 0;
}

const SyscallDef kDefs[] = {
    SYSCALL_DEF("fadvise64", sys_fadvise64, Support::Full, "flld", nullptr),
    SYSCALL_DEF("fallocate", sys_fallocate, Support::Partial, "fdll", "in-memory files: modes 0, KEEP_SIZE, PUNCH_HOLE and ZERO_RANGE, with no blocks kept past the end under KEEP_SIZE; other files: 0 and KEEP_SIZE (no blocks reserved)"),
    SYSCALL_DEF("eventfd2", sys_eventfd2, Support::Full, "ux", nullptr),
    SYSCALL_DEF("memfd_create", sys_memfd_create, Support::Partial, "sx", "no sealing (F_ADD_SEALS refused); MAP_SHARED of it is the file-mapping copy of mmap"),
    SYSCALL_DEF("eventfd", sys_eventfd, Support::Full, "u", nullptr),
    SYSCALL_DEF("pipe", sys_pipe, Support::Full, "p", nullptr),
    SYSCALL_DEF("pipe2", sys_pipe2, Support::Full, "pN", nullptr),
    SYSCALL_DEF("read", sys_read, Support::Full, "fpu", nullptr),
    SYSCALL_DEF("write", sys_write, Support::Full, "fpu", nullptr),
    SYSCALL_DEF("pread64", sys_pread64, Support::Full, "fpul", nullptr),
    SYSCALL_DEF("pwrite64", sys_pwrite64, Support::Full, "fpul", nullptr),
    SYSCALL_DEF("readv", sys_readv, Support::Full, "fpu", nullptr),
    SYSCALL_DEF("writev", sys_writev, Support::Full, "fpu", nullptr),
    SYSCALL_DEF("preadv", sys_preadv, Support::Full, "fpul", nullptr),
    SYSCALL_DEF("pwritev", sys_pwritev, Support::Full, "fpul", nullptr),
    SYSCALL_DEF("preadv2", sys_preadv2, Support::Partial, "fpullx",
                "RWF_HIPRI, RWF_DSYNC, RWF_SYNC (no effect), RWF_NOWAIT (EAGAIN where the call would wait: a pipe or "
                "socket not ready; files are in memory), RWF_APPEND, RWF_NOAPPEND; others (RWF_ATOMIC, "
                "RWF_DONTCACHE) EOPNOTSUPP"),
    SYSCALL_DEF("pwritev2", sys_pwritev2, Support::Partial, "fpullx",
                "RWF_HIPRI (no effect), RWF_DSYNC and RWF_SYNC (fsync after the write), RWF_NOWAIT "
                "(EAGAIN where the call would wait: a full pipe or socket), RWF_APPEND, RWF_NOAPPEND (O_APPEND set "
                "aside for the call); others (RWF_ATOMIC, RWF_DONTCACHE) EOPNOTSUPP"),
    SYSCALL_DEF("lseek", sys_lseek, Support::Full, "flw", nullptr),
    SYSCALL_DEF("open", sys_open, Support::Full, "sOm", nullptr),
    SYSCALL_DEF("openat", sys_openat, Support::Full, "fsOm", nullptr),
    SYSCALL_DEF("creat", sys_creat, Support::Full, "so", nullptr),
    SYSCALL_DEF("close", sys_close, Support::Full, "f", nullptr),
    SYSCALL_DEF("close_range", sys_close_range, Support::Full, "uux", nullptr),
    SYSCALL_DEF("dup", sys_dup, Support::Full, "f", nullptr),
    SYSCALL_DEF("dup2", sys_dup2, Support::Full, "ff", nullptr),
    SYSCALL_DEF("dup3", sys_dup3, Support::Full, "ffN", nullptr),
    SYSCALL_DEF("fcntl", sys_fcntl, Support::Partial, "fFg", "no F_SETLEASE, F_SETOWN, F_SETSIG (EINVAL), so F_NOTIFY always signals SIGIO to the process that asked; record locks: no deadlock detection (EDEADLK), a process keeps its POSIX locks until it closes the description it took them through"),
    SYSCALL_DEF("ioctl", sys_ioctl, Support::Partial, "fxx",
                "the sandbox's pseudo-terminals (/dev/ptmx, /dev/pts/N; emu/files/pty.h): TCGETS/TCSETS* (on either end: the one termios), TIOCG|SWINSZ (SIGWINCH to the foreground group), TIOCGPTN, TIOCS|GPTLCK, TIOCGPTPEER, TIOCSCTTY, TIOCNOTTY, TIOCG|SPGRP, TIOCGSID, TCFLSH, TIOCOUTQ, TCXONC (flow control, as IXON's ^S/^Q: echoes still pass a stopped output); TCSETSW/TCSETSF do not wait for output to drain, no job-control stops (SIGTTIN/SIGTTOU), VTIME ignored, TIOCPKT on and TIOCSTI refused. The guest's stdio: TCGETS/TCSETS*/TIOCGWINSZ/TIOCG|SPGRP/TIOCGSID applied to the host terminal. FIONREAD, FIONBIO, FIOCLEX; others ENOTTY"),
    SYSCALL_DEF("ftruncate", sys_ftruncate, Support::Full, "fl", nullptr),
    SYSCALL_DEF("truncate", sys_truncate, Support::Full, "sl", nullptr),
    SYSCALL_DEF("fsync", sys_fsync, Support::Full, "f", nullptr),
    SYSCALL_DEF("fdatasync", sys_fsync, Support::Full, "f", nullptr),
    SYSCALL_DEF("sync", sys_sync, Support::Partial, "", "returns at once: rw mounts are not flushed to disk (fsync is)"),
    SYSCALL_DEF("syncfs", sys_syncfs, Support::Partial, "f", "returns at once: rw mounts are not flushed to disk (fsync is)"),
    SYSCALL_DEF("sendfile", sys_sendfile, Support::Full, "ffpu", nullptr),
    SYSCALL_DEF("splice", sys_splice, Support::Partial, "fpfpux", "a copy through the host (SPLICE_F_MOVE/GIFT have no effect)"),
    SYSCALL_DEF("copy_file_range", sys_copy_file_range, Support::Partial, "fpfpux",
                "a copy through the host; files of different filesystems are copied too (no EXDEV)"),
};

}  // namespace

std::span<const SyscallDef> file_io_syscalls() { return kDefs; }

}  // namespace vmrun
