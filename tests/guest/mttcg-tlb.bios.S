/* mttcg-tlb: TLB shootdown by IPI, as an SMP kernel does it.  Both CPUs
 * run with paging on the same page tables; the first AP (B) reads a
 * virtual page VA over and over, so its TLB holds the translation.  The
 * BSP (A) points VA's page-table entry at another physical page (two pages
 * with different contents, alternately), INVLPGs it locally, sends B an
 * IPI whose handler INVLPGs VA and acknowledges, then asks B to read VA
 * again: B must see the new page's contents, ROUNDS times.  With per-vCPU
 * soft TLBs B's stale entry goes only through its own INVLPG (as on
 * hardware); a lost IPI or a flush that missed shows as a failure.  Exits
 * 0 on success.  Run with -smp 2 or more. */
#include "tests/guest/guest.h"

#define NCPUS     (VARS + 0)
#define UP        (VARS + 4)      /* APs in protected mode with paging */
#define AP_IDX    (VARS + 8)
#define ACK       (VARS + 12)     /* round B's IPI handler acknowledged */
#define IPI_ROUND (VARS + 16)
#define CHECK     (VARS + 20)     /* round A asks B to check */
#define EXPECT    (VARS + 24)
#define B_CHECKED (VARS + 28)
#define BAD       (VARS + 32)
#define B_APICID  (VARS + 36)
#define PD        0x10000
#define PT        0x11000
#define IDT       0x12000
#define VA        0x300000
#define PA_A      0x200000
#define PA_B      0x201000
#define VEC       0x40
#define ROUNDS    2000
#define TRAMPOLINE 0x8000
#define SIPI_VEC  (TRAMPOLINE >> 12)
#define LAPIC_ID  (LAPIC_BASE + 0x20)
#define LAPIC_EOI (LAPIC_BASE + 0xb0)
#define LAPIC_SVR (LAPIC_BASE + 0xf0)
#define ICR_LO    (LAPIC_BASE + 0x300)
#define ICR_HI    (LAPIC_BASE + 0x310)
#define ALL_BUT_SELF (3 << 18)
#define ICR_INIT  (ALL_BUT_SELF | 0x4500)
#define ICR_SIPI  (ALL_BUT_SELF | 0x4600 | SIPI_VEC)

    BIOS_START16
    PUTS16 m_start
    CMOS_NCPUS16 NCPUS
    xor %eax, %eax
    mov $VARS + 4, %di
    mov $9, %cx
    rep stosl
    COPY_AP_TRAMPOLINE16
    MASK_PICS16
    lgdtl %cs:gdt_ptr
    mov %cr0, %eax
    or $1, %eax
    mov %eax, %cr0
    ljmpl $0x08, $LIN(pm32)

ap_main:                            /* an AP, from the trampoline */
    cli
    lgdtl %cs:gdt_ptr
    mov %cr0, %eax
    or $1, %eax
    mov %eax, %cr0
    ljmpl $0x08, $LIN(ap_pm32)

/* Copied to 0x8000; runs on each AP at 0800:0000. */
ap_tramp:
    ljmp $0xf000, $ap_main
ap_tramp_end:

    SERIAL16_FUNCS

    .code32
pm32:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov $0x90000, %esp
    cmpl $2, NCPUS
    jb one_cpu
    mov $PT, %edi                   /* identity-map 0-4 MiB */
    mov $3, %eax
    mov $1024, %ecx
1:  mov %eax, (%edi)
    add $0x1000, %eax
    add $4, %edi
    loop 1b
    movl $PA_A | 3, PT + (VA >> 12) * 4
    mov $PD, %edi
    xor %eax, %eax
    mov $1024, %ecx
    rep stosl
    movl $PT | 3, PD
    movl $0xfec00000 | 0x83, PD + (0xfec00000 >> 22) * 4   /* 4 MiB: APIC pages */
    movl $1, PA_A                   /* what VA shows through either page */
    movl $2, PA_B
    mov $IDT, %edi                  /* every vector: an IRET; VEC: the IPI */
    mov $256, %ecx
1:  mov $LIN(ignore), %eax
    call set_gate
    add $8, %edi
    loop 1b
    mov $IDT + VEC * 8, %edi
    mov $LIN(b_ipi), %eax
    call set_gate
    call paging_on
    movl $0x1ff, LAPIC_SVR
    movl $0, ICR_HI
    movl $ICR_INIT, ICR_LO
    call delay
    movl $ICR_SIPI, ICR_LO
    call delay
    movl $ICR_SIPI, ICR_LO
    mov NCPUS, %ebx
    dec %ebx
    mov $0x10000000, %ecx
1:  cmp UP, %ebx
    je a_start
    dec %ecx
    jnz 1b
    mov $LIN(m_noap), %esi
    mov $2, %bl
    jmp fail

a_start:
    mov $1, %ebx
a_round:
    mov $PA_A | 3, %eax             /* odd rounds: PA_B, even: PA_A */
    mov $1, %edx
    test $1, %bl
    jz 1f
    mov $PA_B | 3, %eax
    mov $2, %edx
1:  mov %eax, PT + (VA >> 12) * 4
    invlpg VA
    mov %ebx, IPI_ROUND
    mov B_APICID, %eax
    shl $24, %eax
    mov %eax, ICR_HI
    movl $VEC, ICR_LO               /* fixed, physical destination */
    mov $0x4000000, %ecx
2:  cmp ACK, %ebx
    je 3f
    pause
    dec %ecx
    jnz 2b
    mov $LIN(m_noack), %esi
    mov $3, %bl
    jmp fail
3:  mov %edx, EXPECT
    mov %ebx, CHECK
    mov $0x4000000, %ecx
4:  cmp B_CHECKED, %ebx
    je 5f
    pause
    dec %ecx
    jnz 4b
    mov $LIN(m_nocheck), %esi
    mov $4, %bl
    jmp fail
5:  inc %ebx
    cmp $ROUNDS + 1, %ebx
    jne a_round
    cmpl $0, BAD
    jne stale
    mov $LIN(m_rounds), %esi
    call puts32
    mov $LIN(m_pass), %esi
    call puts32
    mov $EXIT_PASS, %al
    out %al, $DEBUG_EXIT
    jmp halt
stale:
    mov $LIN(m_stale), %esi
    mov $5, %bl
    jmp fail
one_cpu:
    mov $LIN(m_one), %esi
    mov $6, %bl
fail:
    call puts32
    mov %bl, %al
    out %al, $DEBUG_EXIT
halt:
    cli
    hlt
    jmp halt

/* Interrupt gate at EDI for the handler at EAX (code selector 0x08). */
set_gate:
    push %eax
    mov %ax, (%edi)
    movw $0x08, 2(%edi)
    movw $0x8e00, 4(%edi)
    shr $16, %eax
    mov %ax, 6(%edi)
    pop %eax
    ret

paging_on:
    mov %cr4, %eax
    or $0x10, %eax                  /* PSE: the 4 MiB APIC page */
    mov %eax, %cr4
    mov $PD, %eax
    mov %eax, %cr3
    mov %cr0, %eax
    or $0x80000000, %eax
    mov %eax, %cr0
    lidt LIN(idt_ptr)
    ret

DELAY_FUNC16

ap_pm32:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov $1, %eax
    lock xaddl %eax, AP_IDX
    mov %eax, %esi
    shl $12, %eax
    mov $0x80000, %esp
    sub %eax, %esp
    call paging_on
    movl $0x1ff, LAPIC_SVR
    test %esi, %esi
    jnz 1f
    mov LAPIC_ID, %eax              /* B: A sends its IPIs here */
    shr $24, %eax
    mov %eax, B_APICID
1:  lock incl UP
    test %esi, %esi
    jnz halt
    sti
b_loop:
    mov VA, %eax                    /* keep the translation in the TLB */
    mov CHECK, %edx
    cmp B_CHECKED, %edx
    je b_loop
    mov VA, %eax                    /* A changed it and we flushed it */
    cmp EXPECT, %eax
    je 1f
    lock incl BAD
1:  mov %edx, B_CHECKED
    jmp b_loop

b_ipi:
    push %eax
    invlpg VA
    mov IPI_ROUND, %eax
    mov %eax, ACK
    movl $0, LAPIC_EOI
    pop %eax
ignore:
    iret

    SERIAL32_FUNCS

    .balign 8
    FLAT_GDT32
idt_ptr:
    .word 256 * 8 - 1
    .long IDT

m_start:   .asciz "mttcg-tlb: starting the APs\r\n"
m_rounds:  .asciz "mttcg-tlb: 2000 remaps of a page another CPU reads, each seen after its IPI\r\n"
m_pass:    .asciz "mttcg-tlb: PASS\r\n"
m_noap:    .asciz "FAIL: not every AP started\r\n"
m_noack:   .asciz "FAIL: the IPI was not acknowledged\r\n"
m_nocheck: .asciz "FAIL: the other CPU did not check\r\n"
m_stale:   .asciz "FAIL: the other CPU read through a stale translation after its INVLPG\r\n"
m_one:     .asciz "FAIL: run with -smp 2 or more\r\n"

    RESET_VECTOR _start
