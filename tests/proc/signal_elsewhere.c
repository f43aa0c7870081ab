/* A process-directed signal that wakes a waiting thread but is taken by
 * another: the first thread must go on waiting for what it waited for.
 * Here the main thread sleeps in a condition variable (a futex), a second
 * thread in poll(); a child's exit sends the group SIGCHLD, whose handler
 * writes to a pipe the second thread polls; that thread then signals the
 * condition. Whichever thread runs the handler, the main thread must wake.
 * (asyncio's ProcessPoolExecutor met exactly this: a deadlock.) */
#include "proc.h"
#include <poll.h>
#include <pthread.h>

static int self_pipe[2];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int done;

static void on_chld(int s) {
  (void)s;
  char c = 'c';
  CHECK(write(self_pipe[1], &c, 1) == 1);
}

static void *watcher(void *arg) {
  (void)arg;
  struct pollfd p = {self_pipe[0], POLLIN, 0};
  while (poll(&p, 1, -1) < 0) CHECK(errno == EINTR);
  char c;
  CHECK(read(self_pipe[0], &c, 1) == 1);
  pthread_mutex_lock(&mu);
  done = 1;
  pthread_cond_signal(&cv);
  pthread_mutex_unlock(&mu);
  return NULL;
}

int main(void) {
  CHECK(pipe(self_pipe) == 0);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_chld;
  sa.sa_flags = SA_RESTART;
  CHECK(sigaction(SIGCHLD, &sa, NULL) == 0);
  for (int round = 1; round <= 3; round++) {
    done = 0;
    /* The child first, then the thread: the thread's id is the higher. */
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
      usleep(100 * 1000);
      _exit(0);
    }
    pthread_t t;
    CHECK(pthread_create(&t, NULL, watcher, NULL) == 0);
    pthread_mutex_lock(&mu);
    while (!done) pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    CHECK(pthread_join(t, NULL) == 0);
    int status;
    CHECK(waitpid(child, &status, 0) == child);
    printf("round %d: the waiting thread woke; child %s\n", round, status_str(status));
  }
  return 0;
}
