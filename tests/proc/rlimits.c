/* Resource limits: every limit a process sets reads back, fork and exec
 * keep them, RLIMIT_FSIZE stops writes and growth of regular files
 * (SIGXFSZ, EFBIG, short writes) and not pipes, RLIMIT_AS stops mmap, brk
 * and mremap growth. Only limits the test itself set are printed: the
 * defaults are the machine's (or the sandbox's). Runs as root, like the
 * guest: raising a hard limit back is allowed. */
#include "proc.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>

/* Soft limits below any machine's default: the test lowers each to this. */
static const struct { int res; const char *name; unsigned long long soft; } kLimits[] = {
    {RLIMIT_CORE, "RLIMIT_CORE", 0},        {RLIMIT_STACK, "RLIMIT_STACK", 4 << 20}, {RLIMIT_CPU, "RLIMIT_CPU", 50},
    {RLIMIT_NOFILE, "RLIMIT_NOFILE", 64},   {RLIMIT_MEMLOCK, "RLIMIT_MEMLOCK", 4096},
    {RLIMIT_MSGQUEUE, "RLIMIT_MSGQUEUE", 4096}, {RLIMIT_LOCKS, "RLIMIT_LOCKS", 9},
};
#define NLIMITS (sizeof kLimits / sizeof kLimits[0])

static void show_soft(const char *who) {
  for (size_t i = 0; i < NLIMITS; i++) {
    struct rlimit r;
    if (getrlimit(kLimits[i].res, &r) != 0) printf("%s: getrlimit(%s): %s\n", who, kLimits[i].name, err_name(errno));
    else printf("%s: %s soft %llu\n", who, kLimits[i].name, (unsigned long long)r.rlim_cur);
  }
}

static int xfsz_caught;
static void on_xfsz(int sig) { (void)sig; xfsz_caught++; }

static void file_size_limit(void) {
  struct rlimit old, r;
  getrlimit(RLIMIT_FSIZE, &old);
  r.rlim_cur = 10000;
  r.rlim_max = old.rlim_max;
  CHECK(setrlimit(RLIMIT_FSIZE, &r) == 0);
  signal(SIGXFSZ, on_xfsz);
  char path[] = "/tmp/rlimits-XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  static char buf[20000];
  memset(buf, 'x', sizeof buf);
  ssize_t n = write(fd, buf, 8192);
  printf("FSIZE 10000: write 8192 -> %zd\n", n);
  n = write(fd, buf, 8192);
  printf("FSIZE 10000: write 8192 more -> %zd (short, up to the limit)\n", n);
  errno = 0;
  n = write(fd, buf, 1);
  printf("FSIZE 10000: write 1 at the limit -> %zd %s, SIGXFSZ caught %d\n", n, err_name(errno), xfsz_caught);
  errno = 0;
  n = pwrite(fd, buf, 10, 20000);
  printf("FSIZE 10000: pwrite at 20000 -> %zd %s, SIGXFSZ caught %d\n", n, err_name(errno), xfsz_caught);
  n = pwrite(fd, buf, 100, 9950);
  printf("FSIZE 10000: pwrite 100 at 9950 -> %zd\n", n);
  lseek(fd, 9000, SEEK_SET);
  struct iovec iov[2] = {{buf, 500}, {buf, 1000}};
  n = writev(fd, iov, 2);
  printf("FSIZE 10000: writev 500 + 1000 at 9000 -> %zd, SIGXFSZ caught %d\n", n, xfsz_caught);
  /* (each call before its printf: argument order is unspecified) */
  const char *res = RES(ftruncate(fd, 20000));
  printf("FSIZE 10000: ftruncate to 20000 -> %s, SIGXFSZ caught %d\n", res, xfsz_caught);
  printf("FSIZE 10000: ftruncate to 5000 -> %s\n", RES(ftruncate(fd, 5000)));
  printf("FSIZE 10000: ftruncate to 10000 -> %s\n", RES(ftruncate(fd, 10000)));
  res = RES(truncate(path, 10001));
  printf("FSIZE 10000: truncate to 10001 -> %s, SIGXFSZ caught %d\n", res, xfsz_caught);
  res = RES(fallocate(fd, 0, 0, 20000));
  printf("FSIZE 10000: fallocate 0..20000 -> %s, SIGXFSZ caught %d\n", res, xfsz_caught);
  struct stat st;
  fstat(fd, &st);
  printf("FSIZE 10000: the file has %lld bytes\n", (long long)st.st_size);
  close(fd);
  int afd = open(path, O_WRONLY | O_APPEND);
  errno = 0;
  n = write(afd, buf, 1);
  printf("FSIZE 10000: O_APPEND write at the end (10000) -> %zd %s, SIGXFSZ caught %d\n", n, err_name(errno),
         xfsz_caught);
  close(afd);
  int p[2];
  pipe(p);
  fcntl(p[1], F_SETPIPE_SZ, 65536);
  n = write(p[1], buf, 20000);
  printf("FSIZE 10000: a pipe takes %zd bytes\n", n);
  close(p[0]);
  close(p[1]);
  /* The default action of SIGXFSZ ends the process (no core: RLIMIT_CORE 0). */
  pid_t child = fork();
  if (child == 0) {
    struct rlimit none = {0, 0};
    setrlimit(RLIMIT_CORE, &none);
    signal(SIGXFSZ, SIG_DFL);
    int cfd = open(path, O_WRONLY);
    lseek(cfd, 0, SEEK_END);
    write(cfd, buf, 1);
    _exit(0);
  }
  int status;
  waitpid(child, &status, 0);
  printf("FSIZE 10000: a write past it with SIGXFSZ's default action: %s\n", status_str(status));
  unlink(path);
  signal(SIGXFSZ, SIG_DFL);
  CHECK(setrlimit(RLIMIT_FSIZE, &old) == 0);
}

static void address_space_limit(void) {
  struct rlimit old, r;
  getrlimit(RLIMIT_AS, &old);
  r.rlim_cur = 1ull << 30;
  r.rlim_max = old.rlim_max;
  CHECK(setrlimit(RLIMIT_AS, &r) == 0);
  getrlimit(RLIMIT_AS, &r);
  printf("AS: soft limit reads back as %llu\n", (unsigned long long)r.rlim_cur);
  void *big = mmap(NULL, 2ull << 30, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  printf("AS 1 GiB: mmap 2 GiB -> %s\n", big == MAP_FAILED ? err_name(errno) : "mapped");
  void *small = mmap(NULL, 16 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  printf("AS 1 GiB: mmap 16 MiB -> %s\n", small == MAP_FAILED ? err_name(errno) : "mapped");
  errno = 0;
  void *grown = mremap(small, 16 << 20, 1200ull << 20, MREMAP_MAYMOVE);
  printf("AS 1 GiB: mremap 16 MiB to 1200 MiB -> %s\n", grown == MAP_FAILED ? err_name(errno) : "grown");
  grown = mremap(small, 16 << 20, 32 << 20, MREMAP_MAYMOVE);
  printf("AS 1 GiB: mremap 16 MiB to 32 MiB -> %s\n", grown == MAP_FAILED ? err_name(errno) : "grown");
  if (grown != MAP_FAILED) small = grown;
  /* MAP_FIXED over what is mapped adds nothing. */
  void *again = mmap(small, 32 << 20, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  printf("AS 1 GiB: MAP_FIXED over the same 32 MiB -> %s\n", again == MAP_FAILED ? err_name(errno) : "mapped");
  munmap(small, 32 << 20);
  errno = 0;
  void *brk_r = sbrk(1536ll << 20);
  printf("AS 1 GiB: sbrk 1.5 GiB -> %s\n", brk_r == (void *)-1 ? err_name(errno) : "grown");
  void *m = malloc(1536ull << 20);
  printf("AS 1 GiB: malloc 1.5 GiB -> %s\n", m ? "allocated" : "NULL");
  free(m);
  CHECK(setrlimit(RLIMIT_AS, &old) == 0);
  big = mmap(NULL, 1536ull << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  printf("AS back to its old limit: mmap 1.5 GiB -> %s\n", big == MAP_FAILED ? err_name(errno) : "mapped");
  if (big != MAP_FAILED) munmap(big, 1536ull << 20);
}

int main(int argc, char **argv) {
  if (argc > 1) {  /* after exec: what was kept */
    show_soft("after exec");
    return 0;
  }
  struct rlimit orig[NLIMITS];
  for (size_t i = 0; i < NLIMITS; i++) {
    getrlimit(kLimits[i].res, &orig[i]);
    struct rlimit r = {kLimits[i].soft, orig[i].rlim_max}, back;
    int rc = setrlimit(kLimits[i].res, &r);
    getrlimit(kLimits[i].res, &back);
    printf("setrlimit(%s, soft %llu): %s; reads back %s\n", kLimits[i].name, kLimits[i].soft, RES(rc),
           back.rlim_cur == r.rlim_cur && back.rlim_max == r.rlim_max ? "as set" : "DIFFERENTLY");
  }
  /* prlimit64 reads and writes the same limits; a lowered hard limit holds. */
  struct rlimit newl = {9, 20}, oldl;
  printf("prlimit(0, RLIMIT_LOCKS, 9 / 20): %s\n", RES(prlimit(0, RLIMIT_LOCKS, &newl, &oldl)));
  printf("prlimit's old soft value: %llu\n", (unsigned long long)oldl.rlim_cur);
  getrlimit(RLIMIT_LOCKS, &oldl);
  printf("RLIMIT_LOCKS now %llu / %llu\n", (unsigned long long)oldl.rlim_cur, (unsigned long long)oldl.rlim_max);
  struct rlimit bad = {21, 20};
  printf("soft above hard: %s\n", RES(setrlimit(RLIMIT_LOCKS, &bad)));
  bad.rlim_cur = 20;
  printf("soft up to the lowered hard: %s\n", RES(setrlimit(RLIMIT_LOCKS, &bad)));
  bad.rlim_cur = 9;
  setrlimit(RLIMIT_LOCKS, &bad);
  printf("resource 99: %s\n", RES(setrlimit(99, &newl)));
  printf("prlimit of another process: %s\n", RES(prlimit(999999, RLIMIT_CORE, NULL, &oldl)));
  /* The NOFILE soft limit is what open() meets. */
  int opened = 0, fd, last = -1;
  int fds[128];
  while (opened < 128 && (fd = open("/dev/null", O_RDONLY)) >= 0) fds[opened++] = last = fd;
  printf("NOFILE 64: open fails with %s after fd %d\n", err_name(errno), last);
  while (opened > 0) close(fds[--opened]);

  pid_t child = fork();
  if (child == 0) {
    show_soft("forked child");
    execl("/proc/self/exe", argv[0], "after-exec", (char *)NULL);
    printf("exec: %s\n", err_name(errno));
    _exit(1);
  }
  int status;
  waitpid(child, &status, 0);
  printf("child: %s\n", status_str(status));

  /* A soft limit goes back up to its hard limit without privileges. */
  for (size_t i = 0; i < NLIMITS; i++)
    if (kLimits[i].res != RLIMIT_LOCKS)
      printf("raise %s's soft limit back: %s\n", kLimits[i].name, RES(setrlimit(kLimits[i].res, &orig[i])));

  file_size_limit();
  address_space_limit();
  return 0;
}
