/* Exception and interrupt delivery: real-mode IVT, protected-mode gates
 * with and without a privilege change, virtual-8086 exits, long mode with
 * IST, the #DF rules and triple fault. */
#include "tests/unit/unit.h"
#include "tests/unit/cpu-harness.h"
#include "hw/core/log.h"

#include <stdlib.h>
#include <unistd.h>

#define GDT 0x1000
#define TSS 0x2000
#define IDT 0x3000

static void do_raise(CPUState *cpu, uint64_t *a) { cpu_raise_exception(cpu, (int)a[0], (uint32_t)a[1]); }
static void do_deliver(CPUState *cpu, uint64_t *a) { (void)a; cpu_deliver_pending(cpu); }
static void do_soft(CPUState *cpu, uint64_t *a) { cpu_raise_soft_interrupt(cpu, (int)a[0], a[1]); }
static void do_int_n(CPUState *cpu, uint64_t *a) { cpu_raise_int_n(cpu, (int)a[0], a[1]); }
static void do_ext(CPUState *cpu, uint64_t *a) { cpu_do_external_interrupt(cpu, (int)a[0]); }
static void do_nmi(CPUState *cpu, uint64_t *a) { (void)a; cpu_do_nmi(cpu); }

/* Raise vector/ec, then deliver it; returns what delivery raised (-1: ok). */
static int raise_and_deliver(CPUState *cpu, int vec, uint32_t ec)
{
    uint64_t a[2] = { (uint64_t)vec, ec };
    int r = cpu_try(cpu, do_raise, a);
    if (r != vec)
        return -100 - r;
    return cpu_try(cpu, do_deliver, NULL);
}

static uint16_t pr16(uint64_t pa) { return (uint16_t)pr32(pa); }

TEST(excp, real_mode_soft_int_uses_ivt)
{
    CPUState *cpu = tcpu_setup(1);
    CPUX86State *env = &cpu->env;
    pw32(0x21 * 4, 0x12345678);
    env->regs[R_ESP] = 0x7000;
    env->rflags = 0x202 | FL_TF;
    uint64_t a[2] = { 0x21, 0x102 };
    CHECK_EQ(cpu_try(cpu, do_soft, a), -1);
    CHECK_EQ(env->seg[SEG_CS].sel, 0x1234);
    CHECK_EQ(env->seg[SEG_CS].base, 0x12340);
    CHECK_EQ(env->rip, 0x5678);
    CHECK_EQ(env->regs[R_ESP], 0x6ffa);
    CHECK_EQ(pr16(0x6ffa), 0x102);
    CHECK_EQ(pr16(0x6ffc), 0xf000);
    CHECK_EQ(pr16(0x6ffe), 0x302);
    CHECK_EQ(env->rflags & (FL_IF | FL_TF), 0);
}

TEST(excp, real_mode_fault_returns_to_faulting_ip)
{
    CPUState *cpu = tcpu_setup(1);
    CPUX86State *env = &cpu->env;
    pw32(0 * 4, 0x00400010);
    env->rip = 0xfff0;
    env->regs[R_ESP] = 0x1000;
    CHECK_EQ(raise_and_deliver(cpu, EXC_DE, NO_ERROR_CODE), -1);
    CHECK_EQ(env->rip, 0x10);
    CHECK_EQ(env->seg[SEG_CS].sel, 0x40);
    CHECK_EQ(pr16(0xffa), 0xfff0);
}

/* CPL 3 at 0x1b:0x4000 with SS:ESP 0x23:0x9000; TSS ring-0 stack 0x10:0x8000. */
static CPUState *setup_prot_user(void)
{
    CPUState *cpu = tcpu_setup(1);
    tcpu_protected(cpu, GDT, TSS, IDT, 3);
    pw32(TSS + 4, 0x8000);
    pw32(TSS + 8, 0x10);
    cpu->env.rip = 0x4000;
    cpu->env.regs[R_ESP] = 0x9000;
    cpu->env.rflags = 0x202;
    return cpu;
}

TEST(excp, protected_fault_from_user_switches_stack)
{
    CPUState *cpu = setup_prot_user();
    CPUX86State *env = &cpu->env;
    pw64(IDT + 13 * 8, mkgate(0x08, 0x11223344, 0xe, 0, 0));
    CHECK_EQ(raise_and_deliver(cpu, EXC_GP, 0x28), -1);
    CHECK_EQ(env->seg[SEG_CS].sel, 0x08);
    CHECK_EQ(env->rip, 0x11223344);
    CHECK_EQ(env->seg[SEG_SS].sel, 0x10);
    CHECK_EQ(cpu_cpl(cpu), 0);
    CHECK_EQ(env->regs[R_ESP], 0x8000 - 24);
    CHECK_EQ(pr32(0x8000 - 24), 0x28);     /* error code */
    CHECK_EQ(pr32(0x8000 - 20), 0x4000);   /* EIP */
    CHECK_EQ(pr32(0x8000 - 16), 0x1b);     /* CS */
    CHECK_EQ(pr32(0x8000 - 12), 0x10202);  /* EFLAGS, RF set for a fault */
    CHECK_EQ(pr32(0x8000 - 8), 0x9000);    /* ESP */
    CHECK_EQ(pr32(0x8000 - 4), 0x23);      /* SS */
    CHECK_EQ(env->rflags & FL_IF, 0);
}

TEST(excp, soft_int_gate_dpl_and_trap_gate)
{
    CPUState *cpu = setup_prot_user();
    CPUX86State *env = &cpu->env;
    pw64(IDT + 0x80 * 8, mkgate(0x08, 0x5000, 0xf, 0, 0));
    uint64_t a[2] = { 0x80, 0x4002 };
    CHECK_EQ(cpu_try(cpu, do_soft, a), EXC_GP);
    CHECK_EQ(env->error_code, 0x80 * 8 + 2);
    pw64(IDT + 0x80 * 8, mkgate(0x08, 0x5000, 0xf, 3, 0));
    CHECK_EQ(cpu_try(cpu, do_soft, a), -1);
    CHECK_EQ(env->rip, 0x5000);
    CHECK_EQ(pr32(0x8000 - 20), 0x4002);   /* return address after INT */
    CHECK(env->rflags & FL_IF);            /* trap gate keeps IF */
}

TEST(excp, external_interrupt_same_privilege)
{
    CPUState *cpu = tcpu_setup(1);
    CPUX86State *env = &cpu->env;
    tcpu_protected(cpu, GDT, TSS, IDT, 0);
    env->rip = 0x4444;
    env->regs[R_ESP] = 0x7000;
    env->rflags = 0x202;
    pw64(IDT + 0x30 * 8, mkgate(0x08, 0x6000, 0xe, 0, 0));
    uint64_t a[1] = { 0x30 };
    CHECK_EQ(cpu_try(cpu, do_ext, a), -1);
    CHECK_EQ(env->regs[R_ESP], 0x7000 - 12);
    CHECK_EQ(pr32(0x7000 - 12), 0x4444);
    CHECK_EQ(pr32(0x7000 - 8), 0x08);
    CHECK_EQ(pr32(0x7000 - 4), 0x202);
    CHECK_EQ(env->rip, 0x6000);
    /* A not-present gate for an external event has EXT set in its #NP. */
    uint64_t b[1] = { 0x31 };
    pw64(IDT + 0x31 * 8, mkgate(0x08, 0x6000, 0xe, 0, 0) & ~(1ULL << 47));
    CHECK_EQ(cpu_try(cpu, do_ext, b), EXC_NP);
    CHECK_EQ(env->error_code, 0x31 * 8 + 2 + 1);
}

TEST(excp, double_fault_and_triple_fault)
{
    CPUState *cpu = tcpu_setup(1);
    CPUX86State *env = &cpu->env;
    tcpu_protected(cpu, GDT, TSS, IDT, 0);
    env->regs[R_ESP] = 0x7000;
    /* #GP with an empty IDT slot -> #GP(vector*8+2+EXT), contributory on
     * contributory -> #DF. */
    CHECK_EQ(raise_and_deliver(cpu, EXC_GP, 0), EXC_DF);
    CHECK_EQ(env->error_code, 0);
    /* #PF whose gate is missing -> #DF too. */
    CHECK_EQ(raise_and_deliver(cpu, EXC_PF, 2), EXC_DF);
    /* A not-present gate gives #NP, also contributory. */
    pw64(IDT + 13 * 8, mkgate(0x08, 0x6000, 0xe, 0, 0) & ~(1ULL << 47));
    CHECK_EQ(raise_and_deliver(cpu, EXC_GP, 0), EXC_DF);
    /* A benign exception's failed delivery is handled serially. */
    CHECK_EQ(raise_and_deliver(cpu, EXC_UD, NO_ERROR_CODE), EXC_GP);
    CHECK_EQ(env->error_code, EXC_UD * 8 + 2 + 1);
    /* With a #DF gate the double fault is delivered with error code 0. */
    pw64(IDT + 8 * 8, mkgate(0x08, 0xdf00, 0xe, 0, 0));
    CHECK_EQ(raise_and_deliver(cpu, EXC_GP, 0), EXC_DF);
    CHECK_EQ(cpu_try(cpu, do_deliver, NULL), -1);
    CHECK_EQ(env->rip, 0xdf00);
    CHECK_EQ(pr32(env->regs[R_ESP]), 0);
    /* Without one: triple fault, the machine is asked to reset. */
    pw64(IDT + 8 * 8, 0);
    CHECK_EQ(raise_and_deliver(cpu, EXC_GP, 0), EXC_DF);
    CHECK_EQ(cpu_try(cpu, do_deliver, NULL), -1);
    CHECK(env->halted);
    CHECK_EQ(harness_machine()->reset_requested, 1);
}

TEST(excp, v86_interrupt_exits_to_ring0)
{
    CPUState *cpu = setup_prot_user();
    CPUX86State *env = &cpu->env;
    env->rflags = 0x202 | FL_VM;
    for (int i = 0; i < SEG_COUNT; i++) {
        env->seg[i] = (SegReg){ (uint16_t)(0x100 + i), (uint64_t)(0x100 + i) << 4, 0xffff,
                                SEGATTR_P | SEGATTR_S | (3 << 5) | 3 };
    }
    env->rip = 0x10;
    env->regs[R_ESP] = 0xfffe;
    pw64(IDT + 0x30 * 8, mkgate(0x08, 0x6000, 0xe, 0, 0));
    /* INT n with IOPL < 3 (and CR4.VME clear) is #GP(0) (SDM table 20-2,
     * method 2); INT3 is not IOPL-sensitive (SDM INT n: the gate's DPL
     * decides, here 0 < CPL 3). */
    uint64_t s[2] = { 0x30, 0x12 };
    CHECK_EQ(cpu_try(cpu, do_int_n, s), EXC_GP);
    CHECK_EQ(env->error_code, 0);
    uint64_t s3[2] = { 3, 0x11 };
    CHECK_EQ(cpu_try(cpu, do_soft, s3), EXC_GP);
    CHECK_EQ(env->error_code, 3 * 8 + 2);
    /* Hardware interrupts ignore CR4.VME and VIF/VIP: protected-mode
     * handler, full EFLAGS (VIP included) in the frame (SDM 20.3.2). */
    env->cr4 |= CR4_VME;
    env->rflags |= FL_VIP;
    uint64_t a[1] = { 0x30 };
    CHECK_EQ(cpu_try(cpu, do_ext, a), -1);
    CHECK_EQ(env->regs[R_ESP], 0x8000 - 36);
    uint32_t want[9] = { 0x10, 0x101, 0x202 | FL_VM | FL_VIP, 0xfffe, 0x102, 0x100, 0x103, 0x104, 0x105 };
    for (int i = 0; i < 9; i++)
        CHECK_EQ(pr32(0x8000 - 36 + 4 * (unsigned)i), want[i]);
    CHECK_EQ(env->rflags & FL_VM, 0);
    CHECK_EQ(env->seg[SEG_DS].sel, 0);
    CHECK_EQ(env->seg[SEG_DS].attr & SEGATTR_P, 0);
    CHECK_EQ(cpu_cpl(cpu), 0);
}

/* Long mode: identity-mapped 2 MiB; GDT 0x08 code64/0, 0x10 data/0,
 * 0x23 data/3, 0x2b code64/3, 0x30 TSS64; IDT of 16-byte gates. */
static CPUState *setup_long_user(void)
{
    CPUState *cpu = tcpu_setup(1);
    CPUX86State *env = &cpu->env;
    pw64(0x10000, 0x11000 | 7);
    pw64(0x11000, 0x12000 | 7);
    pw64(0x12000, 0x87);
    pw64(GDT + 0x08, mkdesc(0, 0xfffff, 0xb, 0, SEGATTR_G | SEGATTR_L));
    pw64(GDT + 0x10, mkdesc(0, 0xfffff, 0x3, 0, SEGATTR_G | SEGATTR_DB));
    pw64(GDT + 0x20, mkdesc(0, 0xfffff, 0x3, 3, SEGATTR_G | SEGATTR_DB));
    pw64(GDT + 0x28, mkdesc(0, 0xfffff, 0xb, 3, SEGATTR_G | SEGATTR_L));
    pw64(GDT + 0x30, mksys(TSS, 0x67, 0xb, 0));
    pw64(GDT + 0x38, 0);
    pw64(TSS + 4, 0x8000);            /* RSP0 */
    pw64(TSS + 36, 0x7808);           /* IST1 */
    env->gdt = (DescTable){ GDT, 0xff };
    env->idt = (DescTable){ IDT, 0xfff };
    env->cr3 = 0x10000;
    env->cr4 |= CR4_PAE;
    env->efer |= EFER_LME | EFER_LMA | EFER_SCE;
    env->cr0 |= CR0_PE | CR0_PG;
    uint64_t d = pr64(GDT + 0x28);
    seg_from_desc(&env->seg[SEG_CS], 0x2b, (uint32_t)d, (uint32_t)(d >> 32));
    d = pr64(GDT + 0x20);
    seg_from_desc(&env->seg[SEG_SS], 0x23, (uint32_t)d, (uint32_t)(d >> 32));
    d = pr64(GDT + 0x30);
    seg_from_desc(&env->tr, 0x30, (uint32_t)d, (uint32_t)(d >> 32));
    env->rip = 0x400123;
    env->regs[R_ESP] = 0x9008;
    env->rflags = 0x202;
    return cpu;
}

static void gate64(int vec, uint64_t off, unsigned type, unsigned dpl, unsigned ist)
{
    pw64(IDT + (uint64_t)vec * 16, mkgate(0x08, (uint32_t)off, type, dpl, 0) | ((uint64_t)ist << 32));
    pw64(IDT + (uint64_t)vec * 16 + 8, off >> 32);
}

TEST(excp, long_mode_fault_from_user)
{
    CPUState *cpu = setup_long_user();
    CPUX86State *env = &cpu->env;
    gate64(14, 0xffffffff81000000ULL, 0xe, 0, 0);
    env->cr2 = 0;
    CHECK_EQ(raise_and_deliver(cpu, EXC_PF, 6), -1);
    CHECK_EQ(env->rip, 0xffffffff81000000ULL);
    CHECK_EQ(env->seg[SEG_CS].sel, 0x08);
    CHECK_EQ(env->seg[SEG_SS].sel, 0);
    CHECK_EQ(cpu_cpl(cpu), 0);
    CHECK_EQ(env->regs[R_ESP], 0x8000 - 48);
    /* RFLAGS image: RF set for a fault (SDM 17.3.1.1) */
    uint64_t want[6] = { 6, 0x400123, 0x2b, 0x10202, 0x9008, 0x23 };
    for (int i = 0; i < 6; i++)
        CHECK_EQ(pr64(0x8000 - 48 + 8 * (unsigned)i), want[i]);
}

TEST(excp, long_mode_nmi_on_ist_aligned)
{
    CPUState *cpu = setup_long_user();
    CPUX86State *env = &cpu->env;
    gate64(2, 0x200000, 0xe, 0, 1);
    CHECK_EQ(cpu_try(cpu, do_nmi, NULL), -1);
    CHECK(env->nmi_blocked);
    /* IST1 = 0x7808, aligned down to 0x7800, then 5 pushes. */
    CHECK_EQ(env->regs[R_ESP], 0x7800 - 40);
    CHECK_EQ(pr64(0x7800 - 40), 0x400123);
    CHECK_EQ(pr64(0x7800 - 8), 0x23);
    /* A 32-bit gate type is invalid in long mode: #GP(vector*8+2+EXT). */
    gate64(3, 0x200000, 0x6, 3, 0);
    uint64_t a[2] = { 3, 0x400124 };
    CHECK_EQ(cpu_try(cpu, do_soft, a), EXC_GP);
    CHECK_EQ(env->error_code, 3 * 8 + 2);
}

TEST(excp, int_log_lines)
{
    char path[] = "/tmp/kemu-intlog-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    CHECK_EQ(log_set_file(path), 0);
    log_mask |= LOG_INT;
    CPUState *cpu = setup_prot_user();
    pw64(IDT + 13 * 8, mkgate(0x08, 0x11223344, 0xe, 0, 0));
    CHECK_EQ(raise_and_deliver(cpu, EXC_GP, 0x28), -1);
    fflush(log_file());
    char buf[512] = "";
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
    buf[n] = 0;
    if (f)
        fclose(f);
    unlink(path);
    CHECK(strstr(buf, "check_exception old: 0xffffffff new 0xd\n") != NULL);
    CHECK(strstr(buf, "     0: v=0d e=0028 i=0 cpl=3 IP=001b:0000000000004000 "
                      "pc=0000000000004000 SP=0023:0000000000009000 EAX=") != NULL);
}

TEST(excp, stack_limit_faults_are_ss)
{
    CPUState *cpu = tcpu_setup(1);
    CPUX86State *env = &cpu->env;
    tcpu_protected(cpu, GDT, TSS, IDT, 0);
    pw64(IDT + 0x30 * 8, mkgate(0x08, 0x6000, 0xe, 0, 0));
    uint64_t a[1] = { 0x30 };
    /* Expand-up 32-bit SS with limit 0xfff at base 0x10000. */
    pw64(GDT + 0x30, mkdesc(0x10000, 0xfff, 0x3, 0, SEGATTR_DB));
    uint64_t d = pr64(GDT + 0x30);
    seg_from_desc(&env->seg[SEG_SS], 0x30, (uint32_t)d, (uint32_t)(d >> 32));
    env->regs[R_ESP] = 0x10;
    CHECK_EQ(cpu_try(cpu, do_ext, a), -1);
    CHECK_EQ(env->regs[R_ESP], 0x4);
    CHECK_EQ(pr32(0x10004), 0xfff0);               /* EIP pushed at SS:4 */
    env->regs[R_ESP] = 0x8;
    CHECK_EQ(cpu_try(cpu, do_ext, a), EXC_SS);
    CHECK_EQ(env->error_code, 0);
    CHECK_EQ(env->regs[R_ESP], 0x8);               /* nothing committed */
    /* Expand-down: offsets above the limit are the valid ones. */
    pw64(GDT + 0x30, mkdesc(0x10000, 0xfff, 0x7, 0, SEGATTR_DB));
    d = pr64(GDT + 0x30);
    seg_from_desc(&env->seg[SEG_SS], 0x30, (uint32_t)d, (uint32_t)(d >> 32));
    env->regs[R_ESP] = 0x100c;
    CHECK_EQ(cpu_try(cpu, do_ext, a), -1);
    env->regs[R_ESP] = 0x1008;
    CHECK_EQ(cpu_try(cpu, do_ext, a), EXC_SS);
}

TEST(excp, inner_stack_limit_fault_names_new_ss)
{
    CPUState *cpu = setup_prot_user();
    CPUX86State *env = &cpu->env;
    pw64(GDT + 0x30, mkdesc(0, 0xf, 0x3, 0, SEGATTR_DB));   /* 16-byte stack */
    pw32(TSS + 4, 0x10);
    pw32(TSS + 8, 0x30);
    pw64(IDT + 0x30 * 8, mkgate(0x08, 0x6000, 0xe, 0, 0));
    uint64_t a[1] = { 0x30 };
    CHECK_EQ(cpu_try(cpu, do_ext, a), EXC_SS);
    CHECK_EQ(env->error_code, 0x30 | 1);
    CHECK_EQ(cpu_cpl(cpu), 3);
}

TEST(excp, double_fault_through_task_gate)
{
    CPUState *cpu = tcpu_setup(1);
    CPUX86State *env = &cpu->env;
    tcpu_protected(cpu, GDT, TSS, IDT, 0);
    /* The #DF task: a 32-bit TSS at 0x2100 (selector 0x60), as 32-bit
     * Linux sets up, entered through a task gate in IDT slot 8. */
    pw64(GDT + 0x60, mksys(0x2100, 0x67, 0x9, 0));
    pw32(0x2100 + 32, 0xdf00);      /* EIP */
    pw32(0x2100 + 36, 0x2);         /* EFLAGS */
    pw32(0x2100 + 56, 0x6000);      /* ESP */
    pw32(0x2100 + 76, 0x08);
    for (unsigned off = 72; off <= 92; off += 4)
        if (off != 76)
            pw32(0x2100 + off, 0x10);
    pw64(IDT + 8 * 8, mkgate(0x60, 0, 0x5, 0, 0));
    env->rip = 0x4321;
    env->regs[R_ESP] = 0x7000;
    CHECK_EQ(raise_and_deliver(cpu, EXC_GP, 0), EXC_DF);
    CHECK_EQ(cpu_try(cpu, do_deliver, NULL), -1);
    CHECK_EQ(env->tr.sel, 0x60);
    CHECK_EQ(env->rip, 0xdf00);
    CHECK(env->rflags & FL_NT);
    CHECK_EQ(env->regs[R_ESP], 0x6000 - 4);
    CHECK_EQ(pr32(0x6000 - 4), 0);              /* #DF error code */
    CHECK_EQ(pr32(TSS + 32), 0x4321);           /* faulting EIP saved */
    CHECK_EQ(pr32(0x2100) & 0xffff, 0x28);      /* back link */
}

TEST(excp, gate_offset_outside_target_limit)
{
    CPUState *cpu = tcpu_setup(1);
    CPUX86State *env = &cpu->env;
    tcpu_protected(cpu, GDT, TSS, IDT, 0);
    pw64(GDT + 0x30, mkdesc(0, 0xfff, 0xb, 0, SEGATTR_DB));   /* 4 KiB code */
    pw64(IDT + 0x30 * 8, mkgate(0x30, 0x2000, 0xe, 0, 0));
    env->regs[R_ESP] = 0x7000;
    uint64_t a[1] = { 0x30 };
    CHECK_EQ(cpu_try(cpu, do_ext, a), EXC_GP);
    CHECK_EQ(env->error_code, 1);                  /* EXT */
    CHECK_EQ(env->regs[R_ESP], 0x7000);
}
