/* Orphan reparenting: a grandchild whose parent exits is reparented.
 * Natively the top process makes itself a child subreaper (prctl) so the
 * orphan comes to it; under vmrun the top process is pid 1 (the guest's
 * init), so it gets the orphan either way.  Only relations are printed. */
#include "proc.h"
#include <sys/prctl.h>

int main(void) {
  pid_t top = getpid();
  prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);  /* may fail under vmrun: then top is pid 1 */
  int info[2], go[2], gcready[2];
  CHECK(pipe(info) == 0);
  CHECK(pipe(go) == 0);
  CHECK(pipe(gcready) == 0);
  pid_t child = fork();
  if (child == 0) {
    pid_t middle = getpid();
    pid_t gc = fork();
    if (gc == 0) {
      close(info[0]);
      close(go[1]);
      int before = getppid() == middle;
      write(gcready[1], "r", 1);
      char c;
      read(go[0], &c, 1);  /* wait until the middle process has exited */
      pid_t after = getppid();
      int r[3] = {before, after != middle, after == top};
      write(info[1], r, sizeof r);
      _exit(21);
    }
    wait_ready(gcready[0]);
    _exit(20);
  }
  close(info[1]);
  close(go[0]);
  close(gcready[1]);
  int st = wait_for(child);
  printf("middle process: %s\n", status_str(st));
  CHECK(write(go[1], "g", 1) == 1);
  close(go[1]);
  int r[3] = {0, 0, 0};
  CHECK(read(info[0], r, sizeof r) == sizeof r);
  printf("grandchild's parent was the middle process: %s\n", r[0] ? "yes" : "no");
  printf("grandchild's parent changed after the middle process exited: %s\n", r[1] ? "yes" : "no");
  printf("grandchild reparented to the top process: %s\n", r[2] ? "yes" : "no");
  int st2 = 0;
  pid_t w = wait(&st2);
  printf("top process reaps the orphan: %s, %s\n", w > 0 ? "yes" : err_name(errno), status_str(st2));
  errno = 0;
  w = wait(NULL);
  printf("then no children: %s\n", err_name(errno));

  /* An orphan that is still running when its parent exits, then exits itself. */
  pid_t c2 = fork();
  if (c2 == 0) {
    if (fork() == 0) { sleep_ms(100); _exit(22); }
    _exit(0);
  }
  wait_for(c2);
  st2 = 0;
  w = wait(&st2);
  printf("running orphan reaped later: %s, %s\n", w > 0 ? "yes" : err_name(errno), status_str(st2));

  pid_t p = fork();
  if (p == 0) _exit(getppid() == top ? 0 : 1);
  printf("child's getppid() is the parent: %s\n", WEXITSTATUS(wait_for(p)) == 0 ? "yes" : "no");
  printf("getppid() != getpid(): %s\n", getppid() != getpid() ? "yes" : "no");
  return 0;
}
