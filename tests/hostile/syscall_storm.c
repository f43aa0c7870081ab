/* Every syscall number 0..1023 called with garbage arguments, each from a
 * fresh child (so exit, execve, sigreturn and friends only end that child),
 * which a 100 ms interval timer or the parent's SIGKILL ends if the call
 * blocks. The run must end normally with init alive: nothing the calls do
 * may crash, hang or escape the sandbox. Hostile: refuses to run unless
 * argv[1] is "--sandboxed" (garbage kill(-1), reboot, ... natively!). */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

static char buf[8192];

static long garbage(void) {
  switch (next() % 10) {
    case 0: return 0;
    case 1: return -1;
    case 2: return (long)(next() % 64);                         /* small ints, fds, signals */
    case 3: return (long)buf + (long)(next() % 4096);          /* a valid buffer */
    case 4: return 0x1000;                                       /* unmapped low page */
    case 5: return (long)0xffff800000001000ull;                  /* kernel address */
    case 6: return (long)0x7ffffffff000ull - 8;                  /* end of user space */
    case 7: return (long)(next() & 0xffffffff);
    case 8: return (long)1 << (next() % 63);                     /* huge sizes */
    default: return (long)next();
  }
}

int main(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "--sandboxed") != 0) {
    fprintf(stderr, "usage: syscall_storm --sandboxed   (hostile: run only inside vmrun)\n");
    return 2;
  }
  setvbuf(stdout, NULL, _IONBF, 0);
  for (size_t i = 0; i < sizeof buf; i++) buf[i] = (char)next();
  int exited = 0, signaled = 0, killed = 0;
  for (long nr = 0; nr < 1024; nr++) {
    long a[6];
    for (int i = 0; i < 6; i++) a[i] = garbage();
    pid_t c = fork();
    if (c < 0) {
      printf("fork failed at %ld\n", nr);
      return 1;
    }
    if (c == 0) {
      struct itimerval it = {{0, 0}, {0, 100000}};
      setitimer(ITIMER_REAL, &it, NULL);
      /* Keep the garbage away from our own stdout. */
      close(1);
      close(2);
      syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
      _exit(0);
    }
    int st = 0, done = 0;
    for (int waited = 0; waited < 2000; waited++) {  /* up to ~2 s */
      pid_t r = waitpid(c, &st, WNOHANG);
      if (r == c) { done = 1; break; }
      struct timespec ts = {0, 1000000};
      nanosleep(&ts, NULL);
    }
    if (!done) {
      kill(c, SIGKILL);
      waitpid(c, &st, 0);
      killed++;
    }
    if (WIFEXITED(st)) exited++;
    else if (WIFSIGNALED(st)) signaled++;
  }
  /* Stragglers (processes the garbage clone/fork calls created). */
  kill(-1, SIGKILL);
  while (wait(NULL) > 0) {
  }
  printf("1024 syscall numbers called: %s\n", exited + signaled == 1024 ? "every child accounted for" : "MISSING");
  printf("init alive\n");
  return 0;
}
