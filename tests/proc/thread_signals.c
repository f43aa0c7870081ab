/* Signals and threads: sigwait/sigwaitinfo/sigtimedwait (taking a signal
 * instead of delivering it, timeouts, EINTR, bad arguments), process-
 * directed signals reaching the thread that does not block them, and a
 * non-leader thread ending its whole process (abort, exit) while another
 * process reads the process's pipe to EOF. Also nice values. */
#include "proc.h"
#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>

/* The call's result, then errno (read after the call). */
#define SHOW(label, expr) do { errno = 0; long r_ = (long)(expr); \
  printf("%s: %ld %s\n", label, r_, err_name(errno)); } while (0)

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static const char *code_name(int code) {
  switch (code) {
    case SI_USER: return "SI_USER";
    case SI_TKILL: return "SI_TKILL";
    case SI_QUEUE: return "SI_QUEUE";
    case SI_KERNEL: return "SI_KERNEL";
    default: return "other";
  }
}

static void block(int sig) {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, sig);
  CHECK(pthread_sigmask(SIG_BLOCK, &s, NULL) == 0);
}

static void only(sigset_t *s, int sig) {
  sigemptyset(s);
  sigaddset(s, sig);
}

static volatile sig_atomic_t handled, handler_in_main;
static pid_t main_tid;
static void on_signal(int s) {
  (void)s;
  handled++;
  handler_in_main = syscall(SYS_gettid) == main_tid;
}

static void *sigwait_thread(void *arg) {
  sigset_t s;
  only(&s, SIGUSR1);
  int sig = 0;
  int r = sigwait(&s, &sig);
  *(int *)arg = r == 0 ? sig : -r;
  return NULL;
}

static volatile int worker_ready, worker_stop;
static void *unblocked_worker(void *arg) {
  (void)arg;
  sigset_t none;
  sigemptyset(&none);
  pthread_sigmask(SIG_SETMASK, &none, NULL);
  worker_ready = 1;
  while (!worker_stop) sleep_ms(5);
  return NULL;
}

static void *abort_thread(void *arg) {
  (void)arg;
  CHECK(write(1, "", 0) == 0);
  abort();
}
static void *exit_thread(void *arg) {
  (void)arg;
  exit(7);
}

/* A child whose second thread ends the process while the main thread waits
 * on a lock forever; the parent reads the child's pipe to EOF. */
static void thread_ends_process(const char *label, void *(*fn)(void *)) {
  int fds[2];
  CHECK(pipe(fds) == 0);
  pid_t p = fork();
  if (p == 0) {
    close(fds[0]);
    dup2(fds[1], 1);
    close(fds[1]);
    printf("child output\n");
    pthread_t t;
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&m);
    pthread_create(&t, NULL, fn, NULL);
    pthread_mutex_lock(&m);  /* never returns: the other thread ends us */
    _exit(99);
  }
  close(fds[1]);
  char buf[64];
  ssize_t n, tot = 0;
  while ((n = read(fds[0], buf + tot, sizeof buf - 1 - tot)) > 0) tot += n;
  close(fds[0]);
  printf("%s: parent read %zd bytes, EOF; child %s\n", label, tot, status_str(wait_for(p)));
}

int main(void) {
  main_tid = syscall(SYS_gettid);
  sigset_t s;
  siginfo_t si;

  /* Nothing pending: a zero timeout fails at once with EAGAIN. */
  only(&s, SIGUSR1);
  struct timespec zero = {0, 0};
  SHOW("sigtimedwait, nothing pending, zero timeout", sigtimedwait(&s, &si, &zero));

  /* raise() while blocked: taken by sigwaitinfo, not delivered. */
  signal(SIGUSR1, on_signal);
  block(SIGUSR1);
  raise(SIGUSR1);
  memset(&si, 0, sizeof si);
  int r = sigwaitinfo(&s, &si);
  printf("sigwaitinfo after raise: %s, si_signo %s, si_code %s, si_pid is us: %d, handler ran: %d\n",
         r > 0 ? sig_name(r) : err_name(errno), sig_name(si.si_signo), code_name(si.si_code),
         si.si_pid == getpid(), handled);
  sigset_t pend;
  sigpending(&pend);
  printf("  still pending afterwards: %d\n", sigismember(&pend, SIGUSR1));

  /* kill() to ourselves: SI_USER, taken by sigtimedwait. */
  block(SIGUSR2);
  kill(getpid(), SIGUSR2);
  only(&s, SIGUSR2);
  struct timespec sec = {1, 0};
  memset(&si, 0, sizeof si);
  r = sigtimedwait(&s, &si, &sec);
  printf("sigtimedwait after kill: %s, si_code %s, si_uid %d\n", r > 0 ? sig_name(r) : err_name(errno),
         code_name(si.si_code), (int)si.si_uid);

  /* Several pending: the lowest number first, one per call. */
  block(SIGTERM);
  block(SIGHUP);
  kill(getpid(), SIGTERM);
  kill(getpid(), SIGHUP);
  sigemptyset(&s);
  sigaddset(&s, SIGTERM);
  sigaddset(&s, SIGHUP);
  int first = sigwaitinfo(&s, NULL);
  int second = sigwaitinfo(&s, NULL);
  printf("two pending: first %s, then %s\n", sig_name(first), sig_name(second));

  /* A timeout: EAGAIN after at least that long. */
  only(&s, SIGUSR2);
  struct timespec t50 = {0, 50 * 1000000};
  double t0 = now_s();
  errno = 0;
  r = sigtimedwait(&s, NULL, &t50);
  int e = errno;
  double waited = now_s() - t0;
  printf("sigtimedwait 50 ms, none comes: %d %s, waited >= 50 ms: %d, < 5 s: %d\n", r, err_name(e),
         waited >= 0.05, waited < 5);

  /* A signal outside the set with a handler interrupts the wait: EINTR. */
  signal(SIGALRM, on_signal);
  handled = 0;
  struct itimerval it = {{0, 0}, {0, 30000}};
  setitimer(ITIMER_REAL, &it, NULL);
  struct timespec t5 = {5, 0};
  errno = 0;
  r = sigtimedwait(&s, NULL, &t5);
  e = errno;
  printf("SIGALRM handler during sigtimedwait: %d %s, handler ran: %d\n", r, err_name(e), handled);

  /* Bad arguments. */
  struct timespec bad = {0, 1000000000};
  SHOW("nanoseconds out of range", sigtimedwait(&s, NULL, &bad));
  SHOW("wrong sigset size", syscall(SYS_rt_sigtimedwait, &s, NULL, &zero, 4));
  SHOW("bad set pointer", syscall(SYS_rt_sigtimedwait, (void *)16, NULL, &zero, 8));

  /* sigwait in a second thread; the main thread, which blocks the signal,
   * sends it to the process. */
  block(SIGUSR1);
  int got = 0;
  pthread_t t;
  pthread_create(&t, NULL, sigwait_thread, &got);
  sleep_ms(20);
  kill(getpid(), SIGUSR1);
  pthread_join(t, NULL);
  printf("sigwait in a thread, kill to the process: %s\n", got > 0 ? sig_name(got) : err_name(-got));

  /* A process-directed signal the main thread blocks runs its handler on
   * the thread that does not. */
  handled = 0;
  handler_in_main = -1;
  pthread_create(&t, NULL, unblocked_worker, NULL);
  while (!worker_ready) sleep_ms(1);
  kill(getpid(), SIGUSR1);
  for (int i = 0; i < 500 && !handled; i++) sleep_ms(2);
  worker_stop = 1;
  pthread_join(t, NULL);
  printf("kill with SIGUSR1 blocked in main: handler ran %d time(s), in the main thread: %d\n", handled,
         (int)handler_in_main);

  /* A thread ends the whole process. */
  thread_ends_process("abort() in a second thread", abort_thread);
  thread_ends_process("exit(7) in a second thread", exit_thread);

  /* CPU-time interval timers: SIGVTALRM and SIGPROF while spinning. */
  static const struct { int which, sig; const char *name; } timers[] = {
      {ITIMER_VIRTUAL, SIGVTALRM, "ITIMER_VIRTUAL"}, {ITIMER_PROF, SIGPROF, "ITIMER_PROF"}};
  for (int i = 0; i < 2; i++) {
    signal(timers[i].sig, on_signal);
    handled = 0;
    struct itimerval cpu = {{0, 10000}, {0, 10000}};
    CHECK(setitimer(timers[i].which, &cpu, NULL) == 0);
    double start = now_s();
    while (handled < 3 && now_s() - start < 20) {}
    struct itimerval off = {{0, 0}, {0, 0}}, old;
    setitimer(timers[i].which, &off, &old);
    struct itimerval after;
    getitimer(timers[i].which, &after);
    printf("%s: %d signals while spinning, interval read back %ld us, disarmed: %d\n", timers[i].name,
           handled >= 3 ? 3 : (int)handled, (long)old.it_interval.tv_usec,
           after.it_value.tv_sec == 0 && after.it_value.tv_usec == 0);
  }
  /* CPU clocks: a new child starts from zero; a thread's clock is its own. */
  struct timespec parent_cpu;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &parent_cpu);
  int cpipe[2];
  CHECK(pipe(cpipe) == 0);
  pid_t c = fork();
  if (c == 0) {
    struct timespec mine;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &mine);
    char ok = (mine.tv_sec < parent_cpu.tv_sec ||
               (mine.tv_sec == parent_cpu.tv_sec && mine.tv_nsec < parent_cpu.tv_nsec)) ? 'y' : 'n';
    write(cpipe[1], &ok, 1);
    _exit(0);
  }
  char ok = '?';
  read(cpipe[0], &ok, 1);
  wait_for(c);
  printf("a forked child's process CPU clock starts below its parent's: %c\n", ok);
  clockid_t tclock;
  struct timespec tt, pt;
  CHECK(pthread_getcpuclockid(pthread_self(), &tclock) == 0);
  CHECK(clock_gettime(tclock, &tt) == 0);
  CHECK(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &pt) == 0);
  printf("main thread's CPU clock <= the process's: %d\n",
         tt.tv_sec < pt.tv_sec || (tt.tv_sec == pt.tv_sec && tt.tv_nsec <= pt.tv_nsec));

  /* A waited-for child's CPU time: wait4's rusage, then RUSAGE_CHILDREN. */
  struct rusage before_children, ru, after_children;
  getrusage(RUSAGE_CHILDREN, &before_children);
  c = fork();
  if (c == 0) {
    /* Spin until the child's own user time shows (Linux accounts it by
     * ticks: a short fixed spin read 0 on a loaded machine), bounded. */
    struct rusage self;
    for (int round = 0; round < 200; round++) {
      for (volatile long i = 0; i < 2000000; i++) {}
      getrusage(RUSAGE_SELF, &self);
      if (self.ru_utime.tv_sec > 0 || self.ru_utime.tv_usec > 0) break;
    }
    _exit(0);
  }
  int wst;
  CHECK(wait4(c, &wst, 0, &ru) == c);
  getrusage(RUSAGE_CHILDREN, &after_children);
  long child_us = ru.ru_utime.tv_sec * 1000000L + ru.ru_utime.tv_usec;
  long grew_us = (after_children.ru_utime.tv_sec - before_children.ru_utime.tv_sec) * 1000000L +
                 (after_children.ru_utime.tv_usec - before_children.ru_utime.tv_usec);
  printf("spinning child: wait4 user time > 0: %d, children's user time grew by it: %d\n", child_us > 0,
         grew_us >= child_us && child_us > 0);

  /* Nice values: set, read back, inherited by a child. */
  errno = 0;
  int base = getpriority(PRIO_PROCESS, 0);
  int nice_up = base < 19 ? base + 1 : base;
  printf("setpriority to base+1: %s\n", RES(setpriority(PRIO_PROCESS, 0, nice_up)));
  printf("getpriority is base+1: %d\n", getpriority(PRIO_PROCESS, 0) == nice_up);
  c = fork();
  if (c == 0) _exit(getpriority(PRIO_PROCESS, 0) == nice_up ? 0 : 1);
  printf("child inherits it: %s\n", status_str(wait_for(c)));
  SHOW("getpriority of no such process", getpriority(PRIO_PROCESS, 999999));
  SHOW("getpriority, bad which", getpriority(99, 0));
  return 0;
}
