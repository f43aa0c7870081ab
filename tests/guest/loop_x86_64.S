/* A program of exactly known length, for instruction-counting tests.
 *
 * Build: gcc -static -nostdlib -DITERS=N -o loop loop_x86_64.S
 *
 * Instructions executed by the whole program, counting the final syscall:
 *   1 (mov) + ITERS * 2 (dec, jnz) + 3 (mov, xor, syscall) = 2*ITERS + 4
 * e.g. ITERS=1000: 2004, ITERS=1001: 2006 -- one more iteration adds
 * exactly 2 instructions.  Exit status 0, no output. */
#ifndef ITERS
#define ITERS 1000
#endif
        .text
        .globl  _start
_start:
        mov     $ITERS, %ecx
1:      dec     %ecx
        jnz     1b
        mov     $231, %eax              /* exit_group */
        xor     %edi, %edi
        syscall
        .section .note.GNU-stack,"",@progbits
