/* cpuid: real-mode firmware that prints what CPUID tells the guest, so a
 * test can check the -cpu model reaches it under each accelerator:
 *   vendor: <leaf 0>
 *   signature: <leaf 1 EAX, hex>
 *   brand: <leaves 0x80000002-4>
 *   features 1: <ECX EDX> 80000001: <ECX EDX>
 *   lm: yes|no (leaf 0x80000001 EDX bit 29)
 * then "cpuid: PASS" and exit 0. */
#include "tests/guest/guest.h"

#define BUF (VARS + 0x10)              /* 48-byte brand string + NUL */

    BIOS_START16

    PUTS16 m_vendor
    xor %eax, %eax
    cpuid
    mov %ebx, BUF
    mov %edx, BUF + 4
    mov %ecx, BUF + 8
    movb $0, BUF + 12
    call print_buf

    PUTS16 m_sig
    mov $1, %eax
    cpuid
    call puthex32
    PUTS16 m_nl

    PUTS16 m_brand
    mov $0x80000000, %eax
    cpuid
    cmp $0x80000004, %eax
    jb 2f
    mov $BUF, %di
    mov $0x80000002, %esi
1:  mov %esi, %eax
    cpuid
    mov %eax, (%di)
    mov %ebx, 4(%di)
    mov %ecx, 8(%di)
    mov %edx, 12(%di)
    add $16, %di
    inc %esi
    cmp $0x80000004, %esi
    jbe 1b
    movb $0, BUF + 48
    call print_buf
    jmp 3f
2:  PUTS16 m_nl
3:
    PUTS16 m_f1                     /* feature words, for diagnostics */
    mov $1, %eax
    cpuid
    push %edx
    mov %ecx, %eax
    call puthex32
    mov $' ', %al
    call putc16
    pop %eax
    call puthex32
    PUTS16 m_f81
    mov $0x80000001, %eax
    cpuid
    push %edx
    mov %ecx, %eax
    call puthex32
    mov $' ', %al
    call putc16
    pop %eax
    call puthex32
    PUTS16 m_nl

    PUTS16 m_lm
    mov $0x80000001, %eax
    cpuid
    mov $m_no, %si
    bt $29, %edx
    jnc 4f
    mov $m_yes, %si
4:  call puts16
    PUTS16 m_pass
    EXIT16 EXIT_PASS

/* Print the NUL-terminated string at BUF (RAM, DS = 0) and a newline. */
print_buf:
    mov $BUF, %si
1:  lodsb
    test %al, %al
    jz 2f
    call putc16
    jmp 1b
2:  PUTS16 m_nl
    ret

    PUTHEX_FUNC putc16, %cx

    SERIAL16_FUNCS

m_vendor: .asciz "vendor: "
m_sig:    .asciz "signature: "
m_brand:  .asciz "brand: "
m_f1:     .asciz "features 1: "
m_f81:    .asciz " 80000001: "
m_lm:     .asciz "lm: "
m_yes:    .asciz "yes\r\n"
m_no:     .asciz "no\r\n"
m_nl:     .asciz "\r\n"
m_pass:   .asciz "cpuid: PASS\r\n"

    RESET_VECTOR _start
