#include "emu/files/line_discipline.h"

#include <signal.h>
#include <termios.h>

#include <algorithm>
#include <cstring>

namespace vmrun {

// The flag and index values used here are asm-generic's, which x86-64,
// riscv64 and the host share.
static_assert(VINTR == 0 && VQUIT == 1 && VERASE == 2 && VKILL == 3 && VEOF == 4 && VTIME == 5 &&
              VMIN == 6 && VSTART == 8 && VSTOP == 9 && VSUSP == 10 && VEOL == 11 && VEOL2 == 16);
static_assert(ICANON == 0x2 && ECHO == 0x8 && ISIG == 0x1 && OPOST == 0x1 && ONLCR == 0x4 && ICRNL == 0x100);

Termios Termios::standard() {
  Termios t;
  t.iflag = ICRNL | IXON;
  t.oflag = OPOST | ONLCR;
  t.cflag = B38400 | CS8 | CREAD;
  t.lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN;
  const uint8_t cc[kNcc] = {3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0};
  std::memcpy(t.cc, cc, sizeof cc);
  return t;
}

void Termios::to_bytes(uint8_t out[kSize]) const {
  std::memcpy(out, &iflag, 4);
  std::memcpy(out + 4, &oflag, 4);
  std::memcpy(out + 8, &cflag, 4);
  std::memcpy(out + 12, &lflag, 4);
  out[16] = line;
  std::memcpy(out + 17, cc, kNcc);
}

Termios Termios::from_bytes(const uint8_t in[kSize]) {
  Termios t;
  std::memcpy(&t.iflag, in, 4);
  std::memcpy(&t.oflag, in + 4, 4);
  std::memcpy(&t.cflag, in + 8, 4);
  std::memcpy(&t.lflag, in + 12, 4);
  t.line = in[16];
  std::memcpy(t.cc, in + 17, kNcc);
  return t;
}

bool LineDiscipline::canonical() const { return termios.lflag & ICANON; }

size_t LineDiscipline::queued_input() const { return ready_bytes_ + editing_.size(); }

size_t LineDiscipline::input_room() const {
  size_t queued = queued_input();
  size_t room = queued < kInputCapacity - 1 ? kInputCapacity - 1 - queued : 0;
  // A full canonical buffer without a whole line would never drain: it
  // takes (and drops) what comes until a line ends, as Linux does.
  if (room == 0 && canonical() && ready_.empty()) return 1;
  return room;
}

size_t LineDiscipline::input_bytes() const {
  if (!canonical()) return ready_bytes_;
  return ready_.empty() ? 0 : ready_.front().size();
}

void LineDiscipline::flush_input() {
  ready_.clear();
  ready_bytes_ = 0;
  editing_.clear();
}

void LineDiscipline::put_output(uint8_t c) {
  if (termios.oflag & OPOST) {
    if (c == '\n' && (termios.oflag & ONLCR)) {
      if (output_.size() + 2 > kOutputCapacity) return;
      output_.push_back('\r');
    } else if (c == '\r' && (termios.oflag & OCRNL)) {
      c = '\n';
    }
  }
  if (output_.size() >= kOutputCapacity) return;  // echoes go through a stopped output
  output_.push_back(c);
}

void LineDiscipline::echo_raw(const char* s, size_t n) {
  for (size_t i = 0; i < n; ++i) put_output(static_cast<uint8_t>(s[i]));
}

// A control character echoes as ^X with ECHOCTL (tab and newline as they are).
void LineDiscipline::echo(uint8_t c) {
  if ((termios.lflag & ECHOCTL) && (c < 0x20 || c == 0x7f) && c != '\t' && c != '\n') {
    const char s[2] = {'^', static_cast<char>(c ^ 0x40)};
    echo_raw(s, 2);
    return;
  }
  put_output(c);
}

void LineDiscipline::echo_erase(size_t count) {
  for (size_t i = 0; i < count; ++i) echo_raw("\b \b", 3);
}

void LineDiscipline::commit_line(bool eof) {
  (void)eof;
  ready_bytes_ += editing_.size();
  ready_.push_back(std::move(editing_));
  editing_.clear();
}

size_t LineDiscipline::receive(const uint8_t* data, size_t n, std::vector<int>* signals) {
  const Termios& t = termios;
  auto is_cc = [&t](uint8_t c, int index) { return t.cc[index] != 0 && c == t.cc[index]; };
  size_t taken = 0;
  for (; taken < n; ++taken) {
    uint8_t c = data[taken];
    if (t.iflag & ISTRIP) c &= 0x7f;
    if (c == '\r') {
      if (t.iflag & IGNCR) continue;
      if (t.iflag & ICRNL) c = '\n';
    } else if (c == '\n' && (t.iflag & INLCR)) {
      c = '\r';
    }
    if (t.lflag & ISIG) {
      int sig = is_cc(c, VINTR) ? SIGINT : is_cc(c, VQUIT) ? SIGQUIT : is_cc(c, VSUSP) ? SIGTSTP : 0;
      if (sig) {
        if (!(t.lflag & NOFLSH)) {
          flush_input();
          flush_output();
        }
        if (t.lflag & ECHO) echo(c);
        if (t.iflag & IXON) output_stopped = false;  // as Linux's n_tty
        signals->push_back(sig);
        continue;
      }
    }
    if (t.iflag & IXON) {
      // Flow control: VSTOP stops the slave's output, VSTART (or any
      // character with IXANY) starts it again; the two are not input.
      if (is_cc(c, VSTOP)) {
        output_stopped = true;
        continue;
      }
      if (is_cc(c, VSTART)) {
        output_stopped = false;
        continue;
      }
      if (t.iflag & IXANY) output_stopped = false;
    }
    bool full = queued_input() >= kInputCapacity - 1;
    if (!canonical()) {
      if (full) break;
      if (ready_.empty()) ready_.emplace_back();
      ready_.back().push_back(static_cast<char>(c));
      ++ready_bytes_;
      if (t.lflag & ECHO) c == '\n' ? put_output(c) : echo(c);
      continue;
    }
    if (is_cc(c, VERASE)) {
      if (!editing_.empty()) {
        uint8_t gone = static_cast<uint8_t>(editing_.back());
        editing_.pop_back();
        if ((t.lflag & ECHO) && (t.lflag & ECHOE))
          echo_erase((t.lflag & ECHOCTL) && (gone < 0x20 || gone == 0x7f) && gone != '\t' ? 2 : 1);
        else if (t.lflag & ECHO)
          echo(c);
      }
      continue;
    }
    if (is_cc(c, VKILL)) {
      if ((t.lflag & ECHO) && (t.lflag & ECHOKE) && (t.lflag & ECHOE)) {
        echo_erase(editing_.size());
      } else if (t.lflag & ECHO) {
        echo(c);
        if (t.lflag & ECHOK) put_output('\n');
      }
      editing_.clear();
      continue;
    }
    if (is_cc(c, VEOF)) {
      if (ready_.empty() && full && !editing_.empty()) break;
      commit_line(true);
      continue;
    }
    bool ends_line = c == '\n' || is_cc(c, VEOL) || is_cc(c, VEOL2);
    if (full && !ends_line) {
      if (!ready_.empty()) break;  // a whole line waits: the writer waits for the reader
      continue;                    // nothing can be read: the character is lost
    }
    if (full && !ready_.empty()) break;
    editing_.push_back(static_cast<char>(c));
    if (t.lflag & ECHO)
      c == '\n' ? put_output(c) : echo(c);
    else if (c == '\n' && (t.lflag & ECHONL))
      put_output(c);
    if (ends_line) commit_line(false);
  }
  return taken;
}

bool LineDiscipline::slave_readable() const {
  if (canonical()) return !ready_.empty();
  size_t need = std::max<size_t>(1, termios.cc[VMIN]);
  return ready_bytes_ >= need;
}

size_t LineDiscipline::slave_read(uint8_t* out, size_t n, bool* would_block) {
  *would_block = false;
  if (canonical()) {
    if (ready_.empty()) {
      *would_block = true;
      return 0;
    }
    std::string& line = ready_.front();
    size_t take = std::min(n, line.size());
    std::memcpy(out, line.data(), take);
    line.erase(0, take);
    ready_bytes_ -= take;
    if (line.empty()) ready_.pop_front();
    return take;
  }
  size_t vmin = termios.cc[VMIN];
  if (vmin > 0 && ready_bytes_ < std::min(vmin, n)) {
    *would_block = true;
    return 0;
  }
  size_t done = 0;
  while (done < n && !ready_.empty()) {
    std::string& rec = ready_.front();
    size_t take = std::min(n - done, rec.size());
    std::memcpy(out + done, rec.data(), take);
    rec.erase(0, take);
    ready_bytes_ -= take;
    done += take;
    if (rec.empty()) ready_.pop_front();
  }
  return done;
}

void LineDiscipline::send_char(uint8_t c) {
  if (output_.size() < kOutputCapacity) output_.push_front(c);
}

size_t LineDiscipline::transmit(const uint8_t* data, size_t n) {
  if (output_stopped) return 0;
  size_t taken = 0;
  bool post = termios.oflag & OPOST;
  for (; taken < n; ++taken) {
    uint8_t c = data[taken];
    size_t need = post && c == '\n' && (termios.oflag & ONLCR) ? 2 : 1;
    if (output_room() < need) break;
    put_output(c);
  }
  return taken;
}

size_t LineDiscipline::master_read(uint8_t* out, size_t n) {
  size_t take = std::min(n, output_.size());
  std::copy_n(output_.begin(), take, out);
  output_.erase(output_.begin(), output_.begin() + static_cast<std::ptrdiff_t>(take));
  return take;
}

void LineDiscipline::settings_changed(const Termios& old) {
  if ((old.lflag & ICANON) && !canonical() && !editing_.empty()) commit_line(false);
}

}  // namespace vmrun
