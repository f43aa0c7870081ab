/* CPU-bound work right after the two places where vmrun used to write the
 * program counter of a running engine: an emulated counter read (x86-64
 * rdtsc, riscv64 rdtime, both trapped and emulated) and the creation of a
 * thread. Unicorn then left its next block without restoring the PC, so
 * the first stop that came from outside (runs without a counting hook end
 * turns from a timer thread) resumed the task at a stale PC and re-ran
 * code with the wrong registers (docs/UNICORN.md, "A PC written during a
 * turn"). Each phase mixes a checksum long enough to be stopped many
 * times; the checksums are deterministic and printed. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#define ROUNDS 12000000

static uint64_t read_counter(void) {
#if defined(__x86_64__)
  uint32_t lo, hi;
  __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
  return ((uint64_t)hi << 32) | lo;
#elif defined(__riscv)
  uint64_t t;
  __asm__ volatile("rdtime %0" : "=r"(t));
  return t;
#else
  return 0;
#endif
}

/* Only direct branches: the blocks chain, so Unicorn stores no PC of its
 * own while this runs. */
static uint64_t mix(uint64_t seed, long rounds) {
  uint64_t x = seed, y = seed ^ 0x9e3779b97f4a7c15ull;
  for (long i = 0; i < rounds; i++) {
    x = x * 6364136223846793005ull + (uint64_t)i;
    y ^= x >> 29;
    y = (y << 7) | (y >> 57);
  }
  return x ^ y;
}

static void* worker(void* arg) {
  uint64_t* out = arg;
  *out = mix(7, ROUNDS);
  return NULL;
}

int main(void) {
  for (int round = 0; round < 3; round++) {
    uint64_t t1 = read_counter();
    uint64_t sum = mix((uint64_t)round, ROUNDS);
    uint64_t t2 = read_counter();
    printf("after a counter read %d: %016llx, counter moved forward: %s\n", round, (unsigned long long)sum,
           t2 > t1 ? "yes" : "no");
  }
  for (int round = 0; round < 2; round++) {
    pthread_t t;
    uint64_t theirs = 0;
    if (pthread_create(&t, NULL, worker, &theirs) != 0) return 1;
    uint64_t mine = mix(100 + (uint64_t)round, ROUNDS);
    pthread_join(t, NULL);
    printf("after a thread start %d: %016llx %016llx\n", round, (unsigned long long)mine, (unsigned long long)theirs);
  }
  return 0;
}
