/* The CPU state a Linux process starts with and the fixed CPU model vmrun
 * presents. Not a differential test (the host CPU differs): the unit test
 * "the CPU looks like Linux on a fixed model" checks the output. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void on_sigill(int sig) {
  (void)sig;
  printf("privileged: SIGILL\n");
  fflush(stdout);
  _exit(0);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
#if defined(__x86_64__)
  uint32_t a, b, c, d;
  char vendor[13] = {0};
  __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
  memcpy(vendor, &b, 4), memcpy(vendor + 4, &d, 4), memcpy(vendor + 8, &c, 4);
  printf("vendor: %s\n", vendor);
  __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
  printf("sse2: %u ssse3: %u sse4.2: %u popcnt: %u avx: %u xsave: %u\n", (d >> 26) & 1, (c >> 9) & 1,
         (c >> 20) & 1, (c >> 23) & 1, (c >> 28) & 1, (c >> 26) & 1);
  uint16_t fpcw;
  uint32_t mxcsr;
  __asm__ volatile("fnstcw %0" : "=m"(fpcw));
  __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
  printf("fpcw: %#x mxcsr: %#x\n", fpcw, mxcsr);
  /* SSE4.2 and POPCNT really execute. */
  unsigned long long x = 0xf0f0;
  unsigned long long n;
  __asm__("popcnt %1, %0" : "=r"(n) : "r"(x));
  printf("popcnt(0xf0f0): %llu\n", n);
  uint32_t lo1, hi1, lo2, hi2;
  __asm__ volatile("rdtsc" : "=a"(lo1), "=d"(hi1));
  __asm__ volatile("rdtsc" : "=a"(lo2), "=d"(hi2));
  printf("tsc: %llu %llu\n", (unsigned long long)hi1 << 32 | lo1, (unsigned long long)hi2 << 32 | lo2);
  signal(SIGSEGV, on_sigill);  /* Linux raises SIGSEGV (#GP) for privileged instructions */
  signal(SIGILL, on_sigill);
  __asm__ volatile("hlt");
  printf("privileged: executed\n");
#elif defined(__riscv)
  uint64_t c1, c2, t1, i1;
  __asm__ volatile("rdcycle %0" : "=r"(c1));
  __asm__ volatile("rdtime %0" : "=r"(t1));
  __asm__ volatile("rdinstret %0" : "=r"(i1));
  for (volatile int k = 0; k < 1000; k++) {
  }
  __asm__ volatile("rdcycle %0" : "=r"(c2));
  printf("cycle: %llu time: %llu instret: %llu delta: %llu\n", (unsigned long long)c1, (unsigned long long)t1,
         (unsigned long long)i1, (unsigned long long)(c2 - c1));
  double v = 1.0 / 3.0;
  printf("fpu: %.6f\n", v);
  signal(SIGILL, on_sigill);
  __asm__ volatile("csrw mstatus, zero");
  printf("privileged: executed\n");
#endif
  return 0;
}
