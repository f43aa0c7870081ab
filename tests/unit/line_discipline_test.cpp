// The pseudo-terminal line discipline (emu/files/line_discipline.h) on its
// own: what the slave reads and the master sees for given input, and the
// bounds on both queues.
#include <signal.h>
#include <termios.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "emu/files/line_discipline.h"

using namespace vmrun;

namespace {

size_t feed(LineDiscipline& ld, const std::string& s, std::vector<int>* sigs = nullptr) {
  std::vector<int> ignored;
  return ld.receive(reinterpret_cast<const uint8_t*>(s.data()), s.size(), sigs ? sigs : &ignored);
}

std::string slave_read(LineDiscipline& ld, size_t n = 8192, bool* blocked = nullptr) {
  std::string out(n, '\0');
  bool would_block = false;
  out.resize(ld.slave_read(reinterpret_cast<uint8_t*>(out.data()), n, &would_block));
  if (blocked) *blocked = would_block;
  return out;
}

std::string master_read(LineDiscipline& ld) {
  std::string out(8192, '\0');
  out.resize(ld.master_read(reinterpret_cast<uint8_t*>(out.data()), out.size()));
  return out;
}

}  // namespace

TEST_CASE("termios round-trips through the kernel's 36-byte layout") {
  Termios t = Termios::standard();
  uint8_t bytes[Termios::kSize];
  t.to_bytes(bytes);
  Termios back = Termios::from_bytes(bytes);
  CHECK(back.lflag == t.lflag);
  CHECK(back.iflag == (ICRNL | IXON));
  CHECK(back.cc[VINTR] == 3);
  CHECK(back.cc[VMIN] == 1);
}

TEST_CASE("canonical input: lines, erase, kill, end of file and echo") {
  LineDiscipline ld;
  bool blocked = false;
  feed(ld, "ab\x7f" "c");
  CHECK(!ld.slave_readable());
  slave_read(ld, 100, &blocked);
  CHECK(blocked);
  feed(ld, "\r");
  CHECK(slave_read(ld) == "ac\n");
  CHECK(master_read(ld) == "ab\b \bc\r\n");
  feed(ld, "xyz\x15q\n");
  CHECK(slave_read(ld) == "q\n");
  feed(ld, "one\ntwo\n");
  CHECK(slave_read(ld) == "one\n");
  CHECK(slave_read(ld, 2) == "tw");
  CHECK(slave_read(ld) == "o\n");
  feed(ld, "\x04");
  CHECK(ld.slave_readable());
  CHECK(slave_read(ld, 100, &blocked).empty());
  CHECK(!blocked);  // end of file, not a wait
}

TEST_CASE("ISIG characters give signals, flush and echo ^C") {
  LineDiscipline ld;
  std::vector<int> sigs;
  feed(ld, "typed", &sigs);
  master_read(ld);
  feed(ld, "\x03", &sigs);
  CHECK(ld.input_bytes() == 0);
  CHECK(master_read(ld) == "^C");
  // Each one flushes what the master had not read yet, then echoes.
  feed(ld, "\x1c\x1a", &sigs);
  CHECK(sigs == std::vector<int>{SIGINT, SIGQUIT, SIGTSTP});
  CHECK(master_read(ld) == "^Z");
  ld.termios.lflag &= ~ISIG;
  sigs.clear();
  feed(ld, "\x03\n", &sigs);
  CHECK(sigs.empty());
}

TEST_CASE("output processing: ONLCR needs room for two bytes") {
  LineDiscipline ld;
  std::string line(LineDiscipline::kOutputCapacity - 1, 'o');
  CHECK(ld.transmit(reinterpret_cast<const uint8_t*>(line.data()), line.size()) == line.size());
  const uint8_t nl = '\n';
  CHECK(ld.transmit(&nl, 1) == 0);  // "\r\n" does not fit in one byte
  CHECK(ld.output_room() == 1);
  ld.termios.oflag &= ~OPOST;
  CHECK(ld.transmit(&nl, 1) == 1);
  CHECK(ld.output_room() == 0);
}

TEST_CASE("raw input is bounded and VMIN decides when a read returns") {
  LineDiscipline ld;
  Termios old = ld.termios;
  ld.termios.lflag &= ~(ICANON | ECHO);
  ld.termios.cc[VMIN] = 3;
  ld.settings_changed(old);
  feed(ld, "ab");
  CHECK(!ld.slave_readable());
  bool blocked = false;
  slave_read(ld, 100, &blocked);
  CHECK(blocked);
  CHECK(slave_read(ld, 2) == "ab");  // n below VMIN: n is enough
  std::string flood(100000, 'f');
  size_t taken = feed(ld, flood);
  CHECK(taken == LineDiscipline::kInputCapacity - 1);
  CHECK(ld.input_room() == 0);
  CHECK(feed(ld, "more") == 0);
  ld.termios.cc[VMIN] = 0;
  ld.flush_input();
  CHECK(slave_read(ld, 10, &blocked).empty());
  CHECK(!blocked);  // VMIN 0: returns at once with nothing
}

TEST_CASE("a full canonical line drops characters instead of blocking the writer") {
  LineDiscipline ld;
  ld.termios.lflag &= ~ECHO;
  std::string flood(10000, 'x');
  CHECK(feed(ld, flood) == flood.size());
  CHECK(ld.input_room() == 1);  // nothing readable yet: it keeps taking (and dropping)
  feed(ld, "\n");
  std::string line = slave_read(ld);
  CHECK(line.size() == LineDiscipline::kInputCapacity);
  CHECK(line.back() == '\n');
}

TEST_CASE("leaving canonical mode makes the line being typed readable") {
  LineDiscipline ld;
  feed(ld, "partial");
  Termios old = ld.termios;
  ld.termios.lflag &= ~ICANON;
  ld.settings_changed(old);
  CHECK(slave_read(ld) == "partial");
}
