/* System instructions: control registers and mode changes, MSRs,
 * SYSCALL/SYSRET, SYSENTER/SYSEXIT, SWAPGS, the TSC and the I/O bitmap. */
#include "tests/unit/unit.h"
#include "tests/unit/cpu-harness.h"

#define GDT 0x1000
#define TSS 0x2000
#define IDT 0x3000

static void do_wcr(CPUState *cpu, uint64_t *a) { cpu_write_cr(cpu, (int)a[0], a[1]); }
static void do_rdmsr(CPUState *cpu, uint64_t *a) { (void)a; cpu_rdmsr(cpu); }
static void do_wrmsr(CPUState *cpu, uint64_t *a) { (void)a; cpu_wrmsr(cpu); }
static void do_syscall(CPUState *cpu, uint64_t *a) { cpu_syscall(cpu, a[0]); }
static void do_sysret(CPUState *cpu, uint64_t *a) { cpu_sysret(cpu, (int)a[0]); }
static void do_sysenter(CPUState *cpu, uint64_t *a) { (void)a; cpu_sysenter(cpu); }
static void do_sysexit(CPUState *cpu, uint64_t *a) { cpu_sysexit(cpu, (int)a[0]); }
static void do_io(CPUState *cpu, uint64_t *a) { cpu_check_io(cpu, (uint16_t)a[0], (unsigned)a[1]); }

static int wcr(CPUState *cpu, int n, uint64_t v)
{
    uint64_t a[2] = { (uint64_t)n, v };
    return cpu_try(cpu, do_wcr, a);
}

static int wrmsr(CPUState *cpu, uint32_t idx, uint64_t v)
{
    cpu->env.regs[R_ECX] = idx;
    cpu->env.regs[R_EAX] = (uint32_t)v;
    cpu->env.regs[R_EDX] = v >> 32;
    return cpu_try(cpu, do_wrmsr, NULL);
}

static int rdmsr(CPUState *cpu, uint32_t idx, uint64_t *v)
{
    cpu->env.regs[R_ECX] = idx;
    int r = cpu_try(cpu, do_rdmsr, NULL);
    *v = (uint32_t)cpu->env.regs[R_EAX] | (cpu->env.regs[R_EDX] << 32);
    return r;
}

TEST(sys, cr0_checks_and_long_mode_activation)
{
    CPUState *cpu = tcpu_setup(1);
    CPUX86State *env = &cpu->env;
    CHECK_EQ(wcr(cpu, 0, CR0_PG), EXC_GP);               /* PG without PE */
    CHECK_EQ(wcr(cpu, 0, CR0_PE | CR0_NW), EXC_GP);      /* NW without CD */
    CHECK_EQ(wcr(cpu, 0, 1ULL << 32 | CR0_PE), -1);      /* bits 63:32 dropped outside long mode */
    CHECK_EQ(wcr(cpu, 1, 0), EXC_UD);
    CHECK_EQ(wcr(cpu, 0, CR0_PE), -1);
    CHECK(env->cr0 & CR0_ET);
    env->efer |= EFER_LME;
    CHECK_EQ(wcr(cpu, 0, CR0_PE | CR0_PG), EXC_GP);      /* LME without PAE */
    CHECK_EQ(wcr(cpu, 4, CR4_PAE), -1);
    CHECK_EQ(wcr(cpu, 3, 0x10000), -1);
    CHECK_EQ(wcr(cpu, 0, CR0_PE | CR0_PG), -1);
    CHECK(env->efer & EFER_LMA);
    CHECK_EQ(wcr(cpu, 4, 0), EXC_GP);                    /* PAE off in long mode */
    CHECK_EQ(wcr(cpu, 3, 1ULL << 45), EXC_GP);           /* above MAXPHYADDR */
    CHECK_EQ(wcr(cpu, 0, CR0_PE), -1);
    CHECK_EQ(env->efer & EFER_LMA, 0);
    CHECK_EQ(wcr(cpu, 8, 0x10), EXC_GP);
    CHECK_EQ(wcr(cpu, 8, 0x5), -1);
    CHECK_EQ(cpu_read_cr(cpu, 8), 5);
    /* Feature-gated CR4 bits. */
    cpu->features[FEAT_7_0_EBX] &= ~CPUID_7_0_EBX_SMEP;
    CHECK_EQ(wcr(cpu, 4, CR4_PAE | CR4_SMEP), EXC_GP);
    /* CR4.VME and CR4.PVI come with CPUID.01H:EDX.VME (SDM 2.5). */
    CHECK_EQ(wcr(cpu, 4, CR4_PAE | CR4_VME | CR4_PVI), -1);
    CHECK_EQ(cpu_read_cr(cpu, 4) & (CR4_VME | CR4_PVI), CR4_VME | CR4_PVI);
    CHECK_EQ(wcr(cpu, 4, CR4_PAE), -1);
    cpu->features[FEAT_1_EDX] &= ~CPUID_VME;
    CHECK_EQ(wcr(cpu, 4, CR4_PAE | CR4_VME), EXC_GP);
    CHECK_EQ(wcr(cpu, 4, CR4_PAE | CR4_PVI), EXC_GP);
    /* Only CPL 0 may write control registers. */
    tcpu_protected(cpu, GDT, TSS, IDT, 3);
    CHECK_EQ(wcr(cpu, 0, CR0_PE), EXC_GP);
}

TEST(sys, lmsw_cannot_clear_pe)
{
    CPUState *cpu = tcpu_setup(1);
    cpu->env.cr0 |= CR0_PE;
    cpu_lmsw(cpu, 0x8);
    CHECK_EQ(cpu->env.cr0 & 0xf, CR0_PE | CR0_TS);
    cpu_clts(cpu);
    CHECK_EQ(cpu->env.cr0 & CR0_TS, 0);
}

TEST(sys, msrs_efer_bases_unknown)
{
    CPUState *cpu = tcpu_setup(1);
    uint64_t v;
    CHECK_EQ(wrmsr(cpu, 0xc0000080, EFER_SCE | EFER_LME | EFER_NXE), -1);
    CHECK_EQ(rdmsr(cpu, 0xc0000080, &v), -1);
    CHECK_EQ(v, EFER_SCE | EFER_LME | EFER_NXE);
    CHECK_EQ(wrmsr(cpu, 0xc0000080, 1ULL << 5), EXC_GP);
    CHECK_EQ(wrmsr(cpu, 0xc0000100, 0x7fff12345000ULL), -1);
    CHECK_EQ(cpu->env.seg[SEG_FS].base, 0x7fff12345000ULL);
    CHECK_EQ(wrmsr(cpu, 0xc0000101, 0x800000000000ULL), EXC_GP);  /* not canonical */
    CHECK_EQ(rdmsr(cpu, 0x12345678, &v), EXC_GP);
    CHECK_EQ(wrmsr(cpu, 0x277, 0x0007040600070406ULL), -1);
    CHECK_EQ(wrmsr(cpu, 0x277, 0x0207040600070406ULL), EXC_GP);   /* PAT type 2 */
    /* MTRRs are stored. */
    CHECK_EQ(rdmsr(cpu, 0xfe, &v), -1);
    CHECK_EQ(v & 0xff, 8);
    CHECK_EQ(wrmsr(cpu, 0x200, 0x80000006), -1);
    CHECK_EQ(wrmsr(cpu, 0x201, 0xff80000800ULL), -1);
    CHECK_EQ(rdmsr(cpu, 0x201, &v), -1);
    CHECK_EQ(v, 0xff80000800ULL);
    CHECK_EQ(wrmsr(cpu, 0x2ff, 0xc06), -1);
    CHECK_EQ(wrmsr(cpu, 0x26e, 0x0606060606060606ULL), -1);
    CHECK_EQ(rdmsr(cpu, 0x26e, &v), -1);
    CHECK_EQ(v, 0x0606060606060606ULL);
    CHECK_EQ(wrmsr(cpu, 0x250, 0x0303030303030303ULL), EXC_GP);   /* type 3 reserved */
}

TEST(sys, tsc_counts_virtual_ns_with_offset)
{
    CPUState *cpu = tcpu_setup(1);
    clock_step(1000);
    CHECK_EQ(cpu_rdtsc(cpu), 1000);
    CHECK_EQ(wrmsr(cpu, 0x10, 1000000), -1);
    clock_step(500);
    CHECK_EQ(cpu_rdtsc(cpu), 1000500);
    uint64_t v;
    CHECK_EQ(rdmsr(cpu, 0x10, &v), -1);
    CHECK_EQ(v, 1000500);
}

/* Long mode with STAR selectors: kernel CS 0x10/SS 0x18, user base 0x20
 * (CS 0x33, SS 0x2b for 64-bit). */
static CPUState *setup_long(void)
{
    CPUState *cpu = tcpu_setup(1);
    CPUX86State *env = &cpu->env;
    tcpu_protected(cpu, GDT, TSS, IDT, 3);
    env->efer |= EFER_LME | EFER_LMA | EFER_SCE;
    env->cr4 |= CR4_PAE;
    env->cr0 |= CR0_PG;
    env->seg[SEG_CS].attr = (env->seg[SEG_CS].attr & ~SEGATTR_DB) | SEGATTR_L;
    env->star = (0x23ULL << 48) | (0x10ULL << 32);
    env->lstar = 0xffffffff81000000ULL;
    env->cstar = 0xffffffff81000100ULL;
    env->fmask = FL_IF | FL_TF | FL_DF;
    env->rflags = 0x202 | FL_DF | FL_RF;
    return cpu;
}

TEST(sys, syscall_sysret_64)
{
    CPUState *cpu = setup_long();
    CPUX86State *env = &cpu->env;
    uint64_t a[1] = { 0x401002 };
    CHECK_EQ(cpu_try(cpu, do_syscall, a), -1);
    CHECK_EQ(env->rip, 0xffffffff81000000ULL);
    CHECK_EQ(env->regs[R_ECX], 0x401002);
    CHECK_EQ(env->regs[R_R11], 0x202 | FL_DF);
    CHECK_EQ(env->seg[SEG_CS].sel, 0x10);
    CHECK_EQ(env->seg[SEG_SS].sel, 0x18);
    CHECK_EQ(cpu_cpl(cpu), 0);
    CHECK(cpu_code64(cpu));
    CHECK_EQ(env->rflags, 0x2);
    uint64_t r[1] = { 8 };
    CHECK_EQ(cpu_try(cpu, do_sysret, r), -1);
    CHECK_EQ(env->rip, 0x401002);
    CHECK_EQ(env->seg[SEG_CS].sel, 0x33);
    CHECK_EQ(env->seg[SEG_SS].sel, 0x2b);
    CHECK_EQ(cpu_cpl(cpu), 3);
    CHECK_EQ(env->rflags, 0x202 | FL_DF);
    /* SYSRET from CPL 3 and to a non-canonical RIP are #GP(0). */
    CHECK_EQ(cpu_try(cpu, do_sysret, r), EXC_GP);
    CHECK_EQ(cpu_try(cpu, do_syscall, a), -1);
    env->regs[R_ECX] = 0x0000800000000000ULL;
    cpu->model = cpu_model_find("Haswell");   /* Intel's check (AMD's: tcg_vendor) */
    CHECK_EQ(cpu_try(cpu, do_sysret, r), EXC_GP);
    cpu->model = NULL;
    /* 32-bit SYSRET to compatibility mode. */
    env->regs[R_ECX] = 0x8048000;
    uint64_t r4[1] = { 4 };
    CHECK_EQ(cpu_try(cpu, do_sysret, r4), -1);
    CHECK_EQ(env->seg[SEG_CS].sel, 0x23);
    CHECK(!cpu_code64(cpu));
    /* SYSCALL from compatibility mode goes to CSTAR. */
    CHECK_EQ(cpu_try(cpu, do_syscall, a), -1);
    CHECK_EQ(env->rip, 0xffffffff81000100ULL);
    /* Without EFER.SCE SYSCALL is #UD. */
    env->efer &= ~(uint64_t)EFER_SCE;
    CHECK_EQ(cpu_try(cpu, do_syscall, a), EXC_UD);
}

TEST(sys, sysenter_sysexit_and_swapgs)
{
    CPUState *cpu = tcpu_setup(1);
    CPUX86State *env = &cpu->env;
    tcpu_protected(cpu, GDT, TSS, IDT, 3);
    CHECK_EQ(cpu_try(cpu, do_sysenter, NULL), EXC_GP);   /* SYSENTER_CS = 0 */
    env->sysenter_cs = 0x08;
    env->sysenter_esp = 0x8000;
    env->sysenter_eip = 0xc0001000;
    env->rflags = 0x202;
    CHECK_EQ(cpu_try(cpu, do_sysenter, NULL), -1);
    CHECK_EQ(env->seg[SEG_CS].sel, 0x08);
    CHECK_EQ(env->seg[SEG_SS].sel, 0x10);
    CHECK_EQ(env->rip, 0xc0001000);
    CHECK_EQ(env->regs[R_ESP], 0x8000);
    CHECK_EQ(env->rflags & FL_IF, 0);
    env->regs[R_EDX] = 0x8049000;
    env->regs[R_ECX] = 0xbffff000;
    uint64_t a[1] = { 4 };
    CHECK_EQ(cpu_try(cpu, do_sysexit, a), -1);
    CHECK_EQ(env->seg[SEG_CS].sel, 0x1b);
    CHECK_EQ(env->seg[SEG_SS].sel, 0x23);
    CHECK_EQ(env->rip, 0x8049000);
    CHECK_EQ(env->regs[R_ESP], 0xbffff000);
    CHECK_EQ(cpu_cpl(cpu), 3);
    CHECK_EQ(cpu_try(cpu, do_sysexit, a), EXC_GP);       /* CPL 3 */

    cpu = setup_long();
    env = &cpu->env;
    env->seg[SEG_SS].attr &= ~(3u << 5);                 /* CPL 0 */
    env->seg[SEG_GS].base = 0x1000;
    env->kernel_gs_base = 0xffff888000000000ULL;
    cpu_swapgs(cpu);
    CHECK_EQ(env->seg[SEG_GS].base, 0xffff888000000000ULL);
    CHECK_EQ(env->kernel_gs_base, 0x1000);
}

TEST(sys, io_permission_bitmap)
{
    CPUState *cpu = tcpu_setup(1);
    CPUX86State *env = &cpu->env;
    tcpu_protected(cpu, GDT, TSS, IDT, 3);
    uint64_t a[2] = { 0x3f8, 1 };
    CHECK_EQ(cpu_try(cpu, do_io, a), EXC_GP);            /* limit 0x67: no bitmap */
    /* A bitmap at TSS+0x68 covering ports 0..0x3ff, with port 0x3f9 denied. */
    pw64(GDT + 0x28, mksys(TSS, 0x68 + 0x80, 0xb, 0));
    uint64_t d = pr64(GDT + 0x28);
    seg_from_desc(&env->tr, 0x28, (uint32_t)d, (uint32_t)(d >> 32));
    pw16(TSS + 0x66, 0x68);
    for (unsigned i = 0; i < 0x80; i++)
        pw8(TSS + 0x68 + i, 0);
    pw8(TSS + 0x68 + 0x3f8 / 8, 0x02);
    CHECK_EQ(cpu_try(cpu, do_io, a), -1);
    uint64_t b[2] = { 0x3f8, 2 };
    CHECK_EQ(cpu_try(cpu, do_io, b), EXC_GP);            /* word access covers 0x3f9 */
    uint64_t c[2] = { 0x400, 1 };
    CHECK_EQ(cpu_try(cpu, do_io, c), EXC_GP);            /* beyond the bitmap */
    env->rflags |= FL_IOPL;
    CHECK_EQ(cpu_try(cpu, do_io, b), -1);                /* IOPL 3 allows all */
}
