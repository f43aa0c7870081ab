/* Floating-point exception flags: fetestexcept after operations that raise
 * divide-by-zero, inexact, invalid and overflow, and after one that raises
 * nothing.  Kept apart from fpu.c because vmrun on x86-64 does not set them
 * yet (see tests/diff/disabled.txt). */
#include "common.h"
#include <fenv.h>
#include <float.h>

static volatile double one = 1.0, two = 2.0, three = 3.0, zero = 0.0;

int main(void) {
  volatile double r;
  feclearexcept(FE_ALL_EXCEPT);
  r = one / zero;
  printf("divbyzero_flag: %d\n", fetestexcept(FE_DIVBYZERO) != 0);
  feclearexcept(FE_ALL_EXCEPT);
  r = one / three;
  printf("inexact_flag: %d\n", fetestexcept(FE_INEXACT) != 0);
  feclearexcept(FE_ALL_EXCEPT);
  r = zero / zero;
  printf("invalid_flag: %d\n", fetestexcept(FE_INVALID) != 0);
  feclearexcept(FE_ALL_EXCEPT);
  r = DBL_MAX * two;
  printf("overflow_flag: %d\n", fetestexcept(FE_OVERFLOW) != 0);
  printf("overflow_inexact_flag: %d\n", fetestexcept(FE_INEXACT) != 0);
  feclearexcept(FE_ALL_EXCEPT);
  r = two * 2;
  printf("no_flags: %d\n", fetestexcept(FE_ALL_EXCEPT) == 0);
  (void)r;
  return 0;
}
