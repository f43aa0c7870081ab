/* pidfds: pidfd_open's errors, readiness once the process ends (poll and
 * epoll, before and after the reap), pidfd_send_signal with and without a
 * siginfo, waitid(P_PIDFD) blocking and with PIDFD_NONBLOCK, and
 * pidfd_getfd of another process's descriptor. */
#include "proc.h"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/syscall.h>

#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif
#ifndef __NR_pidfd_send_signal
#define __NR_pidfd_send_signal 424
#endif
#ifndef __NR_pidfd_getfd
#define __NR_pidfd_getfd 438
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#define PIDFD_NONBLOCK O_NONBLOCK

static int pidfd_open(pid_t pid, unsigned flags) { return (int)syscall(__NR_pidfd_open, pid, flags); }
static int pidfd_send_signal(int fd, int sig, siginfo_t *info, unsigned flags) {
  return (int)syscall(__NR_pidfd_send_signal, fd, sig, info, flags);
}
static int pidfd_getfd(int fd, int target, unsigned flags) { return (int)syscall(__NR_pidfd_getfd, fd, target, flags); }

static void show(const char *what, int r) {
  if (r < 0) printf("%s: %s\n", what, err_name(errno));
  else printf("%s: %d\n", what, r);
}

static const char *ready(int fd, int timeout_ms) {
  struct pollfd p = {.fd = fd, .events = POLLIN};
  int n = poll(&p, 1, timeout_ms);
  static char buf[64];
  snprintf(buf, sizeof buf, "%d%s%s", n, (p.revents & POLLIN) ? " POLLIN" : "", (p.revents & POLLHUP) ? " POLLHUP" : "");
  return buf;
}

static void show_waitid(const char *what, int r, const siginfo_t *si) {
  if (r < 0) { printf("%s: %s\n", what, err_name(errno)); return; }
  const char *code = si->si_code == CLD_EXITED ? "CLD_EXITED" : si->si_code == CLD_KILLED ? "CLD_KILLED" : "other";
  printf("%s: %d, %s, status %d\n", what, r, si->si_pid ? code : "nothing", si->si_status);
}

/* A child that waits for its stdin pipe to close (or a signal). */
static pid_t waiting_child(int *release) {
  int p[2];
  pipe(p);
  pid_t pid = fork();
  if (pid == 0) {
    close(p[1]);
    char c;
    read(p[0], &c, 1);
    _exit(3);
  }
  close(p[0]);
  *release = p[1];
  return pid;
}

static volatile int got_code = 99, got_signo;
static void on_usr1(int sig, siginfo_t *si, void *ctx) {
  (void)ctx;
  got_signo = sig;
  got_code = si->si_code;
}

int main(void) {
  printf("-- pidfd_open\n");
  int self = pidfd_open(getpid(), 0);
  printf("self: %s, cloexec %d\n", RES(self), (fcntl(self, F_GETFD) & FD_CLOEXEC) != 0);
  show("pid 0", pidfd_open(0, 0));
  show("pid -1", pidfd_open(-1, 0));
  show("flags 1", pidfd_open(getpid(), 1));
  char c;
  show("read", (int)read(self, &c, 1));
  printf("self ready: %s\n", ready(self, 0));
  siginfo_t si;
  memset(&si, 0, sizeof si);
  show("waitid on self", waitid(P_PIDFD, self, &si, WEXITED | WNOHANG));
  int pipefd[2];
  pipe(pipefd);
  show("waitid on a pipe", waitid(P_PIDFD, pipefd[0], &si, WEXITED));
  show("send_signal on a pipe", pidfd_send_signal(pipefd[0], 0, NULL, 0));

  printf("-- a child killed through its pidfd\n");
  int release;
  pid_t child = waiting_child(&release);
  int pfd = pidfd_open(child, 0);
  printf("open: %s\n", RES(pfd));
  printf("ready while alive: %s\n", ready(pfd, 0));
  show("signal 0", pidfd_send_signal(pfd, 0, NULL, 0));
  show("flags 8", pidfd_send_signal(pfd, SIGTERM, NULL, 8));
  show("two scopes", pidfd_send_signal(pfd, SIGTERM, NULL, 3));
  show("signal 0 to the thread", pidfd_send_signal(pfd, 0, NULL, 1));
  show("signal 0 to the group", pidfd_send_signal(pfd, 0, NULL, 2));
  show("signal 65", pidfd_send_signal(pfd, 65, NULL, 0));
  memset(&si, 0, sizeof si);
  si.si_signo = SIGTERM;
  si.si_code = SI_USER;
  show("siginfo SI_USER to another process", pidfd_send_signal(pfd, SIGTERM, &si, 0));
  si.si_signo = SIGUSR2;
  si.si_code = SI_QUEUE;
  show("siginfo of another signal", pidfd_send_signal(pfd, SIGTERM, &si, 0));
  show("SIGTERM", pidfd_send_signal(pfd, SIGTERM, NULL, 0));
  printf("ready once ended: %s\n", ready(pfd, 5000));
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 7}, out;
  epoll_ctl(ep, EPOLL_CTL_ADD, pfd, &ev);
  int n = epoll_wait(ep, &out, 1, 1000);
  printf("epoll: %d, data %u, EPOLLIN %d\n", n, n > 0 ? out.data.u32 : 0, n > 0 && (out.events & EPOLLIN));
  close(ep);
  show("signal 0 to the zombie", pidfd_send_signal(pfd, 0, NULL, 0));
  memset(&si, 0, sizeof si);
  show_waitid("waitid WNOWAIT", waitid(P_PIDFD, pfd, &si, WEXITED | WNOWAIT), &si);
  memset(&si, 0, sizeof si);
  show_waitid("waitid", waitid(P_PIDFD, pfd, &si, WEXITED), &si);
  printf("ready once reaped: %s\n", ready(pfd, 0));
  show("signal once reaped", pidfd_send_signal(pfd, SIGTERM, NULL, 0));
  show("waitid once reaped", waitid(P_PIDFD, pfd, &si, WEXITED));
  show("pidfd_open once reaped", pidfd_open(child, 0));
  close(release);
  close(pfd);

  printf("-- a blocking waitid for a child that exits\n");
  child = fork();
  if (child == 0) {
    sleep_ms(50);
    _exit(7);
  }
  pfd = pidfd_open(child, 0);
  memset(&si, 0, sizeof si);
  show_waitid("waitid", waitid(P_PIDFD, pfd, &si, WEXITED), &si);
  close(pfd);

  printf("-- PIDFD_NONBLOCK\n");
  child = waiting_child(&release);
  pfd = pidfd_open(child, PIDFD_NONBLOCK);
  printf("O_NONBLOCK: %d\n", (fcntl(pfd, F_GETFL) & O_NONBLOCK) != 0);
  memset(&si, 0, sizeof si);
  show("waitid while alive", waitid(P_PIDFD, pfd, &si, WEXITED));
  show_waitid("waitid WNOHANG while alive", waitid(P_PIDFD, pfd, &si, WEXITED | WNOHANG), &si);
  close(release);
  printf("ready: %s\n", ready(pfd, 5000));
  memset(&si, 0, sizeof si);
  show_waitid("waitid once ended", waitid(P_PIDFD, pfd, &si, WEXITED), &si);
  close(pfd);

  printf("-- siginfo to ourselves\n");
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_usr1;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGUSR1, &sa, NULL);
  memset(&si, 0, sizeof si);
  si.si_signo = SIGUSR1;
  si.si_code = SI_QUEUE;
  show("SI_QUEUE", pidfd_send_signal(self, SIGUSR1, &si, 0));
  printf("handler: %s, code %s\n", sig_name(got_signo), got_code == SI_QUEUE ? "SI_QUEUE" : "other");
  show("without siginfo", pidfd_send_signal(self, SIGUSR1, NULL, 0));
  printf("handler: code %s\n", got_code == SI_USER ? "SI_USER" : "other");
  show("bad siginfo pointer", pidfd_send_signal(self, SIGUSR1, (siginfo_t *)8, 0));
  /* The first form of the interface: a /proc/<pid> directory's descriptor. */
  char procdir[32];
  snprintf(procdir, sizeof procdir, "/proc/%d", getpid());
  int pd = open(procdir, O_RDONLY | O_DIRECTORY);
  got_code = 99;
  show("through /proc/<pid>", pidfd_send_signal(pd, SIGUSR1, NULL, 0));
  printf("handler: code %s\n", got_code == SI_USER ? "SI_USER" : "other");
  show("waitid on /proc/<pid>", waitid(P_PIDFD, pd, &si, WEXITED | WNOHANG));
  close(pd);
  pd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY);
  show("through /proc/self/fd", pidfd_send_signal(pd, 0, NULL, 0));
  close(pd);
  pd = open("/", O_RDONLY | O_DIRECTORY);
  show("through /", pidfd_send_signal(pd, 0, NULL, 0));
  close(pd);

  printf("-- pidfd_getfd\n");
  int fds[2], handshake[2];
  pipe(handshake);
  child = fork();
  if (child == 0) {
    close(handshake[0]);
    pipe(fds);
    write(fds[1], "from the child", 14);
    char num = (char)fds[0];
    write(handshake[1], &num, 1);
    pause();
    _exit(0);
  }
  close(handshake[1]);
  char num = 0;
  read(handshake[0], &num, 1);
  pfd = pidfd_open(child, 0);
  show("flags 1", pidfd_getfd(pfd, num, 1));
  show("no such fd", pidfd_getfd(pfd, 200, 0));
  int got = pidfd_getfd(pfd, num, 0);
  printf("getfd: %s, cloexec %d\n", RES(got), (fcntl(got, F_GETFD) & FD_CLOEXEC) != 0);
  char buf[32] = {0};
  ssize_t r = read(got, buf, sizeof buf - 1);
  printf("read: %zd \"%s\"\n", r, r > 0 ? buf : "");
  pidfd_send_signal(pfd, SIGKILL, NULL, 0);
  memset(&si, 0, sizeof si);
  show_waitid("waitid", waitid(P_PIDFD, pfd, &si, WEXITED), &si);
  show("getfd once reaped", pidfd_getfd(pfd, num, 0));
  int mine = pidfd_getfd(self, 1, 0);
  printf("getfd of our own stdout: %s\n", RES(mine));
  write(mine, "through the copy\n", 17);
  return 0;
}
