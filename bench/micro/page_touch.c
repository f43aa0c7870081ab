// What a page costs a new process on this host: a parent writes N MiB,
// forks, and the child touches one byte per page: a first read, a second
// read, a first write (copy-on-write), a second write. With `huge`, the
// parent asks for transparent huge pages first (MADV_HUGEPAGE).
//   page_touch [MiB] [huge]
// On a PVM guest the first touch of a page in a new process costs even
// when its page-table entry was copied at fork (bench/RESULTS.md, "Warm
// jobs").
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char** argv) {
  size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 200;
  int huge = argc > 2 && strcmp(argv[2], "huge") == 0;
  size_t n = mib << 20, pages = n / 4096, align = 2ul << 20;
  char* raw = mmap(NULL, n + align, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return 1;
  char* p = (char*)(((unsigned long)raw + align - 1) & ~(align - 1));
  if (huge) madvise(p, n, MADV_HUGEPAGE);
  memset(p, 1, n);
  pid_t c = fork();
  if (c < 0) return 1;
  if (c == 0) {
    volatile char s = 0;
    double t0 = now();
    for (size_t i = 0; i < n; i += 4096) s += p[i];
    double t1 = now();
    for (size_t i = 0; i < n; i += 4096) s += p[i];
    double t2 = now();
    for (size_t i = 0; i < n; i += 4096) p[i] = 2;
    double t3 = now();
    for (size_t i = 0; i < n; i += 4096) p[i] = 3;
    double t4 = now();
    printf("%s pages, µs per page in the child: first read %.2f, second read %.3f, first write %.2f, second write %.3f\n",
           huge ? "huge" : "small", (t1 - t0) / pages * 1e6, (t2 - t1) / pages * 1e6, (t3 - t2) / pages * 1e6,
           (t4 - t3) / pages * 1e6);
    fflush(stdout);
    _exit(0);
  }
  waitpid(c, NULL, 0);
  c = fork();
  if (c == 0) {
    double t0 = now();
    for (size_t i = 0; i < n; i += 4096) p[i] = 2;
    double t1 = now();
    printf("%s pages, µs per page in the child: first write without a read %.2f\n", huge ? "huge" : "small",
           (t1 - t0) / pages * 1e6);
    fflush(stdout);
    _exit(0);
  }
  waitpid(c, NULL, 0);
  return 0;
}
