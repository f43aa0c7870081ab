/* syscall_heavy: many small system calls, for vmrun's syscall path
 * (bench/run.sh). Every call goes through syscall(2) or a libc wrapper that
 * always enters the kernel (no vDSO), so native, qemu-user and vmrun all do
 * the same number of real system calls.
 *   getpid          N calls
 *   clock_gettime   N calls (raw syscall: skips the vDSO natively)
 *   write           N/4 16-byte writes to /dev/null
 *   open/read/close N/20 rounds on this program's own file (argv[0])
 *   stat            N/20 calls on argv[0]
 * Usage: syscall_heavy [N]  (N=200000 by default)
 * The output (counts and byte sums) is identical everywhere.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char** argv) {
  long n = argc > 1 ? atol(argv[1]) : 200000;
  const char* self = argv[0];
  uint64_t acc = 0;

  long pid = syscall(SYS_getpid);
  for (long i = 0; i < n; i++) acc += syscall(SYS_getpid) == pid;
  printf("getpid        %ld ok=%llu\n", n, (unsigned long long)acc);

  acc = 0;
  struct timespec ts, prev = {0, 0};
  for (long i = 0; i < n; i++) {
    syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
    acc += ts.tv_sec > prev.tv_sec || (ts.tv_sec == prev.tv_sec && ts.tv_nsec >= prev.tv_nsec);
    prev = ts;
  }
  printf("clock_gettime %ld monotonic=%llu\n", n, (unsigned long long)acc);

  acc = 0;
  int fd = open("/dev/null", O_WRONLY);
  if (fd < 0) { perror("/dev/null"); return 1; }
  static const char line[16] = "0123456789abcde\n";
  for (long i = 0; i < n / 4; i++) acc += (uint64_t)write(fd, line, sizeof line);
  close(fd);
  printf("write         %ld bytes=%llu\n", n / 4, (unsigned long long)acc);

  acc = 0;
  unsigned char buf[256];
  for (long i = 0; i < n / 20; i++) {
    int f = open(self, O_RDONLY);
    if (f < 0) { perror(self); return 1; }
    ssize_t r = read(f, buf, sizeof buf);
    for (ssize_t k = 0; k < r; k++) acc += buf[k];
    close(f);
  }
  printf("open/read/close %ld sum=%llu\n", n / 20, (unsigned long long)acc);

  acc = 0;
  struct stat st;
  for (long i = 0; i < n / 20; i++)
    if (stat(self, &st) == 0) acc += (uint64_t)st.st_size;
  printf("stat          %ld size_sum=%llu\n", n / 20, (unsigned long long)acc);
  return 0;
}
