/* /proc/<pid> of other processes, as ps(1) reads it: a child blocked on a
 * pipe is listed, sleeping, with its parent, group and name; its fds are
 * its own; once it has exited it is a zombie until reaped, then gone. */
#include "proc.h"
#include <dirent.h>
#include <pthread.h>
#include <sys/wait.h>

static int listed(pid_t pid) {
  DIR *d = opendir("/proc");
  if (!d) return -1;
  struct dirent *e;
  int found = 0;
  while ((e = readdir(d)))
    if (atoi(e->d_name) == pid) found = 1;
  closedir(d);
  return found;
}

static int read_file(const char *path, char *buf, size_t size) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, size - 1);
  close(fd);
  if (n < 0) return -1;
  buf[n] = 0;
  return (int)n;
}

/* Fields 3-6 of /proc/PID/stat, after the parenthesised name. */
static void show_stat(const char *label, pid_t pid) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  if (read_file(path, buf, sizeof buf) < 0) {
    printf("%s: no stat (%s)\n", label, strerror(errno));
    return;
  }
  int spid = 0, ppid = 0, pgrp = 0;
  char name[64] = "", state = '?';
  char *close_paren = strrchr(buf, ')');
  char *open_paren = strchr(buf, '(');
  if (!close_paren || !open_paren || close_paren < open_paren) {
    printf("%s: malformed stat\n", label);
    return;
  }
  snprintf(name, sizeof name, "%.*s", (int)(close_paren - open_paren - 1), open_paren + 1);
  spid = atoi(buf);
  sscanf(close_paren + 2, "%c %d %d", &state, &ppid, &pgrp);
  int fields = 1;
  for (char *p = close_paren; *p; p++) fields += *p == ' ';
  printf("%s: pid %s, name %s, state %c, parent %s, group %s, at least 44 fields %s\n", label,
         spid == pid ? "ok" : "WRONG", name, state, ppid == getpid() ? "us" : "OTHER",
         pgrp == getpgrp() ? "ours" : "OTHER", fields >= 44 ? "yes" : "no");
}

/* Field 20 of /proc/self/stat: the threads of this process. */
static int self_threads(void) {
  char buf[1024];
  if (read_file("/proc/self/stat", buf, sizeof buf) < 0) return -1;
  char *p = strrchr(buf, ')');
  if (!p) return -1;
  int field = 2, threads = -1;
  for (; *p; p++) {
    if (*p == ' ' && ++field == 20) threads = atoi(p + 1);
  }
  return threads;
}

static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static int seen_from_thread[3];

static void *thread_main(void *arg) {
  (void)arg;
  /* From a second thread, /proc/self is still the process (its tgid). */
  char link[64];
  ssize_t n = readlink("/proc/self", link, sizeof link - 1);
  link[n > 0 ? n : 0] = 0;
  seen_from_thread[0] = atoi(link) == getpid();
  seen_from_thread[1] = self_threads();
  pthread_mutex_lock(&gate_lock);
  pthread_mutex_unlock(&gate_lock);
  return NULL;
}

int main(void) {
  printf("threads before: %d\n", self_threads());
  pthread_mutex_lock(&gate_lock);
  pthread_t t;
  pthread_create(&t, NULL, thread_main, NULL);
  while (!seen_from_thread[1]) usleep(1000);
  printf("threads with one more: %d (seen from it: self is the process %s, %d threads)\n", self_threads(),
         seen_from_thread[0] ? "yes" : "no", seen_from_thread[1]);
  pthread_mutex_unlock(&gate_lock);
  pthread_join(t, NULL);

  int gate[2];
  if (pipe(gate) != 0) return 1;
  pid_t child = fork();
  if (child == 0) {
    close(gate[1]);
    int keep = open("/etc/hostname", O_RDONLY); /* an fd only the child has */
    (void)keep;
    char c;
    read(gate[0], &c, 1); /* blocks until the parent closes its end */
    _exit(3);
  }
  close(gate[0]);
  /* Let the child reach its read (it never returns before we close). */
  for (int i = 0; i < 200; i++) {
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)child);
    if (read_file(path, buf, sizeof buf) > 0 && strchr(buf, ')') && strchr(buf, ')')[2] == 'S') break;
    usleep(10000);
  }
  printf("child listed in /proc: %s\n", listed(child) == 1 ? "yes" : "no");
  show_stat("blocked child", child);

  char path[96], buf[4096];
  snprintf(path, sizeof path, "/proc/%d/comm", (int)child);
  printf("comm: %s", read_file(path, buf, sizeof buf) > 0 ? buf : "(none)\n");
  snprintf(path, sizeof path, "/proc/%d/status", (int)child);
  if (read_file(path, buf, sizeof buf) > 0) {
    char *state = strstr(buf, "State:\t"), *ppid = strstr(buf, "PPid:\t");
    printf("status: %.*s, parent %s\n", state ? (int)strcspn(state + 7, "\n") : 4, state ? state + 7 : "none",
           ppid && atoi(ppid + 6) == getpid() ? "us" : "OTHER");
  }
  /* The child's descriptors, through its own fd directory. */
  int child_has_hostname = 0, we_have_it = 0;
  for (int fd = 3; fd < 16; fd++) {
    char link[256];
    snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)child, fd);
    ssize_t n = readlink(path, link, sizeof link - 1);
    if (n > 0) {
      link[n] = 0;
      if (strcmp(link, "/etc/hostname") == 0) child_has_hostname = 1;
    }
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    n = readlink(path, link, sizeof link - 1);
    if (n > 0) {
      link[n] = 0;
      if (strcmp(link, "/etc/hostname") == 0) we_have_it = 1;
    }
  }
  printf("child's fds hold /etc/hostname: %s; ours: %s\n", child_has_hostname ? "yes" : "no",
         we_have_it ? "yes" : "no");

  close(gate[1]); /* the child's read returns 0; it exits */
  siginfo_t info;
  memset(&info, 0, sizeof info);
  waitid(P_PID, child, &info, WEXITED | WNOWAIT);
  show_stat("exited, not reaped", child);
  int status = 0;
  waitpid(child, &status, 0);
  printf("reaped: exit %d\n", WEXITSTATUS(status));
  snprintf(path, sizeof path, "/proc/%d/stat", (int)child);
  printf("after reaping: listed %s, stat %s\n", listed(child) == 1 ? "yes" : "no",
         access(path, F_OK) == 0 ? "still there" : "gone");
  return 0;
}
