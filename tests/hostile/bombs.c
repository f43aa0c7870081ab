/* Hostile guest behaviours that must end in a classified result with the
 * host untouched: tests/hostile/cases.txt runs each mode under vmrun with
 * limits and states the expected outcome. Modes print only lines that do
 * not depend on the architecture. Never run natively: some modes are
 * bombs (the program refuses unless argv[2] is "--sandboxed"). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <sys/syscall.h>
#include <time.h>
#include <termios.h>
#include <unistd.h>

static const char *en(int e) {
  const char *n = strerrorname_np(e);
  return n ? n : "E?";
}

/* Fork until refused, then kill every other process with kill(-1) (which
 * spares init, the caller) and reap them. */
static int forkbomb(void) {
  int n = 0;
  for (;;) {
    pid_t c = fork();
    if (c < 0) {
      printf("fork refused after %d children: %s\n", n, en(errno));
      break;
    }
    if (c == 0) {
      for (;;) pause();
    }
    if (++n > 100000) break;
  }
  printf("kill(-1, SIGKILL): %d\n", kill(-1, SIGKILL));
  int reaped = 0, st;
  while (wait(&st) > 0)
    if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) reaped++;
  printf("reaped %s\n", reaped == n ? "all, killed by SIGKILL" : "not all");
  printf("init alive\n");
  return 0;
}

static int mmap_huge(void) {
  size_t sizes[] = {(size_t)1 << 40, (size_t)1 << 36, (size_t)1 << 32, (size_t)1 << 30};
  for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    void *p = mmap(NULL, sizes[i], PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("mmap 2^%d bytes: %s\n", __builtin_ctzll(sizes[i]), p == MAP_FAILED ? en(errno) : "mapped");
    if (p != MAP_FAILED) munmap(p, sizes[i]);
  }
  void *p = mmap(NULL, (size_t)-4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  printf("mmap 2^64-4096 bytes: %s\n", p == MAP_FAILED ? en(errno) : "mapped");
  p = mmap((void *)0x1000, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  printf("mmap at 0x1000 (below mmap_min_addr): %s\n", p == MAP_FAILED ? en(errno) : "mapped");
  p = mmap((void *)0xffff800000000000ull, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  printf("mmap at a kernel address: %s\n", p == MAP_FAILED ? en(errno) : "mapped");
  return 0;
}

/* Touch memory until the sandbox refuses more (Linux would OOM-kill). */
static int touch(void) {
  size_t total = 0, chunk = 16 << 20;
  for (;;) {
    char *p = mmap(NULL, chunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
      printf("stopped by %s after %zu MiB\n", en(errno), total >> 20);
      break;
    }
    memset(p, 0xa5, chunk);
    total += chunk;
    if (total > ((size_t)64 << 30)) break;
  }
  return 0;
}

static int brk_loop(void) {
  size_t total = 0;
  while (sbrk(1 << 20) != (void *)-1) {
    total += 1 << 20;
    if (total > ((size_t)64 << 30)) break;
  }
  printf("brk refused after %zu MiB: %s\n", total >> 20, en(errno));
  return 0;
}

/* 70,000 one-page mappings with alternating protections: each is its own
 * mapping, and Linux refuses past vm.max_map_count (65,530 by default),
 * as the sandbox does; it must never abort (Unicorn alone would past
 * ~4,090 regions). */
static int mappings(void) {
  static void *maps[70000];
  int made = 0, err = 0;
  for (int i = 0; i < 70000; i++) {
    int prot = i % 2 ? PROT_READ : PROT_READ | PROT_WRITE;
    void *p = mmap(NULL, 4096, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
      err = errno;
      break;
    }
    maps[made++] = p;
  }
  if (err)
    printf("alternating mappings: stopped by %s\n", en(err));
  else
    printf("alternating mappings: all 70000\n");
  int unmapped = 0;
  for (int i = 0; i < made; i++) unmapped += munmap(maps[i], 4096) == 0;
  printf("unmapped them all: %s\n", unmapped == made ? "yes" : "no");
  /* and one large mapping split by mprotect into alternating pages */
  char *big = mmap(NULL, 4096 * 20000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  int split = 0;
  err = 0;
  if (big == MAP_FAILED) {
    printf("mmap of 20000 pages: %s\n", en(errno));
  } else {
    for (int i = 0; i < 20000; i += 2) {
      if (mprotect(big + (size_t)i * 4096, 4096, PROT_READ) != 0) {
        err = errno;
        break;
      }
      split++;
    }
  }
  printf("mprotect splits: %s\n", err ? en(err) : "all 10000");
  if (big != MAP_FAILED) {
    big[4096] = 1; /* odd pages kept their write permission */
    printf("memory still usable: %s\n", munmap(big, 4096 * 20000) == 0 ? "yes" : "no");
  }
  return 0;
}

static int fds(void) {
  int n = 0, fd;
  while ((fd = open("/dev/null", O_RDONLY)) >= 0) n++;
  printf("open refused: %s\n", en(errno));
  int p[2];
  printf("pipe when full: %s\n", pipe(p) < 0 ? en(errno) : "ok");
  printf("dup2 to 1000000: %s\n", dup2(0, 1000000) < 0 ? en(errno) : "ok");
  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  printf("open count + 3 == RLIMIT_NOFILE: %s\n", (rlim_t)(n + 3) == rl.rlim_cur ? "yes" : "no");
  rl.rlim_cur = rl.rlim_max + 1;
  printf("raise RLIMIT_NOFILE above max: %s\n", setrlimit(RLIMIT_NOFILE, &rl) < 0 ? en(errno) : "ok");
  return 0;
}

/* AF_UNIX abuse: sockets sent over themselves (cycles only the end of the
 * run frees), queues filled, a listener's backlog flooded, names taken by
 * the thousand. Everything must be refused at a bound, then still work. */
static int send_fds(int s, int a, int b) {
  char ctl[CMSG_SPACE(2 * sizeof(int))] = {0};
  struct iovec iov = {"x", 1};
  struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
  struct cmsghdr *c = CMSG_FIRSTHDR(&m);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(2 * sizeof(int));
  memcpy(CMSG_DATA(c), (int[]){a, b}, 2 * sizeof(int));
  return sendmsg(s, &m, MSG_DONTWAIT);
}

/* Internet sockets: every destination off the loopback is unreachable (the
 * emulator's seccomp filter would kill it had it tried a host socket, so
 * "exited" shows it never did); listeners, connections and datagrams are
 * bounded: the fd limit ends a listener flood, a full backlog refuses a
 * non-blocking connect, a flooded UDP receiver drops what it cannot queue. */
static int inet(void) {
  const char *v4[] = {"10.1.2.3", "8.8.8.8", "169.254.169.254", "100.64.0.1"};
  int unreachable = 0;
  for (int i = 0; i < 4; i++) {
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(443)};
    inet_pton(AF_INET, v4[i], &a.sin_addr);
    int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (connect(s, (struct sockaddr *)&a, sizeof a) < 0 && errno == ENETUNREACH) unreachable++;
    close(s);
    s = socket(AF_INET, SOCK_DGRAM, 0);
    if (sendto(s, "q", 1, 0, (struct sockaddr *)&a, sizeof a) < 0 && errno == ENETUNREACH) unreachable++;
    close(s);
  }
  struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_port = htons(443)};
  inet_pton(AF_INET6, "2001:db8::1", &a6.sin6_addr);
  int s6 = socket(AF_INET6, SOCK_STREAM, 0);
  if (connect(s6, (struct sockaddr *)&a6, sizeof a6) < 0 && errno == ENETUNREACH) unreachable++;
  close(s6);
  printf("non-loopback destinations unreachable: %d of 9\n", unreachable);
  /* Listeners until the fd limit. */
  int n = 0, s;
  while ((s = socket(AF_INET, SOCK_STREAM, 0)) >= 0) {
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 1) < 0) break;
    n++;
  }
  printf("listener flood stopped by %s\n", en(errno));
  for (int fd = 3; fd < 100000; fd++) close(fd);
  /* A backlog of 2: non-blocking connects beyond it wait (EAGAIN). */
  int l = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in la = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof la;
  bind(l, (struct sockaddr *)&la, sizeof la);
  listen(l, 2);
  getsockname(l, (struct sockaddr *)&la, &len);
  int c, made = 0, err = 0;
  for (int i = 0; i < 100; i++) {
    c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (connect(c, (struct sockaddr *)&la, sizeof la) < 0 && errno != EINPROGRESS) {
      err = errno;
      break;
    }
    made++;
  }
  printf("backlog full after %d: %s\n", made, en(err));
  for (int fd = 3; fd < 100000; fd++) close(fd);
  /* A UDP flood: the sender never blocks, the receiver keeps a bounded queue. */
  int r = socket(AF_INET, SOCK_DGRAM, 0), w = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in ra = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  len = sizeof ra;
  bind(r, (struct sockaddr *)&ra, sizeof ra);
  getsockname(r, (struct sockaddr *)&ra, &len);
  static char dgram[65507];
  long sent = 0;
  for (int i = 0; i < 20000; i++)
    if (sendto(w, dgram, i % 2 ? sizeof dgram : 1, 0, (struct sockaddr *)&ra, sizeof ra) > 0) sent++;
  long queued = 0;
  while (recv(r, dgram, sizeof dgram, MSG_DONTWAIT) >= 0) queued++;
  printf("udp flood: %ld sent, %s queued\n", sent, queued > 0 && queued <= 1024 ? "at most 1024" : "unbounded");
  printf("too large a datagram: %s\n", sendto(w, dgram, 70000, 0, (struct sockaddr *)&ra, sizeof ra) < 0 ? en(errno) : "sent");
  return 0;
}

static int sockets(void) {
  int sp[2], cycles = 0, err = 0;
  for (int i = 0; i < 100000; i++) {
    if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sp) < 0) {
      err = errno;
      break;
    }
    int r = send_fds(sp[0], sp[0], sp[1]);
    if (r < 0) err = errno;
    close(sp[0]);
    close(sp[1]);
    if (r < 0) break;
    cycles++;
  }
  printf("self-referencing sockets stopped by %s\n", en(err));
  socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sp);
  static char chunk[65536];
  long queued = 0, w;
  while ((w = write(sp[0], chunk, sizeof chunk)) > 0) queued += w;
  printf("stream queue full: %s after %ld KiB\n", en(errno), queued / 1024);
  close(sp[0]);
  close(sp[1]);
  int l = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un a = {.sun_family = AF_UNIX, .sun_path = "/tmp/flood.sock"};
  bind(l, (struct sockaddr *)&a, sizeof a);
  listen(l, 100000);
  int n = 0, c;
  while ((c = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0)) >= 0 && connect(c, (struct sockaddr *)&a, sizeof a) == 0) n++;
  printf("connections refused after the backlog or the fd limit: %s\n", en(errno));
  for (int fd = 4; fd < 100000; fd++) close(fd);
  int names = 0;
  for (int i = 0; i < 100000; i++) {
    int s = socket(AF_UNIX, SOCK_DGRAM, 0);
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(sa_family_t)) < 0) break;
    names++;
  }
  printf("autobind stopped by %s\n", en(errno));
  for (int fd = 3; fd < 100000; fd++) close(fd);
  int ok = socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == 0 && write(sp[0], "y", 1) == 1 && read(sp[1], chunk, 1) == 1;
  printf("sockets still usable: %s\n", ok ? "yes" : "no");
  return 0;
}

/* Lock flood: one-byte record locks on every other byte until refused
 * (the run's lock table is bounded: ENOLCK), then one unlock of the whole
 * file frees them all, and a flock still works. */
/* Watch flood: a watch on each of 9,000 files until refused (ENOSPC past
 * 8192, Linux's max_user_watches of old), then an instance flood (EMFILE
 * past 128), an event flood over all of them with long names (the run's
 * bound on queued bytes overflows them before their 16384 events), and
 * watching still works once one watch is removed. */
static int watches(void) {
  if (mkdir("/tmp/w", 0755) != 0) return 1;
  int in = inotify_init1(IN_NONBLOCK);
  if (in < 0) return 1;
  int taken = 0, err = 0, first = -1;
  char path[64];
  for (int i = 0; i < 9000; i++) {
    /* 100 to a directory: a path walk costs what a step's directory holds. */
    snprintf(path, sizeof path, "/tmp/w/%d", i / 100);
    if (i % 100 == 0 && mkdir(path, 0755) != 0) return 1;
    snprintf(path, sizeof path, "/tmp/w/%d/%d", i / 100, i % 100);
    int fd = open(path, O_WRONLY | O_CREAT, 0600);
    if (fd < 0) return 1;
    close(fd);
    int wd = inotify_add_watch(in, path, IN_ALL_EVENTS);
    if (wd < 0) {
      err = errno;
      break;
    }
    if (first < 0) first = wd;
    taken++;
  }
  printf("watches refused after %d: %s\n", taken, en(err));
  int instances = 1, fds[1000];
  err = 0;
  for (int i = 0; i < 1000; i++) {
    if ((fds[instances - 1] = inotify_init1(IN_NONBLOCK)) < 0) {
      err = errno;
      break;
    }
    instances++;
  }
  printf("instances refused after %d: %s\n", instances, en(err));
  for (int i = 0; i < instances - 1; i++) inotify_add_watch(fds[i], "/tmp/w", IN_CREATE | IN_DELETE);
  char name[256];
  memset(name, 'n', 200);
  for (int i = 0; i < 4000; i++) {
    snprintf(name + 200, 56, "%d", i);
    char full[300];
    snprintf(full, sizeof full, "/tmp/w/%s", name);
    close(open(full, O_WRONLY | O_CREAT, 0600));
    unlink(full);
  }
  int events = 0, overflowed = 0;
  for (;;) {
    char big[65536] __attribute__((aligned(8)));
    ssize_t r = read(fds[0], big, sizeof big);
    if (r <= 0) break;
    for (char *p = big; p < big + r;) {
      struct inotify_event *e = (struct inotify_event *)p;
      events++;
      if (e->mask & IN_Q_OVERFLOW) overflowed = 1;
      p += sizeof *e + e->len;
    }
  }
  printf("8000 events of 272 bytes to %d instances: %s\n", instances - 1,
         overflowed && events < 8000 ? "overflowed early" : "all queued");
  for (int i = 0; i < instances - 1; i++) close(fds[i]);
  printf("rm_watch: %s\n", inotify_rm_watch(in, first) == 0 ? "ok" : en(errno));
  int wd = inotify_add_watch(in, "/tmp/w", IN_CREATE);
  printf("a watch after that: %s\n", wd >= 0 ? "ok" : en(errno));
  close(open("/tmp/w/new", O_WRONLY | O_CREAT, 0600));
  char buf[8192] __attribute__((aligned(8)));
  ssize_t n = read(in, buf, sizeof buf);
  int created = 0;
  for (char *p = buf; n > 0 && p < buf + n;) {
    struct inotify_event *e = (struct inotify_event *)p;
    if (e->wd == wd && (e->mask & IN_CREATE) && !strcmp(e->name, "new")) created = 1;
    p += sizeof *e + e->len;
  }
  printf("its event: %s\n", created ? "ok" : "missing");
  return 0;
}

static int locks(void) {
  int fd = open("/tmp/locks", O_RDWR | O_CREAT, 0600);
  if (fd < 0) return 1;
  int taken = 0, err = 0;
  while (taken < 100000) {
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 2 * (off_t)taken, .l_len = 1};
    if (fcntl(fd, F_SETLK, &fl) < 0) {
      err = errno;
      break;
    }
    taken++;
  }
  printf("record locks refused after %d: %s\n", taken, en(err));
  struct flock all = {.l_type = F_UNLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
  printf("unlock everything: %s\n", fcntl(fd, F_SETLK, &all) == 0 ? "ok" : en(errno));
  struct flock again = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
  printf("a lock after that: %s\n", fcntl(fd, F_SETLK, &again) == 0 ? "ok" : en(errno));
  printf("flock: %s\n", flock(fd, LOCK_EX | LOCK_NB) == 0 ? "ok" : en(errno));
  return 0;
}

/* Extended attributes: 64 KiB values on one file until refused (the
 * run's cap, or --max-disk first), then on other files; unlinking the
 * file gives the bytes back. */
static int xattrs(void) {
  static char value[65536];
  memset(value, 'v', sizeof value);
  int fd = open("/tmp/xattrs", O_RDWR | O_CREAT, 0600);
  if (fd < 0) return 1;
  long bytes = 0;
  int err = 0;
  char name[32];
  for (int i = 0; i < 100000; i++) {
    snprintf(name, sizeof name, "user.%d", i);
    if (fsetxattr(fd, name, value, sizeof value, 0) < 0) {
      err = errno;
      break;
    }
    bytes += (long)sizeof value;
  }
  printf("attributes refused after %ld MiB: %s\n", bytes >> 20, en(err));
  printf("another file refused too: %s\n",
         setxattr("/tmp", "user.more", value, sizeof value, 0) < 0 ? en(errno) : "no");
  close(fd);
  unlink("/tmp/xattrs");
  printf("after unlink: %s\n", setxattr("/tmp", "user.more", value, sizeof value, 0) == 0 ? "ok" : en(errno));
  /* More names than one listing may hold (XATTR_LIST_MAX). */
  fd = open("/tmp/names", O_RDWR | O_CREAT, 0600);
  char longname[256];
  memset(longname, 'n', sizeof longname);
  memcpy(longname, "user.", 5);
  longname[255] = 0;
  int named = 0;
  for (int i = 0; i < 300; i++) {
    snprintf(longname + 5, 8, "%05d", i);
    longname[10] = 'n';
    named += fsetxattr(fd, longname, "", 0, 0) == 0;
  }
  printf("%d long names; listing size %s\n", named, flistxattr(fd, NULL, 0) > 65536 ? "past 64 KiB" : "small");
  printf("listing into 64 KiB: %s\n", flistxattr(fd, value, sizeof value) < 0 ? en(errno) : "ok");
  close(fd);
  return 0;
}

/* POSIX timers: create until refused, arm them all to fire every
 * millisecond at a signal that is ignored, run a while, delete them all. */
static int timers(void) {
  signal(SIGUSR1, SIG_IGN);
  struct sigevent ev;
  memset(&ev, 0, sizeof ev);
  ev.sigev_notify = SIGEV_SIGNAL;
  ev.sigev_signo = SIGUSR1;
  static int ids[100000];
  int n = 0, err = 0;
  while (n < 100000) {
    if (syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &ids[n]) < 0) {
      err = errno;
      break;
    }
    n++;
  }
  printf("timers refused after %d: %s\n", n, en(err));
  struct itimerspec s = {{0, 1000000}, {0, 1000000}};
  int armed = 0;
  for (int i = 0; i < n; i++) armed += syscall(SYS_timer_settime, ids[i], 0, &s, NULL) == 0;
  struct timespec nap = {0, 200000000};
  nanosleep(&nap, NULL);
  int deleted = 0;
  for (int i = 0; i < n; i++) deleted += syscall(SYS_timer_delete, ids[i]) == 0;
  printf("armed %d, deleted %d\n", armed, deleted);
  printf("a timer after that: %s\n", syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &ids[0]) == 0 ? "ok" : en(errno));
  return 0;
}

/* Pseudo-terminals: open pairs until refused, fill both queues of each
 * with nobody reading (raw mode: the writer gets EAGAIN), an endless
 * canonical line (dropped past the buffer, never blocking), and bad
 * pointers to the ioctls that copy structures in and out. */
static int ptys(void) {
  static int masters[4096], slaves[4096];
  static char chunk[65536];
  memset(chunk, 'x', sizeof chunk);
  int pairs = 0, err = 0;
  while (pairs < 4096) {
    int m = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK);
    if (m < 0) {
      err = errno;
      break;
    }
    unlockpt(m);
    int s = open(ptsname(m), O_RDWR | O_NOCTTY | O_NONBLOCK);
    if (s < 0) {
      err = errno;
      close(m);
      break;
    }
    masters[pairs] = m;
    slaves[pairs++] = s;
  }
  printf("pty pairs refused after %d: %s\n", pairs, en(err));
  long most = 0;
  int all_eagain = 1;
  for (int i = 0; i < pairs; i++) {
    struct termios t;
    tcgetattr(slaves[i], &t);
    cfmakeraw(&t);
    tcsetattr(slaves[i], TCSANOW, &t);
    long in = 0, out = 0, w;
    while ((w = write(masters[i], chunk, sizeof chunk)) > 0) in += w;
    if (errno != EAGAIN) all_eagain = 0;
    while ((w = write(slaves[i], chunk, sizeof chunk)) > 0) out += w;
    if (errno != EAGAIN) all_eagain = 0;
    if (in > most) most = in;
    if (out > most) most = out;
  }
  printf("full queues answer EAGAIN: %s; most one queue took: %ld KiB\n", all_eagain ? "yes" : "no", (most + 1023) / 1024);
  for (int i = 1; i < pairs; i++) close(masters[i]), close(slaves[i]);
  int m = masters[0], s = slaves[0];
  struct termios t;
  tcgetattr(s, &t);
  t.c_lflag |= ICANON;
  tcsetattr(s, TCSAFLUSH, &t);
  long taken = 0, w;
  for (int i = 0; i < 64; i++)  /* 4 MiB of one line */
    if ((w = write(m, chunk, sizeof chunk)) > 0) taken += w;
  write(m, "\n", 1);
  char line[8192];
  long got = read(s, line, sizeof line);
  printf("endless canonical line: writes taken %ld MiB, slave reads %ld bytes\n", taken >> 20, got);
  char *page = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap(page + 4096, 4096);
  int bad = 0;
  bad += ioctl(m, TIOCSWINSZ, (void *)0xffff800000000000ul) < 0 && errno == EFAULT;
  bad += ioctl(m, TCSETS, page + 4096 - 10) < 0 && errno == EFAULT;
  bad += ioctl(s, TCGETS, page + 4096 - 10) < 0 && errno == EFAULT;
  mprotect(page, 4096, PROT_READ);
  bad += ioctl(m, TIOCGPTN, page) < 0 && errno == EFAULT;
  bad += ioctl(m, TIOCGWINSZ, page) < 0 && errno == EFAULT;
  printf("bad pointers to pty ioctls: %d of 5 EFAULT\n", bad);
  struct winsize ws;
  printf("terminal still usable: %s\n", ioctl(s, TIOCGWINSZ, &ws) == 0 && write(m, "ok\n", 3) == 3 ? "yes" : "no");
  return 0;
}

static int depth;
static int recurse(int x) {
  volatile char pad[256];
  pad[0] = (char)x;
  depth++;
  return recurse(x + 1) + pad[0];
}

static void on_segv_alt(int sig) {
  static const char msg[] = "SIGSEGV caught on the alternate stack\n";
  write(1, msg, sizeof msg - 1);
  _exit(0);
}

static int recursion(int with_handler) {
  if (with_handler) {
    stack_t ss = {.ss_sp = malloc(1 << 16), .ss_size = 1 << 16, .ss_flags = 0};
    sigaltstack(&ss, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_segv_alt;
    sa.sa_flags = SA_ONSTACK;
    sigaction(SIGSEGV, &sa, NULL);
  }
  return recurse(1);
}

static void spin(int sig) {
  for (volatile unsigned long i = 0;; i++) {
  }
}

static int handler_loop(void) {
  signal(SIGUSR1, spin);
  printf("raising SIGUSR1 into a handler that never returns\n");
  fflush(stdout);
  raise(SIGUSR1);
  return 0;
}

static int procmem(void) {
  int fd = open("/proc/self/mem", O_RDWR);
  printf("open /proc/self/mem read-write: %s\n", fd < 0 ? en(errno) : "opened");
  if (fd >= 0) {
    /* If it exists, it must only reach the guest's own memory. */
    static volatile int target = 1;
    int v = 2;
    ssize_t n = pwrite(fd, &v, sizeof v, (off_t)(uintptr_t)&target);
    printf("pwrite own variable: %zd, value now %d\n", n, target);
  }
  fd = open("/proc/1/mem", O_RDONLY);
  printf("open /proc/1/mem: %s\n", fd < 0 ? en(errno) : "opened");
  return 0;
}

/* Signals aimed at init (pid 1, ourselves) from a child: ignored unless
 * init handles them, as in a container. */
static int kill_init(void) {
  printf("init is pid %d\n", getpid());
  pid_t c = fork();
  if (c == 0) {
    printf("child: kill(1, SIGKILL) = %d\n", kill(1, SIGKILL));
    printf("child: kill(1, SIGTERM) = %d\n", kill(1, SIGTERM));
    printf("child: kill(-1, SIGTERM) = %d\n", kill(-1, SIGTERM));
    _exit(7);
  }
  int st;
  waitpid(c, &st, 0);
  printf("child exited %d; init alive\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 3 || strcmp(argv[2], "--sandboxed") != 0) {
    fprintf(stderr, "usage: bombs MODE --sandboxed   (hostile: run only inside vmrun)\n");
    return 2;
  }
  setvbuf(stdout, NULL, _IONBF, 0);
  const char *m = argv[1];
  if (!strcmp(m, "forkbomb")) return forkbomb();
  if (!strcmp(m, "mmap_huge")) return mmap_huge();
  if (!strcmp(m, "touch")) return touch();
  if (!strcmp(m, "brk")) return brk_loop();
  if (!strcmp(m, "mappings")) return mappings();
  if (!strcmp(m, "fds")) return fds();
  if (!strcmp(m, "sockets")) return sockets();
  if (!strcmp(m, "inet")) return inet();
  if (!strcmp(m, "ptys")) return ptys();
  if (!strcmp(m, "locks")) return locks();
  if (!strcmp(m, "xattrs")) return xattrs();
  if (!strcmp(m, "timers")) return timers();
  if (!strcmp(m, "watches")) return watches();
  if (!strcmp(m, "recursion")) return recursion(0);
  if (!strcmp(m, "recursion_altstack")) return recursion(1);
  if (!strcmp(m, "handler_loop")) return handler_loop();
  if (!strcmp(m, "procmem")) return procmem();
  if (!strcmp(m, "kill_init")) return kill_init();
  fprintf(stderr, "bombs: unknown mode %s\n", m);
  return 2;
}
