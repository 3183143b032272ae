/* pmode: from the reset vector in real mode into 32-bit protected mode
 * (flat GDT, far jump, data segments, memory above 1 MiB), then into 64-bit
 * long mode (PAE page tables identity-mapping 1 GiB with 2 MiB pages,
 * EFER.LME, paging, far jump to a 64-bit code segment), checking each step.
 * Prints "pm: ok" and "lm: ok"; exits 0 on success. */
#include "tests/guest/guest.h"

#define PML4 0x10000
#define PDPT 0x11000
#define PD   0x12000
#define MSR_EFER 0xc0000080

    BIOS_START16
    PUTS16 m_start
    mov $0x80000000, %eax
    cpuid
    cmp $0x80000001, %eax
    jb f_nolm16
    mov $0x80000001, %eax
    cpuid
    bt $29, %edx
    jnc f_nolm16

    lgdtl %cs:gdt_ptr
    mov %cr0, %eax
    or $1, %eax
    mov %eax, %cr0
    ljmpl $0x08, $LIN(pm32)

f_nolm16:
    PUTS16 m_nolm
    EXIT16 2

    .code32
pm32:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov %ax, %fs
    mov %ax, %gs
    mov $0x90000, %esp
    mov %cs, %ax
    cmp $0x08, %ax
    jne f_cs
    mov %cr0, %eax
    test $1, %al
    jz f_cs
    movl $0x9abcdef0, 0x200000      /* RAM above 1 MiB */
    movl $0x12345678, 0x200004
    cmpl $0x9abcdef0, 0x200000
    jne f_mem
    mov $LIN(m_pm), %esi
    call puts32

    mov $PML4, %edi                 /* clear PML4, PDPT, PD */
    xor %eax, %eax
    mov $3 * 1024, %ecx
    rep stosl
    movl $PDPT | 3, PML4
    movl $PD | 3, PDPT
    mov $PD, %edi
    mov $0x83, %eax                 /* present, writable, 2 MiB page */
    mov $512, %ecx
1:  mov %eax, (%edi)
    add $0x200000, %eax
    add $8, %edi
    loop 1b

    mov %cr4, %eax
    or $0x20, %eax                  /* PAE */
    mov %eax, %cr4
    mov $PML4, %eax
    mov %eax, %cr3
    mov $MSR_EFER, %ecx
    rdmsr
    or $0x100, %eax                 /* LME */
    wrmsr
    mov %cr0, %eax
    or $0x80000000, %eax            /* PG: long mode becomes active */
    mov %eax, %cr0
    ljmp $0x18, $LIN(lm64)

f_cs:
    mov $3, %bl
    mov $LIN(m_cs), %esi
    jmp fail32
f_mem:
    mov $4, %bl
    mov $LIN(m_mem), %esi
fail32:
    push %esi
    mov $LIN(m_fail), %esi
    call puts32
    pop %esi
    call puts32
    mov %bl, %al
    out %al, $DEBUG_EXIT
1:  hlt
    jmp 1b

    SERIAL32_FUNCS

    .code64
lm64:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %ss
    mov $0x90000, %rsp
    mov $MSR_EFER, %ecx
    rdmsr
    bt $10, %eax                    /* LMA */
    jnc f_lma
    movabs $0x123456789abcdef0, %rax
    mov %rax, %r15
    shr $32, %r15
    cmp $0x12345678, %r15d
    jne f_64
    mov 0x200000, %rbx              /* the two 32-bit stores as one qword */
    cmp %rbx, %rax
    jne f_64
    lea m_lm(%rip), %rsi            /* RIP-relative addressing */
    call puts64
    lea m_pass(%rip), %rsi
    call puts64
    mov $EXIT_PASS, %al
    out %al, $DEBUG_EXIT
1:  hlt
    jmp 1b

f_lma:
    mov $5, %bl
    lea m_lma(%rip), %rsi
    jmp fail64
f_64:
    mov $6, %bl
    lea m_64(%rip), %rsi
fail64:
    push %rsi
    lea m_fail(%rip), %rsi
    call puts64
    pop %rsi
    call puts64
    mov %bl, %al
    out %al, $DEBUG_EXIT
1:  hlt
    jmp 1b

puts64:
    push %rax
    push %rcx
    push %rdx
2:  lodsb
    test %al, %al
    jz 4f
    mov %al, %ah
    mov $0xffff, %ecx
    mov $UART_LSR, %dx
1:  in %dx, %al
    test $0x20, %al
    jnz 3f
    loop 1b
3:  mov %ah, %al
    mov $UART_THR, %dx
    out %al, %dx
    jmp 2b
4:  pop %rdx
    pop %rcx
    pop %rax
    ret

    .code16
    SERIAL16_FUNCS

    .balign 8
gdt:
    .quad 0
    .quad 0x00cf9a000000ffff        /* 0x08: 32-bit code, flat */
    .quad 0x00cf92000000ffff        /* 0x10: data, flat */
    .quad 0x00af9a000000ffff        /* 0x18: 64-bit code */
gdt_end:
gdt_ptr:
    .word gdt_end - gdt - 1
    .long LIN(gdt)

m_start: .asciz "pmode: start\r\n"
m_pm:    .asciz "pm: ok\r\n"
m_lm:    .asciz "lm: ok\r\n"
m_pass:  .asciz "pmode: PASS\r\n"
m_fail:  .asciz "FAIL: "
m_nolm:  .asciz "FAIL: CPUID reports no long mode\r\n"
m_cs:    .asciz "protected mode not entered\r\n"
m_mem:   .asciz "memory above 1 MiB\r\n"
m_lma:   .asciz "EFER.LMA not set\r\n"
m_64:    .asciz "64-bit arithmetic or load\r\n"

    RESET_VECTOR _start
