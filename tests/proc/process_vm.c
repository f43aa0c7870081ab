/* process_vm_readv and process_vm_writev between a parent and its child
 * (and a process and itself): scattered iovecs on both sides, a transfer
 * cut short by an unmapped or read-only remote page, EFAULT when nothing
 * moved, ESRCH, EINVAL, and a zero-length call. */
#include "proc.h"

#include <sys/mman.h>
#include <sys/uio.h>

static char data[64] = "parent's bytes";
static char *ro_page;   /* read-only in the child */
static char *gap_page;  /* unmapped in the child, after a mapped one */

static void report(const char *what, ssize_t n, const char *buf, size_t len) {
  if (n < 0) {
    printf("%s: %s\n", what, err_name(errno));
    return;
  }
  printf("%s: %zd bytes \"", what, n);
  for (size_t i = 0; i < len && i < (size_t)n; i++) putchar(buf[i] ? buf[i] : '.');
  printf("\"\n");
}

int main(void) {
  long page = sysconf(_SC_PAGESIZE);
  char *two = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  gap_page = two + page;
  ro_page = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  strcpy(two + page - 8, "tail-end");
  strcpy(ro_page, "read-only page");
  int ready[2], done[2];
  CHECK(pipe(ready) == 0 && pipe(done) == 0);
  pid_t child = fork();
  if (child == 0) {
    strcpy(data, "the child's own bytes");
    munmap(gap_page, page);
    mprotect(ro_page, page, PROT_READ);
    write(ready[1], "r", 1);
    char c;
    read(done[0], &c, 1);
    printf("child: its data is now \"%s\"\n", data);
    _exit(0);
  }
  char c;
  read(ready[0], &c, 1);

  /* Scattered: two local pieces, two remote ones. */
  char a[8] = {0}, b[32] = {0};
  struct iovec local[2] = {{a, 5}, {b, 20}};
  struct iovec remote[2] = {{data, 4}, {data + 10, 21}};
  ssize_t n = process_vm_readv(child, local, 2, remote, 2, 0);
  char joined[40] = {0};
  memcpy(joined, a, 5);
  memcpy(joined + 5, b, 20);
  report("read 4 + 21 remote into 5 + 20 local", n, joined, 25);

  /* A remote range running into the unmapped page: cut at its start. */
  char buf[64] = {0};
  struct iovec l1 = {buf, 32}, r1 = {gap_page - 8, 32};
  n = process_vm_readv(child, &l1, 1, &r1, 1, 0);
  report("read across into an unmapped page", n, buf, 8);
  struct iovec r_bad[2] = {{gap_page, 8}, {data, 8}};
  n = process_vm_readv(child, &l1, 1, r_bad, 2, 0);
  report("read with the first remote piece unmapped", n, buf, 0);
  struct iovec r_good_bad[2] = {{data, 8}, {gap_page, 8}};
  memset(buf, 0, sizeof buf);
  n = process_vm_readv(child, &l1, 1, r_good_bad, 2, 0);
  report("read with the second remote piece unmapped", n, buf, 8);

  /* Local side bad. */
  struct iovec l_bad = {(void *)8, 16}, r2 = {data, 16};
  n = process_vm_readv(child, &l_bad, 1, &r2, 1, 0);
  report("read into a bad local pointer", n, buf, 0);

  /* Writes: into the child's data, and into its read-only page. */
  char msg[] = "written by the parent";
  struct iovec lw = {msg, sizeof msg}, rw = {data, sizeof msg};
  n = process_vm_writev(child, &lw, 1, &rw, 1, 0);
  report("write into the child's data", n, msg, 0);
  struct iovec rro = {ro_page, 8};
  n = process_vm_writev(child, &lw, 1, &rro, 1, 0);
  report("write into a read-only page of the child", n, msg, 0);
  struct iovec rro_read = {ro_page, 14};
  memset(buf, 0, sizeof buf);
  n = process_vm_readv(child, &l1, 1, &rro_read, 1, 0);
  report("read the read-only page", n, buf, 14);

  /* Errors and edge cases. */
  n = process_vm_readv(child, &l1, 1, &r2, 1, 1);
  report("flags 1", n, buf, 0);
  n = process_vm_readv(999999, &l1, 1, &r2, 1, 0);
  report("no such pid", n, buf, 0);
  struct iovec l0 = {buf, 0};
  n = process_vm_readv(999999, &l0, 1, &r2, 1, 0);
  report("nothing to move, no such pid", n, buf, 0);
  n = process_vm_readv(child, &l1, 1, (struct iovec *)8, 1, 0);
  report("a bad remote iovec array", n, buf, 0);
  /* Our own memory. */
  memset(buf, 0, sizeof buf);
  struct iovec rself = {data, 14};
  n = process_vm_readv(getpid(), &l1, 1, &rself, 1, 0);
  report("read from ourselves", n, buf, 14);

  write(done[1], "d", 1);
  int status;
  waitpid(child, &status, 0);
  printf("child: %s\n", status_str(status));
  /* A zombie has no memory left. */
  pid_t z = fork();
  if (z == 0) _exit(0);
  siginfo_t info;
  waitid(P_PID, z, &info, WEXITED | WNOWAIT);  /* a zombie now, not reaped */
  n = process_vm_readv(z, &l1, 1, &r2, 1, 0);
  report("a zombie", n, buf, 0);
  waitpid(z, &status, 0);
  return 0;
}
