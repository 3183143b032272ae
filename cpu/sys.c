/* System instructions: privilege and mode queries, control and debug
 * registers with their reserved-bit checks and mode changes (EFER.LMA),
 * SYSCALL/SYSRET, SYSENTER/SYSEXIT, SWAPGS, CPUID, HLT, INVLPG and the I/O
 * permission check (SDM vol. 2 and vol. 3 ch. 2, 5.8.7, 18.3, 19.5). */
#include "cpu/sys.h"
#include "cpu/excp.h"
#include "cpu/mmu.h"
#include "cpu/seg.h"

_Thread_local CPUState *current_cpu;

static noreturn void gp0(CPUState *cpu)
{
    cpu_raise_exception(cpu, EXC_GP, 0);
}

static noreturn void ud(CPUState *cpu)
{
    cpu_raise_exception(cpu, EXC_UD, NO_ERROR_CODE);
}

int cpu_cpl(const CPUState *cpu)
{
    const CPUX86State *env = &cpu->env;
    if (!(env->cr0 & CR0_PE))
        return 0;
    if (env->rflags & FL_VM)
        return 3;
    /* SS.DPL always equals CPL (CS.RPL may not, right after CR0.PE=1). */
    return (int)SEGATTR_DPL(env->seg[SEG_SS].attr);
}

bool cpu_long_mode(const CPUState *cpu)
{
    return (cpu->env.efer & EFER_LMA) != 0;
}

bool cpu_code64(const CPUState *cpu)
{
    return cpu_long_mode(cpu) && (cpu->env.seg[SEG_CS].attr & SEGATTR_L);
}

static void need_cpl0(CPUState *cpu)
{
    if (cpu_cpl(cpu) != 0)
        gp0(cpu);
}

static bool has(const CPUState *cpu, int word, uint32_t bit)
{
    return (cpu->features[word] & bit) != 0;
}

/* ---- control registers ---- */

static void write_cr0(CPUState *cpu, uint64_t val)
{
    CPUX86State *env = &cpu->env;
    if (val >> 32)
        gp0(cpu);
    val &= CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_NE | CR0_WP | CR0_AM |
           CR0_NW | CR0_CD | CR0_PG;
    val |= CR0_ET;
    if (((val & CR0_PG) && !(val & CR0_PE)) || ((val & CR0_NW) && !(val & CR0_CD)))
        gp0(cpu);
    bool pg_on = (val & CR0_PG) && !(env->cr0 & CR0_PG);
    bool pg_off = !(val & CR0_PG) && (env->cr0 & CR0_PG);
    if (pg_on && (env->efer & EFER_LME)) {
        if (!(env->cr4 & CR4_PAE) || (env->seg[SEG_CS].attr & SEGATTR_L))
            gp0(cpu);
        env->efer |= EFER_LMA;
    }
    if (pg_off && (env->efer & EFER_LMA)) {
        if (cpu_code64(cpu))
            gp0(cpu);
        env->efer &= ~(uint64_t)EFER_LMA;
    }
    uint64_t changed = env->cr0 ^ val;
    env->cr0 = val;
    if (changed & (CR0_PG | CR0_WP | CR0_PE))
        cpu_tlb_flush(cpu);
}

static uint64_t cr4_allowed(const CPUState *cpu)
{
    uint64_t ok = CR4_TSD | CR4_DE | CR4_PCE | CR4_OSXMMEXCPT;
    if (has(cpu, FEAT_1_EDX, CPUID_PSE))
        ok |= CR4_PSE;
    if (has(cpu, FEAT_1_EDX, CPUID_PAE))
        ok |= CR4_PAE;
    if (has(cpu, FEAT_1_EDX, CPUID_MCE))
        ok |= CR4_MCE;
    if (has(cpu, FEAT_1_EDX, CPUID_PGE))
        ok |= CR4_PGE;
    if (has(cpu, FEAT_1_EDX, CPUID_FXSR))
        ok |= CR4_OSFXSR;
    if (has(cpu, FEAT_1_ECX, CPUID_EXT_PCID))
        ok |= CR4_PCIDE;
    if (has(cpu, FEAT_1_ECX, CPUID_EXT_XSAVE))
        ok |= CR4_OSXSAVE;
    if (has(cpu, FEAT_7_0_EBX, CPUID_7_0_EBX_FSGSBASE))
        ok |= CR4_FSGSBASE;
    if (has(cpu, FEAT_7_0_EBX, CPUID_7_0_EBX_SMEP))
        ok |= CR4_SMEP;
    if (has(cpu, FEAT_7_0_EBX, CPUID_7_0_EBX_SMAP))
        ok |= CR4_SMAP;
    if (has(cpu, FEAT_7_0_ECX, CPUID_7_0_ECX_UMIP))
        ok |= CR4_UMIP;
    if (has(cpu, FEAT_7_0_ECX, CPUID_7_0_ECX_PKU))
        ok |= CR4_PKE;
    if (has(cpu, FEAT_7_0_ECX, CPUID_7_0_ECX_PKS))
        ok |= CR4_PKS;
    /* The virtual-8086 mode extensions and protected-mode virtual
     * interrupts (cpu/v86.c) come with the VME feature. */
    if (has(cpu, FEAT_1_EDX, CPUID_VME))
        ok |= CR4_VME | CR4_PVI;
    return ok;
}

static void write_cr4(CPUState *cpu, uint64_t val)
{
    CPUX86State *env = &cpu->env;
    if (val & ~cr4_allowed(cpu))
        gp0(cpu);
    if ((env->efer & EFER_LMA) && !(val & CR4_PAE))
        gp0(cpu);
    if ((val & CR4_PCIDE) && !(env->cr4 & CR4_PCIDE) &&
        (!(env->efer & EFER_LMA) || (env->cr3 & 0xfff)))
        gp0(cpu);
    uint64_t changed = env->cr4 ^ val;
    env->cr4 = val;
    if (changed & (CR4_PSE | CR4_PAE | CR4_PGE | CR4_PCIDE | CR4_SMEP | CR4_SMAP |
                   CR4_PKE | CR4_PKS))
        cpu_tlb_flush(cpu);
}

static void write_cr3(CPUState *cpu, uint64_t val)
{
    CPUX86State *env = &cpu->env;
    if (env->efer & EFER_LMA) {
        /* Bit 63 is the PCID no-flush hint; the rest above MAXPHYADDR is reserved. */
        if (env->cr4 & CR4_PCIDE)
            val &= ~(1ULL << 63);
        if (val >> cpu_phys_bits(cpu))
            gp0(cpu);
    } else {
        val &= 0xffffffffULL;
    }
    env->cr3 = val;
    cpu_tlb_flush(cpu);
}

void cpu_write_cr(CPUState *cpu, int n, uint64_t val)
{
    CPUX86State *env = &cpu->env;
    if (n != 0 && n != 2 && n != 3 && n != 4 && n != 8)
        ud(cpu);
    need_cpl0(cpu);
    if (!(env->efer & EFER_LMA))
        val &= 0xffffffffULL;
    switch (n) {
    case 0: write_cr0(cpu, val); break;
    case 2: env->cr2 = val; break;
    case 3: write_cr3(cpu, val); break;
    case 4: write_cr4(cpu, val); break;
    case 8:
        if (val & ~0xfULL)
            gp0(cpu);
        env->cr8 = val;
        if (cpu->lapic)
            cpu->lapic_ops->set_tpr(cpu, (uint8_t)(val << 4));
        break;
    }
}

uint64_t cpu_read_cr(CPUState *cpu, int n)
{
    CPUX86State *env = &cpu->env;
    if (n != 0 && n != 2 && n != 3 && n != 4 && n != 8)
        ud(cpu);
    need_cpl0(cpu);
    switch (n) {
    case 0: return env->cr0;
    case 2: return env->cr2;
    case 3: return env->cr3;
    case 4: return env->cr4;
    default:
        if (cpu->lapic)
            env->cr8 = cpu->lapic_ops->get_tpr(cpu) >> 4;
        return env->cr8;
    }
}

void cpu_lmsw(CPUState *cpu, uint16_t val)
{
    need_cpl0(cpu);
    /* LMSW loads PE, MP, EM, TS and cannot clear PE. */
    uint64_t cr0 = (cpu->env.cr0 & ~0xeULL) | (val & 0xf) | (cpu->env.cr0 & CR0_PE);
    write_cr0(cpu, cr0);
}

void cpu_clts(CPUState *cpu)
{
    need_cpl0(cpu);
    cpu->env.cr0 &= ~(uint64_t)CR0_TS;
}

/* ---- debug registers (breakpoints act under TCG: translate/dr.c) ---- */

#define DR7_GD (1u << 13)
#define DR6_BD (1u << 13)

static int dr_index(CPUState *cpu, int n)
{
    if (n < 0 || n > 7)
        ud(cpu);
    if (n == 4 || n == 5) {
        if (cpu->env.cr4 & CR4_DE)
            ud(cpu);
        n += 2;
    }
    need_cpl0(cpu);
    /* General detect (SDM 17.2.4): #DB, a fault, before any MOV DR; GD is
     * cleared so the handler itself can use the debug registers. */
    if (cpu->env.dr[7] & DR7_GD) {
        cpu->env.dr[6] |= DR6_BD;
        cpu->env.dr[7] &= ~(uint64_t)DR7_GD;
        cpu_raise_exception(cpu, EXC_DB, NO_ERROR_CODE);
    }
    return n;
}

void cpu_write_dr(CPUState *cpu, int n, uint64_t val)
{
    n = dr_index(cpu, n);
    if (n >= 6 && (val >> 32))
        gp0(cpu);
    if (n == 6)
        val = (val & 0x1e00fULL) | 0xffff0ff0ULL;
    else if (n == 7)
        val = (val & 0xffff2fffULL) | 0x400;
    else if (!cpu_long_mode(cpu))
        val &= 0xffffffffULL;
    cpu->env.dr[n] = val;
}

uint64_t cpu_read_dr(CPUState *cpu, int n)
{
    return cpu->env.dr[dr_index(cpu, n)];
}

/* ---- fast system calls ---- */

static void set_flat(SegReg *s, uint16_t sel, uint16_t attr)
{
    *s = (SegReg){ sel, 0, 0xffffffff, attr };
}

#define ATTR_CODE(dpl) (SEGATTR_P | SEGATTR_S | ((dpl) << 5) | 0xb | SEGATTR_G)
#define ATTR_DATA(dpl) (SEGATTR_P | SEGATTR_S | ((dpl) << 5) | 0x3 | SEGATTR_G | SEGATTR_DB)

/* Where the vendors' SYSCALL/SYSRET and SYSENTER/SYSEXIT differ (the
 * model's vendor decides, cpu_is_intel):
 *  - Intel: SYSCALL and SYSRET exist in 64-bit mode only (#UD elsewhere,
 *    SDM vol. 2B SYSCALL, SYSRET); SYSRET to 64-bit code checks RCX is
 *    canonical first, #GP(0) at CPL 0; SYSENTER/SYSEXIT work in long mode.
 *  - AMD: SYSCALL/SYSRET also in legacy and compatibility mode (STAR's
 *    EIP, CSTAR); SYSRET does not check RCX, a non-canonical one faults
 *    at the fetch, at CPL 3; SYSENTER/SYSEXIT are #UD in long mode (APM
 *    vol. 3 SYSCALL, SYSRET, SYSENTER, SYSEXIT). */
static void fast_call_mode_check(CPUState *cpu)
{
    if (!(cpu->env.efer & EFER_SCE) || (cpu_is_intel(cpu) && !cpu_code64(cpu)))
        ud(cpu);
}

void cpu_syscall(CPUState *cpu, uint64_t next_rip)
{
    CPUX86State *env = &cpu->env;
    fast_call_mode_check(cpu);
    uint16_t sel = (uint16_t)(env->star >> 32);
    if (cpu_long_mode(cpu)) {
        bool from64 = cpu_code64(cpu);
        env->regs[R_ECX] = next_rip;
        env->regs[R_R11] = env->rflags & ~(uint64_t)FL_RF;
        set_flat(&env->seg[SEG_CS], sel & 0xfffc, ATTR_CODE(0) | SEGATTR_L);
        set_flat(&env->seg[SEG_SS], (uint16_t)(sel + 8), ATTR_DATA(0));
        env->rflags &= ~(env->fmask | FL_RF);
        env->rflags |= 2;
        env->rip = from64 ? env->lstar : env->cstar;
        return;
    }
    env->regs[R_ECX] = (uint32_t)next_rip;
    set_flat(&env->seg[SEG_CS], sel & 0xfffc, ATTR_CODE(0) | SEGATTR_DB);
    set_flat(&env->seg[SEG_SS], (uint16_t)(sel + 8), ATTR_DATA(0));
    env->rflags &= ~(uint64_t)(FL_VM | FL_IF | FL_RF);
    env->rip = (uint32_t)env->star;
}

void cpu_sysret(CPUState *cpu, int opsize)
{
    CPUX86State *env = &cpu->env;
    fast_call_mode_check(cpu);
    if (!(env->cr0 & CR0_PE) || cpu_cpl(cpu) != 0)
        gp0(cpu);
    uint16_t sel = (uint16_t)(env->star >> 48);
    if (cpu_long_mode(cpu)) {
        if (opsize == 8) {
            if (cpu_is_intel(cpu) && !cpu_canonical(env->regs[R_ECX]))
                gp0(cpu);
            set_flat(&env->seg[SEG_CS], (uint16_t)((sel + 16) | 3), ATTR_CODE(3) | SEGATTR_L);
            env->rip = env->regs[R_ECX];
        } else {
            set_flat(&env->seg[SEG_CS], sel | 3, ATTR_CODE(3) | SEGATTR_DB);
            env->rip = (uint32_t)env->regs[R_ECX];
        }
        env->rflags = (env->regs[R_R11] & 0x3c7fd7) | 2;   /* SDM SYSRET */
    } else {
        set_flat(&env->seg[SEG_CS], sel | 3, ATTR_CODE(3) | SEGATTR_DB);
        env->rip = (uint32_t)env->regs[R_ECX];
        env->rflags |= FL_IF;
    }
    /* SS keeps a flat cache whatever the GDT says (SDM SYSRET). */
    set_flat(&env->seg[SEG_SS], (uint16_t)((sel + 8) | 3), ATTR_DATA(3));
}

void cpu_sysenter(CPUState *cpu)
{
    CPUX86State *env = &cpu->env;
    uint16_t cs = (uint16_t)env->sysenter_cs;
    if (cpu_long_mode(cpu) && !cpu_is_intel(cpu))
        ud(cpu);
    if (!(env->cr0 & CR0_PE) || !(cs & 0xfffc))
        gp0(cpu);
    env->rflags &= ~(uint64_t)(FL_VM | FL_IF | FL_RF);
    if (cpu_long_mode(cpu)) {
        set_flat(&env->seg[SEG_CS], cs & 0xfffc, ATTR_CODE(0) | SEGATTR_L);
        env->rip = env->sysenter_eip;
        env->regs[R_ESP] = env->sysenter_esp;
    } else {
        set_flat(&env->seg[SEG_CS], cs & 0xfffc, ATTR_CODE(0) | SEGATTR_DB);
        env->rip = (uint32_t)env->sysenter_eip;
        env->regs[R_ESP] = (uint32_t)env->sysenter_esp;
    }
    set_flat(&env->seg[SEG_SS], (uint16_t)((cs & 0xfffc) + 8), ATTR_DATA(0));
}

void cpu_sysexit(CPUState *cpu, int opsize)
{
    CPUX86State *env = &cpu->env;
    uint16_t cs = (uint16_t)env->sysenter_cs;
    if (cpu_long_mode(cpu) && !cpu_is_intel(cpu))
        ud(cpu);
    if (!(env->cr0 & CR0_PE) || (env->rflags & FL_VM) || cpu_cpl(cpu) != 0 || !(cs & 0xfffc))
        gp0(cpu);
    if (opsize == 8) {
        if (!cpu_canonical(env->regs[R_EDX]) || !cpu_canonical(env->regs[R_ECX]))
            gp0(cpu);
        set_flat(&env->seg[SEG_CS], (uint16_t)((cs + 32) | 3), ATTR_CODE(3) | SEGATTR_L);
        set_flat(&env->seg[SEG_SS], (uint16_t)((cs + 40) | 3), ATTR_DATA(3));
        env->rip = env->regs[R_EDX];
        env->regs[R_ESP] = env->regs[R_ECX];
    } else {
        set_flat(&env->seg[SEG_CS], (uint16_t)((cs + 16) | 3), ATTR_CODE(3) | SEGATTR_DB);
        set_flat(&env->seg[SEG_SS], (uint16_t)((cs + 24) | 3), ATTR_DATA(3));
        env->rip = (uint32_t)env->regs[R_EDX];
        env->regs[R_ESP] = (uint32_t)env->regs[R_ECX];
    }
}

void cpu_swapgs(CPUState *cpu)
{
    CPUX86State *env = &cpu->env;
    if (!cpu_code64(cpu))
        ud(cpu);
    need_cpl0(cpu);
    uint64_t t = env->seg[SEG_GS].base;
    env->seg[SEG_GS].base = env->kernel_gs_base;
    env->kernel_gs_base = t;
}

/* ---- misc ---- */

void cpu_exec_cpuid(CPUState *cpu)
{
    CPUX86State *env = &cpu->env;
    uint32_t leaf = (uint32_t)env->regs[R_EAX], sub = (uint32_t)env->regs[R_ECX];
    uint32_t a, b, c, d;
    cpu_cpuid(cpu, leaf, sub, &a, &b, &c, &d);
    if (leaf == 1) {
        /* Bits that follow the CPU's state rather than its model. */
        if (env->cr4 & CR4_OSXSAVE)
            c |= CPUID_EXT_OSXSAVE;
        else
            c &= ~CPUID_EXT_OSXSAVE;
        if (!(env->apic_base & APIC_BASE_ENABLE))
            d &= ~CPUID_APIC;
        b = (b & 0x00ffffffu) | ((uint32_t)cpu->index << 24);
    }
    env->regs[R_EAX] = a;
    env->regs[R_EBX] = b;
    env->regs[R_ECX] = c;
    env->regs[R_EDX] = d;
}

void cpu_hlt(CPUState *cpu, uint64_t next_rip)
{
    need_cpl0(cpu);
    cpu->env.rip = next_rip;
    cpu->env.halted = true;
}

void cpu_invlpg(CPUState *cpu, uint64_t la)
{
    need_cpl0(cpu);
    cpu_tlb_flush_page(cpu, cpu_long_mode(cpu) ? la : (la & 0xffffffffULL));
}

void cpu_check_io(CPUState *cpu, uint16_t port, unsigned size)
{
    CPUX86State *env = &cpu->env;
    if (!(env->cr0 & CR0_PE))
        return;
    unsigned iopl = (env->rflags & FL_IOPL) >> 12;
    if (!(env->rflags & FL_VM) && (unsigned)cpu_cpl(cpu) <= iopl)
        return;
    /* The I/O permission bitmap of a 32/64-bit TSS (SDM 19.5.2). */
    unsigned t = SEGATTR_TYPE(env->tr.attr);
    if (!(env->tr.attr & SEGATTR_P) || (t != SYS_TSS_AVAIL && t != SYS_TSS_BUSY) ||
        env->tr.limit < 103)
        gp0(cpu);
    uint32_t io_base = (uint32_t)cpu_lin_ld(cpu, env->tr.base + 0x66, 2, false);
    uint32_t off = io_base + port / 8;
    if ((uint64_t)off + 1 > env->tr.limit)
        gp0(cpu);
    uint32_t bits = (uint32_t)cpu_lin_ld(cpu, env->tr.base + off, 2, false);
    uint32_t mask = ((1u << size) - 1) << (port & 7);
    if (bits & mask)
        gp0(cpu);
}
