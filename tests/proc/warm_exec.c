/* Programs started one after another: vmrun keeps the engine of an ended
 * process warm, with its code translated, for the next process of the
 * same program (emu/engine/engine_pool.h). Two builds of one program that differ
 * in a single instruction (warm_variant_a exits 11, warm_variant_b 22,
 * same size) must never run each other's code: alternated by path, and
 * copied in turn over one path. fork and vfork children of this program
 * (which reuse its warm engines too) keep running the right code. */
#include "proc.h"
#include <libgen.h>
#include <sys/stat.h>

static char dir[4096];

static int run(const char *path, int use_vfork) {
  pid_t pid = use_vfork ? vfork() : fork();
  if (pid == 0) {
    execl(path, path, (char *)NULL);
    _exit(127);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int copy(const char *from, const char *to) {
  int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755);
  if (in < 0 || out < 0) return -1;
  char buf[65536];
  ssize_t n;
  while ((n = read(in, buf, sizeof buf)) > 0)
    if (write(out, buf, n) != n) return -1;
  close(in);
  close(out);
  return 0;
}

static int same_size(const char *a, const char *b) {
  struct stat sa, sb;
  return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_size == sb.st_size;
}

static int fork_value(int v) {
  /* A forked child of this program: its code comes from the parent. */
  pid_t pid = fork();
  if (pid == 0) _exit(v * 2);
  int st = 0;
  waitpid(pid, &st, 0);
  return WEXITSTATUS(st);
}

int main(void) {
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n < 0) return 1;
  self[n] = 0;
  snprintf(dir, sizeof dir, "%s", dirname(self));
  char a[4200], b[4200];
  snprintf(a, sizeof a, "%s/warm_variant_a", dir);
  snprintf(b, sizeof b, "%s/warm_variant_b", dir);
  printf("variants have the same size: %s\n", same_size(a, b) ? "yes" : "no");

  printf("alternating paths:");
  for (int i = 0; i < 6; i++) printf(" %d", run(i % 2 ? b : a, i % 3 == 2));
  printf("\n");

  char tmpl[] = "/tmp/warm-exec-XXXXXX";
  if (!mkdtemp(tmpl)) return 1;
  char one[4200];
  snprintf(one, sizeof one, "%s/prog", tmpl);
  printf("one path, contents replaced in turn:");
  for (int i = 0; i < 6; i++) {
    if (copy(i % 2 ? b : a, one) != 0) return 1;
    printf(" %d", run(one, i % 3 == 1));
  }
  printf("\n");
  unlink(one);
  rmdir(tmpl);

  printf("forked children of this program:");
  for (int i = 1; i <= 5; i++) printf(" %d", fork_value(i));
  printf("\n");
  return 0;
}
