/* vme: the virtual-8086 mode extensions (CR4.VME, SDM vol. 3 20.3) seen
 * by a small monitor.  Needs a CPU model with VME (-cpu qemu64,+vme).
 *
 * Real mode checks CPUID.01H:EDX.VME, builds a GDT, a 32-bit TSS whose
 * interrupt redirection bitmap sends INT 0x41/0x42 to the protected-mode
 * IDT (every other vector back to the 8086 program), an IDT whose #GP
 * handler is the monitor, and the 8086 program's vector table (INT 0x40).
 * It sets CR4.VME and IRETs into virtual-8086 mode with IOPL 0 and IF 0.
 *
 * The virtual-8086 code (in this image, CS = F000) checks that CLI/STI
 * change the virtual IF seen by PUSHF (which shows IOPL as 3), that INT
 * 0x40 is redirected to its own handler (VIF cleared on entry, the pushed
 * image carrying VIF as IF; a 16-bit IRET restores it) and that POPF loads
 * VIF, without trapping to the monitor.  Then INT 0x41 (bitmap bit set,
 * IOPL < 3: method 3) must #GP: the monitor checks the frame (IF still 0,
 * VIF 1), sets VIP and resumes at an STI, which must #GP too.  Any other
 * #GP or exception fails with its EIP.  Prints "vme: PASS" and exits 0. */
#include "tests/guest/guest.h"

#define GDT_RAM  0x1000
#define TSS      0x2000
#define IO_BASE  0x88               /* redirection bitmap at TSS + 0x68 */
#define IDT      0x3000
#define NVEC     0x43
#define ESP0     0x9000
#define V86_SP   0x6000
#define COUNT    VARS               /* INT 0x40 handler calls */
#define PHASE    (VARS + 4)         /* 0: expect INT 0x41, 1: expect STI */

#define FL_IF  0x200
#define FL_VM  0x20000
#define FL_VIF 0x80000
#define FL_VIP 0x100000

    BIOS_START16
    PUTS16 m_start
    mov $1, %eax
    cpuid
    bt $1, %edx
    jc have_vme
    PUTS16 m_novme
    EXIT16 2
have_vme:
    mov $gdt, %si                   /* GDT to RAM: LTR marks the TSS busy */
    mov $GDT_RAM, %di
    mov $(gdt_end - gdt), %cx
    cs rep movsb
    movw $v86_int40, 0x40 * 4       /* the 8086 program's vector table */
    movw $0xf000, 0x40 * 4 + 2
    ENTER_PM32 $ESP0
    xor %eax, %eax                  /* TSS: zero, then SS0:ESP0, I/O base */
    mov $TSS, %edi
    mov $(IO_BASE + 4), %ecx
    rep stosb
    movl $ESP0, TSS + 4
    movl $0x10, TSS + 8
    movw $IO_BASE, TSS + 0x66
    orb $0x06, TSS + 0x68 + 0x41 / 8    /* bits 0x41 and 0x42: use the IDT */
    mov $IDT, %edi                  /* IDT: every vector "unexpected" */
    mov $NVEC, %ecx
1:  mov $LIN(unexpected), %eax
    call set_gate
    loop 1b
    mov $IDT + 13 * 8, %edi
    mov $LIN(monitor), %eax
    call set_gate
    lidt LIN(idt_ptr)
    movl $0, COUNT
    movl $0, PHASE
    mov $0x18, %ax
    ltr %ax
    mov %cr4, %eax
    or $1, %eax                     /* VME */
    mov %eax, %cr4
    pushl $0                        /* GS FS DS ES */
    pushl $0
    pushl $0
    pushl $0
    pushl $0                        /* SS:ESP */
    pushl $V86_SP
    pushl $(FL_VM | 2)              /* IOPL 0, IF 0, VIF 0 */
    pushl $0xf000
    pushl $v86_start
    iretl

/* A 32-bit interrupt gate (DPL 0, selector 0x08) to EAX at EDI; EDI += 8. */
set_gate:
    mov %ax, (%edi)
    movw $0x08, 2(%edi)
    shr $16, %eax
    movw $0x8e00, 4(%edi)
    mov %ax, 6(%edi)
    add $8, %edi
    ret

/* #GP: the virtual-8086 monitor.  Frame: error code, EIP, CS, EFLAGS,
 * ESP, SS, ES, DS, FS, GS (data segments were nulled on the way in). */
monitor:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    cmpl $0, (%esp)
    jne bad
    cmpl $0xf000, 8(%esp)
    jne bad
    mov 12(%esp), %edx
    test $FL_VM, %edx
    jz bad
    cmpl $0, PHASE
    jne 1f
    cmpl $v86_done, 4(%esp)         /* INT 0x41: method 3 */
    jne bad
    and $(FL_IF | FL_VIF | FL_VIP), %edx
    cmp $FL_VIF, %edx               /* IF untouched, VIF set by POPF */
    jne bad
    movl $1, PHASE
    movl $v86_sti_vip, 4(%esp)      /* resume at an STI with VIP set */
    andl $~FL_VIF, 12(%esp)
    orl $FL_VIP, 12(%esp)
    add $4, %esp
    iretl
1:  cmpl $v86_sti_vip, 4(%esp)      /* STI with VIP: #GP, VIF still 0 */
    jne bad
    test $FL_VIF, %edx
    jnz bad
    mov $LIN(m_pass), %esi
    call puts32
    EXIT32 EXIT_PASS

bad:
    mov $LIN(m_gp), %esi
    call puts32
    mov 4(%esp), %eax
    call puthex32
    mov $LIN(m_flags), %esi
    call puts32
    mov 12(%esp), %eax
    call puthex32
    mov $LIN(m_crlf), %esi
    call puts32
    EXIT32 3

unexpected:
    mov $0x10, %ax
    mov %ax, %ds
    mov $LIN(m_unexp), %esi
    call puts32
    mov (%esp), %eax                /* EIP (no error code) or error code */
    call puthex32
    mov $LIN(m_crlf), %esi
    call puts32
    EXIT32 4

    PUTHEX_FUNC putc32, %ecx

    SERIAL32_FUNCS

/* ---- the 8086 program (virtual-8086 mode, CS = F000, DS = SS = 0) ---- */
    .code16
v86_start:
    cli                             /* VIF = 0 */
    pushf
    pop %ax
    test $FL_IF, %ax
    jnz v86_fail
    and $0x3000, %ax                /* IOPL reads as 3 */
    cmp $0x3000, %ax
    jne v86_fail
    sti                             /* VIF = 1 */
    pushf
    pop %ax
    test $FL_IF, %ax
    jz v86_fail
    int $0x40                       /* redirected (bitmap bit clear) */
    cmpw $1, COUNT
    jne v86_fail
    pushf                           /* its IRET restored VIF = 1 */
    pop %ax
    test $FL_IF, %ax
    jz v86_fail
    push $0x0002                    /* POPF: VIF from the popped IF */
    popf
    pushf
    pop %ax
    test $FL_IF, %ax
    jnz v86_fail
    push $0x0202
    popf
    pushf
    pop %ax
    test $FL_IF, %ax
    jz v86_fail
v86_done:
    int $0x41                       /* method 3: #GP to the monitor */
v86_fail:
    int $0x42                       /* #GP elsewhere: the monitor fails */
v86_sti_vip:
    sti
    int $0x42

/* INT 0x40 in the 8086 program: VIF was cleared, the image shows VIF. */
v86_int40:
    pushf
    pop %ax
    test $FL_IF, %ax
    jnz 1f
    mov %sp, %bp
    testw $FL_IF, 4(%bp)
    jz 1f
    incw COUNT
1:  iret

    .balign 8
gdt:
    .quad 0
    .quad 0x00cf9a000000ffff        /* 0x08: 32-bit code, flat */
    .quad 0x00cf92000000ffff        /* 0x10: data, flat */
    .quad 0x0000890020000088        /* 0x18: 32-bit TSS at 0x2000, limit 0x88 */
gdt_end:
gdt_ptr:
    .word gdt_end - gdt - 1
    .long GDT_RAM
idt_ptr:
    .word NVEC * 8 - 1
    .long IDT

m_start: .asciz "vme: start\r\n"
m_novme: .asciz "FAIL: CPUID reports no VME (use -cpu qemu64,+vme)\r\n"
m_pass:  .asciz "vme: PASS\r\n"
m_gp:    .asciz "FAIL: unexpected #GP at EIP="
m_flags: .asciz " EFLAGS="
m_unexp: .asciz "FAIL: unexpected exception, top of stack "
m_crlf:  .asciz "\r\n"

    RESET_VECTOR _start
