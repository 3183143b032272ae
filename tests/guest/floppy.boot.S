/* A floppy boot sector for SeaBIOS (floppy-boot.test): prints on COM1,
 * reads sector 2 through INT 13h and prints it, writes sector 3 (the test
 * checks the image), reports the SMBIOS entry point SeaBIOS built from
 * kemu's fw_cfg tables (its revision and structure count, in hex), and
 * exits through isa-debug-exit (0: done, 1: INT 13h failed). */
#include "tests/guest/guest.h"

    .code16
    .globl _start
_start:
    cli
    xor %ax, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov $0x7c00, %sp
    mov %dl, drive
    mov $m_hello, %si
    call print
    mov $0x0201, %ax            /* read 1 sector: C0 H0 S2 to 0:8000 */
    mov $0x0002, %cx
    xor %dh, %dh
    mov drive, %dl
    mov $0x8000, %bx
    int $0x13
    jc fail
    mov $0x8000, %si
    call print
    mov $0x0301, %ax            /* write 1 sector: C0 H0 S3 from m_wrote */
    mov $0x0003, %cx
    xor %dh, %dh
    mov drive, %dl
    mov $m_wrote, %bx
    int $0x13
    jc fail
    mov $m_done, %si
    call print
    call smbios
    mov $EXIT_PASS, %al
    out %al, $DEBUG_EXIT
    hlt
fail:
    mov $m_failed, %si
    call print
    mov $1, %al
    out %al, $DEBUG_EXIT
    hlt

/* Find "_SM_" on a 16-byte boundary in F000:0000-FFFF. */
smbios:
    push %ds
    mov $0xf000, %ax
    mov %ax, %ds
    xor %bx, %bx
1:  cmpl $0x5f4d535f, (%bx)
    je 2f
    add $16, %bx
    jnz 1b
    pop %ds
    mov $m_nosm, %si
    jmp print
2:  mov 0x1e(%bx), %cl          /* BCD revision */
    mov 0x1c(%bx), %ch          /* number of structures, low byte */
    pop %ds
    mov $m_smbios, %si
    call print
    mov %cl, %al
    call hex
    mov $' ', %al
    call putc
    mov %ch, %al
    call hex
    mov $m_nl, %si
    jmp print

hex:
    push %ax
    shr $4, %al
    call nibble
    pop %ax
nibble:
    and $0x0f, %al
    add $'0', %al
    cmp $'9', %al
    jbe putc
    add $('a' - '9' - 1), %al
putc:
    push %dx
    push %ax
    mov $UART_LSR, %dx
1:  in %dx, %al
    test $0x20, %al
    jz 1b
    pop %ax
    mov $UART_THR, %dx
    out %al, %dx
    pop %dx
    ret

print:
    lodsb
    test %al, %al
    jz 1f
    call putc
    jmp print
1:  ret

drive:    .byte 0
m_hello:  .asciz "FLOPPY-BOOT-OK\r\n"
m_failed: .asciz "FLOPPY-INT13-FAILED\r\n"
m_done:   .asciz "FLOPPY-WRITE-DONE\r\n"
m_smbios: .asciz "SMBIOS "
m_nosm:   .asciz "SMBIOS none\r\n"
m_nl:     .asciz "\r\n"
m_wrote:  .asciz "WRITTEN-BY-THE-GUEST"
    .org 510
    .byte 0x55, 0xaa
