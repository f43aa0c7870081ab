/* String and memory routines over many sizes and alignments, with
 * checksums.  glibc picks its implementations (SSE2, AVX2, EVEX, ...) by
 * CPUID, so this exercises whatever vector instructions the emulated CPU
 * advertises; results must not depend on the choice.  Strings are also
 * placed right before an unmapped page, where over-reading would fault. */
#include "common.h"
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#define PAGE 4096
#define MAXN 300

static uint32_t h = 2166136261u;
static void mix(uint64_t v) {
  for (int i = 0; i < 8; i++) { h = (h ^ (uint8_t)v) * 16777619u; v >>= 8; }
}
static int sgn(int v) { return (v > 0) - (v < 0); }
static void report(const char *name) { printf("%s: %08x\n", name, h); h = 2166136261u; }

static unsigned char src[MAXN + 64], dst[MAXN + 64], big[2 * MAXN + 128];

static void fill(unsigned char *p, size_t n, unsigned seed) {
  for (size_t i = 0; i < n; i++) p[i] = (unsigned char)((i * 131 + seed * 17) % 251 + 1);
}

int main(void) {
  /* memcpy */
  for (size_t n = 0; n <= MAXN; n++)
    for (int sa = 0; sa < 16; sa++)
      for (int da = 0; da < 16; da += 5) {
        fill(src, sizeof src, (unsigned)n);
        memset(dst, 0, sizeof dst);
        memcpy(dst + da, src + sa, n);
        for (size_t i = 0; i < n + 32 && da + i < sizeof dst; i++) mix(dst[da + i]);
      }
  report("memcpy");

  /* memmove, overlapping both ways */
  for (size_t n = 0; n <= MAXN; n += 3)
    for (int off = -20; off <= 20; off += 3) {
      fill(big, sizeof big, (unsigned)n);
      memmove(big + 64 + off, big + 64, n);
      for (size_t i = 0; i < n + 128 && i < sizeof big; i++) mix(big[i]);
    }
  report("memmove");

  /* memset */
  for (size_t n = 0; n <= MAXN; n++)
    for (int a = 0; a < 16; a += 3) {
      memset(dst, 0xee, sizeof dst);
      memset(dst + a, (int)(n & 0xff), n);
      for (size_t i = 0; i < sizeof dst; i++) mix(dst[i]);
    }
  report("memset");

  /* strlen, strchr, strrchr, memchr, rawmemchr, strnlen */
  for (size_t n = 0; n <= MAXN; n++)
    for (int a = 0; a < 16; a++) {
      fill(src, sizeof src, 7);
      char *s = (char *)src + a;
      s[n] = 0;
      mix(strlen(s));
      mix(strnlen(s, n / 2));
      char c = n ? s[n / 2] : 'x';
      char *p = strchr(s, c);
      mix(p ? (uint64_t)(p - s) : 9999);
      p = strrchr(s, c);
      mix(p ? (uint64_t)(p - s) : 9999);
      p = memchr(s, c, n);
      mix(p ? (uint64_t)(p - s) : 9999);
      p = memrchr(s, c, n);
      mix(p ? (uint64_t)(p - s) : 9999);
      mix(strchr(s, 0) - s);
      mix(strchr(s, 0xff) == NULL);
    }
  report("strlen_strchr_memchr");

  /* memcmp, strcmp, strncmp: only the sign of the result is defined */
  for (size_t n = 0; n <= MAXN; n++)
    for (int a = 0; a < 16; a += 3)
      for (int diff = -1; diff < (int)n; diff += 1 + (int)n / 7) {
        fill(src, sizeof src, 3);
        memcpy(dst + a, src, n + 1);
        if (diff >= 0) dst[a + diff] += (diff & 1) ? 1 : -1;
        src[n] = 0;
        dst[a + n] = 0;
        mix(sgn(memcmp(src, dst + a, n)));
        mix(sgn(strcmp((char *)src, (char *)dst + a)));
        mix(sgn(strncmp((char *)src, (char *)dst + a, n / 2)));
        mix(sgn(bcmp(src, dst + a, n)) != 0);
      }
  report("memcmp_strcmp");

  /* strcpy, strcat, stpcpy, strstr, strspn, strcspn */
  for (size_t n = 0; n <= 120; n++) {
    fill(src, sizeof src, 11);
    src[n] = 0;
    char out[400];
    memset(out, 'Z', sizeof out);
    char *e = stpcpy(out + (n & 7), (char *)src);
    mix(e - out);
    strcat(out, "tail");
    for (size_t i = 0; i < n + 16; i++) mix((unsigned char)out[i]);
    char needle[8];
    size_t m = n > 4 ? 4 : n;
    memcpy(needle, (char *)src + n - m, m);
    needle[m] = 0;
    char *f = strstr((char *)src, needle);
    mix(f ? (uint64_t)(f - (char *)src) : 9999);
    mix(strspn((char *)src, "\x01\x02\x03\x84\x85"));
    mix(strcspn((char *)src, "\x10\x20\x30"));
  }
  report("strcpy_strstr");

  /* strings that end right before an unmapped page */
  unsigned char *m = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap(m + PAGE, PAGE);
  for (size_t n = 0; n < 200; n++) {
    char *s = (char *)m + PAGE - 1 - n;
    memset(s, 'q', n);
    s[n] = 0;
    mix(strlen(s));
    mix(strchr(s, 'z') == NULL);
    mix(strrchr(s, 'q') ? (uint64_t)(strrchr(s, 'q') - s) : 9999);
    mix(memchr(s, 'z', n + 1) == NULL);
    mix(strcmp(s, s) == 0);
    char copy[256];
    strcpy(copy, s);
    mix(strlen(copy));
  }
  report("page_edge");
  return 0;
}
