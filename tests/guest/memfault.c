/* Partial transfers at the edge of guest memory: what Linux does when a
 * read() or write() buffer runs into an unmapped page.  qemu-user checks the
 * whole buffer up front and returns EFAULT instead, so this program's
 * reference output is memfault.expected (the behaviour of a real Linux
 * kernel, x86-64 and riscv64 alike), not a qemu run. */
#include "common.h"
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>

#define PAGE 4096

int main(void) {
  char path[] = "/tmp/vmrun-memfault-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) { perror("mkstemp"); return 1; }
  char data[200];
  for (int i = 0; i < 200; i++) data[i] = (char)('a' + i % 26);
  show("write_file", write(fd, data, sizeof data));

  unsigned char *m = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  show("munmap_second", munmap(m + PAGE, PAGE));
  unsigned char *edge = m + PAGE - 16;   /* 16 mapped bytes, then a hole */

  /* read() of 64 bytes into a buffer with only 16 mapped: Linux copies what
   * fits and returns the short count. */
  lseek(fd, 0, SEEK_SET);
  show("read_partial", read(fd, edge, 64));
  printf("read_partial_data: %.16s\n", (char *)edge);
  show("pos_after_partial", lseek(fd, 0, SEEK_CUR));
  /* Nothing at all mapped: EFAULT. */
  show("read_unmapped", read(fd, m + PAGE, 64));
  show("pos_after_efault", lseek(fd, 0, SEEK_CUR));

  /* write() from a buffer that runs into the hole. */
  int out = open(path, O_WRONLY | O_TRUNC);
  memcpy(edge, "0123456789abcdef", 16);
  show("write_partial", write(out, edge, 64));
  show("size_after_partial_write", lseek(out, 0, SEEK_END));
  close(out);
  close(fd);
  show("unlink", unlink(path));
  return 0;
}
