// The line discipline of a pseudo-terminal: the termios settings and the
// two byte streams between the master and the slave, with the processing
// Linux's N_TTY does on them. Input (what the master writes) is turned
// into what the slave reads: ICRNL/INLCR/IGNCR, canonical lines with
// erase and kill, VEOF, echo back to the master, and the signal characters
// (reported to the caller, who signals the foreground process group).
// Output (what the slave writes) gets OPOST/ONLCR/OCRNL on its way to the
// master. Both streams are bounded, so a guest that never reads cannot make
// the host allocate without limit.
//
// Flow control: the slave's output stops at IXON's VSTOP (or TCXONC
// TCOOFF) and starts again at VSTART (any character with IXANY, or TCOON);
// echoes still go through while it is stopped (Linux holds them too).
// Not done: VWERASE, VREPRINT and VLNEXT, IUCLC/OLCUC, tab and delay
// expansion, VTIME timeouts (a non-canonical read waits for VMIN bytes, or
// returns at once when VMIN is 0), PARMRK and the packet mode.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace vmrun {

// The kernel's struct termios: the same 36 bytes on x86-64 and riscv64
// (asm-generic termbits: 4 flag words, c_line, 19 control characters).
struct Termios {
  static constexpr size_t kSize = 36;
  static constexpr size_t kNcc = 19;
  uint32_t iflag = 0, oflag = 0, cflag = 0, lflag = 0;
  uint8_t line = 0;
  uint8_t cc[kNcc] = {};

  // A new pty's slave settings (Linux's tty_std_termios).
  static Termios standard();
  void to_bytes(uint8_t out[kSize]) const;
  static Termios from_bytes(const uint8_t in[kSize]);
};

class LineDiscipline {
 public:
  // Linux's N_TTY read buffer is 4 KiB; the master's side gets as much.
  static constexpr size_t kInputCapacity = 4096;
  static constexpr size_t kOutputCapacity = 4096;

  Termios termios = Termios::standard();

  // --- input: master writes, slave reads
  // Processes up to n bytes; returns how many were taken (0 when the input
  // queue has no room). Signal characters append their signal to *signals.
  size_t receive(const uint8_t* data, size_t n, std::vector<int>* signals);
  // Bytes receive() would take now without blocking the writer.
  size_t input_room() const;
  // Whether a slave read would return now: a whole line (or an end of
  // file) in canonical mode, VMIN bytes (at least one) otherwise.
  bool slave_readable() const;
  // A slave read: one line at most in canonical mode (0 bytes at an end of
  // file); otherwise what is there, once min(VMIN, n) bytes are (VMIN 0:
  // at once, maybe nothing). *would_block when it must wait.
  size_t slave_read(uint8_t* out, size_t n, bool* would_block);
  size_t input_bytes() const;  // FIONREAD on the slave
  void flush_input();

  // --- output: slave writes, master reads
  // Processes up to n bytes; returns how many were taken (none while the
  // output is stopped).
  size_t transmit(const uint8_t* data, size_t n);
  size_t output_room() const { return output_stopped ? 0 : kOutputCapacity - output_.size(); }
  // A byte to the master ahead of everything (TCIOFF/TCION's STOP and
  // START characters): sent even while the output is stopped.
  void send_char(uint8_t c);
  bool output_stopped = false;
  size_t output_bytes() const { return output_.size(); }
  size_t master_read(uint8_t* out, size_t n);
  void flush_output() { output_.clear(); }

  // Settings changed (TCSETS*): leaving canonical mode makes the line
  // being edited readable, as on Linux.
  void settings_changed(const Termios& old);

 private:
  bool canonical() const;
  void commit_line(bool eof);
  void echo(uint8_t c);
  void echo_raw(const char* s, size_t n);
  void echo_erase(size_t count);
  void put_output(uint8_t c);  // OPOST processing into output_, dropped when full
  size_t queued_input() const;

  // Input ready for the slave: in canonical mode one record per line (an
  // empty record is an end of file); otherwise bytes in any records.
  std::deque<std::string> ready_;
  size_t ready_bytes_ = 0;
  std::string editing_;  // the canonical line being typed
  std::deque<uint8_t> output_;
};

}  // namespace vmrun
