/* The signal mask argument of ppoll, pselect6, epoll_pwait and
 * epoll_pwait2: the wait runs under it, so a blocked signal that it
 * unblocks interrupts the wait (EINTR, its handler runs) whether it was
 * pending before the call or arrives during it; the caller's mask is back
 * afterwards either way; ready descriptors win over a pending signal,
 * which stays pending; a wrong sigset size is EINVAL. */
#include "proc.h"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/syscall.h>

static volatile sig_atomic_t handled;
static void on_usr1(int sig) { (void)sig; handled++; }

static int usr1_blocked(void) {
  sigset_t now;
  sigprocmask(SIG_BLOCK, NULL, &now);
  return sigismember(&now, SIGUSR1);
}

enum { PPOLL, PSELECT, EPOLL_PWAIT, EPOLL_PWAIT2 };
static const char *names[] = {"ppoll", "pselect", "epoll_pwait", "epoll_pwait2"};

/* One wait of 2 s on `fd` (-1: nothing to wait for) under an empty mask. */
static int wait_with_mask(int how, int fd, int epfd, size_t sigsize) {
  sigset_t empty;
  sigemptyset(&empty);
  struct timespec two = {2, 0};
  switch (how) {
  case PPOLL: {
    struct pollfd p = {fd, POLLIN, 0};
    return syscall(SYS_ppoll, &p, fd >= 0 ? 1 : 0, &two, &empty, sigsize);
  }
  case PSELECT: {
    fd_set rd;
    FD_ZERO(&rd);
    if (fd >= 0) FD_SET(fd, &rd);
    struct { const sigset_t *ss; size_t len; } arg = {&empty, sigsize};
    return syscall(SYS_pselect6, fd + 1, &rd, NULL, NULL, &two, &arg);
  }
  case EPOLL_PWAIT: {
    struct epoll_event ev;
    return syscall(SYS_epoll_pwait, epfd, &ev, 1, 2000, &empty, sigsize);
  }
  default: {
    struct epoll_event ev;
    return syscall(SYS_epoll_pwait2, epfd, &ev, 1, &two, &empty, sigsize);
  }
  }
}

static void report(const char *label, int r) {
  printf("  %s: %s, handler ran %d, SIGUSR1 blocked after: %s\n", label, r < 0 ? err_name(errno) : "ready",
         (int)handled, usr1_blocked() ? "yes" : "no");
  handled = 0;
}

int main(void) {
  struct sigaction sa = {.sa_handler = on_usr1};
  sigaction(SIGUSR1, &sa, NULL);
  sigset_t usr1;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  sigprocmask(SIG_BLOCK, &usr1, NULL);
  int pipefd[2];
  pipe(pipefd);
  int epfd = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = pipefd[0]};
  epoll_ctl(epfd, EPOLL_CTL_ADD, pipefd[0], &ev);

  for (int how = PPOLL; how <= EPOLL_PWAIT2; how++) {
    printf("%s:\n", names[how]);
    raise(SIGUSR1);
    report("pending before, unblocked by the mask", wait_with_mask(how, pipefd[0], epfd, 8));

    pid_t parent = getpid();
    pid_t child = fork();
    if (child == 0) {
      usleep(100000);
      kill(parent, SIGUSR1);
      _exit(0);
    }
    report("sent during the wait", wait_with_mask(how, pipefd[0], epfd, 8));
    waitpid(child, NULL, 0);

    write(pipefd[1], "x", 1);
    raise(SIGUSR1);
    report("ready descriptor and a pending signal", wait_with_mask(how, pipefd[0], epfd, 8));
    sigset_t pending;
    sigpending(&pending);
    printf("  SIGUSR1 still pending: %s\n", sigismember(&pending, SIGUSR1) ? "yes" : "no");
    char c;
    read(pipefd[0], &c, 1);
    /* Take the pending one now, under the caller's own mask. */
    sigprocmask(SIG_UNBLOCK, &usr1, NULL);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    handled = 0;

    report("sigset size 4", wait_with_mask(how, pipefd[0], epfd, 4));
  }
  return 0;
}
