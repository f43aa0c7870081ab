/* pidfd_open(PIDFD_THREAD): a pidfd for one task, a thread as well as a
 * process. It polls readable when that task exits (and hangs up once it
 * is gone), a signal sent through it goes to that thread, and waitid
 * (P_PIDFD) treats it as the pid it names: a child's leader is waited
 * for as usual, another thread is nobody's child. */
#include "proc.h"

#include <poll.h>
#include <pthread.h>
#include <sys/syscall.h>

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif
#ifndef PIDFD_NONBLOCK
#define PIDFD_NONBLOCK O_NONBLOCK
#endif

static int pidfd_open(pid_t pid, unsigned flags) { return (int)syscall(SYS_pidfd_open, pid, flags); }
static int pidfd_send_signal(int fd, int sig, unsigned flags) {
  return (int)syscall(SYS_pidfd_send_signal, fd, sig, NULL, flags);
}

static const char *poll_str(int fd, int timeout_ms) {
  struct pollfd p = {.fd = fd, .events = POLLIN};
  int n = poll(&p, 1, timeout_ms);
  static char buf[64];
  snprintf(buf, sizeof buf, "%d%s%s", n, (p.revents & POLLIN) ? " IN" : "", (p.revents & POLLHUP) ? " HUP" : "");
  return buf;
}
static const char *res(int r) { return r >= 0 ? "OK" : err_name(errno); }

static int go[2];
static volatile pid_t worker_tid;
static volatile pid_t handled_in;
static void on_usr1(int sig) { (void)sig; handled_in = (pid_t)syscall(SYS_gettid); }

static void *worker(void *arg) {
  (void)arg;
  worker_tid = (pid_t)syscall(SYS_gettid);
  char c;
  while (read(go[0], &c, 1) < 0 && errno == EINTR) {}
  return NULL;
}

int main(void) {
  struct sigaction sa = {.sa_handler = on_usr1, .sa_flags = SA_RESTART};
  sigaction(SIGUSR1, &sa, NULL);

  int self = pidfd_open(getpid(), PIDFD_THREAD);
  printf("own process, PIDFD_THREAD: %s", res(self));
  if (self >= 0) {
    int fl = fcntl(self, F_GETFL), fd_fl = fcntl(self, F_GETFD);
    printf(", F_GETFL PIDFD_THREAD %s, O_NONBLOCK %s, close-on-exec %s", (fl & PIDFD_THREAD) ? "set" : "clear",
           (fl & O_NONBLOCK) ? "set" : "clear", (fd_fl & FD_CLOEXEC) ? "yes" : "no");
  }
  printf("; poll %s\n", self >= 0 ? poll_str(self, 0) : "-");
  int both = pidfd_open(getpid(), PIDFD_THREAD | PIDFD_NONBLOCK);
  printf("PIDFD_THREAD | PIDFD_NONBLOCK: %s, F_GETFL O_NONBLOCK %s\n", res(both),
         both >= 0 && (fcntl(both, F_GETFL) & O_NONBLOCK) ? "set" : "clear");
  printf("an unknown flag: %s\n", res(pidfd_open(getpid(), PIDFD_THREAD | 1)));
  printf("waitid(P_PIDFD) on our own thread pidfd: %s\n", res(waitid(P_PIDFD, self, NULL, WEXITED | WNOHANG)));

  /* A thread of ours. */
  pipe(go);
  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
  while (!worker_tid) usleep(1000);
  pid_t tid = worker_tid;
  printf("thread, no flag: %s\n", res(pidfd_open(tid, 0)));
  int tfd = pidfd_open(tid, PIDFD_THREAD);
  printf("thread, PIDFD_THREAD: %s; poll %s\n", res(tfd), poll_str(tfd, 0));
  printf("signal through it: %s", res(pidfd_send_signal(tfd, SIGUSR1, 0)));
  for (int i = 0; i < 2000 && !handled_in; i++) usleep(1000);
  printf(", handled in %s\n", handled_in == tid ? "that thread" : handled_in ? "another thread" : "no thread");
  handled_in = 0;
  printf("signal to its group (PIDFD_SIGNAL_THREAD_GROUP): %s\n", res(pidfd_send_signal(tfd, 0, 2)));
  printf("waitid(P_PIDFD) on it: %s\n", res(waitid(P_PIDFD, tfd, NULL, WEXITED | WNOHANG)));
  write(go[1], "x", 1);
  pthread_join(t, NULL);
  printf("after the thread's exit: poll %s", poll_str(tfd, 2000));
  printf("; process pidfd poll %s\n", poll_str(self, 0));
  printf("signal through it now: %s\n", res(pidfd_send_signal(tfd, 0, 0)));
  printf("waitid(P_PIDFD) on it now: %s\n", res(waitid(P_PIDFD, tfd, NULL, WEXITED | WNOHANG)));
  printf("pidfd_open of the gone thread: %s\n", res(pidfd_open(tid, PIDFD_THREAD)));
  close(tfd);

  /* A child whose leader leaves before its other thread: the thread pidfd
   * of the leader is readable then, the process pidfd only when the whole
   * group has ended. */
  int release[2];
  pipe(release);
  pid_t child = fork();
  if (child == 0) {
    close(release[1]);
    go[0] = release[0];
    pthread_t ct;
    pthread_create(&ct, NULL, worker, NULL);
    pthread_exit(NULL);
  }
  close(release[0]);
  int leader = pidfd_open(child, PIDFD_THREAD), group = pidfd_open(child, 0);
  printf("child: thread pidfd %s, process pidfd %s\n", res(leader), res(group));
  printf("its leader left: thread pidfd poll %s", poll_str(leader, 2000));
  printf(", process pidfd poll %s\n", poll_str(group, 0));
  printf("process pidfd for it then: %s\n", res(pidfd_open(child, 0) >= 0 ? 0 : -1));
  siginfo_t si = {0};
  printf("waitid(P_PIDFD, thread pidfd, WNOHANG): %s, pid %s\n",
         res(waitid(P_PIDFD, leader, &si, WEXITED | WNOHANG)), si.si_pid ? "set" : "0");
  write(release[1], "x", 1);
  printf("the last thread left: process pidfd poll %s", poll_str(group, 2000));
  printf(", thread pidfd poll %s\n", poll_str(leader, 0));
  memset(&si, 0, sizeof si);
  int r = waitid(P_PIDFD, leader, &si, WEXITED);
  printf("waitid(P_PIDFD, thread pidfd): %s, %s, code %s, status %d\n", res(r), si.si_pid == child ? "the child" : "?",
         si.si_code == CLD_EXITED ? "CLD_EXITED" : "other", si.si_status);
  printf("after the reap: thread pidfd poll %s, process pidfd poll %s\n", poll_str(leader, 0), poll_str(group, 0));
  printf("waitid(P_PIDFD) again: %s\n", res(waitid(P_PIDFD, leader, NULL, WEXITED | WNOHANG)));
  return 0;
}
