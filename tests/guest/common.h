/* Shared helpers for vmrun's guest test programs.  Every program prints
 * deterministic lines "name: value" so that its output natively (or under
 * qemu-user) equals its output under vmrun. */
#pragma once
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* "-1 ENOENT" or "0" etc. for a syscall-style result. */
static inline const char *err_name(int e) {
  const char *n = strerrorname_np(e);
  return n ? n : "E?";
}

static inline void show(const char *label, long ret) {
  if (ret < 0)
    printf("%s: %ld %s\n", label, ret, err_name(errno));
  else
    printf("%s: %ld\n", label, ret);
  fflush(stdout);
}

static inline void yesno(const char *label, int cond) {
  printf("%s: %s\n", label, cond ? "yes" : "no");
}
