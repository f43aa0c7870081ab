#include "emu/files/pty.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <string>

namespace vmrun {
namespace {

constexpr uint32_t kTtyGroup = 5;                // devpts's gid=5 (Debian's "tty")
constexpr unsigned kPtsMajor = 136;              // UNIX98_PTY_SLAVE_MAJOR
constexpr uint64_t kPtsInodeBase = 1ull << 39;  // below the VFS's own synthetic inodes

}  // namespace

void Pty::signal_foreground(int sig) {
  if (auto space = space_.lock()) space->deliver(fg_pgrp, sig, true);
}

void Pty::master_closed() {
  if (session == 0) return;
  if (auto space = space_.lock()) {
    space->deliver(fg_pgrp, SIGHUP, true);
    space->deliver(session, SIGHUP, false);
    space->deliver(session, SIGCONT, false);
  }
  session = fg_pgrp = 0;
}

PtyEnd::PtyEnd(std::shared_ptr<Pty> pty, bool master, fs::Attr attr)
    : pty_(std::move(pty)), master_(master), attr_(attr) {
  flags = O_RDWR;
  if (master_) {
    ++pty_->masters;
  } else {
    ++pty_->slaves;
    pty_->slave_opened = true;
  }
}

PtyEnd::~PtyEnd() {
  if (master_) {
    if (--pty_->masters == 0) pty_->master_closed();
  } else {
    --pty_->slaves;
  }
}

Result<size_t> PtyEnd::read(void* buf, size_t n) {
  auto* out = static_cast<uint8_t*>(buf);
  LineDiscipline& ld = pty_->ld;
  if (master_) {
    if (ld.output_bytes()) return ld.master_read(out, n);
    // Every slave closed, its output read: EIO (what pty.spawn's copy loop
    // waits for). Before the slave was ever opened there is just nothing yet.
    if (pty_->slave_opened && pty_->slaves == 0) return Err{EIO};
    return Err{EAGAIN};
  }
  if (pty_->hung_up()) return size_t{0};
  bool would_block = false;
  size_t got = ld.slave_read(out, n, &would_block);
  if (would_block) return Err{EAGAIN};
  return got;
}

Result<size_t> PtyEnd::write(const void* buf, size_t n) {
  auto* in = static_cast<const uint8_t*>(buf);
  LineDiscipline& ld = pty_->ld;
  if (master_) {
    // Linux takes (and loses) what is written to a master whose slave is closed.
    if (pty_->slave_opened && pty_->slaves == 0) return n;
    if (pty_->master_stopped) return n ? Result<size_t>(Err{EAGAIN}) : Result<size_t>(size_t{0});
    std::vector<int> signals;
    size_t taken = ld.receive(in, n, &signals);
    for (int sig : signals) pty_->signal_foreground(sig);
    if (taken == 0 && n > 0) return Err{EAGAIN};
    return taken;
  }
  if (pty_->hung_up()) return Err{EIO};
  size_t taken = ld.transmit(in, n);
  if (taken == 0 && n > 0) return Err{EAGAIN};
  return taken;
}

size_t PtyEnd::write_capacity() {
  LineDiscipline& ld = pty_->ld;
  if (master_) {
    if (pty_->slave_opened && pty_->slaves == 0) return LineDiscipline::kInputCapacity;
    return pty_->master_stopped ? 0 : ld.input_room();
  }
  if (pty_->hung_up()) return LineDiscipline::kOutputCapacity;  // the write fails at once
  size_t room = ld.output_room();
  return room >= 2 ? room - 1 : 0;  // a newline may need two bytes (ONLCR)
}

uint32_t PtyEnd::poll_ready() {
  LineDiscipline& ld = pty_->ld;
  if (master_) {
    bool slave_gone = pty_->slave_opened && pty_->slaves == 0;
    return (ld.output_bytes() ? uint32_t{fs::kPollIn} : 0) |
           ((ld.input_room() && !pty_->master_stopped) || slave_gone ? uint32_t{fs::kPollOut} : 0) |
           (slave_gone ? uint32_t{fs::kPollHup} : 0);
  }
  if (pty_->hung_up()) return fs::kPollIn | fs::kPollOut | fs::kPollErr | fs::kPollHup;
  return (ld.slave_readable() ? uint32_t{fs::kPollIn} : 0) | (ld.output_room() >= 2 ? uint32_t{fs::kPollOut} : 0);
}

Result<int64_t> PtyEnd::bytes_available() {
  LineDiscipline& ld = pty_->ld;
  return static_cast<int64_t>(master_ ? ld.output_bytes() : ld.input_bytes());
}

std::shared_ptr<Pty> PtySpace::find(unsigned index) const {
  auto it = ptys_.find(index);
  return it == ptys_.end() ? nullptr : it->second.lock();
}

Result<fs::FileRef> PtySpace::open_master(int flags, const fs::Attr& node, const fs::ProcessView*) {
  for (auto it = ptys_.begin(); it != ptys_.end();) it = it->second.expired() ? ptys_.erase(it) : std::next(it);
  // The lowest free index, as Linux's devpts hands them out.
  unsigned index = 0;
  while (ptys_.count(index)) ++index;
  if (index >= kMaxPtys) return Err{ENOSPC};
  auto pty = std::make_shared<Pty>(index, weak_from_this());
  fs::Attr& a = pty->slave_attr;
  a.dev = fs::kDevFilesystemDev;
  a.ino = kPtsInodeBase + index;
  a.mode = S_IFCHR | 0620;
  a.uid = uid_;
  a.gid = kTtyGroup;
  a.rdev = makedev(kPtsMajor, index);
  a.blksize = 1024;
  ptys_[index] = pty;
  auto f = std::make_shared<PtyEnd>(pty, true, node);
  f->flags = flags;
  f->path = "/dev/ptmx";
  return fs::FileRef(f);
}

Result<fs::FileRef> PtySpace::new_slave(const std::shared_ptr<Pty>& pty, int flags, const fs::ProcessView* opener,
                                        const fs::Attr* attr) {
  auto f = std::make_shared<PtyEnd>(pty, false, attr ? *attr : pty->slave_attr);
  f->flags = flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC);
  f->path = "/dev/pts/" + std::to_string(pty->index);
  // A session leader without a controlling terminal that opens a free
  // terminal without O_NOCTTY acquires it (Linux's rule).
  if (opener && !(flags & O_NOCTTY) && opener->thread_group() == opener->session_id() && pty->session == 0 &&
      !controlling(opener->session_id())) {
    pty->session = opener->session_id();
    pty->fg_pgrp = opener->group_id();
  }
  return fs::FileRef(f);
}

Result<fs::FileRef> PtySpace::open_slave(unsigned index, int flags, const fs::ProcessView* opener) {
  auto pty = find(index);
  if (!pty || pty->masters == 0) return Err{ENOENT};
  if (pty->locked) return Err{EIO};
  return new_slave(pty, flags, opener);
}

std::vector<unsigned> PtySpace::slave_indices() const {
  std::vector<unsigned> out;
  for (const auto& [index, weak] : ptys_)
    if (auto p = weak.lock(); p && p->masters > 0) out.push_back(index);
  return out;
}

std::optional<fs::Attr> PtySpace::slave_attr(unsigned index) const {
  auto pty = find(index);
  if (!pty || pty->masters == 0) return std::nullopt;
  return pty->slave_attr;
}

std::shared_ptr<Pty> PtySpace::controlling(int sid) const {
  if (sid <= 0) return nullptr;
  for (const auto& [index, weak] : ptys_)
    if (auto p = weak.lock(); p && p->session == sid) return p;
  return nullptr;
}

void PtySpace::session_ended(int sid) {
  auto pty = controlling(sid);
  if (!pty) return;
  deliver(pty->fg_pgrp, SIGHUP, true);
  pty->session = pty->fg_pgrp = 0;
}

Result<fs::FileRef> PtySpace::open_controlling(int flags, const fs::Attr& node, const fs::ProcessView* opener) {
  if (!opener) return fs::FileRef();
  auto pty = controlling(opener->session_id());
  if (!pty) return fs::FileRef();
  return new_slave(pty, flags | O_NOCTTY, opener, &node);
}

}  // namespace vmrun
