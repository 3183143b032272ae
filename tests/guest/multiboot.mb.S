/* multiboot: a Multiboot 1 kernel (loaded with -kernel) that checks what
 * the loader hands over (Multiboot spec 0.6.96, section 3.2-3.3): the magic
 * in EAX, flat 32-bit protected mode, and in the information structure at
 * EBX the memory sizes (run with -m 128: 640 KiB low, 127 MiB upper) and
 * the command line (run with -append hello-mb).  Exits 0 on success. */
#include "tests/guest/guest.h"

#define MB_MAGIC        0x1badb002
#define MB_FLAGS        0x00000003          /* page-align modules, memory info */
#define MB_BOOT_MAGIC   0x2badb002
#define INFO_MEM        (1 << 0)
#define INFO_CMDLINE    (1 << 2)

    .section .multiboot, "a"
    .balign 4
    .long MB_MAGIC
    .long MB_FLAGS
    .long -(MB_MAGIC + MB_FLAGS)

    .text
    .code32
    .globl _start
_start:
    mov $stack_top, %esp
    mov %eax, %edi
    mov $m_start, %esi
    call puts32
    cmp $MB_BOOT_MAGIC, %edi
    jne f_magic
    mov %cr0, %eax
    test $1, %al
    jz f_mode
    mov (%ebx), %ecx                    /* flags */
    test $INFO_MEM, %ecx
    jz f_mem
    mov 4(%ebx), %eax                   /* mem_lower, KiB */
    cmp $639, %eax
    jb f_mem
    cmp $640, %eax
    ja f_mem
    mov 8(%ebx), %eax                   /* mem_upper, KiB from 1 MiB */
    cmp $126 * 1024, %eax
    jb f_mem
    cmp $127 * 1024, %eax
    ja f_mem
    test $INFO_CMDLINE, %ecx
    jz f_cmd
    mov 16(%ebx), %esi                  /* find "hello-mb" in the command line */
1:  cmpb $0, (%esi)
    je f_cmd
    cmpl $0x6c6c6568, (%esi)            /* "hell" */
    jne 2f
    cmpl $0x626d2d6f, 4(%esi)           /* "o-mb" */
    je 3f
2:  inc %esi
    jmp 1b
3:  mov $m_pass, %esi
    call puts32
    EXIT32 EXIT_PASS

.macro FAILURE label, code, text
\label:
    mov $\code, %bl
    mov $9f, %esi
    jmp fail
    .section .rodata
9:  .asciz "\text"
    .text
.endm

fail:
    push %esi
    mov $m_fail, %esi
    call puts32
    pop %esi
    call puts32
    mov %bl, %al
    out %al, $DEBUG_EXIT
1:  hlt
    jmp 1b

    FAILURE f_magic, 2, "no Multiboot magic in EAX\r\n"
    FAILURE f_mode, 3, "not in protected mode\r\n"
    FAILURE f_mem, 4, "mem_lower/mem_upper missing or not 640 KiB / 127 MiB\r\n"
    FAILURE f_cmd, 5, "command line without hello-mb\r\n"

    SERIAL32_FUNCS

    .section .rodata
m_start: .asciz "multiboot: start\r\n"
m_pass:  .asciz "multiboot: PASS\r\n"
m_fail:  .asciz "FAIL: "

    .bss
    .balign 16
    .skip 4096
stack_top:
