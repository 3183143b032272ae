/* flags-fault: a page fault between two flag-setting instructions of one
 * block must see the flags of the first.  The native backend stores the
 * lazy flags of an instruction whose flags the next one replaces only on
 * the slow path of the guest access in between (the path a fault takes),
 * so this checks that path: the #PF handler compares the EFLAGS the CPU
 * pushed with the ones PUSHF saw after the same comparison, maps the page
 * and returns; the load then completes.  Three comparisons of different
 * flags (CF/SF/AF, ZF/PF, OF), in flat 32-bit protected mode with 4 MiB
 * pages (the second 4 MiB not present until the handler maps it).  Prints
 * "flags-fault: PASS" and exits through isa-debug-exit with 0, or prints
 * what differed. */
#include "tests/guest/guest.h"

#define STACK32 0x9000
#define PD      0x20000         /* page directory */
#define IDT     0x21000
#define HOLE    0x400000        /* PDE 1: mapped by the #PF handler */
#define SEEN    0x22000         /* EFLAGS the handler found in its frame */
#define FAULTS  0x22004
#define FLAGS   0x8d5           /* CF PF AF ZF SF OF */

.macro CASE a, b
    movl $0, PD + 4             /* unmap the hole, forget the old mapping */
    mov %cr3, %eax
    mov %eax, %cr3
    mov $\a, %eax
    cmp $\b, %eax
    pushf
    pop %ebp                    /* the flags the fault must see */
    test %esp, %esp             /* other flags (CF ZF OF clear) until the CMP */
    mov $\a, %eax
    mov $\b, %ebx
    mov $1, %edi
    jmp 1f                      /* one block from here to the check */
1:  cmp %ebx, %eax              /* flags replaced by the ADD below */
    mov HOLE + 0x100, %edx      /* #PF */
    add %edi, %ecx
    call check
.endm

    BIOS_START16
    ENTER_PM32 $STACK32
    mov $PD, %edi
    xor %eax, %eax
    mov $1024, %ecx
    rep stosl
    movl $0x83, PD              /* 0-4 MiB: present, writable, 4 MiB */
    mov $LIN(pf), %eax
    mov %ax, IDT + 14 * 8
    movw $0x08, IDT + 14 * 8 + 2
    movw $0x8e00, IDT + 14 * 8 + 4
    shr $16, %eax
    mov %ax, IDT + 14 * 8 + 6
    lidt LIN(idt_ptr)
    mov %cr4, %eax
    or $0x10, %eax              /* PSE */
    mov %eax, %cr4
    mov $PD, %eax
    mov %eax, %cr3
    mov %cr0, %eax
    or $0x80000000, %eax
    mov %eax, %cr0
    jmp 2f
2:  movl $0, FAULTS
    CASE 5, 7                   /* CF SF AF */
    CASE 9, 9                   /* ZF PF */
    CASE 0x80000000, 1          /* OF */
    cmpl $3, FAULTS
    jne bad_count
    mov $LIN(msg_pass), %esi
    call puts32
    EXIT32 EXIT_PASS

/* EBP = the flags PUSHF saw; SEEN = the flags the fault pushed. */
check:
    mov SEEN, %eax
    xor %ebp, %eax
    and $FLAGS, %eax
    jnz bad_flags
    ret

bad_flags:
    mov $LIN(msg_flags), %esi
    call puts32
    mov SEEN, %eax
    call puthex32
    mov $LIN(msg_want), %esi
    call puts32
    mov %ebp, %eax
    call puthex32
    mov $LIN(msg_nl), %esi
    call puts32
    EXIT32 1
bad_count:
    mov $LIN(msg_count), %esi
    call puts32
    EXIT32 1

/* #PF: record the pushed EFLAGS (above the error code, EIP and CS),
 * map the hole, return to the load. */
pf:
    push %eax
    mov 16(%esp), %eax
    mov %eax, SEEN
    incl FAULTS
    movl $HOLE + 0x83, PD + 4
    pop %eax
    add $4, %esp                /* the error code */
    iret

    PUTHEX_FUNC putc32, %ecx
    SERIAL32_FUNCS

    .p2align 2
idt_ptr:
    .word 256 * 8 - 1
    .long IDT
    FLAT_GDT32
msg_pass:  .asciz "\r\nflags-fault: PASS\r\n"
msg_flags: .asciz "flags-fault: FAIL: EFLAGS at the fault "
msg_want:  .asciz ", want "
msg_nl:    .asciz "\r\n"
msg_count: .asciz "flags-fault: FAIL: not one fault per case\r\n"
    RESET_VECTOR _start
