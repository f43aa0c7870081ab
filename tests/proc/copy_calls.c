/* copy_file_range and splice: offsets given or the descriptions' own,
 * what moves, end of file, and the errors, in Linux's order. */
#include "proc.h"

#include <sys/stat.h>

static void contents(const char *what, int fd) {
  char buf[64];
  ssize_t n = pread(fd, buf, sizeof buf, 0);
  for (ssize_t i = 0; i < n; i++)
    if (buf[i] == 0) buf[i] = '.';
  printf("  %s: \"%.*s\"\n", what, (int)(n < 0 ? 0 : n), buf);
}

static void result(const char *what, ssize_t r) {
  if (r < 0) printf("%s: %s\n", what, err_name(errno));
  else printf("%s: %zd\n", what, r);
}

static int temp_file(const char *text) {
  char path[] = "/tmp/vmrun-copy-XXXXXX";
  int fd = mkstemp(path);
  unlink(path);
  if (text) write(fd, text, strlen(text));
  lseek(fd, 0, SEEK_SET);
  return fd;
}

int main(void) {
  int a = temp_file("0123456789"), b = temp_file(NULL);

  result("copy_file_range 5, own offsets", copy_file_range(a, NULL, b, NULL, 5, 0));
  contents("out", b);
  printf("  offsets now %lld and %lld\n", (long long)lseek(a, 0, SEEK_CUR), (long long)lseek(b, 0, SEEK_CUR));
  loff_t in_off = 7, out_off = 1;
  result("copy_file_range 10 from 7 to 1", copy_file_range(a, &in_off, b, &out_off, 10, 0));
  contents("out", b);
  printf("  pointers now %lld and %lld, offsets still %lld and %lld\n", (long long)in_off, (long long)out_off,
         (long long)lseek(a, 0, SEEK_CUR), (long long)lseek(b, 0, SEEK_CUR));
  in_off = 10;
  result("copy_file_range at the end", copy_file_range(a, &in_off, b, NULL, 10, 0));
  result("copy_file_range of 0 bytes", copy_file_range(a, NULL, b, NULL, 0, 0));
  loff_t x = 0, y = 2;
  result("same file, overlapping", copy_file_range(a, &x, a, &y, 4, 0));
  y = 6;
  result("same file, apart", copy_file_range(a, &x, a, &y, 4, 0));
  contents("a", a);
  result("flags", copy_file_range(a, NULL, b, NULL, 1, 1));
  x = -1;
  result("negative offset", copy_file_range(a, &x, b, NULL, 1, 0));
  int ro = open("/proc/self/exe", O_RDONLY);
  result("to a read-only descriptor", copy_file_range(a, NULL, ro, NULL, 1, 0));
  int app = temp_file(NULL);
  fcntl(app, F_SETFL, O_APPEND);
  result("to an O_APPEND descriptor", copy_file_range(a, NULL, app, NULL, 1, 0));
  int dir = open("/tmp", O_RDONLY | O_DIRECTORY);
  result("from a directory", copy_file_range(dir, NULL, b, NULL, 1, 0));
  int p[2];
  if (pipe(p) != 0) return 1;
  result("from a pipe", copy_file_range(p[0], NULL, b, NULL, 1, 0));

  /* splice */
  lseek(a, 0, SEEK_SET);
  result("splice file -> pipe 4", splice(a, NULL, p[1], NULL, 4, 0));
  printf("  file offset now %lld\n", (long long)lseek(a, 0, SEEK_CUR));
  in_off = 8;
  result("splice file at 8 -> pipe 10", splice(a, &in_off, p[1], NULL, 10, 0));
  printf("  pointer now %lld\n", (long long)in_off);
  int c = temp_file(NULL);
  out_off = 3;
  result("splice pipe -> file at 3", splice(p[0], NULL, c, &out_off, 100, 0));
  contents("c", c);
  printf("  pointer now %lld\n", (long long)out_off);
  result("splice from an empty pipe, NONBLOCK", splice(p[0], NULL, c, NULL, 1, SPLICE_F_NONBLOCK));
  result("splice with an offset on the pipe", splice(p[0], &in_off, c, NULL, 1, 0));
  result("splice file -> file", splice(a, NULL, c, NULL, 1, 0));
  result("splice bad flags", splice(a, NULL, p[1], NULL, 1, 0x100));
  result("splice to O_APPEND", splice(p[0], NULL, app, NULL, 1, SPLICE_F_NONBLOCK));
  close(p[1]);
  result("splice from a pipe at end of file", splice(p[0], NULL, c, NULL, 1, 0));
  return 0;
}
