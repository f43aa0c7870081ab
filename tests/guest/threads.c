/* Threads: pthread_create/join, mutexes, condition variables, TLS,
 * thread ids, pthread_exit values, a barrier, and a thread that exits the
 * whole process. Output is deterministic. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#define THREADS 4
#define ROUNDS 20000

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static pthread_barrier_t barrier;
static long counter;
static int started;
static __thread long tls_value = -1;
static pid_t tids[THREADS];

static void* worker(void* arg) {
  long id = (long)arg;
  tls_value = id * 100;
  tids[id] = (pid_t)syscall(SYS_gettid);
  pthread_barrier_wait(&barrier);
  for (int i = 0; i < ROUNDS; i++) {
    pthread_mutex_lock(&mu);
    counter++;
    pthread_mutex_unlock(&mu);
  }
  pthread_mutex_lock(&mu);
  started++;
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&mu);
  if (id == 2) pthread_exit((void*)(tls_value + 7));
  return (void*)(tls_value + id);
}

int main(void) {
  pthread_t t[THREADS];
  pthread_barrier_init(&barrier, NULL, THREADS);
  for (long i = 0; i < THREADS; i++)
    if (pthread_create(&t[i], NULL, worker, (void*)i) != 0) return 1;
  pthread_mutex_lock(&mu);
  while (started < THREADS) pthread_cond_wait(&cv, &mu);
  pthread_mutex_unlock(&mu);
  long sum = 0;
  for (int i = 0; i < THREADS; i++) {
    void* r;
    pthread_join(t[i], &r);
    sum += (long)r;
  }
  int distinct = 1;
  for (int i = 0; i < THREADS; i++)
    for (int j = 0; j < i; j++)
      if (tids[i] == tids[j] || tids[i] == getpid()) distinct = 0;
  printf("counter: %ld\n", counter);
  printf("join_sum: %ld\n", sum);
  printf("main_tls_untouched: %s\n", tls_value == -1 ? "yes" : "no");
  printf("tids_distinct_from_pid: %s\n", distinct ? "yes" : "no");
  printf("getpid_is_main_tid: %s\n", getpid() == (pid_t)syscall(SYS_gettid) ? "yes" : "no");
  fflush(stdout);
  /* exit() from the main thread ends the process even with threads alive. */
  pthread_t sleeper;
  pthread_create(&sleeper, NULL, (void* (*)(void*))pause, NULL);
  exit(3);
}
