/* SIGCHLD: a handler counting children (one at a time, so signals cannot
 * merge), si_code/si_status in the SA_SIGINFO handler, merged SIGCHLDs
 * still reap all zombies, SIG_IGN / SA_NOCLDWAIT auto-reaping (ECHILD),
 * default disposition ignores it. */
#include "proc.h"

static volatile sig_atomic_t nchld, last_code, last_status, pid_ok;
static volatile pid_t last_pid;

static void on_chld(int s, siginfo_t *si, void *uc) {
  (void)s; (void)uc;
  nchld++;
  last_code = si->si_code;
  last_status = si->si_status;
  last_pid = si->si_pid;
}

static const char *cld_code(int c) {
  switch (c) {
  case CLD_EXITED: return "CLD_EXITED"; case CLD_KILLED: return "CLD_KILLED"; case CLD_DUMPED: return "CLD_DUMPED";
  case CLD_STOPPED: return "CLD_STOPPED"; case CLD_CONTINUED: return "CLD_CONTINUED";
  }
  return "other";
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_chld;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigaction(SIGCHLD, &sa, NULL);
  sigset_t chld, old;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);

  /* One child at a time: exactly one SIGCHLD each. */
  sigprocmask(SIG_BLOCK, &chld, &old);
  int right = 0;
  for (int i = 0; i < 5; i++) {
    int before = nchld;
    pid_t c = fork();
    if (c == 0) _exit(10 + i);
    while (nchld == before) sigsuspend(&old);
    right += last_pid == c && last_code == CLD_EXITED && last_status == 10 + i;
    wait_for(c);
  }
  sigprocmask(SIG_SETMASK, &old, NULL);
  printf("5 children one at a time: SIGCHLD handler ran %d times, si_pid/si_code/si_status right %d times\n",
         (int)nchld, right);

  /* Killed child: CLD_KILLED and the signal number in si_status. */
  sigprocmask(SIG_BLOCK, &chld, &old);
  int before = nchld;
  pid_t c = fork();
  if (c == 0) { for (;;) pause(); }
  kill(c, SIGTERM);
  while (nchld == before) sigsuspend(&old);
  sigprocmask(SIG_SETMASK, &old, NULL);
  printf("killed child: si_code=%s si_status=%s\n", cld_code(last_code), sig_name(last_status));
  wait_for(c);

  /* Several children exiting while SIGCHLD is blocked: one pending signal,
   * but a WNOHANG loop in the handler's aftermath reaps them all. */
  sigprocmask(SIG_BLOCK, &chld, &old);
  pid_t kids[6];
  for (int i = 0; i < 6; i++) {
    kids[i] = fork();
    if (kids[i] == 0) _exit(i);
  }
  siginfo_t si;
  for (int i = 0; i < 6; i++) {  /* wait until all six are zombies, without reaping */
    memset(&si, 0, sizeof si);
    waitid(P_PID, kids[i], &si, WEXITED | WNOWAIT);
  }
  before = nchld;
  sigprocmask(SIG_SETMASK, &old, NULL);
  int delivered = nchld - before;
  int reaped = 0, st, r;
  while (waitpid(-1, &st, WNOHANG) > 0) reaped++;
  printf("6 children exiting while SIGCHLD blocked: delivered %d time(s), reaped %d\n", delivered, reaped);

  /* Default disposition: SIGCHLD is ignored (the process is not killed), children become zombies. */
  signal(SIGCHLD, SIG_DFL);
  c = fork();
  if (c == 0) _exit(3);
  printf("SIG_DFL: child still waitable: %s\n", status_str(wait_for(c)));

  /* A grandchild's exit does not signal us; our child's does, once. */
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_chld;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGCHLD, &sa, NULL);
  sigprocmask(SIG_BLOCK, &chld, &old);
  before = nchld;
  c = fork();
  if (c == 0) {
    pid_t g = fork();
    if (g == 0) _exit(0);
    waitpid(g, NULL, 0);
    _exit(6);
  }
  while (nchld == before) sigsuspend(&old);
  sigprocmask(SIG_SETMASK, &old, NULL);
  wait_for(c);
  printf("child that had its own child: SIGCHLD %d time(s), status %d\n", (int)(nchld - before), (int)last_status);
  /* SA_NOCLDWAIT with a handler: no zombies, the handler still runs. */
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_chld;
  sa.sa_flags = SA_SIGINFO | SA_NOCLDWAIT;
  sigaction(SIGCHLD, &sa, NULL);
  sigprocmask(SIG_BLOCK, &chld, &old);
  before = nchld;
  c = fork();
  if (c == 0) _exit(5);
  while (nchld == before) sigsuspend(&old);
  sigprocmask(SIG_SETMASK, &old, NULL);
  errno = 0;
  r = waitpid(c, &st, 0);
  printf("SA_NOCLDWAIT: handler ran %d, waitpid -> %d %s\n", (int)(nchld - before), r, err_name(errno));
  signal(SIGCHLD, SIG_DFL);

  /* Last, as a deadlock here would hide the others. */
  /* SIG_IGN: children are reaped automatically; wait fails with ECHILD. */
  signal(SIGCHLD, SIG_IGN);
  c = fork();
  if (c == 0) _exit(4);
  errno = 0;
  r = waitpid(c, &st, 0);  /* blocks until the child is gone, then ECHILD */
  printf("SIG_IGN: waitpid -> %d %s\n", r, err_name(errno));
  signal(SIGCHLD, SIG_DFL);

  return 0;
}
