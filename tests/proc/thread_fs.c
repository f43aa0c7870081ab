/* What threads share and forked children do not: the working directory
 * and the umask (CLONE_FS). A thread's chdir moves the whole process, a
 * thread sees the main thread's chdir, relative paths follow it; a
 * child's chdir and umask stay its own. (A threaded HTTP server serving
 * os.getcwd() met this: every file was "not found".) */
#include "proc.h"
#include <pthread.h>
#include <sys/stat.h>

static char seen[256];
static void *report_cwd(void *arg) {
  (void)arg;
  CHECK(getcwd(seen, sizeof seen) != NULL);
  return NULL;
}
static void *change_dir(void *arg) {
  CHECK(chdir((const char *)arg) == 0);
  return NULL;
}
static void *set_umask(void *arg) {
  umask((mode_t)(long)arg);
  return NULL;
}
static void run(void *(*fn)(void *), void *arg) {
  pthread_t t;
  CHECK(pthread_create(&t, NULL, fn, arg) == 0);
  CHECK(pthread_join(t, NULL) == 0);
}

int main(void) {
  char buf[256];
  CHECK(chdir("/") == 0);
  umask(022);
  CHECK(chdir("/tmp") == 0);
  run(report_cwd, NULL);
  printf("a thread sees the main thread's chdir: %s\n", seen);
  run(change_dir, "/usr");
  printf("after a thread's chdir the main thread is in: %s\n", getcwd(buf, sizeof buf));
  printf("a relative path follows it: lib is a directory: %d\n", access("lib", F_OK) == 0);
  run(set_umask, (void *)077L);
  mode_t old = umask(022);
  printf("after a thread's umask(077) the main thread's umask is %03o\n", (unsigned)old);
  pid_t c = fork();
  if (c == 0) {
    CHECK(chdir("/") == 0);
    umask(0);
    _exit(0);
  }
  wait_for(c);
  old = umask(022);
  printf("after a child's chdir and umask: %s, %03o\n", getcwd(buf, sizeof buf), (unsigned)old);
  return 0;
}
