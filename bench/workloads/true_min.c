/* true_min: exit(0) with no C library at all (built -nostdlib), for
 * measuring the sandbox's own start-up cost apart from glibc's. */
void _start(void) {
#if defined(__x86_64__)
  __asm__ volatile("mov $60, %eax\n\txor %edi, %edi\n\tsyscall");
#elif defined(__riscv)
  __asm__ volatile("li a7, 93\n\tli a0, 0\n\tecall");
#else
#error unsupported architecture
#endif
  for (;;) {}
}
