/* uname, ids, limits, getrandom, sysconf: relations, not host values. */
#include "common.h"
#include <stdlib.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

int main(void) {
  struct utsname u;
  show("uname", uname(&u));
  printf("sysname: %s\n", u.sysname);
  printf("machine: %s\n", u.machine);
  yesno("release_nonempty", u.release[0] != 0);
  yesno("nodename_nonempty", u.nodename[0] != 0);

  yesno("uid_eq_euid", getuid() == geteuid());
  yesno("gid_eq_egid", getgid() == getegid());
  uid_t r, e, s;
  show("getresuid", getresuid(&r, &e, &s));
  yesno("resuid_consistent", r == getuid() && e == geteuid() && s == geteuid());
  gid_t gr, ge, gs;
  show("getresgid", getresgid(&gr, &ge, &gs));
  yesno("resgid_consistent", gr == getgid() && ge == getegid() && gs == getegid());
  int ng = getgroups(0, NULL);
  yesno("getgroups_nonneg", ng >= 0);
  yesno("pid_positive", getpid() > 0);
  yesno("ppid_nonneg", getppid() >= 0);
  yesno("tid_eq_pid", syscall(SYS_gettid) == getpid());
  yesno("pgid_positive", getpgid(0) > 0);
  /* A session leader outside the caller's pid namespace reads as 0 (CI
   * containers): only the sign is environment-independent. */
  yesno("sid_nonneg", getsid(0) >= 0);

  struct rlimit rl;
  show("getrlimit_nofile", getrlimit(RLIMIT_NOFILE, &rl));
  yesno("nofile_cur_le_max", rl.rlim_cur <= rl.rlim_max);
  yesno("nofile_cur_ge_64", rl.rlim_cur >= 64);
  show("getrlimit_stack", getrlimit(RLIMIT_STACK, &rl));
  yesno("stack_cur_ge_1M", rl.rlim_cur >= (1 << 20));
  show("getrlimit_as", getrlimit(RLIMIT_AS, &rl));
  yesno("as_cur_le_max", rl.rlim_cur <= rl.rlim_max);
  show("getrlimit_bad", getrlimit(1000, &rl));
  struct rlimit lower = {32, 32};
  struct rlimit nf;
  getrlimit(RLIMIT_NOFILE, &nf);
  if (nf.rlim_max >= 32) {
    lower.rlim_max = nf.rlim_max;
    show("setrlimit_nofile_lower", setrlimit(RLIMIT_NOFILE, &lower));
    getrlimit(RLIMIT_NOFILE, &rl);
    printf("nofile_after_set: %lu\n", (unsigned long)rl.rlim_cur);
  }

  unsigned char buf[256];
  memset(buf, 0, sizeof buf);
  show("getrandom_64", getrandom(buf, 64, 0));
  int nz = 0;
  for (int i = 0; i < 64; i++) nz += buf[i] != 0;
  yesno("getrandom_not_all_zero", nz > 0);
  yesno("getrandom_tail_untouched", buf[64] == 0 && buf[255] == 0);
  show("getrandom_nonblock", getrandom(buf, 16, GRND_NONBLOCK));
  show("getrandom_0", getrandom(buf, 0, 0));
  unsigned char a[32], b[32];
  getrandom(a, 32, 0);
  getrandom(b, 32, 0);
  yesno("getrandom_differs", memcmp(a, b, 32) != 0);

  printf("pagesize: %ld\n", sysconf(_SC_PAGESIZE));
  printf("getpagesize: %d\n", getpagesize());
  yesno("nprocessors_ge_1", sysconf(_SC_NPROCESSORS_ONLN) >= 1);
  yesno("clk_tck_100", sysconf(_SC_CLK_TCK) == 100);
  yesno("open_max_matches_rlimit", sysconf(_SC_OPEN_MAX) == (long)rl.rlim_cur);

  mode_t old = umask(027);
  mode_t back = umask(022);
  printf("umask_roundtrip: %03o\n", back);
  (void)old;
  char host[256];
  show("gethostname", gethostname(host, sizeof host));
  yesno("hostname_matches_uname", strcmp(host, u.nodename) == 0);
  return 0;
}
