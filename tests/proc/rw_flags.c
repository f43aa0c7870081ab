/* preadv2/pwritev2: offsets (-1 is the file's position), the RWF_* flags
 * (HIPRI, DSYNC, SYNC accepted; NOWAIT on a file and on an empty pipe;
 * APPEND with and without an offset), unknown flags, and the errors.
 * Writes avoid RWF_NOWAIT: the native reference's /tmp is ext4, which
 * refuses buffered non-blocking writes where tmpfs takes them. */
#include "proc.h"

#include <sys/uio.h>

#ifndef RWF_HIPRI
#define RWF_HIPRI 0x01
#define RWF_DSYNC 0x02
#define RWF_SYNC 0x04
#define RWF_NOWAIT 0x08
#endif
#ifndef RWF_APPEND
#define RWF_APPEND 0x10
#endif
#ifndef RWF_NOAPPEND
#define RWF_NOAPPEND 0x20
#endif

static void show(const char *what, ssize_t r) {
  if (r < 0) printf("%s: %s\n", what, err_name(errno));
  else printf("%s: %zd\n", what, r);
}

static void read_at(const char *what, int fd, off_t off, int flags) {
  char a[4] = {0}, b[8] = {0};
  struct iovec iov[2] = {{a, 3}, {b, 4}};
  ssize_t n = preadv2(fd, iov, 2, off, flags);
  if (n < 0) { printf("%s: %s\n", what, err_name(errno)); return; }
  printf("%s: %zd \"%.3s\" \"%.4s\", position %lld\n", what, n, a, b, (long long)lseek(fd, 0, SEEK_CUR));
}

static void contents(int fd) {
  char buf[64] = {0};
  ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  printf("  contents: %zd \"%s\"\n", n, n > 0 ? buf : "");
}

int main(void) {
  char path[] = "/tmp/rw_flags.XXXXXX";
  int fd = mkstemp(path);
  unlink(path);
  write(fd, "0123456789abcdef", 16);
  lseek(fd, 0, SEEK_SET);

  printf("-- preadv2\n");
  read_at("offset 2", fd, 2, 0);
  read_at("offset -1", fd, -1, 0);
  read_at("offset -1 again", fd, -1, 0);
  read_at("RWF_HIPRI", fd, 0, RWF_HIPRI);
  read_at("RWF_DSYNC", fd, 0, RWF_DSYNC);
  read_at("RWF_SYNC", fd, 0, RWF_SYNC);
  read_at("RWF_NOWAIT", fd, 0, RWF_NOWAIT);
  read_at("RWF_NOWAIT, offset -1", fd, -1, RWF_NOWAIT);
  read_at("at the end", fd, 16, 0);
  read_at("offset -2", fd, -2, 0);
  read_at("unknown flag", fd, 0, 0x10000000);
  struct iovec bad = {(void *)8, 4};
  show("bad buffer", preadv2(fd, &bad, 1, 0, 0));
  struct iovec *volatile bad_array = (struct iovec *)8;  /* hidden from the compiler's checks */
  show("bad iovec array", preadv2(fd, bad_array, 1, 0, 0));
  show("closed fd", preadv2(99, &bad, 1, 0, 0));

  printf("-- pwritev2\n");
  struct iovec w[2] = {{"XY", 2}, {"Z", 1}};
  lseek(fd, 4, SEEK_SET);
  show("offset 0", pwritev2(fd, w, 2, 0, 0));
  printf("  position %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
  contents(fd);
  show("offset -1", pwritev2(fd, w, 2, -1, 0));
  printf("  position %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
  contents(fd);
  show("RWF_APPEND, offset 1", pwritev2(fd, w, 2, 1, RWF_APPEND));
  printf("  position %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
  contents(fd);
  show("RWF_APPEND, offset -1", pwritev2(fd, w, 1, -1, RWF_APPEND));
  printf("  position %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
  contents(fd);
  show("RWF_DSYNC", pwritev2(fd, w, 1, 0, RWF_DSYNC));
  show("RWF_SYNC", pwritev2(fd, w + 1, 1, 2, RWF_SYNC));
  show("RWF_HIPRI", pwritev2(fd, w + 1, 1, 3, RWF_HIPRI));
  contents(fd);
  show("unknown flag", pwritev2(fd, w, 1, 0, 0x10000000));
  show("RWF_APPEND|RWF_NOAPPEND", pwritev2(fd, w, 1, 0, RWF_APPEND | RWF_NOAPPEND));
  show("offset -5", pwritev2(fd, w, 1, -5, 0));
  close(fd);

  printf("-- RWF_NOAPPEND on an O_APPEND description\n");
  char apath[] = "/tmp/rw_append.XXXXXX";
  int afd = mkstemp(apath);
  write(afd, "0123456789", 10);
  close(afd);
  afd = open(apath, O_RDWR | O_APPEND);
  unlink(apath);
  show("offset 2", pwritev2(afd, w, 2, 2, RWF_NOAPPEND));
  printf("  position %lld\n", (long long)lseek(afd, 0, SEEK_CUR));
  contents(afd);
  show("offset -1", pwritev2(afd, w, 1, -1, RWF_NOAPPEND));
  printf("  position %lld\n", (long long)lseek(afd, 0, SEEK_CUR));
  contents(afd);
  show("without it, offset 0", pwritev2(afd, w + 1, 1, 0, 0));
  contents(afd);
  printf("  still O_APPEND: %d\n", (fcntl(afd, F_GETFL) & O_APPEND) != 0);
  close(afd);

  int ro = open("/proc/self/exe", O_RDONLY);
  show("pwritev2 on a read-only fd", pwritev2(ro, w, 1, 0, 0));
  close(ro);

  printf("-- a pipe\n");
  int p[2];
  pipe(p);
  read_at("offset 0", p[0], 0, 0);
  read_at("empty, RWF_NOWAIT", p[0], -1, RWF_NOWAIT);
  show("write offset 0", pwritev2(p[1], w, 2, 0, 0));
  show("write offset -1", pwritev2(p[1], w, 2, -1, 0));
  show("write RWF_APPEND", pwritev2(p[1], w, 1, -1, RWF_APPEND));
  char a[4] = {0}, b[8] = {0};
  struct iovec iov[2] = {{a, 3}, {b, 4}};
  ssize_t n = preadv2(p[0], iov, 2, -1, RWF_NOWAIT);
  printf("read RWF_NOWAIT: %zd \"%.3s\" \"%.4s\"\n", n, a, b);
  /* A blocking read waits for the writer. */
  pid_t child = fork();
  if (child == 0) {
    sleep_ms(30);
    write(p[1], "late", 4);
    _exit(0);
  }
  memset(a, 0, sizeof a);
  memset(b, 0, sizeof b);
  n = preadv2(p[0], iov, 2, -1, 0);
  printf("blocking read: %zd \"%.3s\" \"%.4s\"\n", n, a, b);
  wait_for(child);
  return 0;
}
