// Advisory locks: flock(2), and fcntl(2)'s F_GETLK/F_SETLK/F_SETLKW and
// their open-file-description forms (F_OFD_*), over the run's lock table
// (emu/files/file_locks.h). A waiting lock blocks until no other owner's
// lock conflicts; a signal interrupts it (EINTR, or a restart under
// SA_RESTART, as Linux does for both calls).
#include <fcntl.h>
#include <sys/file.h>

#include "emu/files/file_locks.h"
#include "emu/kernel/process.h"
#include "syscalls/handler_util.h"
#include "syscalls/lock_calls.h"

namespace vmrun {
namespace {

using Kind = FileLocks::Kind;

Result<FileLocks::FileKey> key_of(const fs::FileRef& f) {
  TRY_ASSIGN(fs::Attr attr, f->stat());
  return FileLocks::FileKey{attr.dev, attr.ino};
}

// The owner of a lock held through description `f`: the description
// itself (flock, OFD locks), or the caller's fd table while it keeps `f`
// open (POSIX locks).
FileLocks::Owner description_owner(const fs::FileRef& f, int pid) {
  std::weak_ptr<fs::File> weak = f;
  return {f.get(), [weak] { return !weak.expired(); }, pid};
}

FileLocks::Owner table_owner(SyscallContext& k, const fs::FileRef& f) {
  std::weak_ptr<FdTable> table = k.proc().fds;
  std::weak_ptr<fs::File> weak = f;
  return {k.proc().fds.get(),
          [table, weak] {
            auto t = table.lock();
            auto file = weak.lock();
            if (!t || !file) return false;
            for (int fd : t->open_fds())
              if (t->get(fd) == file) return true;
            return false;
          },
          k.proc().ids.tgid};
}

// Take the lock, or wait until it can be taken (`wait`), or fail with
// `busy` when another owner's lock is in the way.
SyscallResult acquire(SyscallContext& k, Kind kind, FileLocks::FileKey key, FileLocks::Owner owner, bool unlock,
                      bool write, uint64_t start, uint64_t end, bool wait, int busy) {
  FileLocks& locks = k.file_locks();
  if (!unlock && locks.conflict(kind, key, owner.id, write, start, end)) {
    if (!wait) return Err{busy};
    const void* id = owner.id;
    return k.block(wait_until([&locks, kind, key, id, write, start, end] {
      return !locks.conflict(kind, key, id, write, start, end);
    }));
  }
  if (!locks.set(kind, key, owner, unlock, write, start, end)) return Err{ENOLCK};
  return 0;
}

// struct flock, the same on x86-64 and riscv64.
struct GuestFlock {
  int16_t type;
  int16_t whence;
  int32_t pad0;
  int64_t start;
  int64_t len;
  int32_t pid;
  int32_t pad1;
};
static_assert(sizeof(GuestFlock) == 32);

}  // namespace

SyscallResult fcntl_lock(SyscallContext& k, const fs::FileRef& f, int cmd, uint64_t addr) {
  GuestFlock fl;
  TRY_VOID(k.mem().copy_in({addr}, &fl, sizeof fl));
  bool ofd = cmd == F_OFD_GETLK || cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW;
  bool get = cmd == F_GETLK || cmd == F_OFD_GETLK;
  if (fl.type != F_RDLCK && fl.type != F_WRLCK && fl.type != F_UNLCK) return Err{EINVAL};
  if (ofd && fl.pid != 0) return Err{EINVAL};
  if (get && fl.type == F_UNLCK) return Err{EINVAL};
  int access = f->flags & O_ACCMODE;
  if (!get && fl.type == F_RDLCK && access == O_WRONLY) return Err{EBADF};
  if (!get && fl.type == F_WRLCK && access == O_RDONLY) return Err{EBADF};
  // The range, from l_whence, l_start and l_len (0: to the end, however
  // far the file grows; negative: the bytes before l_start).
  int64_t base = 0;
  switch (fl.whence) {
    case SEEK_SET: break;
    case SEEK_CUR: {
      TRY_ASSIGN(base, f->seek(0, SEEK_CUR));
      break;
    }
    case SEEK_END: {
      TRY_ASSIGN(fs::Attr attr, f->stat());
      base = attr.size;
      break;
    }
    default: return Err{EINVAL};
  }
  int64_t start;
  if (__builtin_add_overflow(base, fl.start, &start)) return Err{EOVERFLOW};
  uint64_t end = FileLocks::kToEnd;
  if (fl.len > 0) {
    int64_t e;
    if (__builtin_add_overflow(start, fl.len, &e)) return Err{EOVERFLOW};
    end = static_cast<uint64_t>(e);
  } else if (fl.len < 0) {
    end = static_cast<uint64_t>(start);
    if (__builtin_add_overflow(start, fl.len, &start)) return Err{EINVAL};
  }
  if (start < 0) return Err{EINVAL};
  TRY_ASSIGN(FileLocks::FileKey key, key_of(f));
  FileLocks::Owner owner = ofd ? description_owner(f, -1) : table_owner(k, f);
  bool write = fl.type == F_WRLCK;
  if (get) {
    auto held = k.file_locks().conflict(Kind::Fcntl, key, owner.id, write, static_cast<uint64_t>(start), end);
    if (!held) {
      fl.type = F_UNLCK;
    } else {
      fl.type = held->write ? F_WRLCK : F_RDLCK;
      fl.whence = SEEK_SET;
      fl.start = static_cast<int64_t>(held->start);
      fl.len = held->end == FileLocks::kToEnd ? 0 : static_cast<int64_t>(held->end - held->start);
      fl.pid = held->owner.pid;
    }
    TRY_VOID(k.mem().copy_out({addr}, &fl, sizeof fl));
    return 0;
  }
  bool wait = cmd == F_SETLKW || cmd == F_OFD_SETLKW;
  return acquire(k, Kind::Fcntl, key, std::move(owner), fl.type == F_UNLCK, write, static_cast<uint64_t>(start), end,
                 wait, EAGAIN);
}

namespace {

SyscallResult sys_flock(SyscallContext& k, const SyscallArgs& a) {
  TRY_ASSIGN(auto f, file_arg(k, a.fd(0)));
  int op = a.i32(1) & ~LOCK_NB;
  if (op != LOCK_SH && op != LOCK_EX && op != LOCK_UN) return Err{EINVAL};
  TRY_ASSIGN(FileLocks::FileKey key, key_of(f));
  FileLocks::Owner owner = description_owner(f, k.proc().ids.tgid);
  bool write = op == LOCK_EX;
  // A conversion is not atomic, as on Linux: the description's lock of
  // the other type goes first, even if the new one then cannot be had.
  if (op != LOCK_UN && !k.restarted() &&
      k.file_locks().conflict(Kind::Flock, key, owner.id, write, 0, FileLocks::kToEnd))
    k.file_locks().set(Kind::Flock, key, owner, true, false, 0, FileLocks::kToEnd);
  return acquire(k, Kind::Flock, key, std::move(owner), op == LOCK_UN, write, 0, FileLocks::kToEnd,
                 !(a.i32(1) & LOCK_NB), EWOULDBLOCK);
}

constexpr SyscallDef kDefs[] = {
    SYSCALL_DEF("flock", sys_flock, Support::Full, "fL", nullptr),
};

}  // namespace

std::span<const SyscallDef> lock_syscalls() { return kDefs; }

}  // namespace vmrun
