/* Open directories and the working directory are the directories
 * themselves, not their names: *at() calls relative to a directory fd,
 * fchdir, getcwd, getdents and /proc/self/{cwd,fd/N} follow a directory
 * renamed (itself or an ancestor) after it was opened, and a removed
 * directory stays removed even when a new one takes its name. Everything
 * happens in a fresh directory under /tmp, printed as TOP. */
#include "proc.h"
#include <dirent.h>
#include <sys/stat.h>

static char top[64];

/* PATH with the TOP prefix replaced, into a static buffer. */
static const char *shown(const char *path) {
  static char buf[4200];
  size_t n = strlen(top);
  if (strncmp(path, top, n) == 0) snprintf(buf, sizeof buf, "TOP%s", path + n);
  else snprintf(buf, sizeof buf, "(outside) %s", path);
  return buf;
}

static void show_cwd(const char *label) {
  char buf[4096];
  if (!getcwd(buf, sizeof buf)) printf("%s: getcwd %s\n", label, err_name(errno));
  else printf("%s: getcwd %s\n", label, shown(buf));
}

static void show_link(const char *label, const char *link) {
  char buf[4096];
  ssize_t n = readlink(link, buf, sizeof buf - 1);
  if (n < 0) { printf("%s: readlink %s\n", label, err_name(errno)); return; }
  buf[n] = 0;
  printf("%s: %s\n", label, shown(buf));
}

static void show_fd_link(const char *label, int fd) {
  char link[64];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  show_link(label, link);
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The names a directory fd lists (without . and ..), sorted. */
static void show_listing(const char *label, int fd) {
  int copy = dup(fd);
  DIR *d = copy < 0 ? NULL : fdopendir(copy);
  if (!d) { printf("%s: fdopendir %s\n", label, err_name(errno)); return; }
  rewinddir(d);
  char *names[64];
  int count = 0;
  struct dirent *e;
  while ((e = readdir(d)) && count < 64)
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) names[count++] = strdup(e->d_name);
  closedir(d);
  qsort(names, count, sizeof names[0], by_name);
  printf("%s:", label);
  for (int i = 0; i < count; i++) { printf(" %s", names[i]); free(names[i]); }
  printf("\n");
}

static void at(const char *rel, char *out, size_t size) { snprintf(out, size, "%s/%s", top, rel); }

static int create_at(int dirfd, const char *name) {
  int fd = openat(dirfd, name, O_CREAT | O_WRONLY | O_TRUNC, 0644);
  if (fd < 0) return -1;
  close(fd);
  return 0;
}

static const char *exists(const char *rel) {
  char p[200];
  struct stat st;
  at(rel, p, sizeof p);
  return stat(p, &st) == 0 ? "exists" : err_name(errno);
}

int main(void) {
  snprintf(top, sizeof top, "/tmp/dirh.XXXXXX");
  if (!mkdtemp(top)) { printf("mkdtemp: %s\n", err_name(errno)); return 1; }
  char p[200], q[200];
  CHECK(chdir(top) == 0);

  /* A directory fd follows a rename of its directory. */
  CHECK(mkdir("a", 0755) == 0);
  int afd = open("a", O_RDONLY | O_DIRECTORY);
  CHECK(afd >= 0);
  CHECK(rename("a", "b") == 0);
  printf("create in renamed dir fd: %s\n", RES(create_at(afd, "f")));
  printf("b/f %s, a %s\n", exists("b/f"), exists("a"));
  show_fd_link("fd link after rename", afd);
  show_listing("listing after rename", afd);

  /* An O_PATH fd follows a rename of an ancestor. */
  CHECK(mkdir("b/c", 0755) == 0);
  at("b/c", p, sizeof p);
  int cfd = open(p, O_PATH | O_DIRECTORY);
  CHECK(cfd >= 0);
  at("b", p, sizeof p);
  at("d", q, sizeof q);
  CHECK(rename(p, q) == 0);
  printf("mkdirat under renamed ancestor: %s\n", RES(mkdirat(cfd, "sub", 0755)));
  struct stat st;
  printf("fstatat sub: %s\n", RES(fstatat(cfd, "sub", &st, 0)));
  printf("d/c/sub %s\n", exists("d/c/sub"));
  show_fd_link("O_PATH fd link after ancestor rename", cfd);
  printf("openat .. from it: %s\n", RES(create_at(cfd, "../up")));
  printf("d/up %s\n", exists("d/up"));

  /* fchdir to a directory renamed after it was opened. */
  printf("fchdir: %s\n", RES(fchdir(afd)));
  show_cwd("after fchdir");
  printf("create relative: %s\n", RES(create_at(AT_FDCWD, "g")));
  printf("d/g %s\n", exists("d/g"));
  show_link("proc cwd", "/proc/self/cwd");

  /* The working directory follows a rename of itself and of an ancestor. */
  CHECK(chdir("c") == 0);
  at("d", p, sizeof p);
  at("e", q, sizeof q);
  CHECK(rename(p, q) == 0);
  show_cwd("cwd after ancestor rename");
  printf("create relative: %s\n", RES(create_at(AT_FDCWD, "h")));
  printf("e/c/h %s\n", exists("e/c/h"));
  CHECK(rename("../c", "../c2") == 0);
  show_cwd("cwd after its own rename");
  show_listing("listing of the first fd", afd);
  /* A child process shares the moved directory as its cwd. */
  pid_t pid = fork();
  if (pid == 0) {
    show_cwd("child");
    _exit(create_at(AT_FDCWD, "from_child") == 0 ? 0 : 1);
  }
  printf("child: %s\n", status_str(wait_for(pid)));
  printf("e/c2/from_child %s\n", exists("e/c2/from_child"));

  /* A removed directory stays removed, even when a new one takes its name. */
  CHECK(chdir(top) == 0);
  CHECK(mkdir("gone", 0755) == 0);
  int gfd = open("gone", O_RDONLY | O_DIRECTORY);
  CHECK(gfd >= 0);
  CHECK(chdir("gone") == 0);
  at("gone", p, sizeof p);
  printf("rmdir cwd: %s\n", RES(rmdir(p)));
  show_cwd("removed cwd");
  show_link("proc cwd", "/proc/self/cwd");
  show_fd_link("fd link", gfd);
  printf("create in removed cwd: %s\n", RES(create_at(AT_FDCWD, "x")));
  printf("create in removed dir fd: %s\n", RES(create_at(gfd, "x")));
  printf("mkdirat in removed dir fd: %s\n", RES(mkdirat(gfd, "x", 0755)));
  show_listing("listing of removed dir", gfd);
  printf("fstat removed dir: %s, %s\n", RES(fstat(gfd, &st)), S_ISDIR(st.st_mode) ? "directory" : "not a directory");
  CHECK(mkdir(p, 0755) == 0);
  printf("create in removed cwd after mkdir: %s\n", RES(create_at(AT_FDCWD, "x")));
  printf("create in removed dir fd after mkdir: %s\n", RES(create_at(gfd, "x")));
  printf("gone/x %s\n", exists("gone/x"));
  CHECK(chdir(top) == 0);
  printf("fchdir to removed dir: %s\n", RES(fchdir(gfd)));
  show_cwd("after fchdir to removed dir");
  CHECK(chdir(top) == 0);

  /* A directory replaced by a rename is removed too. */
  CHECK(mkdir("v", 0755) == 0);
  CHECK(mkdir("w", 0755) == 0);
  int wfd = open("w", O_RDONLY | O_DIRECTORY);
  CHECK(wfd >= 0);
  CHECK(rename("v", "w") == 0);
  printf("create in replaced dir: %s\n", RES(create_at(wfd, "y")));
  show_fd_link("replaced fd link", wfd);
  printf("w/y %s\n", exists("w/y"));

  close(afd);
  close(cfd);
  close(gfd);
  close(wfd);
  const char *files[] = {"e/f", "e/g", "e/up", "e/c2/h", "e/c2/from_child", NULL};
  const char *dirs[] = {"e/c2/sub", "e/c2", "e", "gone", "w", NULL};
  for (int i = 0; files[i]; i++) { at(files[i], p, sizeof p); unlink(p); }
  for (int i = 0; dirs[i]; i++) { at(dirs[i], p, sizeof p); rmdir(p); }
  printf("cleanup: %s\n", RES(rmdir(top)));
  return 0;
}
