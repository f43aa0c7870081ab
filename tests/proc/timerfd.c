/* timerfd: one-shot and periodic timers read as files, absolute times,
 * poll and epoll readiness, a blocking read woken by the expiry, the
 * setting it replaces, and the errors. Times are only compared with
 * generous bounds; counts that depend on timing are printed as ranges. */
#include "proc.h"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>

static int64_t now_ns(clockid_t c) {
  struct timespec t;
  clock_gettime(c, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static struct itimerspec spec(int64_t value_ns, int64_t interval_ns) {
  struct itimerspec s = {{interval_ns / 1000000000, interval_ns % 1000000000},
                         {value_ns / 1000000000, value_ns % 1000000000}};
  return s;
}

static void read_count(const char *what, int fd) {
  uint64_t n = 0;
  ssize_t r = read(fd, &n, sizeof n);
  if (r < 0) printf("%s: %s\n", what, err_name(errno));
  else printf("%s: %zd bytes, %llu\n", what, r, (unsigned long long)n);
}

int main(void) {
  int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  printf("create: %s, cloexec %d\n", fd >= 0 ? "ok" : err_name(errno), (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
  read_count("read, disarmed", fd);

  /* One shot, 50 ms. */
  struct itimerspec s = spec(50 * 1000000, 0), old, cur;
  printf("settime: %d\n", timerfd_settime(fd, 0, &s, &old));
  printf("  old: %lld.%09ld / %lld.%09ld\n", (long long)old.it_value.tv_sec, old.it_value.tv_nsec,
         (long long)old.it_interval.tv_sec, old.it_interval.tv_nsec);
  timerfd_gettime(fd, &cur);
  printf("  gettime: value in (0, 50ms]: %d, interval 0: %d\n",
         cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 && cur.it_value.tv_nsec <= 50 * 1000000,
         cur.it_interval.tv_sec == 0 && cur.it_interval.tv_nsec == 0);
  read_count("read, not yet", fd);
  struct pollfd p = {.fd = fd, .events = POLLIN};
  int64_t t0 = now_ns(CLOCK_MONOTONIC);
  int n = poll(&p, 1, 5000);
  int64_t waited = now_ns(CLOCK_MONOTONIC) - t0;
  printf("poll: %d revents %#x, waited at least 40ms: %d\n", n, p.revents, waited >= 40 * 1000000);
  read_count("read", fd);
  read_count("read again", fd);
  timerfd_gettime(fd, &cur);
  printf("  gettime after the shot: %lld.%09ld\n", (long long)cur.it_value.tv_sec, cur.it_value.tv_nsec);

  /* Periodic, 20 ms, read after 110 ms. */
  s = spec(20 * 1000000, 20 * 1000000);
  timerfd_settime(fd, 0, &s, NULL);
  usleep(110 * 1000);
  uint64_t count = 0;
  read(fd, &count, sizeof count);
  printf("periodic: 3..7 expirations: %d\n", count >= 3 && count <= 7);
  /* A new setting replaces the old, and forgets what was not read. */
  usleep(30 * 1000);
  s = spec(0, 0);
  timerfd_settime(fd, 0, &s, &old);
  printf("disarm: old interval 20ms: %d\n", old.it_interval.tv_sec == 0 && old.it_interval.tv_nsec == 20 * 1000000);
  read_count("read, disarmed again", fd);

  /* Absolute, on CLOCK_REALTIME, with a blocking read. */
  int b = timerfd_create(CLOCK_REALTIME, 0);
  s = spec(now_ns(CLOCK_REALTIME) + 30 * 1000000, 0);
  t0 = now_ns(CLOCK_MONOTONIC);
  printf("settime absolute: %d\n", timerfd_settime(b, TFD_TIMER_ABSTIME, &s, NULL));
  read_count("blocking read", b);
  printf("  waited at least 20ms: %d\n", now_ns(CLOCK_MONOTONIC) - t0 >= 20 * 1000000);
  /* In the past: expired at once. */
  s = spec(now_ns(CLOCK_REALTIME) - 1000000000, 0);
  timerfd_settime(b, TFD_TIMER_ABSTIME, &s, NULL);
  read_count("absolute time in the past", b);

  /* Edge-triggered epoll: one event until the expirations are read
   * (Linux re-arms a periodic timer on read). */
  int ep = epoll_create1(0);
  struct epoll_event e = {.events = EPOLLIN | EPOLLET, .data.u64 = 7}, out;
  epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
  s = spec(10 * 1000000, 10 * 1000000);
  timerfd_settime(fd, 0, &s, NULL);
  int events = 0;
  for (int i = 0; i < 3; i++) {
    events += epoll_wait(ep, &out, 1, 100);
  }
  printf("epoll EPOLLET, 3 waits of 100ms without a read: %d events\n", events);
  count = 0;
  read(fd, &count, sizeof count);
  printf("read after them: more than 10 expirations: %d\n", count > 10);
  printf("epoll EPOLLET after the read: %d\n", epoll_wait(ep, &out, 1, 5000));

  /* A forked child shares the timer. */
  s = spec(20 * 1000000, 0);
  timerfd_settime(b, 0, &s, NULL);
  pid_t child = fork();
  if (child == 0) {
    read_count("child's blocking read", b);
    _exit(0);
  }
  waitpid(child, NULL, 0);
  read_count("parent after the child read", fd == b ? b : (fcntl(b, F_SETFL, O_NONBLOCK), b));

  /* Errors. */
  printf("bad clock: %s\n", timerfd_create(12345, 0) < 0 ? err_name(errno) : "ok");
  printf("bad flags: %s\n", timerfd_create(CLOCK_MONOTONIC, 0x10) < 0 ? err_name(errno) : "ok");
  s = spec(0, 0);
  s.it_value.tv_nsec = 1000000000;
  printf("nsec too large: %s\n", timerfd_settime(fd, 0, &s, NULL) < 0 ? err_name(errno) : "ok");
  s = spec(1000000, 0);
  printf("bad settime flags: %s\n", timerfd_settime(fd, 0x40, &s, NULL) < 0 ? err_name(errno) : "ok");
  int pp[2];
  if (pipe(pp) != 0) return 1;
  printf("settime on a pipe: %s\n", timerfd_settime(pp[0], 0, &s, NULL) < 0 ? err_name(errno) : "ok");
  printf("gettime to a bad pointer: %s\n", timerfd_gettime(fd, (struct itimerspec *)8) < 0 ? err_name(errno) : "ok");
  uint32_t small;
  printf("read into 4 bytes: %s\n", read(fd, &small, sizeof small) < 0 ? err_name(errno) : "ok");
  return 0;
}
