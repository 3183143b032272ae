/* Virtual-8086 mode extensions (CR4.VME) and protected-mode virtual
 * interrupts (CR4.PVI) on the TCG engine, checked against the SDM vol. 3
 * 20.3 (table 20-2: the six ways INT n is handled in virtual-8086 mode),
 * 20.4 (PVI), and the CLI, STI, PUSHF, POPF, INT n and IRET pages.
 *
 * The virtual-8086 task runs with CS = 0x100 (code at TT_CODE), SS = 0,
 * SP = TT_STACK.  Its own vector table at linear 0 sends vectors 0x3f and
 * 0x40 to 0x200:0; the IDT sends them (DPL 3 interrupt gates) to a ring-0
 * handler.  Both handlers start with HLT: at ring 0 it halts (tt_run
 * returns -1), in virtual-8086 mode it is #GP(0) at its address, which
 * marks where the interrupt went. */
#include "tests/unit/unit.h"     /* first: later headers bring <stdnoreturn.h> */

#include "accel/tcg.h"
#include "cpu/seg.h"
#include "tests/unit/cpu-harness.h"
#include "tests/unit/tcg-harness.h"
#include "translate/flags.h"
#include "translate/tb.h"

#define GDT 0x600
#define TSS 0x700
#define IDT 0x800
#define IO_BASE 0x88            /* redirection bitmap at TSS + 0x68..0x87 */
#define V86_HANDLER_SEG 0x200   /* 0x200:0 = linear 0x2000 */
#define PM_HANDLER 0x3000
#define ESP0 0x9000
#define V86_CS (TT_CODE >> 4)

#define LOAD(a) (tt_load(a, sizeof(a)), tb_flush_all(cpu))
#define FLAGS(cpu) ((cpu)->env.rflags)

static const uint8_t int40[] = { 0xcd, 0x40, 0xf4 };        /* int 0x40; hlt */
static const uint8_t int3f[] = { 0xcd, 0x3f, 0xf4 };        /* int 0x3f; hlt */
static const uint8_t cli[] = { 0xfa, 0xf4 };
static const uint8_t sti[] = { 0xfb, 0xf4 };
static const uint8_t pushf[] = { 0x9c, 0xf4 };
static const uint8_t pushfd[] = { 0x66, 0x9c, 0xf4 };
static const uint8_t popf[] = { 0x9d, 0xf4 };
static const uint8_t popfd[] = { 0x66, 0x9d, 0xf4 };
static const uint8_t iret[] = { 0xcf };
static const uint8_t iretd[] = { 0x66, 0xcf };

/* The redirection bitmap bit for vec (set: not redirected). */
static void redir_bit(int vec, int on)
{
    uint64_t a = TSS + IO_BASE - 32 + (unsigned)vec / 8;
    uint8_t b = (uint8_t)tt_rd(a, 1);
    b = (uint8_t)(on ? b | (1u << (vec & 7)) : b & ~(1u << (vec & 7)));
    tt_wr(a, b, 1);
}

static void set_tss_limit(CPUState *cpu, uint32_t limit)
{
    pw64(GDT + 0x28, mksys(TSS, limit, 0xb, 0));
    cpu->env.tr.limit = limit;
}

/* A CPU in virtual-8086 mode with IOPL iopl, CR4 = cr4 and the other
 * RFLAGS bits fl (arithmetic ones included). */
static CPUState *v86_cpu(unsigned iopl, uint64_t cr4, uint64_t fl)
{
    CPUState *cpu = tt_cpu(32);
    CPUX86State *env = &cpu->env;
    pw32(TSS + 4, ESP0);
    pw32(TSS + 8, 0x10);
    pw16(TSS + 0x66, IO_BASE);
    set_tss_limit(cpu, IO_BASE - 1);
    for (int v = 0x3f; v <= 0x40; v++) {
        pw32((uint64_t)v * 4, V86_HANDLER_SEG << 16);
        pw64(IDT + (uint64_t)v * 8, mkgate(0x08, PM_HANDLER, 0xe, 3, 0));
    }
    pw8((uint64_t)V86_HANDLER_SEG << 4, 0xf4);
    pw8(PM_HANDLER, 0xf4);
    env->cr4 = cr4;
    for (int i = 0; i < SEG_COUNT; i++)
        seg_load_v86(cpu, i, 0);
    seg_load_v86(cpu, SEG_CS, V86_CS);
    env->rip = 0;
    env->regs[R_ESP] = TT_STACK;
    cpu_load_flags(cpu, FL_VM | 2 | ((uint64_t)iopl << 12) | fl);
    return cpu;
}

/* Stopped by #GP(0) at IP ip of the virtual-8086 code segment cs. */
static int gp_at(CPUState *cpu, int r, uint16_t cs, uint64_t ip)
{
    return r == EXC_GP && cpu->env.error_code == 0 && cpu->env.seg[SEG_CS].sel == cs &&
           cpu->env.rip == ip && (cpu->env.rflags & FL_VM);
}

/* Went to the ring-0 handler through the IDT, with the virtual-8086
 * frame (EIP after INT, CS, EFLAGS with VM) on the TSS ring-0 stack. */
static int in_pm_handler(CPUState *cpu, int r)
{
    uint64_t f = ESP0 - 36;
    return r == -1 && cpu->env.seg[SEG_CS].sel == 0x08 && cpu->env.rip == PM_HANDLER + 1 &&
           !(cpu->env.rflags & FL_VM) && cpu->env.regs[R_ESP] == f && pr32(f) == 2 &&
           pr32(f + 4) == V86_CS && (pr32(f + 8) & FL_VM);
}

/* SDM table 20-2, methods 1-4: IDT or #GP. */
TEST(tcg_vme, int_n_methods_1_to_4)
{
    static const struct { unsigned iopl; uint64_t cr4; int bit; bool pm; } m[] = {
        { 3, 0, 0, true },          /* 1: VME=0, IOPL=3: protected-mode handler */
        { 0, 0, 0, false },         /* 2: VME=0, IOPL<3: #GP(0) */
        { 2, CR4_VME, 1, false },   /* 3: VME=1, IOPL<3, bit set: #GP(0) */
        { 3, CR4_VME, 1, true },    /* 4: VME=1, IOPL=3, bit set: protected mode */
    };
    for (unsigned i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
        CPUState *cpu = v86_cpu(m[i].iopl, m[i].cr4, FL_IF);
        redir_bit(0x40, m[i].bit);
        LOAD(int40);
        int r = tt_run(cpu);
        if (m[i].pm)
            CHECK(in_pm_handler(cpu, r));
        else
            CHECK(gp_at(cpu, r, V86_CS, 0));
        CHECK_EQ(cpu->env.exception_index >= 0 ? 1 : 0, m[i].pm ? 0 : 1);
    }
}

/* Method 5 (VME=1, IOPL=3, bit clear): the 8086 program's IVT; the real
 * FLAGS are pushed, IF and TF cleared, VIF untouched; RF (left by a
 * restarted INT) is cleared as the instruction completes. */
TEST(tcg_vme, int_n_method_5_redirects_with_iopl3)
{
    CPUState *cpu = v86_cpu(3, CR4_VME, FL_IF | FL_TF | FL_CF | FL_VIF | FL_RF);
    LOAD(int40);
    CHECK(gp_at(cpu, tt_run(cpu), V86_HANDLER_SEG, 0));
    CHECK_EQ(cpu->env.regs[R_ESP], TT_STACK - 6);
    CHECK_EQ(tt_rd(TT_STACK - 6, 2), 2);                    /* IP after INT */
    CHECK_EQ(tt_rd(TT_STACK - 4, 2), V86_CS);
    CHECK_EQ(tt_rd(TT_STACK - 2, 2), 0x3000 | FL_IF | FL_TF | FL_CF | 2);
    CHECK_EQ(FLAGS(cpu) & (FL_IF | FL_TF | FL_RF), 0);
    CHECK(FLAGS(cpu) & FL_VIF);
    CHECK(tt_flags(cpu) & FL_CF);
}

/* Method 6 (VME=1, IOPL<3, bit clear): the pushed image carries VIF as
 * IF and IOPL as 3; VIF and TF are cleared, IF stays. */
TEST(tcg_vme, int_n_method_6_redirects_with_virtual_if)
{
    CPUState *cpu = v86_cpu(1, CR4_VME, FL_VIF | FL_TF | FL_ZF);
    LOAD(int40);
    CHECK(gp_at(cpu, tt_run(cpu), V86_HANDLER_SEG, 0));
    CHECK_EQ(tt_rd(TT_STACK - 6, 2), 2);
    CHECK_EQ(tt_rd(TT_STACK - 4, 2), V86_CS);
    CHECK_EQ(tt_rd(TT_STACK - 2, 2), 0x3000 | FL_IF | FL_TF | FL_ZF | 2);
    CHECK_EQ(FLAGS(cpu) & (FL_VIF | FL_TF | FL_IF), 0);
    CHECK_EQ((FLAGS(cpu) & FL_IOPL) >> 12, 1);

    /* IF set and VIF clear: the image shows IF clear; IF stays set. */
    cpu = v86_cpu(0, CR4_VME, FL_IF);
    LOAD(int40);
    CHECK(gp_at(cpu, tt_run(cpu), V86_HANDLER_SEG, 0));
    CHECK_EQ(tt_rd(TT_STACK - 2, 2), 0x3000 | 2);
    CHECK(FLAGS(cpu) & FL_IF);
}

/* INT3 is not IOPL-sensitive in virtual-8086 mode and never redirected
 * (SDM INT n): it goes through the IDT (here a DPL 3 gate) even with
 * IOPL < 3 and a clear bitmap bit. */
TEST(tcg_vme, int3_is_not_redirected)
{
    CPUState *cpu = v86_cpu(0, CR4_VME, 0);
    pw64(IDT + 3 * 8, mkgate(0x08, PM_HANDLER, 0xe, 3, 0));
    pw32(3 * 4, V86_HANDLER_SEG << 16);
    static const uint8_t code[] = { 0xcc, 0xf4 };
    LOAD(code);
    CHECK_EQ(tt_run(cpu), -1);
    CHECK_EQ(cpu->env.seg[SEG_CS].sel, 0x08);
    CHECK_EQ(pr32(ESP0 - 36), 1);                           /* EIP after INT3 */
}

/* The bitmap byte must lie within the TSS limit (#GP(0) otherwise). */
TEST(tcg_vme, redirection_bitmap_beyond_tss_limit)
{
    /* Limit 0x6f: vector 0x3f's byte (0x6f) is inside, 0x40's (0x70) not. */
    CPUState *cpu = v86_cpu(0, CR4_VME, 0);
    set_tss_limit(cpu, 0x6f);
    LOAD(int40);
    CHECK(gp_at(cpu, tt_run(cpu), V86_CS, 0));
    CHECK_EQ(cpu->env.regs[R_ESP], TT_STACK);               /* nothing pushed */

    cpu = v86_cpu(0, CR4_VME, 0);
    set_tss_limit(cpu, 0x6f);
    LOAD(int3f);
    CHECK(gp_at(cpu, tt_run(cpu), V86_HANDLER_SEG, 0));

    /* An I/O map base below 32 puts the bitmap before the TSS. */
    cpu = v86_cpu(0, CR4_VME, 0);
    pw16(TSS + 0x66, 16);
    LOAD(int3f);
    CHECK(gp_at(cpu, tt_run(cpu), V86_CS, 0));
}

/* CLI/STI with VME and IOPL < 3 change VIF, not IF. */
TEST(tcg_vme, v86_cli_sti_change_vif)
{
    CPUState *cpu = v86_cpu(0, CR4_VME, FL_IF | FL_VIF);
    LOAD(cli);
    CHECK(gp_at(cpu, tt_run(cpu), V86_CS, 1));              /* stopped at HLT */
    CHECK_EQ(FLAGS(cpu) & FL_VIF, 0);
    CHECK(FLAGS(cpu) & FL_IF);

    cpu = v86_cpu(2, CR4_VME, 0);
    LOAD(sti);
    CHECK(gp_at(cpu, tt_run(cpu), V86_CS, 1));
    CHECK(FLAGS(cpu) & FL_VIF);
    CHECK_EQ(FLAGS(cpu) & FL_IF, 0);

    /* With IOPL 3, VME changes nothing: CLI clears IF. */
    cpu = v86_cpu(3, CR4_VME, FL_IF | FL_VIF);
    LOAD(cli);
    CHECK(gp_at(cpu, tt_run(cpu), V86_CS, 1));
    CHECK_EQ(FLAGS(cpu) & FL_IF, 0);
    CHECK(FLAGS(cpu) & FL_VIF);
}

/* STI while VIP is set: #GP(0), VIF unchanged (SDM STI, 20.3.2). */
TEST(tcg_vme, v86_sti_with_vip_faults)
{
    CPUState *cpu = v86_cpu(0, CR4_VME, FL_VIP);
    LOAD(sti);
    CHECK(gp_at(cpu, tt_run(cpu), V86_CS, 0));
    CHECK_EQ(FLAGS(cpu) & FL_VIF, 0);
    /* CLI is allowed with VIP set (VIF too would fault before any
     * instruction: see the VIF/VIP boundary tests at the end). */
    cpu = v86_cpu(0, CR4_VME, FL_VIP);
    LOAD(cli);
    CHECK(gp_at(cpu, tt_run(cpu), V86_CS, 1));
    CHECK_EQ(FLAGS(cpu) & FL_VIF, 0);
}

/* 16-bit PUSHF pushes VIF in the IF position and IOPL as 3; PUSHFD is
 * still #GP(0). */
TEST(tcg_vme, v86_pushf_image)
{
    CPUState *cpu = v86_cpu(0, CR4_VME, FL_VIF | FL_CF | FL_DF | FL_NT);
    LOAD(pushf);
    CHECK(gp_at(cpu, tt_run(cpu), V86_CS, 1));
    CHECK_EQ(cpu->env.regs[R_ESP], TT_STACK - 2);
    CHECK_EQ(tt_rd(TT_STACK - 2, 2), FL_IF | 0x3000 | FL_CF | FL_DF | FL_NT | 2);

    cpu = v86_cpu(1, CR4_VME, FL_IF);
    LOAD(pushf);
    CHECK(gp_at(cpu, tt_run(cpu), V86_CS, 1));
    CHECK_EQ(tt_rd(TT_STACK - 2, 2), 0x3000 | 2);           /* IF shows VIF = 0 */

    cpu = v86_cpu(0, CR4_VME, FL_VIF);
    LOAD(pushfd);
    CHECK(gp_at(cpu, tt_run(cpu), V86_CS, 0));
    CHECK_EQ(cpu->env.regs[R_ESP], TT_STACK);
}

/* POPF with the value v on the stack. */
static CPUState *popf_cpu(unsigned iopl, uint64_t fl, uint32_t v, unsigned size)
{
    CPUState *cpu = v86_cpu(iopl, CR4_VME, fl);
    cpu->env.regs[R_ESP] = TT_STACK - size;
    tt_wr(TT_STACK - size, v, size);
    return cpu;
}

/* 16-bit POPF loads VIF from the popped IF; IF and IOPL stay; a popped TF
 * or a popped IF with VIP set is #GP(0); POPFD is #GP(0). */
TEST(tcg_vme, v86_popf_loads_vif)
{
    CPUState *cpu = popf_cpu(0, 0, FL_IF | FL_CF | FL_OF | 0x3000, 2);
    LOAD(popf);
    CHECK(gp_at(cpu, tt_run(cpu), V86_CS, 1));
    CHECK_EQ(cpu->env.regs[R_ESP], TT_STACK);
    CHECK(FLAGS(cpu) & FL_VIF);
    CHECK_EQ(FLAGS(cpu) & (FL_IF | FL_IOPL), 0);
    CHECK_EQ(tt_flags(cpu) & (FL_CF | FL_OF), FL_CF | FL_OF);

    cpu = popf_cpu(2, FL_IF | FL_VIF, 0, 2);                /* clears VIF */
    LOAD(popf);
    CHECK(gp_at(cpu, tt_run(cpu), V86_CS, 1));
    CHECK_EQ(FLAGS(cpu) & FL_VIF, 0);
    CHECK(FLAGS(cpu) & FL_IF);
    CHECK_EQ((FLAGS(cpu) & FL_IOPL) >> 12, 2);

    cpu = popf_cpu(2, FL_IF | FL_VIP, 0, 2);                /* IF=0 popped: fine */
    LOAD(popf);
    CHECK(gp_at(cpu, tt_run(cpu), V86_CS, 1));
    CHECK_EQ(FLAGS(cpu) & (FL_VIF | FL_VIP), FL_VIP);

    cpu = popf_cpu(0, FL_VIP, FL_IF, 2);
    LOAD(popf);
    CHECK(gp_at(cpu, tt_run(cpu), V86_CS, 0));
    CHECK_EQ(FLAGS(cpu) & FL_VIF, 0);
    CHECK_EQ(cpu->env.regs[R_ESP], TT_STACK - 2);

    cpu = popf_cpu(0, 0, FL_TF, 2);
    LOAD(popf);
    CHECK(gp_at(cpu, tt_run(cpu), V86_CS, 0));

    cpu = popf_cpu(0, 0, FL_CF, 4);
    LOAD(popfd);
    CHECK(gp_at(cpu, tt_run(cpu), V86_CS, 0));
    CHECK_EQ(tt_flags(cpu) & FL_CF, 0);
}

/* IRET with ip, cs, flags on the stack (16-bit or 32-bit slots). */
static CPUState *iret_cpu(unsigned iopl, uint64_t cr4, uint64_t fl, uint32_t img, unsigned size)
{
    CPUState *cpu = v86_cpu(iopl, cr4, fl);
    uint64_t sp = TT_STACK - 3 * size;
    cpu->env.regs[R_ESP] = sp;
    tt_wr(sp, 0x10, size);
    tt_wr(sp + size, V86_HANDLER_SEG, size);
    tt_wr(sp + 2 * size, img, size);
    pw8(((uint64_t)V86_HANDLER_SEG << 4) + 0x10, 0xf4);
    return cpu;
}

/* 16-bit IRET under VME: like POPF for the flags (SDM 20.3.3.5; IRET). */
TEST(tcg_vme, v86_iret_loads_vif)
{
    CPUState *cpu = iret_cpu(0, CR4_VME, 0, FL_IF | FL_SF | FL_NT, 2);
    LOAD(iret);
    CHECK(gp_at(cpu, tt_run(cpu), V86_HANDLER_SEG, 0x10));
    CHECK_EQ(cpu->env.regs[R_ESP], TT_STACK);
    CHECK(FLAGS(cpu) & FL_VIF);
    CHECK(FLAGS(cpu) & FL_NT);
    CHECK_EQ(FLAGS(cpu) & FL_IF, 0);
    CHECK(tt_flags(cpu) & FL_SF);

    cpu = iret_cpu(1, CR4_VME, FL_VIP, FL_IF, 2);
    LOAD(iret);
    CHECK(gp_at(cpu, tt_run(cpu), V86_CS, 0));
    CHECK_EQ(cpu->env.regs[R_ESP], TT_STACK - 6);

    cpu = iret_cpu(1, CR4_VME, 0, FL_TF, 2);
    LOAD(iret);
    CHECK(gp_at(cpu, tt_run(cpu), V86_CS, 0));

    cpu = iret_cpu(0, CR4_VME, 0, 0, 4);
    LOAD(iretd);
    CHECK(gp_at(cpu, tt_run(cpu), V86_CS, 0));
}

/* Without CR4.VME, IOPL < 3 makes every IF-sensitive instruction #GP(0)
 * (trap to the monitor), VIP/VIF untouched. */
TEST(tcg_vme, vme_off_keeps_faulting)
{
    static const struct { const uint8_t *code; size_t n; } c[] = {
        { cli, sizeof(cli) }, { sti, sizeof(sti) }, { pushf, sizeof(pushf) },
        { popf, sizeof(popf) }, { iret, sizeof(iret) }, { int40, sizeof(int40) },
    };
    for (unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        CPUState *cpu = v86_cpu(0, CR4_PVI, FL_VIF | FL_IF);
        tt_load(c[i].code, c[i].n);
        tb_flush_all(cpu);
        CHECK(gp_at(cpu, tt_run(cpu), V86_CS, 0));
        CHECK_EQ(FLAGS(cpu) & (FL_VIF | FL_IF), FL_VIF | FL_IF);
        CHECK_EQ(cpu->env.regs[R_ESP], TT_STACK);
    }
}

/* Protected mode at CPL 3 with IOPL 0. */
static CPUState *cpl3_cpu(uint64_t cr4, uint64_t fl)
{
    CPUState *cpu = tt_cpu(32);
    tcpu_protected(cpu, GDT, TSS, IDT, 3);
    cpu->env.cr4 = cr4;
    cpu->env.rip = TT_CODE;
    cpu->env.regs[R_ESP] = TT_STACK;
    cpu_load_flags(cpu, 2 | fl);
    return cpu;
}

static int gp_at_cpl3(CPUState *cpu, int r, uint64_t ip)
{
    return r == EXC_GP && cpu->env.error_code == 0 && cpu->env.rip == ip &&
           cpu->env.seg[SEG_CS].sel == 0x1b;
}

/* SDM 20.4: with PVI, CLI/STI at CPL 3 and IOPL < 3 change VIF. */
TEST(tcg_vme, pvi_cli_sti_at_cpl3)
{
    CPUState *cpu = cpl3_cpu(CR4_PVI, FL_IF | FL_VIF);
    LOAD(cli);
    CHECK(gp_at_cpl3(cpu, tt_run(cpu), TT_CODE + 1));       /* HLT at CPL 3 */
    CHECK_EQ(FLAGS(cpu) & FL_VIF, 0);
    CHECK(FLAGS(cpu) & FL_IF);

    cpu = cpl3_cpu(CR4_PVI, 0);
    LOAD(sti);
    CHECK(gp_at_cpl3(cpu, tt_run(cpu), TT_CODE + 1));
    CHECK(FLAGS(cpu) & FL_VIF);
    CHECK_EQ(FLAGS(cpu) & FL_IF, 0);

    cpu = cpl3_cpu(CR4_PVI, FL_VIP);
    LOAD(sti);
    CHECK(gp_at_cpl3(cpu, tt_run(cpu), TT_CODE));
    CHECK_EQ(FLAGS(cpu) & FL_VIF, 0);

    /* Without PVI (VME alone does not count outside virtual-8086 mode). */
    cpu = cpl3_cpu(CR4_VME, FL_VIF);
    LOAD(cli);
    CHECK(gp_at_cpl3(cpu, tt_run(cpu), TT_CODE));
    CHECK(FLAGS(cpu) & FL_VIF);
}

/* PVI only covers CLI/STI: POPF at CPL 3 leaves IF and VIF alone, PUSHF
 * pushes the real IF. */
TEST(tcg_vme, pvi_leaves_popf_pushf_alone)
{
    static const uint8_t popfd32[] = { 0x9d, 0xf4 };
    CPUState *cpu = cpl3_cpu(CR4_PVI, 0);
    cpu->env.regs[R_ESP] = TT_STACK - 4;
    tt_wr(TT_STACK - 4, FL_IF | FL_CF, 4);
    LOAD(popfd32);
    CHECK(gp_at_cpl3(cpu, tt_run(cpu), TT_CODE + 1));
    CHECK_EQ(FLAGS(cpu) & (FL_IF | FL_VIF), 0);
    CHECK(tt_flags(cpu) & FL_CF);

    static const uint8_t pushfd32[] = { 0x9c, 0xf4 };
    cpu = cpl3_cpu(CR4_PVI, FL_IF);
    LOAD(pushfd32);
    CHECK(gp_at_cpl3(cpu, tt_run(cpu), TT_CODE + 1));
    CHECK_EQ(tt_rd(TT_STACK - 4, 4), FL_IF | 2);
}

/* PVI does not apply at CPL 0 (IOPL allows CLI there anyway). */
TEST(tcg_vme, pvi_cpl0_cli_clears_if)
{
    CPUState *cpu = tt_cpu(32);
    cpu->env.cr4 = CR4_PVI;
    cpu_load_flags(cpu, 2 | FL_IF | FL_VIF);
    LOAD(cli);
    CHECK_EQ(tt_run(cpu), -1);
    CHECK_EQ(FLAGS(cpu) & FL_IF, 0);
    CHECK(FLAGS(cpu) & FL_VIF);
}

/* ---- VIF and VIP both set at an instruction boundary (SDM 20.3.2) ---- */

/* The virtual-8086 code entered below: 0x200:0x10 = inc ax; hlt (HLT is
 * #GP(0) in virtual-8086 mode, which marks that INC ran). */
#define VIP_CS 0x200
#define VIP_IP 0x10

static void vip_target(void)
{
    pw8(((uint64_t)VIP_CS << 4) + VIP_IP, 0x40);
    pw8(((uint64_t)VIP_CS << 4) + VIP_IP + 1, 0xf4);
}

/* Ring 0 about to IRETD into virtual-8086 mode with EFLAGS image fl; the
 * TSS's ring-0 stack at ESP0 and a #GP gate to PM_HANDLER (HLT). */
static CPUState *iretd_to_v86_cpu(uint64_t cr4, uint32_t fl)
{
    CPUState *cpu = tt_cpu(32);
    pw32(TSS + 4, ESP0);
    pw32(TSS + 8, 0x10);
    pw64(IDT + EXC_GP * 8, mkgate(0x08, PM_HANDLER, 0xe, 0, 0));
    pw8(PM_HANDLER, 0xf4);
    vip_target();
    cpu->env.cr4 = cr4;
    /* EIP, CS, EFLAGS, ESP, SS, ES, DS, FS, GS */
    const uint32_t frame[9] = { VIP_IP, VIP_CS, FL_VM | 2 | fl, TT_STACK, 0, 0, 0, 0, 0 };
    uint64_t sp = TT_STACK - 0x100;
    for (unsigned i = 0; i < 9; i++)
        pw32(sp + 4 * i, frame[i]);
    cpu->env.regs[R_ESP] = sp;
    static const uint8_t code[] = { 0xcf };                      /* iretd */
    tt_load(code, sizeof(code));
    return cpu;
}

TEST(tcg_vme, iretd_into_v86_with_vif_and_vip_faults)
{
    CPUState *cpu = iretd_to_v86_cpu(CR4_VME, FL_VIF | FL_VIP);
    CHECK(gp_at(cpu, tt_run(cpu), VIP_CS, VIP_IP));              /* before the INC */
    CHECK_EQ(cpu->env.regs[R_EAX], 0);
    CHECK_EQ(FLAGS(cpu) & (FL_VIF | FL_VIP), FL_VIF | FL_VIP);

    /* delivered: the #GP frame on the ring-0 stack holds that CS:IP */
    cpu = iretd_to_v86_cpu(CR4_VME, FL_VIF | FL_VIP);
    int i;
    for (i = 0; i < 100 && tcg_exec_slice(cpu, 1000) != TCG_EXIT_HALTED; i++)
        ;
    CHECK_EQ(cpu->env.rip, PM_HANDLER + 1);
    CHECK_EQ(cpu->env.regs[R_ESP], ESP0 - 40);
    CHECK_EQ(pr32(ESP0 - 40), 0);                                /* error code */
    CHECK_EQ(pr32(ESP0 - 36), VIP_IP);
    CHECK_EQ(pr32(ESP0 - 32), VIP_CS);
    CHECK_EQ(pr32(ESP0 - 28) & (FL_VM | FL_VIF | FL_VIP), FL_VM | FL_VIF | FL_VIP);
    CHECK_EQ(cpu->env.regs[R_EAX], 0);
}

/* VIP alone, VIF alone, VME off, or IOPL 3: no such #GP; the INC runs
 * and the HLT after it faults. */
TEST(tcg_vme, iretd_into_v86_vip_check_needs_all_conditions)
{
    static const struct { uint64_t cr4; uint32_t fl; } c[] = {
        { CR4_VME, FL_VIP }, { CR4_VME, FL_VIF }, { 0, FL_VIF | FL_VIP },
        { CR4_VME, FL_VIF | FL_VIP | FL_IOPL },
    };
    for (unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        CPUState *cpu = iretd_to_v86_cpu(c[i].cr4, c[i].fl);
        CHECK(gp_at(cpu, tt_run(cpu), VIP_CS, VIP_IP + 1));
        CHECK_EQ(cpu->env.regs[R_EAX], 1);
    }
}

/* A JMP to a 32-bit TSS (selector 0x60 at 0x3000) whose task is in
 * virtual-8086 mode with EFLAGS fl. */
static CPUState *task_to_v86_cpu(uint64_t cr4, uint32_t fl)
{
    CPUState *cpu = tt_cpu(32);
    pw64(GDT + 0x60, mksys(0x3000, 0x67, 0x9, 0));
    pw32(0x3000 + 32, VIP_IP);                                   /* EIP */
    pw32(0x3000 + 36, FL_VM | 2 | fl);                           /* EFLAGS */
    pw32(0x3000 + 56, TT_STACK);                                 /* ESP */
    pw32(0x3000 + 76, VIP_CS);                                   /* CS; the rest 0 */
    vip_target();
    cpu->env.cr4 = cr4;
    static const uint8_t code[] = { 0xea, 0x00, 0x00, 0x00, 0x00, 0x60, 0x00 };  /* jmp 0x60:0 */
    tt_load(code, sizeof(code));
    return cpu;
}

TEST(tcg_vme, task_switch_into_v86_with_vif_and_vip_faults)
{
    CPUState *cpu = task_to_v86_cpu(CR4_VME, FL_VIF | FL_VIP);
    CHECK(gp_at(cpu, tt_run(cpu), VIP_CS, VIP_IP));
    CHECK_EQ(cpu->env.tr.sel, 0x60);
    CHECK_EQ(cpu->env.regs[R_EAX], 0);

    cpu = task_to_v86_cpu(0, FL_VIF | FL_VIP);                   /* VME off */
    CHECK(gp_at(cpu, tt_run(cpu), VIP_CS, VIP_IP + 1));
    CHECK_EQ(cpu->env.regs[R_EAX], 1);
}
