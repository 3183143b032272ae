/* fdc-hostile: a real-mode firmware that attacks the floppy controller and
 * the DMA controllers with seeded random input -- command bytes and
 * parameters far past any command's length, results read past their end,
 * random DOR/DSR/CCR values (resets in every phase), and channel 2
 * programmed with random modes, addresses, counts and pages (the VGA
 * hole, RAM above 1 MiB, beyond the end of RAM) while READ, WRITE and
 * FORMAT commands run against a floppy image.  Pages 0 and 0xc-0xf are
 * kept out of reach: they hold this program's stack and code; pages 1-9
 * start with a pattern for WRITE to take to the medium.
 *
 * Passes when, after ITERATIONS rounds, the controller still answers a
 * reset and VERSION (0x90).  The seed is the dword at seed_word, which
 * fdc-hostile.test patches in a copy of the image. */
#include "tests/guest/guest.h"

#define ITERATIONS 400000
#define SEED (VARS + 0)
#define FDC_DOR 0x3f2
#define FDC_MSR 0x3f4
#define FDC_FIFO 0x3f5

    BIOS_START16
    PUTS16 m_start
    mov %cs:seed_word, %eax
    mov %eax, SEED
    mov $0x1000, %bx            /* pages 1-9: each 64 KiB filled with its number */
1:  mov %bx, %es
    mov %bx, %ax
    xor %di, %di
    mov $0x8000, %cx
    rep stosw
    add $0x1000, %bx
    cmp $0xa000, %bx
    jb 1b
    xor %ax, %ax
    mov %ax, %es
    xor %ecx, %ecx
round:
    call rand
    mov %eax, %ebx
    shr $8, %ebx
    and $7, %al
    cmp $3, %al
    jb fdc_out
    je fdc_in
    cmp $5, %al
    jb dma_out
    je long_command
    cmp $6, %al
    je long_result
    call wild_dma
next:
    inc %ecx
    test $0x3fff, %cx
    jnz 1f
    mov $'.', %al
    call putc16
1:  cmp $ITERATIONS, %ecx
    jb round
    jmp check

/* A random byte to a controller register (0x3f6 is the IDE's: the FIFO). */
fdc_out:
    mov %bx, %dx
    and $7, %dx
    cmp $6, %dx
    jne 1f
    mov $5, %dx
1:  add $0x3f0, %dx
    mov %bh, %al
    out %al, %dx
    jmp next

fdc_in:
    mov %bx, %dx
    and $7, %dx
    add $0x3f0, %dx
    cmp $0x3f6, %dx
    je next
    in %dx, %al
    jmp next

/* A random byte to a DMA register of the first or second controller
 * (never a page register: wild_dma chooses those). */
dma_out:
    mov %bx, %dx
    and $0x0f, %dx
    test $0x10, %bl
    jz 1f
    shl $1, %dx
    add $0xc0, %dx
1:  mov %bh, %al
    out %al, %dx
    jmp next

/* 40 bytes into the FIFO: a command byte and far too many parameters. */
long_command:
    push %cx
    mov $40, %cx
1:  call rand
    mov $FDC_FIFO, %dx
    out %al, %dx
    loop 1b
    pop %cx
    jmp next

long_result:
    push %cx
    mov $40, %cx
    mov $FDC_FIFO, %dx
1:  in %dx, %al
    loop 1b
    pop %cx
    jmp next

/* Channel 2 with a random mode, address, count and page, unmasked, then
 * a READ, WRITE or FORMAT with random parameters. */
wild_dma:
    push %cx
    mov $0x06, %al
    out %al, $0x0a
    out %al, $0x0c
    xor %al, %al
    out %al, $0x08              /* the controller enabled (random writes may not) */
    call rand
    and $0xfc, %al
    or $0x02, %al
    out %al, $0x0b              /* mode, channel 2 */
    call rand
    out %al, $0x04
    mov %ah, %al
    out %al, $0x04
    call rand
    out %al, $0x05
    mov %ah, %al
    out %al, $0x05
    call rand
    test %al, %al
    jz 1f
    cmp $0x0c, %al
    jb 2f
    cmp $0x10, %al
    jae 2f
1:  or $0x10, %al               /* not this program's memory */
2:  out %al, $0x81
    mov $0x02, %al
    out %al, $0x0a              /* unmask channel 2 */
    mov $FDC_DOR, %dx           /* a controller reset: a clean command phase */
    xor %al, %al
    out %al, %dx
    mov $0x0c, %al
    out %al, %dx
    mov $FDC_FIFO, %dx          /* SPECIFY: DMA mode (random ones may not be) */
    mov $0x03, %al
    out %al, %dx
    mov $0xdf, %al
    out %al, %dx
    mov $0x02, %al
    out %al, %dx
    call rand
    and $3, %al
    cmp $3, %al
    jne 1f
    xor %al, %al                /* mostly 500 kbit/s, the medium's rate */
1:  mov $0x3f7, %dx
    out %al, %dx
    call rand
    mov %al, %bl
    and $3, %bl
    mov $0xe6, %al              /* READ */
    cmp $1, %bl
    jb 3f
    mov $0xc5, %al              /* WRITE */
    je 3f
    mov $0x4d, %al              /* FORMAT */
3:  mov $FDC_FIFO, %dx
    out %al, %dx
    call rand                   /* drive 0, a random head, in-range values */
    mov %al, %bl
    and $0x04, %al
    out %al, %dx                /* head/drive */
    shr $2, %al
    mov %al, %bh                /* the head */
    mov %ah, %al
    and $0x3f, %al
    out %al, %dx                /* C (FORMAT: N) */
    mov %bh, %al
    out %al, %dx                /* H (FORMAT: SC) */
    call rand
    and $0x0f, %al
    inc %al
    out %al, %dx                /* R (FORMAT: GPL) */
    mov $2, %al
    out %al, %dx                /* N (FORMAT: the fill byte) */
    mov %ah, %al
    and $0x1f, %al
    out %al, %dx                /* EOT */
    mov $0x1b, %al
    out %al, %dx                /* GPL */
    mov $0xff, %al
    out %al, %dx                /* DTL */
    pop %cx
    ret

/* The controller still works: reset, four SENSE INTERRUPTs, VERSION. */
check:
    PUTS16 m_nl
    mov $FDC_DOR, %dx
    xor %al, %al
    out %al, %dx
    mov $0x0c, %al
    out %al, %dx
    mov $4, %cx
1:  mov $0x08, %al
    call fdc_cmd
    call fdc_res
    call fdc_res
    loop 1b
    mov $0x10, %al
    call fdc_cmd
    call fdc_res
    cmp $0x90, %al
    jne f_version
    PUTS16 m_pass
    EXIT16 EXIT_PASS

/* Write AL to the FIFO once the controller wants a byte (bounded wait). */
fdc_cmd:
    mov %al, %ah
    mov $FDC_MSR, %dx
    mov $0xffff, %si
1:  in %dx, %al
    and $0xc0, %al
    cmp $0x80, %al
    je 2f
    dec %si
    jnz 1b
    jmp f_stuck
2:  mov %ah, %al
    mov $FDC_FIFO, %dx
    out %al, %dx
    ret

fdc_res:
    mov $FDC_MSR, %dx
    mov $0xffff, %si
1:  in %dx, %al
    and $0xc0, %al
    cmp $0xc0, %al
    je 2f
    dec %si
    jnz 1b
    jmp f_stuck
2:  mov $FDC_FIFO, %dx
    in %dx, %al
    ret

/* xorshift32 on SEED: EAX = next value (EDX kept). */
rand:
    push %edx
    XORSHIFT32 SEED
    pop %edx
    ret

f_version:
    mov $2, %bl
    mov $m_version, %si
    jmp fail
f_stuck:
    mov $3, %bl
    mov $m_stuck, %si
fail:
    push %si
    PUTS16 m_fail
    pop %si
    call puts16
    PUTS16 m_nl
    mov %bl, %al
    out %al, $DEBUG_EXIT
1:  cli
    hlt
    jmp 1b

    SERIAL16_FUNCS

m_start:   .asciz "fdc-hostile: start\r\n"
m_pass:    .asciz "fdc-hostile: PASS\r\n"
m_fail:    .asciz "FAIL: "
m_version: .asciz "VERSION after the attack is not 0x90"
m_stuck:   .asciz "the controller stopped answering"
m_nl:      .asciz "\r\n"

    .globl seed_word
seed_word: .long 0x2545f491     /* the test patches a copy (nm finds it) */

    RESET_VECTOR _start
