/* Self-modifying code: a page of code rewritten and re-run 20,000 times
 * (each version returns a different constant), code patched in place
 * while running, and a page flipped between writable and executable.
 * Stale translations would show as wrong sums. Run natively (or under
 * qemu) and under vmrun: the outputs must match. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

typedef int (*fn_t)(void);

/* Code for "return k" on each architecture. */
static size_t emit_return(uint8_t *p, int32_t k) {
#if defined(__x86_64__)
  p[0] = 0xb8;  /* mov $k, %eax */
  memcpy(p + 1, &k, 4);
  p[5] = 0xc3;  /* ret */
  return 6;
#elif defined(__riscv)
  /* lui a0, hi; addiw a0, a0, lo; ret */
  int32_t lo = (k << 20) >> 20, hi = (k - lo) >> 12;
  uint32_t insn[3] = {0x37u | (10u << 7) | ((uint32_t)hi << 12),
                      0x1bu | (10u << 7) | (10u << 15) | ((uint32_t)lo << 20), 0x00008067u};
  memcpy(p, insn, sizeof insn);
  return sizeof insn;
#endif
}

int main(void) {
  uint8_t *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED) {
    printf("no RWX mapping\n");
    return 1;
  }
  long sum = 0;
  for (int i = 0; i < 20000; i++) {
    size_t n = emit_return(page + (i % 8) * 64, i * 7 + 1);
    __builtin___clear_cache((char *)page, (char *)page + 4096);
    sum += ((fn_t)(page + (i % 8) * 64))();
    (void)n;
  }
  printf("20,000 rewrites of one page, sum %ld (expected %ld)\n", sum, 7L * 19999 * 20000 / 2 + 20000);

  /* Same address, alternating W and X protections. */
  sum = 0;
  for (int i = 0; i < 2000; i++) {
    mprotect(page, 4096, PROT_READ | PROT_WRITE);
    emit_return(page, i);
    mprotect(page, 4096, PROT_READ | PROT_EXEC);
    __builtin___clear_cache((char *)page, (char *)page + 4096);
    sum += ((fn_t)page)();
  }
  printf("2,000 W^X flips, sum %ld (expected %ld)\n", sum, 1999L * 2000 / 2);

  /* Unmap and map again at the same address with new code. */
  sum = 0;
  for (int i = 0; i < 500; i++) {
    munmap(page, 4096);
    uint8_t *again = mmap(page, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    emit_return(again, i * 3);
    __builtin___clear_cache((char *)again, (char *)again + 4096);
    sum += ((fn_t)again)();
  }
  printf("500 unmap/map cycles, sum %ld (expected %ld)\n", sum, 3L * 499 * 500 / 2);
  return 0;
}
