/* Many memory areas: 20,000 single-page mappings of alternating protection
 * (no two can merge), written and read back; protection changes and holes
 * among them, with faults that must be precise (SEGV_ACCERR / SEGV_MAPERR,
 * the exact address, and no store after the faulting one); 3,000 separate
 * 200 KB anonymous mappings (what malloc does for large blocks); code
 * written, run, rewritten and run again in a fresh mapping. Guest areas
 * are not Unicorn regions (emu/mm/host_arena.h): Unicorn alone would abort
 * past ~4,090 regions and slow down quadratically well before. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGES 20000
#define PG 4096
#define BIG 3000
#define BIG_SIZE 200000

static sigjmp_buf env;
static volatile int got_code;
static volatile uintptr_t got_addr;
static volatile int spare;

static void on_segv(int s, siginfo_t *si, void *uc) {
  (void)s; (void)uc;
  got_code = si->si_code;
  got_addr = (uintptr_t)si->si_addr;
  siglongjmp(env, 1);
}

/* Store 1 to *ok, then 2 to *bad, then 3 to *ok: after a fault on *bad,
 * *ok must hold 1. */
__attribute__((noinline)) static void three_stores(volatile int *ok, volatile int *bad) {
  *ok = 1;
  *bad = 2;
  *ok = 3;
}

static void fault_case(const char *what, volatile int *ok, volatile int *bad) {
  got_code = 0;
  got_addr = 0;
  *ok = 0;
  if (sigsetjmp(env, 1) == 0) {
    three_stores(ok, bad);
    printf("%s: no fault\n", what);
  } else {
    printf("%s: %s, address %s, store after the fault %s\n", what,
           got_code == SEGV_ACCERR ? "SEGV_ACCERR" : got_code == SEGV_MAPERR ? "SEGV_MAPERR" : "other",
           got_addr == (uintptr_t)bad ? "exact" : "wrong", *ok == 1 ? "not done" : "done");
  }
}

typedef int (*fn_t)(void);

static void put_code(unsigned char *p, int value) {
#if defined(__x86_64__)
  p[0] = 0xb8; /* mov eax, imm32; ret */
  memcpy(p + 1, &value, 4);
  p[5] = 0xc3;
#elif defined(__riscv)
  uint32_t insns[2] = {0x00000513u | ((uint32_t)value << 20), 0x00008067u}; /* li a0, value; ret */
  memcpy(p, insns, sizeof insns);
#endif
  __builtin___clear_cache((char *)p, (char *)p + 16);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_segv;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGSEGV, &sa, NULL);

  /* One reservation, then a page at a time over it. */
  unsigned char *base = mmap(NULL, (size_t)PAGES * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) return 1;
  int mapped = 0;
  for (int i = 0; i < PAGES; i++) {
    int prot = (i & 1) ? PROT_READ : PROT_READ | PROT_WRITE;
    if (mmap(base + (size_t)i * PG, PG, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED) mapped++;
  }
  printf("single pages mapped: %d of %d\n", mapped, PAGES);
  long sum = 0;
  for (int i = 0; i < PAGES; i += 2) ((volatile int *)(base + (size_t)i * PG))[5] = i;
  for (int i = 0; i < PAGES; i++) sum += ((volatile int *)(base + (size_t)i * PG))[5];
  printf("sum of what was written: %ld\n", sum);

  FILE *maps = fopen("/proc/self/maps", "r");
  int lines = 0;
  for (int c; maps && (c = fgetc(maps)) != EOF;) lines += c == '\n';
  if (maps) fclose(maps);
  printf("/proc/self/maps has at least %d lines: %s\n", PAGES, lines >= PAGES ? "yes" : "no");

  /* Every fourth writable page becomes read-only; one page is unmapped. */
  int changed = 0;
  for (int i = 0; i < PAGES; i += 8) changed += mprotect(base + (size_t)i * PG, PG, PROT_READ) == 0;
  printf("mprotect read-only: %d\n", changed);
  printf("munmap a hole: %d\n", munmap(base + (size_t)1002 * PG, PG));
  volatile int *ok = (volatile int *)(base + (size_t)1002 * PG + PG * 2);  /* page 1004: RW */
  fault_case("write to a read-only page", ok, (volatile int *)(base + (size_t)1000 * PG + 64));
  fault_case("write to the hole", ok, (volatile int *)(base + (size_t)1002 * PG + 128));
  fault_case("write to a page mapped read-only", ok, (volatile int *)(base + (size_t)1001 * PG));
  fault_case("write to a writable page", ok, (volatile int *)(base + (size_t)1006 * PG));
  printf("munmap all: %d\n", munmap(base, (size_t)PAGES * PG));
  fault_case("write after munmap", &spare, (volatile int *)(base + (size_t)1004 * PG));

  /* Large blocks, one mapping each (their neighbours differ in nothing
   * but the fact of being separate mmaps). */
  static unsigned char *big[BIG];
  int ok_big = 0;
  for (int i = 0; i < BIG; i++) {
    big[i] = mmap(NULL, BIG_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (big[i] == MAP_FAILED) break;
    big[i][0] = (unsigned char)i;
    big[i][BIG_SIZE - 1] = (unsigned char)(i >> 8);
    ok_big++;
  }
  long check = 0;
  for (int i = 0; i < ok_big; i++) check += big[i][0] + 256 * big[i][BIG_SIZE - 1];
  int freed = 0;
  for (int i = 0; i < ok_big; i++) freed += munmap(big[i], BIG_SIZE) == 0;
  printf("200 KB mappings: %d, checksum %ld, unmapped %d\n", ok_big, check, freed);

  /* Code in a fresh mapping, rewritten in place. */
  unsigned char *code = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  put_code(code, 42);
  mprotect(code, PG, PROT_READ | PROT_EXEC);
  int first = ((fn_t)code)();
  mprotect(code, PG, PROT_READ | PROT_WRITE);
  put_code(code, 77);
  mprotect(code, PG, PROT_READ | PROT_EXEC);
  int second = ((fn_t)code)();
  printf("generated code: %d then %d\n", first, second);
  munmap(code, PG);
  return 0;
}
