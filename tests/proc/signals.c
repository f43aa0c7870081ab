/* Signal delivery between processes: SA_SIGINFO (si_pid, si_code, si_uid)
 * for a kill from a child, SA_RESTART vs EINTR on a blocking pipe read
 * interrupted by a child's signal, sigprocmask + sigpending + unblock,
 * sigsuspend, SA_RESETHAND, SA_NODEFER, handler masks, kill errors. */
#include "proc.h"

static volatile sig_atomic_t got, got_signo, got_code, got_pid_ok, depth, max_depth, order[8], norder;
static pid_t expect_pid;

static void info_handler(int s, siginfo_t *si, void *uc) {
  (void)uc;
  got++;
  got_signo = s;
  got_code = si->si_code;
  got_pid_ok = si->si_pid == expect_pid;
}
static void count_handler(int s) { got++; got_signo = s; if (norder < 8) order[norder++] = s; }
static volatile sig_atomic_t calls;
static void nested_handler(int s) {
  depth++;
  calls++;
  if (depth > max_depth) max_depth = depth;
  if (calls == 1) raise(s);  /* with SA_NODEFER this nests; without, it waits until we return */
  depth--;
}
static void mask_probe(int s) {
  sigset_t cur;
  sigprocmask(SIG_BLOCK, NULL, &cur);
  got = sigismember(&cur, SIGUSR2) * 2 + sigismember(&cur, s);
}

static const char *code_name(int c) {
  switch (c) {
  case SI_USER: return "SI_USER"; case SI_TKILL: return "SI_TKILL"; case SI_QUEUE: return "SI_QUEUE";
  case SI_KERNEL: return "SI_KERNEL";
  }
  return "other";
}

/* A child that sends SIG to the parent after DELAY ms, then writes a byte to FD after DELAY2 ms. */
static pid_t sender(int sig, int delay, int fd, int delay2) {
  pid_t parent = getpid();
  pid_t c = fork();
  if (c == 0) {
    sleep_ms(delay);
    kill(parent, sig);
    if (fd >= 0) { sleep_ms(delay2); write(fd, "d", 1); }
    _exit(0);
  }
  return c;
}

int main(void) {
  struct sigaction sa;

  /* SA_SIGINFO: the handler sees who sent it. */
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = info_handler;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGUSR1, &sa, NULL);
  {
    sigset_t m, old;
    sigemptyset(&m);
    sigaddset(&m, SIGUSR1);
    sigprocmask(SIG_BLOCK, &m, &old);
    pid_t c = sender(SIGUSR1, 0, -1, 0);
    expect_pid = c;
    got = 0;
    sigsuspend(&old);
    sigprocmask(SIG_SETMASK, &old, NULL);
    wait_for(c);
    printf("SA_SIGINFO from a child's kill: got=%d signo=%s si_code=%s si_pid is the child=%d\n", (int)got,
           sig_name(got_signo), code_name(got_code), (int)got_pid_ok);
    expect_pid = getpid();
    got = 0;
    raise(SIGUSR1);
    printf("SA_SIGINFO from raise: got=%d si_code=%s si_pid is self=%d\n", (int)got, code_name(got_code),
           (int)got_pid_ok);
    got = 0;
    kill(getpid(), SIGUSR1);
    printf("SA_SIGINFO from kill(getpid()): got=%d si_code=%s si_pid is self=%d\n", (int)got,
           code_name(got_code), (int)got_pid_ok);
  }

  /* EINTR vs SA_RESTART on a blocking read of a pipe. */
  for (int restart = 0; restart <= 1; restart++) {
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = count_handler;
    sa.sa_flags = restart ? SA_RESTART : 0;
    sigaction(SIGUSR2, &sa, NULL);
    int p[2];
    CHECK(pipe(p) == 0);
    got = 0;
    pid_t c = sender(SIGUSR2, 100, p[1], 100);
    char buf[4];
    errno = 0;
    ssize_t n = read(p[0], buf, sizeof buf);
    int e = errno;
    printf("read interrupted by a child's SIGUSR2, %s: returned %zd %s, handler ran %d\n",
           restart ? "SA_RESTART" : "no SA_RESTART", n, n < 0 ? err_name(e) : "(data)", (int)got);
    wait_for(c);
    close(p[0]);
    close(p[1]);
  }
  /* Also nanosleep and wait: EINTR regardless of SA_RESTART for nanosleep. */
  {
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = count_handler;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR2, &sa, NULL);
    got = 0;
    pid_t c = sender(SIGUSR2, 50, -1, 0);
    struct timespec ts = {5, 0}, rem = {0, 0};
    errno = 0;
    int r = nanosleep(&ts, &rem);
    printf("nanosleep(5 s) interrupted, SA_RESTART: %d %s, remaining > 1 s: %s, handler ran %d\n", r,
           err_name(errno), rem.tv_sec >= 1 ? "yes" : "no", (int)got);
    wait_for(c);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = count_handler;
    sigaction(SIGUSR2, &sa, NULL);
    int p[2];
    pipe(p);
    pid_t parent = getpid();
    c = fork();
    /* The child waits a little before signalling, so the parent is inside
       waitpid (natively the signal could otherwise land before it). */
    got = 0;
    if (c == 0) { char b; read(p[0], &b, 1); sleep_ms(50); kill(parent, SIGUSR2); sleep_ms(100); _exit(4); }
    write(p[1], "g", 1);
    int st;
    errno = 0;
    r = waitpid(c, &st, 0);
    printf("waitpid interrupted by the child's signal, no SA_RESTART: %s, handler ran %d\n",
           r < 0 ? err_name(errno) : "returned the child", (int)got);
    if (r < 0) st = wait_for(c);
    printf("  child %s\n", status_str(st));
    close(p[0]); close(p[1]);
  }

  /* sigprocmask: a blocked signal stays pending, unblocking delivers it (before sigprocmask returns). */
  {
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = count_handler;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigset_t m, pend;
    sigemptyset(&m);
    sigaddset(&m, SIGUSR1);
    sigaddset(&m, SIGHUP);
    sigprocmask(SIG_BLOCK, &m, NULL);
    got = 0;
    norder = 0;
    raise(SIGUSR1);
    raise(SIGUSR1);  /* standard signals do not queue */
    pid_t c = fork();
    if (c == 0) { kill(getppid(), SIGHUP); _exit(0); }
    wait_for(c);
    sigpending(&pend);
    printf("blocked: handler ran %d, pending USR1=%d HUP=%d USR2=%d\n", (int)got, sigismember(&pend, SIGUSR1),
           sigismember(&pend, SIGHUP), sigismember(&pend, SIGUSR2));
    pid_t fc = fork();
    if (fc == 0) {
      sigset_t cp;
      sigpending(&cp);
      sigset_t cm;
      sigprocmask(SIG_BLOCK, NULL, &cm);
      printf("forked child: pending USR1=%d (cleared), mask USR1=%d (inherited)\n", sigismember(&cp, SIGUSR1),
             sigismember(&cm, SIGUSR1));
      _exit(0);
    }
    wait_for(fc);
    sigprocmask(SIG_UNBLOCK, &m, NULL);
    printf("after unblock: handler ran %d times (USR1 once, HUP once)\n", (int)got);
    sigpending(&pend);
    printf("pending after unblock: USR1=%d HUP=%d\n", sigismember(&pend, SIGUSR1), sigismember(&pend, SIGHUP));
    /* SIG_SETMASK returns the old mask; SIGKILL/SIGSTOP cannot be blocked. */
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, &old);
    sigset_t now;
    sigprocmask(SIG_SETMASK, &old, &now);
    printf("block everything: SIGKILL blocked=%d SIGSTOP blocked=%d SIGTERM blocked=%d\n",
           sigismember(&now, SIGKILL), sigismember(&now, SIGSTOP), sigismember(&now, SIGTERM));
    /* Ignoring a pending signal discards it. */
    sigprocmask(SIG_BLOCK, &m, NULL);
    raise(SIGUSR1);
    signal(SIGUSR1, SIG_IGN);
    sigpending(&pend);
    int after_ign = sigismember(&pend, SIGUSR1);
    sigaction(SIGUSR1, &sa, NULL);
    got = 0;
    sigprocmask(SIG_UNBLOCK, &m, NULL);
    printf("pending USR1 discarded by SIG_IGN: pending=%d, handler ran %d\n", after_ign, (int)got);
  }

  /* sigsuspend: waits with a temporary mask, returns EINTR, restores the mask. */
  {
    sigset_t m, old, during;
    sigemptyset(&m);
    sigaddset(&m, SIGUSR1);
    sigaddset(&m, SIGUSR2);
    sigprocmask(SIG_BLOCK, &m, &old);
    got = 0;
    norder = 0;
    pid_t c = fork();
    if (c == 0) { kill(getppid(), SIGUSR2); kill(getppid(), SIGUSR1); _exit(0); }
    wait_for(c);
    during = old;
    sigaddset(&during, SIGUSR2);  /* only USR1 may arrive during sigsuspend */
    errno = 0;
    int r = sigsuspend(&during);
    int e = errno;
    sigset_t now, pend;
    sigprocmask(SIG_BLOCK, NULL, &now);
    sigpending(&pend);
    printf("sigsuspend: %d %s, handler ran %d (%s), mask restored: %d, USR2 still pending: %d\n", r, err_name(e),
           (int)got, norder ? sig_name(order[0]) : "-", sigismember(&now, SIGUSR1) && sigismember(&now, SIGUSR2),
           sigismember(&pend, SIGUSR2));
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("after restoring the mask: handler ran %d, last %s\n", (int)got, sig_name(got_signo));
  }

  /* The handler's mask: sa_mask plus the signal itself (unless SA_NODEFER). */
  {
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = mask_probe;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR2);
    sigaction(SIGHUP, &sa, NULL);
    got = -1;
    raise(SIGHUP);
    printf("in handler: SIGUSR2 (sa_mask) blocked=%d, SIGHUP itself blocked=%d\n", (int)got / 2, (int)got % 2);
    sa.sa_flags = SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGHUP, &sa, NULL);
    got = -1;
    raise(SIGHUP);
    printf("SA_NODEFER: SIGHUP itself blocked=%d\n", (int)got % 2);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = nested_handler;
    sigaction(SIGINT, &sa, NULL);
    depth = max_depth = calls = 0;
    raise(SIGINT);
    printf("raise from inside its own handler: max nesting %d, calls %d\n", (int)max_depth, (int)calls);
    sa.sa_flags = SA_NODEFER;
    sigaction(SIGINT, &sa, NULL);
    depth = max_depth = calls = 0;
    raise(SIGINT);
    printf("same with SA_NODEFER: max nesting %d, calls %d\n", (int)max_depth, (int)calls);
  }

  /* SA_RESETHAND: one-shot handler, then the default action applies. */
  {
    pid_t c = fork();
    if (c == 0) {
      memset(&sa, 0, sizeof sa);
      sa.sa_handler = count_handler;
      sa.sa_flags = SA_RESETHAND;
      sigaction(SIGUSR1, &sa, NULL);
      got = 0;
      raise(SIGUSR1);
      struct sigaction now;
      sigaction(SIGUSR1, NULL, &now);
      printf("SA_RESETHAND: handler ran %d, disposition now %s\n", (int)got,
             now.sa_handler == SIG_DFL ? "default" : "still the handler");
      raise(SIGUSR1);
      _exit(0);
    }
    printf("  second SIGUSR1: %s\n", status_str(wait_for(c)));
  }

  /* kill(): errors and special pids. */
  {
    errno = 0;
    int r = kill(getpid(), 0);
    printf("kill(self, 0): %d %s\n", r, err_name(errno));
    pid_t c = fork();
    if (c == 0) _exit(0);
    wait_for(c);
    errno = 0;
    r = kill(c, 0);
    printf("kill(reaped child, 0): %d %s\n", r, err_name(errno));
    errno = 0;
    r = kill(getpid(), 99);
    printf("kill(self, 99): %d %s\n", r, err_name(errno));
    errno = 0;
    r = kill(getpid(), -1);
    printf("kill(self, -1): %d %s\n", r, err_name(errno));
    errno = 0;
    r = sigaction(SIGKILL, &sa, NULL);
    printf("sigaction(SIGKILL): %d %s\n", r, err_name(errno));
    errno = 0;
    r = sigaction(SIGSTOP, &sa, NULL);
    printf("sigaction(SIGSTOP): %d %s\n", r, err_name(errno));
    errno = 0;
    r = sigaction(0, &sa, NULL);
    printf("sigaction(0): %d %s\n", r, err_name(errno));
    /* A zombie can still be signalled (kill returns 0) until it is reaped. */
    c = fork();
    if (c == 0) _exit(0);
    siginfo_t si;
    waitid(P_PID, c, &si, WEXITED | WNOWAIT);
    errno = 0;
    r = kill(c, SIGTERM);
    printf("kill(zombie child, SIGTERM): %d %s\n", r, err_name(errno));
    printf("  zombie still %s\n", status_str(wait_for(c)));
  }
  return 0;
}
