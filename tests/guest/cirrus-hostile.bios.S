/* cirrus-hostile: a real-mode firmware that attacks the Cirrus BitBLT
 * engine with seeded random input: blit registers (GR20-GR33) full of
 * random values and extremes (widths and heights at their maximum,
 * addresses at the end of video RAM, backwards blits from near 0, every
 * mode and ROP byte), started through the ports and through the
 * memory-mapped registers at 0xb8000; random bytes into the 0xa0000
 * window (the source of system-to-screen blits); random extension
 * register writes (banks, modes, the cursor).  kemu must drop every blit
 * that leaves video RAM, never touch host memory outside it.
 *
 * Passes when, after ITERATIONS rounds, a known copy still runs and its
 * result reads back through the banked window.  The seed is the dword at
 * seed_word, which cirrus-hostile.test patches in a copy of the image. */
#include "tests/guest/guest.h"

#define ITERATIONS 30000
#define SEED (VARS + 0)

    BIOS_START16
    PUTS16 m_start
    mov %cs:seed_word, %eax
    mov %eax, SEED
    call unlock
    xor %ecx, %ecx
round:
    call rand
    mov %eax, %ebx
    shr $8, %ebx
    and $7, %al
    cmp $3, %al
    jb random_blit
    je extreme_blit
    cmp $5, %al
    jb window_bytes
    je mmio_blit
    cmp $6, %al
    je ext_register
    call unlock                 /* keep extended mode and MMIO on mostly */
next:
    inc %ecx
    test $0x0fff, %cx
    jnz 1f
    mov $'.', %al
    call putc16
1:  cmp $ITERATIONS, %ecx
    jb round
    jmp check

/* SR6 unlock, SR7 extended 8 bpp, SR17 blit registers at 0xb8000. */
unlock:
    mov $0x3c4, %dx
    mov $0x1206, %ax
    out %ax, %dx
    mov $0x0107, %ax
    out %ax, %dx
    mov $0x0417, %ax
    out %ax, %dx
    ret

/* GR20-GR33 (but GR31) random, then the start bit; three times in four
 * with a mode and ROP the engine takes, so the rectangle checks decide. */
random_blit:
    push %cx
    mov $0x20, %bl
1:  cmp $0x31, %bl
    je 2f
    call rand
    mov %al, %ah
    mov %bl, %al
    mov $0x3ce, %dx
    out %ax, %dx
2:  inc %bl
    cmp $0x34, %bl
    jb 1b
    pop %cx
    test $3, %bh
    jz start_blit
    mov $0x3ce, %dx
    call rand
    and $0xb9, %ah              /* not screen-to-system, pattern, 24 bpp */
    mov $0x30, %al
    out %ax, %dx
    mov $0x0d32, %ax
    out %ax, %dx
    jmp start_blit

/* Extremes: maximal width/height/pitch, addresses near the end or near 0,
 * a random mode (often backwards) and ROP. */
extreme_blit:
    mov $0x3ce, %dx
    mov $0xff20, %ax            /* width 8192 or random */
    test $1, %bl
    jz 1f
    call rand
    mov $0x20, %al
1:  out %ax, %dx
    mov $0x1f21, %ax
    out %ax, %dx
    call rand
    mov $0x22, %al
    out %ax, %dx                /* height low random */
    mov $0x0723, %ax
    out %ax, %dx                /* height up to 2048 */
    mov $0xff24, %ax
    out %ax, %dx
    mov $0x1f25, %ax
    out %ax, %dx                /* destination pitch 8191 */
    call rand
    mov $0x26, %al
    out %ax, %dx
    mov $0x1f27, %ax
    out %ax, %dx
    call rand                   /* destination: near the end or near 0 */
    mov $0x28, %al
    out %ax, %dx
    mov $0xff29, %ax
    test $2, %bl
    jz 1f
    xor %ah, %ah
1:  out %ax, %dx
    mov $0x3f2a, %ax
    test $2, %bl
    jz 1f
    xor %ah, %ah
1:  out %ax, %dx
    call rand                   /* source: random, 22 bits */
    mov $0x2c, %al
    out %ax, %dx
    call rand
    mov $0x2d, %al
    out %ax, %dx
    call rand
    mov $0x2e, %al
    out %ax, %dx
    call rand
    mov $0x30, %al
    out %ax, %dx                /* mode */
    call rand
    mov $0x32, %al
    test $4, %bl
    jz 1f
    mov $0x0d, %ah              /* a valid ROP half the time */
1:  out %ax, %dx
    call rand
    mov $0x33, %al
    out %ax, %dx

start_blit:
    mov $0x3ce, %dx
    mov $0x0231, %ax
    test $0x80, %bh
    jz 1f
    call rand                   /* sometimes a random GR31 (reset, ...) */
    mov $0x31, %al
1:  out %ax, %dx
    mov $0x0031, %ax
    out %ax, %dx
    jmp next

/* 1-256 random bytes at a random place in the 0xa0000 window. */
window_bytes:
    push %es
    push %cx
    mov $0xa000, %ax
    mov %ax, %es
    movzbw %bh, %cx
    inc %cx
    call rand
    mov %ax, %di
1:  call rand
    stosb
    loop 1b
    pop %cx
    pop %es
    jmp next

/* The blit registers at 0xb8000: random offsets and values, then start. */
mmio_blit:
    push %es
    push %cx
    mov $0xb800, %ax
    mov %ax, %es
    mov $24, %cx
1:  call rand
    mov %al, %ah
    shr $8, %eax
    and $0x3f, %ax
    mov %ax, %di
    call rand
    mov %al, %es:(%di)
    loop 1b
    mov $0x02, %al
    mov %al, %es:0x40
    pop %cx
    pop %es
    jmp next

/* A random value in a random SR/GR/CR extension register (not SR6/7/17:
 * those keep the attack going; not GR31: the blits decide that). */
ext_register:
    call rand
    mov %al, %ah
    shr $8, %eax
    mov %bh, %bl
    and $3, %bl
    cmp $1, %bl
    jb 1f
    je 2f
    and $0x3f, %al              /* CR */
    mov $0x3d4, %dx
    jmp 4f
1:  and $0x1f, %al              /* SR */
    cmp $0x06, %al
    je next
    cmp $0x07, %al
    je next
    cmp $0x17, %al
    je next
    mov $0x3c4, %dx
    jmp 4f
2:  and $0x3f, %al              /* GR */
    cmp $0x31, %al
    je next
    mov $0x3ce, %dx
4:  out %ax, %dx
    jmp next

/* The engine still works: reset it, put 4 bytes at VRAM 0, copy them to
 * 0x100 and read them back through bank 0. */
check:
    PUTS16 m_nl
    call unlock
    mov $0x3ce, %dx
    mov $0x0431, %ax
    out %ax, %dx                /* blit reset */
    mov $0x0031, %ax
    out %ax, %dx
    mov $0x0009, %ax
    out %ax, %dx
    mov $0x000b, %ax
    out %ax, %dx
    push %es
    mov $0xa000, %ax
    mov %ax, %es
    movl $0x44332211, %es:0
    movl $0, %es:0x100
    mov $blit_ok, %si
1:  mov %cs:(%si), %ax
    test %ax, %ax
    jz 2f
    out %ax, %dx
    add $2, %si
    jmp 1b
2:  cmpl $0x44332211, %es:0x100
    pop %es
    jne f_copy
    PUTS16 m_pass
    EXIT16 EXIT_PASS

/* 4x1 forward copy 0 -> 0x100, ROP source, mode 0, then start. */
blit_ok:
    .word 0x0320, 0x0021, 0x0022, 0x0023, 0x0024, 0x0025, 0x0026, 0x0027
    .word 0x0028, 0x0129, 0x002a, 0x002c, 0x002d, 0x002e, 0x0030, 0x0d32
    .word 0x0033, 0x0231, 0

/* xorshift32 on SEED: EAX = next value (EDX kept). */
rand:
    push %edx
    XORSHIFT32 SEED
    pop %edx
    ret

f_copy:
    PUTS16 m_fail
    PUTS16 m_copy
    PUTS16 m_nl
    EXIT16 2

    SERIAL16_FUNCS

m_start:   .asciz "cirrus-hostile: start\r\n"
m_pass:    .asciz "cirrus-hostile: PASS\r\n"
m_fail:    .asciz "FAIL: "
m_copy:    .asciz "a plain copy after the attack did not arrive"
m_nl:      .asciz "\r\n"

    .globl seed_word
seed_word: .long 0x2545f491     /* the test patches a copy (nm finds it) */

    RESET_VECTOR _start
