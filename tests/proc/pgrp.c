/* Process groups and sessions: setpgid from the child and from the parent,
 * getpgid of another process, setsid in a child (new session and group,
 * EPERM for a group leader), kill(-pgid) reaching the whole group but not
 * others, waitpid(-pgid) and waitpid(0), errors (ESRCH, EPERM, EINVAL).
 * Only relations between ids are printed. */
#include "proc.h"

int main(void) {
  pid_t me = getpid();
  pid_t mypg = getpgrp();
  pid_t mysid = getsid(0);
  printf("getpgid(0) == getpgrp(): %d, getpgid(self) == getpgrp(): %d\n", getpgid(0) == mypg, getpgid(me) == mypg);

  /* Children inherit the group and session. */
  int ready[2], go[2];
  CHECK(pipe(ready) == 0 && pipe(go) == 0);
  pid_t c = fork();
  if (c == 0) {
    int r = getpgrp() == mypg && getsid(0) == mysid;
    printf("child inherits the group and session: %d\n", r);
    _exit(0);
  }
  wait_for(c);

  /* setpgid(0, 0) in the child: it leads a new group; the parent sees it with getpgid. */
  c = fork();
  if (c == 0) {
    int r = setpgid(0, 0);
    printf("child setpgid(0,0): %s, pgid == own pid: %d\n", RES(r), getpgrp() == getpid());
    write(ready[1], "r", 1);
    char b;
    read(go[0], &b, 1);
    _exit(0);
  }
  wait_ready(ready[0]);
  printf("parent: getpgid(child) == child pid: %d, differs from ours: %d\n", getpgid(c) == c, getpgid(c) != mypg);
  write(go[1], "g", 1);
  wait_for(c);

  /* setpgid from the parent (before the child execs), both racing the same way. */
  c = fork();
  if (c == 0) {
    setpgid(0, 0);
    char b;
    read(go[0], &b, 1);
    _exit(0);
  }
  int r = setpgid(c, c);
  printf("parent setpgid(child, child): %s, getpgid(child) == child: %d\n", RES(r), getpgid(c) == c);
  /* A second child joins the first one's group. */
  pid_t c2 = fork();
  if (c2 == 0) {
    char b;
    read(go[0], &b, 1);
    _exit(1);
  }
  r = setpgid(c2, c);
  printf("second child joins the first's group: %s, same pgid: %d\n", RES(r), getpgid(c2) == c);
  /* waitpid(-pgid): only members of that group. */
  pid_t c3 = fork();
  if (c3 == 0) _exit(7);
  int st;
  waitpid(c3, &st, 0);
  write(go[1], "gg", 2);
  int seen = 0;
  for (int i = 0; i < 2; i++) {
    pid_t w = waitpid(-c, &st, 0);
    if (w == c) seen |= 1;
    if (w == c2) seen |= 2;
  }
  errno = 0;
  r = waitpid(-c, &st, WNOHANG);
  printf("waitpid(-pgid) reaped both group members: %d, then: %s\n", seen == 3, err_name(errno));

  /* kill(-pgid, sig) reaches every member, not us. */
  {
    pid_t leader = fork();
    if (leader == 0) { setpgid(0, 0); write(ready[1], "r", 1); for (;;) pause(); }
    wait_ready(ready[0]);
    pid_t member = fork();
    if (member == 0) { setpgid(0, leader); write(ready[1], "r", 1); for (;;) pause(); }
    wait_ready(ready[0]);
    pid_t outsider = fork();
    if (outsider == 0) { write(ready[1], "r", 1); for (;;) pause(); }
    wait_ready(ready[0]);
    r = kill(-leader, SIGTERM);
    printf("kill(-pgid, SIGTERM): %s\n", RES(r));
    printf("  leader %s\n", status_str(wait_for(leader)));
    printf("  member %s\n", status_str(wait_for(member)));
    int alive = waitpid(outsider, &st, WNOHANG) == 0;
    printf("  process outside the group still alive: %d\n", alive);
    kill(outsider, SIGKILL);
    printf("  outsider %s\n", status_str(wait_for(outsider)));
    errno = 0;
    r = kill(-leader, SIGTERM);
    printf("kill(-pgid) of an empty group: %d %s\n", r, err_name(errno));
  }

  /* kill(0, sig): our own group, with us ignoring it. */
  {
    pid_t sub = fork();
    if (sub == 0) {
      setpgid(0, 0);
      signal(SIGUSR1, SIG_IGN);
      pid_t k = fork();
      if (k == 0) { signal(SIGUSR1, SIG_DFL); write(ready[1], "r", 1); for (;;) pause(); }
      wait_ready(ready[0]);
      kill(0, SIGUSR1);
      int s2 = wait_for(k);
      printf("kill(0, SIGUSR1) from a group leader ignoring it: sibling %s, sender survives\n", status_str(s2));
      _exit(0);
    }
    printf("  sender %s\n", status_str(wait_for(sub)));
  }

  /* setsid in a child: new session, new group, no controlling terminal. */
  c = fork();
  if (c == 0) {
    pid_t s = setsid();
    printf("child setsid(): returns own pid: %d, getsid == pid: %d, pgid == pid: %d, differs from parent's session: %d\n",
           s == getpid(), getsid(0) == getpid(), getpgrp() == getpid(), getsid(0) != mysid);
    errno = 0;
    r = setsid();
    printf("setsid() again as session leader: %d %s\n", r, err_name(errno));
    errno = 0;
    r = setpgid(0, mypg);
    printf("session leader setpgid into another session's group: %d %s\n", r, err_name(errno));
    int fd = open("/dev/tty", O_RDONLY);
    printf("open /dev/tty without a controlling terminal: %s\n", fd < 0 ? err_name(errno) : "opened");
    _exit(0);
  }
  wait_for(c);
  c = fork();
  if (c == 0) {
    setpgid(0, 0);
    errno = 0;
    r = setsid();
    printf("setsid() by a process group leader: %d %s\n", r, err_name(errno));
    _exit(0);
  }
  wait_for(c);
  /* The parent cannot move a child that called setsid; nor an exec'd child. */
  c = fork();
  if (c == 0) {
    setsid();
    write(ready[1], "r", 1);
    char b;
    read(go[0], &b, 1);
    _exit(0);
  }
  wait_ready(ready[0]);
  errno = 0;
  r = setpgid(c, c);
  printf("parent setpgid(child that called setsid): %d %s\n", r, err_name(errno));
  printf("getsid(child) == child: %d\n", getsid(c) == c);
  write(go[1], "g", 1);
  wait_for(c);
  c = fork();
  if (c == 0) {
    char *av[] = {"sleep", "1", NULL};
    char *ev[] = {NULL};
    write(ready[1], "r", 1);
    execve("/bin/busybox", av, ev);
    _exit(127);
  }
  wait_ready(ready[0]);
  sleep_ms(100);
  errno = 0;
  r = setpgid(c, c);
  printf("parent setpgid(child after execve): %d %s\n", r, err_name(errno));
  kill(c, SIGKILL);
  wait_for(c);

  /* Errors. */
  errno = 0;
  r = setpgid(0, -1);
  printf("setpgid(0, -1): %d %s\n", r, err_name(errno));
  pid_t gone = fork();
  if (gone == 0) _exit(0);
  wait_for(gone);
  errno = 0;
  r = getpgid(gone);
  printf("getpgid(reaped pid): %d %s\n", r, err_name(errno));
  errno = 0;
  r = setpgid(gone, gone);
  printf("setpgid(reaped pid): %d %s\n", r, err_name(errno));
  errno = 0;
  r = getsid(gone);
  printf("getsid(reaped pid): %d %s\n", r, err_name(errno));
  errno = 0;
  r = kill(-gone, 0);
  printf("kill(-nonexistent group, 0): %d %s\n", r, err_name(errno));
  return 0;
}
