/* tlb_conflict: host program on raw Unicorn (x86-64 guest code) that copies
 * 4 MiB word by word from a to b = a + DIST_PAGES pages, 20 times, to
 * measure the softmmu TLB conflict described in bench/RESULTS.md (item 4)
 * without vmrun in the way, and with or without the hooks vmrun installs.
 *
 *   tlb_conflict DIST_PAGES [none|invalid|block|both] [MAP] [flush]
 *   MAP = one (a and b in one uc_mem_map_ptr region, default) or two;
 *   flush: uc_ctl_flush_tlb() before every copy (QEMU resizes its TLB only
 *   on a flush, from how full it was since the last one)
 * Prints the wall time of the 20 copies.
 * Guest loop: mov rax,[rsi]; mov [rdi],rax; add rsi,8; add rdi,8; dec rcx; jnz
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unicorn/unicorn.h>

static double secs(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}
static bool invalid_hook(uc_engine* uc, uc_mem_type t, uint64_t a, int s, int64_t v, void* u) {
  (void)uc; (void)t; (void)a; (void)s; (void)v; (void)u;
  return false;
}
static uint64_t blocks;
static void block_hook(uc_engine* uc, uint64_t a, uint32_t s, void* u) {
  (void)uc; (void)a; (void)s; (void)u;
  blocks++;
}

int main(int argc, char** argv) {
  uint64_t dist = (argc > 1 ? strtoull(argv[1], NULL, 0) : 1024) << 12;
  const char* hooks = argc > 2 ? argv[2] : "none";
  int two = argc > 3 && strcmp(argv[3], "two") == 0;
  int flush = argc > 4 && strcmp(argv[4], "flush") == 0;
  const uint64_t code = 0x10000, a = 0x1000000, n = 4u << 20, b = a + dist;
  static const uint8_t loop[] = {0x48, 0x8b, 0x06, 0x48, 0x89, 0x07, 0x48, 0x83, 0xc6, 0x08,
                                 0x48, 0x83, 0xc7, 0x08, 0x48, 0xff, 0xc9, 0x75, 0xed};
  uc_engine* uc;
  if (uc_open(UC_ARCH_X86, UC_MODE_64, &uc) != UC_ERR_OK) return 1;
  uc_ctl_set_tcg_buffer_size(uc, 64u << 20);
  uc_mem_map(uc, code, 0x1000, UC_PROT_ALL);
  uc_mem_write(uc, code, loop, sizeof loop);
  uint64_t span = dist + n;
  if (two) {
    void* ha = mmap(NULL, dist, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    void* hb = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (uc_mem_map_ptr(uc, a, dist, UC_PROT_READ | UC_PROT_WRITE, ha) || uc_mem_map_ptr(uc, b, n, UC_PROT_READ | UC_PROT_WRITE, hb)) return 1;
  } else {
    void* h = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (uc_mem_map_ptr(uc, a, span, UC_PROT_READ | UC_PROT_WRITE, h)) return 1;
  }
  uc_hook h;
  if (!strcmp(hooks, "invalid") || !strcmp(hooks, "both"))
    uc_hook_add(uc, &h, UC_HOOK_MEM_INVALID, (void*)invalid_hook, NULL, 1, 0);
  if (!strcmp(hooks, "block") || !strcmp(hooks, "both"))
    uc_hook_add(uc, &h, UC_HOOK_BLOCK, (void*)block_hook, NULL, 1, 0);
  double t0 = secs();
  for (int r = 0; r < 20; r++) {
    uint64_t rsi = a, rdi = b, rcx = n / 8;
    uc_reg_write(uc, UC_X86_REG_RSI, &rsi);
    uc_reg_write(uc, UC_X86_REG_RDI, &rdi);
    uc_reg_write(uc, UC_X86_REG_RCX, &rcx);
    if (flush) uc_ctl_flush_tlb(uc);
    uc_err e = uc_emu_start(uc, code, code + sizeof loop, 0, 0);
    if (e) { fprintf(stderr, "uc_emu_start: %s\n", uc_strerror(e)); return 1; }
  }
  printf("dist %llu pages, hooks %s, %s region(s)%s: %.3f s\n", (unsigned long long)(dist >> 12), hooks,
         two ? "two" : "one", flush ? ", TLB flush per copy" : "", secs() - t0);
  uc_close(uc);
  return 0;
}
