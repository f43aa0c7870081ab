/* Sparse files: holes cost no blocks, read as zeros, and are found by
 * SEEK_DATA / SEEK_HOLE; fallocate allocates, punches holes, and extends.
 * Natively this runs in the host's /tmp (a disk filesystem with 4 KiB
 * blocks, whose block counts tmpfs and vmrun's in-memory layer share for
 * these cases); in vmrun, in the in-memory layer. */
#include "proc.h"

#include <linux/falloc.h>
#include <sys/stat.h>

#define GiB (1024LL * 1024 * 1024)

static int fd;

static void show(const char *what) {
  struct stat st;
  if (fstat(fd, &st) != 0) { printf("%s: fstat %s\n", what, err_name(errno)); return; }
  printf("%s: size %lld blocks %lld\n", what, (long long)st.st_size, (long long)st.st_blocks);
}

static void seek(const char *name, int whence, off_t from) {
  errno = 0;
  off_t r = lseek(fd, from, whence);
  if (r < 0) printf("  %s from %lld: %s\n", name, (long long)from, err_name(errno));
  else printf("  %s from %lld: %lld\n", name, (long long)from, (long long)r);
}

static void falloc(const char *what, int mode, off_t off, off_t len) {
  errno = 0;
  int r = fallocate(fd, mode, off, len);
  printf("fallocate %s: %s\n", what, r == 0 ? "ok" : err_name(errno));
}

static void bytes_at(off_t off, size_t n) {
  unsigned char buf[64];
  ssize_t got = pread(fd, buf, n, off);
  printf("  bytes at %lld:", (long long)off);
  for (ssize_t i = 0; i < got; i++) printf(" %02x", buf[i]);
  printf(" (%zd)\n", got);
}

int main(void) {
  char path[] = "/tmp/vmrun-sparse-XXXXXX";
  fd = mkstemp(path);
  if (fd < 0) { printf("mkstemp: %s\n", err_name(errno)); return 1; }
  unlink(path);

  /* A 3 GiB hole: no blocks at all. */
  printf("ftruncate 3G: %d\n", ftruncate(fd, 3 * GiB));
  show("hole only");
  seek("SEEK_DATA", SEEK_DATA, 0);
  seek("SEEK_HOLE", SEEK_HOLE, 0);
  seek("SEEK_HOLE", SEEK_HOLE, 3 * GiB);
  bytes_at(2 * GiB, 4);

  /* Three bytes past 2 GiB: one block. */
  printf("pwrite at 2G: %zd\n", pwrite(fd, "abc", 3, 2 * GiB));
  show("one page written");
  seek("SEEK_DATA", SEEK_DATA, 0);
  seek("SEEK_DATA", SEEK_DATA, 2 * GiB + 1);
  seek("SEEK_HOLE", SEEK_HOLE, 2 * GiB);
  seek("SEEK_DATA", SEEK_DATA, 2 * GiB + 4096);
  bytes_at(2 * GiB - 2, 6);

  /* Punch it out again. */
  falloc("punch the page", FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 2 * GiB, 4096);
  show("after punch");
  seek("SEEK_DATA", SEEK_DATA, 0);
  bytes_at(2 * GiB, 3);

  /* Shrink to nothing, then a dense start with a hole punched in its middle. */
  printf("ftruncate 0: %d\n", ftruncate(fd, 0));
  char buf[10000];
  for (int i = 0; i < (int)sizeof buf; i++) buf[i] = (char)('a' + i % 26);
  printf("pwrite 10000 at 0: %zd\n", pwrite(fd, buf, sizeof buf, 0));
  show("dense");
  falloc("punch the middle page", FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 4096, 4096);
  show("middle punched");
  seek("SEEK_HOLE", SEEK_HOLE, 0);
  seek("SEEK_DATA", SEEK_DATA, 4096);
  seek("SEEK_HOLE", SEEK_HOLE, 8192);
  bytes_at(4094, 4);
  bytes_at(8190, 4);
  falloc("punch part of a page", FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 10, 5);
  show("part punched");
  bytes_at(8, 9);

  /* fallocate: allocates the hole and extends the file. */
  falloc("mode 0 to 20000", 0, 0, 20000);
  show("allocated");
  /* Allocated and never written (nor read: a read would give the native
   * page cache a page there, which disk filesystems then count as data)
   * is a hole to SEEK_DATA / SEEK_HOLE. */
  seek("SEEK_HOLE", SEEK_HOLE, 12288);
  seek("SEEK_DATA", SEEK_DATA, 12288);
  bytes_at(4096, 4);
  falloc("keep size inside", FALLOC_FL_KEEP_SIZE, 0, 100);
  show("keep size");

  /* Shrinking cuts a page: the bytes come back as zeros when it grows. */
  printf("ftruncate 9000: %d\n", ftruncate(fd, 9000));
  printf("ftruncate 12000: %d\n", ftruncate(fd, 12000));
  bytes_at(8998, 4);
  show("cut and grown");

  /* Errors, in Linux's order. */
  falloc("zero length", 0, 0, 0);
  falloc("negative offset", 0, -1, 10);
  falloc("punch without keep size", FALLOC_FL_PUNCH_HOLE, 0, 10);
  falloc("punch and zero range", FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE, 0, 10);
  falloc("unknown mode", 0x4000, 0, 10);
  falloc("past the largest offset", 0, 0x7fffffffffff0000LL, 0x20000);
  close(fd);

  fd = open("/proc/self/exe", O_RDONLY);
  falloc("read-only file", 0, 0, 10);
  close(fd);
  int p[2];
  if (pipe(p) != 0) return 1;
  fd = p[1];
  falloc("pipe", 0, 0, 10);
  seek("SEEK_DATA on a pipe", SEEK_DATA, 0);
  return 0;
}
