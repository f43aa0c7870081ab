/* Privileged and odd instructions: each runs in a forked child and the
 * parent prints how the child ended (signal name, si_code class) or the
 * value it computed. Run natively (x86-64) or under qemu-riscv64 and under
 * vmrun: the outputs must match. A user-mode guest must never execute a
 * privileged instruction, halt the emulator, or reach host state. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_signal(int sig, siginfo_t *si, void *uc) {
  (void)uc;
  /* Report from inside the handler: the signal and whether si_code says
   * the kernel (fault) sent it; then leave without returning to the
   * faulting instruction. */
  char line[96];
  int n = snprintf(line, sizeof line, "  -> %s (%s)\n", sigabbrev_np(sig),
                   si->si_code > 0 ? "fault" : si->si_code == SI_KERNEL ? "kernel" : "user");
  write(1, line, n);
  _exit(0);
}

static void run(const char *name, void (*fn)(void)) {
  printf("%s:\n", name);
  fflush(stdout);
  pid_t c = fork();
  if (c == 0) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO;
    int sigs[] = {SIGSEGV, SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGSYS};
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, NULL);
    fn();
    printf("  -> completed\n");
    fflush(stdout);
    _exit(0);
  }
  int st;
  waitpid(c, &st, 0);
  if (WIFSIGNALED(st)) printf("  -> killed by %s\n", sigabbrev_np(WTERMSIG(st)));
  fflush(stdout);
}

#if defined(__x86_64__)
static void i_hlt(void) { __asm__ volatile("hlt"); }
static void i_int3(void) { __asm__ volatile("int3"); }
static void i_ud2(void) { __asm__ volatile("ud2"); }
static void i_wrmsr(void) { __asm__ volatile("wrmsr" ::"c"(0xc0000100), "a"(0), "d"(0)); }
static void i_rdmsr(void) { uint32_t a, d; __asm__ volatile("rdmsr" : "=a"(a), "=d"(d) : "c"(0x10)); }
static void i_lgdt(void) { static char buf[10]; __asm__ volatile("lgdt %0" ::"m"(buf)); }
static void i_lidt(void) { static char buf[10]; __asm__ volatile("lidt %0" ::"m"(buf)); }
static void i_cli(void) { __asm__ volatile("cli"); }
static void i_sti(void) { __asm__ volatile("sti"); }
static void i_in(void) { __asm__ volatile("inb $0x60, %%al" ::: "al"); }
static void i_out(void) { __asm__ volatile("outb %%al, $0x80" ::"a"(0)); }
static void i_mov_cr0(void) { __asm__ volatile("mov %%cr0, %%rax" ::: "rax"); }
static void i_mov_to_cr3(void) { __asm__ volatile("xor %%eax, %%eax; mov %%rax, %%cr3" ::: "rax"); }
static void i_invlpg(void) { static char b; __asm__ volatile("invlpg %0" ::"m"(b)); }
static void i_wbinvd(void) { __asm__ volatile("wbinvd"); }
static void i_ltr(void) { __asm__ volatile("ltr %%ax" ::"a"(0x28)); }
static void i_load_ds_bad(void) { __asm__ volatile("mov %%ax, %%ds" ::"a"(0x1234)); }
static void i_int_0x21(void) { __asm__ volatile("int $0x21"); }
static void i_into_like(void) { __asm__ volatile(".byte 0xce"); } /* into: #UD in 64-bit mode */
static void i_swapgs(void) { __asm__ volatile("swapgs"); }
static void i_iretq_garbage(void) {
  /* A frame with a kernel code selector: #GP from user mode. */
  __asm__ volatile("pushq $0x10; pushq %%rsp; pushfq; pushq $0x8; lea 1f(%%rip), %%rax; push %%rax; iretq; 1:" ::: "rax", "memory");
}
static void i_div0(void) { volatile int z = 0; volatile int x = 1 / z; (void)x; }
static void i_div0_asm(void) { __asm__ volatile("xor %%ecx, %%ecx; mov $1, %%eax; xor %%edx, %%edx; div %%ecx" ::: "eax", "ecx", "edx"); }
static void i_jump_nowhere(void) { ((void (*)(void))0x10)(); }
static void i_cpuid(void) {
  uint32_t a, b, c, d;
  __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0xdeadbeef), "c"(0));
  __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
  printf("  cpuid(0) max leaf > 0: %s\n", a > 0 ? "yes" : "no");
}
static void i_rdtsc(void) {
  uint32_t lo1, hi1, lo2, hi2;
  __asm__ volatile("rdtsc" : "=a"(lo1), "=d"(hi1));
  __asm__ volatile("rdtsc" : "=a"(lo2), "=d"(hi2));
  uint64_t t1 = (uint64_t)hi1 << 32 | lo1, t2 = (uint64_t)hi2 << 32 | lo2;
  printf("  rdtsc monotonic: %s\n", t2 >= t1 ? "yes" : "no");
}
#define CASES(X) X(hlt) X(int3) X(ud2) X(wrmsr) X(rdmsr) X(lgdt) X(lidt) X(cli) X(sti) X(in) X(out) \
  X(mov_cr0) X(mov_to_cr3) X(invlpg) X(wbinvd) X(ltr) X(load_ds_bad) X(int_0x21) X(into_like) \
  X(swapgs) X(iretq_garbage) X(div0) X(jump_nowhere) X(cpuid) X(rdtsc)
#elif defined(__riscv)
static void i_ebreak(void) { __asm__ volatile("ebreak"); }
static void i_c_ebreak(void) { __asm__ volatile(".2byte 0x9002"); }
static void i_wfi(void) { __asm__ volatile("wfi"); }
static void i_mret(void) { __asm__ volatile("mret"); }
static void i_sret(void) { __asm__ volatile("sret"); }
static void i_csrw_mstatus(void) { __asm__ volatile("csrw mstatus, zero"); }
static void i_csrr_mstatus(void) { unsigned long v; __asm__ volatile("csrr %0, mstatus" : "=r"(v)); }
static void i_csrw_satp(void) { __asm__ volatile("csrw satp, zero"); }
static void i_csrw_sstatus(void) { __asm__ volatile("csrw sstatus, zero"); }
static void i_csrw_cycle(void) { __asm__ volatile("csrw cycle, zero"); }
static void i_sfence_vma(void) { __asm__ volatile("sfence.vma"); }
static void i_illegal_zero(void) { __asm__ volatile(".4byte 0x00000000"); }
static void i_illegal_ones(void) { __asm__ volatile(".4byte 0xffffffff"); }
static void i_c_illegal(void) { __asm__ volatile(".2byte 0x0000"); }
static void i_reserved_opcode(void) { __asm__ volatile(".4byte 0x0000007f"); }
static void i_div0(void) { volatile long z = 0; volatile long x = 1 / z; printf("  1/0 = %ld\n", x); }
static void i_jump_nowhere(void) { ((void (*)(void))0x10)(); }
static void i_misaligned_jump(void) { __asm__ volatile("la t0, 1f; addi t0, t0, 1; jr t0; 1: nop" ::: "t0"); }
static void i_fence_i(void) { __asm__ volatile("fence.i"); }
static void i_rdtime(void) {
  unsigned long t1, t2;
  __asm__ volatile("rdtime %0" : "=r"(t1));
  __asm__ volatile("rdtime %0" : "=r"(t2));
  printf("  rdtime monotonic: %s\n", t2 >= t1 ? "yes" : "no");
}
#define CASES(X) X(ebreak) X(c_ebreak) X(wfi) X(mret) X(sret) X(csrw_mstatus) X(csrr_mstatus) \
  X(csrw_satp) X(csrw_sstatus) X(csrw_cycle) X(sfence_vma) X(illegal_zero) X(illegal_ones) X(c_illegal) \
  X(reserved_opcode) X(div0) X(jump_nowhere) X(misaligned_jump) X(fence_i) X(rdtime)
#endif

/* Several faults in one process, each caught and left with siglongjmp:
 * every one must arrive as itself (no escalation to a double fault). */
static sigjmp_buf again;
static void jump_back(int sig) { siglongjmp(again, sig); }

static void sequence(void) {
#if defined(__x86_64__)
  static void (*const steps[])(void) = {i_div0_asm, i_cli, i_div0_asm, i_hlt, i_div0_asm, i_ud2, i_wrmsr, i_int3, i_div0_asm};
#else
  static void (*const steps[])(void) = {i_ebreak, i_csrw_mstatus, i_ebreak, i_illegal_zero, i_jump_nowhere, i_ebreak};
#endif
  int sigs[] = {SIGSEGV, SIGILL, SIGTRAP, SIGBUS, SIGFPE};
  for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) signal(sigs[i], jump_back);
  printf("faults in one process:");
  for (unsigned i = 0; i < sizeof steps / sizeof steps[0]; i++) {
    int sig = sigsetjmp(again, 1);
    if (sig == 0) {
      steps[i]();
      printf(" none");
    } else {
      printf(" %s", sigabbrev_np(sig));
    }
  }
  printf("\n");
}

int main(void) {
#define RUN(n) run(#n, i_##n);
  CASES(RUN)
  sequence();
  printf("parent alive\n");
  return 0;
}
