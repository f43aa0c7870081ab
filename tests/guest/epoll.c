/* epoll over pipes: readiness, timeouts, EPOLL_CTL_MOD/DEL, ONESHOT,
 * EEXIST/ENOENT, and a child writing after a delay (blocking wait). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char* err(int r) { return r < 0 ? strerror(errno) : "ok"; }

int main(void) {
  int p[2];
  pipe(p);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  printf("create: %s\n", ep >= 0 ? "ok" : strerror(errno));
  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0x1122334455667788ull};
  printf("add: %s\n", err(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev)));
  printf("add_again: %s\n", err(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev)));
  struct epoll_event out[4];
  printf("empty_wait: %d\n", epoll_wait(ep, out, 4, 0));
  printf("timeout_wait: %d\n", epoll_wait(ep, out, 4, 20));
  write(p[1], "x", 1);
  int n = epoll_wait(ep, out, 4, -1);
  printf("ready: %d events=%#x data=%#llx\n", n, out[0].events, (unsigned long long)out[0].data.u64);
  printf("still_ready (level): %d\n", epoll_wait(ep, out, 4, 0));
  ev.events = EPOLLIN | EPOLLONESHOT;
  printf("mod: %s\n", err(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev)));
  printf("oneshot_first: %d\n", epoll_wait(ep, out, 4, 0));
  printf("oneshot_second: %d\n", epoll_wait(ep, out, 4, 0));
  printf("del: %s\n", err(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL)));
  printf("del_again: %s\n", err(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL)));
  char c;
  read(p[0], &c, 1);
  ev.events = EPOLLIN;
  epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
  if (fork() == 0) {
    struct timespec ts = {0, 30 * 1000 * 1000};
    nanosleep(&ts, NULL);
    write(p[1], "y", 1);
    _exit(0);
  }
  n = epoll_wait(ep, out, 4, 5000);
  printf("woken_by_child: %d\n", n);
  wait(NULL);
  close(p[1]);
  read(p[0], &c, 1);
  n = epoll_wait(ep, out, 4, 0);
  printf("hup: %d hup_bit=%d\n", n, n > 0 && (out[0].events & EPOLLHUP) ? 1 : 0);
  /* Regular files and directories cannot be watched. */
  int file = open("/etc/passwd", O_RDONLY);
  int dir = open("/etc", O_RDONLY | O_DIRECTORY);
  ev.events = EPOLLIN;
  printf("add_regular_file: %s\n", err(epoll_ctl(ep, EPOLL_CTL_ADD, file, &ev)));
  printf("add_directory: %s\n", err(epoll_ctl(ep, EPOLL_CTL_ADD, dir, &ev)));
  return 0;
}
