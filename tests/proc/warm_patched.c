/* A warm engine (emu/engine/engine_pool.h) may hand a program's code to the next
 * process of the same program without comparing it, when the code is
 * still exactly what the loader read from an unchangeable file
 * (Vma::content_id). A process that rewrote its own code (mprotect to
 * writable, patch, mprotect back) must not pass its rewritten code on:
 * later execs and forks of the same program run the original. Its stack
 * and data are handed on zeroed, never with the old process's values. */
#include "proc.h"
#include <stdint.h>
#include <sys/mman.h>

__attribute__((noinline, aligned(64))) int target(void) { return 1; }

static char marker[64];  /* .bss: must start zeroed in every process */

/* The whole executable mapping that holds target(), from /proc/self/maps:
 * protecting all of it (not a page inside it) leaves it one area with the
 * loader's exact range, the case a stale identity would get wrong. */
static int text_range(uintptr_t *lo, uintptr_t *hi) {
  FILE *f = fopen("/proc/self/maps", "r");
  if (!f) return -1;
  char line[512];
  int found = -1;
  while (fgets(line, sizeof line, f)) {
    unsigned long a, b;
    char perms[8];
    if (sscanf(line, "%lx-%lx %7s", &a, &b, perms) != 3) continue;
    if (perms[2] == 'x' && (uintptr_t)&target >= a && (uintptr_t)&target < b) {
      *lo = a, *hi = b, found = 0;
      break;
    }
  }
  fclose(f);
  return found;
}

static int patch_target(void) {
  uintptr_t lo, hi;
  if (text_range(&lo, &hi) != 0) return -1;
  if (mprotect((void *)lo, hi - lo, PROT_READ | PROT_WRITE | PROT_EXEC) != 0) return -1;
#if defined(__x86_64__)
  static const unsigned char code[] = {0xb8, 0x02, 0x00, 0x00, 0x00, 0xc3}; /* mov $2,%eax; ret */
#else
  static const unsigned char code[] = {0x13, 0x05, 0x20, 0x00, 0x67, 0x80, 0x00, 0x00}; /* li a0,2; ret */
#endif
  memcpy((void *)&target, code, sizeof code);
  __builtin___clear_cache((char *)&target, (char *)&target + sizeof code);
  if (mprotect((void *)lo, hi - lo, PROT_READ | PROT_EXEC) != 0) return -1;
  return 0;
}

static int run_self(const char *self, const char *mode) {
  pid_t pid = fork();
  if (pid == 0) {
    execl(self, self, mode, (char *)NULL);
    _exit(127);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int forked_target(void) {
  pid_t pid = fork();
  if (pid == 0) _exit(target() * 10 + (marker[0] != 0));
  int st = 0;
  waitpid(pid, &st, 0);
  return WEXITSTATUS(st);
}

int main(int argc, char **argv) {
  int (*volatile call)(void) = target; /* never inlined or folded */
  if (argc > 1 && strcmp(argv[1], "patch") == 0) {
    int before = call() * 10 + (marker[0] != 0);
    memset(marker, 'x', sizeof marker);
    if (patch_target() != 0) return 99;
    return before * 10 + call(); /* 102: fresh, then patched */
  }
  if (argc > 1 && strcmp(argv[1], "check") == 0) return call() * 10 + (marker[0] != 0);

  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n < 0) return 1;
  self[n] = 0;
  for (int round = 0; round < 4; round++) {
    int patched = run_self(self, "patch");
    int forked = forked_target();
    int exec_check = run_self(self, "check");
    printf("round %d: patched child %d, forked child %d, exec'd child %d\n", round, patched, forked, exec_check);
  }
  printf("parent: %d\n", call());
  return 0;
}
