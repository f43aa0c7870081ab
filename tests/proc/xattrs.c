/* Extended attributes: user.* on files and directories through the path,
 * l* and f* calls; the size-0 query, ERANGE for small buffers, the
 * XATTR_CREATE/XATTR_REPLACE errors, name and value limits, symlinks,
 * FIFOs and pipes (no user.* there), an unlinked file still open, unknown
 * namespaces and bad pointers. Values stay small: the native reference
 * runs on ext4, whose attributes of one file share a 4 KiB block. */
#include "proc.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/xattr.h>

static char dir[64];

static void show(const char *what, ssize_t r) {
  if (r < 0) printf("%s: %s\n", what, err_name(errno));
  else printf("%s: %zd\n", what, r);
}

/* The names of a listing, sorted (the order is the filesystem's). */
static void show_list(const char *what, ssize_t n, char *buf) {
  if (n < 0) { printf("%s: %s\n", what, err_name(errno)); return; }
  const char *names[64];
  int count = 0;
  for (ssize_t i = 0; i < n && count < 64; i += (ssize_t)strlen(buf + i) + 1) names[count++] = buf + i;
  for (int i = 1; i < count; i++)
    for (int j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
      const char *t = names[j]; names[j] = names[j - 1]; names[j - 1] = t;
    }
  printf("%s: %zd bytes:", what, n);
  for (int i = 0; i < count; i++) printf(" %s", names[i]);
  printf("\n");
}

static void get_value(const char *what, const char *path, const char *name) {
  char v[256];
  ssize_t n = getxattr(path, name, v, sizeof v);
  if (n < 0) printf("%s: %s\n", what, err_name(errno));
  else printf("%s: %zd \"%.*s\"\n", what, n, (int)n, v);
}

static void on_file(const char *f) {
  char buf[512];
  printf("-- a regular file\n");
  show("get absent", getxattr(f, "user.a", buf, sizeof buf));
  show("list empty, size 0", listxattr(f, NULL, 0));
  show("set user.a", setxattr(f, "user.a", "hello", 5, 0));
  show("get size 0", getxattr(f, "user.a", NULL, 0));
  show("get into 3 bytes", getxattr(f, "user.a", buf, 3));
  get_value("get", f, "user.a");
  show("set CREATE existing", setxattr(f, "user.a", "x", 1, XATTR_CREATE));
  show("set REPLACE absent", setxattr(f, "user.zz", "x", 1, XATTR_REPLACE));
  show("set flags 4", setxattr(f, "user.a", "x", 1, 4));
  show("set REPLACE existing", setxattr(f, "user.a", "bye", 3, XATTR_REPLACE));
  get_value("get replaced", f, "user.a");
  show("set CREATE absent", setxattr(f, "user.b", "", 0, XATTR_CREATE));
  get_value("get empty value", f, "user.b");
  show("list size 0", listxattr(f, NULL, 0));
  show("list into 4 bytes", listxattr(f, buf, 4));
  show_list("list", listxattr(f, buf, sizeof buf), buf);
  show("remove user.a", removexattr(f, "user.a"));
  show("remove user.a again", removexattr(f, "user.a"));
  show_list("list after remove", listxattr(f, buf, sizeof buf), buf);

  printf("-- names and values\n");
  show("empty name", setxattr(f, "", "x", 1, 0));
  show("get empty name", getxattr(f, "", buf, sizeof buf));
  char name[300];
  strcpy(name, "user.");
  memset(name + 5, 'n', 250);
  name[255] = 0;
  show("255-byte name", setxattr(f, name, "x", 1, 0));
  show("get 255-byte name", getxattr(f, name, buf, sizeof buf));
  show("remove 255-byte name", removexattr(f, name));
  name[255] = 'n';
  name[256] = 0;
  show("256-byte name", setxattr(f, name, "x", 1, 0));
  show("get 256-byte name", getxattr(f, name, buf, sizeof buf));
  show("value of 64 KiB + 1", setxattr(f, "user.big", buf, 65537, 0));
  show("\"user.\" alone", setxattr(f, "user.", "x", 1, 0));
  show("unknown namespace", setxattr(f, "foo.bar", "x", 1, 0));
  show("get unknown namespace", getxattr(f, "foo.bar", buf, sizeof buf));
  show("no dot", getxattr(f, "user", buf, sizeof buf));
  /* The reference runs as root, as the guest does: trusted.* and
   * security.* are stored for it. */
  show("set trusted.t", setxattr(f, "trusted.t", "tv", 2, 0));
  get_value("get trusted.t", f, "trusted.t");
  show("set security.s", setxattr(f, "security.s", "sv", 2, 0));
  show_list("list with trusted and security", listxattr(f, buf, sizeof buf), buf);
  show("remove trusted.t", removexattr(f, "trusted.t"));
  show("remove security.s", removexattr(f, "security.s"));
  show("\"trusted.\" alone", setxattr(f, "trusted.", "x", 1, 0));
  show("get system.posix_acl_access", getxattr(f, "system.posix_acl_access", buf, sizeof buf));
  char many[16];
  int ok = 0;
  for (int i = 0; i < 20; i++) {
    snprintf(many, sizeof many, "user.m%02d", i);
    ok += setxattr(f, many, "0123456789012345678901234567890123456789", 40, 0) == 0;
  }
  printf("20 more set: %d\n", ok);
  show("list size 0 with 21", listxattr(f, NULL, 0));
  get_value("get m07", f, "user.m07");

  printf("-- bad pointers\n");
  void *bad = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  show("name unreadable", setxattr(f, bad, "x", 1, 0));
  show("value unreadable", setxattr(f, "user.c", bad, 1, 0));
  show("get into unwritable", getxattr(f, "user.m00", bad, 64));
  show("list into unwritable", listxattr(f, bad, 4096));
  show("path unreadable", getxattr(bad, "user.m00", buf, sizeof buf));
  munmap(bad, 4096);
  show("no such file", getxattr("/nonexistent-xattr-file", "user.a", buf, sizeof buf));
}

static void on_fds(const char *f) {
  char buf[256];
  printf("-- descriptors\n");
  int fd = open(f, O_RDONLY);
  show("fset on O_RDONLY", fsetxattr(fd, "user.fd", "via fd", 6, 0));
  show("fget", fgetxattr(fd, "user.fd", buf, sizeof buf));
  show("fget size 0", fgetxattr(fd, "user.fd", NULL, 0));
  get_value("get by path", f, "user.fd");
  show("fremove", fremovexattr(fd, "user.fd"));
  show("fremove again", fremovexattr(fd, "user.fd"));
  close(fd);
  show("fget closed fd", fgetxattr(fd, "user.fd", buf, sizeof buf));

  int pfd = open(f, O_PATH);
  show("fget on O_PATH", fgetxattr(pfd, "user.m00", buf, sizeof buf));
  close(pfd);

  /* An unlinked file, still open, keeps its attributes. */
  char gone[96];
  snprintf(gone, sizeof gone, "%s/gone", dir);
  int gfd = open(gone, O_RDWR | O_CREAT, 0644);
  show("fset before unlink", fsetxattr(gfd, "user.k", "kept", 4, 0));
  unlink(gone);
  show("fget after unlink", fgetxattr(gfd, "user.k", buf, sizeof buf));
  show("fset after unlink", fsetxattr(gfd, "user.k2", "new", 3, 0));
  show_list("flist after unlink", flistxattr(gfd, buf, sizeof buf), buf);
  close(gfd);

  int p[2];
  pipe(p);
  show("pipe fset user.", fsetxattr(p[0], "user.x", "x", 1, 0));
  show("pipe fget user.", fgetxattr(p[0], "user.x", buf, sizeof buf));
  show("pipe flist", flistxattr(p[0], buf, sizeof buf));
  close(p[0]);
  close(p[1]);
}

static void on_others(void) {
  char buf[256], path[96], lnk[96], fifo[96], sub[96];
  snprintf(path, sizeof path, "%s/target", dir);
  snprintf(lnk, sizeof lnk, "%s/link", dir);
  snprintf(fifo, sizeof fifo, "%s/fifo", dir);
  snprintf(sub, sizeof sub, "%s/sub", dir);
  close(open(path, O_WRONLY | O_CREAT, 0644));
  symlink("target", lnk);
  mkfifo(fifo, 0644);
  mkdir(sub, 0755);

  printf("-- a directory\n");
  show("set on dir", setxattr(sub, "user.d", "dir", 3, 0));
  get_value("get on dir", sub, "user.d");
  int dfd = open(sub, O_RDONLY | O_DIRECTORY);
  show("fget on dir fd", fgetxattr(dfd, "user.d", buf, sizeof buf));
  show("fset on dir fd", fsetxattr(dfd, "user.d2", "x", 1, 0));
  show_list("list dir", listxattr(sub, buf, sizeof buf), buf);
  char sub2[96];
  snprintf(sub2, sizeof sub2, "%s/sub2", dir);
  rename(sub, sub2);
  show("fget on dir fd after rename", fgetxattr(dfd, "user.d2", buf, sizeof buf));
  rename(sub2, sub);
  close(dfd);
  char gonedir[96];
  snprintf(gonedir, sizeof gonedir, "%s/gonedir", dir);
  mkdir(gonedir, 0755);
  dfd = open(gonedir, O_RDONLY | O_DIRECTORY);
  rmdir(gonedir);
  show("fset on a removed dir", fsetxattr(dfd, "user.r", "x", 1, 0));
  show("fget on a removed dir", fgetxattr(dfd, "user.r", buf, sizeof buf));
  close(dfd);

  printf("-- a symlink\n");
  show("lset user. on symlink", lsetxattr(lnk, "user.l", "x", 1, 0));
  show("lget user. on symlink", lgetxattr(lnk, "user.l", buf, sizeof buf));
  show("llist symlink", llistxattr(lnk, buf, sizeof buf));
  show("lremove on symlink", lremovexattr(lnk, "user.l"));
  show("lset trusted. on symlink", lsetxattr(lnk, "trusted.l", "x", 1, 0));
  show_list("llist symlink with trusted", llistxattr(lnk, buf, sizeof buf), buf);
  get_value("get through it: not the link's", lnk, "trusted.l");
  show("set through symlink", setxattr(lnk, "user.t", "through", 7, 0));
  get_value("get on target", path, "user.t");
  show("lget through? no", lgetxattr(lnk, "user.t", buf, sizeof buf));
  show("lget on file", lgetxattr(path, "user.t", buf, sizeof buf));
  show("lset on file", lsetxattr(path, "user.u", "x", 1, 0));
  show_list("llist on file", llistxattr(path, buf, sizeof buf), buf);

  printf("-- a FIFO\n");
  show("set user. on fifo", setxattr(fifo, "user.f", "x", 1, 0));
  show("get user. on fifo", getxattr(fifo, "user.f", buf, sizeof buf));
  show("list fifo", listxattr(fifo, buf, sizeof buf));
  show("set trusted. on fifo", setxattr(fifo, "trusted.f", "x", 1, 0));
  show_list("list fifo with trusted", listxattr(fifo, buf, sizeof buf), buf);
  show("remove user. on fifo", removexattr(fifo, "user.f"));

  printf("-- rename keeps them\n");
  char moved[96];
  snprintf(moved, sizeof moved, "%s/moved", dir);
  rename(path, moved);
  get_value("get after rename", moved, "user.t");
  char hard[96];
  snprintf(hard, sizeof hard, "%s/hard", dir);
  link(moved, hard);
  get_value("get through a hard link", hard, "user.t");
  unlink(moved);
  unlink(hard);
  unlink(lnk);
  unlink(fifo);
  removexattr(sub, "user.d");
  rmdir(sub);
}

int main(void) {
  strcpy(dir, "/tmp/xattrs.XXXXXX");
  if (!mkdtemp(dir)) { printf("mkdtemp: %s\n", err_name(errno)); return 1; }
  char f[96];
  snprintf(f, sizeof f, "%s/file", dir);
  close(open(f, O_WRONLY | O_CREAT, 0644));
  on_file(f);
  on_fds(f);
  on_others();
  unlink(f);
  printf("rmdir: %s\n", RES(rmdir(dir)));
  return 0;
}
