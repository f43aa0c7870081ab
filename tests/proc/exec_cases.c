/* execve: errors (ENOENT, EACCES, ENOEXEC, ENOTDIR), a #! script, argv and
 * envp passing, FD_CLOEXEC closing on exec while other fds survive, dup2
 * onto stdout then exec, signal dispositions and mask across exec.
 * The program re-executes itself (argv[0]) in helper modes. */
#include "proc.h"
#include <sys/stat.h>

extern char **environ;
static const char *self;

static int mode_main(int argc, char **argv) {
  const char *m = argv[1];
  if (strcmp(m, "show-args") == 0) {
    printf("  argc=%d\n", argc);
    for (int i = 0; i < argc; i++)
      if (i != 0) {
        const char *a = argv[i];
        if (strncmp(a, "/tmp/proc-exec-", 15) == 0) printf("  argv[%d]=[SCRATCHDIR%s]\n", i, strrchr(a, '/'));
        else printf("  argv[%d]=[%s]\n", i, a);
      }
    int n = 0;
    for (char **e = environ; *e; e++) printf("  env[%d]=[%s]\n", n++, *e);
    return 0;
  }
  if (strcmp(m, "check-fds") == 0) {
    for (int i = 2; i < argc; i++) {
      int fd = atoi(argv[i]);
      errno = 0;
      int r = fcntl(fd, F_GETFD);
      printf("  fd %s after exec: %s\n", argv[i], r < 0 ? err_name(errno) : "open");
    }
    return 0;
  }
  if (strcmp(m, "say") == 0) {
    printf("%s\n", argv[2]);
    return 0;
  }
  if (strcmp(m, "sigs") == 0) {
    struct sigaction sa;
    sigaction(SIGUSR1, NULL, &sa);
    printf("  SIGUSR1 after exec: %s\n", sa.sa_handler == SIG_DFL ? "default" : sa.sa_handler == SIG_IGN ? "ignored" : "handler");
    sigaction(SIGUSR2, NULL, &sa);
    printf("  SIGUSR2 after exec: %s\n", sa.sa_handler == SIG_DFL ? "default" : sa.sa_handler == SIG_IGN ? "ignored" : "handler");
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("  SIGTERM blocked after exec: %d, SIGHUP blocked: %d\n", sigismember(&cur, SIGTERM), sigismember(&cur, SIGHUP));
    sigset_t pend;
    sigpending(&pend);
    printf("  SIGTERM still pending after exec: %d\n", sigismember(&pend, SIGTERM));
    return 0;
  }
  printf("unknown mode %s\n", m);
  return 2;
}

static void on_usr1(int s) { (void)s; }

/* Run execve(path, argv, envp) in a child; print the errno or the status. */
static void try_exec(const char *label, const char *path, char **av, char **ev) {
  int fds[2];
  CHECK(pipe2(fds, O_CLOEXEC) == 0);
  pid_t p = fork();
  if (p == 0) {
    close(fds[0]);
    execve(path, av, ev);
    int e = errno;
    write(fds[1], &e, sizeof e);
    _exit(127);
  }
  close(fds[1]);
  int e = 0;
  ssize_t n = read(fds[0], &e, sizeof e);
  close(fds[0]);
  int st = wait_for(p);
  if (n == sizeof e) printf("%s: execve failed with %s\n", label, err_name(e));
  else printf("%s: exec succeeded, %s\n", label, status_str(st));
}

int main(int argc, char **argv) {
  if (argc > 1) return mode_main(argc, argv);
  self = argv[0];
  char dir[] = "/tmp/proc-exec-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  char path[256];
  char *noargs[] = {"x", NULL};
  char *noenv[] = {NULL};

  try_exec("missing file", "/nonexistent/prog", noargs, noenv);
  snprintf(path, sizeof path, "%s/missing", dir);
  try_exec("missing file in existing dir", path, noargs, noenv);
  snprintf(path, sizeof path, "%s/plain", dir);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  CHECK(fd >= 0);
  CHECK(write(fd, "echo hi\n", 8) == 8);
  close(fd);
  try_exec("non-executable file (0644)", path, noargs, noenv);
  snprintf(path, sizeof path, "%s/plain/x", dir);
  try_exec("path through a regular file", path, noargs, noenv);
  try_exec("a directory", dir, noargs, noenv);
  snprintf(path, sizeof path, "%s/garbage", dir);
  fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
  CHECK(write(fd, "\x01\x02garbage that is no ELF and no script\n", 40) == 40);
  close(fd);
  try_exec("executable garbage", path, noargs, noenv);
  snprintf(path, sizeof path, "%s/empty", dir);
  fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
  close(fd);
  try_exec("empty executable file", path, noargs, noenv);
  snprintf(path, sizeof path, "%s/badinterp", dir);
  fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
  CHECK(write(fd, "#!/nonexistent/interp\n", 22) == 22);
  close(fd);
  try_exec("#! with a missing interpreter", path, noargs, noenv);

  /* A #! script run by /bin/sh (busybox sh in the guest, dash natively). */
  snprintf(path, sizeof path, "%s/script.sh", dir);
  fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
  const char *script = "#!/bin/sh\necho \"script args: $# [$1] [$2]\"\necho \"env V=$V\"\nexit 6\n";
  CHECK(write(fd, script, strlen(script)) == (ssize_t)strlen(script));
  close(fd);
  {
    char *av[] = {"script", "first arg", "second", NULL};
    char *ev[] = {"V=from-envp", "PATH=/bin:/usr/bin", NULL};
    try_exec("#! script", path, av, ev);
  }
  /* #! with an argument on the line, interpreter = ourselves. */
  snprintf(path, sizeof path, "%s/selfinterp", dir);
  fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
  char line[300];
  int len = snprintf(line, sizeof line, "#!%s show-args\n", self);
  CHECK(write(fd, line, len) == len);
  close(fd);
  {
    char *av[] = {"ignored-argv0", "a1", NULL};
    char *ev[] = {"ONLY=this", NULL};
    printf("#! line with an argument, interpreter = this program:\n");
    try_exec("  -> ", path, av, ev);
  }

  /* argv/envp passing: empty strings, spaces, many arguments, empty env. */
  {
    char *av[] = {"argv0-is-not-printed", "", "two words", "tab\there", "quote\"s", "-x", NULL};
    char *ev[] = {"A=1", "EMPTY=", "NOEQUALS", "B=with space", NULL};
    printf("argv/envp through execve:\n");
    try_exec("  -> ", self, (char *[]){"x", "show-args", "", "two words", "tab\there", "quote\"s", "-x", NULL}, ev);
    (void)av;
    char *av2[] = {"x", "show-args", NULL};
    printf("empty environment:\n");
    try_exec("  -> ", self, av2, noenv);
    static char *many[205];
    many[0] = "x"; many[1] = "show-args";
    for (int i = 2; i < 204; i++) { many[i] = malloc(8); snprintf(many[i], 8, "%d", i); }
    many[204] = NULL;
    int pfd[2];
    pipe(pfd);
    pid_t p = fork();
    if (p == 0) { dup2(pfd[1], 1); execve(self, many, noenv); _exit(127); }
    close(pfd[1]);
    char buf[8192];
    size_t total = 0;
    ssize_t n;
    unsigned sum = 0;
    while ((n = read(pfd[0], buf, sizeof buf)) > 0) {
      for (ssize_t i = 0; i < n; i++) sum = sum * 31 + (unsigned char)buf[i];
      total += n;
    }
    close(pfd[0]);
    printf("204 arguments: %zu bytes of output, checksum %08x, %s\n", total, sum, status_str(wait_for(p)));
  }

  /* FD_CLOEXEC: O_CLOEXEC, fcntl(F_SETFD), pipe2, dup3 close on exec; others survive. */
  {
    snprintf(path, sizeof path, "%s/plain", dir);
    int a = open(path, O_RDONLY);
    int b = open(path, O_RDONLY | O_CLOEXEC);
    int c = open(path, O_RDONLY);
    CHECK(fcntl(c, F_SETFD, FD_CLOEXEC) == 0);
    int pp[2];
    CHECK(pipe2(pp, O_CLOEXEC) == 0);
    int q[2];
    CHECK(pipe(q) == 0);
    int d = dup3(a, 20, O_CLOEXEC);
    int e = dup2(b, 21);          /* dup2 clears FD_CLOEXEC on the copy */
    int f = fcntl(a, F_DUPFD_CLOEXEC, 30);
    int g = fcntl(b, F_DUPFD, 31);
    printf("fd flags before exec: a=%d b=%d c=%d d=%d e=%d f=%d g=%d\n", fcntl(a, F_GETFD), fcntl(b, F_GETFD),
           fcntl(c, F_GETFD), fcntl(d, F_GETFD), fcntl(e, F_GETFD), fcntl(f, F_GETFD), fcntl(g, F_GETFD));
    char s[10][12];
    int list[] = {a, b, c, pp[0], pp[1], q[0], q[1], d, e, f};
    const char *names = "a (plain), b (O_CLOEXEC), c (F_SETFD), pipe2 O_CLOEXEC x2, pipe x2, dup3 O_CLOEXEC, dup2 of b, F_DUPFD_CLOEXEC";
    char *av[14] = {"x", "check-fds"};
    for (int i = 0; i < 10; i++) { snprintf(s[i], sizeof s[i], "%d", list[i]); av[2 + i] = s[i]; }
    av[12] = NULL;
    printf("fds: %s\n", names);
    try_exec("  -> ", self, av, noenv);
    close(a); close(b); close(c); close(pp[0]); close(pp[1]); close(q[0]); close(q[1]);
    close(d); close(e); close(f); close(g);
  }

  /* dup2 onto stdout, then exec: the new image writes into the pipe. */
  {
    int pfd[2];
    CHECK(pipe(pfd) == 0);
    pid_t p = fork();
    if (p == 0) {
      close(pfd[0]);
      dup2(pfd[1], 1);
      close(pfd[1]);
      execl(self, "x", "say", "hello through the pipe", (char *)NULL);
      _exit(127);
    }
    close(pfd[1]);
    char buf[100] = {0};
    ssize_t n, tot = 0;
    while ((n = read(pfd[0], buf + tot, sizeof buf - 1 - tot)) > 0) tot += n;
    close(pfd[0]);
    printf("dup2 onto stdout then exec: parent read [%.*s] (%zd bytes), %s\n", (int)(tot ? tot - 1 : 0), buf, tot,
           status_str(wait_for(p)));
    p = fork();
    if (p == 0) {
      char *av[] = {"busybox", "echo", "busybox", "via", "dup2", NULL};
      int pf[2];
      pipe(pf);
      pid_t q = fork();
      if (q == 0) { dup2(pf[1], 1); close(pf[0]); close(pf[1]); execve("/bin/busybox", av, noenv); _exit(127); }
      close(pf[1]);
      char b2[100] = {0};
      ssize_t m = read(pf[0], b2, sizeof b2 - 1);
      int st = wait_for(q);
      printf("/bin/busybox echo into a pipe: [%.*s] %s\n", (int)(m > 0 ? m - 1 : 0), b2, status_str(st));
      _exit(0);
    }
    wait_for(p);
  }

  /* Signal dispositions across exec: handlers reset, SIG_IGN kept, mask and pending kept. */
  {
    /* The header goes out before the fork: the child prints at once. */
    printf("signal state across exec:\n");
    pid_t p = fork();
    if (p == 0) {
      signal(SIGUSR1, on_usr1);
      signal(SIGUSR2, SIG_IGN);
      sigset_t m;
      sigemptyset(&m);
      sigaddset(&m, SIGTERM);
      sigprocmask(SIG_BLOCK, &m, NULL);
      raise(SIGTERM);  /* stays pending across exec */
      execl(self, "x", "sigs", (char *)NULL);
      _exit(127);
    }
    printf("  -> %s\n", status_str(wait_for(p)));
  }

  /* Clean up the scratch directory. */
  const char *files[] = {"plain", "garbage", "empty", "badinterp", "script.sh", "selfinterp"};
  for (unsigned i = 0; i < sizeof files / sizeof files[0]; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, files[i]);
    unlink(path);
  }
  CHECK(rmdir(dir) == 0);
  return 0;
}
