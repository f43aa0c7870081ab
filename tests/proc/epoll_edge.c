/* Edge-triggered epoll (EPOLLET): an interest is reported when something
 * new happens (data arrives, room is made, a hang-up, another eventfd
 * write, another connection), not again while nothing does, and again
 * after the program drained it to EAGAIN. Each wait has a zero timeout,
 * except where the step says otherwise. */
#include "proc.h"

#include <stddef.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>

static int ep;

static void events_name(uint32_t e) {
  const char *sep = "";
  static const struct { uint32_t bit; const char *name; } names[] = {
      {EPOLLIN, "IN"}, {EPOLLOUT, "OUT"}, {EPOLLRDHUP, "RDHUP"}, {EPOLLHUP, "HUP"}, {EPOLLERR, "ERR"}};
  for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
    if (e & names[i].bit) { printf("%s%s", sep, names[i].name); sep = "|"; }
}

static void wait_show(const char *what, int timeout_ms) {
  struct epoll_event ev[8];
  int n = epoll_wait(ep, ev, 8, timeout_ms);
  printf("%-34s", what);
  if (n < 0) { printf(" %s\n", err_name(errno)); return; }
  if (n == 0) printf(" none");
  /* In label order: the kernel's order is its own business. */
  for (uint64_t label = 0; label < 16; label++)
    for (int i = 0; i < n; i++)
      if (ev[i].data.u64 == label) { printf(" %d=", (int)label); events_name(ev[i].events); }
  printf("\n");
}

static void watch(int fd, uint64_t label, uint32_t events) {
  struct epoll_event e = {.events = events | EPOLLET, .data.u64 = label};
  if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e) != 0) printf("epoll_ctl add %d: %s\n", (int)label, err_name(errno));
}

static void drain(int fd) {
  char buf[4096];
  ssize_t n, total = 0;
  while ((n = read(fd, buf, sizeof buf)) > 0) total += n;
  printf("  drained %zd bytes, then %s\n", total, n < 0 ? err_name(errno) : "end of file");
}

int main(void) {
  ep = epoll_create1(EPOLL_CLOEXEC);

  /* A stream socket pair, watched on one end. */
  int s[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, s) != 0) return 1;
  watch(s[0], 0, EPOLLIN | EPOLLOUT | EPOLLRDHUP);
  wait_show("socket: first", 0);
  wait_show("socket: nothing new", 0);
  write(s[1], "hello", 5);
  wait_show("socket: data arrives", 0);
  wait_show("socket: still readable", 0);
  write(s[1], "more", 4);
  wait_show("socket: more data", 0);
  char small[3];
  read(s[0], small, sizeof small);
  wait_show("socket: part read", 0);
  drain(s[0]);
  wait_show("socket: drained", 0);
  write(s[1], "x", 1);
  wait_show("socket: new data after EAGAIN", 0);
  shutdown(s[1], SHUT_WR);
  wait_show("socket: peer shuts down", 0);
  wait_show("socket: quiet", 0);
  struct epoll_event mod = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.u64 = 0};
  epoll_ctl(ep, EPOLL_CTL_MOD, s[0], &mod);
  wait_show("socket: EPOLL_CTL_MOD re-arms", 0);
  epoll_ctl(ep, EPOLL_CTL_DEL, s[0], NULL);

  /* A pipe: the read end for IN, the write end for OUT. */
  int p[2];
  if (pipe2(p, O_NONBLOCK) != 0) return 1;
  watch(p[0], 1, EPOLLIN);
  watch(p[1], 2, EPOLLOUT);
  wait_show("pipe: first", 0);
  write(p[1], "0123456789", 10);
  wait_show("pipe: written", 0);
  char chunk[4096];
  memset(chunk, 'z', sizeof chunk);
  ssize_t n, total = 0;
  while ((n = write(p[1], chunk, sizeof chunk)) > 0) total += n;
  printf("  filled with %zd more bytes, then %s\n", total, err_name(errno));
  wait_show("pipe: full", 0);
  wait_show("pipe: nothing new", 0);
  read(p[0], chunk, sizeof chunk);
  wait_show("pipe: a page read from a full pipe", 0);
  drain(p[0]);
  wait_show("pipe: drained", 0);

  /* Another process writes while this one waits. */
  pid_t child = fork();
  if (child == 0) {
    usleep(100 * 1000);
    write(p[1], "late", 4);
    _exit(0);
  }
  wait_show("pipe: written by a child (wait 5s)", 5000);
  waitpid(child, NULL, 0);
  epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL);
  epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL);

  /* An eventfd: every write is an event, even while it is readable. */
  int efd = eventfd(0, EFD_NONBLOCK);
  watch(efd, 3, EPOLLIN);
  wait_show("eventfd: zero", 0);
  uint64_t one = 1;
  write(efd, &one, sizeof one);
  wait_show("eventfd: written", 0);
  wait_show("eventfd: nothing new", 0);
  write(efd, &one, sizeof one);
  wait_show("eventfd: written again", 0);
  epoll_ctl(ep, EPOLL_CTL_DEL, efd, NULL);

  /* A listener: each connection is an event. */
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  snprintf(addr.sun_path + 1, sizeof addr.sun_path - 1, "vmrun-epoll-edge-%d", (int)getpid());
  socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(addr.sun_path + 1));
  int l = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (bind(l, (struct sockaddr *)&addr, len) != 0 || listen(l, 8) != 0) { printf("listen: %s\n", err_name(errno)); return 1; }
  watch(l, 4, EPOLLIN);
  wait_show("listener: idle", 0);
  int c1 = socket(AF_UNIX, SOCK_STREAM, 0), c2 = socket(AF_UNIX, SOCK_STREAM, 0);
  connect(c1, (struct sockaddr *)&addr, len);
  wait_show("listener: a connection", 0);
  wait_show("listener: nothing new", 0);
  connect(c2, (struct sockaddr *)&addr, len);
  wait_show("listener: another connection", 0);
  /* Level-triggered on the same listener, for contrast. */
  struct epoll_event lt = {.events = EPOLLIN, .data.u64 = 4};
  epoll_ctl(ep, EPOLL_CTL_MOD, l, &lt);
  wait_show("listener: level-triggered", 0);
  wait_show("listener: level-triggered again", 0);
  return 0;
}
