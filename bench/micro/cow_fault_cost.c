/* What a copy-on-write page fault costs on this host: a 64 MiB process
 * forks, and the child writes one byte to each of 1000 pages (each a
 * copy-on-write fault), then asks the kernel to copy 1000 other pages in
 * one madvise(MADV_POPULATE_WRITE). A template's spawn pays the first kind
 * for every page it writes (bench/RESULTS.md, "Warm templates").
 *
 *   cow_fault_cost [rounds]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}

int main(int argc, char** argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 5;
  const size_t page = 4096, size = 64u << 20;
  char* p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return 1;
  memset(p, 1, size);
  for (int r = 0; r < rounds; r++) {
    double t0 = now_ms();
    pid_t child = fork();
    if (child == 0) {
      double t1 = now_ms();
      for (int i = 0; i < 1000; i++) p[i * page] = 2;
      double t2 = now_ms();
      int rc = madvise(p + 4000 * page, 1000 * page, MADV_POPULATE_WRITE);
      double t3 = now_ms();
      printf("fork %.2f ms; 1000 copy-on-write faults %.2f ms (%.1f us each); "
             "1000 pages by MADV_POPULATE_WRITE %.2f ms%s\n",
             t1 - t0, t2 - t1, (t2 - t1), t3 - t2, rc ? " (failed)" : "");
      fflush(stdout);
      _exit(0);
    }
    waitpid(child, NULL, 0);
  }
  return 0;
}
