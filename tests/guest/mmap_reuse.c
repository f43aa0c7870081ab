/* Reusing address space: mmap, write, munmap, mmap again at the same
 * address (must read back zeros), MAP_FIXED over a used page, brk shrink
 * and regrow, mremap growth, MADV_DONTNEED. Long enough (> 2 M
 * instructions) to cross scheduling quanta: it found the riscv64 resume-PC
 * bug described in docs/UNICORN.md. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
static int nz(unsigned char *p, size_t n) { size_t c = 0; for (size_t i = 0; i < n; i++) c += p[i] != 0; return (int)c; }
int main(void) { setvbuf(stdout, 0, _IONBF, 0);
  size_t sizes[] = {4096, 16384, 135168, 266240, 1048576};
  for (int i = 0; i < 4; i++) {
    size_t n = sizes[i];
    unsigned char *a = mmap(0, n, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
    memset(a, 0xaa, n); munmap(a, n);
    unsigned char *b = mmap(0, n, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
    printf("remap %7zu nonzero=%d\n", n, nz(b, n));
    memset(b, 0xbb, n);
    unsigned char *d = mmap(b, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0);
    printf("  MAP_FIXED over used page: nonzero=%d\n", nz(d, 4096));
  }
  char *cur = sbrk(0); sbrk(65536); memset(cur, 0xcc, 65536); sbrk(-65536); sbrk(65536);
  printf("brk regrow nonzero=%d\n", nz((unsigned char *)cur, 65536));
  unsigned char *e = mmap(0, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
  memset(e, 0xdd, 8192);
  unsigned char *f = mremap(e, 8192, 65536, MREMAP_MAYMOVE);
  printf("mremap grow nonzero-tail=%d\n", nz(f + 8192, 65536 - 8192));
  unsigned char *g = mmap(0, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
  memset(g, 0xee, 8192); madvise(g, 8192, MADV_DONTNEED);
  printf("madvise DONTNEED nonzero=%d\n", nz(g, 8192));
  return 0;
}
