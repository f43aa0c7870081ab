/* sethostname and setdomainname in a UTS namespace of our own (made
 * first, so the host's names are never changed): the length and pointer
 * checks, the name as uname, gethostname and getdomainname report it,
 * shared with a forked child both ways, what a later child starts with,
 * and a child's own namespace, which the parent never sees. Then
 * /proc/self/ns/uts: its link changes with unshare, an open one is the
 * namespace (fstat's inode is the link's number) and setns joins it
 * again, with the names it had. */
#include "proc.h"

#include <sched.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>

static void show(const char *what) {
  struct utsname u;
  char host[80] = "?", dom[80] = "?";
  if (uname(&u) != 0) { printf("%s: uname %s\n", what, err_name(errno)); return; }
  if (gethostname(host, sizeof host) != 0) snprintf(host, sizeof host, "(%s)", err_name(errno));
  if (getdomainname(dom, sizeof dom) != 0) snprintf(dom, sizeof dom, "(%s)", err_name(errno));
  printf("%s: nodename \"%s\" (%zu), domainname \"%s\"; gethostname \"%s\", getdomainname \"%s\"\n", what,
         u.nodename, strlen(u.nodename), u.domainname, host, dom);
}

static void try_host(const char *what, const char *name, int len) {
  printf("sethostname %s: %s\n", what, sethostname(name, len) == 0 ? "OK" : err_name(errno));
}
static void try_domain(const char *what, const char *name, int len) {
  printf("setdomainname %s: %s\n", what, setdomainname(name, len) == 0 ? "OK" : err_name(errno));
}

int main(void) {
  if (unshare(CLONE_NEWUTS) != 0) {
    printf("no private UTS namespace (%s): not changing the host's names\n", err_name(errno));
    return 1;
  }

  try_host("plain", "box-one", 7);
  try_domain("plain", "example.test", 12);
  show("after setting");

  char long_name[80];
  memset(long_name, 'h', sizeof long_name);
  try_host("65 bytes", long_name, 65);
  try_host("len -1", "x", -1);
  try_domain("65 bytes", long_name, 65);
  try_domain("len -1", "x", -1);
  try_host("bad pointer", (const char *)8, 4);
  try_domain("bad pointer", (const char *)8, 4);
  show("after the failures");

  /* A name ending in an unmapped page: EFAULT, nothing changed. */
  long page = sysconf(_SC_PAGESIZE);
  char *two = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap(two + page, page);
  memcpy(two + page - 3, "abc", 3);
  try_host("across the end of memory", two + page - 3, 6);
  try_host("the mapped part", two + page - 3, 3);
  show("partly mapped");

  try_host("64 bytes", long_name, 64);
  try_domain("64 bytes", long_name, 64);
  show("64 bytes");
  try_host("with a NUL inside", "left\0right", 10);
  try_domain("with a NUL inside", "dom\0ain", 7);
  show("NUL inside");
  try_host("empty, null pointer", NULL, 0);
  try_domain("empty, null pointer", NULL, 0);
  show("empty");

  /* A child shares the namespace: it sees the parent's names and the
   * parent sees the ones it sets. */
  try_host("parent", "parent-host", 11);
  pid_t pid = fork();
  if (pid == 0) {
    show("child");
    try_host("child", "child-host", 10);
    try_domain("child", "child.test", 10);
    _exit(0);
  }
  int st;
  waitpid(pid, &st, 0);
  printf("child %s\n", status_str(st));
  show("parent after the child");
  pid = fork();
  if (pid == 0) {
    show("second child");
    _exit(0);
  }
  waitpid(pid, &st, 0);

  pid = fork();
  if (pid == 0) {
    printf("child unshare(CLONE_NEWUTS): %s\n", unshare(CLONE_NEWUTS) == 0 ? "OK" : err_name(errno));
    show("unshared child");
    try_host("unshared child", "private", 7);
    try_domain("unshared child", "private.test", 12);
    show("unshared child after");
    _exit(0);
  }
  waitpid(pid, &st, 0);
  show("parent after the unshared child");

  /* /proc/self/ns/uts and setns. Link numbers differ between machines:
   * only how they relate is printed. */
  char before[64] = "", after[64] = "", back[64] = "", child_link[64] = "";
  ssize_t n = readlink("/proc/self/ns/uts", before, sizeof before - 1);
  unsigned long long num = 0;
  printf("readlink /proc/self/ns/uts: %s\n",
         n > 0 && sscanf(before, "uts:[%llu]", &num) == 1 ? "uts:[N]" : err_name(errno));
  int fd = open("/proc/self/ns/uts", O_RDONLY);
  struct stat sb;
  memset(&sb, 0, sizeof sb);
  int open_errno = errno, stat_ok = fd >= 0 && fstat(fd, &sb) == 0;
  printf("open it: %s; fstat: %s, inode = N: %s\n", fd >= 0 ? "OK" : err_name(open_errno),
         stat_ok && S_ISREG(sb.st_mode) ? "a regular file" : "?", stat_ok && sb.st_ino == num ? "yes" : "no");
  printf("write-open it: %s\n", open("/proc/self/ns/uts", O_WRONLY) >= 0 ? "OK" : err_name(errno));
  printf("unshare(CLONE_NEWUTS): %s\n", unshare(CLONE_NEWUTS) == 0 ? "OK" : err_name(errno));
  readlink("/proc/self/ns/uts", after, sizeof after - 1);
  sethostname("elsewhere", 9);
  show("in the new namespace");
  printf("the link changed: %s\n", strcmp(before, after) != 0 ? "yes" : "no");
  pid = fork();
  if (pid == 0) {
    readlink("/proc/self/ns/uts", child_link, sizeof child_link - 1);
    printf("a child's link is its parent's: %s\n", strcmp(child_link, after) == 0 ? "yes" : "no");
    _exit(0);
  }
  waitpid(pid, &st, 0);
  printf("setns(fd, CLONE_NEWPID): %s\n", setns(fd, CLONE_NEWPID) == 0 ? "OK" : err_name(errno));
  printf("setns(stdin, 0): %s\n", setns(0, 0) == 0 ? "OK" : err_name(errno));
  printf("setns(fd, CLONE_NEWUTS): %s\n", setns(fd, CLONE_NEWUTS) == 0 ? "OK" : err_name(errno));
  readlink("/proc/self/ns/uts", back, sizeof back - 1);
  printf("the link is the first again: %s\n", strcmp(before, back) == 0 ? "yes" : "no");
  show("back in the first namespace");
  close(fd);
  return 0;
}
