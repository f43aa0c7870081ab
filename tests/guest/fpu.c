/* Floating point: IEEE arithmetic printed with full precision, rounding
 * modes, long double, and the architecture's default FPU control state (x87
 * control word and MXCSR on x86-64, fcsr on riscv64).  The exception flags
 * are tested separately, by fpu_flags.c.
 * Correctly rounded operations (+ - * / sqrt fma, conversions) print all 17
 * digits; libm transcendentals print 15, because glibc picks among
 * implementations (FMA or not) by CPUID and those may differ in the last
 * bit. */
#include "common.h"
#include <fenv.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

static volatile double one = 1.0, two = 2.0, three = 3.0, zero = 0.0, tenth = 0.1;
static volatile float fthree = 3.0f;

static void bits(const char *label, double d) {
  uint64_t u;
  memcpy(&u, &d, 8);
  printf("%s: %.17g 0x%016llx\n", label, d, (unsigned long long)u);
}

int main(void) {
#if defined(__x86_64__)
  unsigned short cw;
  unsigned int mxcsr;
  __asm__ volatile("fnstcw %0" : "=m"(cw));
  __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
  printf("x87_control_word: 0x%04x\n", cw);
  printf("mxcsr: 0x%08x\n", mxcsr);
#elif defined(__riscv)
  unsigned long fcsr;
  __asm__ volatile("frcsr %0" : "=r"(fcsr));
  printf("fcsr: 0x%lx\n", fcsr);
#endif
  printf("flt_eval_method: %d\n", FLT_EVAL_METHOD);

  bits("one_third", one / three);
  bits("two_thirds", two / three);
  bits("sqrt2", sqrt(two));
  bits("sqrt_tenth", sqrt(tenth));
  bits("tenth_plus_two", tenth + two);
  bits("tenth_times_three", tenth * three);
  bits("fma", fma(tenth, three, -0.3));
  bits("denormal", DBL_MIN / (two * 1024));
  bits("neg_zero", -zero);
  bits("inf", one / zero);
  bits("i64_to_double", (double)(int64_t)9007199254740993LL);
  bits("u64_to_double", (double)(uint64_t)18446744073709551615ULL);
  printf("double_to_i64: %lld\n", (long long)(double)(1e18 + tenth));
  printf("nan_is_nan: %d\n", isnan(zero / zero));
  printf("float_third: %.9g\n", (double)(1.0f / fthree));
  printf("float_sqrt: %.9g\n", (double)sqrtf(fthree));

  printf("sin1: %.15g\n", sin(one));
  printf("cos1: %.15g\n", cos(one));
  printf("exp1: %.15g\n", exp(one));
  printf("log3: %.15g\n", log(three));
  printf("pow: %.15g\n", pow(three, tenth));
  printf("atan2: %.15g\n", atan2(one, three));
  printf("tanh: %.15g\n", tanh(tenth));
  printf("lgamma: %.15g\n", lgamma(three + tenth));
  printf("cbrt: %.15g\n", cbrt(three));

  long double ld = (long double)one / (long double)three;
  printf("long_double_third: %.21Lg\n", ld);
  printf("long_double_sqrt2: %.21Lg\n", sqrtl((long double)two));
  printf("long_double_digits: %d\n", LDBL_MANT_DIG);

  /* rounding modes */
  static const struct { const char *name; int mode; } modes[] = {
    {"nearest", FE_TONEAREST}, {"upward", FE_UPWARD},
    {"downward", FE_DOWNWARD}, {"towardzero", FE_TOWARDZERO}};
  for (unsigned i = 0; i < sizeof modes / sizeof modes[0]; i++) {
    show("fesetround", fesetround(modes[i].mode));
    printf("round_%s: %.17g %.17g %.9g %ld\n", modes[i].name, one / three,
           -one / three, (double)(1.0f / fthree), lrint(2.5));
    printf("nearbyint_%s: %g %g\n", modes[i].name, nearbyint(2.5), nearbyint(-1.5));
  }
  fesetround(FE_TONEAREST);

  /* printf/strtod round trips */
  double parsed = strtod("0.1000000000000000055511151231257827", NULL);
  bits("strtod", parsed);
  char buf[64];
  snprintf(buf, sizeof buf, "%a", one / three);
  printf("hexfloat: %s\n", buf);
  snprintf(buf, sizeof buf, "%.3e|%10.4f|%-8.2g|", 12345.6789, -two / three, 1e-5);
  printf("formats: %s\n", buf);
  return 0;
}
