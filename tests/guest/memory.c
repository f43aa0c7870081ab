/* brk, mmap, munmap, mprotect, mremap and EFAULT from guest memory. */
#include "common.h"
#include <stdint.h>
#include <sys/mman.h>

#define PAGE 4096

static unsigned sum(const unsigned char *p, size_t n) {
  unsigned h = 2166136261u;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
  return h;
}

int main(void) {
  /* brk: grow by 1 MiB, touch every page, shrink back */
  char *b0 = sbrk(0);
  yesno("sbrk0_nonnull", b0 != (char *)-1 && b0 != NULL);
  char *b1 = sbrk(1 << 20);
  yesno("sbrk_grow", b1 == b0);
  yesno("sbrk_now_higher", (char *)sbrk(0) == b0 + (1 << 20));
  memset(b0, 0x5a, 1 << 20);
  printf("brk_sum: %08x\n", sum((unsigned char *)b0, 1 << 20));
  yesno("sbrk_shrink", sbrk(-(1 << 19)) != (void *)-1);
  yesno("sbrk_after_shrink", (char *)sbrk(0) == b0 + (1 << 19));
  b0[(1 << 19) - 1] = 1;  /* still mapped */

  /* mmap anonymous RW, zero filled */
  unsigned char *m = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  yesno("mmap_anon", m != MAP_FAILED);
  yesno("mmap_page_aligned", ((uintptr_t)m & (PAGE - 1)) == 0);
  int zero = 1;
  for (int i = 0; i < 4 * PAGE; i++) zero &= m[i] == 0;
  yesno("mmap_zero_filled", zero);
  for (int i = 0; i < 4 * PAGE; i++) m[i] = (unsigned char)(i * 7 + 3);
  printf("mmap_sum: %08x\n", sum(m, 4 * PAGE));

  /* munmap the last page; a syscall touching it fails with EFAULT */
  show("munmap_last", munmap(m + 3 * PAGE, PAGE));
  show("write_unmapped", write(1, m + 3 * PAGE, 16));
  show("munmap_unaligned", munmap(m + 1, PAGE));
  show("munmap_len0", munmap(m, 0));

  /* mprotect read-only: reading it from a syscall still works */
  memcpy(m + PAGE, "read-only page ok\n", 18);
  show("mprotect_ro", mprotect(m + PAGE, PAGE, PROT_READ));
  show("write_from_ro", write(1, m + PAGE, 18));
  show("mprotect_none", mprotect(m + 2 * PAGE, PAGE, PROT_NONE));
  show("write_from_none", write(1, m + 2 * PAGE, 10));
  show("mprotect_rw_again", mprotect(m + 2 * PAGE, PAGE, PROT_READ | PROT_WRITE));
  printf("sum_after_mprotect: %08x\n", sum(m + 2 * PAGE, PAGE));
  show("mprotect_unaligned", mprotect(m + 1, PAGE, PROT_READ));

  /* MAP_FIXED over an existing mapping zero-fills it */
  unsigned char *f = mmap(m, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  yesno("map_fixed_same_addr", f == m);
  yesno("map_fixed_zeroed", f[0] == 0 && f[PAGE - 1] == 0);

  /* mremap: grow with MAYMOVE keeps the contents */
  unsigned char *r = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  for (int i = 0; i < 2 * PAGE; i++) r[i] = (unsigned char)(i ^ 0xa5);
  unsigned before = sum(r, 2 * PAGE);
  unsigned char *r2 = mremap(r, 2 * PAGE, 64 * PAGE, MREMAP_MAYMOVE);
  yesno("mremap_grow", r2 != MAP_FAILED);
  yesno("mremap_contents_kept", r2 != MAP_FAILED && sum(r2, 2 * PAGE) == before);
  yesno("mremap_new_zero", r2 != MAP_FAILED && r2[63 * PAGE] == 0);
  unsigned char *r3 = mremap(r2, 64 * PAGE, PAGE, 0);
  yesno("mremap_shrink_in_place", r3 == r2);
  show("munmap_r", munmap(r3, PAGE));

  /* a large mapping, sparsely touched */
  size_t big = (size_t)64 << 20;
  unsigned char *g = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  yesno("mmap_64M", g != MAP_FAILED);
  for (size_t i = 0; i < big; i += 1 << 20) g[i] = 1;
  show("munmap_64M", munmap(g, big));

  /* invalid arguments */
  void *z = mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  show("mmap_len0", z == MAP_FAILED ? -1 : 0);
  z = mmap(NULL, PAGE, PROT_READ, MAP_ANONYMOUS, -1, 0);
  show("mmap_no_type", z == MAP_FAILED ? -1 : 0);
  z = mmap((void *)(uintptr_t)12345, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  show("mmap_fixed_unaligned", z == MAP_FAILED ? -1 : 0);
  z = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, 9999, 0);
  show("mmap_bad_fd", z == MAP_FAILED ? -1 : 0);
  show("munmap_all", munmap(m, 3 * PAGE));
  return 0;
}
