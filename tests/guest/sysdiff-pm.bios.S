/* sysdiff-pm: protected-mode system instructions, one scenario after
 * another, each ending in a canonical state dump on COM1 (see
 * sysdiff-harness.S for the line format) so tests/diff/sys.test can compare
 * TCG with KVM scenario by scenario.  Results that the Intel SDM fixes
 * (error codes, CR2, segment-load outcomes, A/D bits...) are also checked
 * here ("G name ok" / "G name FAIL ..."); exit 0 when all hold, 1 if not.
 *
 * Scenarios: rm-to-pm, segload (many descriptor types into DS and SS),
 * exceptions (#DE, #BP, #UD, #OF), int-gates (trap vs
 * interrupt gate), iret-same, iret-outer (to CPL 3), callgate (CPL 3 -> 0
 * with parameters, far RET back), gate-faults, task-switch (CALL to a TSS,
 * IRET with NT back), paging-32 (every page-fault kind, CR0.WP, A/D),
 * paging-pse, paging-pae (NX with EFER.NXE, reserved bits), invlpg,
 * double-fault, pm-to-rm (and back), lar-lsl-verw (the segload selectors),
 * sysenter (SYSENTER/SYSEXIT), far-loads (CS by far JMP/CALL, LSS, POP DS,
 * LDS), iret16.  The first scenario to run can be chosen: one byte 'A' + index on
 * COM1 before the program starts polling (it waits about a second). */
#include "tests/guest/guest.h"
#include "tests/guest/sysdiff-harness.S"

#define IDT     0x2000
#define GDT     0x3000
#define LDT     0x3800
#define TSS1    0x4000
#define TSS2    0x4100
#define KSTACK  0x7000          /* the harness stack (CPL 0) */
#define USTACK  0x8000          /* CPL 3 */
#define TSTACK  0x9000          /* TSS1.ESP0: CPL 3 -> 0 transitions */
#define T2STACK 0xa000          /* the second task */
#define PD      0x10000
#define PT0     0x11000
#define PT1     0x12000
#define PDPT    0x13000
#define PAEPD   0x14000
#define PAEPT0  0x15000
#define PAEPT2  0x16000
#define TPAGE   0x400000        /* test pages, 4 KiB each from here */
#define V_START 0x1050          /* index of the first scenario to run */

/* Run scenario function \fn unless it comes before the first one asked. */
.macro RUN fn, index
    cmpl $\index, V_START
    ja 1f
    call \fn
1:
.endm

/* Golden check of EAX against the dword at offset \off of the current
 * segtab row (ESI); 0xfffffffe there means "not fixed by the SDM". */
.macro CHK_TAB off
    cmpl $0xfffffffe, \off(%esi)
    je 8f
    push $LIN(s_segtab)
    push \off(%esi)
    call chk
8:
.endm

#define GP(s) EXC(13, s)
#define NP(s) EXC(11, s)
#define SSF(s) EXC(12, s)
#define ANY 0xfffffffe

/* Access at \addr; golden: the error code \err (NONE: no fault) and
 * CR2 = \addr when it faults. */
.macro PF_READ addr, err, tag
    TRY 1f
    mov \addr, %eax
1:  PF_CHECK \addr, \err, \tag
.endm
.macro PF_WRITE addr, err, tag
    TRY 1f
    movl $0x5a5a5a5a, \addr
1:  PF_CHECK \addr, \err, \tag
.endm
.macro PF_CHECK addr, err, tag
    .if \err == NONE
    mov V_EXC_CNT, %eax
    CHK 0, \tag
    .else
    mov V_EXC_CR2, %eax
    CHK \addr, \tag\().cr2
    mov V_EXC_ERR, %eax
    CHK \err, \tag\().err
    .endif
    mov V_EXC_CR2, %eax
    call xput
    XEXC
.endm
.macro PF_USER fn, err, addr, tag
    mov $LIN(\fn), %eax
    mov $0x2, %edx
    call run_user
    PF_CHECK \addr, \err, \tag
.endm

    .code16
    .section .text.start, "ax"
    .globl _start
_start:
    REAL_MODE_SETUP
    call read_start                 /* before serial_init16 clears the FIFO */
    call serial_init16
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
    /* clear 0x1000-0x17fff (variables, tables, stacks, page tables) */
    mov $0x100, %ax
    mov %ax, %es
    xor %di, %di
    xor %eax, %eax
    mov $0x4000, %cx
    rep stosl
    mov $0x1000, %ax
    mov %ax, %es
    xor %eax, %eax
    xor %di, %di
    mov $0x2000, %cx
    rep stosl
    xor %ax, %ax
    mov %ax, %es
    mov %ebp, V_START
    /* GDT and LDT into RAM (the CPU writes accessed and busy bits) */
    mov $gdt_rom, %si
    mov $GDT, %di
    mov $(gdt_rom_end - gdt_rom), %cx
    cs rep movsb
    mov $ldt_rom, %si
    mov $LDT, %di
    mov $(ldt_rom_end - ldt_rom), %cx
    cs rep movsb
    lgdtl %cs:gdt_ptr
    mov %cr0, %eax
    or $1, %eax
    mov %eax, %cr0
    ljmpl $0x08, $LIN(pm32)

    SERIAL16_FUNCS

/* EBP = the first scenario to run: one byte 'A' + index on COM1 (sys.test sends
 * it so a run can resume after a scenario the host KVM cannot execute);
 * none within a bounded wait: start with the first. */
read_start:
    xor %ebp, %ebp
    mov $0x1000000, %ecx
    mov $UART_LSR, %dx
1:  in %dx, %al
    test $1, %al
    jnz 2f
    addr32 loop 1b
    ret
2:  mov $UART_RBR, %dx
    in %dx, %al
    sub $'A', %al
    movzbl %al, %ebp
    ret

    .code32
pm32:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov %ax, %fs
    mov %ax, %gs
    mov $KSTACK, %esp
    call setup_tables

    RUN sc_rm_to_pm, 0
    RUN sc_segload, 1
    RUN sc_exceptions, 2
    RUN sc_int_gates, 3
    RUN sc_iret_same, 4
    RUN sc_iret_outer, 5
    RUN sc_callgate, 6
    RUN sc_gate_faults, 7
    RUN sc_task_switch, 8
    RUN sc_paging32, 9
    RUN sc_paging_pse, 10
    RUN sc_paging_pae, 11
    RUN sc_invlpg, 12
    RUN sc_double_fault, 13
    RUN sc_pm_to_rm, 14
    RUN sc_lar, 15
    RUN sc_sysenter, 16
    RUN sc_far_loads, 17
    RUN sc_iret16, 18

    mov $LIN(m_done), %esi
    call puts32
    cmpl $0, V_FAILS
    jne some_failed
    EXIT32 0
some_failed:
    EXIT32 1

sc_rm_to_pm:
    SCEN rm-to-pm
    mov %cr0, %eax
    and $1, %eax
    CHK (1), cr0.pe
    xor %eax, %eax
    mov %cs, %ax
    CHK (0x08), cs
    mov $0x12345678, %eax
    mov $0x9abcdef0, %ebx
    call dump
    ret

/* IDT: vectors 0-31 to the harness stubs; 0x40 trap gate, 0x41 interrupt
 * gate (both DPL 0), 0x80 interrupt gate DPL 3 (CPL 3 code ends with
 * INT 0x80).  TSS1 with ESP0; TR and LDTR loaded; TSS2 for the task switch;
 * the call gate 0x48 (DPL 3, two parameters) and 0xb0 (DPL 0). */
setup_tables:
    xor %ecx, %ecx
1:  mov %ecx, %eax
    shl $4, %eax
    add $LIN(exc_stubs), %eax
    mov $0x8e00, %edx
    call set_gate
    inc %ecx
    cmp $32, %ecx
    jb 1b
    mov $0x40, %ecx
    mov $LIN(gate_handler), %eax
    mov $0x8f00, %edx
    call set_gate
    mov $0x41, %ecx
    mov $0x8e00, %edx
    call set_gate
    mov $0x80, %ecx
    mov $LIN(int80), %eax
    mov $0xee00, %edx
    call set_gate
    movw $0x7ff, V_TMP
    movl $IDT, V_TMP + 2
    lidtl V_TMP
    /* call gates */
    mov $LIN(gate_target), %eax
    mov %ax, GDT + 0x48
    movw $0x08, GDT + 0x4a
    movw $0xec02, GDT + 0x4c
    shr $16, %eax
    mov %ax, GDT + 0x4e
    mov $LIN(gate_target), %eax
    mov %ax, GDT + 0xb0
    movw $0x08, GDT + 0xb2
    movw $0x8c00, GDT + 0xb4
    shr $16, %eax
    mov %ax, GDT + 0xb6
    /* TSS1 */
    movl $TSTACK, TSS1 + 4
    movl $0x10, TSS1 + 8
    movw $0x68, TSS1 + 0x66
    movl $0x50, TSS1 + 0x60
    mov $0x38, %ax
    ltr %ax
    mov $0x50, %ax
    lldt %ax
    /* TSS2: starts at task2 */
    movl $LIN(task2), TSS2 + 0x20
    movl $0x2, TSS2 + 0x24
    movl $0x11112222, TSS2 + 0x28   /* EAX */
    movl $0x33334444, TSS2 + 0x34   /* EBX */
    movl $T2STACK, TSS2 + 0x38
    movl $0x10, TSS2 + 0x48         /* ES */
    movl $0x08, TSS2 + 0x4c         /* CS */
    movl $0x10, TSS2 + 0x50         /* SS */
    movl $0x10, TSS2 + 0x54         /* DS */
    movl $0x10, TSS2 + 0x58         /* FS */
    movl $0x10, TSS2 + 0x5c         /* GS */
    movl $0x50, TSS2 + 0x60         /* LDT */
    movw $0x68, TSS2 + 0x66
    ret

/* set_gate: vector ECX, handler EAX, type/attributes EDX (high word). */
set_gate:
    push %eax
    lea IDT(,%ecx,8), %ebx
    mov %ax, (%ebx)
    movw $0x08, 2(%ebx)
    mov %dx, 4(%ebx)
    shr $16, %eax
    mov %ax, 6(%ebx)
    pop %eax
    ret

/* Run CPL 3 code at EAX (user segments, stack USTACK, EFLAGS EDX) until it
 * ends with INT 0x80 or faults; returns here either way. */
run_user:
    TRY 1f
    push $0x33
    push $USTACK
    push %edx
    push $0x2b
    push %eax
    iret
1:  ret

/* INT 0x80 (from CPL 3): the frame EIP CS EFLAGS ESP SS and the handler's
 * stack pointer go to the extras; resume at the TRY point. */
int80:
    push %eax
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov 4(%esp), %eax
    call xput
    mov 8(%esp), %eax
    call xput
    mov 12(%esp), %eax
    call xput
    mov 16(%esp), %eax
    call xput
    mov 20(%esp), %eax
    call xput
    lea 4(%esp), %eax
    call xput
    pop %eax
    jmp resume

/* INT 0x40/0x41 (CPL 0): EFLAGS inside the handler, the pushed EFLAGS and
 * the frame address. */
gate_handler:
    push %eax
    pushfl
    pop %eax
    call xput
    mov 12(%esp), %eax
    call xput
    lea 4(%esp), %eax
    call xput
    pop %eax
    iret

/* ---------------------------------------------------------------- */
/* segload: per selector: sel, DS load, SS load (EXC or NONE).
 * lar-lsl-verw: per selector: sel, LAR (masked 00F0FF00: bits 19:16 are
 * undefined), LSL, ZF of LAR|LSL<<1|VERR<<2|VERW<<3.
 * Golden: the DS and SS outcomes and the ZF nibble (SDM vol. 2, MOV, LAR,
 * LSL, VERR/VERW; error code = selector with RPL cleared). */
sc_segload:
    SCEN segload
    mov $LIN(segtab), %esi
1:  movzwl (%esi), %ebx
    cmp $0xffff, %ebx
    je 9f
    mov %ebx, %eax
    call xput
    TRY 2f
    mov %bx, %ds
2:  mov $0x10, %ax
    mov %ax, %ds
    XEXC
    mov V_NX, %eax
    mov V_X - 4(,%eax,4), %eax
    CHK_TAB 4
    TRY 3f
    mov %bx, %ss
    mov $0x10, %ax
    mov %ax, %ss
3:  XEXC
    mov V_NX, %eax
    mov V_X - 4(,%eax,4), %eax
    CHK_TAB 8
    add $16, %esi
    jmp 1b
9:  call dump
    ret

/* lar-lsl-verw: the same selectors through LAR, LSL, VERR, VERW. */
sc_lar:
    SCEN lar-lsl-verw
    mov $LIN(segtab), %esi
1:  movzwl (%esi), %ebx
    cmp $0xffff, %ebx
    je 9f
    mov %ebx, %eax
    call xput
    xor %edx, %edx
    mov $0xdeadbeef, %eax
    lar %ebx, %eax
    jnz 4f
    or $1, %edx
4:  and $0x00f0ff00, %eax
    call xput
    mov $0xdeadbeef, %eax
    lsl %ebx, %eax
    jnz 5f
    or $2, %edx
5:  call xput
    verr %bx
    jnz 6f
    or $4, %edx
6:  verw %bx
    jnz 7f
    or $8, %edx
7:  mov %edx, %eax
    call xput
    CHK_TAB 12
    add $16, %esi
    jmp 1b
9:  call dump
    ret


/* selector, (pad), DS outcome, SS outcome, ZF nibble */
.macro SEGROW sel, ds, ss, zf
    .word \sel, 0
    .long \ds, \ss, \zf
.endm
segtab:
    SEGROW 0x00, NONE, GP(0), 0
    SEGROW 0x03, NONE, GP(0), 0
    SEGROW 0x08, NONE, GP(0x08), 7
    SEGROW 0x10, NONE, NONE, 15
    SEGROW 0x13, GP(0x10), GP(0x10), 0
    SEGROW 0x18, NONE, GP(0x18), 7
    SEGROW 0x2b, NONE, GP(0x28), 7
    SEGROW 0x33, NONE, GP(0x30), 15
    SEGROW 0x38, GP(0x38), GP(0x38), 3
    SEGROW 0x48, GP(0x48), GP(0x48), 1
    SEGROW 0x50, GP(0x50), GP(0x50), 3
    SEGROW 0x58, NP(0x58), SSF(0x58), ANY
    SEGROW 0x60, NONE, NONE, 15
    SEGROW 0x68, NONE, GP(0x68), 7
    SEGROW 0x70, GP(0x70), GP(0x70), 3
    SEGROW 0x78, NONE, GP(0x78), 7
    SEGROW 0x80, NONE, GP(0x80), 15
    SEGROW 0x81, NONE, GP(0x80), 15
    SEGROW 0x90, GP(0x90), GP(0x90), 0
    SEGROW 0xa0, NONE, NONE, 15
    SEGROW 0xb8, GP(0xb8), GP(0xb8), 0
    SEGROW 0x04, NONE, GP(0x04), 15
    SEGROW 0x0c, NONE, GP(0x0c), 7
    SEGROW 0x14, NP(0x14), SSF(0x14), ANY
    SEGROW 0x1c, GP(0x1c), GP(0x1c), 0
    .word 0xffff, 0
s_segtab: .asciz "segtab-row"

/* ---------------------------------------------------------------- */
/* exceptions: #DE (fault: EIP of the DIV), #BP from INT3 (trap: EIP after),
 * #UD (UD2), #OF (INTO with OF=1, trap). */
sc_exceptions:
    SCEN exceptions
    SUM (KSTACK-0x40), (0x40)
    xor %ecx, %ecx
    mov $1, %eax
    xor %edx, %edx
    TRY 1f
de_insn:
    div %ecx
1:  mov V_EXC_EIP, %eax
    call xput
    CHK (LIN(de_insn)), de.eip
    mov V_EXC_VEC, %eax
    CHK (0), de.vector
    XEXC
    TRY 2f
    int3
bp_after:
2:  mov V_EXC_EIP, %eax
    call xput
    CHK (LIN(bp_after)), bp.eip
    XEXC
    TRY 3f
ud_insn:
    ud2
3:  mov V_EXC_EIP, %eax
    call xput
    CHK (LIN(ud_insn)), ud.eip
    mov V_EXC_VEC, %eax
    CHK (6), ud.vector
    XEXC
    mov $0x7fffffff, %eax
    add $1, %eax                    /* OF = 1 */
    TRY 4f
    into
of_after:
4:  mov V_EXC_EIP, %eax
    call xput
    CHK (LIN(of_after)), of.eip
    mov V_EXC_VEC, %eax
    CHK (4), of.vector
    XEXC
    call dump
    ret

/* int-gates: INT 0x40 (trap gate) keeps IF, INT 0x41 (interrupt gate)
 * clears it; both push EFLAGS as it was (IF, DF, CF set). */
sc_int_gates:
    SCEN int-gates
    SUM (KSTACK-0x40), (0x40)
    std
    stc
    sti
    int $0x40
    int $0x41
    cli
    cld
    mov V_X, %eax
    and $0x200, %eax
    CHK (0x200), trap.if
    mov V_X + 12, %eax
    and $0x200, %eax
    CHK (0), intr.if
    mov V_X + 16, %eax
    and $0x601, %eax
    CHK (0x601), intr.pushed
    mov V_X + 8, %eax
    CHK (KSTACK-16), frame
    call dump
    ret

/* iret-same: IRET at CPL 0 to CPL 0 loads EFLAGS from the frame (arithmetic
 * flags, DF, AC; bit 1 reads as 1), keeps SS:ESP. */
sc_iret_same:
    SCEN iret-same
    SUM (KSTACK-0x40), (0x40)
    mov %esp, %ebx
    push $0x40ed7
    push $0x08
    push $LIN(1f)
    iret
1:  pushfl
    pop %eax
    cld
    push $2
    popfl
    call xput
    CHK (0x40ed7), eflags
    mov %esp, %eax
    sub %ebx, %eax
    call xput
    CHK (0), esp
    call dump
    ret

/* iret-outer: IRET from CPL 0 to CPL 3 (SS:ESP from the frame; DS/ES with
 * DPL 0 become null), then INT 0x80 back through TSS1.ESP0. */
sc_iret_outer:
    SCEN iret-outer
    SUM (TSTACK-0x40), (0x40)
    mov $LIN(user_iret), %eax
    mov $0x8d3, %edx
    call run_user
    mov V_X, %eax
    CHK (0), user.ds
    mov V_X + 4, %eax
    CHK (0), user.es
    mov V_X + 8, %eax
    CHK (0x8d3), user.eflags
    mov V_X + 12, %eax
    CHK (0x2b), user.cs
    mov V_X + 16, %eax
    CHK (0x33), user.ss
    mov V_X + 20, %eax
    CHK (USTACK), user.esp
    mov V_X + 28, %eax
    CHK (0x2b), int80.cs
    mov V_X + 36, %eax
    CHK (USTACK), int80.esp
    mov V_X + 40, %eax
    CHK (0x33), int80.ss
    mov V_X + 44, %eax
    CHK (TSTACK-20), int80.frame
    call dump
    ret

user_iret:
    pushfl
    pop %edx
    xor %ebx, %ebx
    mov %ds, %bx
    xor %ecx, %ecx
    mov %es, %cx
    mov $0x33, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ebx, %eax
    call xput
    mov %ecx, %eax
    call xput
    mov %edx, %eax
    call xput
    xor %eax, %eax
    mov %cs, %ax
    call xput
    mov %ss, %ax
    call xput
    mov %esp, %eax
    call xput
    int $0x80

/* callgate: CPL 3 calls through gate 0x4b (two parameters) to CPL 0; the
 * far RET $8 back to CPL 3 pops the parameters from both stacks and nulls
 * DS (DPL 0). */
sc_callgate:
    SCEN callgate
    SUM (TSTACK-0x40), (0x40)
    mov $LIN(user_cg), %eax
    mov $0x2, %edx
    call run_user
    mov V_X, %eax
    CHK (LIN(cg_ret)), gate.eip
    mov V_X + 4, %eax
    CHK (0x2b), gate.cs
    mov V_X + 8, %eax
    CHK (0x22222222), gate.param0
    mov V_X + 12, %eax
    CHK (0x11111111), gate.param1
    mov V_X + 16, %eax
    CHK (USTACK-8), gate.esp
    mov V_X + 20, %eax
    CHK (0x33), gate.ss
    mov V_X + 24, %eax
    CHK (TSTACK-24), gate.frame
    mov V_X + 28, %eax
    CHK (0x08), gate.cpl0cs
    mov V_X + 32, %eax
    CHK (0), ret.ds
    mov V_X + 36, %eax
    CHK (USTACK), ret.esp
    call dump
    ret

user_cg:
    mov $0x33, %ax
    mov %ax, %ds
    push $0x11111111
    push $0x22222222
    lcall $0x4b, $0
cg_ret:
    xor %ebx, %ebx
    mov %ds, %bx
    mov $0x33, %ax
    mov %ax, %ds
    mov %ebx, %eax
    call xput
    mov %esp, %eax
    call xput
    int $0x80

gate_target:
    mov $0x10, %ax
    mov %ax, %ds
    mov (%esp), %eax
    call xput
    mov 4(%esp), %eax
    call xput
    mov 8(%esp), %eax
    call xput
    mov 12(%esp), %eax
    call xput
    mov 16(%esp), %eax
    call xput
    mov 20(%esp), %eax
    call xput
    mov %esp, %eax
    call xput
    xor %eax, %eax
    mov %cs, %ax
    call xput
    lret $8

/* gate-faults, each from CPL 3: JMP through a call gate to a more
 * privileged non-conforming segment -> #GP(code selector); INT 0x41 (gate
 * DPL 0) -> #GP(vector*8+2); CALL through gate 0xb0 (DPL 0) -> #GP(0xb0);
 * CLI with IOPL 0 -> #GP(0); MOV DS, 0x10 -> #GP(0x10). */
sc_gate_faults:
    SCEN gate-faults
    .irp f, uf_jmp, uf_int, uf_call, uf_cli, uf_ds, uf_hlt
    mov $LIN(\f), %eax
    mov $0x2, %edx
    call run_user
    XEXC
    .endr
    mov V_X, %eax
    CHK (GP(0x08)), jmp.gate
    mov V_X + 4, %eax
    CHK (GP(0x41*8+2)), int.dpl
    mov V_X + 8, %eax
    CHK (GP(0xb0)), call.gate.dpl
    mov V_X + 12, %eax
    CHK (GP(0)), cli
    mov V_X + 16, %eax
    CHK (GP(0x10)), mov.ds
    mov V_X + 20, %eax
    CHK (GP(0)), hlt
    call dump
    ret

uf_jmp:  ljmp $0x4b, $0
uf_int:  int $0x41
uf_call: lcall $0xb3, $0
uf_cli:  cli
uf_ds:   mov $0x13, %ax
         mov %ax, %ds
uf_hlt:  hlt

/* task-switch: CALL to TSS2 (busy, NT and back link set in the new task),
 * IRET back (TSS2 available again). */
sc_task_switch:
    SCEN task-switch
    SUM (TSS1), (0x200)
    mov $0xaaaa5555, %eax
    mov $0x5555aaaa, %ebx
    lcall $0x40, $0
    mov %eax, %ecx
    xor %eax, %eax
    str %ax
    call xput
    CHK (0x38), tr.after
    mov %ecx, %eax
    call xput
    CHK (0xaaaa5555), eax.after
    pushfl
    pop %eax
    and $0x4000, %eax
    call xput
    CHK (0), nt.after
    mov $0x40, %ecx
    lar %ecx, %eax
    and $0x00f0ff00, %eax
    call xput
    CHK (0x00008900), tss2.available
    call dump
    ret

task2:
    xor %eax, %eax
    str %ax
    call xput
    CHK (0x40), tr.task2
    mov %ebx, %eax
    call xput
    CHK (0x33334444), ebx.task2
    pushfl
    pop %eax
    and $0x4000, %eax
    call xput
    CHK (0x4000), nt.task2
    movzwl TSS2, %eax
    call xput
    CHK (0x38), backlink
    mov $0x38, %ecx
    lar %ecx, %eax
    and $0x00f0ff00, %eax
    call xput
    CHK (0x00008b00), tss1.busy
    mov $0x12345678, %eax           /* lost: task1 gets its own EAX back */
    iret
    jmp task2

/* ---------------------------------------------------------------- */
/* paging-32: 4 KiB pages; PT1 maps the test pages:
 *   0 not present, 1 read-only supervisor, 2 read/write supervisor,
 *   3 read/write user, 4 read-only user.
 * Page-fault error codes (SDM 4.7): P=1, W/R=2, U/S=4. */
sc_paging32:
    SCEN paging-32
    SUM (PT1), (0x20)
    call build_pd32
    mov $PD, %eax
    mov %eax, %cr3
    mov %cr0, %eax
    or $0x80000000, %eax
    mov %eax, %cr0
    PF_READ (TPAGE+0x10), (0), np.read
    PF_WRITE (TPAGE+0x20), (2), np.write
    PF_WRITE (TPAGE+0x1004), (NONE), ro.write.wp0
    mov %cr0, %eax
    or $0x10000, %eax               /* WP */
    mov %eax, %cr0
    PF_WRITE (TPAGE+0x1008), (3), ro.write.wp1
    PF_WRITE (TPAGE+0x4008), (3), user.ro.write.wp1
    PF_USER uf_rd2, (5), (TPAGE+0x2000), user.read.sup
    PF_USER uf_wr2, (7), (TPAGE+0x2000), user.write.sup
    PF_USER uf_rd4, (NONE), (0), user.read.user
    PF_USER uf_wr4, (7), (TPAGE+0x4000), user.write.ro
    PF_USER uf_wr3, (NONE), (0), user.write.rw
    mov %cr0, %eax
    and $0x7ffeffff, %eax
    mov %eax, %cr0
    /* A/D bits: page 3 written by CPL 3 -> A and D; PDE 1 accessed */
    mov PT1 + 12, %eax
    call xput
    CHK ((TPAGE+0x3000)|0x67), pte3.ad
    mov PD + 4, %eax
    call xput
    and $0x20, %eax
    CHK (0x20), pde1.a
    mov PT1 + 16, %eax
    call xput
    call dump
    ret


uf_rd2:
        mov $0x33, %cx
        mov %cx, %ds
        mov TPAGE + 0x2000, %eax
        int $0x80
uf_wr2:
        mov $0x33, %cx
        mov %cx, %ds
        movl $1, TPAGE + 0x2000
        int $0x80
uf_rd4:
        mov $0x33, %cx
        mov %cx, %ds
        mov TPAGE + 0x4000, %eax
        int $0x80
uf_wr4:
        mov $0x33, %cx
        mov %cx, %ds
        movl $1, TPAGE + 0x4000
        int $0x80
uf_wr3:
        mov $0x33, %cx
        mov %cx, %ds
        movl $0x33333333, TPAGE + 0x3000
        int $0x80

/* PD: PDE0 -> PT0 (0-4 MiB identity, user, writable), PDE1 -> PT1. */
build_pd32:
    mov $PT0, %edi
    mov $7, %eax
    mov $1024, %ecx
1:  stosl
    add $0x1000, %eax
    loop 1b
    mov $PT1, %edi
    xor %eax, %eax
    mov $1024, %ecx
    rep stosl
    movl $(TPAGE + 0x1000) | 1, PT1 + 4
    movl $(TPAGE + 0x2000) | 3, PT1 + 8
    movl $(TPAGE + 0x3000) | 7, PT1 + 12
    movl $(TPAGE + 0x4000) | 5, PT1 + 16
    movl $(TPAGE + 0x5000) | 3, PT1 + 20
    mov $PD, %edi
    mov $1024, %ecx
    rep stosl
    movl $PT0 | 7, PD
    movl $PT1 | 7, PD + 4
    ret

/* paging-pse: CR4.PSE, a 4 MiB page at 8 MiB onto physical 4 MiB (A and D
 * set by a write), and one with reserved bit 21 -> #PF error P|RSVD. */
sc_paging_pse:
    SCEN paging-pse
    SUM (PD), (16)
    call build_pd32
    movl $TPAGE | 0x83, PD + 8
    movl $0x00600083, PD + 12
    mov %cr4, %eax
    or $0x10, %eax
    mov %eax, %cr4
    mov $PD, %eax
    mov %eax, %cr3
    mov %cr0, %eax
    or $0x80000000, %eax
    mov %eax, %cr0
    movl $0xfeedf00d, 0x803004
    mov TPAGE + 0x3004, %eax        /* the same physical dword */
    call xput
    CHK (0xfeedf00d), alias
    mov PD + 8, %eax
    call xput
    CHK (TPAGE|0xe3), pde.ad
    PF_READ (0xc00000), (9), rsvd21
    mov %cr0, %eax
    and $0x7fffffff, %eax
    mov %eax, %cr0
    mov %cr4, %eax
    and $~0x10, %eax
    mov %eax, %cr4
    call dump
    ret

/* paging-pae: PDPT -> PD: 0-2 MiB by PT, 2-4 MiB one 2 MiB page, 4-6 MiB
 * by PT2: page 0 XD, page 1 reserved bit 51, page 2 normal, page 3 bit 52
 * (reserved with PAE paging, ignored only by 4-level paging). */
sc_paging_pae:
    SCEN paging-pae
    SUM (PAEPT2), (0x20)
    mov $PAEPT0, %edi
    mov $7, %eax
    mov $512, %ecx
1:  mov %eax, (%edi)
    movl $0, 4(%edi)
    add $0x1000, %eax
    add $8, %edi
    loop 1b
    movl $PAEPD | 1, PDPT
    movl $PAEPT0 | 7, PAEPD
    movl $0x200000 | 0x87, PAEPD + 8
    movl $PAEPT2 | 7, PAEPD + 16
    movl $TPAGE | 3, PAEPT2
    movl $0x80000000, PAEPT2 + 4
    movl $(TPAGE + 0x1000) | 3, PAEPT2 + 8
    movl $0x00080000, PAEPT2 + 12
    movl $(TPAGE + 0x2000) | 3, PAEPT2 + 16
    movl $(TPAGE + 0x3000) | 3, PAEPT2 + 24
    movl $0x00100000, PAEPT2 + 28   /* bit 52: reserved under PAE */
    movb $0xc3, TPAGE               /* RET, in case the fetch is allowed */
    mov %cr4, %eax
    or $0x20, %eax
    mov %eax, %cr4
    mov $PDPT, %eax
    mov %eax, %cr3
    mov $0xc0000080, %ecx
    rdmsr
    or $0x800, %eax                 /* NXE */
    wrmsr
    mov %cr0, %eax
    or $0x80000000, %eax
    mov %eax, %cr0
    mov $TPAGE, %eax
    TRY 2f
    call *%eax
2:  PF_CHECK TPAGE, 0x11, nx.fetch
    PF_READ (TPAGE+8), (NONE), nx.read
    PF_READ (TPAGE+0x1010), (9), rsvd51
    PF_READ (TPAGE+0x2010), (NONE), normal
    PF_READ (TPAGE+0x3010), (9), rsvd52
    mov $0xc0000080, %ecx
    rdmsr
    and $~0x800, %eax
    wrmsr
    mov %cr3, %eax                  /* cached translations had NXE = 1 */
    mov %eax, %cr3
    PF_READ (TPAGE+0x18), (9), xd.without.nxe
    mov %cr0, %eax
    and $0x7fffffff, %eax
    mov %eax, %cr0
    mov %cr4, %eax
    and $~0x20, %eax
    mov %eax, %cr4
    call dump
    ret

/* invlpg: a PTE changed under a cached translation is seen after INVLPG
 * (and after a CR3 reload); a cleared P bit faults after INVLPG. */
sc_invlpg:
    SCEN invlpg
    call build_pd32
    movl $0x55555555, TPAGE + 0x5000
    movl $0x66666666, TPAGE + 0x6000
    mov $PD, %eax
    mov %eax, %cr3
    mov %cr0, %eax
    or $0x80000000, %eax
    mov %eax, %cr0
    mov TPAGE + 0x5000, %eax
    call xput
    CHK (0x55555555), first
    movl $(TPAGE + 0x6000) | 3, PT1 + 20
    invlpg TPAGE + 0x5000
    mov TPAGE + 0x5000, %eax
    call xput
    CHK (0x66666666), after.invlpg
    movl $(TPAGE + 0x5000) | 3, PT1 + 20
    mov %cr3, %eax
    mov %eax, %cr3
    mov TPAGE + 0x5000, %eax
    call xput
    CHK (0x55555555), after.cr3
    movl $0, PT1 + 20
    invlpg TPAGE + 0x5000
    PF_READ (TPAGE+0x5000), (0), not.present
    mov %cr0, %eax
    and $0x7fffffff, %eax
    mov %eax, %cr0
    call dump
    ret

/* double-fault: #GP whose IDT entry is not present (-> #NP, contributory
 * twice) and #PF whose entry is not present: both give #DF, error code 0. */
sc_double_fault:
    SCEN double-fault
    andb $0x7f, IDT + 13 * 8 + 5
    mov $0xb8, %ax
    TRY 1f
    mov %ax, %fs
1:  mov $0x10, %ax
    mov %ax, %fs
    orb $0x80, IDT + 13 * 8 + 5
    mov V_EXC_VEC, %eax
    CHK (8), gp.np.vector
    mov V_EXC_ERR, %eax
    CHK (0), gp.np.err
    XEXC
    call build_pd32
    mov $PD, %eax
    mov %eax, %cr3
    mov %cr0, %eax
    or $0x80000000, %eax
    mov %eax, %cr0
    andb $0x7f, IDT + 14 * 8 + 5
    TRY 2f
    mov TPAGE, %eax
2:  orb $0x80, IDT + 14 * 8 + 5
    mov %cr0, %eax
    and $0x7fffffff, %eax
    mov %eax, %cr0
    mov V_EXC_VEC, %eax
    CHK (8), pf.np.vector
    mov V_EXC_ERR, %eax
    CHK (0), pf.np.err
    XEXC
    call dump
    ret

/* pm-to-rm: back to real mode through a 16-bit segment, FS keeping a flat
 * 4 GiB limit ("unreal"), a real-mode INT through the IVT, then protected
 * mode again. */
sc_pm_to_rm:
    SCEN pm-to-rm
    mov $0x10, %ax
    mov %ax, %fs
    movl $0x77778888, TPAGE + 0x7000
    movw $rm_int, 0x50 * 4
    movw $0xf000, 0x50 * 4 + 2
    mov %esp, V_TMP + 8
    ljmp $0x18, $rm16

    .code16
rm16:
    mov $0x20, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov %cr0, %eax
    and $0xfe, %al
    mov %eax, %cr0
    ljmp $0xf000, $rm_back
rm_back:
    xor %ax, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov $KSTACK - 0x100, %sp
    movw $0x3ff, V_TMP
    movl $0, V_TMP + 2
    lidtl V_TMP
    mov %cr0, %eax
    mov %eax, V_X
    xor %eax, %eax
    mov %cs, %ax
    mov %eax, V_X + 4
    mov $(TPAGE + 0x7000), %edi
    addr32 mov %fs:(%edi), %eax
    mov %eax, V_X + 8
    stc
    int $0x50
    mov %eax, V_X + 12
    movl $4, V_NX
    lgdtl %cs:gdt_ptr
    mov %cr0, %eax
    or $1, %eax
    mov %eax, %cr0
    ljmpl $0x08, $LIN(pm_again)

rm_int:                             /* real-mode handler: FLAGS pushed */
    push %bp
    mov %sp, %bp
    movzwl 6(%bp), %eax
    pop %bp
    iret

    .code32
pm_again:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov %ax, %fs
    mov %ax, %gs
    mov V_TMP + 8, %esp
    movw $0x7ff, V_TMP
    movl $IDT, V_TMP + 2
    lidtl V_TMP
    mov V_X, %eax
    and $1, %eax
    CHK (0), rm.cr0.pe
    mov V_X + 4, %eax
    CHK (0xf000), rm.cs
    mov V_X + 8, %eax
    CHK (0x77778888), unreal.fs
    mov V_X + 12, %eax
    and $1, %eax
    CHK (1), rm.int.flags.cf
    call dump
    ret

/* sysenter: CPL 3 SYSENTER -> CPL 0 at SYSENTER_EIP/ESP with CS =
 * SYSENTER_CS, SS = CS + 8, IF cleared... (SDM vol. 2 SYSENTER); SYSEXIT
 * back with CS = SYSENTER_CS + 16 | 3, SS = + 24 | 3, EIP = EDX, ESP = ECX
 * (flat descriptors loaded whatever the GDT holds there). */
sc_sysenter:
    SCEN sysenter
    SUM (TSTACK-0x40), (0x40)
    mov $0x174, %ecx
    mov $0x08, %eax
    xor %edx, %edx
    wrmsr
    mov $0x175, %ecx
    mov $TSTACK-0x10, %eax
    wrmsr
    mov $0x176, %ecx
    mov $LIN(sysenter_target), %eax
    wrmsr
    mov $0x174, %ecx
    rdmsr
    call xput
    CHK (0x08), msr.cs
    mov $LIN(user_sysenter), %eax
    mov $0x202, %edx
    call run_user
    mov V_X + 4, %eax
    CHK (0x08), k.cs
    mov V_X + 8, %eax
    CHK (0x10), k.ss
    mov V_X + 12, %eax
    CHK (TSTACK-0x10), k.esp
    mov V_X + 16, %eax
    and $0x200, %eax
    CHK (0), k.if
    mov V_X + 20, %eax
    CHK (0x1b), u.cs
    mov V_X + 24, %eax
    CHK (0x23), u.ss
    mov V_X + 28, %eax
    CHK (USTACK-0x20), u.esp
    call dump
    ret

user_sysenter:
    mov $0x33, %ax
    mov %ax, %ds
    mov $LIN(after_sysexit), %edx
    mov $USTACK-0x20, %ecx
    sysenter
after_sysexit:
    mov $0x33, %ax
    mov %ax, %ds
    xor %eax, %eax
    mov %cs, %ax
    call xput
    mov %ss, %ax
    call xput
    mov %esp, %eax
    call xput
    int $0x80

sysenter_target:
    push %edx
    push %ecx
    xor %eax, %eax
    mov %cs, %ax
    call xput
    mov %ss, %ax
    call xput
    lea 8(%esp), %eax
    call xput
    pushfl
    pop %eax
    call xput
    pop %ecx
    pop %edx
    sysexit

/* far-loads: CS loads by far JMP/CALL (conforming code, a 16-bit segment
 * and back with a 32-bit far RET, data -> #GP, not present -> #NP, DPL 3
 * non-conforming from CPL 0 -> #GP), LSS with a not-present segment ->
 * #SS, POP DS of execute-only code -> #GP, LDS of a null selector. */
sc_far_loads:
    SCEN far-loads
    SUM (KSTACK-0x40), (0x40)
    ljmp $0x78, $LIN(1f)
1:  xor %eax, %eax
    mov %cs, %ax
    call xput
    CHK (0x78), conforming.cs
    ljmp $0x08, $LIN(2f)
2:  lcall $0x18, $far16
    call xput
    CHK (0x18), code16.cs
    .irp sel, 0x10, 0x98, 0x2b
    TRY 3f
    ljmp $\sel, $0
3:  call xexc
    .endr
    mov V_X + 8, %eax
    CHK (EXC(13,0x10)), jmp.data
    mov V_X + 12, %eax
    CHK (EXC(11,0x98)), jmp.notpresent
    mov V_X + 16, %eax
    CHK (EXC(13,0x28)), jmp.dpl3
    movl $0x1234, V_TMP
    movw $0x58, V_TMP + 4
    TRY 4f
    lss V_TMP, %esp
4:  call xexc
    mov V_X + 20, %eax
    CHK (EXC(12,0x58)), lss.notpresent
    TRY 5f                          /* the stack as before the push */
    push $0x70
    pop %ds
5:  mov $0x10, %ax
    mov %ax, %ds
    call xexc
    mov V_X + 24, %eax
    CHK (EXC(13,0x70)), pop.ds.execonly
    movl $0x1234, V_TMP
    movw $0, V_TMP + 4
    lds V_TMP, %ecx
    xor %eax, %eax
    mov %ds, %ax
    mov $0x10, %dx
    mov %dx, %ds
    call xput
    CHK (0), lds.null
    call dump
    ret

/* iret16: a 16-bit IRET (operand-size prefix) pops IP, CS, FLAGS as
 * words into a 16-bit code segment; the upper half of EFLAGS (AC here) is
 * kept.  The 16-bit code comes back with a 32-bit far JMP. */
sc_iret16:
    SCEN iret16
    SUM (KSTACK-0x40), (0x40)
    pushfl
    orl $0x40000, (%esp)            /* AC */
    popfl
    mov %esp, %ebx
    pushw $0x0cd7
    pushw $0x18
    pushw $iret16_target
    iretw
iret16_back:
    push $2
    popfl
    mov %edx, %eax
    call xput
    CHK (0x40cd7), eflags
    mov %ecx, %eax
    call xput
    CHK (0x18), cs16
    mov %esp, %eax
    sub %ebx, %eax
    call xput
    CHK (0), esp
    call dump
    ret

    .code16
iret16_target:                      /* CS = 0x18, base 0xf0000 */
    pushfl                          /* (SS is still the flat 32-bit one) */
    pop %edx
    xor %ecx, %ecx
    mov %cs, %cx
    ljmpl $0x08, $LIN(iret16_back)

far16:                              /* CS = 0x18 (base 0xf0000), 16-bit */
    xor %eax, %eax
    mov %cs, %ax
    lretl
    .code32

    HARNESS32_FUNCS

m_done: .asciz "D sysdiff-pm done\r\n"

    .balign 8
gdt_rom:
    .quad 0
    .quad 0x00cf9a000000ffff        /* 0x08 code32 DPL0 */
    .quad 0x00cf92000000ffff        /* 0x10 data DPL0 */
    .quad 0x00009a0f0000ffff        /* 0x18 code16, base 0xf0000 */
    .quad 0x000092000000ffff        /* 0x20 data16 */
    .quad 0x00cffa000000ffff        /* 0x28 code32 DPL3 */
    .quad 0x00cff2000000ffff        /* 0x30 data DPL3 */
    .quad 0x0000890040000067        /* 0x38 TSS1 (0x4000) */
    .quad 0x0000890041000067        /* 0x40 TSS2 (0x4100) */
    .quad 0                         /* 0x48 call gate DPL3 (built) */
    .quad 0x0000820038000017        /* 0x50 LDT (0x3800) */
    .quad 0x00cf12000000ffff        /* 0x58 data, not present */
    .quad 0x0040960000000fff        /* 0x60 expand-down data */
    .quad 0x00cf90000000ffff        /* 0x68 read-only data */
    .quad 0x00cf98000000ffff        /* 0x70 execute-only code */
    .quad 0x00cf9e000000ffff        /* 0x78 conforming readable code */
    .quad 0x00cfb2000000ffff        /* 0x80 data DPL1 */
    .quad 0x00af9a000000ffff        /* 0x88 64-bit code */
    .quad 0x0000800000000000        /* 0x90 system type 0 (reserved) */
    .quad 0x00cf1a000000ffff        /* 0x98 code, not present */
    .quad 0x00409200000000ff        /* 0xa0 data, limit 0xff */
    .quad 0                         /* 0xa8 */
    .quad 0                         /* 0xb0 call gate DPL0 (built) */
gdt_rom_end:
gdt_ptr:
    .word gdt_rom_end - gdt_rom - 1
    .long GDT
ldt_rom:
    .quad 0x00cff2000000ffff        /* 0x04 data DPL3 */
    .quad 0x00cf9a000000ffff        /* 0x0c code DPL0 */
    .quad 0x00cf12000000ffff        /* 0x14 data, not present */
ldt_rom_end:

    RESET_VECTOR _start
