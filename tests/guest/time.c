/* Clocks: monotone, plausible, nanosleep sleeps.  Only relations and
 * resolutions are printed, never absolute times.  The upper bounds leave
 * room for a loaded machine (tests run in parallel, under sanitizers): a
 * unit or epoch mistake is off by far more than SLACK seconds. */
#include "common.h"
#include <sys/time.h>
#include <time.h>

#define SLACK 30

static double ts(const struct timespec *t) { return t->tv_sec + t->tv_nsec / 1e9; }

int main(void) {
  struct timespec a, b, r;
  show("clock_gettime_monotonic", clock_gettime(CLOCK_MONOTONIC, &a));
  show("clock_gettime_monotonic_2", clock_gettime(CLOCK_MONOTONIC, &b));
  yesno("monotonic_nondecreasing", ts(&b) >= ts(&a));
  yesno("monotonic_nsec_in_range", a.tv_nsec >= 0 && a.tv_nsec < 1000000000);
  show("clock_getres_monotonic", clock_getres(CLOCK_MONOTONIC, &r));
  printf("monotonic_res_ns: %ld\n", r.tv_sec * 1000000000L + r.tv_nsec);
  show("clock_getres_realtime", clock_getres(CLOCK_REALTIME, &r));
  printf("realtime_res_ns: %ld\n", r.tv_sec * 1000000000L + r.tv_nsec);

  struct timespec rt;
  show("clock_gettime_realtime", clock_gettime(CLOCK_REALTIME, &rt));
  yesno("realtime_after_2024", rt.tv_sec > 1704067200);   /* 2024-01-01 */
  yesno("realtime_before_2100", rt.tv_sec < 4102444800);  /* 2100-01-01 */
  time_t t = time(NULL);
  /* time() reads Linux's coarse clock (the last tick), which can still be
   * in the previous second when clock_gettime has just crossed into the
   * next: one second behind is close. */
  yesno("time_close_to_realtime", t + 1 >= rt.tv_sec && t - rt.tv_sec <= SLACK);
  struct timeval tv;
  show("gettimeofday", gettimeofday(&tv, NULL));
  yesno("gettimeofday_close", tv.tv_sec >= rt.tv_sec && tv.tv_sec - rt.tv_sec <= SLACK);
  yesno("gettimeofday_usec_in_range", tv.tv_usec >= 0 && tv.tv_usec < 1000000);

  /* nanosleep 20 ms: at least that long passes, not much more */
  clock_gettime(CLOCK_MONOTONIC, &a);
  struct timespec req = {0, 20000000}, rem = {9, 9};
  show("nanosleep", nanosleep(&req, &rem));
  clock_gettime(CLOCK_MONOTONIC, &b);
  double slept = ts(&b) - ts(&a);
  yesno("slept_at_least_20ms", slept >= 0.020);
  yesno("slept_less_than_slack", slept < SLACK);
  struct timespec badreq = {0, 1000000000};
  show("nanosleep_einval", nanosleep(&badreq, NULL));
  req.tv_nsec = 5000000;
  show("clock_nanosleep", clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL) == 0 ? 0 : -1);
  clock_gettime(CLOCK_MONOTONIC, &a);
  struct timespec until = a;
  until.tv_nsec += 10000000;
  if (until.tv_nsec >= 1000000000) { until.tv_sec++; until.tv_nsec -= 1000000000; }
  show("clock_nanosleep_abstime", clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == 0 ? 0 : -1);
  clock_gettime(CLOCK_MONOTONIC, &b);
  yesno("abstime_reached", ts(&b) >= ts(&until));

  /* CPU time clocks exist and do not run backwards */
  struct timespec c1, c2;
  show("clock_process_cputime", clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1));
  volatile double x = 0;
  for (int i = 0; i < 1000000; i++) x += i * 0.5;
  show("clock_thread_cputime", clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c2));
  show("clock_process_cputime_2", clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c2));
  yesno("cputime_nondecreasing", ts(&c2) >= ts(&c1));
  show("clock_boottime", clock_gettime(CLOCK_BOOTTIME, &c1));
  show("clock_monotonic_coarse", clock_gettime(CLOCK_MONOTONIC_COARSE, &c1));
  show("clock_realtime_coarse", clock_gettime(CLOCK_REALTIME_COARSE, &c1));
  yesno("coarse_realtime_close", c1.tv_sec >= rt.tv_sec - 1 && c1.tv_sec - rt.tv_sec <= SLACK);
  show("clock_bad_id", clock_gettime(12345, &c1));
  return 0;
}
