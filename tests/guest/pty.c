/* Pseudo-terminals: /dev/ptmx and /dev/pts/N used the way openpty, script
 * and pty.spawn use them.  Locking and unlocking, the slave's name and
 * node, termios on both ends, canonical input with echo, erase, kill and
 * end of file, ICRNL and ONLCR, raw mode and VMIN, window size and
 * SIGWINCH, a child that makes the slave its controlling terminal
 * (setsid + TIOCSCTTY) and receives the ISIG characters' signals, hang-up
 * when the master closes, EIO on the master once the slave is closed,
 * poll readiness, a flood into an unread terminal (bounded, EAGAIN), flow
 * control (tcflow, IXON's ^S and ^Q) and a bad pointer (EFAULT).
 *
 * Natively the bytes written to one end reach the other through the
 * kernel's work queue, a moment later: every read here waits with poll
 * for what it expects (or a short timeout), so only the bytes show. */
#include "common.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>

/* The riscv64 reference is qemu-user, which does not pass TIOCGSID and
 * TIOCGPTLCK on (it answers them -1): those checks are x86-64's only. */
#ifdef __x86_64__
#define QEMU_LACKS_TTY_QUERIES 0
#else
#define QEMU_LACKS_TTY_QUERIES 1
#endif

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

/* Read until `want` bytes came or nothing more arrives for `ms`. */
static int rd(int fd, char *buf, int want, int ms) {
  int got = 0;
  while (got < want) {
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, ms) <= 0) break;
    int n = read(fd, buf + got, want - got);
    if (n <= 0) break;
    got += n;
  }
  return got;
}

static void show_bytes(const char *label, const char *buf, int n) {
  printf("%s: %d \"", label, n);
  for (int i = 0; i < n; i++) {
    unsigned char c = buf[i];
    if (c == '\n') printf("\\n");
    else if (c == '\r') printf("\\r");
    else if (c == '\b') printf("\\b");
    else if (c < 0x20 || c >= 0x7f) printf("\\x%02x", c);
    else putchar(c);
  }
  printf("\"\n");
  fflush(stdout);
}

/* Drain the master (echoes) and show what it had. */
static void show_master(const char *label, int m, int want) {
  char buf[256];
  show_bytes(label, buf, rd(m, buf, want, 500));
}

static void show_slave(const char *label, int s, int want) {
  char buf[256];
  show_bytes(label, buf, rd(s, buf, want, 500));
}

static int readable(int fd, int ms) {
  struct pollfd p = {fd, POLLIN, 0};
  return poll(&p, 1, ms) > 0 && (p.revents & POLLIN);
}

static int open_pair(int *slave) {
  int m = posix_openpt(O_RDWR | O_NOCTTY);
  if (m < 0 || grantpt(m) != 0 || unlockpt(m) != 0) return -1;
  *slave = open(ptsname(m), O_RDWR | O_NOCTTY);
  return *slave < 0 ? -1 : m;
}

static void names_and_nodes(void) {
  int m = posix_openpt(O_RDWR | O_NOCTTY);
  show("posix_openpt", m >= 0 ? 0 : -1);
  char *name = ptsname(m);
  yesno("ptsname is /dev/pts/N", name && strncmp(name, "/dev/pts/", 9) == 0);
  unsigned index = 999999;
  show("TIOCGPTN", ioctl(m, TIOCGPTN, &index));
  char expect[32];
  snprintf(expect, sizeof expect, "/dev/pts/%u", index);
  yesno("TIOCGPTN matches ptsname", name && strcmp(name, expect) == 0);
#if QEMU_LACKS_TTY_QUERIES == 0
  int lock = -1;
  ioctl(m, TIOCGPTLCK, &lock);
  printf("locked before unlockpt: %d\n", lock);
#endif
  show("open slave while locked", open(expect, O_RDWR | O_NOCTTY));
  show("unlockpt", unlockpt(m));
  int s = open(expect, O_RDWR | O_NOCTTY);
  show("open slave", s >= 0 ? 0 : -1);
  yesno("isatty master", isatty(m));
  yesno("isatty slave", isatty(s));
  char *tn = ttyname(s);
  yesno("ttyname(slave) is ptsname", tn && strcmp(tn, expect) == 0);
  struct stat st;
  show("stat slave", stat(expect, &st));
  yesno("slave is a char device, major 136", S_ISCHR(st.st_mode) && major(st.st_rdev) == 136 &&
        minor(st.st_rdev) == index);
  struct stat fst;
  fstat(s, &fst);
  yesno("fstat(slave) is the node", fst.st_ino == st.st_ino && fst.st_dev == st.st_dev && fst.st_rdev == st.st_rdev);
  DIR *d = opendir("/dev/pts");
  int listed = 0;
  struct dirent *e;
  char want[16];
  snprintf(want, sizeof want, "%u", index);
  while (d && (e = readdir(d)))
    if (strcmp(e->d_name, want) == 0) listed = 1;
  if (d) closedir(d);
  yesno("/dev/pts lists it", listed);
  show("TIOCGPTN on the slave", ioctl(s, TIOCGPTN, &index));
  int peer = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY);
  show("TIOCGPTPEER", peer >= 0 ? 0 : -1);
  if (peer >= 0) {
    fstat(peer, &fst);
    yesno("peer is the slave", fst.st_rdev == st.st_rdev);
    write(peer, "p", 1);
    show_master("master reads peer's write", m, 1);
    close(peer);
  }
  close(s);
  close(m);
  struct stat gone;
  show("stat slave after both closed", stat(expect, &gone));
}

static void line_discipline(void) {
  int s, m = open_pair(&s);
  struct termios t;
  show("tcgetattr slave", tcgetattr(s, &t));
  printf("iflag %o oflag %o cflag %o lflag %o\n", t.c_iflag, t.c_oflag, t.c_cflag, t.c_lflag);
  printf("cc intr %d quit %d erase %d kill %d eof %d min %d time %d susp %d\n", t.c_cc[VINTR], t.c_cc[VQUIT],
         t.c_cc[VERASE], t.c_cc[VKILL], t.c_cc[VEOF], t.c_cc[VMIN], t.c_cc[VTIME], t.c_cc[VSUSP]);
  struct termios tm;
  tcgetattr(m, &tm);
  yesno("master's termios is the slave's", t.c_iflag == tm.c_iflag && t.c_oflag == tm.c_oflag &&
        t.c_cflag == tm.c_cflag && t.c_lflag == tm.c_lflag && memcmp(t.c_cc, tm.c_cc, 17) == 0);
  struct winsize ws;
  show("TIOCGWINSZ", ioctl(s, TIOCGWINSZ, &ws));
  printf("new winsize %d x %d\n", ws.ws_row, ws.ws_col);

  yesno("slave readable before input", readable(s, 0));
  write(m, "abc", 3);
  show_master("echo of a partial line", m, 3);
  yesno("slave readable with a partial line", readable(s, 100));
  write(m, "\r", 1);
  show_master("echo of CR (ICRNL, ONLCR)", m, 2);
  show_slave("slave reads the line", s, 4);
  write(m, "ab\x7f" "c\n", 5);
  show_master("echo of erase", m, 8);
  show_slave("line after erase", s, 3);
  write(m, "xyz\x15q\n", 6);
  show_master("echo of kill", m, 15);
  show_slave("line after kill", s, 2);
  write(m, "one\ntwo\n", 8);
  show_master("echo of two lines", m, 10);
  char buf[64];
  int n = read(s, buf, sizeof buf);
  show_bytes("one read takes one line", buf, n);
  n = read(s, buf, sizeof buf);
  show_bytes("then the next", buf, n);
  write(m, "eof\x04", 4);
  show_master("echo before VEOF", m, 3);
  readable(s, 500);
  n = read(s, buf, sizeof buf);
  show_bytes("VEOF ends the line without newline", buf, n);
  write(m, "\x04", 1);
  readable(s, 500);
  show("VEOF at line start reads", read(s, buf, sizeof buf));

  write(s, "out\nput", 7);
  show_master("ONLCR on slave output", m, 9);
  t.c_oflag &= ~OPOST;
  tcsetattr(s, TCSANOW, &t);
  write(s, "raw\nout", 7);
  show_master("without OPOST", m, 7);
  t.c_oflag |= OPOST;

  t.c_lflag &= ~ECHO;
  tcsetattr(m, TCSANOW, &t);  /* through the master */
  write(m, "quiet\n", 6);
  show_slave("no echo: slave reads", s, 6);
  yesno("no echo: master has nothing", readable(m, 100));

  struct termios raw = t;
  cfmakeraw(&raw);
  show("tcsetattr raw (TCSAFLUSH)", tcsetattr(s, TCSAFLUSH, &raw));
  write(m, "\x03z\r", 3);
  show_slave("raw: bytes as written, no signal", s, 3);
  yesno("raw: no echo", readable(m, 100));
  raw.c_cc[VMIN] = 0;
  raw.c_cc[VTIME] = 0;
  tcsetattr(s, TCSANOW, &raw);
  show("VMIN 0 read of nothing", read(s, buf, sizeof buf));
  raw.c_cc[VMIN] = 1;
  tcsetattr(s, TCSANOW, &raw);
  fcntl(s, F_SETFL, O_NONBLOCK);
  show("non-blocking read of nothing", read(s, buf, sizeof buf));
  fcntl(s, F_SETFL, 0);

  /* Flood: nobody reads the slave; the master's writes stop with EAGAIN. */
  fcntl(m, F_SETFL, O_NONBLOCK);
  static char big[1 << 16];
  memset(big, 'f', sizeof big);
  long total = 0;
  int r = 0, rounds = 0;
  while (rounds++ < 1000 && (r = write(m, big, sizeof big)) > 0) total += r;
  yesno("flooded master write ends in EAGAIN", r < 0 && errno == EAGAIN);
  yesno("it took less than 1 MiB", total < (1 << 20));
  /* (Natively the master turns writable again by itself while the kernel
   * moves its buffer on, so "not writable when full" is not compared.) */
  struct pollfd pm = {m, POLLOUT, 0};
  tcflush(s, TCIFLUSH);
  poll(&pm, 1, 500);
  yesno("writable again after TCIFLUSH", pm.revents & POLLOUT);
  /* The other way: the slave's output fills while the master does not read. */
  fcntl(s, F_SETFL, O_NONBLOCK);
  total = 0, rounds = 0;
  while (rounds++ < 1000 && (r = write(s, big, sizeof big)) > 0) total += r;
  yesno("flooded slave write ends in EAGAIN", r < 0 && errno == EAGAIN);
  yesno("it took less than 1 MiB", total < (1 << 20));
  fcntl(s, F_SETFL, 0);
  fcntl(m, F_SETFL, 0);
  tcflush(m, TCIFLUSH);

  show("TIOCSWINSZ bad pointer", ioctl(m, TIOCSWINSZ, (void *)8));
  show("TCGETS bad pointer", ioctl(s, TCGETS, (void *)8));
  show("TIOCSCTTY without setsid", ioctl(s, TIOCSCTTY, 0));
  pid_t pg;
  show("TIOCGPGRP on a slave that is not ours", ioctl(s, TIOCGPGRP, &pg));
#if QEMU_LACKS_TTY_QUERIES == 0
  show("TIOCGSID on the master of no session", ioctl(m, TIOCGSID, &pg));
#endif
  close(s);
  close(m);
}

/* A child session on the slave: SIGWINCH and the ISIG signals reach its
 * foreground group; then the master's close hangs it up. */
static void sessions(void) {
  int s, m = open_pair(&s);
  int up[2], down[2];
  pipe(up);
  pipe(down);
  fflush(stdout);
  pid_t child = fork();
  if (child == 0) {
    close(m);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGWINCH);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGQUIT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGCONT);
    sigprocmask(SIG_BLOCK, &set, NULL);
    show("child setsid", setsid() > 0 ? 0 : -1);
    show("child TIOCSCTTY", ioctl(s, TIOCSCTTY, 0));
    pid_t pg = 0;
    ioctl(s, TIOCGPGRP, &pg);
    yesno("TIOCGPGRP is the child's group", pg == getpgrp());
#if QEMU_LACKS_TTY_QUERIES == 0
    int sid = 0;
    ioctl(s, TIOCGSID, &sid);
    yesno("TIOCGSID is the child", sid == getpid());
    yesno("tcgetsid agrees", tcgetsid(s) == getpid());
#endif
    int tty = open("/dev/tty", O_RDWR);
    show("child opens /dev/tty", tty >= 0 ? 0 : -1);
    struct stat a;
    fstat(tty, &a);
    yesno("/dev/tty's fstat is /dev/tty's node (5, 0)", major(a.st_rdev) == 5 && minor(a.st_rdev) == 0);
    pg = 0;
    ioctl(tty, TIOCGPGRP, &pg);
    yesno("/dev/tty is the session's terminal", pg == getpgrp());
#if QEMU_LACKS_TTY_QUERIES == 0
    int tty_sid = 0;
    ioctl(tty, TIOCGSID, &tty_sid);
    yesno("TIOCGSID through /dev/tty", tty_sid == getpid());
#endif
    show("TIOCSPGRP own group", ioctl(tty, TIOCSPGRP, &pg));
    pid_t bogus = 99999;
    show("TIOCSPGRP unknown group", ioctl(tty, TIOCSPGRP, &bogus));
    close(tty);
    fflush(stdout);
    write(up[1], "r", 1);
    for (int i = 0; i < 3; i++) {
      siginfo_t info;
      int sig = sigwaitinfo(&set, &info);
      printf("child got %s\n", sig == SIGWINCH ? "SIGWINCH" : sig == SIGINT ? "SIGINT" : sig == SIGQUIT ? "SIGQUIT" : "other");
      fflush(stdout);
      write(up[1], "a", 1);
    }
    /* Wait for the hang-up: SIGHUP, then SIGCONT to the session leader. */
    siginfo_t info;
    int sig = sigwaitinfo(&set, &info);
    printf("child got %s at hang-up\n", sig == SIGHUP ? "SIGHUP" : "other");
    char buf[8];
    show("child read after hang-up", read(s, buf, sizeof buf));
    show("child write after hang-up", write(s, "x", 1));
    fflush(stdout);
    _exit(0);
  }
  close(s);
  char c;
  read(up[0], &c, 1);
  struct winsize ws = {30, 100, 0, 0};
  int set = ioctl(m, TIOCSWINSZ, &ws);
  read(up[0], &c, 1); /* the child has reported its SIGWINCH */
  show("TIOCSWINSZ on the master", set);
  struct winsize back;
  ioctl(m, TIOCGWINSZ, &back);
  printf("winsize now %d x %d\n", back.ws_row, back.ws_col);
  pid_t fg = 0;
  show("TIOCGPGRP on the master", ioctl(m, TIOCGPGRP, &fg));
  yesno("foreground group is the child", fg == child);
#if QEMU_LACKS_TTY_QUERIES == 0
  int sid = 0;
  show("TIOCGSID on the master", ioctl(m, TIOCGSID, &sid));
  yesno("session is the child", sid == child);
#endif
  write(m, "\x03", 1);
  read(up[0], &c, 1);
  show_master("echo of ^C", m, 2);
  write(m, "\x1c", 1);
  read(up[0], &c, 1);
  show_master("echo of ^\\", m, 2);
  close(m);
  int status;
  waitpid(child, &status, 0);
  printf("child exit after the master's close: %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  close(up[0]);
  close(up[1]);
  close(down[0]);
  close(down[1]);
}

/* The session leader ends: its terminal's foreground group (here a child
 * it left behind) gets SIGHUP, and the terminal has no session any more. */
static void leader_exit(void) {
  int s, m = open_pair(&s);
  int report[2];
  pipe(report);
  fflush(stdout);
  pid_t leader = fork();
  if (leader == 0) {
    close(m);
    setsid();
    ioctl(s, TIOCSCTTY, 0);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, NULL);
    int ready[2];
    pipe(ready);
    if (fork() == 0) {
      /* Same session and group as the leader, which it outlives. */
      close(ready[0]);
      close(ready[1]);
      siginfo_t info;
      int sig = sigwaitinfo(&set, &info);
      char c = sig == SIGHUP ? 'H' : '?';
      write(report[1], &c, 1);
      _exit(0);
    }
    close(ready[0]);
    close(ready[1]);
    _exit(0);
  }
  close(report[1]);
  waitpid(leader, NULL, 0);
  char c = 0;
  read(report[0], &c, 1);
  printf("left-behind member of the foreground group got %s\n", c == 'H' ? "SIGHUP" : "nothing");
  pid_t fg = -1;
  ioctl(m, TIOCGPGRP, &fg);
  printf("foreground group after the leader's end: %d\n", fg);
#if QEMU_LACKS_TTY_QUERIES == 0
  int sid;
  show("TIOCGSID after the leader's end", ioctl(m, TIOCGSID, &sid));
#endif
  close(report[0]);
  close(s);
  close(m);
}

/* pty.spawn's end: the child writes, exits; the master drains, then EIO. */
static void slave_close(void) {
  int s, m = open_pair(&s);
  fflush(stdout);
  pid_t child = fork();
  if (child == 0) {
    close(m);
    write(s, "bye\n", 4);
    _exit(0);
  }
  close(s);
  waitpid(child, NULL, 0);
  struct pollfd p = {m, POLLIN, 0};
  poll(&p, 1, 500);
  yesno("master readable after the child's write", p.revents & POLLIN);
  char buf[64];
  int n = rd(m, buf, 5, 500);
  show_bytes("master reads the child's output", buf, n);
  p.revents = 0;
  poll(&p, 1, 500);
  yesno("master POLLHUP once the slave is closed", p.revents & POLLHUP);
  show("master read after slave close", read(m, buf, sizeof buf));
  show("master write after slave close", write(m, "x", 1));
  close(m);
}

/* Flow control: TCXONC (tcflow) stops and starts either end's output and
 * sends the STOP and START characters; with IXON, ^S and ^Q from the
 * master stop and start the slave's output and are not input. Natively
 * the master's bytes reach the line discipline a moment later: wait. */
static void flow_control(void) {
  int s, m = open_pair(&s);
  struct termios t;
  tcgetattr(s, &t);
  t.c_lflag &= ~(ICANON | ECHO); /* IXON stays on */
  t.c_cc[VMIN] = 0;
  t.c_cc[VTIME] = 0;
  tcsetattr(s, TCSANOW, &t);
  fcntl(s, F_SETFL, O_RDWR | O_NONBLOCK);
  fcntl(m, F_SETFL, O_RDWR | O_NONBLOCK);
  show("tcflow TCOOFF on the slave", tcflow(s, TCOOFF));
  show("slave write while stopped", write(s, "a", 1));
  struct pollfd p = {s, POLLOUT, 0};
  poll(&p, 1, 0);
  yesno("slave POLLOUT while stopped", p.revents & POLLOUT);
  show("tcflow TCOON", tcflow(s, TCOON));
  show("slave write after TCOON", write(s, "b", 1));
  show_master("master reads", m, 1);
  write(m, "x\x13y", 3);
  usleep(100000);
  show("slave write after ^S from the master", write(s, "c", 1));
  show_slave("slave input, without the ^S", s, 2);
  write(m, "\x11", 1);
  usleep(100000);
  show("slave write after ^Q", write(s, "d", 1));
  show_master("master reads", m, 1);
  show("tcflow TCIOFF on the slave", tcflow(s, TCIOFF));
  show_master("master reads the STOP character", m, 1);
  show("tcflow TCION", tcflow(s, TCION));
  show_master("master reads the START character", m, 1);
  show("tcflow TCOOFF on the master", tcflow(m, TCOOFF));
  show("master write while stopped", write(m, "z", 1));
  show("tcflow TCOON on the master", tcflow(m, TCOON));
  show("master write after TCOON", write(m, "z", 1));
  show_slave("slave reads", s, 1);
  show("TCXONC with a bad action", ioctl(s, TCXONC, 7));
  close(s);
  close(m);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0); /* parent and child lines in the order they happen */
  /* Under vmrun the program is its sandbox's init, a session leader (as a
   * container's init is); natively it is not. The tests run in a child,
   * which is no session leader either way. */
  pid_t runner = fork();
  if (runner == 0) {
    names_and_nodes();
    line_discipline();
    sessions();
    leader_exit();
    slave_close();
    flow_control();
    fflush(stdout);
    _exit(0);
  }
  int status;
  waitpid(runner, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
