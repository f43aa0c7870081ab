/* copyops: guest micro-benchmark behind the "copy phase on brk memory"
 * analysis in bench/RESULTS.md. Two 4 MiB buffers a and b = a + 4 MiB + GAP
 * in one area obtained from brk (sbrk), mmap, or malloc (two malloc calls,
 * like cpu_mem's copy phase), then ROUNDS rounds of the operations in OPS:
 *   c  memcpy(b, a, n)          s  memset(a + .., r, n/4)
 *   m  memmove(a + 1, a, n - 1) u  memcpy(a, b + (r & 63), n - 64)
 * (cpu_mem's copy phase is OPS=csmu).
 *   copyops brk|mmap|malloc GAP ROUNDS OPS     (GAP in bytes, decimal or 0x..;
 *                                               ignored for malloc)
 * Prints where a and b are, their distance in pages, and the time.
 * Build: gcc -static -O2 -o copyops copyops.c (riscv64-linux-gnu-gcc alike).
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define SZ ((size_t)4 << 20)

int main(int argc, char** argv) {
  const char* how = argc > 1 ? argv[1] : "brk";
  size_t gap = argc > 2 ? strtoull(argv[2], NULL, 0) : 4096;
  int rounds = argc > 3 ? atoi(argv[3]) : 20;
  const char* ops = argc > 4 ? argv[4] : "csmu";
  unsigned char *a, *b;
  size_t total = 2 * SZ + gap + 64;
  if (strcmp(how, "brk") == 0) {
    a = sbrk(total);
    if (a == (void*)-1) { perror("sbrk"); return 1; }
    b = a + SZ + gap;
  } else if (strcmp(how, "mmap") == 0) {
    a = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (a == MAP_FAILED) { perror("mmap"); return 1; }
    b = a + SZ + gap;
  } else {
    mallopt(M_MMAP_THRESHOLD, 64 << 20);  /* from the brk heap, as in cpu_mem */
    a = malloc(SZ);
    b = malloc(SZ);
  }
  size_t n = SZ;
  for (size_t i = 0; i < n; i++) a[i] = (unsigned char)(i * 7 + (i >> 11));
  memset(b, 0, n);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  uint64_t sum = 0;
  for (int r = 0; r < rounds; r++) {
    for (const char* o = ops; *o; o++) {
      switch (*o) {
        case 'c': memcpy(b, a, n); break;
        case 's': memset(a + (r * 4096) % (n / 2), r & 0xff, n / 4); break;
        case 'm': memmove(a + 1, a, n - 1); break;
        case 'u': memcpy(a, b + (r & 63), n - 64); break;
      }
    }
    for (size_t i = 0; i < n; i += 1021) sum = sum * 33 + a[i] + b[i];
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  long d = (long)(b - a);
  printf("%-6s a=%p b=%p b-a=%ld (%ld pages + %ld, pages mod 256 = %ld) ops=%s rounds=%d %.3f s\n",
         how, (void*)a, (void*)b, d, d >> 12, d & 4095, (d >> 12) % 256, ops, rounds,
         (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9);
  return sum == 42;  /* keep sum live */
}
