/* A program of exactly known length, for instruction-counting tests.
 *
 * Build: riscv64-linux-gnu-gcc -static -nostdlib -DITERS=N -o loop loop_riscv64.S
 *
 * Instructions executed by the whole program, counting the final ecall:
 *   1 (li) + ITERS * 2 (addi, bnez) + 3 (li, li, ecall) = 2*ITERS + 4
 * e.g. ITERS=1000: 2004, ITERS=1001: 2006 -- one more iteration adds
 * exactly 2 instructions.  ITERS must fit a 12-bit immediate (< 2048) so
 * that the first li is one instruction.  Exit status 0, no output. */
#ifndef ITERS
#define ITERS 1000
#endif
        .text
        .globl  _start
_start:
        li      t0, ITERS
1:      addi    t0, t0, -1
        bnez    t0, 1b
        li      a7, 94                  /* exit_group */
        li      a0, 0
        ecall
        .section .note.GNU-stack,"",@progbits
