/* cpu_mem: a CPU + memory benchmark workload for vmrun (bench/run.sh).
 *
 * Five phases over a few MiB of memory, all integer-only so the output is
 * identical natively, under qemu-user and under vmrun, on every arch:
 *   hash   integer hashing (splitmix64 / multiply-xorshift), register-bound
 *   sieve  sieve of Eratosthenes over an 8 MiB byte array (strided stores)
 *   sort   a hand-written quicksort + insertion sort of 1 Mi uint32 values
 *   copy   memcpy / memset / memmove of 4 MiB buffers (libc string routines)
 *   chase  pointer chasing through a 1 Mi-entry random cycle (Sattolo)
 * Usage: cpu_mem [PERCENT] [-t]   (PERCENT=100 by default: the work done
 *        grows linearly with it; -t prints each phase's wall time to stderr,
 *        stdout stays identical)
 *        cpu_mem PERCENT -t|- PHASES   runs only the named phases (e.g.
 *        "copy,chase"; for profiling one phase)
 * Prints one line per phase and a final checksum line.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int show_times;
static double t_last;
static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}
static void lap(const char* name) {
  double t = now();
  if (show_times) fprintf(stderr, "%-5s %.3f s\n", name, t - t_last);
  t_last = t;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t splitmix64(void) {
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static uint64_t phase_hash(long iters) {
  uint64_t h = 0xcbf29ce484222325ull, x = 1;
  for (long i = 0; i < iters; i++) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    uint64_t k = x;
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    h = (h ^ k) * 0x100000001b3ull;
    h = (h << 13) | (h >> 51);
  }
  return h;
}

static uint64_t phase_sieve(size_t n, int rounds) {
  unsigned char* s = malloc(n);
  uint64_t sum = 0;
  for (int r = 0; r < rounds; r++) {
    memset(s, 1, n);
    s[0] = s[1] = 0;
    for (size_t i = 2; i * i < n; i++)
      if (s[i])
        for (size_t j = i * i; j < n; j += i) s[j] = 0;
    uint64_t count = 0, last = 0;
    for (size_t i = 0; i < n; i++)
      if (s[i]) { count++; last = i; }
    sum = sum * 31 + count * 1000003 + last;
  }
  free(s);
  return sum;
}

static void isort(uint32_t* a, long lo, long hi) {
  for (long i = lo + 1; i <= hi; i++) {
    uint32_t v = a[i];
    long j = i - 1;
    while (j >= lo && a[j] > v) { a[j + 1] = a[j]; j--; }
    a[j + 1] = v;
  }
}
static void qsort_u32(uint32_t* a, long lo, long hi) {
  while (hi - lo > 16) {
    uint32_t p = a[lo + (hi - lo) / 2];
    long i = lo, j = hi;
    while (i <= j) {
      while (a[i] < p) i++;
      while (a[j] > p) j--;
      if (i <= j) { uint32_t t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; }
    }
    if (j - lo < hi - i) { qsort_u32(a, lo, j); lo = i; }
    else { qsort_u32(a, i, hi); hi = j; }
  }
  isort(a, lo, hi);
}
static uint64_t phase_sort(size_t n, int rounds) {
  uint32_t* a = malloc(n * sizeof *a);
  uint64_t sum = 0;
  for (int r = 0; r < rounds; r++) {
    for (size_t i = 0; i < n; i++) a[i] = (uint32_t)splitmix64();
    qsort_u32(a, 0, (long)n - 1);
    for (size_t i = 1; i < n; i++)
      if (a[i - 1] > a[i]) { printf("sort: not sorted at %zu\n", i); exit(1); }
    for (size_t i = 0; i < n; i += 4099) sum = sum * 131 + a[i];
  }
  free(a);
  return sum;
}

static uint64_t phase_copy(size_t n, int rounds) {
  unsigned char* a = malloc(n);
  unsigned char* b = malloc(n);
  for (size_t i = 0; i < n; i++) a[i] = (unsigned char)(i * 7 + (i >> 11));
  uint64_t sum = 0;
  for (int r = 0; r < rounds; r++) {
    memcpy(b, a, n);
    memset(a + (r * 4096) % (n / 2), r & 0xff, n / 4);
    memmove(a + 1, a, n - 1);        /* overlapping: backwards copy */
    memcpy(a, b + (r & 63), n - 64);  /* misaligned source */
    for (size_t i = 0; i < n; i += 1021) sum = sum * 33 + a[i] + b[i];
  }
  free(a);
  free(b);
  return sum;
}

static uint64_t phase_chase(size_t n, long steps) {
  uint32_t* next = malloc(n * sizeof *next);
  for (size_t i = 0; i < n; i++) next[i] = (uint32_t)i;
  for (size_t i = n - 1; i > 0; i--) {  /* Sattolo: one cycle through all */
    size_t j = splitmix64() % i;
    uint32_t t = next[i]; next[i] = next[j]; next[j] = t;
  }
  uint64_t sum = 0;
  uint32_t p = 0;
  for (long s = 0; s < steps; s++) { p = next[p]; sum += p; }
  free(next);
  return sum;
}

int main(int argc, char** argv) {
  long pct = argc > 1 ? atol(argv[1]) : 100;
  if (pct < 1) pct = 1;
  show_times = argc > 2 && strcmp(argv[2], "-t") == 0;
  const char* only = argc > 3 ? argv[3] : NULL;
#define RUN(name) (!only || strstr(only, name))
  setvbuf(stdout, NULL, _IOLBF, 0);
  t_last = now();
  uint64_t total = 0, v;
  if (RUN("hash")) { v = phase_hash(1500000L * pct); printf("hash  %016llx\n", (unsigned long long)v); lap("hash"); total ^= v; }
  if (RUN("sieve")) { v = phase_sieve(8u << 20, (int)(pct * 8 + 99) / 100); printf("sieve %016llx\n", (unsigned long long)v); lap("sieve"); total = total * 3 + v; }
  if (RUN("sort")) { v = phase_sort(1u << 20, (int)(pct * 5 + 99) / 100); printf("sort  %016llx\n", (unsigned long long)v); lap("sort"); total = total * 3 + v; }
  if (RUN("copy")) { v = phase_copy(4u << 20, (int)pct * 5); printf("copy  %016llx\n", (unsigned long long)v); lap("copy"); total = total * 3 + v; }
  if (RUN("chase")) { v = phase_chase(1u << 20, 100000L * pct); printf("chase %016llx\n", (unsigned long long)v); lap("chase"); total = total * 3 + v; }
  printf("checksum %016llx\n", (unsigned long long)total);
  return 0;
}
