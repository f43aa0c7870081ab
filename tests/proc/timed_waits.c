/* Waits with an absolute deadline end at it: futex FUTEX_WAIT_BITSET on
 * CLOCK_REALTIME (whose seconds are past 1e9 since 2001) and on
 * CLOCK_MONOTONIC, sem_timedwait on a process-shared semaphore
 * (multiprocessing's Queue.put with a timeout), pthread_cond_timedwait,
 * pthread_mutex_timedlock and pthread_rwlock_timedwrlock, clock_nanosleep,
 * timerfd and POSIX timers with TIMER_ABSTIME on CLOCK_REALTIME; a
 * deadline already past times out at once, a bad one is EINVAL. Elapsed
 * times are printed as bounds only. */
#include "proc.h"

#include <linux/futex.h>
#include <pthread.h>
#include <semaphore.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static struct timespec in_ms(clockid_t clock, long ms) {
  struct timespec t;
  clock_gettime(clock, &t);
  long long ns = (long long)t.tv_sec * 1000000000LL + t.tv_nsec + ms * 1000000LL;
  t.tv_sec = ns / 1000000000LL;
  t.tv_nsec = ns % 1000000000LL;
  return t;
}

static const char *waited(double start, double lo) {
  double d = now_s() - start;
  return d >= lo && d < 5.0 ? "on time" : d < lo ? "TOO EARLY" : "TOO LATE";
}

static void futex_case(const char *name, int op, clockid_t clock, long ms) {
  static uint32_t word = 0;
  struct timespec t = in_ms(clock, ms);
  double start = now_s();
  long r = syscall(SYS_futex, &word, op, 0, &t, NULL, FUTEX_BITSET_MATCH_ANY);
  printf("%s: %s, %s\n", name, r < 0 ? err_name(errno) : "woken", waited(start, ms > 0 ? ms / 1e3 * 0.9 : 0));
}

static pthread_mutex_t held = PTHREAD_MUTEX_INITIALIZER;

static void *timedlock_thread(void *arg) {
  int e = pthread_mutex_timedlock(&held, arg);
  if (e == 0) pthread_mutex_unlock(&held);
  return (void *)(long)e;
}

int main(void) {
  futex_case("futex realtime, 50 ms ahead", FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, CLOCK_REALTIME, 50);
  futex_case("futex realtime, private, 50 ms ahead", FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME | FUTEX_PRIVATE_FLAG,
             CLOCK_REALTIME, 50);
  futex_case("futex monotonic, 50 ms ahead", FUTEX_WAIT_BITSET, CLOCK_MONOTONIC, 50);
  futex_case("futex realtime, 1 s ago", FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, CLOCK_REALTIME, -1000);

  uint32_t word = 0;
  struct timespec bad = {.tv_sec = 1, .tv_nsec = 1000000000L};
  long r = syscall(SYS_futex, &word, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 0, &bad, NULL, FUTEX_BITSET_MATCH_ANY);
  printf("futex, tv_nsec 1e9: %s\n", r < 0 ? err_name(errno) : "woken");

  sem_t *sem = mmap(NULL, sizeof *sem, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  sem_init(sem, 1, 0);
  struct timespec t = in_ms(CLOCK_REALTIME, 50);
  double start = now_s();
  int s = sem_timedwait(sem, &t);
  printf("sem_timedwait, 50 ms ahead: %s, %s\n", s < 0 ? err_name(errno) : "taken", waited(start, 0.045));
  pid_t child = fork();
  if (child == 0) {
    usleep(20000);
    sem_post(sem);
    _exit(0);
  }
  t = in_ms(CLOCK_REALTIME, 3000);
  start = now_s();
  s = sem_timedwait(sem, &t);
  double d = now_s() - start;
  printf("sem_timedwait, posted by a child: %s, %s\n", s < 0 ? err_name(errno) : "taken",
         d < 2.5 ? "before the deadline" : "AT THE DEADLINE");
  int st;
  waitpid(child, &st, 0);

  pthread_cond_t c = PTHREAD_COND_INITIALIZER;
  pthread_mutex_lock(&held);
  t = in_ms(CLOCK_REALTIME, 50);
  start = now_s();
  int e = pthread_cond_timedwait(&c, &held, &t);
  printf("pthread_cond_timedwait, 50 ms ahead: %s, %s\n", err_name(e), waited(start, 0.045));

  /* `held` is held: another thread's timed lock waits for its deadline. */
  struct timespec dl = in_ms(CLOCK_REALTIME, 50);
  pthread_t th;
  start = now_s();
  pthread_create(&th, NULL, timedlock_thread, &dl);
  void *res;
  pthread_join(th, &res);
  printf("pthread_mutex_timedlock, 50 ms ahead: %s, %s\n", err_name((int)(long)res), waited(start, 0.045));
  pthread_mutex_unlock(&held);

  pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
  pthread_rwlock_rdlock(&rw);
  t = in_ms(CLOCK_REALTIME, 50);
  start = now_s();
  e = pthread_rwlock_timedwrlock(&rw, &t);
  printf("pthread_rwlock_timedwrlock, 50 ms ahead: %s, %s\n", err_name(e), waited(start, 0.045));

  t = in_ms(CLOCK_REALTIME, 50);
  start = now_s();
  e = clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &t, NULL);
  printf("clock_nanosleep realtime, 50 ms ahead: %s, %s\n", err_name(e), waited(start, 0.045));

  int tfd = timerfd_create(CLOCK_REALTIME, 0);
  struct itimerspec its = {.it_value = in_ms(CLOCK_REALTIME, 50)};
  start = now_s();
  timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
  uint64_t ticks = 0;
  ssize_t got = read(tfd, &ticks, sizeof ticks);
  printf("timerfd realtime, 50 ms ahead: %zd bytes, %llu tick, %s\n", got, (unsigned long long)ticks,
         waited(start, 0.045));

  sigset_t alrm;
  sigemptyset(&alrm);
  sigaddset(&alrm, SIGALRM);
  sigprocmask(SIG_BLOCK, &alrm, NULL);
  timer_t timer;
  struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGALRM};
  timer_create(CLOCK_REALTIME, &ev, &timer);
  its.it_value = in_ms(CLOCK_REALTIME, 50);
  start = now_s();
  timer_settime(timer, TIMER_ABSTIME, &its, NULL);
  int sig = 0;
  sigwait(&alrm, &sig);
  printf("timer_settime realtime, 50 ms ahead: %s, %s\n", sig_name(sig), waited(start, 0.045));
  return 0;
}
