/* argv, environment, auxiliary vector and initial stack checks.
 * Usage: hello VAR [args...] -- prints how many environment entries are
 * named VAR (the driver passes PATH, which every environment has). */
#include "common.h"
#include <stdint.h>
#include <stdlib.h>
#include <sys/auxv.h>

extern char **environ;
extern char _start[];

int main(int argc, char **argv, char **envp) {
  printf("hello: world\n");
  printf("argc: %d\n", argc);
  const char *base = strrchr(argv[0], '/');
  printf("argv0_basename: %s\n", base ? base + 1 : argv[0]);
  for (int i = 1; i < argc; i++) printf("argv[%d]: %s\n", i, argv[i]);
  yesno("argv_null_terminated", argv[argc] == NULL);
  yesno("envp_is_environ", envp == environ);
  yesno("envp_follows_argv", envp == argv + argc + 1);
  if (argc > 1) {
    size_t n = strlen(argv[1]);
    int count = 0;
    for (char **e = envp; *e; e++)
      if (strncmp(*e, argv[1], n) == 0 && (*e)[n] == '=') count++;
    printf("env_count(%s): %d\n", argv[1], count);
    yesno("getenv_agrees", (getenv(argv[1]) != NULL) == (count > 0));
  }
  /* argc sits at the initial stack pointer, argv right above it. */
  uintptr_t sp = (uintptr_t)argv - sizeof(long);
  yesno("initial_sp_16_aligned", sp % 16 == 0);
  yesno("argc_at_sp", *(long *)sp == argc);
  printf("AT_PAGESZ: %lu\n", getauxval(AT_PAGESZ));
  yesno("AT_RANDOM_nonnull", getauxval(AT_RANDOM) != 0);
  yesno("AT_ENTRY_is_start", getauxval(AT_ENTRY) == (uintptr_t)_start);
  yesno("AT_PHDR_nonnull", getauxval(AT_PHDR) != 0);
  printf("AT_PHENT: %lu\n", getauxval(AT_PHENT));
  printf("AT_SECURE: %lu\n", getauxval(AT_SECURE));
  const char *execfn = (const char *)getauxval(AT_EXECFN);
  if (execfn) {
    const char *b = strrchr(execfn, '/');
    printf("AT_EXECFN_basename: %s\n", b ? b + 1 : execfn);
  } else {
    printf("AT_EXECFN_basename: (none)\n");
  }
  yesno("AT_UID_is_getuid", getauxval(AT_UID) == getuid());
  yesno("AT_EGID_is_getegid", getauxval(AT_EGID) == getegid());
  /* The 16 random bytes should not all be zero. */
  const unsigned char *r = (const unsigned char *)getauxval(AT_RANDOM);
  int nz = 0;
  for (int i = 0; r && i < 16; i++) nz |= r[i];
  yesno("AT_RANDOM_nonzero", nz != 0);
  return 0;
}
