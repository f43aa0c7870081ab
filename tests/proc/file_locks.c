/* Advisory locks between processes: flock (owned by the open file
 * description: shared across fork, converted, released by the last close),
 * fcntl record locks (owned by the process: ranges, splitting on unlock,
 * F_GETLK's report, read locks shared, released at exit), OFD locks (owned
 * by the description, so they conflict inside one process), waiting locks
 * (F_SETLKW until the holder lets go, EINTR from a signal), the access-mode
 * and argument errors, and flock and fcntl locks ignoring each other. */
#include "proc.h"
#include <sys/file.h>

static char path[64];

/* In a child: a fresh description of the file, `op` on it, the result
 * (printed by `op` itself when label is NULL). */
typedef int (*op_fn)(int fd);
static void in_child(const char *label, op_fn op) {
  pid_t c = fork();
  CHECK(c >= 0);
  if (c == 0) {
    int fd = open(path, O_RDWR);
    errno = 0;
    int r = op(fd);
    if (label) printf("  child: %s: %s\n", label, r < 0 ? err_name(errno) : "ok");
    _exit(0);
  }
  wait_for(c);
}

static int range_lock(int fd, int cmd, short type, off_t start, off_t len) {
  struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
  return fcntl(fd, cmd, &fl);
}

static int ex_nb(int fd) { return flock(fd, LOCK_EX | LOCK_NB); }
static int sh_nb(int fd) { return flock(fd, LOCK_SH | LOCK_NB); }
static int wr_0_10(int fd) { return range_lock(fd, F_SETLK, F_WRLCK, 0, 10); }
static int wr_15_16(int fd) { return range_lock(fd, F_SETLK, F_WRLCK, 15, 1); }
static int wr_18_19(int fd) { return range_lock(fd, F_SETLK, F_WRLCK, 18, 1); }
static int wr_11_12(int fd) { return range_lock(fd, F_SETLK, F_WRLCK, 11, 1); }
static int wr_all(int fd) { return range_lock(fd, F_SETLK, F_WRLCK, 0, 0); }
static int rd_0_100(int fd) { return range_lock(fd, F_SETLK, F_RDLCK, 0, 100); }
static int wr_50(int fd) { return range_lock(fd, F_SETLK, F_WRLCK, 50, 1); }

static pid_t parent;
static void getlk(int fd, off_t start, off_t len) {
  struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
  CHECK(fcntl(fd, F_GETLK, &fl) == 0);
  if (fl.l_type == F_UNLCK) {
    printf("  child: F_GETLK [%ld, +%ld): unlocked\n", (long)start, (long)len);
    return;
  }
  printf("  child: F_GETLK [%ld, +%ld): %s at %ld len %ld, held by the parent: %d\n", (long)start, (long)len,
         fl.l_type == F_WRLCK ? "F_WRLCK" : "F_RDLCK", (long)fl.l_start, (long)fl.l_len, fl.l_pid == parent);
}
static int getlk_all(int fd) { getlk(fd, 0, 0); return 0; }
static int getlk_12_18(int fd) { getlk(fd, 12, 6); return 0; }

static volatile sig_atomic_t alarms;
static void on_alarm(int s) { (void)s; alarms++; }

int main(void) {
  parent = getpid();
  snprintf(path, sizeof path, "/tmp/vmrun-locks-%d", (int)getpid());
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  CHECK(fd >= 0);
  CHECK(write(fd, "0123456789012345678901234567890123456789", 40) == 40);

  printf("flock: the parent holds LOCK_EX\n");
  CHECK(flock(fd, LOCK_EX) == 0);
  in_child("LOCK_EX|LOCK_NB", ex_nb);
  in_child("LOCK_SH|LOCK_NB", sh_nb);
  printf("flock: converted to LOCK_SH\n");
  CHECK(flock(fd, LOCK_SH) == 0);
  in_child("LOCK_SH|LOCK_NB", sh_nb);
  in_child("LOCK_EX|LOCK_NB", ex_nb);
  printf("flock: LOCK_EX again; a forked child shares the description\n");
  CHECK(flock(fd, LOCK_EX) == 0);
  pid_t c = fork();
  if (c == 0) {
    printf("  child: LOCK_EX|LOCK_NB on the inherited fd: %s\n", RES(flock(fd, LOCK_EX | LOCK_NB)));
    _exit(0);
  }
  wait_for(c);
  printf("flock: a dup keeps the lock after the original fd is closed\n");
  int dupfd = dup(fd);
  CHECK(close(fd) == 0);
  in_child("LOCK_EX|LOCK_NB", ex_nb);
  printf("flock: the last fd closed releases it\n");
  CHECK(close(dupfd) == 0);
  in_child("LOCK_EX|LOCK_NB", ex_nb);

  printf("flock: a conversion that fails loses the lock it converted\n");
  fd = open(path, O_RDWR);
  CHECK(flock(fd, LOCK_SH) == 0);
  int ready[2], go[2];
  CHECK(pipe(ready) == 0 && pipe(go) == 0);
  pid_t holder = fork();
  if (holder == 0) {
    int cfd = open(path, O_RDWR);
    CHECK(flock(cfd, LOCK_SH) == 0);
    CHECK(write(ready[1], "r", 1) == 1);
    wait_ready(go[0]);
    printf("  child: LOCK_EX|LOCK_NB once the parent's conversion failed: %s\n", RES(flock(cfd, LOCK_EX | LOCK_NB)));
    _exit(0);
  }
  wait_ready(ready[0]);
  printf("  parent: LOCK_SH to LOCK_EX|LOCK_NB while the child shares it: %s\n", RES(flock(fd, LOCK_EX | LOCK_NB)));
  CHECK(write(go[1], "g", 1) == 1);
  wait_for(holder);
  close(fd);
  close(ready[0]), close(ready[1]), close(go[0]), close(go[1]);

  fd = open(path, O_RDWR);
  CHECK(fd >= 0);
  printf("fcntl: the parent write-locks [10, 20)\n");
  CHECK(range_lock(fd, F_SETLK, F_WRLCK, 10, 10) == 0);
  in_child(NULL, getlk_all);
  in_child("F_SETLK [0, 10)", wr_0_10);
  in_child("F_SETLK [15, 16)", wr_15_16);
  printf("fcntl: the parent unlocks [12, 18), leaving [10, 12) and [18, 20)\n");
  CHECK(range_lock(fd, F_SETLK, F_UNLCK, 12, 6) == 0);
  in_child(NULL, getlk_12_18);
  in_child("F_SETLK [18, 19)", wr_18_19);
  in_child("F_SETLK [11, 12)", wr_11_12);
  printf("fcntl: the parent unlocks everything (l_len 0 is to the end)\n");
  CHECK(range_lock(fd, F_SETLK, F_UNLCK, 0, 0) == 0);
  in_child("F_SETLK everything", wr_all);
  printf("fcntl: read locks are shared, a write lock is not\n");
  CHECK(range_lock(fd, F_SETLK, F_RDLCK, 0, 100) == 0);
  in_child("F_SETLK read [0, 100)", rd_0_100);
  in_child("F_SETLK write [50, 51)", wr_50);
  in_child(NULL, getlk_all);
  CHECK(range_lock(fd, F_SETLK, F_UNLCK, 0, 0) == 0);
  printf("fcntl: SEEK_CUR and a negative length: the 5 bytes before offset 30\n");
  CHECK(lseek(fd, 30, SEEK_SET) == 30);
  struct flock back = {.l_type = F_WRLCK, .l_whence = SEEK_CUR, .l_start = 0, .l_len = -5};
  CHECK(fcntl(fd, F_SETLK, &back) == 0);
  in_child(NULL, getlk_all);
  CHECK(range_lock(fd, F_SETLK, F_UNLCK, 0, 0) == 0);

  printf("fcntl: F_SETLKW waits until the holder lets go\n");
  int sync[2];
  CHECK(pipe(sync) == 0);
  c = fork();
  if (c == 0) {
    int cfd = open(path, O_RDWR);
    CHECK(range_lock(cfd, F_SETLK, F_WRLCK, 0, 0) == 0);
    CHECK(write(sync[1], "x", 1) == 1);
    sleep_ms(100);
    _exit(0);  /* exiting releases the lock */
  }
  wait_ready(sync[0]);
  in_child("F_SETLK while the other child holds it", wr_all);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int r = range_lock(fd, F_SETLKW, F_WRLCK, 0, 0);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double waited = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
  printf("  parent: F_SETLKW: %s, after the holder's exit: %d\n", RES(r), waited > 0.02);
  wait_for(c);
  in_child("F_SETLK now the parent holds it", wr_all);
  CHECK(range_lock(fd, F_SETLK, F_UNLCK, 0, 0) == 0);

  printf("flock: a wait interrupted by a signal without SA_RESTART\n");
  CHECK(flock(fd, LOCK_EX) == 0);
  c = fork();
  if (c == 0) {
    int cfd = open(path, O_RDWR);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    alarm(1);
    errno = 0;
    int rr = flock(cfd, LOCK_EX);
    printf("  child: LOCK_EX: %s, handler ran: %d\n", RES(rr), (int)alarms);
    _exit(0);
  }
  wait_for(c);
  printf("flock and fcntl locks ignore each other\n");
  in_child("F_SETLK under the parent's flock", wr_all);
  CHECK(flock(fd, LOCK_UN) == 0);
  CHECK(range_lock(fd, F_SETLK, F_UNLCK, 0, 0) == 0);

  printf("OFD locks belong to the description: two in one process conflict\n");
  int fd2 = open(path, O_RDWR);
  struct flock ofd = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10};
  printf("  F_OFD_SETLK on fd 1: %s\n", RES(fcntl(fd, F_OFD_SETLK, &ofd)));
  printf("  F_OFD_SETLK on fd 2: %s\n", RES(fcntl(fd2, F_OFD_SETLK, &ofd)));
  struct flock q = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
  CHECK(fcntl(fd2, F_OFD_GETLK, &q) == 0);
  printf("  F_OFD_GETLK on fd 2: %s, l_pid %d\n", q.l_type == F_WRLCK ? "F_WRLCK" : "other", (int)q.l_pid);
  printf("  POSIX F_SETLK on fd 2 (the same process): %s\n", RES(range_lock(fd2, F_SETLK, F_WRLCK, 20, 5)));
  ofd.l_pid = 1;
  printf("  F_OFD_SETLK with l_pid set: %s\n", RES(fcntl(fd, F_OFD_SETLK, &ofd)));
  ofd.l_pid = 0;
  ofd.l_type = F_UNLCK;
  CHECK(fcntl(fd, F_OFD_SETLK, &ofd) == 0);
  close(fd2);

  printf("errors\n");
  int ro = open(path, O_RDONLY);
  printf("  write lock on a read-only fd: %s\n", RES(range_lock(ro, F_SETLK, F_WRLCK, 0, 1)));
  printf("  read lock on a read-only fd: %s\n", RES(range_lock(ro, F_SETLK, F_RDLCK, 0, 1)));
  printf("  bad l_type: %s\n", RES(range_lock(fd, F_SETLK, 7, 0, 1)));
  printf("  negative start: %s\n", RES(range_lock(fd, F_SETLK, F_WRLCK, -1, 1)));
  struct flock bad = {.l_type = F_WRLCK, .l_whence = 9};
  printf("  bad l_whence: %s\n", RES(fcntl(fd, F_SETLK, &bad)));
  printf("  F_GETLK with F_UNLCK: %s\n", RES(range_lock(fd, F_GETLK, F_UNLCK, 0, 1)));
  printf("  flock bad operation: %s\n", RES(flock(fd, 0)));
  printf("  flock bad fd: %s\n", RES(flock(99, LOCK_EX)));
  printf("  F_SETLK bad pointer: %s\n", RES(fcntl(fd, F_SETLK, (struct flock *)8)));
  close(ro);
  close(fd);
  unlink(path);
  return 0;
}
