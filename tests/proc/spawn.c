/* vfork + exec, vfork sharing memory with the parent until exec/_exit,
 * posix_spawn of /bin/busybox echo (glibc: clone(CLONE_VM|CLONE_VFORK)),
 * posix_spawn file actions (dup2 into a pipe, open, close), errors
 * reported back through the shared memory (ENOENT), spawn attributes
 * (process group, signal mask, default signals). */
#include "proc.h"
#include <spawn.h>

extern char **environ;
static char *noenv[] = {NULL};

static void read_all(int fd, char *buf, size_t cap) {
  size_t tot = 0;
  ssize_t n;
  while (tot + 1 < cap && (n = read(fd, buf + tot, cap - 1 - tot)) > 0) tot += n;
  buf[tot] = 0;
  if (tot && buf[tot - 1] == '\n') buf[tot - 1] = 0;
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "report") == 0) {
    sigset_t m;
    sigprocmask(SIG_BLOCK, NULL, &m);
    struct sigaction sa;
    sigaction(SIGUSR1, NULL, &sa);
    printf("  spawned: pgid is own pid=%d, USR2 blocked=%d, USR1 %s\n", getpgid(0) == getpid(),
           sigismember(&m, SIGUSR2), sa.sa_handler == SIG_IGN ? "ignored" : "default");
    return 0;
  }

  /* vfork: the child borrows our memory; the parent resumes after _exit/exec. */
  volatile int shared = 1;
  pid_t c = vfork();
  if (c == 0) {
    shared = 2;
    _exit(3);
  }
  int st = wait_for(c);
  printf("vfork child wrote a variable before _exit: parent sees %d (shared memory), child %s\n", shared,
         status_str(st));

  int p[2];
  CHECK(pipe(p) == 0);
  c = vfork();
  if (c == 0) {
    dup2(p[1], 1);
    execl("/bin/busybox", "echo", "vfork", "and", "exec", (char *)NULL);
    _exit(127);
  }
  close(p[1]);
  char buf[256];
  read_all(p[0], buf, sizeof buf);
  close(p[0]);
  printf("vfork + exec busybox echo: [%s], %s\n", buf, status_str(wait_for(c)));

  c = vfork();
  if (c == 0) {
    execl("/nonexistent", "x", (char *)NULL);
    shared = 100 + errno;  /* visible to the parent only because memory is shared */
    _exit(127);
  }
  st = wait_for(c);
  printf("vfork + failed exec: child %s, errno passed through memory: %s\n", status_str(st),
         shared == 100 + ENOENT ? "ENOENT" : "not seen");

  /* posix_spawn of /bin/busybox echo, output captured with a dup2 file action. */
  CHECK(pipe(p) == 0);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, p[1], 1);
  posix_spawn_file_actions_addclose(&fa, p[0]);
  posix_spawn_file_actions_addclose(&fa, p[1]);
  char *av[] = {"echo", "hello", "from", "posix_spawn", NULL};
  pid_t sp;
  int r = posix_spawn(&sp, "/bin/busybox", &fa, NULL, av, noenv);
  posix_spawn_file_actions_destroy(&fa);
  close(p[1]);
  read_all(p[0], buf, sizeof buf);
  close(p[0]);
  printf("posix_spawn /bin/busybox echo: returned %s, output [%s], %s\n", err_name(r), buf,
         r == 0 ? status_str(wait_for(sp)) : "-");

  /* posix_spawnp with PATH lookup, stdin from a file opened by a file action. */
  CHECK(pipe(p) == 0);
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/proc/self/exe", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, p[1], 1);
  posix_spawn_file_actions_addclose(&fa, p[1]);
  char *av2[] = {"busybox", "head", "-c", "4", NULL};
  char *env2[] = {"PATH=/nonexistent:/bin", NULL};
  environ = env2;
  r = posix_spawnp(&sp, "busybox", &fa, NULL, av2, env2);
  posix_spawn_file_actions_destroy(&fa);
  close(p[1]);
  read_all(p[0], buf, sizeof buf);
  close(p[0]);
  printf("posix_spawnp busybox head -c 4 < /proc/self/exe: %s, output is the ELF magic: %s, %s\n", err_name(r),
         memcmp(buf, "\177ELF", 4) == 0 ? "yes" : "no", r == 0 ? status_str(wait_for(sp)) : "-");

  /* Errors come back as the return value (glibc passes them through shared memory). */
  r = posix_spawn(&sp, "/nonexistent/prog", NULL, NULL, av, noenv);
  printf("posix_spawn of a missing file: %s\n", err_name(r));
  if (r == 0) printf("  (child %s)\n", status_str(wait_for(sp)));
  r = posix_spawn(&sp, "/etc/passwd", NULL, NULL, av, noenv);
  printf("posix_spawn of a non-executable file: %s\n", err_name(r));
  if (r == 0) printf("  (child %s)\n", status_str(wait_for(sp)));
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 5, "/nonexistent/file", O_RDONLY, 0);
  r = posix_spawn(&sp, "/bin/busybox", &fa, NULL, av, noenv);
  posix_spawn_file_actions_destroy(&fa);
  printf("posix_spawn with a failing open file action: %s\n", err_name(r));
  if (r == 0) printf("  (child %s)\n", status_str(wait_for(sp)));

  /* Attributes: new process group, signal mask, reset to default. */
  posix_spawnattr_t at;
  posix_spawnattr_init(&at);
  posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&at, 0);
  sigset_t m;
  sigemptyset(&m);
  sigaddset(&m, SIGUSR2);
  posix_spawnattr_setsigmask(&at, &m);
  sigset_t def;
  sigemptyset(&def);
  posix_spawnattr_setsigdefault(&at, &def);
  signal(SIGUSR1, SIG_IGN);
  char *av3[] = {argv[0], "report", NULL};
  printf("posix_spawn with SETPGROUP/SETSIGMASK, SIGUSR1 ignored in the parent:\n");
  r = posix_spawn(&sp, argv[0], NULL, &at, av3, noenv);
  if (r == 0) printf("  %s\n", status_str(wait_for(sp)));
  else printf("  failed: %s\n", err_name(r));
  sigaddset(&def, SIGUSR1);
  posix_spawnattr_setsigdefault(&at, &def);
  printf("same with SETSIGDEF {SIGUSR1}:\n");
  r = posix_spawn(&sp, argv[0], NULL, &at, av3, noenv);
  if (r == 0) printf("  %s\n", status_str(wait_for(sp)));
  else printf("  failed: %s\n", err_name(r));
  posix_spawnattr_destroy(&at);
  signal(SIGUSR1, SIG_DFL);

  /* Many spawns in a row (no leaked fds or zombies). */
  int ok = 0;
  for (int i = 0; i < 20; i++) {
    char *t[] = {"true", NULL};
    if (posix_spawn(&sp, "/bin/busybox", NULL, NULL, t, noenv) == 0 && WIFEXITED(st = wait_for(sp)) &&
        WEXITSTATUS(st) == 0)
      ok++;
  }
  errno = 0;
  r = wait(NULL);
  int fd = open("/dev/null", O_RDONLY);
  printf("20 spawns of busybox true: %d succeeded, then wait: %s, next fd is 3: %d\n", ok, err_name(errno), fd == 3);
  return 0;
}
