// Pseudo-terminals inside the sandbox: /dev/ptmx opens a master, its slave
// is /dev/pts/N. Purely emulated: no host pty is ever opened. A Pty is the
// pair's shared state (the line discipline, window size, lock, controlling
// session and foreground process group); its master and slave descriptions
// are PtyEnd files. Reads and writes never block the host: they answer
// EAGAIN and the syscall layer parks the caller on poll_ready, as for pipes.
//
// Linux behaviour kept: a master read gives EIO once every slave
// description is closed (after the output left in it); a slave read gives
// end of file and a slave write EIO once the master is closed (hang-up,
// which also sends SIGHUP to the foreground group and SIGHUP and SIGCONT to
// the session leader); termios and window size ioctls on the master act on
// the slave's. Not kept: job control on the terminal (no SIGTTIN/SIGTTOU
// for background groups), packet mode, TIOCSTI, exclusive mode.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "emu/files/line_discipline.h"
#include "rootfs/file.h"
#include "rootfs/vfs.h"

namespace vmrun {

class PtySpace;

struct Winsize {
  uint16_t row = 0, col = 0, xpixel = 0, ypixel = 0;
  bool operator==(const Winsize& o) const {
    return row == o.row && col == o.col && xpixel == o.xpixel && ypixel == o.ypixel;
  }
};

class Pty {
 public:
  Pty(unsigned index, std::weak_ptr<PtySpace> space) : index(index), space_(std::move(space)) {}
  const unsigned index;
  LineDiscipline ld;
  Winsize winsize;     // a new pty's is 0x0, as on Linux
  bool locked = true;  // until TIOCSPTLCK(0) (unlockpt)
  int masters = 0, slaves = 0;  // open descriptions of each end
  bool slave_opened = false;    // ever
  int session = 0;     // the session it is the controlling terminal of (0: none)
  int fg_pgrp = 0;     // its foreground process group
  bool master_stopped = false;  // the master's output stopped (TCXONC TCOOFF on it)
  fs::Attr slave_attr;  // what /dev/pts/N shows

  // Signal the foreground process group (ISIG characters, SIGWINCH).
  void signal_foreground(int sig);
  void master_closed();  // the last master description went: hang-up
  bool hung_up() const { return masters == 0; }

 private:
  std::weak_ptr<PtySpace> space_;
};

// One open description of a master or a slave.
class PtyEnd final : public fs::File {
 public:
  PtyEnd(std::shared_ptr<Pty> pty, bool master, fs::Attr attr);
  ~PtyEnd() override;
  Result<size_t> read(void* buf, size_t n) override;
  Result<size_t> write(const void* buf, size_t n) override;
  Result<fs::Attr> stat() override { return attr_; }
  uint32_t poll_ready() override;
  bool is_tty() const override { return true; }
  size_t write_capacity() override;
  Result<int64_t> bytes_available() override;

  bool is_master() const { return master_; }
  Pty& pty() { return *pty_; }
  const std::shared_ptr<Pty>& pty_ref() const { return pty_; }

 private:
  std::shared_ptr<Pty> pty_;
  bool master_;
  fs::Attr attr_;
};

// The run's pseudo-terminals (owned by the Kernel): indices, /dev/pts,
// the controlling terminal of each session, and how their signals reach
// guest processes.
class PtySpace final : public fs::TerminalDevices, public std::enable_shared_from_this<PtySpace> {
 public:
  static constexpr unsigned kMaxPtys = 256;  // pairs open at once (Linux: /proc/sys/kernel/pty/max)

  // deliver(id, sig, group): signal process group `id`, or process `id`.
  using Deliver = std::function<void(int id, int sig, bool group)>;
  PtySpace(uint32_t uid, Deliver deliver) : uid_(uid), deliver_(std::move(deliver)) {}
  // The kernel is going away: no more signals.
  void detach() { deliver_ = nullptr; }
  void deliver(int id, int sig, bool group) {
    if (deliver_ && id > 0) deliver_(id, sig, group);
  }

  // fs::TerminalDevices
  Result<fs::FileRef> open_master(int flags, const fs::Attr& node, const fs::ProcessView* opener) override;
  Result<fs::FileRef> open_slave(unsigned index, int flags, const fs::ProcessView* opener) override;
  std::vector<unsigned> slave_indices() const override;
  std::optional<fs::Attr> slave_attr(unsigned index) const override;
  Result<fs::FileRef> open_controlling(int flags, const fs::Attr& node, const fs::ProcessView* opener) override;

  // A new slave description of `pty` (TIOCGPTPEER and open_slave).
  // `attr`: what its fstat shows (by default /dev/pts/N's).
  Result<fs::FileRef> new_slave(const std::shared_ptr<Pty>& pty, int flags, const fs::ProcessView* opener,
                                const fs::Attr* attr = nullptr);
  // The pseudo-terminal session `sid` has as its controlling terminal.
  std::shared_ptr<Pty> controlling(int sid) const;
  // Session `sid`'s leader has ended: its terminal's foreground group gets
  // SIGHUP and the terminal belongs to no session any more.
  void session_ended(int sid);

 private:
  std::shared_ptr<Pty> find(unsigned index) const;
  uint32_t uid_;
  Deliver deliver_;
  std::map<unsigned, std::weak_ptr<Pty>> ptys_;
};

// A master's or slave's description, or nullptr.
inline PtyEnd* as_pty(const fs::FileRef& f) { return dynamic_cast<PtyEnd*>(f.get()); }

}  // namespace vmrun
