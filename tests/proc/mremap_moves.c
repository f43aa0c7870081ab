/* mremap's moves: MREMAP_FIXED to a chosen address (growing, shrinking,
 * over an existing mapping), MREMAP_DONTUNMAP (the old range stays mapped
 * and reads zeros; private anonymous memory only: vmrun refuses the
 * shared and file mappings Linux 5.13 added), and the argument checks. Whether a page is
 * mapped is asked with mprotect (ENOMEM for an unmapped one). */
#include "proc.h"

#include <sys/mman.h>

static long page;

static const char *mapped(void *p) { return mprotect(p, page, PROT_READ | PROT_WRITE) == 0 ? "mapped" : err_name(errno); }

static char *fresh(int pages, char fill) {
  char *p = mmap(NULL, pages * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  for (int i = 0; i < pages; i++) memset(p + i * page, fill + i, page);
  return p;
}

/* A free range of `pages` pages (reserved, then released). */
static char *hole(int pages) {
  char *p = mmap(NULL, pages * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap(p, pages * page);
  return p;
}

int main(void) {
  page = sysconf(_SC_PAGESIZE);
  char *a = fresh(3, 'a');
  char *to = hole(8);
  char *r = mremap(a, 3 * page, 5 * page, MREMAP_MAYMOVE | MREMAP_FIXED, to);
  printf("FIXED grow 3 -> 5 pages: %s, at the address asked: %s\n", r == MAP_FAILED ? err_name(errno) : "moved",
         r == to ? "yes" : "no");
  printf("  bytes: %c %c %c, new pages zero: %s; old range: %s\n", r[0], r[page], r[2 * page],
         r[3 * page] == 0 && r[5 * page - 1] == 0 ? "yes" : "no", mapped(a));

  char *b = fresh(4, 'k');
  char *to2 = hole(4);
  r = mremap(b, 4 * page, 2 * page, MREMAP_MAYMOVE | MREMAP_FIXED, to2);
  printf("FIXED shrink 4 -> 2 pages: %s; bytes %c %c; old head %s, old tail %s, past the new end %s\n",
         r == to2 ? "moved" : err_name(errno), r[0], r[page], mapped(b), mapped(b + 3 * page), mapped(to2 + 2 * page));

  /* Over an existing mapping: it is replaced. */
  char *c = fresh(2, 'p');
  char *victim = fresh(2, 'v');
  r = mremap(c, 2 * page, 2 * page, MREMAP_MAYMOVE | MREMAP_FIXED, victim);
  printf("FIXED over a mapping: %s; bytes %c %c\n", r == victim ? "replaced" : err_name(errno), victim[0], victim[page]);

  /* Checks. */
  char *d = fresh(2, 'x');
  errno = 0;
  r = mremap(d, 2 * page, 2 * page, MREMAP_FIXED, hole(2));
  printf("FIXED without MAYMOVE: %s\n", r == MAP_FAILED ? err_name(errno) : "moved");
  r = mremap(d, 2 * page, 2 * page, MREMAP_MAYMOVE | MREMAP_FIXED, hole(3) + 1);
  printf("FIXED to an unaligned address: %s\n", r == MAP_FAILED ? err_name(errno) : "moved");
  r = mremap(d, 2 * page, 4 * page, MREMAP_MAYMOVE | MREMAP_FIXED, d + page);
  printf("FIXED onto an overlapping range: %s\n", r == MAP_FAILED ? err_name(errno) : "moved");
  printf("  the area is still there: %c %c\n", d[0], d[page]);

  /* DONTUNMAP: moved, the old range stays mapped and reads zeros. */
  char *e = fresh(2, 'm');
  r = mremap(e, 2 * page, 2 * page, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
  printf("DONTUNMAP: %s; new bytes %c %c; old range %s, reads %d %d\n", r == MAP_FAILED ? err_name(errno) : "moved",
         r == MAP_FAILED ? '-' : r[0], r == MAP_FAILED ? '-' : r[page], mapped(e), e[0], e[page]);
  e[0] = 'w';
  printf("  the old range takes writes: %c, the new one keeps %c\n", e[0], r == MAP_FAILED ? '-' : r[0]);
  char *f = fresh(2, 'q');
  char *to3 = hole(2);
  r = mremap(f, 2 * page, 2 * page, MREMAP_MAYMOVE | MREMAP_DONTUNMAP | MREMAP_FIXED, to3);
  printf("DONTUNMAP | FIXED: %s, at the address asked: %s, old %s\n", r == MAP_FAILED ? err_name(errno) : "moved",
         r == to3 ? "yes" : "no", mapped(f));
  r = mremap(f, 2 * page, 3 * page, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
  printf("DONTUNMAP changing the size: %s\n", r == MAP_FAILED ? err_name(errno) : "moved");
  r = mremap(f, 2 * page, 2 * page, MREMAP_DONTUNMAP, NULL);
  printf("DONTUNMAP without MAYMOVE: %s\n", r == MAP_FAILED ? err_name(errno) : "moved");
  return 0;
}
