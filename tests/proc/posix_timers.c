/* POSIX per-process timers: a one-shot SIGEV_SIGNAL timer's siginfo, the
 * default sigevent (SIGALRM carrying the timer id), periodic expirations
 * counted as overruns while the signal is blocked, SIGEV_NONE, an absolute
 * CLOCK_REALTIME time, SIGEV_THREAD_ID, glibc's SIGEV_THREAD, fork (the
 * child has none) and the errors. Timing is only checked with generous
 * bounds. Raw kernel calls where glibc would hide an error. */
#include "proc.h"

#include <pthread.h>
#include <sys/syscall.h>

static int raw_create(clockid_t c, struct sigevent *ev, int *id) { return (int)syscall(SYS_timer_create, c, ev, id); }
static int raw_settime(int id, int flags, const struct itimerspec *n, struct itimerspec *o) {
  return (int)syscall(SYS_timer_settime, id, flags, n, o);
}
static int raw_gettime(int id, struct itimerspec *cur) { return (int)syscall(SYS_timer_gettime, id, cur); }
static int raw_delete(int id) { return (int)syscall(SYS_timer_delete, id); }
static int raw_getoverrun(int id) { return (int)syscall(SYS_timer_getoverrun, id); }

static void show(const char *what, int r) {
  if (r < 0) printf("%s: %s\n", what, err_name(errno));
  else printf("%s: %d\n", what, r);
}

static struct itimerspec spec_ms(long value_ms, long interval_ms) {
  struct itimerspec s = {{interval_ms / 1000, (interval_ms % 1000) * 1000000},
                         {value_ms / 1000, (value_ms % 1000) * 1000000}};
  return s;
}

static volatile int handled, handled_code, handled_value;
static void on_usr1(int sig, siginfo_t *si, void *ctx) {
  (void)sig; (void)ctx;
  handled++;
  handled_code = si->si_code;
  handled_value = si->si_value.sival_int;
}

static const char *code_name(int c) { return c == SI_TIMER ? "SI_TIMER" : c == SI_USER ? "SI_USER" : "other"; }

static int wait_signal(int sig, siginfo_t *si, int timeout_ms) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  struct timespec t = {timeout_ms / 1000, (timeout_ms % 1000) * 1000000L};
  return sigtimedwait(&set, si, &t);
}

static volatile int thread_ran, thread_value;
static void on_thread(union sigval v) {
  thread_value = v.sival_int;
  __atomic_store_n(&thread_ran, 1, __ATOMIC_SEQ_CST);
}

int main(void) {
  printf("-- errors\n");
  int id = -1;
  show("clock 99", raw_create(99, NULL, &id));
  struct sigevent ev;
  memset(&ev, 0, sizeof ev);
  ev.sigev_notify = 3;
  show("sigev_notify 3", raw_create(CLOCK_MONOTONIC, &ev, &id));
  ev.sigev_notify = SIGEV_SIGNAL;
  ev.sigev_signo = 0;
  show("signal 0", raw_create(CLOCK_MONOTONIC, &ev, &id));
  ev.sigev_signo = 65;
  show("signal 65", raw_create(CLOCK_MONOTONIC, &ev, &id));
  ev.sigev_notify = SIGEV_THREAD_ID;
  ev.sigev_signo = SIGUSR1;
  ev._sigev_un._tid = 999999;
  show("SIGEV_THREAD_ID, no such thread", raw_create(CLOCK_MONOTONIC, &ev, &id));
  show("sigevent unreadable", raw_create(CLOCK_MONOTONIC, (struct sigevent *)8, &id));
  show("timer id unwritable", raw_create(CLOCK_MONOTONIC, NULL, (int *)8));
  struct itimerspec s = spec_ms(10, 0), cur;
  show("settime, no such timer", raw_settime(12345, 0, &s, NULL));
  show("gettime, no such timer", raw_gettime(12345, &cur));
  show("getoverrun, no such timer", raw_getoverrun(12345));
  show("delete, no such timer", raw_delete(12345));

  printf("-- the default sigevent: SIGALRM with the id as value\n");
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, SIGALRM);
  sigaddset(&block, SIGUSR2);
  sigprocmask(SIG_BLOCK, &block, NULL);
  show("create", raw_create(CLOCK_MONOTONIC, NULL, &id));
  show("gettime disarmed", raw_gettime(id, &cur));
  printf("  value %lld.%09ld interval %lld.%09ld\n", (long long)cur.it_value.tv_sec, cur.it_value.tv_nsec,
         (long long)cur.it_interval.tv_sec, cur.it_interval.tv_nsec);
  s.it_value.tv_nsec = 1000000000;
  show("settime nsec 1e9", raw_settime(id, 0, &s, NULL));
  show("settime without a setting", raw_settime(id, 0, NULL, NULL));
  show("gettime unwritable", raw_gettime(id, (struct itimerspec *)8));
  s = spec_ms(20, 0);
  show("settime 20ms", raw_settime(id, 0, &s, NULL));
  siginfo_t si;
  int sig = wait_signal(SIGALRM, &si, 5000);
  printf("signal: %s, code %s, value is the id %d, overrun %d\n", sig_name(sig), code_name(si.si_code),
         si.si_value.sival_int == id, si.si_overrun);
  show("getoverrun", raw_getoverrun(id));
  show("delete", raw_delete(id));
  show("delete again", raw_delete(id));

  printf("-- SIGEV_SIGNAL to a handler\n");
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_usr1;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGUSR1, &sa, NULL);
  timer_t t1;
  memset(&ev, 0, sizeof ev);
  ev.sigev_notify = SIGEV_SIGNAL;
  ev.sigev_signo = SIGUSR1;
  ev.sigev_value.sival_int = 4242;
  show("create", timer_create(CLOCK_MONOTONIC, &ev, &t1));
  s = spec_ms(1000, 0);
  timer_settime(t1, 0, &s, NULL);
  struct itimerspec old;
  s = spec_ms(30, 0);
  show("re-arm 30ms", timer_settime(t1, 0, &s, &old));
  printf("  old value in (0, 1s]: %d\n", old.it_value.tv_sec == 0 ? old.it_value.tv_nsec > 0
                                                                     : old.it_value.tv_sec == 1 && old.it_value.tv_nsec == 0);
  timer_gettime(t1, &cur);
  printf("  gettime in (0, 30ms]: %d\n", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 &&
                                           cur.it_value.tv_nsec <= 30000000);
  for (int i = 0; i < 100 && !handled; i++) sleep_ms(10);
  printf("handler: %d run, code %s, value %d\n", handled, code_name(handled_code), handled_value);
  timer_gettime(t1, &cur);
  printf("  gettime after: %lld.%09ld\n", (long long)cur.it_value.tv_sec, cur.it_value.tv_nsec);
  timer_delete(t1);

  printf("-- periodic, blocked: overruns\n");
  timer_t t2;
  memset(&ev, 0, sizeof ev);
  ev.sigev_notify = SIGEV_SIGNAL;
  ev.sigev_signo = SIGUSR2;
  ev.sigev_value.sival_int = 7;
  timer_create(CLOCK_MONOTONIC, &ev, &t2);
  s = spec_ms(10, 10);
  timer_settime(t2, 0, &s, NULL);
  sleep_ms(120);
  sig = wait_signal(SIGUSR2, &si, 5000);
  printf("signal: %s, code %s, value %d, overrun at least 5: %d, at most 20: %d\n", sig_name(sig),
         code_name(si.si_code), si.si_value.sival_int, si.si_overrun >= 5, si.si_overrun <= 20);
  int ov = timer_getoverrun(t2);
  printf("getoverrun at least 5: %d\n", ov >= 5);
  sig = wait_signal(SIGUSR2, &si, 5000);
  printf("next: %s, overrun at most 3: %d\n", sig_name(sig), si.si_overrun <= 3);
  s = spec_ms(0, 0);
  timer_settime(t2, 0, &s, NULL);
  timer_delete(t2);

  printf("-- SIGEV_NONE\n");
  timer_t t3;
  memset(&ev, 0, sizeof ev);
  ev.sigev_notify = SIGEV_NONE;
  show("create", timer_create(CLOCK_MONOTONIC, &ev, &t3));
  s = spec_ms(30, 0);
  timer_settime(t3, 0, &s, NULL);
  sleep_ms(60);
  timer_gettime(t3, &cur);
  printf("expired, no signal: value %lld.%09ld, handler runs so far %d\n", (long long)cur.it_value.tv_sec, cur.it_value.tv_nsec,
         handled);
  timer_delete(t3);

  printf("-- CLOCK_REALTIME, absolute\n");
  timer_t t4;
  memset(&ev, 0, sizeof ev);
  ev.sigev_notify = SIGEV_SIGNAL;
  ev.sigev_signo = SIGUSR2;
  ev.sigev_value.sival_int = 99;
  timer_create(CLOCK_REALTIME, &ev, &t4);
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  s.it_interval.tv_sec = s.it_interval.tv_nsec = 0;
  s.it_value = now;
  s.it_value.tv_nsec += 30000000;
  if (s.it_value.tv_nsec >= 1000000000) { s.it_value.tv_sec++; s.it_value.tv_nsec -= 1000000000; }
  show("settime TIMER_ABSTIME", timer_settime(t4, TIMER_ABSTIME, &s, NULL));
  sig = wait_signal(SIGUSR2, &si, 5000);
  printf("signal: %s, value %d\n", sig_name(sig), si.si_value.sival_int);
  s.it_value.tv_sec -= 10;
  show("an absolute time passed", timer_settime(t4, TIMER_ABSTIME, &s, NULL));
  sig = wait_signal(SIGUSR2, &si, 5000);
  printf("signal at once: %s\n", sig_name(sig));

  printf("-- fork\n");
  pid_t child = fork();
  if (child == 0) {
    show("child: gettime of the parent's timer", timer_gettime(t4, &cur));
    _exit(0);
  }
  wait_for(child);
  show("parent: gettime", timer_gettime(t4, &cur));
  timer_delete(t4);

  printf("-- SIGEV_THREAD_ID\n");
  memset(&ev, 0, sizeof ev);
  ev.sigev_notify = SIGEV_THREAD_ID;
  ev.sigev_signo = SIGUSR2;
  ev.sigev_value.sival_int = 5;
  ev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
  show("create", raw_create(CLOCK_MONOTONIC, &ev, &id));
  s = spec_ms(10, 0);
  raw_settime(id, 0, &s, NULL);
  sig = wait_signal(SIGUSR2, &si, 5000);
  printf("signal: %s, value %d\n", sig_name(sig), si.si_value.sival_int);
  raw_delete(id);

  printf("-- CPU-time clocks\n");
  clockid_t cpu_clocks[3] = {CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID, 0};
  clock_getcpuclockid(getpid(), &cpu_clocks[2]);
  const char *cpu_names[3] = {"CLOCK_PROCESS_CPUTIME_ID", "CLOCK_THREAD_CPUTIME_ID", "clock_getcpuclockid"};
  for (int c = 0; c < 3; c++) {
    timer_t tc;
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGUSR2;
    ev.sigev_value.sival_int = 60 + c;
    int r = timer_create(cpu_clocks[c], &ev, &tc);
    if (r < 0) { printf("%s: %s\n", cpu_names[c], err_name(errno)); continue; }
    s = spec_ms(20, 0);
    timer_settime(tc, 0, &s, NULL);
    struct timespec start, t;
    clock_gettime(CLOCK_MONOTONIC, &start);
    int fired = 0;
    volatile unsigned long spin = 0;
    for (;;) {
      for (int i = 0; i < 100000; i++) spin++;
      struct timespec zero = {0, 0};
      sigset_t set;
      sigemptyset(&set);
      sigaddset(&set, SIGUSR2);
      if (sigtimedwait(&set, &si, &zero) == SIGUSR2) { fired = 1; break; }
      clock_gettime(CLOCK_MONOTONIC, &t);
      if (t.tv_sec - start.tv_sec > 20) break;
    }
    struct timespec used;
    clock_gettime(cpu_clocks[c], &used);
    printf("%s: fired while spinning %d, value %d, after at least 20ms of CPU %d\n", cpu_names[c], fired,
           si.si_value.sival_int, used.tv_sec > 0 || used.tv_nsec >= 20000000);
    timer_delete(tc);
  }
  show("a CPU clock of no process", raw_create(((~999999) << 3) | 2, NULL, &id));

  printf("-- SIGEV_THREAD (glibc's helper thread)\n");
  timer_t t5;
  memset(&ev, 0, sizeof ev);
  ev.sigev_notify = SIGEV_THREAD;
  ev.sigev_notify_function = on_thread;
  ev.sigev_value.sival_int = 31;
  show("create", timer_create(CLOCK_MONOTONIC, &ev, &t5));
  s = spec_ms(20, 0);
  timer_settime(t5, 0, &s, NULL);
  for (int i = 0; i < 500 && !__atomic_load_n(&thread_ran, __ATOMIC_SEQ_CST); i++) sleep_ms(10);
  printf("function ran: %d, value %d\n", thread_ran, thread_value);
  timer_delete(t5);
  return 0;
}
