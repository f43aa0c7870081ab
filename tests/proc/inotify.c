/* inotify and dnotify for changes made by the program itself: the events
 * of creating, writing, reading, changing, renaming and removing names in
 * a watched directory and on watched files (IN_ISDIR, the cookie pairing
 * IN_MOVED_FROM with IN_MOVED_TO, IN_IGNORED after inotify_rm_watch and
 * after the watched node goes, IN_ONESHOT, IN_MASK_ADD/IN_MASK_CREATE),
 * merging of identical events, the queue overflow, non-blocking reads,
 * poll readiness, FIONREAD, a buffer too short for the next event, a
 * blocking read woken by another process's write, the argument errors, and
 * F_NOTIFY's SIGIO. Watch descriptors and cookies are printed by what they
 * mean, never their values. */
#include "proc.h"
#include <dirent.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

static char top[64];
/* A path in the test directory (four at a time, for rename and link). */
static const char *P(const char *name) {
  static char bufs[4][256];
  static int next;
  char *b = bufs[next++ % 4];
  snprintf(b, sizeof bufs[0], "%s/%s", top, name);
  return b;
}

/* Watch descriptors by label (of the instance `labels_of`, the main one
 * unless another is being drained). */
static int labels_of = -1;
static struct { int fd, wd; const char *label; } wds[32];
static int nwds;
static void label_in(int fd, int wd, const char *label) {
  for (int i = 0; i < nwds; i++)
    if (wds[i].fd == fd && wds[i].wd == wd) { wds[i].label = label; return; }
  wds[nwds].fd = fd;
  wds[nwds].wd = wd;
  wds[nwds++].label = label;
}
static void label_wd(int wd, const char *label) { label_in(labels_of, wd, label); }
static const char *wd_label(int wd) {
  if (wd == -1) return "-1";
  for (int i = 0; i < nwds; i++)
    if (wds[i].fd == labels_of && wds[i].wd == wd) return wds[i].label;
  return "unknown";
}

static const char *mask_str(uint32_t m) {
  static const struct { uint32_t bit; const char *name; } names[] = {
    {IN_ACCESS, "ACCESS"}, {IN_MODIFY, "MODIFY"}, {IN_ATTRIB, "ATTRIB"}, {IN_CLOSE_WRITE, "CLOSE_WRITE"},
    {IN_CLOSE_NOWRITE, "CLOSE_NOWRITE"}, {IN_OPEN, "OPEN"}, {IN_MOVED_FROM, "MOVED_FROM"},
    {IN_MOVED_TO, "MOVED_TO"}, {IN_CREATE, "CREATE"}, {IN_DELETE, "DELETE"}, {IN_DELETE_SELF, "DELETE_SELF"},
    {IN_MOVE_SELF, "MOVE_SELF"}, {IN_UNMOUNT, "UNMOUNT"}, {IN_Q_OVERFLOW, "Q_OVERFLOW"}, {IN_IGNORED, "IGNORED"},
    {IN_ISDIR, "ISDIR"}};
  static char buf[256];
  buf[0] = 0;
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (m & names[i].bit) {
      if (buf[0]) strcat(buf, "|");
      strcat(buf, names[i].name);
      m &= ~names[i].bit;
    }
  if (m) snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "|%#x", m);
  return buf;
}

/* Print every queued event (the fd is non-blocking). Cookies: "-" when 0,
 * else A, B, ... by first appearance, so a pair shows the same letter. */
static uint32_t cookies[16];
static int ncookies;
static const char *cookie_str(uint32_t c) {
  static char buf[4];
  if (!c) return "-";
  int i = 0;
  while (i < ncookies && cookies[i] != c) i++;
  if (i == ncookies && ncookies < 16) cookies[ncookies++] = c;
  snprintf(buf, sizeof buf, "%c", 'A' + i);
  return buf;
}
static void drain(int fd, const char *what) {
  printf("%s:\n", what);
  int saved = labels_of;
  labels_of = fd;
  char buf[4096] __attribute__((aligned(8)));
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno != EAGAIN) printf("  read: %s\n", err_name(errno));
      break;
    }
    for (char *p = buf; p < buf + n;) {
      struct inotify_event *e = (struct inotify_event *)p;
      printf("  %s %s cookie %s name '%s' len %u\n", wd_label(e->wd), mask_str(e->mask), cookie_str(e->cookie),
             e->len ? e->name : "", e->len);
      p += sizeof *e + e->len;
    }
  }
  labels_of = saved;
}

static void write_file(const char *path, const char *s) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  CHECK(fd >= 0);
  CHECK(write(fd, s, strlen(s)) == (ssize_t)strlen(s));
  close(fd);
}

static volatile sig_atomic_t sigios, sigio_code;
static void on_sigio(int s, siginfo_t *si, void *ctx) {
  (void)s; (void)ctx;
  sigios++;
  sigio_code = si->si_code;
}

static void errors(void) {
  printf("errors:\n");
  int in = inotify_init1(IN_NONBLOCK);
  errno = 0;
  printf("  inotify_init1(bad flags): %s\n", RES(inotify_init1(0x4)));
  printf("  add_watch mask 0: %s\n", RES(inotify_add_watch(in, top, 0)));
  printf("  add_watch IN_MASK_ADD|IN_MASK_CREATE: %s\n",
         RES(inotify_add_watch(in, top, IN_MODIFY | IN_MASK_ADD | IN_MASK_CREATE)));
  printf("  add_watch on a bad fd: %s\n", RES(inotify_add_watch(99, top, IN_MODIFY)));
  printf("  add_watch on a non-inotify fd: %s\n", RES(inotify_add_watch(1, top, IN_MODIFY)));
  printf("  add_watch missing path: %s\n", RES(inotify_add_watch(in, P("missing"), IN_MODIFY)));
  printf("  add_watch empty path: %s\n", RES(inotify_add_watch(in, "", IN_MODIFY)));
  printf("  add_watch bad pointer: %s\n", RES(inotify_add_watch(in, (const char *)8, IN_MODIFY)));
  write_file(P("plain"), "x");
  printf("  add_watch IN_ONLYDIR on a file: %s\n", RES(inotify_add_watch(in, P("plain"), IN_MODIFY | IN_ONLYDIR)));
  printf("  add_watch through a file: %s\n", RES(inotify_add_watch(in, P("plain/x"), IN_MODIFY)));
  printf("  rm_watch unknown wd: %s\n", RES(inotify_rm_watch(in, 12345)));
  printf("  rm_watch on a non-inotify fd: %s\n", RES(inotify_rm_watch(1, 1)));
  printf("  rm_watch on a bad fd: %s\n", RES(inotify_rm_watch(99, 1)));
  int wd = inotify_add_watch(in, P("plain"), IN_MODIFY);
  printf("  add_watch: %s; again with IN_MASK_ADD gives the same wd: %d\n", RES(wd),
         inotify_add_watch(in, P("plain"), IN_ATTRIB | IN_MASK_ADD) == wd);
  printf("  again with IN_MASK_CREATE: %s\n", RES(inotify_add_watch(in, P("plain"), IN_ATTRIB | IN_MASK_CREATE)));
  printf("  unknown bits beside known ones: %s\n", RES(inotify_add_watch(in, P("plain"), IN_ATTRIB | 0x00800000)));
  CHECK(symlink("plain", P("link")) == 0);
  int through = inotify_add_watch(in, P("link"), IN_MODIFY);
  int itself = inotify_add_watch(in, P("link"), IN_MODIFY | IN_DONT_FOLLOW);
  printf("  a symlink: its target's wd %d; with IN_DONT_FOLLOW a wd of its own %d\n", through == wd,
         itself >= 0 && itself != wd);
  printf("  IN_ONLYDIR through a symlink to a file: %s\n", RES(inotify_add_watch(in, P("link"), IN_MODIFY | IN_ONLYDIR)));
  CHECK(unlink(P("link")) == 0);
  unlink(P("plain"));
  close(in);
}

int main(void) {
  snprintf(top, sizeof top, "/tmp/vmrun-inotify-%d", (int)getpid());
  CHECK(mkdir(top, 0755) == 0);
  errors();

  int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  CHECK(in >= 0);
  labels_of = in;
  printf("FD_CLOEXEC: %d, O_NONBLOCK: %d\n", (fcntl(in, F_GETFD) & FD_CLOEXEC) != 0,
         (fcntl(in, F_GETFL) & O_NONBLOCK) != 0);
  char buf[256] __attribute__((aligned(8)));
  errno = 0;
  printf("empty non-blocking read: %s\n", RES(read(in, buf, sizeof buf)));
  struct pollfd pfd = {in, POLLIN, 0};
  printf("poll, nothing queued: %d\n", poll(&pfd, 1, 0));

  int dir = inotify_add_watch(in, top, IN_ALL_EVENTS);
  CHECK(dir >= 0);
  label_wd(dir, "dir");

  /* A file's life in the watched directory. */
  int fd = open(P("f"), O_WRONLY | O_CREAT | O_EXCL, 0644);
  CHECK(write(fd, "hello", 5) == 5);
  CHECK(write(fd, "hello", 5) == 5);  /* merged with the previous MODIFY */
  close(fd);
  pfd.revents = 0;
  int ready = poll(&pfd, 1, 0);
  printf("poll, events queued: %d revents POLLIN %d\n", ready, (pfd.revents & POLLIN) != 0);
  int avail = -1;
  CHECK(ioctl(in, FIONREAD, &avail) == 0);
  printf("FIONREAD: %d\n", avail);
  drain(in, "create, write twice, close");

  fd = open(P("f"), O_RDONLY);
  CHECK(read(fd, buf, 3) == 3);
  close(fd);
  CHECK(chmod(P("f"), 0600) == 0);
  CHECK(truncate(P("f"), 2) == 0);
  CHECK(utimensat(AT_FDCWD, P("f"), NULL, 0) == 0);
  drain(in, "read, chmod, truncate, utimensat");

  DIR *listing = opendir(top);
  CHECK(listing != NULL);
  while (readdir(listing)) {}
  closedir(listing);
  drain(in, "list the directory (two getdents64 calls, merged)");

  /* A second watch on the file itself. */
  int file = inotify_add_watch(in, P("f"), IN_ALL_EVENTS);
  label_wd(file, "file");
  CHECK(rename(P("f"), P("g")) == 0);
  CHECK(link(P("g"), P("h")) == 0);
  CHECK(symlink("g", P("s")) == 0);
  fd = open(P("g"), O_RDWR | O_APPEND);
  CHECK(write(fd, "!", 1) == 1);
  close(fd);
  CHECK(unlink(P("h")) == 0);
  CHECK(unlink(P("s")) == 0);
  CHECK(unlink(P("g")) == 0);
  drain(in, "rename, link, symlink, append, unlink the three names");

  /* Removed while open: the node goes with its last description, and
   * until then its events still reach the directory it was removed from. */
  fd = open(P("open"), O_RDWR | O_CREAT, 0644);
  int ow = inotify_add_watch(in, P("open"), IN_ALL_EVENTS);
  label_wd(ow, "open");
  CHECK(write(fd, "a", 1) == 1);
  CHECK(unlink(P("open")) == 0);
  CHECK(write(fd, "b", 1) == 1);
  close(fd);
  CHECK(mkdir(P("opendir"), 0755) == 0);
  int odw = inotify_add_watch(in, P("opendir"), IN_ALL_EVENTS);
  label_wd(odw, "opendir");
  int odfd = open(P("opendir"), O_RDONLY | O_DIRECTORY);
  CHECK(rmdir(P("opendir")) == 0);
  close(odfd);
  drain(in, "unlink a file while open, write, close; rmdir a directory while open, close");

  /* The same with IN_EXCL_UNLINK, in an instance of its own. */
  int ex = inotify_init1(IN_NONBLOCK);
  fd = open(P("excl"), O_RDWR | O_CREAT, 0644);
  label_in(ex, inotify_add_watch(ex, top, IN_ALL_EVENTS | IN_EXCL_UNLINK), "excl-dir");
  label_in(ex, inotify_add_watch(ex, P("excl"), IN_ALL_EVENTS | IN_EXCL_UNLINK), "excl-file");
  CHECK(write(fd, "a", 1) == 1);
  CHECK(unlink(P("excl")) == 0);
  CHECK(write(fd, "b", 1) == 1);
  close(fd);
  drain(ex, "IN_EXCL_UNLINK: unlink a file while open, write, close");
  close(ex);
  drain(in, "(the same seen without IN_EXCL_UNLINK)");

  /* Directories. */
  CHECK(mkdir(P("sub"), 0755) == 0);
  int sub = inotify_add_watch(in, P("sub"), IN_ALL_EVENTS | IN_ONLYDIR);
  label_wd(sub, "sub");
  write_file(P("sub/inner"), "x");
  CHECK(rename(P("sub"), P("sub2")) == 0);
  write_file(P("sub2/after-move"), "y");
  CHECK(unlink(P("sub2/inner")) == 0);
  CHECK(unlink(P("sub2/after-move")) == 0);
  CHECK(rmdir(P("sub2")) == 0);
  drain(in, "mkdir, a file in it, rename it, a file in it again, rmdir");

  /* Rename onto an existing name. */
  write_file(P("a"), "a");
  write_file(P("b"), "b");
  int bw = inotify_add_watch(in, P("b"), IN_ATTRIB | IN_DELETE_SELF);
  label_wd(bw, "b");
  drain(in, "two files");
  CHECK(rename(P("a"), P("b")) == 0);
  drain(in, "rename a over the watched b");

  /* inotify_rm_watch. */
  printf("rm_watch dir: %s\n", RES(inotify_rm_watch(in, dir)));
  printf("rm_watch dir again: %s\n", RES(inotify_rm_watch(in, dir)));
  write_file(P("unwatched"), "z");
  drain(in, "after rm_watch");

  /* IN_ONESHOT, and the watch descriptor a later watch gets. */
  int one = inotify_add_watch(in, P("unwatched"), IN_MODIFY | IN_ONESHOT);
  label_wd(one, "oneshot");
  fd = open(P("unwatched"), O_WRONLY);
  CHECK(write(fd, "1", 1) == 1);
  CHECK(lseek(fd, 0, SEEK_SET) == 0);
  CHECK(write(fd, "2", 1) == 1);
  close(fd);
  drain(in, "IN_ONESHOT, written twice");
  int again = inotify_add_watch(in, P("unwatched"), IN_MODIFY);
  printf("a new watch gets a new wd: %d\n", again > one);
  label_wd(again, "again");
  CHECK(unlink(P("unwatched")) == 0);
  drain(in, "unlink with only IN_MODIFY asked");

  /* A read buffer too short for the next event. */
  int dir2 = inotify_add_watch(in, top, IN_CREATE);
  label_wd(dir2, "dir2");
  write_file(P("abc"), "");
  CHECK(ioctl(in, FIONREAD, &avail) == 0);
  printf("FIONREAD for one event named 'abc': %d\n", avail);
  errno = 0;
  printf("read into 16 bytes: %s\n", RES(read(in, buf, 16)));
  printf("read into 31 bytes: %s\n", RES(read(in, buf, 31)));
  ssize_t n = read(in, buf, 32);
  printf("read into 32 bytes: %zd, name '%s'\n", n, ((struct inotify_event *)buf)->name);
  CHECK(unlink(P("abc")) == 0);
  drain(in, "unlink (only IN_CREATE asked)");
  printf("rm_watch dir2: %s\n", RES(inotify_rm_watch(in, dir2)));
  drain(in, "after rm_watch");

  /* The queue overflows past 16384 events (open, close, open, ... never merge). */
  int over = inotify_init1(IN_NONBLOCK);
  write_file(P("busy"), "");
  int bwd = inotify_add_watch(over, P("busy"), IN_OPEN | IN_CLOSE_NOWRITE);
  for (int i = 0; i < 8200; i++) close(open(P("busy"), O_RDONLY));
  long events = 0, overflows = 0, last_wd = 0;
  uint32_t last_mask = 0;
  for (;;) {
    char big[4096] __attribute__((aligned(8)));
    ssize_t r = read(over, big, sizeof big);
    if (r <= 0) break;
    for (char *p = big; p < big + r;) {
      struct inotify_event *e = (struct inotify_event *)p;
      events++;
      if (e->mask & IN_Q_OVERFLOW) overflows++;
      last_mask = e->mask;
      last_wd = e->wd;
      p += sizeof *e + e->len;
    }
  }
  printf("overflow: %ld events, %ld IN_Q_OVERFLOW, last %s wd %ld\n", events, overflows, mask_str(last_mask),
         last_wd == bwd ? 1L : last_wd);
  close(over);
  CHECK(unlink(P("busy")) == 0);

  /* A blocking read, woken by another process's write. */
  int blocking = inotify_init();
  write_file(P("shared"), "");
  int swd = inotify_add_watch(blocking, P("shared"), IN_MODIFY);
  label_wd(swd, "shared");
  pid_t c = fork();
  if (c == 0) {
    sleep_ms(100);
    int wfd = open(P("shared"), O_WRONLY);
    CHECK(write(wfd, "from the child", 14) == 14);
    _exit(0);
  }
  n = read(blocking, buf, sizeof buf);
  printf("blocking read: %zd bytes, %s %s\n", n, wd_label(((struct inotify_event *)buf)->wd),
         mask_str(((struct inotify_event *)buf)->mask));
  printf("child: %s\n", status_str(wait_for(c)));
  close(blocking);
  CHECK(unlink(P("shared")) == 0);

  /* The watched directory itself goes. */
  CHECK(mkdir(P("doomed"), 0755) == 0);
  int doomed = inotify_add_watch(in, P("doomed"), IN_ALL_EVENTS);
  label_wd(doomed, "doomed");
  int dir3 = inotify_add_watch(in, top, IN_DELETE);
  label_wd(dir3, "dir3");
  CHECK(rmdir(P("doomed")) == 0);
  drain(in, "rmdir of a watched directory");
  CHECK(unlink(P("b")) == 0);
  drain(in, "unlink b (only IN_DELETE asked)");
  close(in);

  /* dnotify. */
  printf("dnotify:\n");
  struct sigaction sa = {0};
  sa.sa_sigaction = on_sigio;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGIO, &sa, NULL);
  int dfd = open(top, O_RDONLY | O_DIRECTORY);
  fd = open(P("file"), O_RDWR | O_CREAT, 0644);
  printf("  F_NOTIFY on a file: %s\n", RES(fcntl(fd, F_NOTIFY, DN_CREATE)));
  close(fd);
  printf("  F_NOTIFY DN_CREATE: %s\n", RES(fcntl(dfd, F_NOTIFY, DN_CREATE)));
  write_file(P("d1"), "");
  printf("  after a create: %d SIGIO, si_code SI_KERNEL %d\n", (int)sigios, sigio_code == SI_KERNEL);
  write_file(P("d2"), "");
  printf("  after another (not multishot): %d SIGIO\n", (int)sigios);
  printf("  F_NOTIFY DN_DELETE|DN_MODIFY|DN_MULTISHOT: %s\n", RES(fcntl(dfd, F_NOTIFY, DN_DELETE | DN_MODIFY | DN_MULTISHOT)));
  CHECK(unlink(P("d1")) == 0);
  printf("  after a delete: %d SIGIO\n", (int)sigios);
  CHECK(unlink(P("d2")) == 0);
  printf("  after another delete: %d SIGIO\n", (int)sigios);
  write_file(P("d3"), "");  /* creation not asked; the write is a modification */
  printf("  after create+write: %d SIGIO\n", (int)sigios);
  c = fork();
  if (c == 0) {
    CHECK(unlink(P("d3")) == 0);
    _exit(0);
  }
  wait_for(c);
  printf("  after a child's delete: %d SIGIO\n", (int)sigios);
  printf("  F_NOTIFY 0: %s\n", RES(fcntl(dfd, F_NOTIFY, 0)));
  write_file(P("d4"), "");
  CHECK(unlink(P("d4")) == 0);
  printf("  after cancelling: %d SIGIO\n", (int)sigios);
  close(dfd);
  CHECK(unlink(P("file")) == 0);
  CHECK(rmdir(top) == 0);
  printf("done\n");
  return 0;
}
