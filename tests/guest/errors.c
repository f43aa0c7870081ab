/* Error returns: EFAULT, EBADF, ENOTDIR, EISDIR, ENAMETOOLONG, ELOOP, ENOENT,
 * EEXIST, EINVAL, ESPIPE, ERANGE, ENOTEMPTY. */
#include "common.h"
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>

int main(void) {
  char dir[] = "/tmp/vmrun-errors-XXXXXX";
  if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
  if (chdir(dir) != 0) { perror("chdir"); return 1; }
  int fd = open("file", O_CREAT | O_WRONLY, 0644);
  write(fd, "x", 1);
  close(fd);
  mkdir("dir", 0755);
  mkdir("dir/child", 0755);

  /* EFAULT: bad pointers handed to the kernel (raw syscalls, so libc does
   * not look at them first). */
  char *volatile bad1 = (char *)1;
  char *volatile null = NULL;
  struct stat st;
  show("open_ptr_1", syscall(SYS_openat, AT_FDCWD, bad1, O_RDONLY));
  show("stat_null", syscall(SYS_newfstatat, AT_FDCWD, null, &st, 0));
  show("fstat_bad_buf", syscall(SYS_fstat, 0, (void *)16));
  show("write_ptr_8", syscall(SYS_write, 1, (void *)8, 10));
  fd = open("file", O_RDONLY);
  show("read_null", syscall(SYS_read, fd, null, 10));
  close(fd);
  show("pipe2_bad", syscall(SYS_pipe2, (void *)24, 0));
  show("getcwd_bad", syscall(SYS_getcwd, (void *)32, 100));
  show("clock_gettime_bad", syscall(SYS_clock_gettime, 1, (void *)40));
  /* writev to a regular file: the first buffer is written, then the bad
   * second one stops it (to a pipe, Linux would fail the whole call). */
  struct iovec iov[2] = {{(void *)"ok\n", 3}, {(void *)64, 5}};
  fd = open("file", O_WRONLY);
  show("writev_second_bad", syscall(SYS_writev, fd, iov, 2));
  show("size_after_writev", lseek(fd, 0, SEEK_END));
  close(fd);
  show("write_len0_bad_ptr", syscall(SYS_write, 1, (void *)8, 0));

  /* EBADF */
  show("read_999", read(999, &st, 1));
  show("close_neg", close(-1));
  show("fstat_12345", fstat(12345, &st));
  show("lseek_bad", lseek(777, 0, SEEK_SET));
  show("dup_bad", dup(555));
  fd = open("file", O_RDONLY);
  show("write_rdonly", write(fd, "x", 1));
  close(fd);
  show("read_closed", read(fd, &st, 1));
  fd = open("file", O_WRONLY);
  show("read_wronly", read(fd, &st, 1));
  close(fd);
  show("openat_bad_dirfd", openat(888, "file", O_RDONLY));
  show("openat_abs_bad_dirfd_ok", (fd = openat(888, dir, O_RDONLY)) >= 0 ? 0 : -1);
  close(fd);

  /* ENOTDIR, EISDIR */
  show("open_file_as_dir", open("file/x", O_RDONLY));
  show("open_o_directory_file", open("file", O_RDONLY | O_DIRECTORY));
  show("mkdir_under_file", mkdir("file/sub", 0755));
  show("rmdir_file", rmdir("file"));
  show("open_dir_wronly", open("dir", O_WRONLY));
  show("open_dir_rdwr", open("dir", O_RDWR));
  show("unlink_dir", unlink("dir"));
  fd = open("dir", O_RDONLY);
  show("read_dir", read(fd, &st, 1));
  close(fd);
  show("rename_dir_over_file", rename("dir", "file"));
  show("rename_file_over_dir", rename("file", "dir"));

  /* ENAMETOOLONG */
  char *longp = malloc(5001);
  memset(longp, 'a', 5000);
  longp[5000] = 0;
  show("open_5000", open(longp, O_RDONLY));
  longp[300] = 0;  /* one component longer than NAME_MAX */
  show("open_300_component", open(longp, O_RDONLY));
  show("mkdir_300_component", mkdir(longp, 0755));

  /* ELOOP */
  symlink("loop-b", "loop-a");
  symlink("loop-a", "loop-b");
  symlink("file", "to-file");
  show("open_loop", open("loop-a", O_RDONLY));
  show("stat_loop", stat("loop-a", &st));
  show("lstat_loop_ok", lstat("loop-a", &st));
  show("open_nofollow_link", open("to-file", O_RDONLY | O_NOFOLLOW));
  show("open_loop_in_path", open("loop-a/x", O_RDONLY));

  /* ENOENT */
  show("open_missing", open("missing", O_RDONLY));
  show("open_missing_dir", open("missing/x", O_RDONLY));
  show("stat_empty_path", stat("", &st));
  show("chdir_missing", chdir("missing"));
  show("unlink_missing", unlink("missing"));
  show("rename_missing", rename("missing", "other"));
  show("readlink_missing", readlink("missing", (char *)&st, 10));
  show("creat_in_missing_dir", open("missing/new", O_CREAT | O_WRONLY, 0644));

  /* EEXIST, ENOTEMPTY */
  show("mkdir_exists", mkdir("dir", 0755));
  show("mkdir_exists_file", mkdir("file", 0755));
  show("symlink_exists", symlink("x", "file"));
  show("link_exists", link("file", "to-file"));
  show("open_excl_exists", open("file", O_CREAT | O_EXCL | O_RDONLY, 0644));
  show("open_excl_symlink", open("to-file", O_CREAT | O_EXCL | O_RDONLY, 0644));
  show("rmdir_notempty", rmdir("dir"));
  show("rename_dir_notempty", (mkdir("dir2", 0755), mkdir("dir2/x", 0755), rename("dir2", "dir")));

  /* EINVAL, ESPIPE, ERANGE */
  fd = open("file", O_RDONLY);
  show("lseek_whence_99", lseek(fd, 0, 99));
  show("lseek_negative", lseek(fd, -5, SEEK_SET));
  close(fd);
  int p[2];
  show("pipe", pipe(p));
  show("lseek_pipe", lseek(p[0], 0, SEEK_CUR));
  show("pread_pipe", pread(p[0], &st, 1, 0));
  close(p[0]);
  close(p[1]);
  char small[4];
  show("getcwd_erange", getcwd(small, 1) ? 0 : -1);
  show("rmdir_dot", rmdir("."));
  show("rename_into_self", rename("dir", "dir/child/x"));
  show("openat_bad_flags_ok", (fd = open("file", O_RDONLY | 0x40000000)) >= 0 ? 0 : -1);
  close(fd);

  /* cleanup */
  rmdir("dir2/x"); rmdir("dir2");
  unlink("loop-a"); unlink("loop-b"); unlink("to-file"); unlink("file");
  rmdir("dir/child"); rmdir("dir");
  chdir("/");
  show("cleanup", rmdir(dir));
  return 0;
}
