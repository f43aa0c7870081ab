/* tb_flush_cost: what one uc_ctl_flush_tb() costs on a fresh Unicorn
 * instance, with the default TCG code buffer and with a smaller one set by
 * uc_ctl_set_tcg_buffer_size(). vmrun flushes the translation cache when a
 * riscv64 guest enters user mode and when an x86-64/riscv64 run switches to
 * per-instruction counting (budget tail mode).
 *
 *   tb_flush_cost [riscv64|x86_64] [BUFFER_MIB ...]   (0 = Unicorn default)
 * Prints per case: wall ms of uc_open + first run, of each of 3 flushes
 * (each followed by a run so the next flush has work), and the process's
 * peak RSS so far.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unicorn/unicorn.h>

static double ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}
static long maxrss_mib(void) {
  struct rusage r;
  getrusage(RUSAGE_SELF, &r);
  return r.ru_maxrss / 1024;
}

int main(int argc, char** argv) {
  int rv = argc > 1 && strcmp(argv[1], "riscv64") == 0;
  int first = 2;
  if (argc <= first) { static char* def[] = {"0", "64", "8"}; argv = def - first; argc = first + 3; }
  /* x86-64: nop; nop; hlt   riscv64: nop; nop; wfi (end emulation) */
  static const uint8_t x86[] = {0x90, 0x90, 0xf4};
  static const uint8_t rvc[] = {0x13, 0, 0, 0, 0x13, 0, 0, 0, 0x73, 0x00, 0x50, 0x10};
  const uint8_t* code = rv ? rvc : x86;
  size_t len = rv ? sizeof rvc : sizeof x86;
  for (int i = first; i < argc; i++) {
    long mib = atol(argv[i]);
    double t0 = ms();
    uc_engine* uc;
    if (uc_open(rv ? UC_ARCH_RISCV : UC_ARCH_X86, rv ? UC_MODE_RISCV64 : UC_MODE_64, &uc) != UC_ERR_OK) return 1;
    if (mib && uc_ctl_set_tcg_buffer_size(uc, (uint32_t)(mib << 20)) != UC_ERR_OK) {
      printf("buffer %ld MiB: uc_ctl_set_tcg_buffer_size failed\n", mib);
      uc_close(uc);
      continue;
    }
    uc_mem_map(uc, 0x10000, 0x1000, UC_PROT_ALL);
    uc_mem_write(uc, 0x10000, code, len);
    uc_emu_start(uc, 0x10000, 0x10000 + len, 0, 0);
    double t1 = ms();
    printf("%s buffer %s: open+run %.1f ms; flushes", rv ? "riscv64" : "x86_64",
           mib ? argv[i] : "default", t1 - t0);
    for (int k = 0; k < 3; k++) {
      double a = ms();
      uc_ctl_flush_tb(uc);
      double b = ms();
      uc_emu_start(uc, 0x10000, 0x10000 + len, 0, 0);
      printf(" %.1f", b - a);
    }
    printf(" ms; peak RSS %ld MiB\n", maxrss_mib());
    uc_close(uc);
  }
  return 0;
}
