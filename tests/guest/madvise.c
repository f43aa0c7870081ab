/* madvise(MADV_DONTNEED) by kind of mapping, as Linux does it: private
 * anonymous pages read back as zeros; private file pages as the file's
 * bytes again (zeros past its end); shared memory, anonymous or of a file,
 * keeps its contents, also as another process sees it; the program's own
 * read-only code keeps working. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static int count(const unsigned char *p, size_t n, unsigned char c) {
  int k = 0;
  for (size_t i = 0; i < n; i++) k += p[i] == c;
  return k;
}

__attribute__((noinline)) static int answer(int x) { return x * 6 + 0; }

int main(void) {
  setvbuf(stdout, 0, _IONBF, 0);
  long page = sysconf(_SC_PAGESIZE);

  unsigned char *anon = mmap(0, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  memset(anon, 0x11, 2 * page);
  printf("private anonymous: %d\n", madvise(anon, 2 * page, MADV_DONTNEED));
  printf("  zeros afterwards: %d of %ld\n", count(anon, 2 * page, 0), 2 * page);

  unsigned char *shared = mmap(0, page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  memset(shared, 0x22, page);
  printf("shared anonymous: %d\n", madvise(shared, page, MADV_DONTNEED));
  printf("  contents kept: %d of %ld\n", count(shared, page, 0x22), page);
  pid_t pid = fork();
  if (pid == 0) {
    madvise(shared, page, MADV_DONTNEED);
    shared[0] = 0x33;
    _exit(count(shared, page, 0x22) == page - 1 ? 0 : 1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  printf("  child's DONTNEED kept them, its write seen: %d %d\n", WEXITSTATUS(status), shared[0] == 0x33);

  const char *path = "/tmp/vmrun-madvise-test";
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  char text[6000];
  for (size_t i = 0; i < sizeof text; i++) text[i] = 'a' + i % 26;
  (void)!write(fd, text, sizeof text);
  unsigned char *priv = mmap(0, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  memset(priv, 'X', 2 * page);
  printf("private file: %d\n", madvise(priv, 2 * page, MADV_DONTNEED));
  printf("  file bytes again: %d, zeros past the end: %d\n", memcmp(priv, text, sizeof text) == 0,
         count(priv + sizeof text, 2 * page - sizeof text, 0) == (int)(2 * page - sizeof text));

  unsigned char *sfile = mmap(0, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  memset(sfile, 'Y', 100);
  printf("shared file: %d\n", madvise(sfile, page, MADV_DONTNEED));
  msync(sfile, page, MS_SYNC);
  char back[100];
  (void)!pread(fd, back, sizeof back, 0);
  printf("  contents kept: %d, in the file: %d\n", count(sfile, 100, 'Y'), count((unsigned char *)back, 100, 'Y'));
  close(fd);
  unlink(path);

  uintptr_t code = (uintptr_t)&answer & ~(uintptr_t)(page - 1);
  printf("own code: %d\n", madvise((void *)code, page, MADV_DONTNEED));
  printf("  still runs: %d\n", answer(7));
  return 0;
}
