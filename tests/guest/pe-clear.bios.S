/* pe-clear: clearing CR0.PE in 32-bit code leaves the CPU in real mode
 * with the code segment's descriptor cache as protected mode left it
 * (SDM vol. 3, 9.9.2 "Switching Back to Real-Address Mode": the far JMP
 * that follows the MOV CR0 is what loads a real-mode CS).  Until that far
 * JMP, instructions keep CS.D=1: 32-bit operands and addresses, and the
 * full 32-bit EIP (here above 0xffff: the code runs at 0xf0000 + offset
 * through a flat code segment).  After the far JMP the code is 16-bit.
 *
 * An emulator that cut EIP to 16 bits at the switch would fetch from
 * linear (offset & 0xffff): a stub copied there exits with code 5 (status
 * 11) at once instead of running off into low memory. */
#include "tests/guest/guest.h"

#define RESULT_EAX  (VARS + 0)
#define RESULT_ECX  (VARS + 4)

    BIOS_START16
    PUTS16 msg_start
    /* the stub where a 16-bit EIP would land */
    xor %ax, %ax
    mov %ax, %es
    mov $window, %di
    mov $fail_stub, %si
    mov $(fail_stub_end - fail_stub), %cx
    rep movsb %cs:(%si), %es:(%di)
    movl $0, RESULT_EAX
    movl $0, RESULT_ECX

    lgdtl %cs:gdt_ptr
    mov %cr0, %eax
    or $1, %al
    mov %eax, %cr0
    ljmpl $0x08, $LIN(pm32)

    .code32
pm32:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov %cr0, %eax
    and $0xfffffffe, %eax
    mov %eax, %cr0
window:
    /* Real mode now, CS.D=1 from the cache: these are 32-bit forms. */
    mov $0x12345678, %eax
    mov $0x10000, %ebx
    lea 0x2345(%ebx), %ecx
    mov %eax, RESULT_EAX
    mov %ecx, RESULT_ECX
    ljmp $0xf000, $back16

    .code16
back16:
    xor %ax, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov $STACK_TOP, %esp
    cmpl $0x12345678, RESULT_EAX
    jne bad_operand
    cmpl $0x12345, RESULT_ECX
    jne bad_address
    /* 16-bit again after the far JMP: B8 iw is MOV AX, imm16 here (a
     * 32-bit CS would take the two NOPs into the immediate). */
    xor %eax, %eax
    .byte 0xb8, 0x34, 0x12, 0x90, 0x90
    cmp $0x1234, %eax
    jne bad_after
    PUTS16 msg_ok
    EXIT16 EXIT_PASS
bad_operand:
    PUTS16 msg_bad_operand
    EXIT16 2
bad_address:
    PUTS16 msg_bad_address
    EXIT16 3
bad_after:
    PUTS16 msg_bad_after
    EXIT16 4

/* Copied to linear (window & 0xffff); run only by a wrong emulator, in
 * 16-bit mode: exit code 5. */
fail_stub:
    mov $5, %al
    out %al, $DEBUG_EXIT
1:  hlt
    jmp 1b
fail_stub_end:

    SERIAL16_FUNCS

    .balign 8
gdt:
    .quad 0
    .quad 0x00cf9a000000ffff        /* 0x08: flat 32-bit code */
    .quad 0x00cf92000000ffff        /* 0x10: flat data */
gdt_end:
gdt_ptr:
    .word gdt_end - gdt - 1
    .long LIN(gdt)

msg_start:       .asciz "pe-clear: start\r\n"
msg_ok:          .asciz "pe-clear: PASS\r\n"
msg_bad_operand: .asciz "pe-clear: FAIL: 16-bit operand size after clearing CR0.PE\r\n"
msg_bad_address: .asciz "pe-clear: FAIL: 16-bit address size after clearing CR0.PE\r\n"
msg_bad_after:   .asciz "pe-clear: FAIL: still 32-bit code after the far JMP to real mode\r\n"

    RESET_VECTOR _start
