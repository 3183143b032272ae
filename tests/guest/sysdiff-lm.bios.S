/* sysdiff-lm: long-mode system instructions, scenario by scenario, each
 * ending in a canonical state dump on COM1 (format as in
 * sysdiff-harness.S, 64-bit values) for tests/diff/sys.test, with the
 * results the Intel SDM fixes checked here ("G name ok" / "G name FAIL").
 * Exit 0 when all checks hold, 1 if not.
 *
 * Scenarios: lm-entry (4-level paging, EFER.LME, far jump to 64-bit code),
 * cpuid (leaves 0, 1 and 0x80000001 basics under -cpu qemu64), msr (EFER,
 * STAR, LSTAR, FMASK, KERNEL_GS_BASE; #GP for a non-canonical LSTAR),
 * swapgs, iretq-same, syscall (IRETQ to CPL 3, SYSCALL, SYSRETQ, INT back
 * through TSS.RSP0), pf64 (non-canonical #GP, not-present #PF, NX fetch),
 * int-gate64, double-fault64, iretq-compat (to 32-bit code at CPL 3 and
 * back through the IDT), pf64-more (CPL 3 against supervisor pages, 4-level
 * ignored and reserved bits).  The first scenario to run can be chosen: one
 * byte 'A' + index on COM1. */
#include "tests/guest/guest.h"

#define V_NAME      0x1000
#define V_EXC_VEC   0x1008
#define V_EXC_ERR   0x1010
#define V_EXC_CR2   0x1018
#define V_EXC_CNT   0x1020
#define V_EXC_RIP   0x1028
#define V_REC_RSP   0x1030
#define V_REC_RIP   0x1038
#define V_SUM_START 0x1040
#define V_SUM_LEN   0x1048
#define V_NX        0x1050
#define V_FAILS     0x1058
#define V_CHECKS    0x1060
#define V_SFAILS    0x1068
#define V_TMP       0x1070          /* 16 bytes */
#define V_START     0x1080
#define V_X         0x1100          /* extras: up to X_MAX qwords */
#define X_MAX       128

#define IDT     0x2000
#define GDT     0x3000
#define TSS     0x4000
#define KSTACK  0x7000
#define USTACK  0x8000
#define TSTACK  0x9000
#define PML4    0x10000
#define PDPT    0x11000
#define PD      0x12000

#define NONE        0xffffffff
#define EXC(v, e)   (((v) << 16) | (e))

.macro SCEN name
    .pushsection .rodata
9:  .asciz "\name"
    .popsection
    movl $LIN(9b), V_NAME           /* high half stays 0 */
    call scen_reset                 /* and every GPR but RSP := 0 */
.endm
.macro TRY label
    mov %rsp, V_REC_RSP
    movq $0, V_REC_RIP
    movl $LIN(\label), V_REC_RIP
.endm
.macro CHK want, tag
    .pushsection .rodata
9:  .asciz "\tag"
    .popsection
    mov $LIN(9b), %r11d             /* 32-bit immediates: an ELF32 object */
    push %r11
    mov $\want, %r11d
    push %r11
    call chk
.endm
.macro SUM start, len
    movq $\start, V_SUM_START
    movq $\len, V_SUM_LEN
.endm
/* EAX/RAX := extras[\i] */
.macro XGET i
    mov V_X + 8 * \i, %rax
.endm
.macro RUN fn, index
    cmpq $\index, V_START
    ja 1f
    call \fn
1:
.endm

    .code16
    .section .text.start, "ax"
    .globl _start
_start:
    REAL_MODE_SETUP
    /* the first scenario to run: 'A' + index on COM1 (see sys.test) */
    xor %ebp, %ebp
    mov $0x1000000, %ecx
    mov $UART_LSR, %dx
1:  in %dx, %al
    test $1, %al
    jnz 2f
    addr32 loop 1b
    jmp 3f
2:  mov $UART_RBR, %dx
    in %dx, %al
    sub $'A', %al
    movzbl %al, %ebp
3:  call serial_init16
    /* 8259s: vectors 0x20/0x28, every line masked */
    mov $0x11, %al
    out %al, $PIC1_CMD
    out %al, $PIC2_CMD
    mov $0x20, %al
    out %al, $PIC1_DATA
    mov $0x28, %al
    out %al, $PIC2_DATA
    mov $4, %al
    out %al, $PIC1_DATA
    mov $2, %al
    out %al, $PIC2_DATA
    mov $1, %al
    out %al, $PIC1_DATA
    out %al, $PIC2_DATA
    mov $0xff, %al
    out %al, $PIC1_DATA
    out %al, $PIC2_DATA
    mov $0x100, %ax                 /* clear 0x1000-0x10fff */
    mov %ax, %es
    xor %eax, %eax
    xor %di, %di
    mov $0x4000, %cx
    rep stosl
    mov $0x1000, %ax                /* and 0x10000-0x17fff */
    mov %ax, %es
    xor %eax, %eax
    xor %di, %di
    mov $0x2000, %cx
    rep stosl
    xor %ax, %ax
    mov %ax, %es
    mov %ebp, V_START
    mov $gdt_rom, %si
    mov $GDT, %di
    mov $(gdt_rom_end - gdt_rom), %cx
    cs rep movsb
    lgdtl %cs:gdt_ptr
    mov %cr0, %eax
    or $1, %eax
    mov %eax, %cr0
    ljmpl $0x40, $LIN(pm32)

    SERIAL16_FUNCS

    .code32
pm32:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov $KSTACK, %esp
    /* 4-level tables: 1 GiB identity with 2 MiB user pages */
    movl $PDPT | 7, PML4
    movl $PD | 7, PDPT
    mov $PD, %edi
    mov $0x87, %eax
    mov $512, %ecx
1:  mov %eax, (%edi)
    add $0x200000, %eax
    add $8, %edi
    loop 1b
    orl $0x80000000, PD + 8 + 4     /* 2-4 MiB: execute-disable */
    andl $~4, PD + 2 * 8            /* 4-6 MiB: supervisor only */
    orl $0x00800000, PD + 3 * 8 + 4 /* 6-8 MiB: bit 55, ignored */
    orl $0x00080000, PD + 4 * 8 + 4 /* 8-10 MiB: bit 51, reserved */
    mov %cr4, %eax
    or $0x20, %eax
    mov %eax, %cr4
    mov $PML4, %eax
    mov %eax, %cr3
    mov $0xc0000080, %ecx
    rdmsr
    or $0x901, %eax                 /* LME, NXE, SCE */
    wrmsr
    mov %cr0, %eax
    or $0x80000000, %eax
    mov %eax, %cr0
    ljmp $0x08, $LIN(lm64)

    SERIAL32_FUNCS

    .code64
lm64:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov %ax, %fs
    mov %ax, %gs
    mov $KSTACK, %rsp
    call setup64

    RUN sc_lm_entry, 0
    RUN sc_cpuid, 1
    RUN sc_msr, 2
    RUN sc_swapgs, 3
    RUN sc_iretq_same, 4
    RUN sc_syscall, 5
    RUN sc_pf64, 6
    RUN sc_int_gate64, 7
    RUN sc_double_fault64, 8
    RUN sc_iretq_compat, 9
    RUN sc_pf64_more, 10

    lea m_done(%rip), %rsi
    call puts64
    cmpq $0, V_FAILS
    jne some_failed
    mov $0, %al
    out %al, $DEBUG_EXIT
    hlt
some_failed:
    mov $1, %al
    out %al, $DEBUG_EXIT
    hlt

/* IDT: 0-31 to the stubs, 0x40 interrupt gate DPL 0, 0x80 DPL 3; TSS
 * with RSP0. */
setup64:
    xor %ecx, %ecx
1:  mov %rcx, %rax
    shl $4, %rax
    add $LIN(exc_stubs), %eax
    mov $0x8e00, %edx
    call set_gate
    inc %ecx
    cmp $32, %ecx
    jb 1b
    mov $0x40, %ecx
    mov $LIN(gate_handler), %eax
    mov $0x8e00, %edx
    call set_gate
    mov $0x80, %ecx
    mov $LIN(int80), %eax
    mov $0xee00, %edx
    call set_gate
    movw $0xfff, V_TMP
    movq $IDT, V_TMP + 2
    lidt V_TMP
    movq $TSTACK, TSS + 4
    movw $0x68, TSS + 0x66
    mov $0x30, %ax
    ltr %ax
    ret

/* set_gate: vector ECX, handler EAX (below 4 GiB), attributes DX. */
set_gate:
    mov %rcx, %rbx
    shl $4, %rbx
    add $IDT, %rbx
    mov %ax, (%rbx)
    movw $0x08, 2(%rbx)
    mov %dx, 4(%rbx)
    shr $16, %eax
    mov %ax, 6(%rbx)
    movl $0, 8(%rbx)
    movl $0, 12(%rbx)
    ret

/* CPL 3 code at RAX (CS 0x2b, SS 0x23, RSP USTACK, RFLAGS RDX) until INT
 * 0x80 or a fault. */
run_user:
    TRY 1f
    push $0x23
    push $USTACK
    push %rdx
    push $0x2b
    push %rax
    iretq
1:  ret

int80:
    push %rax
    mov 8(%rsp), %rax
    call xput
    mov 16(%rsp), %rax
    call xput
    mov 24(%rsp), %rax
    call xput
    mov 32(%rsp), %rax
    call xput
    mov 40(%rsp), %rax
    call xput
    lea 8(%rsp), %rax
    call xput
    pop %rax
    jmp resume

gate_handler:
    push %rax
    pushfq
    pop %rax
    call xput
    mov 24(%rsp), %rax              /* pushed RFLAGS */
    call xput
    mov 40(%rsp), %rax              /* pushed SS */
    call xput
    lea 8(%rsp), %rax
    call xput
    pop %rax
    iretq

/* ---------------------------------------------------------------- */
sc_lm_entry:
    SCEN lm-entry
    mov $0xc0000080, %ecx
    rdmsr
    and $0x500, %eax
    CHK (0x500), efer.lme.lma
    xor %eax, %eax
    mov %cs, %ax
    CHK (0x08), cs
    movabs $0x0123456789abcdef, %r8
    mov %r8, %r9
    ror $8, %r9
    ror $1, %r8                     /* defines OF, which ROR by 8 leaves */
    call dump                       /* undefined (Intel and AMD differ) */
    ret

/* cpuid: leaf 0 (max leaf, vendor), leaf 1 EAX/EBX (signature, APIC ID
 * 0), 0x80000001 EDX bits LM, NX, SYSCALL.  Other feature bits depend on
 * what the host KVM can offer, so they are not compared. */
sc_cpuid:
    SCEN cpuid
    xor %eax, %eax
    cpuid
    call xput
    mov %rbx, %rax
    call xput
    mov %rdx, %rax
    call xput
    mov %rcx, %rax
    call xput
    mov $1, %eax
    cpuid
    call xput
    mov %rbx, %rax
    call xput
    mov $0x80000001, %eax
    cpuid
    mov %edx, %eax
    and $0x20100800, %eax
    call xput
    CHK (0x20100800), lm.nx.syscall
    xor %eax, %eax
    xor %ebx, %ebx
    xor %ecx, %ecx
    xor %edx, %edx
    call dump
    ret

/* msr: writes read back; a non-canonical LSTAR and an EFER reserved bit
 * give #GP(0) (SDM vol. 4, WRMSR).  The LSTAR value has bit 63 set and
 * bits 62:47 clear: non-canonical at 48 and at 57 bits, for processors
 * with 5-level paging check MSR addresses at 57 bits whatever CR4.LA57. */
.macro WRMSR64 msr, hi, lo
    mov $\msr, %ecx
    mov $\hi, %edx
    mov $\lo, %eax
    wrmsr
.endm
.macro RDMSR64 msr
    mov $\msr, %ecx
    rdmsr
    shl $32, %rdx
    or %rdx, %rax
    call xput
.endm
sc_msr:
    SCEN msr
    WRMSR64 0xc0000081, 0x00180008, 0
    RDMSR64 0xc0000081
    shr $32, %rax
    CHK (0x00180008), star
    WRMSR64 0xc0000082, 0, LIN(syscall_entry)
    RDMSR64 0xc0000082
    CHK (LIN(syscall_entry)), lstar
    WRMSR64 0xc0000084, 0, 0x40700
    RDMSR64 0xc0000084
    CHK (0x40700), fmask
    WRMSR64 0xc0000102, 0x1234, 0x56789abc
    RDMSR64 0xc0000102
    shr $32, %rax
    CHK (0x1234), kgsbase
    TRY 1f
    WRMSR64 0xc0000082, 0x80000000, 0
1:  mov V_EXC_VEC, %rax
    shl $16, %rax
    or V_EXC_ERR, %ax
    call xput
    CHK (EXC(13,0)), lstar.noncanonical
    RDMSR64 0xc0000082
    CHK (LIN(syscall_entry)), lstar.kept
    movq $0, V_EXC_CNT
    movq $0, V_EXC_VEC
    movl $NONE, V_EXC_VEC
    TRY 2f
    mov $0xc0000080, %ecx
    rdmsr
    or $0x4, %eax                   /* reserved */
    wrmsr
2:  mov V_EXC_VEC, %rax
    call xput
    CHK (13), efer.reserved
    RDMSR64 0xc0000080
    CHK (0xd01), efer
    call dump
    ret

/* swapgs: exchanges GS.base and KERNEL_GS_BASE. */
sc_swapgs:
    SCEN swapgs
    WRMSR64 0xc0000101, 0, 0x5000
    WRMSR64 0xc0000102, 0, 0x6000
    movq $0x1111, 0x5008
    movq $0x2222, 0x6008
    mov %gs:8, %rax
    call xput
    CHK (0x1111), before
    swapgs
    mov %gs:8, %rax
    call xput
    CHK (0x2222), after
    RDMSR64 0xc0000101
    CHK (0x6000), gsbase
    RDMSR64 0xc0000102
    CHK (0x5000), kgsbase
    swapgs
    RDMSR64 0xc0000101
    CHK (0x5000), gsbase.back
    call dump
    ret

/* iretq-same: IRETQ at CPL 0 pops SS:RSP too, loads RFLAGS. */
sc_iretq_same:
    SCEN iretq-same
    mov %rsp, %rbx
    push $0x10
    push %rbx
    push $0x40cd7
    push $0x08
    mov $LIN(1f), %eax
    push %rax
    iretq
1:  pushfq
    pop %rax
    push $2
    popfq
    call xput
    CHK (0x40cd7), rflags
    mov %rsp, %rax
    sub %rbx, %rax
    call xput
    CHK (0), rsp
    call dump
    ret

/* syscall: IRETQ to CPL 3, SYSCALL (RCX = return RIP, R11 = RFLAGS,
 * CS = STAR[47:32], SS = +8, RFLAGS &= ~FMASK), SYSRETQ (CS =
 * STAR[63:48] + 16 | 3, SS = + 8 | 3), INT 0x80 back via TSS.RSP0. */
sc_syscall:
    SCEN syscall
    SUM (TSTACK-0x40), (0x40)
    WRMSR64 0xc0000081, 0x00180008, 0
    WRMSR64 0xc0000082, 0, LIN(syscall_entry)
    WRMSR64 0xc0000084, 0, 0x40700
    mov $LIN(user_syscall), %eax
    mov $0x40a03, %edx              /* AC, OF, IF... as the user runs */
    and $~0x200, %edx
    call run_user
    XGET 0
    CHK (0x2b), user.cs
    XGET 1
    CHK (0x23), user.ss
    XGET 2
    CHK (LIN(after_syscall)), k.rcx
    XGET 3
    CHK (0x40803), k.r11
    XGET 4
    CHK (0x08), k.cs
    XGET 5
    CHK (0x10), k.ss
    XGET 6
    CHK (0x803), k.rflags
    XGET 7
    CHK (0x2b), sysret.cs
    XGET 8
    CHK (0x23), sysret.ss
    XGET 9
    CHK (0x40803), sysret.rflags
    XGET 14
    CHK (0x23), int80.ss
    XGET 15
    CHK (TSTACK-40), int80.frame
    call dump
    ret

user_syscall:
    xor %eax, %eax
    mov %cs, %ax
    call xput
    mov %ss, %ax
    call xput
    mov $0x40803, %eax              /* AC, OF, CF, bit 1 */
    push %rax
    popfq
    syscall
after_syscall:
    pushfq
    xor %eax, %eax
    mov %cs, %ax
    call xput
    mov %ss, %ax
    call xput
    pop %rax
    call xput
    int $0x80

syscall_entry:
    pushfq
    pop %r10
    mov %rcx, %rax
    call xput
    mov %r11, %rax
    call xput
    xor %eax, %eax
    mov %cs, %ax
    call xput
    mov %ss, %ax
    call xput
    mov %r10, %rax
    call xput
    sysretq

/* pf64: a non-canonical address -> #GP(0); beyond the mapped 1 GiB ->
 * #PF (not present), CR2; a fetch from an XD page -> #PF P|I/D. */
sc_pf64:
    SCEN pf64
    movabs $0x0000800000000000, %rbx
    TRY 1f
    mov (%rbx), %rax
1:  call xexc
    XGET 0
    CHK (EXC(13,0)), noncanonical
    mov $0x40000010, %ebx
    TRY 2f
    movq $1, (%rbx)
2:  mov V_EXC_CR2, %rax
    call xput
    CHK (0x40000010), np.cr2
    call xexc
    XGET 2
    CHK (EXC(14,2)), np.write
    mov $0x200000, %ebx
    TRY 3f
    call *%rbx
3:  mov V_EXC_CR2, %rax
    call xput
    CHK (0x200000), nx.cr2
    call xexc
    XGET 4
    CHK (EXC(14,0x11)), nx.fetch
    call dump
    ret

/* int-gate64: INT 0x40 at CPL 0 pushes SS:RSP as well (RSP aligned to
 * 16 first), clears IF; IRETQ back. */
sc_int_gate64:
    SCEN int-gate64
    SUM (KSTACK-0x60), (0x60)
    sti                             /* RSP = KSTACK - 8: realigned */
    int $0x40
    cli
    XGET 0
    and $0x200, %eax
    CHK (0), handler.if
    XGET 1
    and $0x200, %eax
    CHK (0x200), pushed.if
    XGET 2
    CHK (0x10), pushed.ss
    XGET 3
    CHK (KSTACK-16-40), frame
    call dump
    ret

/* double-fault64: #GP through a not-present IDT entry -> #DF(0). */
sc_double_fault64:
    SCEN double-fault64
    andb $0x7f, IDT + 13 * 16 + 5
    mov $0x48, %ax
    TRY 1f
    mov %ax, %fs
1:  orb $0x80, IDT + 13 * 16 + 5
    mov $0x10, %ax
    mov %ax, %fs
    call xexc
    XGET 0
    CHK (EXC(8,0)), df
    call dump
    ret

/* iretq-compat: IRETQ from 64-bit CPL 0 to 32-bit compatibility-mode code
 * at CPL 3 (CS 0x1b), which reads CS and comes back by INT 0x80: the
 * 64-bit frame holds CS 0x1b, SS 0x23 and the 32-bit ESP. */
sc_iretq_compat:
    SCEN iretq-compat
    SUM (TSTACK-0x40), (0x40)
    TRY 1f
    push $0x23
    push $USTACK-0x10
    push $2
    push $0x1b
    mov $LIN(compat_code), %eax
    push %rax
    iretq
1:  mov %ecx, %ecx                  /* upper halves: undefined after compat */
    mov %ecx, %eax
    call xput
    CHK (0x1b), compat.cs
    XGET 0
    CHK (LIN(compat_after)), frame.rip
    XGET 1
    CHK (0x1b), frame.cs
    XGET 3
    CHK (USTACK-0x10), frame.rsp
    XGET 4
    CHK (0x23), frame.ss
    xor %eax, %eax                  /* IRET to CPL 3 nulled DS (DPL 0) */
    mov %ds, %ax
    CHK (0), ds.nulled
    call dump
    ret

    .code32
compat_code:
    xor %ecx, %ecx
    mov %cs, %cx
    int $0x80
compat_after:
    .code64

/* pf64-more: CPL 3 read, write and fetch of a supervisor page -> #PF with
 * U (and W, I/D); bit 55 of a 4-level entry is ignored, bit 51 (above
 * MAXPHYADDR) reserved -> P|RSVD. */
sc_pf64_more:
    SCEN pf64-more
    mov $LIN(uf64_read), %eax
    mov $2, %edx
    call run_user
    call xexc
    XGET 0
    CHK (EXC(14,5)), user.read
    xor %eax, %eax                  /* IRETQ to CPL 3 nulled DS (DPL 0) */
    mov %ds, %ax
    CHK (0), ds.nulled
    mov $LIN(uf64_write), %eax
    mov $2, %edx
    call run_user
    call xexc
    XGET 1
    CHK (EXC(14,7)), user.write
    mov $0x400000, %eax
    mov $2, %edx
    call run_user                   /* fetch at 0x400000 itself */
    call xexc
    XGET 2
    CHK (EXC(14,0x15)), user.fetch
    mov V_EXC_CR2, %rax
    call xput
    CHK (0x400000), user.fetch.cr2
    mov 0x600008, %rax              /* bit 55 ignored: a plain read */
    call xexc
    XGET 4
    CHK (NONE), ignored.bit55
    TRY 1f
    mov 0x800008, %rax
1:  call xexc
    XGET 5
    CHK (EXC(14,9)), reserved.bit51
    call dump
    ret

uf64_read:
    mov 0x400010, %rax
    int $0x80
uf64_write:
    movq $1, 0x400018
    int $0x80

/* ---------------------------------------------------------------- */
scen_reset:
    movq $0, V_EXC_CNT
    movq $0, V_EXC_VEC
    movl $NONE, V_EXC_VEC
    movq $0, V_EXC_ERR
    movl $NONE, V_EXC_ERR
    movq $0, V_EXC_CR2
    movq $0, V_NX
    movq $0, V_SUM_LEN
    movq $0, V_CHECKS
    movq $0, V_SFAILS
    movq $0, V_REC_RIP
    .irp r, rax, rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15
    xor %\r, %\r
    .endr
    ret

xput:
    push %rbx
    mov V_NX, %rbx
    cmp $X_MAX, %rbx
    jae 1f
    mov %rax, V_X(,%rbx,8)
    incq V_NX
1:  pop %rbx
    ret

xexc:
    push %rax
    mov $NONE, %eax
    cmpq $0, V_EXC_CNT
    je 1f
    mov V_EXC_VEC, %rax
    shl $16, %rax
    or V_EXC_ERR, %ax
1:  call xput
    movq $0, V_EXC_CNT
    movq $0, V_EXC_VEC
    movl $NONE, V_EXC_VEC
    movq $0, V_EXC_ERR
    movl $NONE, V_EXC_ERR
    pop %rax
    ret

/* chk(want, tag) on the stack: compare RAX. */
chk:
    incq V_CHECKS
    cmp 8(%rsp), %rax
    je 1f
    incq V_FAILS
    incq V_SFAILS
    push %rsi
    lea s_g(%rip), %rsi
    call puts64
    mov V_NAME, %rsi
    call puts64
    lea s_gfail(%rip), %rsi
    call puts64
    mov 24(%rsp), %rsi
    call puts64
    lea s_got(%rip), %rsi
    call puts64
    call puthex64
    lea s_want(%rip), %rsi
    call puts64
    push %rax
    mov 24(%rsp), %rax
    call puthex64
    pop %rax
    lea s_crlf(%rip), %rsi
    call puts64
    pop %rsi
1:  ret $16

putc64:
    push %rax
    push %rcx
    push %rdx
    mov %al, %ah
    mov $0xffff, %ecx
    mov $UART_LSR, %dx
1:  in %dx, %al
    test $0x20, %al
    jnz 2f
    loop 1b
2:  mov %ah, %al
    mov $UART_THR, %dx
    out %al, %dx
    pop %rdx
    pop %rcx
    pop %rax
    ret

puts64:
    push %rax
    push %rsi
1:  lodsb
    test %al, %al
    jz 2f
    call putc64
    jmp 1b
2:  pop %rsi
    pop %rax
    ret

puthex64:
    push %rax
    push %rcx
    push %rdx
    mov %rax, %rdx
    mov $16, %ecx
1:  rol $4, %rdx
    mov %dl, %al
    and $0xf, %al
    add $'0', %al
    cmp $'9', %al
    jbe 2f
    add $('a' - '0' - 10), %al
2:  call putc64
    loop 1b
    pop %rdx
    pop %rcx
    pop %rax
    ret

/* " KEY=" (RSI) and RAX in hex. */
putkv:
    push %rax
    mov $' ', %al
    call putc64
    call puts64
    mov $'=', %al
    call putc64
    pop %rax
    jmp puthex64

put_prefix:
    push %rsi
    lea s_s(%rip), %rsi
    call puts64
    mov V_NAME, %rsi
    call puts64
    pop %rsi
    ret

/* RDMSR ECX -> RAX */
rdmsr64:
    push %rdx
    rdmsr
    shl $32, %rdx
    or %rdx, %rax
    pop %rdx
    ret

/* dump: the registers as at the call. */
dump:
    pushfq
    push %r15
    push %r14
    push %r13
    push %r12
    push %r11
    push %r10
    push %r9
    push %r8
    push %rbp
    push %rdi
    push %rsi
    push %rdx
    push %rcx
    push %rbx
    push %rax
    mov %rsp, %rbp
    call put_prefix
    lea k_gprs(%rip), %rsi
    xor %ebx, %ebx
1:  mov (%rbp,%rbx,8), %rax
    call putkv
2:  lodsb                           /* next name */
    test %al, %al
    jnz 2b
    inc %ebx
    cmp $15, %ebx
    jb 1b
    lea 136(%rbp), %rax             /* RSP before the call */
    lea k_rsp(%rip), %rsi
    call putkv
    mov 120(%rbp), %rax
    lea k_rfl(%rip), %rsi
    call putkv
    mov %cr0, %rax
    lea k_cr0(%rip), %rsi
    call putkv
    mov %cr2, %rax
    lea k_cr2(%rip), %rsi
    call putkv
    mov %cr3, %rax
    lea k_cr3(%rip), %rsi
    call putkv
    mov %cr4, %rax
    lea k_cr4(%rip), %rsi
    call putkv
    lea k_msrs(%rip), %rsi
    lea msr_list(%rip), %rdi
3:  mov (%rdi), %ecx
    test %ecx, %ecx
    jz 4f
    call rdmsr64
    call putkv
5:  lodsb
    test %al, %al
    jnz 5b
    add $4, %rdi
    jmp 3b
4:  xor %eax, %eax
    mov %cs, %ax
    lea k_cs(%rip), %rsi
    call putkv
    mov %ss, %ax
    lea k_ss(%rip), %rsi
    call putkv
    mov %ds, %ax
    lea k_ds(%rip), %rsi
    call putkv
    mov %es, %ax
    lea k_es(%rip), %rsi
    call putkv
    mov %fs, %ax
    lea k_fs(%rip), %rsi
    call putkv
    mov %gs, %ax
    lea k_gs(%rip), %rsi
    call putkv
    str %ax
    lea k_tr(%rip), %rsi
    call putkv
    sgdt V_TMP
    mov V_TMP + 2, %rax
    lea k_gdtr(%rip), %rsi
    call putkv
    mov $'/', %al
    call putc64
    movzwl V_TMP, %eax
    call puthex64
    sidt V_TMP
    mov V_TMP + 2, %rax
    lea k_idtr(%rip), %rsi
    call putkv
    mov $'/', %al
    call putc64
    movzwl V_TMP, %eax
    call puthex64
    mov V_EXC_VEC, %rax
    lea k_exc(%rip), %rsi
    call putkv
    mov $'/', %al
    call putc64
    mov V_EXC_ERR, %rax
    call puthex64
    mov $'/', %al
    call putc64
    mov V_EXC_CR2, %rax
    call puthex64
    mov $'/', %al
    call putc64
    mov V_EXC_CNT, %rax
    call puthex64
    mov V_SUM_START, %rsi
    mov V_SUM_LEN, %rcx
    xor %edx, %edx
    jrcxz 7f
6:  rol $5, %edx
    movzbl (%rsi), %eax
    add %eax, %edx
    inc %rsi
    loop 6b
7:  mov %edx, %eax
    lea k_sum(%rip), %rsi
    call putkv
    lea s_crlf(%rip), %rsi
    call puts64
    xor %ebx, %ebx                  /* extras, four per line */
8:  cmp V_NX, %rbx
    jae 11f
    call put_prefix
    lea s_x(%rip), %rsi
    call puts64
    xor %ecx, %ecx
9:  mov $' ', %al
    call putc64
    mov V_X(,%rbx,8), %rax
    call puthex64
    inc %rbx
    inc %ecx
    cmp V_NX, %rbx
    jae 10f
    cmp $4, %ecx
    jb 9b
10: lea s_crlf(%rip), %rsi
    call puts64
    jmp 8b
11: cmpq $0, V_CHECKS
    je 12f
    cmpq $0, V_SFAILS
    jne 12f
    lea s_g(%rip), %rsi
    call puts64
    mov V_NAME, %rsi
    call puts64
    lea s_gok(%rip), %rsi
    call puts64
    mov V_CHECKS, %rax
    call puthex64
    lea s_crlf(%rip), %rsi
    call puts64
12: pop %rax
    pop %rbx
    pop %rcx
    pop %rdx
    pop %rsi
    pop %rdi
    pop %rbp
    pop %r8
    pop %r9
    pop %r10
    pop %r11
    pop %r12
    pop %r13
    pop %r14
    pop %r15
    popfq
    ret

    .balign 16
exc_stubs:
    .set stubv, 0
    .rept 32
    .balign 16
    .if (stubv == 8) || (stubv == 10) || (stubv == 11) || (stubv == 12) || (stubv == 13) || (stubv == 14) || (stubv == 17)
    .else
    push $-1                        /* no error code: NONE */
    .endif
    push $stubv
    jmp exc_common
    .set stubv, stubv + 1
    .endr

exc_common:
    push %rax
    mov 8(%rsp), %rax
    mov %rax, V_EXC_VEC
    mov 16(%rsp), %rax
    mov %eax, %eax
    mov %rax, V_EXC_ERR
    mov 24(%rsp), %rax
    mov %rax, V_EXC_RIP
    mov %cr2, %rax
    mov %rax, V_EXC_CR2
    incq V_EXC_CNT
    pop %rax
resume:
    cmpq $0, V_REC_RIP
    je unexpected
    mov $0x10, %ax
    mov %ax, %ss
    mov V_REC_RSP, %rsp
    push V_REC_RIP
    movq $0, V_REC_RIP
    ret

unexpected:
    lea s_unexp(%rip), %rsi
    call puts64
    mov V_NAME, %rsi
    call puts64
    mov V_EXC_VEC, %rax
    lea k_exc(%rip), %rsi
    call putkv
    mov V_EXC_ERR, %rax
    lea k_err(%rip), %rsi
    call putkv
    mov V_EXC_RIP, %rax
    lea k_rip(%rip), %rsi
    call putkv
    lea s_crlf(%rip), %rsi
    call puts64
    mov $3, %al
    out %al, $DEBUG_EXIT
    hlt

msr_list:
    .long 0xc0000080, 0xc0000081, 0xc0000082, 0xc0000084
    .long 0xc0000100, 0xc0000101, 0xc0000102, 0
k_msrs:  .asciz "EFER"
         .asciz "STAR"
         .asciz "LSTAR"
         .asciz "FMASK"
         .asciz "FSBASE"
         .asciz "GSBASE"
         .asciz "KGSBASE"
k_gprs:  .asciz "RAX"
         .asciz "RBX"
         .asciz "RCX"
         .asciz "RDX"
         .asciz "RSI"
         .asciz "RDI"
         .asciz "RBP"
         .asciz "R8"
         .asciz "R9"
         .asciz "R10"
         .asciz "R11"
         .asciz "R12"
         .asciz "R13"
         .asciz "R14"
         .asciz "R15"
k_rsp:   .asciz "RSP"
k_rfl:   .asciz "RFLAGS"
k_cr0:   .asciz "CR0"
k_cr2:   .asciz "CR2"
k_cr3:   .asciz "CR3"
k_cr4:   .asciz "CR4"
k_cs:    .asciz "CS"
k_ss:    .asciz "SS"
k_ds:    .asciz "DS"
k_es:    .asciz "ES"
k_fs:    .asciz "FS"
k_gs:    .asciz "GS"
k_tr:    .asciz "TR"
k_gdtr:  .asciz "GDTR"
k_idtr:  .asciz "IDTR"
k_exc:   .asciz "EXC"
k_err:   .asciz "ERR"
k_rip:   .asciz "RIP"
k_sum:   .asciz "SUM"
s_s:     .asciz "S "
s_x:     .asciz " X"
s_g:     .asciz "G "
s_gok:   .asciz " ok "
s_gfail: .asciz " FAIL "
s_got:   .asciz " got="
s_want:  .asciz " want="
s_crlf:  .asciz "\r\n"
s_unexp: .asciz "U unexpected exception in "
m_done:  .asciz "D sysdiff-lm done\r\n"

    .balign 8
gdt_rom:
    .quad 0
    .quad 0x00af9a000000ffff        /* 0x08 code64 DPL0 */
    .quad 0x00cf92000000ffff        /* 0x10 data DPL0 */
    .quad 0x00cffa000000ffff        /* 0x18 code32 DPL3 (SYSRET base) */
    .quad 0x00cff2000000ffff        /* 0x20 data DPL3 */
    .quad 0x00affa000000ffff        /* 0x28 code64 DPL3 */
    .quad 0x0000890040000067        /* 0x30 TSS64 (0x4000), 16 bytes */
    .quad 0
    .quad 0x00cf9a000000ffff        /* 0x40 code32 DPL0 (the way in) */
gdt_rom_end:
gdt_ptr:
    .word gdt_rom_end - gdt_rom - 1
    .long GDT

    RESET_VECTOR _start
