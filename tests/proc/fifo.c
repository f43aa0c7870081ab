/* Named FIFOs behave as pipes do: a read-only open waits for a writer and
 * a write-only one for a reader (non-blocking: ENXIO without a reader), a
 * large blocking write goes through whole while the reader drains it,
 * writes of at most PIPE_BUF bytes from two writers never interleave, and
 * F_GETPIPE_SZ answers. */
#include "proc.h"
#include <limits.h>
#include <sys/stat.h>

#define BIG 300000
#define CHUNKS 64

/* Named by pid: the native references of both architectures run on the
 * host's /tmp, at the same time under ctest -j. */
static char path[64];

int main(void) {
  snprintf(path, sizeof path, "/tmp/vmrun-fifo-test-%d", (int)getpid());
  unlink(path);
  if (mkfifo(path, 0600) != 0) { printf("mkfifo: %s\n", strerror(errno)); return 1; }

  int fd = open(path, O_WRONLY | O_NONBLOCK);
  printf("write-only non-blocking open without a reader: %d %s\n", fd, fd < 0 ? err_name(errno) : "");
  fd = open(path, O_RDONLY | O_NONBLOCK);
  char c;
  printf("read-only non-blocking open without a writer: %s, read: %zd\n", fd >= 0 ? "ok" : err_name(errno), read(fd, &c, 1));
  close(fd);

  /* One big write: the child opens the read side after a pause, so the
   * parent's open blocks first; the write returns the whole count. */
  pid_t pid = fork();
  if (pid == 0) {
    usleep(100000);
    int r = open(path, O_RDONLY);
    static char buf[BIG];
    size_t got = 0;
    ssize_t n;
    unsigned sum = 0;
    while ((n = read(r, buf, sizeof buf)) > 0) {
      for (ssize_t i = 0; i < n; i++) sum = sum * 31 + (unsigned char)buf[i];
      got += n;
    }
    _exit(got == BIG && sum != 0 ? 0 : 1);
  }
  int w = open(path, O_WRONLY);
  printf("blocking write-only open returned once a reader came: %s\n", w >= 0 ? "ok" : err_name(errno));
  printf("F_GETPIPE_SZ: %d\n", fcntl(w, F_GETPIPE_SZ));
  static char big[BIG];
  for (int i = 0; i < BIG; i++) big[i] = (char)(i * 7 + 1);
  ssize_t n = write(w, big, BIG);
  printf("one write of %d bytes: %zd\n", BIG, n);
  close(w);
  int status;
  waitpid(pid, &status, 0);
  printf("reader got all of it: %s\n", WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "yes" : "no");

  /* Two writers, PIPE_BUF-sized writes: each block arrives whole. The
   * reader holds the FIFO open read-write from the start, so neither
   * writer's open waits and no early end-of-file cuts the read short. */
  int r = open(path, O_RDWR);
  pid_t writers[2];
  for (int k = 0; k < 2; k++) {
    writers[k] = fork();
    if (writers[k] == 0) {
      int fdw = open(path, O_WRONLY);
      char block[PIPE_BUF];
      memset(block, k ? 'B' : 'A', sizeof block);
      for (int i = 0; i < CHUNKS; i++)
        if (write(fdw, block, sizeof block) != (ssize_t)sizeof block) _exit(1);
      _exit(0);
    }
  }
  static char all[2 * CHUNKS * PIPE_BUF];
  size_t got = 0;
  while (got < sizeof all && (n = read(r, all + got, sizeof all - got)) > 0) got += n;
  int mixed = 0, a = 0, b = 0;
  for (size_t i = 0; i + PIPE_BUF <= got; i += PIPE_BUF) {
    for (size_t j = 1; j < PIPE_BUF; j++)
      if (all[i + j] != all[i]) { mixed++; break; }
    a += all[i] == 'A';
    b += all[i] == 'B';
  }
  for (int k = 0; k < 2; k++) waitpid(writers[k], &status, 0);
  printf("two writers: %zu bytes, blocks A %d, B %d, interleaved %d\n", got, a, b, mixed);
  close(r);
  unlink(path);
  return 0;
}
