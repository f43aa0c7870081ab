/* fork + wait status encodings: exit codes, deaths by signal (sent by the
 * parent to a child blocked in a syscall, busy in a loop, or raised by the
 * child itself), WNOHANG, ECHILD, waitid and wait4. */
#include "proc.h"
#include <sys/resource.h>

static pid_t child_exit(int code) {
  pid_t p = fork();
  if (p == 0) _exit(code);
  return p;
}

/* A child that reports readiness through a pipe, then blocks or spins. */
static pid_t child_ready(int how, int *rfd) {
  int fds[2];
  CHECK(pipe(fds) == 0);
  pid_t p = fork();
  if (p == 0) {
    close(fds[0]);
    CHECK(write(fds[1], "r", 1) == 1);
    if (how == 0) for (;;) pause();
    if (how == 1) for (volatile unsigned long i = 0;; i++) {}
    if (how == 2) for (;;) sleep_ms(1000);
    if (how == 3) { char c; int q[2]; pipe(q); read(q[0], &c, 1); }
    _exit(99);
  }
  close(fds[1]);
  wait_ready(fds[0]);
  *rfd = fds[0];
  return p;
}

int main(void) {
  int codes[] = {0, 1, 2, 42, 127, 128, 200, 255, 256, 257, -1};
  for (unsigned i = 0; i < sizeof codes / sizeof codes[0]; i++) {
    pid_t p = child_exit(codes[i]);
    int st = wait_for(p);
    printf("_exit(%d): %s\n", codes[i], status_str(st));
  }

  const char *hows[] = {"pause", "busy loop", "nanosleep", "pipe read"};
  int sigs[] = {SIGTERM, SIGKILL, SIGINT, SIGUSR1, SIGHUP};
  for (int h = 0; h < 4; h++)
    for (unsigned s = 0; s < sizeof sigs / sizeof sigs[0]; s++) {
      int rfd;
      pid_t p = child_ready(h, &rfd);
      CHECK(kill(p, sigs[s]) == 0);
      int st = wait_for(p);
      close(rfd);
      printf("%s child sent %s: %s, WIFSIGNALED=%d WTERMSIG=%s WIFEXITED=%d\n", hows[h],
             sig_name(sigs[s]), status_str(st), WIFSIGNALED(st) ? 1 : 0,
             WIFSIGNALED(st) ? sig_name(WTERMSIG(st)) : "-", WIFEXITED(st) ? 1 : 0);
    }

  /* The child kills itself. */
  int self_sigs[] = {SIGABRT, SIGSEGV, SIGTERM, SIGKILL, SIGQUIT, SIGBUS, SIGFPE, SIGILL, SIGSYS, SIGXCPU};
  for (unsigned s = 0; s < sizeof self_sigs / sizeof self_sigs[0]; s++) {
    pid_t p = fork();
    if (p == 0) { raise(self_sigs[s]); _exit(99); }
    int st = wait_for(p);
    printf("raise(%s): %s\n", sig_name(self_sigs[s]), status_str(st));
  }
  { pid_t p = fork(); if (p == 0) { abort(); } printf("abort(): %s\n", status_str(wait_for(p))); }

  /* Ignored and caught signals do not kill. */
  {
    int rfd;
    signal(SIGUSR2, SIG_IGN);
    pid_t p = child_ready(3, &rfd);
    kill(p, SIGUSR2);
    sleep_ms(50);
    int st;
    pid_t r = waitpid(p, &st, WNOHANG);
    printf("ignored SIGUSR2 inherited over fork: child still running=%d\n", r == 0);
    kill(p, SIGKILL);
    printf("then SIGKILL: %s\n", status_str(wait_for(p)));
    close(rfd);
    signal(SIGUSR2, SIG_DFL);
  }

  /* WNOHANG: 0 while the child runs, then its pid. */
  {
    int go[2];
    CHECK(pipe(go) == 0);
    pid_t p = fork();
    if (p == 0) { char c; close(go[1]); read(go[0], &c, 1); _exit(7); }
    close(go[0]);
    int st = 0;
    pid_t r = waitpid(p, &st, WNOHANG);
    printf("WNOHANG while running: %d\n", (int)r);
    r = waitpid(-1, &st, WNOHANG);
    printf("WNOHANG any while running: %d\n", (int)r);
    close(go[1]);  /* the child reads EOF and exits */
    int tries = 0;
    while ((r = waitpid(p, &st, WNOHANG)) == 0 && tries++ < 2000) sleep_ms(1);
    printf("WNOHANG after exit returns the pid: %s, %s\n", r == p ? "yes" : "no", status_str(st));
  }

  /* ECHILD: no children at all, a pid that is not our child, ourselves. */
  int r0;
  errno = 0; r0 = wait(NULL);
  printf("wait() without children: %d %s\n", r0, err_name(errno));
  errno = 0; r0 = waitpid(-1, NULL, WNOHANG);
  printf("waitpid(-1, WNOHANG) without children: %d %s\n", r0, err_name(errno));
  errno = 0; r0 = waitpid(getpid(), NULL, 0);
  printf("waitpid(getpid()): %d %s\n", r0, err_name(errno));
  {
    pid_t p = child_exit(3);
    wait_for(p);
    errno = 0; r0 = waitpid(p, NULL, 0);
    printf("waitpid of an already reaped child: %d %s\n", r0, err_name(errno));
  }

  /* waitid: si_code / si_status / si_pid. */
  {
    pid_t p = child_exit(5);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    CHECK(waitid(P_PID, p, &si, WEXITED) == 0);
    printf("waitid exit 5: si_signo=%s si_code=%s si_status=%d si_pid matches=%d\n", sig_name(si.si_signo),
           si.si_code == CLD_EXITED ? "CLD_EXITED" : "other", si.si_status, si.si_pid == p);
    int rfd;
    p = child_ready(0, &rfd);
    kill(p, SIGTERM);
    memset(&si, 0, sizeof si);
    CHECK(waitid(P_ALL, 0, &si, WEXITED) == 0);
    printf("waitid SIGTERM: si_code=%s si_status=%s si_pid matches=%d\n",
           si.si_code == CLD_KILLED ? "CLD_KILLED" : si.si_code == CLD_DUMPED ? "CLD_DUMPED" : "other",
           sig_name(si.si_status), si.si_pid == p);
    close(rfd);
    /* WNOWAIT leaves the child waitable. */
    p = child_exit(9);
    memset(&si, 0, sizeof si);
    CHECK(waitid(P_PID, p, &si, WEXITED | WNOWAIT) == 0);
    int st = wait_for(p);
    printf("waitid WNOWAIT then waitpid: si_status=%d, %s\n", si.si_status, status_str(st));
    memset(&si, 0, sizeof si);
    errno = 0;
    int r = waitid(P_ALL, 0, &si, WEXITED | WNOHANG);
    printf("waitid without children: %d %s\n", r, err_name(errno));
  }

  /* wait4 with rusage, and waiting for any of several children. */
  {
    pid_t a = child_exit(11), b = child_exit(12), c = child_exit(13);
    int seen = 0, sum = 0;
    for (int i = 0; i < 3; i++) {
      int st;
      struct rusage ru;
      pid_t r = wait4(-1, &st, 0, &ru);
      if (r == a) seen |= 1; else if (r == b) seen |= 2; else if (r == c) seen |= 4;
      sum += WEXITSTATUS(st);
    }
    printf("wait4(-1) x3: all three seen=%d, sum of codes %d\n", seen == 7, sum);
  }

  /* Ids that name nobody, refused as Linux does (and -INT_MIN is not negated:
   * wait4 and kill, fuzz findings 6 and 8 in docs/FUZZING.md). */
  {
    siginfo_t si;
    errno = 0;
    int r1 = waitid(P_PID, 0, &si, WEXITED | WNOHANG);
    int e1 = errno;
    errno = 0;
    int r2 = waitid(P_PGID, -1, &si, WEXITED | WNOHANG);
    int e2 = errno;
    errno = 0;
    pid_t r3 = wait4(-2147483647 - 1, NULL, WNOHANG, NULL);
    int e3 = errno;
    printf("waitid(P_PID, 0): %d %s; waitid(P_PGID, -1): %d %s; wait4(INT_MIN): %d %s\n", r1, strerror(e1), r2,
           strerror(e2), (int)r3, strerror(e3));
    errno = 0;
    int r4 = kill(-2147483647 - 1, 0);
    int e4 = errno;
    errno = 0;
    int r5 = kill(-2147483647 - 1, SIGKILL);
    int e5 = errno;
    printf("kill(INT_MIN, 0): %d %s; kill(INT_MIN, SIGKILL): %d %s\n", r4, strerror(e4), r5, strerror(e5));
  }

  /* Exit status of the process itself. */
  return 3;
}
