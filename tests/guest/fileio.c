/* File and directory syscalls, all under a fresh directory in /tmp. */
#include "common.h"
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

static char dir[64];

static void cat_file(const char *label, const char *path) {
  char buf[256];
  int fd = open(path, O_RDONLY);
  ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
  if (n < 0) { show(label, -1); if (fd >= 0) close(fd); return; }
  buf[n] = 0;
  for (ssize_t i = 0; i < n; i++) if (buf[i] == '\n') buf[i] = '|';
  printf("%s: \"%s\"\n", label, buf);
  close(fd);
}

static long fsize(const char *path) {
  struct stat st;
  if (stat(path, &st) < 0) return -1;
  return st.st_size;
}

struct ent { char name[256]; unsigned char type; };
static int cmp_ent(const void *a, const void *b) {
  return strcmp(((const struct ent *)a)->name, ((const struct ent *)b)->name);
}

/* getdents64 directly, then print the names sorted, with their types. */
static void listing(const char *label, const char *path) {
  int fd = open(path, O_RDONLY | O_DIRECTORY);
  if (fd < 0) { show(label, -1); return; }
  char buf[512];  /* small on purpose: several getdents64 calls */
  struct ent ents[64];
  int n = 0, calls = 0;
  for (;;) {
    long got = syscall(SYS_getdents64, fd, buf, sizeof buf);
    if (got < 0) { show(label, -1); close(fd); return; }
    if (got == 0) break;
    calls++;
    for (long off = 0; off < got;) {
      struct dirent64 *d = (struct dirent64 *)(buf + off);
      if (n < 64) {
        snprintf(ents[n].name, sizeof ents[n].name, "%s", d->d_name);
        ents[n].type = d->d_type;
        n++;
      }
      off += d->d_reclen;
    }
  }
  close(fd);
  qsort(ents, n, sizeof ents[0], cmp_ent);
  printf("%s:", label);
  for (int i = 0; i < n; i++) {
    char t = ents[i].type == DT_DIR ? 'd' : ents[i].type == DT_REG ? 'f'
           : ents[i].type == DT_LNK ? 'l' : ents[i].type == DT_UNKNOWN ? '?' : 'o';
    printf(" %s(%c)", ents[i].name, t);
  }
  printf("\n");
  yesno("getdents64_calls_ge_1", calls >= 1);
}

int main(void) {
  umask(022);
  strcpy(dir, "/tmp/vmrun-fileio-XXXXXX");
  if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
  show("chdir_tmpdir", chdir(dir));
  char cwd[256];
  yesno("getcwd_is_tmpdir", getcwd(cwd, sizeof cwd) && strcmp(cwd, dir) == 0);

  /* create / write / read / lseek */
  int fd = open("a.txt", O_CREAT | O_RDWR | O_TRUNC, 0666);
  yesno("open_create", fd >= 0);
  show("write", write(fd, "hello world\n", 12));
  show("lseek_cur", lseek(fd, 0, SEEK_CUR));
  show("lseek_set", lseek(fd, 6, SEEK_SET));
  char buf[64] = {0};
  show("read", read(fd, buf, sizeof buf));
  printf("read_data: %.5s\n", buf);
  show("read_eof", read(fd, buf, sizeof buf));
  show("lseek_end", lseek(fd, -3, SEEK_END));
  show("lseek_past_end", lseek(fd, 100, SEEK_END));
  show("lseek_back", lseek(fd, 0, SEEK_SET));
  memset(buf, 0, sizeof buf);
  show("pread", pread(fd, buf, 5, 6));
  printf("pread_data: %s\n", buf);
  show("lseek_after_pread", lseek(fd, 0, SEEK_CUR));
  show("pwrite", pwrite(fd, "WORLD", 5, 6));
  show("lseek_after_pwrite", lseek(fd, 0, SEEK_CUR));
  struct stat st;
  show("fstat", fstat(fd, &st));
  printf("fstat_size: %ld\n", (long)st.st_size);
  printf("fstat_mode: %o\n", st.st_mode & 07777);
  yesno("fstat_is_reg", S_ISREG(st.st_mode));
  printf("fstat_nlink: %lu\n", (unsigned long)st.st_nlink);
  show("ftruncate_grow", ftruncate(fd, 20));
  fstat(fd, &st);
  printf("size_after_grow: %ld\n", (long)st.st_size);
  memset(buf, 'x', sizeof buf);
  show("pread_hole", pread(fd, buf, 20, 0));
  printf("hole_bytes_zero: %s\n", buf[12] == 0 && buf[19] == 0 ? "yes" : "no");
  show("ftruncate_shrink", ftruncate(fd, 5));
  printf("size_after_shrink: %ld\n", fsize("a.txt"));
  show("close", close(fd));
  cat_file("contents", "a.txt");

  /* O_APPEND */
  fd = open("a.txt", O_WRONLY | O_APPEND);
  show("append_lseek0", lseek(fd, 0, SEEK_SET));
  show("append_write", write(fd, "-tail\n", 6));
  show("append_pos", lseek(fd, 0, SEEK_CUR));
  int fl = fcntl(fd, F_GETFL);
  yesno("getfl_append", (fl & O_APPEND) != 0);
  printf("getfl_accmode: %d\n", fl & O_ACCMODE);
  close(fd);
  cat_file("after_append", "a.txt");

  /* O_EXCL, O_CLOEXEC, dup */
  show("open_excl_exists", open("a.txt", O_CREAT | O_EXCL | O_WRONLY, 0644));
  fd = open("b.txt", O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
  yesno("open_excl_new", fd >= 0);
  printf("getfd_cloexec: %d\n", fcntl(fd, F_GETFD) & FD_CLOEXEC);
  int fd2 = dup(fd);
  yesno("dup_new_fd", fd2 > fd);
  printf("dup_cloexec: %d\n", fcntl(fd2, F_GETFD) & FD_CLOEXEC);
  show("dup2_same", dup2(fd2, fd2) == fd2 ? 0 : -1);
  int fd3 = dup3(fd, 100, O_CLOEXEC);
  show("dup3", fd3);
  show("write_via_dup", write(fd2, "bee\n", 4));
  close(fd); close(fd2); close(fd3);
  printf("b_mode: %o\n", stat("b.txt", &st) == 0 ? st.st_mode & 07777 : 0);
  printf("b_size: %ld\n", fsize("b.txt"));

  /* link / rename / symlink / readlink / unlink */
  show("link", link("a.txt", "a-hard.txt"));
  stat("a.txt", &st);
  printf("nlink_after_link: %lu\n", (unsigned long)st.st_nlink);
  struct stat st2;
  stat("a-hard.txt", &st2);
  yesno("link_same_inode", st.st_ino == st2.st_ino && st.st_dev == st2.st_dev);
  show("rename", rename("b.txt", "c.txt"));
  show("stat_old_name", stat("b.txt", &st));
  printf("renamed_size: %ld\n", fsize("c.txt"));
  show("rename_over", rename("c.txt", "a-hard.txt"));
  stat("a.txt", &st);
  printf("nlink_after_rename_over: %lu\n", (unsigned long)st.st_nlink);
  show("symlink", symlink("a.txt", "sym"));
  show("symlink_dangling", symlink("nowhere/x", "dangle"));
  char lb[64] = {0};
  show("readlink", readlink("sym", lb, sizeof lb));
  printf("readlink_data: %s\n", lb);
  memset(lb, 0, sizeof lb);
  show("readlink_short_buf", readlink("sym", lb, 3));
  printf("readlink_short_data: %s\n", lb);
  show("readlink_not_link", readlink("a.txt", lb, sizeof lb));
  show("lstat_sym", lstat("sym", &st));
  yesno("lstat_is_link", S_ISLNK(st.st_mode));
  printf("lstat_size: %ld\n", (long)st.st_size);
  show("stat_follows", stat("sym", &st));
  yesno("stat_is_reg", S_ISREG(st.st_mode));
  show("stat_dangling", stat("dangle", &st));
  cat_file("via_symlink", "sym");
  show("unlink", unlink("a-hard.txt"));
  show("unlink_again", unlink("a-hard.txt"));

  /* mkdir / rmdir / chdir / getcwd */
  show("mkdir", mkdir("sub", 0755));
  show("mkdir_exists", mkdir("sub", 0755));
  show("mkdir_nested", mkdir("sub/inner", 0700));
  stat("sub/inner", &st);
  printf("inner_mode: %o\n", st.st_mode & 07777);
  yesno("inner_is_dir", S_ISDIR(st.st_mode));
  show("rmdir_notempty", rmdir("sub"));
  show("chdir_sub", chdir("sub"));
  char expect[300];
  snprintf(expect, sizeof expect, "%s/sub", dir);
  yesno("getcwd_is_sub", getcwd(cwd, sizeof cwd) && strcmp(cwd, expect) == 0);
  show("chdir_dotdot", chdir(".."));
  yesno("getcwd_back", getcwd(cwd, sizeof cwd) && strcmp(cwd, dir) == 0);
  show("chdir_file", chdir("a.txt"));
  show("rmdir_inner", rmdir("sub/inner"));
  listing("listing", ".");

  /* chmod / access (as root, W_OK ignores mode bits but X_OK needs one x bit) */
  show("chmod", chmod("a.txt", 0400));
  stat("a.txt", &st);
  printf("mode_after_chmod: %o\n", st.st_mode & 07777);
  show("access_F_OK", access("a.txt", F_OK));
  show("access_R_OK", access("a.txt", R_OK));
  show("access_missing", access("zzz", F_OK));
  show("fchmodat", fchmodat(AT_FDCWD, "a.txt", 0755, 0));
  show("access_X_OK", access("a.txt", X_OK));
  stat("a.txt", &st);
  printf("mode_after_fchmodat: %o\n", st.st_mode & 07777);

  /* utimensat */
  struct timespec ts[2] = {{1000000000, 5}, {1234567890, 123456789}};
  show("utimensat", utimensat(AT_FDCWD, "a.txt", ts, 0));
  stat("a.txt", &st);
  printf("atime: %ld.%09ld\n", (long)st.st_atim.tv_sec, st.st_atim.tv_nsec);
  printf("mtime: %ld.%09ld\n", (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
  struct timespec omit[2] = {{0, UTIME_OMIT}, {0, UTIME_NOW}};
  show("utimensat_now", utimensat(AT_FDCWD, "a.txt", omit, 0));
  stat("a.txt", &st2);
  yesno("atime_kept", st2.st_atim.tv_sec == 1000000000 && st2.st_atim.tv_nsec == 5);
  yesno("mtime_changed", st2.st_mtim.tv_sec > 1234567890);
  yesno("mtime_recent", st2.st_mtim.tv_sec >= time(NULL) - 60 && st2.st_mtim.tv_sec <= time(NULL) + 1);
  yesno("ctime_recent", st2.st_ctim.tv_sec >= time(NULL) - 60);

  /* the *at family with a directory fd */
  int dfd = open("sub", O_RDONLY | O_DIRECTORY);
  yesno("open_dirfd", dfd >= 0);
  fd = openat(dfd, "f", O_CREAT | O_WRONLY, 0640);
  yesno("openat_create", fd >= 0);
  show("write_f", write(fd, "in sub\n", 7));
  close(fd);
  show("fstatat", fstatat(dfd, "f", &st, 0));
  printf("fstatat_size: %ld\n", (long)st.st_size);
  printf("fstatat_mode: %o\n", st.st_mode & 07777);
  show("fstatat_empty_path", fstatat(dfd, "", &st, AT_EMPTY_PATH));
  yesno("empty_path_is_dir", S_ISDIR(st.st_mode));
  show("mkdirat", mkdirat(dfd, "d2", 0755));
  show("renameat", renameat(dfd, "f", dfd, "d2/g"));
  show("symlinkat", symlinkat("d2/g", dfd, "lnk"));
  memset(lb, 0, sizeof lb);
  show("readlinkat", readlinkat(dfd, "lnk", lb, sizeof lb));
  printf("readlinkat_data: %s\n", lb);
  show("faccessat", faccessat(dfd, "lnk", R_OK, 0));
  show("linkat", linkat(dfd, "d2/g", AT_FDCWD, "g-link", 0));
  cat_file("g_link", "g-link");
  show("openat_abs_ignores_dirfd", (fd = openat(dfd, dir, O_RDONLY | O_DIRECTORY)) >= 0 ? 0 : -1);
  close(fd);
  show("unlinkat_dir_no_flag", unlinkat(dfd, "d2", 0));
  show("unlinkat_file", unlinkat(dfd, "d2/g", 0));
  show("unlinkat_rmdir", unlinkat(dfd, "d2", AT_REMOVEDIR));
  show("unlinkat_lnk", unlinkat(dfd, "lnk", 0));
  listing("sub_listing", "sub");
  show("fchdir", fchdir(dfd));
  yesno("getcwd_after_fchdir", getcwd(cwd, sizeof cwd) && strcmp(cwd, expect) == 0);
  close(dfd);
  show("chdir_back", chdir(dir));

  /* memfd_create: an anonymous file, shared mappings written back. */
  int mfd = memfd_create("scratch", MFD_CLOEXEC);
  show("memfd_create", mfd >= 0 ? 0 : -1);
  yesno("memfd_cloexec", fcntl(mfd, F_GETFD) == FD_CLOEXEC);
  show("memfd_write", write(mfd, "memfd data", 10));
  show("memfd_ftruncate", ftruncate(mfd, 8192));
  struct stat mst;
  fstat(mfd, &mst);
  printf("memfd_stat: size %ld mode %o\n", (long)mst.st_size, (unsigned)mst.st_mode);
  char mlink[64], mpath[64] = {0};
  snprintf(mlink, sizeof mlink, "/proc/self/fd/%d", mfd);
  show("memfd_readlink", readlink(mlink, mpath, sizeof mpath - 1));
  printf("memfd_link: %s\n", mpath);
  char *mm = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
  yesno("memfd_mmap", mm != MAP_FAILED);
  if (mm != MAP_FAILED) {
    memcpy(mm + 6, "DATA", 4);
    msync(mm, 8192, MS_SYNC);
    munmap(mm, 8192);
  }
  char mbuf[16] = {0};
  show("memfd_pread", pread(mfd, mbuf, 10, 0));
  printf("memfd_content: %s\n", mbuf);
  close(mfd);
  char longname[300];
  memset(longname, 'n', sizeof longname - 1);
  longname[sizeof longname - 1] = 0;
  show("memfd_name_too_long", memfd_create(longname, 0));
  show("memfd_bad_flags", memfd_create("x", 0x100));

  /* cleanup */
  int bad = 0;
  bad |= unlink("a.txt") | unlink("g-link") | unlink("sym") | unlink("dangle");
  bad |= rmdir("sub");
  show("chdir_root", chdir("/"));
  bad |= rmdir(dir);
  yesno("cleanup_ok", bad == 0);
  return 0;
}
