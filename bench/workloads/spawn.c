/* spawn: process-creation benchmark workload for vmrun (bench/run.sh).
 *
 *   spawn MODE N PROG [ARG...]
 *
 * Starts PROG ARG... N times, one after the other, and waits for each:
 *   fork         fork() + execve(PROG) in the child + waitpid()
 *   vfork        vfork() + execve(PROG) + waitpid()
 *   posix_spawn  posix_spawn(PROG) + waitpid()  (glibc: clone(CLONE_VM|CLONE_VFORK))
 * argv[0] of the child is the last path component of PROG unless the first
 * ARG is given with "-a NAME" (e.g. `spawn fork 100 /bin/busybox -a true`
 * runs busybox with argv {"true"}, i.e. its `true` applet).
 * The environment is passed on unchanged. Every child must exit 0.
 * stdout: one line "spawn MODE N ok" (identical everywhere);
 * stderr: "us_per_spawn X" measured with CLOCK_MONOTONIC around the loop.
 */
#define _GNU_SOURCE
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char** environ;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char** argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: spawn fork|vfork|posix_spawn N PROG [-a ARGV0] [ARG...]\n");
    return 2;
  }
  const char* mode = argv[1];
  long n = atol(argv[2]);
  const char* prog = argv[3];
  char** cargv = calloc(argc + 1, sizeof *cargv);
  int k = 0, i = 4;
  if (i + 1 < argc && strcmp(argv[i], "-a") == 0) {
    cargv[k++] = argv[i + 1];
    i += 2;
  } else {
    const char* slash = strrchr(prog, '/');
    cargv[k++] = (char*)(slash ? slash + 1 : prog);
  }
  for (; i < argc; i++) cargv[k++] = argv[i];
  cargv[k] = NULL;
  int m = strcmp(mode, "fork") == 0 ? 0 : strcmp(mode, "vfork") == 0 ? 1
        : strcmp(mode, "posix_spawn") == 0 ? 2 : -1;
  if (m < 0) { fprintf(stderr, "spawn: unknown mode %s\n", mode); return 2; }

  double t0 = now();
  for (long r = 0; r < n; r++) {
    pid_t pid;
    if (m == 2) {
      int e = posix_spawn(&pid, prog, NULL, NULL, cargv, environ);
      if (e != 0) { fprintf(stderr, "spawn: posix_spawn %s: %s\n", prog, strerror(e)); return 1; }
    } else {
      pid = m == 0 ? fork() : vfork();
      if (pid < 0) { perror("spawn: fork"); return 1; }
      if (pid == 0) {
        execve(prog, cargv, environ);
        _exit(127);
      }
    }
    int st;
    if (waitpid(pid, &st, 0) != pid) { perror("spawn: waitpid"); return 1; }
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
      fprintf(stderr, "spawn: child %ld: status 0x%x\n", r, st);
      return 1;
    }
  }
  double t1 = now();
  printf("spawn %s %ld ok\n", mode, n);
  fprintf(stderr, "us_per_spawn %.1f\n", n > 0 ? (t1 - t0) * 1e6 / n : 0.0);
  return 0;
}
