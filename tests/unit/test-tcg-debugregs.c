/* The x86 debug facilities under TCG (SDM vol. 3 ch. 17): RFLAGS.RF in
 * fault frames and its one-instruction lifetime after IRET; DR0-DR3/DR7
 * instruction, data and I/O breakpoints, including the processor's own
 * accesses (interrupt frames, descriptors) and vCPUs sharing code. */
#include "tests/unit/unit.h"
#include "tests/unit/cpu-harness.h"
#include "tests/unit/tcg-harness.h"

#include "accel/tcg.h"
#include "hw/core/machine.h"
#include "translate/flags.h"
#include "translate/tb.h"
#include "translate/tlb.h"

#include <string.h>

#define IDT 0x800       /* tt_cpu(32)'s IDT */
#define HANDLER 0x2000  /* HLT */

/* Run with exceptions delivered through the IDT until HLT. */
static bool run_to_hlt(CPUState *cpu)
{
    for (int i = 0; i < 1000; i++) {
        if (tcg_exec_slice(cpu, 100000) == TCG_EXIT_HALTED)
            return true;
    }
    return false;
}

static CPUState *cpu32_with_gate(int vec)
{
    CPUState *cpu = tt_cpu(32);
    pw64(IDT + (uint64_t)vec * 8, mkgate(0x08, HANDLER, 0xe, 0, 0));
    pw8(HANDLER, 0xf4);
    return cpu;
}

TEST(tcg_debugregs, fault_frame_has_rf)
{
    CPUState *cpu = cpu32_with_gate(EXC_UD);
    static const uint8_t code[] = { 0x0f, 0x0b };          /* ud2 */
    tt_load(code, sizeof(code));
    CHECK(run_to_hlt(cpu));
    CHECK_EQ(cpu->env.regs[R_ESP], TT_STACK - 12);
    CHECK_EQ(pr32(TT_STACK - 12), TT_CODE);                /* the faulting eip */
    CHECK_EQ(pr32(TT_STACK - 8) & 0xffff, 0x08);
    CHECK(pr32(TT_STACK - 4) & FL_RF);                     /* RF in the image */
    CHECK_EQ(cpu->env.rflags & FL_RF, 0);                  /* cleared for the handler */
}

TEST(tcg_debugregs, soft_int_frame_has_no_rf)
{
    CPUState *cpu = cpu32_with_gate(0x30);
    static const uint8_t code[] = { 0xcd, 0x30 };          /* int 0x30 */
    tt_load(code, sizeof(code));
    CHECK(run_to_hlt(cpu));
    CHECK_EQ(pr32(TT_STACK - 12), TT_CODE + 2);
    CHECK_EQ(pr32(TT_STACK - 4) & FL_RF, 0);
}

TEST(tcg_debugregs, iret_rf_lasts_one_instruction)
{
    CPUState *cpu = cpu32_with_gate(0x30);
    /* iret to 0x1100 with RF=1; there: nop; int 0x30 */
    static const uint8_t code[] = { 0xcf };
    tt_load(code, sizeof(code));
    pw8(0x1100, 0x90);
    pw8(0x1101, 0xcd);
    pw8(0x1102, 0x30);
    pw32(TT_STACK, 0x1100);
    pw32(TT_STACK + 4, 0x08);
    pw32(TT_STACK + 8, 0x2 | FL_RF);
    CHECK(run_to_hlt(cpu));
    /* int's frame sits where the IRET frame ended */
    CHECK_EQ(cpu->env.regs[R_ESP], TT_STACK);
    CHECK_EQ(pr32(TT_STACK), 0x1103);
    CHECK_EQ(pr32(TT_STACK + 8) & FL_RF, 0);               /* nop completed: RF gone */
}

TEST(tcg_debugregs, insn_breakpoint_faults_before_the_insn)
{
    CPUState *cpu = tt_cpu(32);
    static const uint8_t code[] = { 0x90, 0x40, 0x40, 0xf4 };   /* nop; inc eax x2; hlt */
    tt_load(code, sizeof(code));
    cpu->env.dr[0] = TT_CODE + 2;
    cpu->env.dr[7] = 0x400 | 1;                                  /* L0, R/W0 = exec */
    CHECK_EQ(tt_run(cpu), EXC_DB);
    CHECK_EQ(cpu->env.rip, TT_CODE + 2);
    CHECK_EQ(cpu->env.regs[R_EAX], 1);                           /* not executed yet */
    CHECK_EQ(cpu->env.dr[6] & 0xf, 1);                           /* B0 */
}

/* #DB handler: count in ebx, set RF in the frame, IRET. */
static const uint8_t db_handler_rf[] = {
    0x43,                                           /* inc ebx */
    0x81, 0x4c, 0x24, 0x08, 0x00, 0x00, 0x01, 0x00, /* or dword [esp+8], 0x10000 */
    0xcf,                                           /* iret */
};

TEST(tcg_debugregs, rf_from_iret_passes_the_breakpoint_once)
{
    CPUState *cpu = cpu32_with_gate(EXC_DB);
    for (size_t i = 0; i < sizeof(db_handler_rf); i++)
        pw8(HANDLER + i, db_handler_rf[i]);
    /* the breakpoint is hit again by the loop: mov ecx,2; l: inc eax; loop l; hlt */
    static const uint8_t code[] = { 0xb9, 0x02, 0x00, 0x00, 0x00, 0x40, 0xe2, 0xfd, 0xf4 };
    tt_load(code, sizeof(code));
    cpu->env.dr[1] = TT_CODE + 5;
    cpu->env.dr[7] = 0x400 | (2 << 2);                           /* G1 */
    CHECK(run_to_hlt(cpu));
    CHECK_EQ(cpu->env.regs[R_EAX], 2);
    CHECK_EQ(cpu->env.regs[R_EBX], 2);                           /* one #DB per pass */
    CHECK_EQ(cpu->env.dr[6] & 0xf, 2);                           /* B1 */
}

TEST(tcg_debugregs, mov_dr7_arms_breakpoint_in_running_code)
{
    CPUState *cpu = tt_cpu(32);
    /* one block: mov eax,TT_CODE+17; mov dr0,eax; mov eax,0x401; mov dr7,eax;
     * inc ebx; inc ebx (at +17, inside code translated before DR7 armed it); hlt */
    static const uint8_t code[] = { 0xb8, (TT_CODE + 17) & 0xff, (TT_CODE + 17) >> 8, 0, 0,
                                    0x0f, 0x23, 0xc0,
                                    0xb8, 0x01, 0x04, 0, 0,
                                    0x0f, 0x23, 0xf8,
                                    0x43, 0x43, 0xf4 };
    tt_load(code, sizeof(code));
    CHECK_EQ(tt_run(cpu), EXC_DB);
    CHECK_EQ(cpu->env.rip, TT_CODE + 17);
    CHECK_EQ(cpu->env.regs[R_EBX], 1);
    CHECK_EQ(cpu->env.dr[6] & 0xf, 1);
}

TEST(tcg_debugregs, general_detect_faults_on_mov_dr)
{
    CPUState *cpu = tt_cpu(32);
    static const uint8_t code[] = { 0x90, 0x0f, 0x21, 0xc0, 0xf4 };  /* nop; mov eax,dr0; hlt */
    tt_load(code, sizeof(code));
    cpu->env.dr[0] = 0x1234;
    cpu->env.dr[7] = 0x400 | (1u << 13);                         /* GD */
    CHECK_EQ(tt_run(cpu), EXC_DB);
    CHECK_EQ(cpu->env.rip, TT_CODE + 1);                         /* a fault */
    CHECK_EQ(cpu->env.regs[R_EAX], 0);
    CHECK(cpu->env.dr[6] & (1u << 13));                          /* BD */
    CHECK_EQ(cpu->env.dr[7] & (1u << 13), 0);                    /* GD cleared */
    CHECK_EQ(tt_run(cpu), -1);                                   /* now it runs */
    CHECK_EQ(cpu->env.regs[R_EAX], 0x1234);
}

TEST(tcg_debugregs, dr4_dr5_alias_or_ud)
{
    CPUState *cpu = tt_cpu(32);
    /* mov eax,dr5 (DR7 with CR4.DE=0); hlt */
    static const uint8_t code[] = { 0x0f, 0x21, 0xe8, 0xf4 };
    tt_load(code, sizeof(code));
    cpu->env.dr[7] = 0x400;
    CHECK_EQ(tt_run(cpu), -1);
    CHECK_EQ(cpu->env.regs[R_EAX], 0x400);
    cpu->env.rip = TT_CODE;
    cpu->env.halted = false;
    cpu->env.cr4 |= CR4_DE;
    CHECK_EQ(tt_run(cpu), EXC_UD);
}

TEST(tcg_debugregs, data_write_breakpoint_traps_after_the_store)
{
    CPUState *cpu = tt_cpu(32);
    /* mov eax,[TT_DATA+4] (a read: no hit); mov [TT_DATA+6],ax; inc ebx; hlt */
    static const uint8_t code[] = { 0x8b, 0x05, 0x04, 0x00, 0x02, 0x00,
                                    0x66, 0xa3, 0x06, 0x00, 0x02, 0x00,
                                    0x43, 0xf4 };
    tt_load(code, sizeof(code));
    tt_wr(TT_DATA + 4, 0xbeef, 4);
    cpu->env.dr[1] = TT_DATA + 4;
    cpu->env.dr[7] = 0x400 | (1u << 2) | (0xdu << 20);          /* L1, R/W1 = write, LEN1 = 4 */
    CHECK_EQ(tt_run(cpu), EXC_DB);
    CHECK_EQ(cpu->env.rip, TT_CODE + 12);                        /* a trap: after the store */
    CHECK_EQ(tt_rd(TT_DATA + 6, 2), 0xbeef);
    CHECK_EQ(cpu->env.regs[R_EBX], 0);
    CHECK_EQ(cpu->env.dr[6] & 0xf, 2);                           /* B1 */
}

TEST(tcg_debugregs, data_read_write_breakpoint_sees_loads)
{
    CPUState *cpu = tt_cpu(32);
    /* nop; mov eax,[TT_DATA+8]; hlt  -- DR0 = TT_DATA+9, LEN 1, R/W 11 */
    static const uint8_t code[] = { 0x90, 0x8b, 0x05, 0x08, 0x00, 0x02, 0x00, 0xf4 };
    tt_load(code, sizeof(code));
    cpu->env.dr[0] = TT_DATA + 9;
    cpu->env.dr[7] = 0x400 | 1 | (3u << 16);
    CHECK_EQ(tt_run(cpu), EXC_DB);
    CHECK_EQ(cpu->env.rip, TT_CODE + 7);
    CHECK_EQ(cpu->env.dr[6] & 0xf, 1);
}

TEST(tcg_debugregs, mov_dr0_moves_an_armed_breakpoint)
{
    CPUState *cpu = tt_cpu(32);
    /* mov dr0,eax; inc ebx; inc ebx; hlt */
    static const uint8_t code[] = { 0x0f, 0x23, 0xc0, 0x43, 0x43, 0xf4 };
    tt_load(code, sizeof(code));
    cpu->env.dr[7] = 0x400 | 1;
    cpu->env.regs[R_EAX] = TT_CODE + 0x100;         /* armed elsewhere: code cached */
    CHECK_EQ(tt_run(cpu), -1);
    CHECK_EQ(cpu->env.regs[R_EBX], 2);
    cpu->env.rip = TT_CODE;
    cpu->env.halted = false;
    cpu->env.regs[R_EAX] = TT_CODE + 4;             /* now on the second inc */
    CHECK_EQ(tt_run(cpu), EXC_DB);
    CHECK_EQ(cpu->env.rip, TT_CODE + 4);
    CHECK_EQ(cpu->env.regs[R_EBX], 3);
}

/* DR7 bits of breakpoint n: Ln, R/W n and LEN n (LEN 00/01/11/10 = 1/2/4/8
 * bytes, SDM 17.2.4). */
static uint64_t dr7_bp(unsigned n, unsigned rw, unsigned len)
{
    unsigned lenc = len == 1 ? 0 : len == 2 ? 1 : len == 8 ? 2 : 3;
    return (1ull << (2 * n)) | ((uint64_t)rw << (16 + 4 * n)) | ((uint64_t)lenc << (18 + 4 * n));
}

#define RW_IO 2

/* SDM 17.3.1.2: an I/O breakpoint is a trap after the IN/OUT. */
TEST(tcg_debugregs, io_breakpoint_traps_after_in)
{
    CPUState *cpu = tt_cpu(32);
    /* nop; in al,0x71; inc ebx; hlt -- DR0 = port 0x70, LEN 2 */
    static const uint8_t code[] = { 0x90, 0xe4, 0x71, 0x43, 0xf4 };
    tt_load(code, sizeof(code));
    cpu->env.cr4 |= CR4_DE;
    cpu->env.dr[0] = 0x70;
    cpu->env.dr[7] = 0x400 | dr7_bp(0, RW_IO, 2);
    CHECK_EQ(tt_run(cpu), EXC_DB);
    CHECK_EQ(cpu->env.rip, TT_CODE + 3);                         /* after the IN */
    CHECK_EQ(cpu->env.regs[R_EBX], 0);
    CHECK_EQ(cpu->env.dr[6] & 0xf, 1);                           /* B0 */
}

/* SDM 17.2.5: the LEN range (aligned) against the bytes of the access:
 * OUT DX,EAX at 0x3fe touches ports 0x3fe-0x401. */
TEST(tcg_debugregs, io_breakpoint_len_ranges)
{
    CPUState *cpu = tt_cpu(32);
    /* mov dx,0x3fe; out dx,eax; hlt */
    static const uint8_t code[] = { 0x66, 0xba, 0xfe, 0x03, 0xef, 0xf4 };
    tt_load(code, sizeof(code));
    cpu->env.cr4 |= CR4_DE;
    cpu->env.dr[0] = 0x3fd;         /* LEN 1: 0x3fd only, just below */
    cpu->env.dr[1] = 0x401;         /* LEN 2: 0x400-0x401, overlaps the end */
    cpu->env.dr[2] = 0x402;         /* LEN 2: 0x402-0x403, just above */
    cpu->env.dr[3] = 0x3fb;         /* LEN 8: aligned down to 0x3f8-0x3ff */
    cpu->env.dr[7] = 0x400 | dr7_bp(0, RW_IO, 1) | dr7_bp(1, RW_IO, 2) |
                     dr7_bp(2, RW_IO, 2) | dr7_bp(3, RW_IO, 8);
    CHECK_EQ(tt_run(cpu), EXC_DB);
    CHECK_EQ(cpu->env.rip, TT_CODE + 5);
    CHECK_EQ(cpu->env.dr[6] & 0xf, 0xa);                         /* B1, B3 */
}

/* Without CR4.DE, R/W 10 is undefined (SDM 17.2.4): no I/O breakpoint. */
TEST(tcg_debugregs, io_breakpoint_needs_cr4_de)
{
    CPUState *cpu = tt_cpu(32);
    static const uint8_t code[] = { 0xe4, 0x70, 0xe6, 0x70, 0x43, 0xf4 };  /* in; out; inc; hlt */
    tt_load(code, sizeof(code));
    cpu->env.dr[0] = 0x70;
    cpu->env.dr[7] = 0x400 | dr7_bp(0, RW_IO, 1);
    CHECK_EQ(tt_run(cpu), -1);
    CHECK_EQ(cpu->env.regs[R_EBX], 1);
    CHECK_EQ(cpu->env.dr[6] & 0xf, 0);
}

/* SDM 17.3.1.2: REP INS with an I/O breakpoint traps after the first
 * iteration; rip stays on the instruction, which goes on after the
 * handler. */
TEST(tcg_debugregs, io_breakpoint_rep_insb_first_iteration)
{
    CPUState *cpu = tt_cpu(32);
    /* mov ecx,3; mov edi,TT_DATA; mov dx,0x61; rep insb; hlt */
    static const uint8_t code[] = { 0xb9, 0x03, 0x00, 0x00, 0x00,
                                    0xbf, 0x00, 0x00, 0x02, 0x00,
                                    0x66, 0xba, 0x61, 0x00,
                                    0xf3, 0x6c, 0xf4 };
    tt_load(code, sizeof(code));
    cpu->env.cr4 |= CR4_DE;
    cpu->env.dr[2] = 0x61;
    cpu->env.dr[7] = 0x400 | dr7_bp(2, RW_IO, 1);
    CHECK_EQ(tt_run(cpu), EXC_DB);
    CHECK_EQ(cpu->env.rip, TT_CODE + 14);                        /* the REP INSB */
    CHECK_EQ(cpu->env.regs[R_ECX], 2);
    CHECK_EQ(cpu->env.regs[R_EDI], TT_DATA + 1);
    CHECK_EQ(cpu->env.dr[6] & 0xf, 4);                           /* B2 */
}

/* SDM 17.3.1.2: REP INS/OUTS raise a memory breakpoint after the
 * iteration that accessed the location (here the third byte stored). */
TEST(tcg_debugregs, data_breakpoint_rep_insb_after_matching_iteration)
{
    CPUState *cpu = tt_cpu(32);
    static const uint8_t code[] = { 0xb9, 0x05, 0x00, 0x00, 0x00,
                                    0xbf, 0x00, 0x00, 0x02, 0x00,
                                    0x66, 0xba, 0x61, 0x00,
                                    0xf3, 0x6c, 0xf4 };
    tt_load(code, sizeof(code));
    cpu->env.dr[1] = TT_DATA + 2;
    cpu->env.dr[7] = 0x400 | dr7_bp(1, 1, 1);                    /* write */
    CHECK_EQ(tt_run(cpu), EXC_DB);
    CHECK_EQ(cpu->env.rip, TT_CODE + 14);
    CHECK_EQ(cpu->env.regs[R_ECX], 2);
    CHECK_EQ(cpu->env.regs[R_EDI], TT_DATA + 3);
    CHECK_EQ(cpu->env.dr[6] & 0xf, 2);                           /* B1 */
    CHECK_EQ(tt_run(cpu), -1);                                   /* the rest runs */
    CHECK_EQ(cpu->env.regs[R_ECX], 0);
    CHECK_EQ(cpu->env.regs[R_EDI], TT_DATA + 5);
}

/* SDM 17.3.1.2 makes no exception for the processor's own accesses: the
 * frame INT pushes is a data write, and the #DB trap comes once INT is
 * done, before the handler's first instruction. */
TEST(tcg_debugregs, data_breakpoint_on_int_frame_push)
{
    CPUState *cpu = cpu32_with_gate(0x30);
    static const uint8_t code[] = { 0xcd, 0x30 };                /* int 0x30 */
    tt_load(code, sizeof(code));
    cpu->env.dr[0] = TT_STACK - 4;                               /* the EFLAGS slot */
    cpu->env.dr[7] = 0x400 | dr7_bp(0, 1, 4);
    CHECK_EQ(tt_run(cpu), EXC_DB);
    CHECK_EQ(cpu->env.rip, HANDLER);
    CHECK_EQ(cpu->env.regs[R_ESP], TT_STACK - 12);
    CHECK_EQ(pr32(TT_STACK - 12), TT_CODE + 2);
    CHECK_EQ(cpu->env.dr[6] & 0xf, 1);
}

/* A #DB handler at HANDLER + 0x100 that loads the interrupted EIP (the
 * first instruction of the handler the #DB came before) into EBX. */
static void db_handler_reads_eip(void)
{
    static const uint8_t db_handler[] = { 0x8b, 0x1c, 0x24, 0xf4 };   /* mov ebx,[esp]; hlt */
    pw64(IDT + EXC_DB * 8, mkgate(0x08, HANDLER + 0x100, 0xe, 0, 0));
    for (size_t i = 0; i < sizeof(db_handler); i++)
        pw8(HANDLER + 0x100 + i, db_handler[i]);
}

/* An exception's frame the same way, delivered by the execution loop: the
 * #DB handler's frame holds the #UD handler's first instruction. */
TEST(tcg_debugregs, data_breakpoint_on_exception_frame_push)
{
    CPUState *cpu = cpu32_with_gate(EXC_UD);
    db_handler_reads_eip();
    static const uint8_t code[] = { 0x0f, 0x0b };                /* ud2 */
    tt_load(code, sizeof(code));
    cpu->env.dr[3] = TT_STACK - 12;                              /* the EIP slot */
    cpu->env.dr[7] = 0x400 | dr7_bp(3, 1, 4);
    CHECK(run_to_hlt(cpu));
    CHECK_EQ(cpu->env.rip, HANDLER + 0x104);                     /* the #DB handler ran */
    CHECK_EQ(cpu->env.regs[R_EBX], HANDLER);
    CHECK_EQ(cpu->env.regs[R_ESP], TT_STACK - 24);
    CHECK_EQ(cpu->env.dr[6] & 0xf, 8);                           /* B3 */
}

/* Loading DS reads its GDT descriptor (and sets its accessed bit): a
 * read/write breakpoint on it traps after the MOV. */
TEST(tcg_debugregs, data_breakpoint_on_descriptor_read)
{
    CPUState *cpu = tt_cpu(32);
    /* nop; mov ax,0x10; mov ds,ax; inc ebx; hlt */
    static const uint8_t code[] = { 0x90, 0x66, 0xb8, 0x10, 0x00, 0x8e, 0xd8, 0x43, 0xf4 };
    tt_load(code, sizeof(code));
    cpu->env.dr[1] = 0x600 + 0x10;                               /* tt_cpu(32)'s GDT */
    cpu->env.dr[7] = 0x400 | dr7_bp(1, 3, 8);
    CHECK_EQ(tt_run(cpu), EXC_DB);
    CHECK_EQ(cpu->env.rip, TT_CODE + 7);
    CHECK_EQ(cpu->env.regs[R_EBX], 0);
    CHECK_EQ(cpu->env.dr[6] & 0xf, 2);
}

/* ---- SMP: vCPUs with different breakpoint sets share the TB cache ---- */

/* A second vCPU on tt_cpu's board, in the same mode and state. */
static CPUState *second_cpu(CPUState *cpu0)
{
    Machine *m = cpu0->machine;
    CPUState *cpu1 = cpu_create(m, 1, NULL, NULL);
    memcpy(cpu1->features, cpu0->features, sizeof(cpu1->features));
    memcpy(&cpu1->env, &cpu0->env, sizeof(cpu1->env));
    m->cpus[1] = cpu1;
    m->ncpus = 2;
    tcg_cpu_init(cpu1);
    return cpu1;
}

/* CPU 0 translates nop; inc eax; inc eax; hlt as one block (its own
 * instruction breakpoint is elsewhere); CPU 1, with DR0 on the second INC,
 * must still fault there (SDM 17.3.1.1: DR0-DR3 are per processor). */
TEST(tcg_debugregs, smp_insn_breakpoint_inside_anothers_block)
{
    CPUState *cpu0 = tt_cpu(32);
    static const uint8_t code[] = { 0x90, 0x40, 0x40, 0xf4 };
    tt_load(code, sizeof(code));
    CPUState *cpu1 = second_cpu(cpu0);
    cpu0->env.dr[0] = 0x5000;
    cpu0->env.dr[7] = 0x400 | dr7_bp(0, 0, 1);
    cpu1->env.dr[0] = TT_CODE + 2;
    cpu1->env.dr[7] = 0x400 | dr7_bp(0, 0, 1);
    CHECK_EQ(tt_run(cpu0), -1);
    CHECK_EQ(cpu0->env.regs[R_EAX], 2);
    CHECK_EQ(tt_run(cpu1), EXC_DB);
    CHECK_EQ(cpu1->env.rip, TT_CODE + 2);
    CHECK_EQ(cpu1->env.regs[R_EAX], 1);
    CHECK_EQ(cpu1->env.dr[6] & 0xf, 1);
    /* and CPU 0 still runs its blocks through */
    cpu0->env.rip = TT_CODE;
    cpu0->env.halted = false;
    CHECK_EQ(tt_run(cpu0), -1);
    CHECK_EQ(cpu0->env.regs[R_EAX], 4);
}

/* CPU 1's data breakpoint needs one-instruction blocks even where CPU 0
 * (an instruction breakpoint only) translated longer ones: the trap comes
 * right after the store. */
TEST(tcg_debugregs, smp_data_breakpoint_in_anothers_block)
{
    CPUState *cpu0 = tt_cpu(32);
    /* mov [TT_DATA],eax; inc ebx; hlt */
    static const uint8_t code[] = { 0xa3, 0x00, 0x00, 0x02, 0x00, 0x43, 0xf4 };
    tt_load(code, sizeof(code));
    CPUState *cpu1 = second_cpu(cpu0);
    cpu0->env.dr[0] = 0x5000;
    cpu0->env.dr[7] = 0x400 | dr7_bp(0, 0, 1);
    cpu1->env.dr[0] = 0x5000;
    cpu1->env.dr[1] = TT_DATA;
    cpu1->env.dr[7] = 0x400 | dr7_bp(0, 0, 1) | dr7_bp(1, 1, 4);
    CHECK_EQ(tt_run(cpu0), -1);
    CHECK_EQ(cpu0->env.regs[R_EBX], 1);
    CHECK_EQ(tt_run(cpu1), EXC_DB);
    CHECK_EQ(cpu1->env.rip, TT_CODE + 5);
    CHECK_EQ(cpu1->env.regs[R_EBX], 0);
    CHECK_EQ(cpu1->env.dr[6] & 0xf, 2);
}

/* More distinct breakpoint sets than TB keys (set without MOV DR, which
 * would drop the code anyway): the cache starts over and breakpoints
 * still act. */
TEST(tcg_debugregs, more_breakpoint_sets_than_tb_keys)
{
    CPUState *cpu = tt_cpu(32);
    static const uint8_t code[] = { 0x90, 0x40, 0x40, 0xf4 };
    tt_load(code, sizeof(code));
    cpu->env.dr[7] = 0x400 | dr7_bp(0, 0, 1);
    for (unsigned i = 0; i < 300; i++) {
        cpu->env.dr[0] = 0x5000 + i;
        cpu->env.rip = TT_CODE;
        cpu->env.halted = false;
        if (tt_run(cpu) != -1)
            break;
    }
    CHECK_EQ(cpu->env.regs[R_EAX], 600);
    cpu->env.dr[0] = TT_CODE + 2;
    cpu->env.rip = TT_CODE;
    cpu->env.halted = false;
    CHECK_EQ(tt_run(cpu), EXC_DB);
    CHECK_EQ(cpu->env.rip, TT_CODE + 2);
}

/* IRET's pops are data reads: a read/write breakpoint on the CS slot traps
 * after the IRET, at its target. */
TEST(tcg_debugregs, data_breakpoint_on_iret_pop)
{
    CPUState *cpu = tt_cpu(32);
    static const uint8_t code[] = { 0xcf };                      /* iret */
    tt_load(code, sizeof(code));
    pw8(0x1100, 0xf4);
    pw32(TT_STACK, 0x1100);
    pw32(TT_STACK + 4, 0x08);
    pw32(TT_STACK + 8, 0x2);
    cpu->env.dr[2] = TT_STACK + 4;
    cpu->env.dr[7] = 0x400 | dr7_bp(2, 3, 2);                    /* read/write, LEN 2 */
    CHECK_EQ(tt_run(cpu), EXC_DB);
    CHECK_EQ(cpu->env.rip, 0x1100);
    CHECK_EQ(cpu->env.regs[R_ESP], TT_STACK + 12);
    CHECK_EQ(cpu->env.dr[6] & 0xf, 4);
    /* a write-only breakpoint there is not hit by the pops */
    cpu->env.rip = TT_CODE;
    cpu->env.regs[R_ESP] = TT_STACK;
    cpu->env.dr[6] = 0xffff0ff0;
    cpu->env.dr[7] = 0x400 | dr7_bp(2, 1, 2);
    CHECK_EQ(tt_run(cpu), -1);
    CHECK_EQ(cpu->env.dr[6] & 0xf, 0);
}

/* A task switch clears the local enables L0-L3 and LE (SDM 17.2.4); it
 * saves the old task's state into its TSS, and a global write breakpoint
 * there traps before the new task's first instruction. */
/* tt_cpu(32) about to JMP to a second 32-bit TSS (selector 0x60 at
 * 0x3000) whose task starts at 0x1100 with HLT. */
static CPUState *cpu_before_task_jmp(void)
{
    CPUState *cpu = tt_cpu(32);
    pw64(0x600 + 0x60, mksys(0x3000, 0x67, 0x9, 0));
    pw32(0x3000 + 32, 0x1100);                                   /* EIP */
    pw32(0x3000 + 36, 0x2);                                      /* EFLAGS */
    pw32(0x3000 + 56, TT_STACK);                                 /* ESP */
    pw32(0x3000 + 76, 0x08);                                     /* CS */
    for (unsigned off = 72; off <= 92; off += 4) {
        if (off != 76)
            pw32(0x3000 + off, 0x10);
    }
    pw8(0x1100, 0xf4);
    static const uint8_t code[] = { 0xea, 0x00, 0x00, 0x00, 0x00, 0x60, 0x00 };  /* jmp 0x60:0 */
    tt_load(code, sizeof(code));
    return cpu;
}

TEST(tcg_debugregs, task_switch_clears_local_enables_and_hits_tss)
{
    CPUState *cpu = cpu_before_task_jmp();
    cpu->env.dr[0] = 0x5000;
    cpu->env.dr[3] = 0x700 + 32;                                 /* the old TSS's EIP slot */
    /* LE, L0 (exec), G3 (write, LEN 4) */
    cpu->env.dr[7] = 0x400 | (1u << 8) | dr7_bp(0, 0, 1) | (dr7_bp(3, 1, 4) & ~0xffull) |
                     (2u << 6);
    CHECK_EQ(tt_run(cpu), EXC_DB);
    CHECK_EQ(cpu->env.tr.sel, 0x60);
    CHECK_EQ(cpu->env.rip, 0x1100);
    CHECK_EQ(pr32(0x700 + 32), TT_CODE + 7);
    CHECK_EQ(cpu->env.dr[6] & 0xf, 8);
    CHECK_EQ(cpu->env.dr[7] & 0x1ff, 0x80);                      /* G3 only */
    CHECK_EQ(cpu->env.dr[7] >> 16, (dr7_bp(0, 0, 1) | dr7_bp(3, 1, 4)) >> 16);
}

static int vector_20(Machine *m, CPUState *cpu)
{
    return 0x20;
}

/* An external interrupt's frame push hits a write breakpoint: the #DB
 * comes before the interrupt handler's first instruction (real mode). */
TEST(tcg_debugregs, data_breakpoint_on_external_interrupt_frame)
{
    CPUState *cpu = tt_cpu(16);
    static const uint8_t code[] = { 0x90, 0xf4 };               /* nop; hlt */
    tt_load(code, sizeof(code));
    pw32(0x20 * 4, 0x2000);                                      /* IVT[0x20] = 0000:2000 */
    pw8(0x2000, 0xf4);
    pw32(EXC_DB * 4, 0x2100);                                    /* IVT[1] = 0000:2100 */
    static const uint8_t db[] = { 0x89, 0xe5, 0x8b, 0x5e, 0x00, 0xf4 };  /* mov bp,sp; mov bx,[bp]; hlt */
    for (size_t i = 0; i < sizeof(db); i++)
        pw8(0x2100 + i, db[i]);
    cpu_load_flags(cpu, 2 | FL_IF);
    cpu->machine->irq_ack = vector_20;
    atomic_fetch_or(&cpu->env.interrupt_request, CPU_INTERRUPT_HARD);
    cpu->env.dr[0] = TT_STACK - 2;                               /* the FLAGS slot */
    cpu->env.dr[7] = 0x400 | dr7_bp(0, 1, 2);
    CHECK(run_to_hlt(cpu));
    CHECK_EQ(cpu->env.rip, 0x2106);                              /* the #DB handler ran */
    CHECK_EQ(cpu->env.regs[R_EBX] & 0xffff, 0x2000);             /* before the IRQ handler */
    CHECK_EQ(tt_rd(TT_STACK - 6, 2), TT_CODE);                   /* the IRQ's frame */
    CHECK_EQ(cpu->env.dr[6] & 0xf, 1);
}

/* SDM 17.3.1.5: a task switch to a TSS with the T flag (bit 0 at offset
 * 100) raises #DB with DR6.BT before the new task's first instruction;
 * without it, none. */
TEST(tcg_debugregs, task_switch_t_flag_traps_with_bt)
{
    CPUState *cpu = cpu_before_task_jmp();
    pw16(0x3000 + 100, 1);
    CHECK_EQ(tt_run(cpu), EXC_DB);
    CHECK_EQ(cpu->env.tr.sel, 0x60);
    CHECK_EQ(cpu->env.rip, 0x1100);
    CHECK(cpu->env.dr[6] & (1u << 15));
    CHECK_EQ(cpu->env.dr[6] & 0xf, 0);
}

TEST(tcg_debugregs, task_switch_without_t_flag_runs_on)
{
    CPUState *cpu = cpu_before_task_jmp();
    CHECK_EQ(tt_run(cpu), -1);
    CHECK_EQ(cpu->env.rip, 0x1101);
    CHECK_EQ(cpu->env.dr[6] & (1u << 15), 0);
}

/* ---- MOV SS / POP SS and debug traps (SDM vol. 3 6.8.3) ---- */

/* A data breakpoint hit by MOV SS is held until the instruction boundary
 * after the next instruction, and reported there together with that
 * instruction's own hits. */
TEST(tcg_debugregs, mov_ss_data_breakpoint_traps_after_the_next_insn)
{
    CPUState *cpu = tt_cpu(32);
    /* mov ss,[TT_DATA]; mov [TT_DATA+0x10],ebx; inc ebx; hlt */
    static const uint8_t code[] = { 0x8e, 0x15, 0x00, 0x00, 0x02, 0x00,
                                    0x89, 0x1d, 0x10, 0x00, 0x02, 0x00,
                                    0x43, 0xf4 };
    tt_load(code, sizeof(code));
    tt_wr(TT_DATA, 0x10, 2);
    cpu->env.regs[R_EBX] = 0x55;
    cpu->env.dr[0] = TT_DATA;
    cpu->env.dr[1] = TT_DATA + 0x10;
    cpu->env.dr[7] = 0x400 | dr7_bp(0, 3, 2) | dr7_bp(1, 1, 4);
    CHECK_EQ(tt_run(cpu), EXC_DB);
    CHECK_EQ(cpu->env.rip, TT_CODE + 12);                        /* after the store */
    CHECK_EQ(tt_rd(TT_DATA + 0x10, 4), 0x55);
    CHECK_EQ(cpu->env.regs[R_EBX], 0x55);                        /* inc not run */
    CHECK_EQ(cpu->env.dr[6] & 0xf, 3);                           /* B0 and B1 */
    /* with only MOV SS's breakpoint, still after the next instruction */
    cpu->env.rip = TT_CODE;
    cpu->env.dr[6] = 0xffff0ff0;
    cpu->env.dr[7] = 0x400 | dr7_bp(0, 3, 2);
    CHECK_EQ(tt_run(cpu), EXC_DB);
    CHECK_EQ(cpu->env.rip, TT_CODE + 12);
    CHECK_EQ(cpu->env.dr[6] & 0xf, 1);
}

/* POP SS the same way: its stack read hits; the trap follows the INC
 * after it, not POP SS itself. */
TEST(tcg_debugregs, pop_ss_data_breakpoint_traps_after_the_next_insn)
{
    CPUState *cpu = tt_cpu(32);
    static const uint8_t code[] = { 0x17, 0x43, 0x43, 0xf4 };    /* pop ss; inc ebx x2; hlt */
    tt_load(code, sizeof(code));
    cpu->env.regs[R_ESP] = TT_STACK - 4;
    pw32(TT_STACK - 4, 0x10);
    cpu->env.dr[2] = TT_STACK - 4;
    cpu->env.dr[7] = 0x400 | dr7_bp(2, 3, 4);
    CHECK_EQ(tt_run(cpu), EXC_DB);
    CHECK_EQ(cpu->env.rip, TT_CODE + 2);
    CHECK_EQ(cpu->env.regs[R_EBX], 1);
    CHECK_EQ(cpu->env.regs[R_ESP], TT_STACK);
    CHECK_EQ(cpu->env.dr[6] & 0xf, 4);                           /* B2 */
}

/* TF: the single-step trap that would follow MOV SS is suppressed; the
 * next one comes after the instruction after it (one boundary skipped). */
TEST(tcg_debugregs, single_step_skips_the_mov_ss_boundary)
{
    CPUState *cpu = tt_cpu(32);
    /* mov ax,0x10; mov ss,ax; inc ebx; inc ebx; hlt */
    static const uint8_t code[] = { 0x66, 0xb8, 0x10, 0x00, 0x8e, 0xd0, 0x43, 0x43, 0xf4 };
    tt_load(code, sizeof(code));
    cpu_load_flags(cpu, 2 | FL_TF);
    CHECK_EQ(tt_run(cpu), EXC_DB);
    CHECK_EQ(cpu->env.rip, TT_CODE + 4);
    CHECK(cpu->env.dr[6] & (1u << 14));                          /* BS */
    cpu->env.dr[6] = 0xffff0ff0;
    CHECK_EQ(tt_run(cpu), EXC_DB);
    CHECK_EQ(cpu->env.rip, TT_CODE + 7);                         /* not TT_CODE + 6 */
    CHECK_EQ(cpu->env.regs[R_EBX], 1);
    CHECK(cpu->env.dr[6] & (1u << 14));
    CHECK_EQ(tt_run(cpu), EXC_DB);
    CHECK_EQ(cpu->env.rip, TT_CODE + 8);                         /* each step again */
}

/* Single-step and a MOV SS data breakpoint: one #DB after the next
 * instruction reports both (BS and B0). */
TEST(tcg_debugregs, single_step_and_mov_ss_breakpoint_in_one_db)
{
    CPUState *cpu = tt_cpu(32);
    static const uint8_t code[] = { 0x8e, 0x15, 0x00, 0x00, 0x02, 0x00, 0x43, 0x43, 0xf4 };
    tt_load(code, sizeof(code));
    tt_wr(TT_DATA, 0x10, 2);
    cpu_load_flags(cpu, 2 | FL_TF);
    cpu->env.dr[0] = TT_DATA;
    cpu->env.dr[7] = 0x400 | dr7_bp(0, 3, 2);
    CHECK_EQ(tt_run(cpu), EXC_DB);
    CHECK_EQ(cpu->env.rip, TT_CODE + 7);
    CHECK_EQ(cpu->env.regs[R_EBX], 1);
    CHECK_EQ(cpu->env.dr[6] & 0x400f, 0x4001);
}

/* STI's shadow holds off interrupts only: the single-step trap after STI
 * comes right after it (SDM vol. 2 STI; 6.8.3 names MOV SS / POP SS). */
TEST(tcg_debugregs, sti_does_not_delay_single_step)
{
    CPUState *cpu = tt_cpu(32);
    static const uint8_t code[] = { 0xfb, 0x43, 0xf4 };          /* sti; inc ebx; hlt */
    tt_load(code, sizeof(code));
    cpu_load_flags(cpu, 2 | FL_TF);
    CHECK_EQ(tt_run(cpu), EXC_DB);
    CHECK_EQ(cpu->env.rip, TT_CODE + 1);
    CHECK_EQ(cpu->env.regs[R_EBX], 0);
    CHECK(cpu->env.rflags & FL_IF);
    CHECK(cpu->env.dr[6] & (1u << 14));
}

/* An instruction breakpoint on the instruction right after MOV SS is
 * suppressed (as if RF were set); the one after that is not. */
TEST(tcg_debugregs, mov_ss_suppresses_the_next_insn_breakpoint)
{
    CPUState *cpu = tt_cpu(32);
    static const uint8_t code[] = { 0x66, 0xb8, 0x10, 0x00, 0x8e, 0xd0, 0x43, 0x43, 0xf4 };
    tt_load(code, sizeof(code));
    cpu->env.dr[0] = TT_CODE + 6;
    cpu->env.dr[7] = 0x400 | dr7_bp(0, 0, 1);
    CHECK_EQ(tt_run(cpu), -1);
    CHECK_EQ(cpu->env.regs[R_EBX], 2);
    CHECK_EQ(cpu->env.dr[6] & 0xf, 0);
    cpu->env.rip = TT_CODE;
    cpu->env.halted = false;
    cpu->env.dr[0] = TT_CODE + 7;
    CHECK_EQ(tt_run(cpu), EXC_DB);
    CHECK_EQ(cpu->env.rip, TT_CODE + 7);
    CHECK_EQ(cpu->env.regs[R_EBX], 3);
}

/* The shadow ends with the delivery of an event the next instruction
 * raises: a MOV SS breakpoint followed by INT n traps before the
 * handler's first instruction (SDM 6.8.3). */
TEST(tcg_debugregs, mov_ss_breakpoint_then_int_traps_in_the_handler)
{
    CPUState *cpu = cpu32_with_gate(0x30);
    static const uint8_t code[] = { 0x8e, 0x15, 0x00, 0x00, 0x02, 0x00, 0xcd, 0x30 };
    tt_load(code, sizeof(code));
    tt_wr(TT_DATA, 0x10, 2);
    cpu->env.dr[0] = TT_DATA;
    cpu->env.dr[7] = 0x400 | dr7_bp(0, 3, 2);
    CHECK_EQ(tt_run(cpu), EXC_DB);
    CHECK_EQ(cpu->env.rip, HANDLER);
    CHECK_EQ(cpu->env.regs[R_ESP], TT_STACK - 12);
    CHECK_EQ(pr32(TT_STACK - 12), TT_CODE + 8);
    CHECK_EQ(cpu->env.dr[6] & 0xf, 1);
}

/* ...and a fault of the next instruction: #UD is delivered, then the #DB
 * before the #UD handler's first instruction. */
TEST(tcg_debugregs, mov_ss_breakpoint_then_fault_traps_in_the_handler)
{
    CPUState *cpu = cpu32_with_gate(EXC_UD);
    db_handler_reads_eip();
    static const uint8_t code[] = { 0x8e, 0x15, 0x00, 0x00, 0x02, 0x00, 0x0f, 0x0b };
    tt_load(code, sizeof(code));
    tt_wr(TT_DATA, 0x10, 2);
    cpu->env.dr[0] = TT_DATA;
    cpu->env.dr[7] = 0x400 | dr7_bp(0, 3, 2);
    CHECK(run_to_hlt(cpu));
    CHECK_EQ(cpu->env.rip, HANDLER + 0x104);                     /* the #DB handler ran */
    CHECK_EQ(cpu->env.regs[R_EBX], HANDLER);                     /* before #UD's handler */
    CHECK_EQ(pr32(TT_STACK - 12), TT_CODE + 6);                  /* #UD frame: the UD2 */
    CHECK_EQ(cpu->env.dr[6] & 0xf, 1);
}

/* A nested-task IRET finds its own length to save the outgoing EIP; that
 * look at its bytes is an instruction fetch, not a data read, so a
 * read/write breakpoint on them does not fire (SDM 17.3.1.2). */
TEST(tcg_debugregs, nested_task_iret_bytes_are_no_data_read)
{
    CPUState *cpu = cpu_before_task_jmp();
    static const uint8_t code[] = { 0xcf };                      /* iret */
    tt_load(code, sizeof(code));
    pw64(0x600 + 0x60, mksys(0x3000, 0x67, 0xb, 0));             /* busy: the back link */
    pw16(0x700, 0x60);
    cpu_load_flags(cpu, 2 | FL_NT);
    cpu->env.dr[0] = TT_CODE;
    cpu->env.dr[7] = 0x400 | (dr7_bp(0, 3, 1) & ~3ull) | 2;      /* G0, read/write */
    CHECK_EQ(tt_run(cpu), -1);
    CHECK_EQ(cpu->env.tr.sel, 0x60);
    CHECK_EQ(cpu->env.rip, 0x1101);
    CHECK_EQ(pr32(0x700 + 32), TT_CODE + 1);                     /* EIP after the IRET */
    CHECK_EQ(cpu->env.dr[6] & 0xf, 0);
}

/* ---- The interrupt shadow of MOV SS, POP SS and STI (SDM 6.8.3; STI) ---- */

/* 32-bit code with IF set and vector 0x20 (HANDLER: HLT) to be raised
 * once `before` blocks ran.  An unrelated data breakpoint keeps blocks
 * to one instruction, so the point where the interrupt is taken is exact.
 * Returns the EIP the interrupt's frame holds. */
static uint32_t irq_taken_at(const uint8_t *code, size_t n, unsigned before, uint64_t fl)
{
    CPUState *cpu = cpu32_with_gate(0x20);
    tt_load(code, n);
    tb_flush_all(cpu);                  /* the previous call's code */
    cpu_load_flags(cpu, 2 | fl);
    cpu->machine->irq_ack = vector_20;
    cpu->env.dr[1] = TT_DATA + 0x800;
    cpu->env.dr[7] = 0x400 | dr7_bp(1, 1, 4);
    if (tcg_exec_slice(cpu, before) != TCG_EXIT_BUDGET)
        return 0;
    atomic_fetch_or(&cpu->env.interrupt_request, CPU_INTERRUPT_HARD);
    if (!run_to_hlt(cpu) || cpu->env.rip != HANDLER + 1)
        return 0;
    return pr32(TT_STACK - 12);
}

TEST(tcg_debugregs, mov_ss_holds_interrupts_for_one_instruction)
{
    /* mov ax,0x10; mov ss,ax; inc ebx; inc ebx; hlt */
    static const uint8_t mov_ss[] = { 0x66, 0xb8, 0x10, 0x00, 0x8e, 0xd0, 0x43, 0x43, 0xf4 };
    CHECK_EQ(irq_taken_at(mov_ss, sizeof(mov_ss), 2, FL_IF), TT_CODE + 7);
    /* MOV DS has no shadow */
    static const uint8_t mov_ds[] = { 0x66, 0xb8, 0x10, 0x00, 0x8e, 0xd8, 0x43, 0x43, 0xf4 };
    CHECK_EQ(irq_taken_at(mov_ds, sizeof(mov_ds), 2, FL_IF), TT_CODE + 6);
    /* POP SS */
    static const uint8_t pop_ss[] = { 0x6a, 0x10, 0x17, 0x43, 0x43, 0xf4 };
    CHECK_EQ(irq_taken_at(pop_ss, sizeof(pop_ss), 2, FL_IF), TT_CODE + 4);
    /* STI with IF clear: after the next instruction too */
    static const uint8_t sti[] = { 0xfb, 0x43, 0x43, 0xf4 };
    CHECK_EQ(irq_taken_at(sti, sizeof(sti), 1, 0), TT_CODE + 2);
}

/* Of consecutive SS loads only the first holds interrupts off (SDM 6.8.3:
 * only the first is guaranteed to; kemu starts no new shadow inside one),
 * so a run of them cannot hold an interrupt off indefinitely. */
TEST(tcg_debugregs, consecutive_mov_ss_shadow_only_the_first)
{
    /* mov ax,0x10; mov ss,ax; mov ss,ax; mov ss,ax; inc ebx; hlt */
    static const uint8_t code[] = { 0x66, 0xb8, 0x10, 0x00, 0x8e, 0xd0, 0x8e, 0xd0,
                                    0x8e, 0xd0, 0x43, 0xf4 };
    CHECK_EQ(irq_taken_at(code, sizeof(code), 2, FL_IF), TT_CODE + 8);
}
