/* memwalk: guest micro-benchmark — memcpy between two 4 MiB buffers placed
 * either by brk (sbrk) or by mmap (optionally at a fixed address), to show
 * whether where guest memory lives changes vmrun's speed (bench/RESULTS.md).
 *   memwalk brk|brk2|mmap [HEX_ADDR] [ROUNDS]     (ROUNDS=50)
 * brk: one sbrk for both buffers; brk2: one sbrk per buffer, so that vmrun
 * maps the heap as two adjacent regions; mmap: one mapping for both.
 * Build: gcc -static -O2 -o memwalk memwalk.c (riscv64-linux-gnu-gcc alike).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define SZ (4u << 20)

int main(int argc, char** argv) {
  const char* how = argc > 1 ? argv[1] : "mmap";
  uint64_t at = argc > 2 ? strtoull(argv[2], NULL, 16) : 0;
  int rounds = argc > 3 ? atoi(argv[3]) : 50;
  unsigned char *a, *b;
  if (strcmp(how, "brk2") == 0) {
    a = sbrk(SZ + 4096);
    if (a == (void*)-1 || sbrk(SZ + 4096) == (void*)-1) { perror("sbrk"); return 1; }
  } else if (strcmp(how, "brk") == 0) {
    a = sbrk(2 * SZ + 4096);
    if (a == (void*)-1) { perror("sbrk"); return 1; }
  } else {
    a = mmap(at ? (void*)at : NULL, 2 * SZ + 4096, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | (at ? MAP_FIXED : 0), -1, 0);
    if (a == MAP_FAILED) { perror("mmap"); return 1; }
  }
  b = a + SZ + 4096;
  memset(a, 1, 2 * SZ + 4096);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  uint64_t sum = 0;
  for (int r = 0; r < rounds; r++) {
    memcpy(b, a, SZ);
    memcpy(a, b, SZ);
    sum += a[r * 4099 % SZ] + b[r * 8191 % SZ];
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  printf("%s at %p: %d rounds %.3f s (sum %llu)\n", how, (void*)a, rounds,
         (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9, (unsigned long long)sum);
  return 0;
}
