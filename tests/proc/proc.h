/* Shared helpers of the tests/proc guest programs: deterministic output
 * (unbuffered stdout, so forked children never duplicate buffered text),
 * names for signals, errnos and wait statuses (never raw pids, never the
 * core-dump bit, which depends on the host's RLIMIT_CORE). */
#ifndef PROC_H
#define PROC_H
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

/* Unbuffered stdout, and signal state independent of whoever started us
 * (a shell's background job starts with SIGINT/SIGQUIT ignored, some CI
 * runners ignore SIGPIPE): every disposition default, nothing blocked.
 * Not in helper modes (any argument), which report inherited state.
 * glibc passes argc/argv/envp to constructors, static binaries included. */
__attribute__((constructor)) static void proc_init(int argc, char **argv, char **envp) {
  (void)argv; (void)envp;
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc > 1) return;
  for (int s = 1; s < 32; s++)
    if (s != SIGKILL && s != SIGSTOP) signal(s, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
}

static const char *sig_name(int s) {
  static const char *names[] = {"0", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT",
    "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM",
    "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG",
    "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"};
  static char buf[32];
  if (s >= 0 && s < (int)(sizeof names / sizeof names[0])) return names[s];
  snprintf(buf, sizeof buf, "signal %d", s);
  return buf;
}

static const char *err_name(int e) {
  switch (e) {
  case 0: return "OK";
  case EPERM: return "EPERM"; case ENOENT: return "ENOENT"; case ESRCH: return "ESRCH";
  case EINTR: return "EINTR"; case EIO: return "EIO"; case E2BIG: return "E2BIG";
  case ENOEXEC: return "ENOEXEC"; case EBADF: return "EBADF"; case ECHILD: return "ECHILD";
  case EAGAIN: return "EAGAIN"; case ENOMEM: return "ENOMEM"; case EACCES: return "EACCES";
  case EFAULT: return "EFAULT"; case EEXIST: return "EEXIST"; case ENOTDIR: return "ENOTDIR";
  case EISDIR: return "EISDIR"; case EINVAL: return "EINVAL"; case EMFILE: return "EMFILE";
  case ESPIPE: return "ESPIPE"; case EPIPE: return "EPIPE"; case ENOSYS: return "ENOSYS";
  case ELOOP: return "ELOOP"; case ENAMETOOLONG: return "ENAMETOOLONG"; case ENXIO: return "ENXIO";
  case ENOTTY: return "ENOTTY";
  case ENODATA: return "ENODATA"; case ERANGE: return "ERANGE"; case EOPNOTSUPP: return "EOPNOTSUPP";
  case ENOSPC: return "ENOSPC"; case EROFS: return "EROFS"; case ECONNRESET: return "ECONNRESET"; case ETIMEDOUT: return "ETIMEDOUT"; case EFBIG: return "EFBIG";
  }
  static char buf[32];
  snprintf(buf, sizeof buf, "errno %d", e);
  return buf;
}

/* "exited 3", "killed by SIGTERM", "stopped by SIGSTOP", "continued". */
__attribute__((unused)) static const char *status_str(int st) {
  static char buf[64];
  if (WIFEXITED(st)) snprintf(buf, sizeof buf, "exited %d", WEXITSTATUS(st));
  else if (WIFSIGNALED(st)) snprintf(buf, sizeof buf, "killed by %s", sig_name(WTERMSIG(st)));
  else if (WIFSTOPPED(st)) snprintf(buf, sizeof buf, "stopped by %s", sig_name(WSTOPSIG(st)));
  else if (WIFCONTINUED(st)) snprintf(buf, sizeof buf, "continued");
  else snprintf(buf, sizeof buf, "odd status %#x", st);
  return buf;
}

/* A failed expectation prints a line (so the diff shows it) and goes on. */
#define CHECK(cond) do { if (!(cond)) printf("CHECK FAILED line %d: %s (errno %s)\n", \
  __LINE__, #cond, err_name(errno)); } while (0)

/* Result of a call that may fail: "ok" or the errno name. */
#define RES(x) ((x) < 0 ? err_name(errno) : "ok")

__attribute__((unused)) static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {}
}

/* Wait for PID and return its status (retrying EINTR). */
__attribute__((unused)) static int wait_for(pid_t pid) {
  int st = -1;
  while (waitpid(pid, &st, 0) < 0) {
    if (errno != EINTR) { printf("waitpid: %s\n", err_name(errno)); return -1; }
  }
  return st;
}

/* Readiness handshake: the child writes one byte when it is ready. */
__attribute__((unused)) static void wait_ready(int fd) {
  char c;
  while (read(fd, &c, 1) < 0 && errno == EINTR) {}
}
/* A connected TCP pair on loopback: `client` connected, `server` its
 * accepted end (one listener on an ephemeral port, made at the first
 * call). Exits on failure. */
static inline void tcp_loopback_pair(int *client, int *server) {
  static int listener = -1;
  static struct sockaddr_in addr;
  if (listener < 0) {
    listener = socket(AF_INET, SOCK_STREAM, 0);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(listener, 4) != 0 ||
        getsockname(listener, (struct sockaddr *)&addr, &len) != 0)
      exit(1);
  }
  *client = socket(AF_INET, SOCK_STREAM, 0);
  if (connect(*client, (struct sockaddr *)&addr, sizeof addr) != 0) exit(1);
  *server = accept(listener, NULL, NULL);
}

#endif
