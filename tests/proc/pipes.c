/* Pipes between processes: EOF only after every writer closed, EPIPE and
 * SIGPIPE, 200 KB each way with a checksum, poll (timeout 0, data, hangup),
 * O_NONBLOCK reads and writes (EAGAIN), a pipe's capacity bound. */
#include "proc.h"
#include <poll.h>
#include <sys/sendfile.h>

static unsigned checksum(const unsigned char *p, size_t n, unsigned s) {
  for (size_t i = 0; i < n; i++) s = s * 16777619u ^ p[i];
  return s;
}

static void fill(unsigned char *buf, size_t n, unsigned seed) {
  for (size_t i = 0; i < n; i++) { seed = seed * 1103515245u + 12345u; buf[i] = (unsigned char)(seed >> 16); }
}

static const char *revents(short r) {
  static char ring[4][64];
  static int next;
  char *b = ring[next++ % 4];
  b[0] = 0;
  if (r & POLLIN) strcat(b, "IN ");
  if (r & POLLOUT) strcat(b, "OUT ");
  if (r & POLLHUP) strcat(b, "HUP ");
  if (r & POLLERR) strcat(b, "ERR ");
  if (r & POLLNVAL) strcat(b, "NVAL ");
  if (!b[0]) strcpy(b, "none ");
  b[strlen(b) - 1] = 0;
  return b;
}

int main(void) {
  /* EOF: the reader sees EOF only when every write end is closed. */
  {
    int p[2];
    CHECK(pipe(p) == 0);
    pid_t c = fork();
    if (c == 0) {  /* holds a write end for a while, writes, closes */
      close(p[0]);
      sleep_ms(50);
      write(p[1], "late", 4);
      _exit(0);
    }
    close(p[1]);
    char buf[16];
    ssize_t n = read(p[0], buf, sizeof buf);
    printf("read while the child holds the write end: %zd bytes [%.*s]\n", n, (int)(n > 0 ? n : 0), buf);
    n = read(p[0], buf, sizeof buf);
    printf("read after the child exited: %zd (EOF)\n", n);
    wait_for(c);
    close(p[0]);
    /* A write end left open in the parent itself keeps the reader waiting: check with poll. */
    CHECK(pipe(p) == 0);
    c = fork();
    if (c == 0) { close(p[0]); write(p[1], "x", 1); _exit(0); }
    wait_for(c);
    struct pollfd pf = {p[0], POLLIN, 0};
    read(p[0], buf, 1);
    int r = poll(&pf, 1, 0);
    printf("drained, parent still holds the write end: poll=%d revents=%s\n", r, revents(pf.revents));
    close(p[1]);
    r = poll(&pf, 1, 0);
    ssize_t rn = read(p[0], buf, 1);
    printf("after closing it: poll=%d revents=%s, read=%zd\n", r, revents(pf.revents), rn);
    close(p[0]);
  }

  /* EPIPE + SIGPIPE: default action kills the writer; ignored, write fails with EPIPE. */
  {
    int p[2];
    CHECK(pipe(p) == 0);
    close(p[0]);
    pid_t c = fork();
    if (c == 0) { write(p[1], "x", 1); _exit(0); }
    int st = wait_for(c);
    printf("write with no reader, SIGPIPE default: %s (WTERMSIG==SIGPIPE: %d)\n", status_str(st),
           WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE);
    c = fork();
    if (c == 0) {
      signal(SIGPIPE, SIG_IGN);
      errno = 0;
      ssize_t n = write(p[1], "x", 1);
      printf("write with no reader, SIGPIPE ignored: %zd %s\n", n, err_name(errno));
      _exit(0);
    }
    printf("  child %s\n", status_str(wait_for(c)));
    c = fork();
    if (c == 0) {
      sigset_t m;
      sigemptyset(&m);
      sigaddset(&m, SIGPIPE);
      sigprocmask(SIG_BLOCK, &m, NULL);
      errno = 0;
      ssize_t n = write(p[1], "x", 1);
      sigset_t pend;
      sigpending(&pend);
      printf("write with no reader, SIGPIPE blocked: %zd %s, SIGPIPE pending: %d\n", n, err_name(errno),
             sigismember(&pend, SIGPIPE));
      _exit(0);
    }
    printf("  child %s\n", status_str(wait_for(c)));
    close(p[1]);
    /* The reader closes while the writer is blocked on a full pipe. */
    CHECK(pipe(p) == 0);
    c = fork();
    if (c == 0) {
      close(p[0]);
      signal(SIGPIPE, SIG_IGN);
      static char big[300000];
      ssize_t tot = 0, n;
      while ((n = write(p[1], big + tot, sizeof big - tot)) > 0) tot += n;
      printf("writer blocked on a full pipe, reader closes: write -> %s after some bytes: %s\n",
             err_name(errno), tot > 0 ? "yes" : "no");
      _exit(0);
    }
    close(p[1]);
    char buf[1000];
    CHECK(read(p[0], buf, sizeof buf) > 0);
    sleep_ms(50);
    close(p[0]);
    printf("  child %s\n", status_str(wait_for(c)));
  }

  /* 200 KB parent -> child and child -> parent, checksummed. */
  {
    enum { N = 200 * 1024 };
    static unsigned char out[N], in[N];
    fill(out, N, 42);
    unsigned want = checksum(out, N, 0);
    int down[2], up[2];
    CHECK(pipe(down) == 0 && pipe(up) == 0);
    pid_t c = fork();
    if (c == 0) {
      close(down[1]);
      close(up[0]);
      static unsigned char buf[N];
      size_t tot = 0;
      ssize_t n;
      unsigned s = 0;
      int reads = 0;
      while ((n = read(down[0], buf + tot, 7000)) > 0) { tot += n; reads++; }
      s = checksum(buf, tot, 0);
      printf("child received %zu bytes, checksum %s\n", tot, s == want ? "matches" : "WRONG");
      /* echo it back transformed, in odd-sized writes */
      for (size_t i = 0; i < tot; i++) buf[i] ^= 0x5a;
      size_t off = 0;
      while (off < tot) {
        size_t k = tot - off < 12345 ? tot - off : 12345;
        n = write(up[1], buf + off, k);
        if (n <= 0) break;
        off += n;
      }
      _exit(reads > 0 ? 0 : 1);
    }
    close(down[0]);
    close(up[1]);
    size_t off = 0;
    while (off < N) {
      ssize_t n = write(down[1], out + off, N - off);
      if (n <= 0) { printf("write failed: %s\n", err_name(errno)); break; }
      off += n;
    }
    close(down[1]);
    size_t tot = 0;
    ssize_t n;
    while ((n = read(up[0], in + tot, N - tot)) > 0) tot += n;
    close(up[0]);
    for (size_t i = 0; i < tot; i++) in[i] ^= 0x5a;
    printf("parent got back %zu bytes, checksum %s\n", tot, checksum(in, tot, 0) == want ? "matches" : "WRONG");
    printf("  child %s\n", status_str(wait_for(c)));
  }

  /* poll: timeout 0 on an empty pipe, with data, POLLOUT, a child writing later. */
  {
    int p[2];
    CHECK(pipe(p) == 0);
    struct pollfd pf[2] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}};
    int r = poll(pf, 1, 0);
    printf("poll empty pipe, timeout 0: %d revents=%s\n", r, revents(pf[0].revents));
    r = poll(pf, 2, 0);
    printf("poll read+write ends: %d read=%s write=%s\n", r, revents(pf[0].revents), revents(pf[1].revents));
    write(p[1], "abc", 3);
    r = poll(pf, 1, 0);
    printf("poll with data: %d revents=%s\n", r, revents(pf[0].revents));
    char buf[8];
    read(p[0], buf, sizeof buf);
    pid_t c = fork();
    if (c == 0) { sleep_ms(50); write(p[1], "z", 1); _exit(0); }
    r = poll(pf, 1, 5000);
    printf("poll waiting for a child's write: %d revents=%s\n", r, revents(pf[0].revents));
    wait_for(c);
    read(p[0], buf, 1);
    r = poll(pf, 1, 30);
    printf("poll timeout 30 ms, nothing comes: %d\n", r);
    struct pollfd bad = {1000, POLLIN, 0};
    r = poll(&bad, 1, 0);
    printf("poll on a closed fd: %d revents=%s\n", r, revents(bad.revents));
    close(p[1]);
    r = poll(pf, 1, 0);
    printf("poll after the writer closed: %d revents=%s\n", r, revents(pf[0].revents));
    close(p[0]);
  }

  /* O_NONBLOCK: EAGAIN on an empty pipe and on a full one. */
  {
    int p[2];
    CHECK(pipe2(p, O_NONBLOCK) == 0);
    char buf[16];
    errno = 0;
    ssize_t n = read(p[0], buf, sizeof buf);
    printf("O_NONBLOCK read, empty pipe: %zd %s\n", n, err_name(errno));
    static char chunk[4096];
    size_t tot = 0;
    for (;;) {
      n = write(p[1], chunk, sizeof chunk);
      if (n < 0) break;
      tot += n;
      if (tot > (1 << 24)) break;
    }
    printf("O_NONBLOCK writes until full: stops with %s, capacity at least 4 KB: %s, bounded: %s\n",
           err_name(errno), tot >= 4096 ? "yes" : "no", tot <= (1 << 24) ? "yes" : "no");
    n = read(p[0], buf, sizeof buf);
    printf("read from the full pipe: %zd\n", n);
    close(p[1]);
    while ((n = read(p[0], chunk, sizeof chunk)) > 0) {}
    printf("O_NONBLOCK read after drain with no writer: %zd (EOF)\n", n);
    close(p[0]);
    /* Setting O_NONBLOCK with fcntl on a blocking pipe. */
    CHECK(pipe(p) == 0);
    int fl = fcntl(p[0], F_GETFL);
    printf("F_GETFL read end: O_RDONLY=%d O_NONBLOCK=%d\n", (fl & O_ACCMODE) == O_RDONLY, (fl & O_NONBLOCK) != 0);
    fcntl(p[0], F_SETFL, fl | O_NONBLOCK);
    errno = 0;
    n = read(p[0], buf, 1);
    printf("after F_SETFL O_NONBLOCK: %zd %s\n", n, err_name(errno));
    fl = fcntl(p[1], F_GETFL);
    printf("F_GETFL write end: O_WRONLY=%d\n", (fl & O_ACCMODE) == O_WRONLY);
    errno = 0;
    n = write(p[0], "x", 1);
    printf("write to the read end: %zd %s\n", n, err_name(errno));
    errno = 0;
    n = read(p[1], buf, 1);
    printf("read from the write end: %zd %s\n", n, err_name(errno));
    errno = 0;
    int lr = (int)lseek(p[0], 0, SEEK_SET);
    printf("lseek on a pipe: %d %s\n", lr, err_name(errno));
    close(p[0]);
    close(p[1]);
  }

  /* F_GETPIPE_SZ / F_SETPIPE_SZ: the size rounds up to a power-of-two
   * number of pages, bounds what a non-blocking writer can queue, and
   * cannot drop below the queued bytes. */
  {
    int p[2];
    CHECK(pipe2(p, O_NONBLOCK) == 0);
    printf("F_GETPIPE_SZ new pipe: %d\n", fcntl(p[0], F_GETPIPE_SZ));
    int set = fcntl(p[1], F_SETPIPE_SZ, 32768);
    printf("F_SETPIPE_SZ 32768: %d, then F_GETPIPE_SZ on the other end: %d\n", set, fcntl(p[0], F_GETPIPE_SZ));
    printf("F_SETPIPE_SZ 5000: %d\n", fcntl(p[0], F_SETPIPE_SZ, 5000));
    static char chunk[1000];
    size_t tot = 0;
    ssize_t n;
    while ((n = write(p[1], chunk, sizeof chunk)) > 0) tot += n;
    /* Writes of at most PIPE_BUF bytes are atomic: the ninth 1000-byte
     * write does not fit in the 192 bytes left and moves nothing. */
    printf("bytes queued in an 8 KB pipe: %zu, then %s\n", tot, err_name(errno));
    errno = 0;
    int r = fcntl(p[0], F_SETPIPE_SZ, 4096);
    printf("F_SETPIPE_SZ 4096 below the queued bytes: %d %s\n", r, err_name(errno));
    errno = 0;
    r = fcntl(p[0], F_SETPIPE_SZ, -1);
    printf("F_SETPIPE_SZ -1: %d %s\n", r, err_name(errno));
    int fd = open("/dev/null", O_RDONLY);
    errno = 0;
    r = fcntl(fd, F_GETPIPE_SZ);
    printf("F_GETPIPE_SZ on /dev/null: %d %s\n", r, err_name(errno));
    close(fd);
    close(p[0]);
    close(p[1]);
  }

  /* sendfile from a 200 KB file into a pipe read by a child: nothing lost. */
  {
    enum { N = 200 * 1024 };
    static unsigned char data[N];
    fill(data, N, 7);
    char path[] = "/tmp/proc-sendfile-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    CHECK(write(fd, data, N) == N);
    unlink(path);
    lseek(fd, 0, SEEK_SET);
    int p[2];
    CHECK(pipe(p) == 0);
    pid_t c = fork();
    if (c == 0) {
      close(p[1]);
      static unsigned char buf[N + 1];
      size_t tot = 0;
      ssize_t n;
      while ((n = read(p[0], buf + tot, N + 1 - tot)) > 0) tot += n;
      printf("sendfile into a pipe: child received %zu bytes, checksum %s\n", tot,
             tot == N && checksum(buf, tot, 0) == checksum(data, N, 0) ? "matches" : "WRONG");
      _exit(0);
    }
    close(p[0]);
    size_t sent = 0;
    int calls = 0;
    ssize_t n;
    while ((n = sendfile(p[1], fd, NULL, 1 << 24)) > 0) { sent += n; calls++; }
    off_t pos = lseek(fd, 0, SEEK_CUR);
    close(p[1]);
    wait_for(c);  /* the child prints first: no race between the two lines */
    printf("  sendfile returned %zu bytes in total, file offset advanced to the end: %s\n", sent,
           pos == N ? "yes" : "no");
    close(fd);
  }

  /* Atomic small writes from several children do not interleave. */
  {
    int p[2];
    CHECK(pipe(p) == 0);
    pid_t kids[4];
    for (int k = 0; k < 4; k++) {
      kids[k] = fork();
      if (kids[k] == 0) {
        char rec[64];
        memset(rec, 'a' + k, sizeof rec);
        for (int i = 0; i < 200; i++) write(p[1], rec, sizeof rec);
        _exit(0);
      }
    }
    close(p[1]);
    char rec[64];
    int good = 0, bad = 0, counts[4] = {0};
    size_t got = 0;
    ssize_t n;
    while ((n = read(p[0], rec + got, sizeof rec - got)) > 0) {
      got += n;
      if (got < sizeof rec) continue;
      got = 0;
      int ok = rec[0] >= 'a' && rec[0] <= 'd';
      for (unsigned i = 1; i < sizeof rec; i++) ok &= rec[i] == rec[0];
      if (ok) { good++; counts[rec[0] - 'a']++; } else bad++;
    }
    for (int k = 0; k < 4; k++) wait_for(kids[k]);
    printf("4 writers x 200 records of 64 bytes: %d intact, %d torn, per writer %d %d %d %d\n", good, bad,
           counts[0], counts[1], counts[2], counts[3]);
    close(p[0]);
  }
  return 0;
}
