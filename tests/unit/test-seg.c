/* Segmentation helpers called directly: descriptor loads and their faults,
 * far JMP/CALL/RET with call gates, IRET in every mode, task switches,
 * LLDT/LTR and the LAR/LSL/VERR/VERW probes. */
#include "tests/unit/unit.h"
#include "tests/unit/cpu-harness.h"

#define GDT 0x1000
#define TSS 0x2000
#define IDT 0x3000

static void do_load(CPUState *cpu, uint64_t *a) { cpu_load_seg(cpu, (int)a[0], (uint16_t)a[1]); }
static void do_jmp(CPUState *cpu, uint64_t *a) { cpu_far_jmp(cpu, (uint16_t)a[0], a[1], a[2]); }
static void do_call(CPUState *cpu, uint64_t *a) { cpu_far_call(cpu, (uint16_t)a[0], a[1], (int)a[3], a[2]); }
static void do_ret(CPUState *cpu, uint64_t *a) { cpu_far_ret(cpu, (int)a[0], (uint16_t)a[1]); }
static void do_iret(CPUState *cpu, uint64_t *a) { cpu_iret(cpu, (int)a[0]); }
static void do_ltr(CPUState *cpu, uint64_t *a) { cpu_ltr(cpu, (uint16_t)a[0]); }
static void do_lldt(CPUState *cpu, uint64_t *a) { cpu_lldt(cpu, (uint16_t)a[0]); }

static int load(CPUState *cpu, int seg, uint16_t sel)
{
    uint64_t a[2] = { (uint64_t)seg, sel };
    return cpu_try(cpu, do_load, a);
}

static CPUState *setup(int cpl)
{
    CPUState *cpu = tcpu_setup(1);
    tcpu_protected(cpu, GDT, TSS, IDT, cpl);
    unsigned flat = SEGATTR_G | SEGATTR_DB;
    pw64(GDT + 0x30, mkdesc(0x10000, 0xffff, 0x2, 0, 0));           /* data, not accessed */
    pw64(GDT + 0x38, mkdesc(0, 0xfffff, 0x3, 0, flat) & ~(1ULL << 47)); /* not present */
    pw64(GDT + 0x40, mkdesc(0, 0xfffff, 0x9, 0, flat));             /* execute-only code */
    pw64(GDT + 0x48, mkdesc(0, 0xfffff, 0xb, 0, flat));             /* readable code */
    pw64(GDT + 0x50, mkdesc(0, 0xfffff, 0x1, 0, flat));             /* read-only data */
    pw32(TSS + 4, 0x8000);
    pw32(TSS + 8, 0x10);
    cpu->env.rflags = 0x202;
    return cpu;
}

TEST(seg, data_and_stack_loads_with_faults)
{
    CPUState *cpu = setup(0);
    CPUX86State *env = &cpu->env;
    CHECK_EQ(load(cpu, SEG_DS, 0x30), -1);
    CHECK_EQ(env->seg[SEG_DS].base, 0x10000);
    CHECK_EQ(env->seg[SEG_DS].limit, 0xffff);
    CHECK_EQ((pr64(GDT + 0x30) >> 40) & 1, 1);     /* accessed bit set */
    CHECK_EQ(load(cpu, SEG_ES, 0), -1);
    CHECK_EQ(env->seg[SEG_ES].attr & SEGATTR_P, 0);
    CHECK_EQ(load(cpu, SEG_SS, 0), EXC_GP);
    CHECK_EQ(env->error_code, 0);
    CHECK_EQ(load(cpu, SEG_SS, 0x23), EXC_GP);      /* RPL != CPL */
    CHECK_EQ(env->error_code, 0x20);
    CHECK_EQ(load(cpu, SEG_DS, 0x38), EXC_NP);
    CHECK_EQ(env->error_code, 0x38);
    CHECK_EQ(load(cpu, SEG_SS, 0x38), EXC_SS);
    CHECK_EQ(env->error_code, 0x38);
    CHECK_EQ(load(cpu, SEG_DS, 0x40), EXC_GP);
    CHECK_EQ(env->error_code, 0x40);
    CHECK_EQ(load(cpu, SEG_FS, 0x48), -1);
    CHECK_EQ(load(cpu, SEG_SS, 0x50), EXC_GP);
    CHECK_EQ(load(cpu, SEG_SS, 0x48), EXC_GP);
    CHECK_EQ(load(cpu, SEG_GS, 0x100), EXC_GP);     /* beyond the GDT limit */
    CHECK_EQ(env->error_code, 0x100);
    CHECK_EQ(load(cpu, SEG_GS, 0x0c), EXC_GP);      /* LDT selector, no LDT */
    CHECK_EQ(env->error_code, 0x0c);                /* TI is part of it */
    CHECK_EQ(load(cpu, SEG_CS, 0x08), EXC_UD);
}

TEST(seg, user_cannot_load_kernel_data)
{
    CPUState *cpu = setup(3);
    CHECK_EQ(load(cpu, SEG_DS, 0x10), EXC_GP);
    CHECK_EQ(cpu->env.error_code, 0x10);
    CHECK_EQ(load(cpu, SEG_DS, 0x23), -1);
    CHECK_EQ(load(cpu, SEG_SS, 0x23), -1);
}

TEST(seg, real_mode_keeps_limits_v86_does_not)
{
    CPUState *cpu = tcpu_setup(1);
    CPUX86State *env = &cpu->env;
    env->seg[SEG_DS].limit = 0xffffffff;      /* unreal mode */
    CHECK_EQ(load(cpu, SEG_DS, 0x1234), -1);
    CHECK_EQ(env->seg[SEG_DS].base, 0x12340);
    CHECK_EQ(env->seg[SEG_DS].limit, 0xffffffff);
    env->cr0 |= CR0_PE;
    env->rflags |= FL_VM;
    CHECK_EQ(load(cpu, SEG_DS, 0x2000), -1);
    CHECK_EQ(env->seg[SEG_DS].base, 0x20000);
    CHECK_EQ(env->seg[SEG_DS].limit, 0xffff);
    CHECK_EQ(SEGATTR_DPL(env->seg[SEG_DS].attr), 3);
}

TEST(seg, far_jmp_and_call_direct)
{
    CPUState *cpu = setup(0);
    CPUX86State *env = &cpu->env;
    env->regs[R_ESP] = 0x7000;
    uint64_t j[3] = { 0x48, 0x1234, 0 };
    CHECK_EQ(cpu_try(cpu, do_jmp, j), -1);
    CHECK_EQ(env->seg[SEG_CS].sel, 0x48);
    CHECK_EQ(env->rip, 0x1234);
    uint64_t bad[3] = { 0x18, 0x1234, 0 };          /* DPL 3 nonconforming */
    CHECK_EQ(cpu_try(cpu, do_jmp, bad), EXC_GP);
    CHECK_EQ(env->error_code, 0x18);
    uint64_t data[3] = { 0x10, 0x1234, 0 };
    CHECK_EQ(cpu_try(cpu, do_jmp, data), EXC_GP);
    uint64_t c[4] = { 0x08, 0x5678, 0x1240, 4 };
    CHECK_EQ(cpu_try(cpu, do_call, c), -1);
    CHECK_EQ(env->regs[R_ESP], 0x7000 - 8);
    CHECK_EQ(pr32(0x7000 - 8), 0x1240);
    CHECK_EQ(pr32(0x7000 - 4), 0x48);
    CHECK_EQ(env->rip, 0x5678);
    /* Same-level far RET. */
    uint64_t r[2] = { 4, 0 };
    CHECK_EQ(cpu_try(cpu, do_ret, r), -1);
    CHECK_EQ(env->seg[SEG_CS].sel, 0x48);
    CHECK_EQ(env->rip, 0x1240);
    CHECK_EQ(env->regs[R_ESP], 0x7000);
}

TEST(seg, call_gate_to_ring0_and_ret_to_ring3)
{
    CPUState *cpu = setup(3);
    CPUX86State *env = &cpu->env;
    pw64(GDT + 0x58, mkgate(0x08, 0x7777, 0xc, 3, 2));
    env->regs[R_ESP] = 0x9000;
    pw32(0x9000, 0xaaaa);
    pw32(0x9004, 0xbbbb);
    uint64_t c[4] = { 0x5b, 0, 0x4005, 4 };
    CHECK_EQ(cpu_try(cpu, do_call, c), -1);
    CHECK_EQ(env->seg[SEG_CS].sel, 0x08);
    CHECK_EQ(env->rip, 0x7777);
    CHECK_EQ(env->seg[SEG_SS].sel, 0x10);
    CHECK_EQ(cpu_cpl(cpu), 0);
    CHECK_EQ(env->regs[R_ESP], 0x8000 - 24);
    uint32_t want[6] = { 0x4005, 0x1b, 0xaaaa, 0xbbbb, 0x9000, 0x23 };
    for (int i = 0; i < 6; i++)
        CHECK_EQ(pr32(0x8000 - 24 + 4 * (unsigned)i), want[i]);
    /* A gate with DPL 0 cannot be used from ring 3. */
    /* RET 8 back to ring 3: parameters dropped from both stacks, DS with
     * DPL 0 is nulled. */
    CHECK_EQ(load(cpu, SEG_DS, 0x10), -1);
    uint64_t r[2] = { 4, 8 };
    CHECK_EQ(cpu_try(cpu, do_ret, r), -1);
    CHECK_EQ(env->seg[SEG_CS].sel, 0x1b);
    CHECK_EQ(env->rip, 0x4005);
    CHECK_EQ(env->seg[SEG_SS].sel, 0x23);
    CHECK_EQ(env->regs[R_ESP], 0x9008);
    CHECK_EQ(env->seg[SEG_DS].sel, 0);
    CHECK_EQ(cpu_cpl(cpu), 3);
    pw64(GDT + 0x58, mkgate(0x08, 0x7777, 0xc, 0, 2));
    CHECK_EQ(cpu_try(cpu, do_call, c), EXC_GP);
    CHECK_EQ(env->error_code, 0x58);
}

TEST(seg, iret_real_and_same_level)
{
    CPUState *cpu = tcpu_setup(1);
    CPUX86State *env = &cpu->env;
    env->regs[R_ESP] = 0x6000;
    pw16(0x6000, 0x1234);
    pw16(0x6002, 0x2000);
    pw16(0x6004, 0x0246);
    env->nmi_blocked = true;
    uint64_t a[1] = { 2 };
    CHECK_EQ(cpu_try(cpu, do_iret, a), -1);
    CHECK_EQ(env->rip, 0x1234);
    CHECK_EQ(env->seg[SEG_CS].base, 0x20000);
    CHECK_EQ(env->rflags, 0x246);
    CHECK_EQ(env->regs[R_ESP], 0x6006);
    CHECK(!env->nmi_blocked);

    cpu = setup(0);
    env = &cpu->env;
    env->regs[R_ESP] = 0x7000;
    pw32(0x7000, 0x4321);
    pw32(0x7004, 0x08);
    pw32(0x7008, 0x3202);          /* IOPL 3 */
    uint64_t b[1] = { 4 };
    CHECK_EQ(cpu_try(cpu, do_iret, b), -1);
    CHECK_EQ(env->rip, 0x4321);
    CHECK_EQ(env->rflags, 0x3202);
    CHECK_EQ(env->regs[R_ESP], 0x700c);
}

TEST(seg, iret_to_outer_level_and_flag_privileges)
{
    CPUState *cpu = setup(0);
    CPUX86State *env = &cpu->env;
    env->regs[R_ESP] = 0x7000;
    pw32(0x7000, 0x4000);
    pw32(0x7004, 0x1b);
    pw32(0x7008, 0x0202);
    pw32(0x700c, 0x9000);
    pw32(0x7010, 0x23);
    uint64_t a[1] = { 4 };
    CHECK_EQ(cpu_try(cpu, do_iret, a), -1);
    CHECK_EQ(cpu_cpl(cpu), 3);
    CHECK_EQ(env->seg[SEG_SS].sel, 0x23);
    CHECK_EQ(env->regs[R_ESP], 0x9000);
    CHECK_EQ(env->seg[SEG_DS].sel, 0);          /* DPL 0 data nulled */
    /* At CPL 3 with IOPL 0, IRET changes neither IOPL nor IF. */
    pw32(0x9000, 0x4100);
    pw32(0x9004, 0x1b);
    pw32(0x9008, 0x3002);
    CHECK_EQ(cpu_try(cpu, do_iret, a), -1);
    CHECK_EQ(env->rflags & (FL_IOPL | FL_IF), FL_IF);
    /* Returning to a more privileged level is #GP(selector). */
    pw32(0x900c, 0x4100);
    pw32(0x9010, 0x08);
    pw32(0x9014, 0x2);
    CHECK_EQ(cpu_try(cpu, do_iret, a), EXC_GP);
    CHECK_EQ(env->error_code, 0x08);
}

TEST(seg, iret_to_v86)
{
    CPUState *cpu = setup(0);
    CPUX86State *env = &cpu->env;
    env->regs[R_ESP] = 0x7000;
    uint32_t frame[9] = { 0x100, 0x2000, 0x20202, 0xfff0, 0x3000, 0x11, 0x22, 0x33, 0x44 };
    for (int i = 0; i < 9; i++)
        pw32(0x7000 + 4 * (unsigned)i, frame[i]);
    uint64_t a[1] = { 4 };
    CHECK_EQ(cpu_try(cpu, do_iret, a), -1);
    CHECK(env->rflags & FL_VM);
    CHECK_EQ(cpu_cpl(cpu), 3);
    CHECK_EQ(env->rip, 0x100);
    CHECK_EQ(env->seg[SEG_CS].base, 0x20000);
    CHECK_EQ(env->seg[SEG_SS].base, 0x30000);
    CHECK_EQ(env->regs[R_ESP], 0xfff0);
    CHECK_EQ(env->seg[SEG_ES].sel, 0x11);
    CHECK_EQ(env->seg[SEG_DS].sel, 0x22);
    CHECK_EQ(env->seg[SEG_FS].sel, 0x33);
    CHECK_EQ(env->seg[SEG_GS].base, 0x440);
    /* In V86 with IOPL < 3, IRET is #GP(0). */
    CHECK_EQ(cpu_try(cpu, do_iret, a), EXC_GP);
}

static void setup_long(CPUState *cpu)
{
    CPUX86State *env = &cpu->env;
    pw64(GDT + 0x08, mkdesc(0, 0xfffff, 0xb, 0, SEGATTR_G | SEGATTR_L));
    pw64(GDT + 0x28, mkdesc(0, 0xfffff, 0xb, 3, SEGATTR_G | SEGATTR_L));
    pw64(0x10000, 0x11000 | 7);
    pw64(0x11000, 0x12000 | 7);
    pw64(0x12000, 0x87);
    env->cr3 = 0x10000;
    env->cr4 |= CR4_PAE;
    env->efer |= EFER_LME | EFER_LMA;
    env->cr0 |= CR0_PG;
    uint64_t d = pr64(GDT + 0x08);
    seg_from_desc(&env->seg[SEG_CS], 0x08, (uint32_t)d, (uint32_t)(d >> 32));
}

TEST(seg, iretq_to_user_and_nt_fault)
{
    CPUState *cpu = setup(0);
    CPUX86State *env = &cpu->env;
    setup_long(cpu);
    env->regs[R_ESP] = 0x7000;
    uint64_t frame[5] = { 0x400000, 0x2b, 0x246, 0x123458, 0x23 };
    for (int i = 0; i < 5; i++)
        pw64(0x7000 + 8 * (unsigned)i, frame[i]);
    uint64_t a[1] = { 8 };
    CHECK_EQ(cpu_try(cpu, do_iret, a), -1);
    CHECK_EQ(env->rip, 0x400000);
    CHECK_EQ(env->seg[SEG_CS].sel, 0x2b);
    CHECK(env->seg[SEG_CS].attr & SEGATTR_L);
    CHECK_EQ(env->regs[R_ESP], 0x123458);
    CHECK_EQ(env->rflags, 0x246);
    CHECK_EQ(cpu_cpl(cpu), 3);

    /* IRETQ at CPL 0 to CPL 0 pops SS:RSP too, and accepts a null SS. */
    cpu = setup(0);
    env = &cpu->env;
    setup_long(cpu);
    env->regs[R_ESP] = 0x7000;
    uint64_t f2[5] = { 0x500000, 0x08, 0x2, 0x6000, 0 };
    for (int i = 0; i < 5; i++)
        pw64(0x7000 + 8 * (unsigned)i, f2[i]);
    CHECK_EQ(cpu_try(cpu, do_iret, a), -1);
    CHECK_EQ(env->regs[R_ESP], 0x6000);
    CHECK_EQ(env->seg[SEG_SS].sel, 0);
    CHECK_EQ(cpu_cpl(cpu), 0);
    env->rflags |= FL_NT;
    CHECK_EQ(cpu_try(cpu, do_iret, a), EXC_GP);
}

/* A second 32-bit TSS at 0x2100 (selector 0x60) for task switches. */
static void setup_task_b(void)
{
    pw64(GDT + 0x60, mksys(0x2100, 0x67, 0x9, 0));
    pw32(0x2100 + 32, 0x1111);      /* EIP */
    pw32(0x2100 + 36, 0x2);         /* EFLAGS */
    pw32(0x2100 + 40, 0x42);        /* EAX */
    pw32(0x2100 + 56, 0x7700);      /* ESP */
    pw32(0x2100 + 76, 0x08);        /* CS */
    pw32(0x2100 + 72, 0x10);
    pw32(0x2100 + 80, 0x10);
    pw32(0x2100 + 84, 0x10);
    pw32(0x2100 + 88, 0x10);
    pw32(0x2100 + 92, 0x10);
}

TEST(seg, task_switch_jmp_call_iret)
{
    CPUState *cpu = setup(0);
    CPUX86State *env = &cpu->env;
    setup_task_b();
    env->regs[R_EAX] = 0x99;
    uint64_t j[3] = { 0x60, 0, 0x4444 };
    CHECK_EQ(cpu_try(cpu, do_jmp, j), -1);
    CHECK_EQ(env->tr.sel, 0x60);
    CHECK_EQ(env->rip, 0x1111);
    CHECK_EQ(env->regs[R_EAX], 0x42);
    CHECK_EQ(env->regs[R_ESP], 0x7700);
    CHECK(env->cr0 & CR0_TS);
    CHECK_EQ(pr32(TSS + 32), 0x4444);           /* old EIP saved */
    CHECK_EQ(pr32(TSS + 40), 0x99);             /* old EAX saved */
    CHECK_EQ((pr64(GDT + 0x28) >> 40) & 0xf, 0x9);  /* old TSS no longer busy */
    CHECK_EQ((pr64(GDT + 0x60) >> 40) & 0xf, 0xb);  /* new TSS busy */

    /* CALL through a task gate back to the first TSS: nested, back link. */
    pw64(GDT + 0x68, mkgate(0x28, 0, 0x5, 0, 0));
    uint64_t c[4] = { 0x68, 0, 0x1122, 4 };
    CHECK_EQ(cpu_try(cpu, do_call, c), -1);
    CHECK_EQ(env->tr.sel, 0x28);
    CHECK_EQ(env->rip, 0x4444);
    CHECK(env->rflags & FL_NT);
    CHECK_EQ(pr32(TSS) & 0xffff, 0x60);
    /* IRET with NT returns to task 0x60 after the CALL. */
    pw8(0x4444, 0xcf);
    uint64_t a[1] = { 4 };
    CHECK_EQ(cpu_try(cpu, do_iret, a), -1);
    CHECK_EQ(env->tr.sel, 0x60);
    CHECK_EQ(env->rip, 0x1122);
    CHECK_EQ(pr32(TSS + 32), 0x4445);           /* after the IRET */
    CHECK_EQ((pr64(GDT + 0x28) >> 40) & 0xf, 0x9);
    /* A busy TSS cannot be jumped to. */
    uint64_t busy[3] = { 0x60, 0, 0 };
    CHECK_EQ(cpu_try(cpu, do_jmp, busy), EXC_GP);
}

TEST(seg, ltr_lldt_and_probes)
{
    CPUState *cpu = setup(0);
    CPUX86State *env = &cpu->env;
    pw64(GDT + 0x60, mksys(0x2100, 0x67, 0x9, 0));
    pw64(GDT + 0x70, mksys(0x5000, 0x17, 0x2, 0));
    uint64_t t[1] = { 0x60 };
    CHECK_EQ(cpu_try(cpu, do_ltr, t), -1);
    CHECK_EQ(env->tr.base, 0x2100);
    CHECK_EQ((pr64(GDT + 0x60) >> 40) & 0xf, 0xb);
    CHECK_EQ(cpu_try(cpu, do_ltr, t), EXC_GP);  /* now busy */
    uint64_t l[1] = { 0x70 };
    CHECK_EQ(cpu_try(cpu, do_lldt, l), -1);
    CHECK_EQ(env->ldt.base, 0x5000);
    /* An LDT descriptor makes 0x04-type selectors work. */
    pw64(0x5008, mkdesc(0x30000, 0xfff, 0x3, 0, 0));
    CHECK_EQ(load(cpu, SEG_ES, 0x0c), -1);
    CHECK_EQ(env->seg[SEG_ES].base, 0x30000);
    uint64_t bad[1] = { 0x10 };
    CHECK_EQ(cpu_try(cpu, do_lldt, bad), EXC_GP);

    bool ok;
    /* Limit bits 19:16 are undefined in LAR's result; kemu clears them. */
    CHECK_EQ(cpu_lar(cpu, 0x08, &ok), 0x00c09b00);
    CHECK(ok && (env->rflags & FL_ZF));
    CHECK_EQ(cpu_lsl(cpu, 0x30, &ok), 0xffff);
    CHECK(ok);
    cpu_lar(cpu, 0, &ok);
    CHECK(!ok && !(env->rflags & FL_ZF));
    CHECK(cpu_verr(cpu, 0x48));
    CHECK(!cpu_verr(cpu, 0x40));
    CHECK(!cpu_verw(cpu, 0x48));
    CHECK(cpu_verw(cpu, 0x10));
    CHECK(!cpu_verw(cpu, 0x50));
    /* At CPL 3 the DPL 0 descriptors are invisible. */
    cpu = setup(3);
    CHECK(!cpu_verr(cpu, 0x10));
    CHECK_EQ(cpu_lar(cpu, 0x1b, &ok), 0x00c0fb00);
    CHECK(ok);
}

TEST(seg, conforming_code_keeps_cpl)
{
    CPUState *cpu = setup(3);
    CPUX86State *env = &cpu->env;
    unsigned flat = SEGATTR_G | SEGATTR_DB;
    pw64(GDT + 0x78, mkdesc(0, 0xfffff, 0xf, 0, flat));   /* conforming, DPL 0 */
    uint64_t j[3] = { 0x7b, 0x2222, 0 };
    CHECK_EQ(cpu_try(cpu, do_jmp, j), -1);
    CHECK_EQ(env->seg[SEG_CS].sel, 0x7b);                  /* RPL = CPL 3 */
    CHECK_EQ(cpu_cpl(cpu), 3);
    /* A conforming segment with DPL above CPL is refused. */
    pw64(GDT + 0x78, mkdesc(0, 0xfffff, 0xf, 3, flat));
    cpu = setup(0);
    pw64(GDT + 0x78, mkdesc(0, 0xfffff, 0xf, 3, flat));
    CHECK_EQ(cpu_try(cpu, do_jmp, j), EXC_GP);
    CHECK_EQ(cpu->env.error_code, 0x78);
    /* The EIP must be inside the limit. */
    pw64(GDT + 0x78, mkdesc(0, 0xfff, 0xb, 0, 0));
    uint64_t far[3] = { 0x78, 0x1000, 0 };
    CHECK_EQ(cpu_try(cpu, do_jmp, far), EXC_GP);
    CHECK_EQ(cpu->env.error_code, 0);
}

TEST(seg, call_gate_16bit_same_level_and_real_mode_far_call)
{
    CPUState *cpu = setup(0);
    CPUX86State *env = &cpu->env;
    pw64(GDT + 0x58, mkgate(0x08, 0x12345678, 0x4, 0, 0));  /* 16-bit gate */
    env->regs[R_ESP] = 0x7000;
    uint64_t c[4] = { 0x58, 0, 0x4321, 4 };
    CHECK_EQ(cpu_try(cpu, do_call, c), -1);
    CHECK_EQ(env->rip, 0x5678);                   /* 16-bit offset */
    CHECK_EQ(env->regs[R_ESP], 0x7000 - 4);       /* 16-bit pushes */
    CHECK_EQ(pr32(0x7000 - 4), 0x00084321);       /* CS:IP as two words */

    cpu = tcpu_setup(1);
    env = &cpu->env;
    env->regs[R_ESP] = 0x2000;
    uint64_t r[4] = { 0x1234, 0x10, 0x7c05, 2 };
    CHECK_EQ(cpu_try(cpu, do_call, r), -1);
    CHECK_EQ(env->seg[SEG_CS].base, 0x12340);
    CHECK_EQ(env->rip, 0x10);
    CHECK_EQ(pr32(0x1ffc), 0xf0007c05);
    uint64_t ret[2] = { 2, 4 };
    CHECK_EQ(cpu_try(cpu, do_ret, ret), -1);
    CHECK_EQ(env->seg[SEG_CS].sel, 0xf000);
    CHECK_EQ(env->rip, 0x7c05);
    CHECK_EQ(env->regs[R_ESP], 0x2004);
}

TEST(seg, ldt_selectors_and_rpl)
{
    CPUState *cpu = setup(3);
    CPUX86State *env = &cpu->env;
    pw64(GDT + 0x70, mksys(0x5000, 0x1f, 0x2, 0));
    uint64_t d = pr64(GDT + 0x70);
    seg_from_desc(&env->ldt, 0x70, (uint32_t)d, (uint32_t)(d >> 32));
    pw64(0x5008, mkdesc(0x40000, 0xffff, 0x3, 3, 0));
    pw64(0x5010, mkdesc(0x50000, 0xffff, 0x3, 2, 0));
    CHECK_EQ(load(cpu, SEG_DS, 0x0f), -1);
    CHECK_EQ(env->seg[SEG_DS].base, 0x40000);
    CHECK_EQ(load(cpu, SEG_ES, 0x17), EXC_GP);    /* DPL 2 < CPL 3 */
    CHECK_EQ(env->error_code, 0x14);
    CHECK_EQ(load(cpu, SEG_ES, 0x1f), EXC_GP);    /* beyond the LDT limit */
    CHECK_EQ(env->error_code, 0x1c);
}

TEST(seg, task_switch_to_16bit_tss)
{
    CPUState *cpu = setup(0);
    CPUX86State *env = &cpu->env;
    pw64(GDT + 0x60, mksys(0x2200, 0x2b, 0x1, 0));  /* 16-bit TSS */
    pw64(GDT + 0x68, mkdesc(0, 0xffff, 0xb, 0, 0)); /* 16-bit code */
    pw64(GDT + 0x70, mkdesc(0, 0xffff, 0x3, 0, 0)); /* 16-bit data */
    pw16(0x2200 + 14, 0x1234);      /* IP */
    pw16(0x2200 + 16, 0x0002);      /* FLAGS */
    pw16(0x2200 + 18, 0xaaaa);      /* AX */
    pw16(0x2200 + 26, 0x0ffe);      /* SP */
    pw16(0x2200 + 34, 0x70);        /* ES */
    pw16(0x2200 + 36, 0x68);        /* CS */
    pw16(0x2200 + 38, 0x70);        /* SS */
    pw16(0x2200 + 40, 0x70);        /* DS */
    env->regs[R_EAX] = 0x12345678;
    uint64_t j[3] = { 0x60, 0, 0x5555 };
    CHECK_EQ(cpu_try(cpu, do_jmp, j), -1);
    CHECK_EQ(env->tr.sel, 0x60);
    CHECK_EQ(env->rip, 0x1234);
    CHECK_EQ(env->regs[R_EAX], 0x1234aaaa);      /* upper half kept */
    CHECK_EQ(env->seg[SEG_CS].sel, 0x68);
    CHECK_EQ(env->seg[SEG_SS].sel, 0x70);
    CHECK_EQ((pr64(GDT + 0x60) >> 40) & 0xf, 0x3); /* 16-bit busy */
    CHECK_EQ(pr32(TSS + 32), 0x5555);
    /* A TSS whose limit is too small is #TS(selector). */
    pw64(GDT + 0x78, mksys(0x2300, 0x20, 0x9, 0));
    uint64_t t[3] = { 0x78, 0, 0 };
    CHECK_EQ(cpu_try(cpu, do_jmp, t), EXC_TS);
    CHECK_EQ(env->error_code, 0x78);
}
