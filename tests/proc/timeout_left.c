/* select, pselect6 and ppoll write the time left back to their timeout:
 * after a descriptor became ready, after the timeout (zero) and after a
 * signal interrupted them (EINTR). glibc's select() shows what the kernel
 * wrote (on riscv64 it is built on pselect6 and copies the time back);
 * pselect6 and ppoll are called directly, glibc's wrappers hide it. Times
 * are printed as bounds only. */
#include "proc.h"

#include <poll.h>
#include <sys/select.h>
#include <sys/syscall.h>

static void on_usr1(int sig) { (void)sig; }

/* A child that writes to `fd` or signals us after 100 ms. */
static pid_t later(int fd) {
  pid_t parent = getpid();
  pid_t child = fork();
  if (child == 0) {
    usleep(100000);
    if (fd >= 0) write(fd, "x", 1);
    else kill(parent, SIGUSR1);
    _exit(0);
  }
  return child;
}

static const char *range(long long ns, long long lo, long long hi) {
  return ns >= lo && ns <= hi ? "within bounds" : "OUT OF BOUNDS";
}

static void one(const char *name, int how, int rd, int wr, int signal_it, int timeout_ms) {
  pid_t child = timeout_ms > 0 ? later(signal_it ? -1 : wr) : 0;
  long long left_ns;
  int r;
  if (how == 0) {
    fd_set set;
    FD_ZERO(&set);
    FD_SET(rd, &set);
    struct timeval tv = {timeout_ms / 1000, timeout_ms % 1000 * 1000};
    r = select(rd + 1, &set, NULL, NULL, &tv);
    left_ns = tv.tv_sec * 1000000000LL + tv.tv_usec * 1000LL;
  } else {
    struct timespec ts = {timeout_ms / 1000, timeout_ms % 1000 * 1000000L};
    if (how == 1) {
      fd_set set;
      FD_ZERO(&set);
      FD_SET(rd, &set);
      r = syscall(SYS_pselect6, rd + 1, &set, NULL, NULL, &ts, NULL);
    } else {
      struct pollfd p = {rd, POLLIN, 0};
      r = syscall(SYS_ppoll, &p, 1, &ts, NULL, 8);
    }
    left_ns = ts.tv_sec * 1000000000LL + ts.tv_nsec;
  }
  int e = errno;
  if (child) waitpid(child, NULL, 0);
  long long t = timeout_ms * 1000000LL;
  const char *bound = timeout_ms == 0 || (r == 0) ? range(left_ns, 0, 0) : range(left_ns, t / 2, t - 50000000LL);
  printf("%s, %s: %s, time left %s\n", name, timeout_ms == 0 ? "zero timeout" : signal_it ? "a signal" : r == 0 ? "timeout" : "ready",
         r < 0 ? err_name(e) : r == 0 ? "0" : "1", bound);
  char c;
  if (r > 0) read(rd, &c, 1);
}

int main(void) {
  struct sigaction sa = {.sa_handler = on_usr1};
  sigaction(SIGUSR1, &sa, NULL);
  int p[2];
  pipe(p);
  const char *names[] = {"select", "pselect6", "ppoll"};
  for (int how = 0; how < 3; how++) {
    one(names[how], how, p[0], p[1], 0, 2000);  /* ready after 100 ms */
    one(names[how], how, p[0], p[1], 1, 2000);  /* EINTR after 100 ms */
    one(names[how], how, p[0], p[1], 0, 0);     /* nothing, at once */
  }
  /* A timeout that runs out: nothing writes. */
  for (int how = 0; how < 3; how++) {
    fd_set set;
    FD_ZERO(&set);
    FD_SET(p[0], &set);
    struct timeval tv = {0, 50000};
    struct timespec ts = {0, 50000000};
    struct pollfd pf = {p[0], POLLIN, 0};
    int r = how == 0 ? select(p[0] + 1, &set, NULL, NULL, &tv)
            : how == 1 ? (int)syscall(SYS_pselect6, p[0] + 1, &set, NULL, NULL, &ts, NULL)
                       : (int)syscall(SYS_ppoll, &pf, 1, &ts, NULL, 8);
    long long left = how == 0 ? tv.tv_sec * 1000000000LL + tv.tv_usec * 1000LL : ts.tv_sec * 1000000000LL + ts.tv_nsec;
    printf("%s, 50 ms run out: %d, time left %s\n", names[how], r, left == 0 ? "zero" : "NOT ZERO");
  }
  return 0;
}
