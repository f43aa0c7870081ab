/* Synchronous signals: raise(SIGSEGV) and real faults (NULL read, NULL
 * write, write to read-only memory) caught by handlers that siglongjmp
 * out; mask restoration by siglongjmp vs longjmp; sigaltstack (the handler
 * runs on the alternate stack, SS_ONSTACK); stack overflow caught on the
 * alternate stack; an unhandled fault kills with SIGSEGV. */
#include "proc.h"
#include <setjmp.h>
#include <stdint.h>
#include <sys/mman.h>

#pragma GCC diagnostic ignored "-Warray-bounds"
#pragma GCC diagnostic ignored "-Winfinite-recursion"

static sigjmp_buf env;
static jmp_buf plain_env;
static volatile sig_atomic_t h_signo, h_code, h_addr_ok, h_on_alt, h_flags_onstack;
static volatile uintptr_t want_addr;
static char *alt_base;
static size_t alt_size;

static void segv_handler(int s, siginfo_t *si, void *uc) {
  (void)uc;
  h_signo = s;
  h_code = si->si_code;
  h_addr_ok = (uintptr_t)si->si_addr == want_addr;
  char here;
  h_on_alt = alt_base && &here >= alt_base && &here < alt_base + alt_size;
  stack_t cur;
  sigaltstack(NULL, &cur);
  h_flags_onstack = (cur.ss_flags & SS_ONSTACK) != 0;
  siglongjmp(env, 1);
}
static void plain_handler(int s) { h_signo = s; longjmp(plain_env, 1); }

static const char *segv_code(int c) {
  switch (c) {
  case SEGV_MAPERR: return "SEGV_MAPERR"; case SEGV_ACCERR: return "SEGV_ACCERR";
  case SI_USER: return "SI_USER"; case SI_TKILL: return "SI_TKILL";
  }
  return "other";
}

static int recurse(int n) {
  volatile char pad[256];
  pad[0] = (char)n;
  return recurse(n + 1) + pad[0];
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = segv_handler;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGSEGV, &sa, NULL);
  sigaction(SIGBUS, &sa, NULL);

  if (sigsetjmp(env, 1) == 0) {
    raise(SIGSEGV);
    printf("raise(SIGSEGV): handler did not run\n");
  } else {
    printf("raise(SIGSEGV): caught %s, si_code=%s, back via siglongjmp\n", sig_name(h_signo), segv_code(h_code));
  }

  volatile int *null = NULL;
  want_addr = 0;
  if (sigsetjmp(env, 1) == 0) {
    int v = *null;
    printf("NULL read did not fault (%d)\n", v);
  } else {
    printf("NULL read: caught %s, si_code=%s, si_addr is NULL: %d\n", sig_name(h_signo), segv_code(h_code),
           (int)h_addr_ok);
  }
  sigset_t cur;
  sigprocmask(SIG_BLOCK, NULL, &cur);
  printf("after siglongjmp: SIGSEGV blocked=%d\n", sigismember(&cur, SIGSEGV));

  want_addr = 16;
  if (sigsetjmp(env, 1) == 0) {
    *(volatile int *)16 = 1;
    printf("write to address 16 did not fault\n");
  } else {
    printf("write to address 16: caught %s, si_code=%s, si_addr is 16: %d\n", sig_name(h_signo), segv_code(h_code),
           (int)h_addr_ok);
  }

  long pg = sysconf(_SC_PAGESIZE);
  char *ro = mmap(NULL, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(ro != MAP_FAILED);
  want_addr = (uintptr_t)(ro + 8);
  if (sigsetjmp(env, 1) == 0) {
    ro[8] = 1;
    printf("write to a read-only page did not fault\n");
  } else {
    printf("write to a PROT_READ page: caught %s, si_code=%s, si_addr exact: %d\n", sig_name(h_signo),
           segv_code(h_code), (int)h_addr_ok);
  }
  char *none = mmap(NULL, pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  want_addr = (uintptr_t)(none + 100);
  if (sigsetjmp(env, 1) == 0) {
    volatile char c = none[100];
    (void)c;
    printf("read of a PROT_NONE page did not fault\n");
  } else {
    printf("read of a PROT_NONE page: caught %s, si_code=%s, si_addr exact: %d\n", sig_name(h_signo),
           segv_code(h_code), (int)h_addr_ok);
  }
  munmap(ro, pg);
  want_addr = (uintptr_t)(ro + 8);
  if (sigsetjmp(env, 1) == 0) {
    volatile char c = ro[8];
    (void)c;
    printf("read of an unmapped page did not fault\n");
  } else {
    printf("read of a munmapped page: caught %s, si_code=%s, si_addr exact: %d\n", sig_name(h_signo),
           segv_code(h_code), (int)h_addr_ok);
  }

  /* longjmp (not siglongjmp) leaves SIGSEGV blocked; a second fault then kills. */
  {
    pid_t c = fork();
    if (c == 0) {
      signal(SIGSEGV, plain_handler);
      if (setjmp(plain_env) == 0) {
        raise(SIGSEGV);
      }
      sigprocmask(SIG_BLOCK, NULL, &cur);
      printf("after plain longjmp out of the handler: SIGSEGV blocked=%d\n", sigismember(&cur, SIGSEGV));
      volatile int v = *null;  /* blocked synchronous fault: the kernel kills */
      (void)v;
      printf("second fault survived?\n");
      _exit(0);
    }
    printf("  fault while SIGSEGV blocked: %s\n", status_str(wait_for(c)));
  }

  /* sigaltstack: SA_ONSTACK handlers run on it; others on the normal stack. */
  alt_size = 64 * 1024;
  alt_base = malloc(alt_size);
  stack_t ss = {.ss_sp = alt_base, .ss_size = alt_size, .ss_flags = 0};
  CHECK(sigaltstack(&ss, NULL) == 0);
  stack_t old;
  sigaltstack(NULL, &old);
  printf("sigaltstack installed: size matches %d, flags %d\n", old.ss_size == alt_size, old.ss_flags);
  want_addr = 0;
  if (sigsetjmp(env, 1) == 0) {
    raise(SIGSEGV);
  }
  printf("handler without SA_ONSTACK: on alt stack=%d, SS_ONSTACK=%d\n", (int)h_on_alt, (int)h_flags_onstack);
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigaction(SIGSEGV, &sa, NULL);
  if (sigsetjmp(env, 1) == 0) {
    raise(SIGSEGV);
  }
  printf("handler with SA_ONSTACK: on alt stack=%d, SS_ONSTACK=%d\n", (int)h_on_alt, (int)h_flags_onstack);
  sigaltstack(NULL, &old);
  printf("after siglongjmp out of the alt stack: SS_ONSTACK=%d\n", (old.ss_flags & SS_ONSTACK) != 0);
  if (sigsetjmp(env, 1) == 0) {
    volatile int v = *null;
    (void)v;
  }
  printf("NULL read with SA_ONSTACK: on alt stack=%d\n", (int)h_on_alt);
  stack_t small = {.ss_sp = alt_base, .ss_size = 100, .ss_flags = 0};
  errno = 0;
  int r = sigaltstack(&small, NULL);
  printf("sigaltstack smaller than MINSIGSTKSZ: %d %s\n", r, err_name(errno));
  /* Stack overflow: only a handler on the alternate stack can catch it. */
  {
    pid_t c = fork();
    if (c == 0) {
      h_signo = 0;
      if (sigsetjmp(env, 1) == 0) {
        recurse(0);
      }
      printf("stack overflow: caught %s on the alt stack=%d\n", sig_name(h_signo), (int)h_on_alt);
      _exit(0);
    }
    printf("  child %s\n", status_str(wait_for(c)));
  }
  stack_t dis = {.ss_flags = SS_DISABLE};
  CHECK(sigaltstack(&dis, NULL) == 0);
  sigaltstack(NULL, &old);
  printf("SS_DISABLE: flags now SS_DISABLE=%d\n", (old.ss_flags & SS_DISABLE) != 0);

  /* Unhandled: default action kills with the signal. */
  pid_t c = fork();
  if (c == 0) {
    signal(SIGSEGV, SIG_DFL);
    volatile int v = *null;
    (void)v;
    _exit(0);
  }
  printf("unhandled NULL read: %s\n", status_str(wait_for(c)));
  c = fork();
  if (c == 0) {
    signal(SIGSEGV, SIG_IGN);  /* ignoring a synchronous SIGSEGV does not help */
    volatile int v = *null;
    (void)v;
    _exit(0);
  }
  printf("NULL read with SIGSEGV ignored: %s\n", status_str(wait_for(c)));
  return 0;
}
