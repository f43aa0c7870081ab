/* timer_getoverrun reports the overruns of the timer's last signal taken
 * (handled or waited for), not those of the one still pending: none before
 * the first is taken, the taken one's si_overrun afterwards while the next
 * one piles up more, and nothing again after timer_settime. Timing is
 * only checked with generous bounds. */
#include "proc.h"

#include <sys/syscall.h>

/* The first signal handled, and the last (the timer goes on: another may
 * come before the signal is blocked again). */
static volatile sig_atomic_t handled, first_overrun, last_overrun;
static void on_timer(int sig, siginfo_t *si, void *ctx) {
  (void)sig; (void)ctx;
  if (!handled) first_overrun = si->si_overrun;
  last_overrun = si->si_overrun;
  handled = 1;
}

int main(void) {
  struct sigaction sa = {.sa_sigaction = on_timer, .sa_flags = SA_SIGINFO};
  sigaction(SIGRTMIN, &sa, NULL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGRTMIN);
  sigprocmask(SIG_BLOCK, &set, NULL);

  struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGRTMIN};
  timer_t t;
  if (timer_create(CLOCK_MONOTONIC, &ev, &t) != 0) return 1;
  struct itimerspec every_ms = {{0, 1000000}, {0, 1000000}};
  timer_settime(t, 0, &every_ms, NULL);

  /* Expirations pile up while the signal is blocked. */
  sleep_ms(40);
  printf("pending, none taken yet: getoverrun %d\n", timer_getoverrun(t));

  siginfo_t si;
  int sig = sigwaitinfo(&set, &si);
  int first = si.si_overrun;
  printf("sigwaitinfo: %s, si_overrun at least 10: %d\n", sig == SIGRTMIN ? "SIGRTMIN" : "?", first >= 10);
  printf("after it: getoverrun is its si_overrun: %d\n", timer_getoverrun(t) == first);

  /* The next signal is pending again and counting: the answer stays. */
  sleep_ms(40);
  printf("the next one pending: getoverrun still the last taken: %d\n", timer_getoverrun(t) == first);

  /* Taken by a handler this time. */
  sigprocmask(SIG_UNBLOCK, &set, NULL);
  for (int i = 0; i < 2000 && !handled; i++) sleep_ms(1);
  sigprocmask(SIG_BLOCK, &set, NULL);
  printf("handled: %d, si_overrun at least 10: %d\n", (int)handled, first_overrun >= 10);
  printf("after it: getoverrun is the last handled one's: %d\n", timer_getoverrun(t) == last_overrun);

  /* timer_settime starts the accounting again. */
  struct itimerspec off = {{0, 0}, {0, 0}};
  timer_settime(t, 0, &off, NULL);
  printf("after timer_settime: getoverrun %d\n", timer_getoverrun(t));
  timer_delete(t);
  return 0;
}
