/* execve with hostile argument lists: more than ARG_MAX in total, one
 * string over MAX_ARG_STRLEN (128 KiB), a huge environment, a NULL argv,
 * and a large but legal list (which must arrive whole). Run natively (or
 * under qemu) and under vmrun: the outputs must match. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *en(int e) {
  const char *n = strerrorname_np(e);
  return n ? n : "E?";
}

static void try_exec(const char *what, char **argv, char **envp) {
  pid_t c = fork();
  if (c == 0) {
    execve("/proc/self/exe", argv, envp);
    printf("%s: %s\n", what, en(errno));
    fflush(stdout);
    _exit(0);
  }
  int st;
  waitpid(c, &st, 0);
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--child") == 0) {
    size_t total = 0;
    for (int i = 2; i < argc; i++) total += strlen(argv[i]);
    printf("child got %d arguments, %zu bytes\n", argc - 2, total);
    return 0;
  }
  setvbuf(stdout, NULL, _IONBF, 0);
  char *env0[] = {NULL};

  /* 300,000 arguments of 15 bytes: ~4.8 MB, over ARG_MAX (2 MiB with an
   * 8 MiB stack). */
  int n = 300000;
  char **big = calloc(n + 3, sizeof *big);
  big[0] = "e2big";
  big[1] = "--child";
  for (int i = 0; i < n; i++) big[i + 2] = "abcdefghijklmno";
  try_exec("300,000 arguments", big, env0);

  /* One argument of 200 KiB. */
  char *huge = malloc(200 * 1024 + 1);
  memset(huge, 'x', 200 * 1024);
  huge[200 * 1024] = 0;
  char *one[] = {"e2big", "--child", huge, NULL};
  try_exec("one 200 KiB argument", one, env0);

  /* A huge environment. */
  char **env = calloc(n + 1, sizeof *env);
  for (int i = 0; i < n; i++) env[i] = "K=vvvvvvvvvvvvv";
  char *plain[] = {"e2big", "--child", NULL};
  try_exec("300,000 environment strings", plain, env);

  /* Legal: 10,000 arguments of 15 bytes, and one of 100 KiB. */
  big[10002] = NULL;
  try_exec("10,000 arguments", big, env0);
  huge[100 * 1024] = 0;
  try_exec("one 100 KiB argument", one, env0);
  return 0;
}
