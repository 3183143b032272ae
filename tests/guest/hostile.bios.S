/* hostile: behaves as an attacker's guest would, to show that such a guest
 * can hurt only itself.  Each iteration runs 256 random bytes with random
 * registers, flags and segment state in one of twelve modes -- real mode,
 * virtual-8086, 16/32-bit protected mode, 64-bit and 16/32-bit
 * compatibility mode, at CPL 0 and 3 -- sometimes after unfiltered port
 * I/O, MSR accesses, control/debug register writes or garbage
 * descriptor-table loads, or instead halts with interrupts off, closes A20,
 * resets the machine (i8042, port 0x92, 0xcf9, triple fault) or powers it
 * off through ACPI.
 *
 * Every vector of every table points at a handler that gets back to
 * "recover": 32-bit protected mode at CPL 0, from which the machine is
 * rebuilt (A20, control registers, EFER, the shadowed code, GDT with
 * random entries, IDT, TSS, random LDT, PICs, PIT, RTC, local APIC,
 * I/O APIC) before the next iteration.  Watchdogs end endless loops: the
 * PIT (IRQ 0 through the 8259s, vector 0x20) when interrupts are on, the
 * RTC's periodic interrupt routed by the I/O APIC as an NMI when they are
 * off.  Machine structures live at 2 MiB (bit 20 clear, so they work with
 * A20 closed; a supervisor page in long mode), code runs from the F-segment
 * shadow, which is compared with the ROM and healed every iteration.
 *
 * Iteration i's random numbers come from the seed and i only, so
 * (seed, i) replays it.  The seed is the dword at image offset 0xfff8, the
 * first iteration the dword at 0xfffc (tests/guest/hostile.test patches
 * both).  The seed and the current iteration are kept in CMOS bytes
 * 0x74-0x7f (and a RAM copy) with a check word, so a reset continues with
 * the next iteration.  After every reset (CR0 has CD and NW, which the
 * program never sets, so random code that slides into the entry is not
 * taken for one) the program checks that the
 * interrupt controllers, PIT, RTC, ACPI PM block, local and I/O APIC are in
 * their power-on state and that port 0x92 closes and opens A20.
 *
 * Serial output: "hostile: seed S start N" at a fresh start, "hostile: iter
 * N" every 256 iterations, "hostile: poweroff at iter N" before an ACPI
 * power-off, and "hostile: FAIL: why" for what the machine got wrong.  It
 * never exits by itself. */
#include "tests/guest/guest.h"

#define SYS        0x200000
#define GDT        (SYS + 0x0000)
#define IDT32      (SYS + 0x1000)
#define IDT64      (SYS + 0x2000)
#define RM_IDT     (SYS + 0x3000)       /* real mode's, out of its reach */
#define TSS32      (SYS + 0x4000)
#define TSS32_LIMIT 0x2088                  /* + redirection and I/O bitmaps */
#define TSS64      (SYS + 0x7000)
#define LDT        (SYS + 0x7800)
#define PML4       (SYS + 0x8000)
#define PDPT       (SYS + 0x9000)
#define PD0        (SYS + 0xa000)
#define SUP_STACK  (SYS + 0x1f000)
#define IST_STACK  (SYS + 0x2f000)
#define H32_RAM    (SYS + 0x17f00)      /* see h32 */
#define TRAMP_EVEN 0x7f80                   /* 0008:7f00 */
#define TRAMP_ODD  0xf010                   /* 0021:ee00 */
#define RAMSTATE   (SYS + 0x30000)
#define VARS32     (SYS + 0x31000)
#define V_SEED     (VARS32 + 0)
#define V_ITER     (VARS32 + 4)
#define V_RNG      (VARS32 + 8)
#define V_TCS      (VARS32 + 12)
#define V_TSS      (VARS32 + 16)
#define V_TIP      (VARS32 + 20)
#define V_CR4V     (VARS32 + 24)        /* CR4.VME/PVI if the CPU has VME */
#define V_DTR      (VARS32 + 0x20)
#define V_LM       (VARS32 + 0xc0)      /* 8 dwords, see lm_choices */
#define V_CHAOS    (VARS32 + 0xe0)      /* byte: garbage selectors too */
#define V_REGS     (VARS32 + 0x40)          /* 16 qwords, rax..r15 */
#define CODE_BUF   0x10000
#define CODE_DWORDS 64
#define RM_STACK   0x7000
#define CHECK_LOW  0x7e00                   /* A20 wrap test */

/* Real-mode launch parameters, in the shadow beyond the code (F000:xxxx). */
#define PARAMS     0xf000
#define P_FLAGS    (PARAMS + 0)
#define P_SS       (PARAMS + 4)
#define P_SP       (PARAMS + 6)
#define P_DS       (PARAMS + 8)
#define P_ES       (PARAMS + 10)
#define P_FS       (PARAMS + 12)
#define P_GS       (PARAMS + 14)
#define P_REGS     (PARAMS + 16)            /* eax..edi */

#define SEL_CODE32  0x08
#define SEL_DATA32  0x10
#define SEL_CODE64  0x18
#define SEL_CODE16R 0x20                    /* base 0xf0000: to real mode */
#define SEL_DATA16  0x28
#define SEL_CODE32U 0x33
#define SEL_DATA32U 0x3b
#define SEL_CODE64U 0x43
#define SEL_CODE16  0x48                    /* base CODE_BUF */
#define SEL_CODE16U 0x53
#define SEL_DATA16U 0x5b
#define SEL_TSS32   0x60
#define SEL_TSS64   0x68
#define SEL_LDT     0x78
#define GDT_LIMIT   0xff                    /* 0x80-0xf8: random entries */

#define ST_MAGIC    0x54534f48
#define CMOS_STATE  0x74
#define MSR_EFER    0xc0000080
#define MSR_APICBASE 0x1b
#define APICBASE_ON 0xfee00900
#define IOAPIC      0xfec00000
#define IMAGE_LEN   0x1800                  /* healed part of the shadow */
#define ROM(x)      (0xffff0000 + (x))      /* the image's read-only alias */

    BIOS_START16
    mov %cr0, %ebp                  /* CD and NW: a reset, not a stray jump */
    in $0x92, %al                   /* A20 as the reset left it */
    mov %al, %bl
    call a20_on16
    lgdtl %cs:gdt_tmpl_ptr
    mov $0x11, %eax
    mov %eax, %cr0
    ljmpl $SEL_CODE32, $LIN(boot32)

/* --- handlers: every vector ends in recover --- */

/* Real mode (and v86 through VME redirection): iret to unblock NMIs,
 * then protected mode and recover, in ROM: random code may have written
 * the shadow. */
rm_h:
    cli
    xor %ax, %ax
    mov %ax, %ss
    mov $RM_STACK, %sp
    pushw $2
    pushw $0xf000
    pushw $rm_resume
    iret
rm_resume:
    call a20_on16
    mov %sp, %bp                    /* the RAM GDT and IDT, beyond the reach */
    pushl $GDT                      /* of real-mode code, through pointers */
    pushw $GDT_LIMIT                /* built on the stack */
    lgdtl -6(%bp)
    pushl $IDT32
    pushw $0x7ff
    lidtl -12(%bp)
    mov $0x11, %eax
    mov %eax, %cr0
    ljmpl $SEL_CODE32, $ROM(recover)

a20_on16:
    in $0x92, %al
    or $0x02, %al
    and $0xfe, %al
    out %al, $0x92
    ret

    .code32
/* Protected mode, v86, CPL 3: the template GDT in ROM (random code may
 * have written the RAM copy and the shadow), a clean stack, iret (unblocks
 * NMIs) to recover in ROM.  It runs from
 * a RAM copy at H32_RAM so that this table also works as a real-mode IVT
 * should code clear CR0.PE with it loaded: its even vectors read as
 * 0008:7f00, its odd ones as 0021:ee00, where build_idt32 puts far jumps to
 * rm_h. */
h32:
    in $0x92, %al                   /* A20 on: the ROM is above 1 MiB */
    or $0x02, %al
    and $0xfe, %al
    out %al, $0x92
    lgdtl %cs:ROM(gdt_rom_ptr)
    mov $SEL_DATA32, %eax
    mov %eax, %ds
    mov %eax, %ss
    mov $SUP_STACK, %esp
    pushl $2
    pushl $SEL_CODE32
    pushl $ROM(recover)
    iret
h32_end:

    .code64
/* Long mode (IST 1): iretq to compatibility mode, which leaves long mode. */
h64:
    lgdt gdt_tmpl_ptr64(%rip)
    mov $IST_STACK, %esp
    pushq $SEL_DATA32
    pushq $SUP_STACK
    pushq $2
    pushq $SEL_CODE32
    mov $LIN(leave_long), %eax      /* (an ELF32 object has no 32S relocation) */
    push %rax
    iretq

    .code32
leave_long:
    mov $SEL_DATA32, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %cr0, %eax
    and $0x7fffffff, %eax
    mov %eax, %cr0
    lidtl LIN(idt32_ptr)
    mov $MSR_EFER, %ecx
    xor %eax, %eax
    xor %edx, %edx
    wrmsr
    ljmp $SEL_CODE32, $ROM(recover)

/* --- the supervisor: rebuild the machine, run the next iteration --- */

recover:
    cli
    cld
    mov $SEL_DATA32, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    mov $SUP_STACK, %esp
    call a20_on32
    lidtl ROM(idt32_ptr)            /* the last mode's table may be another */
    mov $0x11, %eax
    mov %eax, %cr0
    xor %eax, %eax
    mov %eax, %cr4
    mov %eax, %dr7
    mov $MSR_EFER, %ecx
    xor %edx, %edx
    wrmsr
    call heal_shadow
    call serial_init32
    incl V_ITER
    call save_state
    call progress
    call seed_rng
    call rand
    test $3, %al
    setz V_CHAOS
    call build_gdt
    lgdtl LIN(gdt_ptr)
    ljmp $SEL_CODE32, $LIN(recover_cs)
recover_cs:
    mov $SEL_DATA32, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    mov %eax, %fs
    mov %eax, %gs
    call build_idt32
    lidtl LIN(idt32_ptr)
    call build_tss32
    mov $SEL_TSS32, %ax
    ltr %ax
    mov $SEL_LDT, %ax
    lldt %ax
    call init_pic
    call init_pit
    call init_lapic
    call init_ioapic
    call init_rtc
    call gen_code
    call gen_regs
    call rand
    and $1023, %eax
    cmp $2, %eax
    jb do_reset_kbc
    cmp $4, %eax
    jb do_reset_92
    cmp $6, %eax
    jb do_reset_cf9
    cmp $8, %eax
    jb do_triple
    cmp $9, %eax
    jb do_poweroff
    cmp $40, %eax
    jb do_hlt
    cmp $100, %eax
    jb do_msr
    cmp $160, %eax
    jb do_ports
    cmp $200, %eax
    jb do_crdr
    cmp $208, %eax
    jb do_dtload
run_mode:
    call rand
    xor %edx, %edx
    mov $12, %ecx
    div %ecx
    jmp *LIN(mode_table)(,%edx,4)

    .balign 4
mode_table:
    .long LIN(mode_real), LIN(mode_v86), LIN(mode_pm16_0), LIN(mode_pm16_3)
    .long LIN(mode_pm32_0), LIN(mode_pm32_3), LIN(mode_lm64_0), LIN(mode_lm64_3)
    .long LIN(mode_c32_0), LIN(mode_c32_3), LIN(mode_c16_0), LIN(mode_c16_3)

/* --- special actions --- */

maybe_a20_off:
    call rand
    test $3, %al
    jnz 2f
    test $4, %al
    jz 1f
    call kbc_wait
    mov $0xdd, %al                  /* i8042: A20 off */
    out %al, $KBC_CMD
    ret
1:  in $0x92, %al
    and $0xfc, %al
    out %al, $0x92
2:  ret

kbc_wait:
    push %ecx
    mov $0x10000, %ecx
1:  in $KBC_CMD, %al
    test $2, %al
    jz 2f
    loop 1b
2:  pop %ecx
    ret

do_reset_kbc:
    call maybe_a20_off
    call kbc_wait
    mov $0xfe, %al
    out %al, $KBC_CMD
    mov $LIN(m_nores_kbc), %esi
    jmp await_reset
do_reset_92:
    call maybe_a20_off
    in $0x92, %al
    and $0xfe, %al
    out %al, $0x92
    or $1, %al
    out %al, $0x92
    mov $LIN(m_nores_92), %esi
    jmp await_reset
do_reset_cf9:
    call maybe_a20_off
    mov $0xcf9, %dx
    mov $0x06, %al
    out %al, %dx
    mov $LIN(m_nores_cf9), %esi
    jmp await_reset
do_triple:
    call maybe_a20_off
    lidtl LIN(null_idt_ptr)
    int3
    mov $LIN(m_nores_tf), %esi
    jmp await_reset
await_reset:
    mov $0x4000000, %ecx
1:  dec %ecx
    jnz 1b
    call fail
    jmp recover

do_poweroff:
    call rand
    test $7, %al                    /* 1 in 8192 iterations */
    jnz run_mode
    mov $LIN(m_poweroff), %esi
    call puts32
    mov V_ITER, %eax
    call putdec32
    call crlf
    call pm_enable                  /* random code may have moved or closed it */
    mov $0x604, %dx                 /* PM1_CNT: SLP_EN, SLP_TYP = S5 */
    mov $0x2000, %ax
    out %ax, %dx
    mov $LIN(m_nooff), %esi
    jmp await_reset

do_hlt:
    call rand
    test $1, %al
    jz 1f
    sti                             /* the PIT wakes it */
    hlt
    jmp 2f
1:  hlt                             /* interrupts off: the NMI wakes it */
2:  mov $LIN(m_hlt), %esi
    call fail
    jmp recover

/* rdmsr/wrmsr of a known MSR or a random index with random data; the
 * local APIC stays globally enabled (its NMI is the watchdog). */
do_msr:
    call rand
    mov %eax, %ebx
    call rand
    mov %eax, %ecx
    test $1, %bl
    jz 1f
    mov %ebx, %ecx
    shr $1, %ecx
    and $31, %ecx
    mov LIN(msr_table)(,%ecx,4), %ecx
1:  call rand
    mov %eax, %edx
    call rand
    cmp $MSR_APICBASE, %ecx
    jne 2f
    or $0x800, %eax
2:  test $2, %bl
    jz 3f
    wrmsr
    jmp run_mode
3:  rdmsr
    jmp run_mode

    .balign 4
msr_table:
    .long 0x10, 0x1b, 0x3a, 0x48, 0x8b, 0xfe, 0x174, 0x175
    .long 0x176, 0x179, 0x17a, 0x1a0, 0x200, 0x201, 0x250, 0x277
    .long 0x2ff, 0x400, 0x6e0, 0x802, 0x808, 0x80b, 0x830, 0xc0000080
    .long 0xc0000081, 0xc0000082, 0xc0000084, 0xc0000100, 0xc0000101, 0xc0000102
    .long 0xc0000103, 0xc0010015

/* 1-16 port accesses, byte/word/dword, to a random port or a device's. */
do_ports:
    call rand
    and $15, %eax
    lea 1(%eax), %edi
1:  call rand
    mov %eax, %ebx
    movzwl %bx, %edx
    test $0x10000, %ebx
    jz 2f
    mov %ebx, %ecx
    shr $20, %ecx
    and $31, %ecx
    movzwl LIN(port_table)(,%ecx,2), %edx
2:  call rand
    mov %ebx, %ecx
    shr $17, %ecx
    and $3, %ecx
    test $0x80000, %ebx
    jz 5f
    cmp $1, %ecx
    je 3f
    cmp $2, %ecx
    je 4f
    out %al, %dx
    jmp 8f
3:  out %ax, %dx
    jmp 8f
4:  out %eax, %dx
    jmp 8f
5:  cmp $1, %ecx
    je 6f
    cmp $2, %ecx
    je 7f
    in %dx, %al
    jmp 8f
6:  in %dx, %ax
    jmp 8f
7:  in %dx, %eax
8:  dec %edi
    jnz 1b
    jmp run_mode

    .balign 2
port_table:
    .word 0x20, 0x21, 0xa0, 0xa1, 0x40, 0x41, 0x42, 0x43
    .word 0x60, 0x61, 0x64, 0x70, 0x71, 0x80, 0x92, 0x3f9
    .word 0x3fa, 0x3fb, 0x3fc, 0x3fd, 0x4d0, 0x4d1, 0x510, 0x511
    .word 0x514, 0x518, 0xcf8, 0xcfc, 0x600, 0x602, 0x608, 0xcf9

do_crdr:
    call rand
    mov %eax, %ebx
    call rand
    mov %ebx, %ecx
    and $7, %ecx
    jmp *LIN(crdr_table)(,%ecx,4)
cr0_w:
    test $0x100, %ebx               /* paging on only sometimes */
    jz 1f
    and $0x7fffffff, %eax
1:  or $1, %eax                    /* PE stays: see the note at h32 */
    and $~0x60000000, %eax          /* CD and NW mark a reset at _start */
    mov %eax, %cr0
    jmp run_mode
cr3_w:
    mov %eax, %cr3
    jmp run_mode
cr4_w:
    and $0x7ff, %eax
    mov %eax, %cr4
    jmp run_mode
dr0_w:
    mov %eax, %dr0
    jmp run_mode
dr1_w:
    mov %eax, %dr1
    jmp run_mode
dr2_w:
    mov %eax, %dr2
    jmp run_mode
dr6_w:
    mov %eax, %dr6
    jmp run_mode
dr7_w:
    mov %eax, %dr7
    jmp run_mode
    .balign 4
crdr_table:
    .long LIN(cr0_w), LIN(cr3_w), LIN(cr4_w), LIN(dr0_w)
    .long LIN(dr1_w), LIN(dr2_w), LIN(dr6_w), LIN(dr7_w)

do_dtload:
    call rand
    mov %eax, %ebx
    call rand
    mov %ax, V_DTR
    call rand
    mov %eax, V_DTR + 2
    mov %ebx, %eax
    and $3, %ebx
    jz 1f
    cmp $1, %ebx
    je 2f
    cmp $2, %ebx
    je 3f
    shr $8, %eax
    ltr %ax
    jmp run_mode
1:  lgdtl V_DTR
    jmp run_mode
2:  lidtl V_DTR
    jmp run_mode
3:  shr $8, %eax
    lldt %ax
    jmp run_mode

/* --- the modes --- */

/* A random data selector: a usable template one, or in one iteration of
 * four now and then any byte (garbage GDT entries, the random LDT, any
 * RPL; the load faulting ends the iteration before its code runs). */
pick_sel:
    call rand
    testb $1, V_CHAOS
    jz 1f
    test $8, %al
    jz 1f
    movzbl %ah, %eax
    ret
1:  and $7, %eax
    movzwl LIN(sel_table)(,%eax,2), %eax
    ret
    .balign 2
sel_table:
    .word 0, SEL_DATA32, SEL_DATA16, SEL_DATA32U, SEL_DATA16U, 0x3b, 0x5b, SEL_CODE32

/* Random EFLAGS: arithmetic flags, DF, IF, IOPL, NT; TF now and then. */
rand_flags:
    call rand
    test $0xf0000000, %eax
    jnz 1f
    or $0x100, %eax
    jmp 2f
1:  and $~0x100, %eax
2:  and $0x7fd5, %eax
    or $2, %eax
    ret

/* Real mode's vectors at RM_IDT, which its code cannot write; v86 mode's
 * (for VME redirection) at 0. */
build_ivt:
    mov $(0xf0000000 + rm_h), %eax
    mov $RM_IDT, %edi
    mov $256, %ecx
    rep stosl
    xor %edi, %edi
    mov $256, %ecx
    rep stosl
    ret

/* Real-mode/v86 segments, stack, flags and registers into the shadow. */
rm_params:
    call rand_flags
    mov %eax, LIN(P_FLAGS)
    call rand
    mov %eax, LIN(P_SS)
    call rand
    mov %eax, LIN(P_DS)
    call rand
    mov %eax, LIN(P_FS)
    mov $V_REGS, %esi
    mov $LIN(P_REGS), %edi
    mov $8, %ecx
1:  movsl
    add $4, %esi
    loop 1b
    ret

mode_real:
    call maybe_a20_off
    call build_ivt
    call rm_params
    ljmp $SEL_CODE16R, $rm_from_pm

mode_v86:
    call maybe_a20_off
    call build_ivt
    call rand
    and V_CR4V, %eax                /* VME, PVI */
    mov %eax, %cr4
    mov $TSS32 + 0x68, %edi         /* interrupt redirection bitmap */
    mov $8, %ecx
1:  call rand
    stosl
    loop 1b
    call rm_params
    movzwl LIN(P_GS), %eax
    push %eax
    movzwl LIN(P_FS), %eax
    push %eax
    movzwl LIN(P_DS), %eax
    push %eax
    movzwl LIN(P_ES), %eax
    push %eax
    movzwl LIN(P_SS), %eax
    push %eax
    movzwl LIN(P_SP), %eax
    push %eax
    mov LIN(P_FLAGS), %eax
    or $0x20000, %eax               /* VM */
    push %eax
    pushl $(CODE_BUF >> 4)
    pushl $0
    jmp load_regs_iret

mode_pm16_0:
    movl $SEL_CODE16, V_TCS
    movl $0, V_TIP
    jmp same_level
mode_pm32_0:
    movl $SEL_CODE32, V_TCS
    movl $CODE_BUF, V_TIP
/* CPL 0: iret's frame at the target's stack (SS stays flat, ESP random
 * in 256 KiB-512 KiB so that the frame lands in RAM). */
same_level:
    call rand
    and $0x3fffc, %eax
    add $0x40000 - 12, %eax
    mov %eax, %ebp
    call rand_flags
    mov %eax, 8(%ebp)
    mov V_TCS, %eax
    mov %eax, 4(%ebp)
    mov V_TIP, %eax
    mov %eax, (%ebp)
    call load_dsegs
    mov %ebp, %esp
    jmp load_regs_iret

mode_pm16_3:
    movl $SEL_CODE16U, V_TCS
    movl $0, V_TIP
    jmp outer_level
mode_pm32_3:
    movl $SEL_CODE32U, V_TCS
    movl $CODE_BUF, V_TIP
outer_level:
    call rand
    mov $SEL_DATA32U, %ecx
    test $1, %al
    jz 1f
    mov $SEL_DATA16U, %ecx
1:  push %ecx
    call rand
    push %eax                       /* ESP */
    call rand_flags
    push %eax
    pushl V_TCS
    pushl V_TIP
    call load_dsegs
    jmp load_regs_iret

/* For lm_go, which has no random generator of its own: DS, ES, FS, GS;
 * FS_BASE or GS_BASE (index 0: none) and a canonical value; RFLAGS. */
lm_choices:
    mov $V_LM, %edi
    mov $4, %ecx
1:  call pick_sel
    stosl
    loop 1b
    call rand
    xor %ecx, %ecx
    test $3, %al
    jnz 2f
    and $1, %eax
    lea 0xc0000100(%eax), %ecx
2:  mov %ecx, V_LM + 16
    call rand
    mov %eax, V_LM + 20
    sar $31, %eax
    mov %eax, V_LM + 24
    call rand_flags
    mov %eax, V_LM + 28
    ret

/* DS, ES, FS, GS from pick_sel (a fault here just ends the iteration). */
load_dsegs:
    call pick_sel
    mov %eax, %gs
    call pick_sel
    mov %eax, %fs
    call pick_sel
    mov %eax, %es
    call pick_sel
    mov %eax, %ds
    ret

load_regs_iret:
    mov %ss:V_REGS + 0, %eax
    mov %ss:V_REGS + 8, %ecx
    mov %ss:V_REGS + 16, %edx
    mov %ss:V_REGS + 24, %ebx
    mov %ss:V_REGS + 40, %ebp
    mov %ss:V_REGS + 48, %esi
    mov %ss:V_REGS + 56, %edi
    iret

/* Long mode: CS, SS and RIP of the target, then enter_long. */
mode_lm64_0:
    movl $SEL_CODE64, V_TCS
    movl $SEL_DATA32, V_TSS
    movl $CODE_BUF, V_TIP
    jmp enter_long
mode_lm64_3:
    movl $SEL_CODE64U, V_TCS
    movl $SEL_DATA32U, V_TSS
    movl $CODE_BUF, V_TIP
    jmp enter_long
mode_c32_0:
    movl $SEL_CODE32, V_TCS
    movl $SEL_DATA32, V_TSS
    movl $CODE_BUF, V_TIP
    jmp enter_long
mode_c32_3:
    movl $SEL_CODE32U, V_TCS
    movl $SEL_DATA32U, V_TSS
    movl $CODE_BUF, V_TIP
    jmp enter_long
mode_c16_0:
    movl $SEL_CODE16, V_TCS
    movl $SEL_DATA32, V_TSS
    movl $0, V_TIP
    jmp enter_long
mode_c16_3:
    movl $SEL_CODE16U, V_TCS
    movl $SEL_DATA32U, V_TSS
    movl $0, V_TIP
enter_long:
    call lm_choices
    call build_paging
    call build_idt64
    movl $SUP_STACK, TSS64 + 4
    movl $0, TSS64 + 8
    movl $IST_STACK, TSS64 + 0x24
    movl $0, TSS64 + 0x28
    movw $0x68, TSS64 + 0x66
    call rand
    and $0x6c0, %eax                /* MCE, PGE, OSFXSR, OSXMMEXCPT */
    or $0x20, %eax                  /* PAE */
    mov %eax, %cr4
    mov $PML4, %eax
    mov %eax, %cr3
    call rand
    and $0x801, %eax                /* NXE, SCE */
    or $0x100, %eax                 /* LME */
    xor %edx, %edx
    mov $MSR_EFER, %ecx
    wrmsr
    call rand
    and $0x5002e, %eax              /* AM, WP, NE, TS, EM, MP */
    or $0x80000011, %eax
    mov %eax, %cr0                  /* paging on: compatibility mode */
    lidtl LIN(idt64_ptr)
    mov $SEL_TSS64, %ax
    ltr %ax
    ljmp $SEL_CODE64, $LIN(lm_go)

    .code64
lm_go:
    mov V_LM + 0, %eax              /* what enter_long picked */
    mov %eax, %ds
    mov V_LM + 4, %eax
    mov %eax, %es
    mov V_LM + 8, %eax
    mov %eax, %fs
    mov V_LM + 12, %eax
    mov %eax, %gs
    mov V_LM + 16, %ecx             /* FS/GS base now and then */
    test %ecx, %ecx
    jz 1f
    mov V_LM + 20, %eax
    mov V_LM + 24, %edx
    wrmsr
1:  movl V_TSS, %eax
    push %rax
    mov V_REGS + 32, %rax           /* RSP, made canonical */
    shl $16, %rax
    sar $16, %rax
    push %rax
    movl V_LM + 28, %eax
    push %rax
    movl V_TCS, %eax
    push %rax
    movl V_TIP, %eax
    push %rax
    mov V_REGS + 0, %rax
    mov V_REGS + 8, %rcx
    mov V_REGS + 16, %rdx
    mov V_REGS + 24, %rbx
    mov V_REGS + 40, %rbp
    mov V_REGS + 48, %rsi
    mov V_REGS + 56, %rdi
    mov V_REGS + 64, %r8
    mov V_REGS + 72, %r9
    mov V_REGS + 80, %r10
    mov V_REGS + 88, %r11
    mov V_REGS + 96, %r12
    mov V_REGS + 104, %r13
    mov V_REGS + 112, %r14
    mov V_REGS + 120, %r15
    iretq

    .code16
/* From 16-bit protected mode to real mode, then into the random code. */
rm_from_pm:
    mov $SEL_DATA16, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %fs
    mov %ax, %gs
    mov %ax, %ss
    mov $0x10, %eax
    mov %eax, %cr0
    ljmp $0xf000, $rm_go
rm_go:
    xor %ax, %ax
    mov %ax, %ss
    mov $RM_STACK, %sp
    lidtl %cs:ivt_ptr
    pushl %cs:P_FLAGS
    popfl
    mov %cs:P_DS, %ds
    mov %cs:P_ES, %es
    mov %cs:P_FS, %fs
    mov %cs:P_GS, %gs
    mov %cs:P_SS, %ss
    mov %cs:P_SP, %sp
    mov %cs:P_REGS + 0, %eax
    mov %cs:P_REGS + 4, %ecx
    mov %cs:P_REGS + 8, %edx
    mov %cs:P_REGS + 12, %ebx
    mov %cs:P_REGS + 20, %ebp
    mov %cs:P_REGS + 24, %esi
    mov %cs:P_REGS + 28, %edi
    ljmp $(CODE_BUF >> 4), $0

    .code32
/* --- rebuilding the machine --- */

a20_on32:
    in $0x92, %al
    or $0x02, %al
    and $0xfe, %al
    out %al, $0x92
    ret

/* The shadow at 0xf0000 is RAM the random code may write: compare the code
 * with the ROM's copy at the top of 4 GiB and copy it back if it differs. */
heal_shadow:
    mov $0xffff0000, %esi
    mov $0xf0000, %edi
    mov $IMAGE_LEN / 4, %ecx
    repe cmpsl
    je 1f
    mov $0xffff0000, %esi
    mov $0xf0000, %edi
    mov $IMAGE_LEN / 4, %ecx
    rep movsl
1:  ret

/* xorshift32; only EAX changes. */
rand:
    push %edx
    XORSHIFT32 V_RNG
    pop %edx
    ret

/* The generator of iteration i: seed ^ i * golden ratio, stirred. */
seed_rng:
    mov V_ITER, %eax
    imul $0x9e3779b9, %eax
    xor V_SEED, %eax
    jnz 1f
    inc %eax
1:  mov %eax, V_RNG
    call rand
    call rand
    call rand
    ret

build_gdt:
    mov $LIN(gdt_tmpl), %esi
    mov $GDT, %edi
    mov $32, %ecx
    rep movsl
    mov $32, %ecx                   /* 0x80-0xf8: garbage */
1:  call rand
    stosl
    loop 1b
    mov $LDT, %edi                  /* a random LDT */
    mov $32, %ecx
2:  call rand
    stosl
    loop 2b
    ret

build_idt32:
    mov $LIN(h32), %esi
    mov $H32_RAM, %edi
    mov $(h32_end - h32), %ecx
    rep movsb
    movb $0xea, TRAMP_EVEN          /* ljmp $0xf000, $rm_h */
    movw $rm_h, TRAMP_EVEN + 1
    movw $0xf000, TRAMP_EVEN + 3
    movb $0xea, TRAMP_ODD
    movw $rm_h, TRAMP_ODD + 1
    movw $0xf000, TRAMP_ODD + 3
    mov $H32_RAM, %eax
    mov %eax, %edx
    and $0xffff, %eax
    or $(SEL_CODE32 << 16), %eax
    and $0xffff0000, %edx
    or $0xee00, %edx                /* 32-bit interrupt gate, DPL 3 */
    mov $IDT32, %edi
    mov $256, %ecx
1:  mov %eax, (%edi)
    mov %edx, 4(%edi)
    add $8, %edi
    loop 1b
    ret

build_idt64:
    mov $LIN(h64), %eax
    mov %eax, %edx
    and $0xffff, %eax
    or $(SEL_CODE64 << 16), %eax
    and $0xffff0000, %edx
    or $0xee01, %edx                /* 64-bit interrupt gate, DPL 3, IST 1 */
    mov $IDT64, %edi
    mov $256, %ecx
1:  mov %eax, (%edi)
    mov %edx, 4(%edi)
    movl $0, 8(%edi)
    movl $0, 12(%edi)
    add $16, %edi
    loop 1b
    ret

/* Identity map of the first GiB with 2 MiB pages, user-accessible but for
 * the one holding the machine structures. */
build_paging:
    movl $PDPT | 7, PML4
    movl $0, PML4 + 4
    movl $PD0 | 7, PDPT
    movl $0, PDPT + 4
    mov $PD0, %edi
    mov $0x87, %eax
    mov $512, %ecx
1:  mov %eax, (%edi)
    movl $0, 4(%edi)
    add $0x200000, %eax
    add $8, %edi
    loop 1b
    movl $SYS | 0x83, PD0 + 8
    ret

/* The I/O bitmap (all ports allowed) is cleared once at boot. */
build_tss32:
    movl $SUP_STACK, TSS32 + 4
    movl $SEL_DATA32, TSS32 + 8
    movw $0x88, TSS32 + 0x66
    movb $0xff, TSS32 + TSS32_LIMIT
    ret

init_pic:
    PIC_INIT16 0x20, 0x28, 0xfe, 0xff   /* IRQ 0 only; plain 8-bit I/O */
    ret

init_pit:
    mov $0x34, %al                  /* channel 0, mode 2, 500 Hz */
    out %al, $PIT_MODE
    mov $0x52, %al
    out %al, $PIT_CH0
    mov $0x09, %al
    out %al, $PIT_CH0
    ret

/* Periodic interrupt at 64 Hz; reading C drops the line so the next
 * period is an edge for the I/O APIC. */
init_rtc:
    mov $0x0a, %al
    out %al, $CMOS_INDEX
    mov $0x2a, %al
    out %al, $CMOS_DATA
    mov $0x0b, %al
    out %al, $CMOS_INDEX
    mov $0x42, %al                  /* PIE, 24-hour */
    out %al, $CMOS_DATA
    mov $0x0c, %al
    out %al, $CMOS_INDEX
    in $CMOS_DATA, %al
    ret

/* Globally enabled at 0xfee00000 in xAPIC mode (through disabled if it is
 * not: x2APIC cannot go straight back), LINT0 ExtINT, LINT1 NMI. */
init_lapic:
    mov $MSR_APICBASE, %ecx
    rdmsr
    cmp $APICBASE_ON, %eax
    jne 1f
    test %edx, %edx
    jz 2f
1:  and $0x100, %eax
    xor %edx, %edx
    wrmsr
    mov $APICBASE_ON, %eax
    wrmsr
2:  mov $LAPIC_BASE, %edi
    movl $0x1ff, 0xf0(%edi)
    movl $0, 0x80(%edi)
    movl $0x10000, 0x320(%edi)
    movl $0x10000, 0x330(%edi)
    movl $0x10000, 0x340(%edi)
    movl $0x700, 0x350(%edi)
    movl $0x400, 0x360(%edi)
    movl $0x10000, 0x370(%edi)
    movl $0, 0xb0(%edi)
    movl $0, 0xb0(%edi)
    ret

/* RTC (pin 8): NMI to APIC 0, edge. */
init_ioapic:
    mov $IOAPIC, %edi
    movl $0x21, (%edi)
    movl $0, 0x10(%edi)
    movl $0x20, (%edi)
    movl $0x400, 0x10(%edi)
    ret

ioapic_mask_all:
    mov $IOAPIC, %edi
    mov $0x10, %ecx
1:  mov %ecx, (%edi)
    movl $0x10000, 0x10(%edi)
    add $2, %ecx
    cmp $0x40, %ecx
    jb 1b
    ret

gen_code:
    mov $CODE_BUF, %edi
    mov $CODE_DWORDS, %ecx
1:  call rand
    stosl
    loop 1b
    ret

gen_regs:
    mov $V_REGS, %edi
    mov $32, %ecx
1:  call rand
    stosl
    loop 1b
    ret

/* --- persistent state: seed, iteration, check word --- */

cmos_read32:                        /* CL: first index -> EAX */
    push %ecx
    push %edx
    xor %edx, %edx
    add $3, %cl
    mov $4, %ch
1:  mov %cl, %al
    out %al, $CMOS_INDEX
    in $CMOS_DATA, %al
    shl $8, %edx
    mov %al, %dl
    dec %cl
    dec %ch
    jnz 1b
    mov %edx, %eax
    pop %edx
    pop %ecx
    ret

cmos_write32:                       /* CL: first index, EAX: value */
    push %ecx
    push %eax
    mov $4, %ch
1:  push %eax
    mov %cl, %al
    out %al, $CMOS_INDEX
    pop %eax
    out %al, $CMOS_DATA
    shr $8, %eax
    inc %cl
    dec %ch
    jnz 1b
    pop %eax
    pop %ecx
    ret

save_state:
    mov V_SEED, %esi
    mov V_ITER, %edi
    mov %esi, %edx
    xor %edi, %edx
    xor $ST_MAGIC, %edx
    mov %esi, RAMSTATE
    mov %edi, RAMSTATE + 4
    mov %edx, RAMSTATE + 8
    mov $CMOS_STATE, %cl
    mov %esi, %eax
    call cmos_write32
    add $4, %cl
    mov %edi, %eax
    call cmos_write32
    add $4, %cl
    mov %edx, %eax
    call cmos_write32
    ret

/* ZF set if ESI (seed), EDI (iteration), EAX (check) are a valid state for
 * the image's seed EBX. */
state_valid:
    cmp %esi, %ebx
    jne 1f
    mov %esi, %edx
    xor %edi, %edx
    xor $ST_MAGIC, %edx
    cmp %edx, %eax
1:  ret

load_state:
    mov LIN(seed_word), %ebx
    mov $CMOS_STATE, %cl
    call cmos_read32
    mov %eax, %esi
    add $4, %cl
    call cmos_read32
    mov %eax, %edi
    add $4, %cl
    call cmos_read32
    call state_valid
    je 1f
    mov RAMSTATE, %esi
    mov RAMSTATE + 4, %edi
    mov RAMSTATE + 8, %eax
    call state_valid
    je 1f
    mov %ebx, V_SEED
    mov LIN(start_word), %eax
    dec %eax
    mov %eax, V_ITER
    mov $LIN(m_seed), %esi
    call puts32
    mov %ebx, %eax
    call putdec32
    mov $LIN(m_start), %esi
    call puts32
    mov V_ITER, %eax
    inc %eax
    call putdec32
    call crlf
    ret
1:  mov %esi, V_SEED
    mov %edi, V_ITER
    ret

progress:
    testb $0xff, V_ITER
    jnz 1f
    mov $LIN(m_iter), %esi
    call puts32
    mov V_ITER, %eax
    call putdec32
    call crlf
1:  ret

/* --- after every (re)boot: the devices are in their power-on state --- */

check_power_on:
    in $PIC1_DATA, %al
    mov %al, %ah
    in $PIC2_DATA, %al
    or %ah, %al
    mov $LIN(m_pic), %esi
    jnz fail
    mov $0xe2, %al                  /* read-back: channel 0 status */
    out %al, $PIT_MODE
    in $PIT_CH0, %al
    and $0x3f, %al
    cmp $0x36, %al
    mov $LIN(m_pit), %esi
    jne fail
    mov $0x0b, %al
    out %al, $CMOS_INDEX
    in $CMOS_DATA, %al
    test $0x78, %al
    mov $LIN(m_rtc), %esi
    jnz fail
    mov $0x602, %dx                 /* PIIX4 PM: nothing decoded before firmware */
    in %dx, %ax
    cmp $0xffff, %ax
    mov $LIN(m_acpi_on), %esi
    jne fail
    call pm_enable
    in %dx, %ax
    test %ax, %ax
    mov $LIN(m_acpi), %esi
    jnz fail
    mov $LAPIC_BASE, %edi
    mov 0xf0(%edi), %eax
    cmp $0xff, %eax
    mov $LIN(m_lapic), %esi
    jne fail
    mov $IOAPIC, %edi
    movl $0x20, (%edi)
    mov 0x10(%edi), %eax
    test $0x10000, %eax
    mov $LIN(m_ioapic), %esi
    jz fail
    ret

/* As firmware does: the PIIX4 PM function (00:01.3) decodes its block at
 * 0x600 (PMBA at 0x40, PMREGMISC bit 0 at 0x80).  Keeps DX. */
pm_enable:
    push %edx
    mov $0xcf8, %dx
    mov $0x80000b40, %eax
    out %eax, %dx
    mov $0xcfc, %dx
    mov $0x601, %eax
    out %eax, %dx
    mov $0xcf8, %dx
    mov $0x80000b80, %eax
    out %eax, %dx
    mov $0xcfc, %dx
    mov $1, %al
    out %al, %dx
    pop %edx
    ret

/* Port 0x92 closes A20 (the write above 1 MiB wraps) and opens it. */
check_a20:
    movl $0x11111111, CHECK_LOW
    movl $0x22222222, CHECK_LOW + 0x100000
    cmpl $0x11111111, CHECK_LOW
    mov $LIN(m_a20_on), %esi
    jne fail
    in $0x92, %al
    test $2, %al
    jz fail
    and $0xfc, %al
    out %al, $0x92
    movl $0x33333333, CHECK_LOW + 0x100000
    mov CHECK_LOW, %ebx
    call a20_on32
    cmp $0x33333333, %ebx
    mov $LIN(m_a20_off), %esi
    jne fail
    ret

/* Print "hostile: FAIL: " and the string at ESI. */
fail:
    push %esi
    mov $LIN(m_fail), %esi
    call puts32
    pop %esi
    call puts32
    jmp crlf

crlf:
    push %esi
    mov $LIN(m_crlf), %esi
    call puts32
    pop %esi
    ret

putdec32:                           /* EAX, unsigned */
    push %eax
    push %ecx
    push %edx
    push %ebx
    mov $10, %ebx
    xor %ecx, %ecx
1:  xor %edx, %edx
    div %ebx
    push %edx
    inc %ecx
    test %eax, %eax
    jnz 1b
2:  pop %eax
    add $'0', %al
    call putc32
    loop 2b
    pop %ebx
    pop %edx
    pop %ecx
    pop %eax
    ret

serial_init32:
    mov $UART_IER, %dx
    xor %al, %al
    out %al, %dx
    mov $UART_LCR, %dx
    mov $0x80, %al
    out %al, %dx
    mov $UART_DLL, %dx
    mov $1, %al
    out %al, %dx
    mov $UART_DLM, %dx
    xor %al, %al
    out %al, %dx
    mov $UART_LCR, %dx
    mov $0x03, %al
    out %al, %dx
    mov $UART_MCR, %dx
    mov $0x03, %al
    out %al, %dx
    ret

    SERIAL32_FUNCS

    .balign 8
gdt_tmpl:
    .quad 0
    .quad 0x00cf9b000000ffff        /* 0x08: 32-bit code */
    .quad 0x00cf93000000ffff        /* 0x10: data */
    .quad 0x00af9b000000ffff        /* 0x18: 64-bit code */
    .quad 0x00009b0f0000ffff        /* 0x20: 16-bit code, base 0xf0000 */
    .quad 0x000093000000ffff        /* 0x28: 16-bit data */
    .quad 0x00cffb000000ffff        /* 0x30: 32-bit code, DPL 3 */
    .quad 0x00cff3000000ffff        /* 0x38: data, DPL 3 */
    .quad 0x00affb000000ffff        /* 0x40: 64-bit code, DPL 3 */
    .quad 0x00009b010000ffff        /* 0x48: 16-bit code, base 0x10000 */
    .quad 0x0000fb010000ffff        /* 0x50: the same, DPL 3 */
    .quad 0x0000f3000000ffff        /* 0x58: 16-bit data, DPL 3 */
    .quad 0x0000892040002088        /* 0x60: 32-bit TSS */
    .quad 0x0000892070000067        /* 0x68: 64-bit TSS (16 bytes) */
    .quad 0
    .quad 0x000082207800007f        /* 0x78: LDT, 16 entries */
gdt_tmpl_ptr:
    .word 0x7f
    .long LIN(gdt_tmpl)
gdt_rom_ptr:
    .word 0x7f
    .long ROM(gdt_tmpl)
gdt_tmpl_ptr64:
    .word 0x7f
    .long LIN(gdt_tmpl), 0
gdt_ptr:
    .word GDT_LIMIT
    .long GDT
idt32_ptr:
    .word 0x7ff
    .long IDT32
idt64_ptr:
    .word 0xfff
    .long IDT64
ivt_ptr:
    .word 0x3ff
    .long RM_IDT
null_idt_ptr:
    .word 0
    .long 0

m_seed:      .asciz "hostile: seed "
m_start:     .asciz " start "
m_iter:      .asciz "hostile: iter "
m_poweroff:  .asciz "hostile: poweroff at iter "
m_fail:      .asciz "hostile: FAIL: "
m_crlf:      .asciz "\r\n"
m_nores_kbc: .asciz "no reset after i8042 command 0xfe"
m_nores_92:  .asciz "no reset after port 0x92 bit 0"
m_nores_cf9: .asciz "no reset after 0x06 to port 0xcf9"
m_nores_tf:  .asciz "no reset after a triple fault"
m_nooff:     .asciz "no power-off after ACPI SLP_EN with S5"
m_hlt:       .asciz "HLT went on without an interrupt"
m_pic:       .asciz "8259 masks not clear after reset"
m_pit:       .asciz "PIT channel 0 not in mode 3 after reset"
m_rtc:       .asciz "RTC interrupts enabled after reset"
m_acpi:      .asciz "ACPI PM1_EN not clear after reset"
m_acpi_on:   .asciz "ACPI PM block decoded before firmware enabled it"
m_lapic:     .asciz "local APIC not software-disabled after reset"
m_ioapic:    .asciz "I/O APIC pin 8 not masked after reset"
m_a20_on:    .asciz "A20 not open after reset"
m_a20_reset: .asciz "port 0x92 reads A20 closed after reset"
m_a20_off:   .asciz "A20 does not close through port 0x92 after reset"

    .org IMAGE_LEN                  /* fails if the healed part outgrew it */

    .code32
/* --- boot: protected mode, checks, the saved state, then recover --- */
boot32:
    mov $SEL_DATA32, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    mov %eax, %fs
    mov %eax, %gs
    mov $SUP_STACK, %esp
    cld
    call serial_init32
    and $0x60000000, %ebp           /* random code may slide into _start */
    cmp $0x60000000, %ebp
    jne 1f
    test $2, %bl
    mov $LIN(m_a20_reset), %esi
    jz 2f
    call check_power_on
    call check_a20
    jmp 1f
2:  call fail
1:  call load_state
    call ioapic_mask_all
    mov $1, %eax
    cpuid
    and $2, %edx                    /* VME */
    jz 1f
    mov $3, %edx
1:  mov %edx, V_CR4V
    mov $TSS32, %edi                /* TSS, redirection and I/O bitmaps */
    xor %eax, %eax
    mov $(TSS32_LIMIT + 4) / 4, %ecx
    rep stosl
    jmp recover

    .code16
    SERIAL16_FUNCS

/* The reset vector, then the seed and the first iteration. */
    .section .reset, "ax"
    .code16
    ljmp $0xf000, $_start
    .org 8, 0xf4
seed_word:  .long 1
start_word: .long 0
