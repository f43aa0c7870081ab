#include "syscalls/tty_ioctl.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <termios.h>

namespace vmrun {
namespace {

// asm-generic's numbers, shared by x86-64, riscv64 and the host.
static_assert(TCGETS == 0x5401 && TIOCGWINSZ == 0x5413 && TIOCGPTN == 0x80045430 && TIOCSPTLCK == 0x40045431);
constexpr uint64_t kTiocGptPeer = 0x5441;  // _IO('T', 0x41), missing from older host headers
constexpr uint64_t kTiocGptLck = 0x80045439;

// Whether `pty` is the caller's controlling terminal.
bool is_controlling(SyscallContext& k, const Pty& pty) {
  return pty.session != 0 && pty.session == k.proc().ids.sid;
}

SyscallResult set_termios(SyscallContext& k, Pty& pty, uint64_t request, uint64_t arg) {
  uint8_t bytes[Termios::kSize];
  TRY_VOID(k.mem().copy_in({arg}, bytes, sizeof bytes));
  Termios old = pty.ld.termios;
  pty.ld.termios = Termios::from_bytes(bytes);
  pty.ld.settings_changed(old);
  // TCSETSW and TCSETSF would first wait for the output to drain; the
  // output here waits for nobody but the master's reader, so they do not.
  if (request == TCSETSF) pty.ld.flush_input();
  return 0;
}

SyscallResult set_controlling(SyscallContext& k, const std::shared_ptr<Pty>& pty, uint64_t steal) {
  Process& p = k.proc();
  if (p.ids.tgid != p.ids.sid) return Err{EPERM};  // only a session leader
  auto current = k.ptys().controlling(p.ids.sid);
  if (current == pty) return 0;
  if (current) return Err{EPERM};
  if (pty->session != 0) {
    // Another session's terminal: only taken with steal=1 by root.
    if (steal != 1 || k.config().uid != 0) return Err{EPERM};
  }
  pty->session = p.ids.sid;
  pty->fg_pgrp = p.ids.pgid;
  return 0;
}

SyscallResult terminal_request(SyscallContext& k, PtyEnd& end, uint64_t request, uint64_t arg) {
  Pty& pty = end.pty();
  LineDiscipline& ld = pty.ld;
  bool master = end.is_master();
  switch (request) {
    case TCGETS: {
      uint8_t bytes[Termios::kSize];
      ld.termios.to_bytes(bytes);
      TRY_VOID(k.mem().copy_out({arg}, bytes, sizeof bytes));
      return 0;
    }
    case TCSETS:
    case TCSETSW:
    case TCSETSF: return set_termios(k, pty, request, arg);
    case TIOCGWINSZ: {
      const Winsize& w = pty.winsize;
      const uint16_t out[4] = {w.row, w.col, w.xpixel, w.ypixel};
      TRY_VOID(k.mem().copy_out({arg}, out, sizeof out));
      return 0;
    }
    case TIOCSWINSZ: {
      uint16_t in[4];
      TRY_VOID(k.mem().copy_in({arg}, in, sizeof in));
      Winsize w{in[0], in[1], in[2], in[3]};
      if (!(w == pty.winsize)) {
        pty.winsize = w;
        pty.signal_foreground(SIGWINCH);
      }
      return 0;
    }
    case TIOCGPTN: {
      if (!master) return Err{ENOTTY};
      uint32_t index = pty.index;
      TRY_VOID(k.mem().write({arg}, index));
      return 0;
    }
    case TIOCSPTLCK: {
      if (!master) return Err{ENOTTY};
      TRY_ASSIGN(int32_t lock, k.mem().read<int32_t>({arg}));
      pty.locked = lock != 0;
      return 0;
    }
    case kTiocGptLck: {
      if (!master) return Err{ENOTTY};
      int32_t lock = pty.locked ? 1 : 0;
      TRY_VOID(k.mem().write({arg}, lock));
      return 0;
    }
    case kTiocGptPeer: {
      if (!master) return Err{ENOTTY};
      int flags = static_cast<int>(arg);
      if (flags & ~(O_ACCMODE | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)) return Err{EINVAL};
      TRY_ASSIGN(fs::FileRef slave, k.ptys().new_slave(end.pty_ref(), flags, &k.proc()));
      TRY_ASSIGN(int fd, k.proc().fds->install(slave, (flags & O_CLOEXEC) != 0));
      return static_cast<uint64_t>(fd);
    }
    case TIOCSCTTY: return set_controlling(k, end.pty_ref(), arg);
    case TIOCNOTTY: {
      if (!is_controlling(k, pty)) return Err{ENOTTY};
      Process& p = k.proc();
      if (p.ids.tgid == p.ids.sid) {
        // The session leader gives it up: its foreground group is told.
        pty.signal_foreground(SIGHUP);
        pty.signal_foreground(SIGCONT);
        pty.session = pty.fg_pgrp = 0;
      }
      // Another member would lose it alone; the session keeps it here.
      return 0;
    }
    case TIOCGPGRP: {
      if (!master && !is_controlling(k, pty)) return Err{ENOTTY};
      int32_t pgrp = pty.fg_pgrp;
      TRY_VOID(k.mem().write({arg}, pgrp));
      return 0;
    }
    case TIOCSPGRP: {
      if (!is_controlling(k, pty)) return Err{ENOTTY};
      TRY_ASSIGN(int32_t pgrp, k.mem().read<int32_t>({arg}));
      if (pgrp < 0) return Err{EINVAL};
      bool exists = false, here = false;
      for (auto& [pid, q] : k.processes()) {
        if (q->ids.pgid != pgrp || q->state == ProcState::Zombie) continue;
        exists = true;
        here = here || q->ids.sid == pty.session;
      }
      if (!exists) return Err{ESRCH};
      if (!here) return Err{EPERM};
      pty.fg_pgrp = pgrp;
      return 0;
    }
    case TIOCGSID: {
      if (!master && !is_controlling(k, pty)) return Err{ENOTTY};
      if (pty.session == 0) return Err{ENOTTY};
      int32_t sid = pty.session;
      TRY_VOID(k.mem().write({arg}, sid));
      return 0;
    }
    case TCFLSH: {
      // The master's input is the slave's output, and the other way round.
      int which = static_cast<int>(arg);
      if (which != TCIFLUSH && which != TCOFLUSH && which != TCIOFLUSH) return Err{EINVAL};
      bool in = which != TCOFLUSH, out = which != TCIFLUSH;
      if (master) std::swap(in, out);
      if (in) ld.flush_input();
      if (out) ld.flush_output();
      return 0;
    }
    case TIOCOUTQ: {
      int32_t n = static_cast<int32_t>(master ? ld.input_bytes() : ld.output_bytes());
      TRY_VOID(k.mem().write({arg}, n));
      return 0;
    }
    case TIOCGETD: {
      int32_t disc = 0;  // N_TTY
      TRY_VOID(k.mem().write({arg}, disc));
      return 0;
    }
    case TIOCSETD: {
      TRY_ASSIGN(int32_t disc, k.mem().read<int32_t>({arg}));
      if (disc != 0) return Err{EINVAL};
      return 0;
    }
    case TIOCPKT: {
      // Packet mode is not emulated: turning it on fails rather than lie.
      TRY_ASSIGN(int32_t on, k.mem().read<int32_t>({arg}));
      if (on) return Err{EINVAL};
      return 0;
    }
    case TCXONC: {
      // Flow control of this end's output: the slave's stops in the line
      // discipline (as IXON's VSTOP does), the master's in the pair. TCIOFF
      // and TCION send the STOP or START character to the other end.
      switch (arg) {
        case TCOOFF:
        case TCOON:
          if (master) pty.master_stopped = arg == TCOOFF;
          else ld.output_stopped = arg == TCOOFF;
          return 0;
        case TCIOFF:
        case TCION: {
          if (!master) {
            uint8_t c = ld.termios.cc[arg == TCIOFF ? VSTOP : VSTART];
            if (c) ld.send_char(c);  // NUL: the character is disabled
            return 0;
          }
          // The master's own settings are the standard ones: ^S and ^Q.
          uint8_t c = arg == TCIOFF ? 0x13 : 0x11;
          std::vector<int> signals;
          ld.receive(&c, 1, &signals);
          for (int sig : signals) pty.signal_foreground(sig);
          return 0;
        }
        default: return Err{EINVAL};
      }
    }
    case TCSBRK:
    case TCSBRKP:
    case TIOCSBRK:
    case TIOCCBRK:
    case TIOCEXCL:
    case TIOCNXCL: return 0;
    default: return Err{ENOTTY};
  }
}

}  // namespace

std::optional<SyscallResult> pty_ioctl(SyscallContext& k, PtyEnd& end, uint64_t request, uint64_t arg) {
  switch (request) {
    case FIONREAD:
    case FIONBIO:
    case FIOCLEX:
    case FIONCLEX: return std::nullopt;
    default: return terminal_request(k, end, request, arg);
  }
}

}  // namespace vmrun
