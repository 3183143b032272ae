/* Model-specific registers (SDM vol. 4) of kemu's TCG CPU: the ones Linux,
 * SeaBIOS and our guest programs use.  Every other index raises #GP, as on
 * hardware for an MSR the processor lacks (Linux probes with rdmsr_safe).
 * The TSC counts virtual nanoseconds (CPU_TSC_HZ, 1 GHz) plus an offset. */
#include "cpu/sys.h"
#include "cpu/excp.h"
#include "cpu/mmu.h"
#include "hw/core/clock.h"
#include "hw/core/log.h"

#include <string.h>

enum {
    MSR_TSC = 0x10, MSR_PLATFORM_ID = 0x17, MSR_APIC_BASE = 0x1b,
    MSR_FEATURE_CONTROL = 0x3a, MSR_TSC_ADJUST = 0x3b, MSR_BIOS_SIGN_ID = 0x8b,
    MSR_PLATFORM_INFO = 0xce, MSR_MTRRCAP = 0xfe,
    MSR_SYSENTER_CS = 0x174, MSR_SYSENTER_ESP = 0x175, MSR_SYSENTER_EIP = 0x176,
    MSR_MCG_CAP = 0x179, MSR_MCG_STATUS = 0x17a, MSR_MISC_ENABLE = 0x1a0,
    MSR_MTRR_PHYS0 = 0x200, MSR_MTRR_FIX64K = 0x250, MSR_MTRR_FIX16K_80000 = 0x258,
    MSR_MTRR_FIX16K_A0000 = 0x259, MSR_MTRR_FIX4K_C0000 = 0x268,
    MSR_MTRR_FIX4K_F8000 = 0x26f, MSR_PAT = 0x277, MSR_MTRR_DEF_TYPE = 0x2ff,
    MSR_TSC_DEADLINE = 0x6e0, MSR_PKRS = 0x6e1,
    MSR_EFER = 0xc0000080, MSR_STAR = 0xc0000081, MSR_LSTAR = 0xc0000082,
    MSR_CSTAR = 0xc0000083, MSR_FMASK = 0xc0000084, MSR_FS_BASE = 0xc0000100,
    MSR_GS_BASE = 0xc0000101, MSR_KERNEL_GS_BASE = 0xc0000102, MSR_TSC_AUX = 0xc0000103,
    MSR_K8_SYSCFG = 0xc0010010, MSR_K7_HWCR = 0xc0010015,
    MSR_K8_INT_PENDING_MSG = 0xc0010055,
};

static bool has(const CPUState *cpu, int word, uint32_t bit)
{
    return (cpu->features[word] & bit) != 0;
}

static bool is_intel(const CPUState *cpu)
{
    return cpu_is_intel(cpu);
}

static bool is_amd(const CPUState *cpu)
{
    return cpu->model && cpu->model->vendor && !strcmp(cpu->model->vendor, "AuthenticAMD");
}

uint64_t cpu_rdtsc(CPUState *cpu)
{
    if ((cpu->env.cr4 & CR4_TSD) && cpu_cpl(cpu) != 0)
        cpu_raise_exception(cpu, EXC_GP, 0);
    /* CPU_TSC_HZ is 1 GHz: one tick per virtual nanosecond. */
    return (uint64_t)clock_ns() + cpu->env.tsc_offset;
}

/* Index into mtrr_fixed[] for a fixed-range MTRR, or -1. */
static int mtrr_fixed_index(uint32_t idx)
{
    if (idx == MSR_MTRR_FIX64K)
        return 0;
    if (idx == MSR_MTRR_FIX16K_80000 || idx == MSR_MTRR_FIX16K_A0000)
        return 1 + (int)(idx - MSR_MTRR_FIX16K_80000);
    if (idx >= MSR_MTRR_FIX4K_C0000 && idx <= MSR_MTRR_FIX4K_F8000)
        return 3 + (int)(idx - MSR_MTRR_FIX4K_C0000);
    return -1;
}

static bool mtrr_type_ok(uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++) {
        unsigned t = (v >> (8 * i)) & 0xff;
        if (t != 0 && t != 1 && t != 4 && t != 5 && t != 6)
            return false;
    }
    return true;
}

static bool mtrr_read(CPUState *cpu, uint32_t idx, uint64_t *val)
{
    CPUX86State *env = &cpu->env;
    int f = mtrr_fixed_index(idx);
    if (!has(cpu, FEAT_1_EDX, CPUID_MTRR))
        return false;
    if (idx == MSR_MTRRCAP)
        *val = 0x500 | 8;     /* WC, fixed ranges, 8 variable ranges */
    else if (idx == MSR_MTRR_DEF_TYPE)
        *val = env->mtrr_def_type;
    else if (f >= 0)
        *val = env->mtrr_fixed[f];
    else if (idx >= MSR_MTRR_PHYS0 && idx < MSR_MTRR_PHYS0 + 16)
        *val = env->mtrr_var[idx - MSR_MTRR_PHYS0];
    else
        return false;
    return true;
}

static bool mtrr_write(CPUState *cpu, uint32_t idx, uint64_t val)
{
    CPUX86State *env = &cpu->env;
    int f = mtrr_fixed_index(idx);
    uint64_t phys_rsvd = ~((1ULL << cpu_phys_bits(cpu)) - 1);
    if (!has(cpu, FEAT_1_EDX, CPUID_MTRR))
        return false;
    if (idx == MSR_MTRR_DEF_TYPE) {
        if ((val & ~0xcffULL) || !mtrr_type_ok(val, 1))
            return false;
        env->mtrr_def_type = val;
    } else if (f >= 0) {
        if (!mtrr_type_ok(val, 8))
            return false;
        env->mtrr_fixed[f] = val;
    } else if (idx >= MSR_MTRR_PHYS0 && idx < MSR_MTRR_PHYS0 + 16) {
        bool mask = idx & 1;
        uint64_t rsvd = phys_rsvd | (mask ? 0x7ffULL : 0xf00ULL);
        if ((val & rsvd) || (!mask && !mtrr_type_ok(val, 1)))
            return false;
        env->mtrr_var[idx - MSR_MTRR_PHYS0] = val;
    } else {
        return false;
    }
    return true;
}

static bool pat_ok(uint64_t v)
{
    for (unsigned i = 0; i < 8; i++) {
        unsigned t = (v >> (8 * i)) & 0xff;
        if (t != 0 && t != 1 && t != 4 && t != 5 && t != 6 && t != 7)
            return false;
    }
    return true;
}

static uint64_t efer_allowed(const CPUState *cpu)
{
    uint64_t ok = 0;
    if (has(cpu, FEAT_8000_0001_EDX, CPUID_EXT2_SYSCALL))
        ok |= EFER_SCE;
    if (has(cpu, FEAT_8000_0001_EDX, CPUID_EXT2_LM))
        ok |= EFER_LME | EFER_LMA;
    if (has(cpu, FEAT_8000_0001_EDX, CPUID_EXT2_NX))
        ok |= EFER_NXE;
    return ok;
}

static bool write_efer(CPUState *cpu, uint64_t val)
{
    CPUX86State *env = &cpu->env;
    if (val & ~efer_allowed(cpu))
        return false;
    /* LME cannot change while paging is on; LMA is read-only. */
    if ((env->cr0 & CR0_PG) && ((val ^ env->efer) & EFER_LME))
        return false;
    uint64_t nv = (val & ~(uint64_t)EFER_LMA) | (env->efer & EFER_LMA);
    if ((nv ^ env->efer) & EFER_NXE)
        cpu_tlb_flush(cpu);
    env->efer = nv;
    return true;
}

/* IA32_APIC_BASE's EN/EXTD transitions (SDM 11.12.5): EXTD without EN is
 * invalid, and x2APIC mode is left only by disabling the APIC, and
 * entered only from xAPIC mode. */
static bool apic_mode_change_ok(uint64_t old, uint64_t val)
{
    uint64_t mode = APIC_BASE_ENABLE | APIC_BASE_EXTD;
    uint64_t from = old & mode, to = val & mode;
    if (to == APIC_BASE_EXTD)
        return false;
    if (from == mode && to == APIC_BASE_ENABLE)
        return false;
    return !(from == 0 && to == mode);
}

bool cpu_msr_read(CPUState *cpu, uint32_t idx, uint64_t *val)
{
    CPUX86State *env = &cpu->env;
    switch (idx) {
    case MSR_TSC: *val = (uint64_t)clock_ns() + env->tsc_offset; return true;
    case MSR_APIC_BASE: *val = env->apic_base; return true;
    case MSR_EFER: *val = env->efer; return true;
    case MSR_STAR: *val = env->star; return true;
    case MSR_LSTAR: *val = env->lstar; return true;
    case MSR_CSTAR: *val = env->cstar; return true;
    case MSR_FMASK: *val = env->fmask; return true;
    case MSR_FS_BASE: *val = env->seg[SEG_FS].base; return true;
    case MSR_GS_BASE: *val = env->seg[SEG_GS].base; return true;
    case MSR_KERNEL_GS_BASE: *val = env->kernel_gs_base; return true;
    case MSR_SYSENTER_CS: *val = env->sysenter_cs; return true;
    case MSR_SYSENTER_ESP: *val = env->sysenter_esp; return true;
    case MSR_SYSENTER_EIP: *val = env->sysenter_eip; return true;
    case MSR_PAT: *val = env->pat; return true;
    case MSR_MISC_ENABLE: *val = env->misc_enable | 1; return true; /* fast strings */
    case MSR_BIOS_SIGN_ID: *val = 0x100000000ULL; return true;
    case MSR_MCG_CAP: *val = 0; return has(cpu, FEAT_1_EDX, CPUID_MCE);
    case MSR_MCG_STATUS: *val = 0; return has(cpu, FEAT_1_EDX, CPUID_MCE);
    case MSR_TSC_AUX:
        *val = env->tsc_aux;
        return has(cpu, FEAT_8000_0001_EDX, CPUID_EXT2_RDTSCP);
    case MSR_TSC_DEADLINE:
        if (!has(cpu, FEAT_1_ECX, CPUID_EXT_TSC_DEADLINE) || !cpu->lapic)
            return false;
        *val = cpu->lapic_ops->get_tsc_deadline(cpu);
        return true;
    case MSR_TSC_ADJUST:
        *val = env->tsc_adjust;
        return has(cpu, FEAT_7_0_EBX, CPUID_7_0_EBX_TSC_ADJUST);
    case MSR_PKRS:
        *val = env->pkrs;
        return has(cpu, FEAT_7_0_ECX, CPUID_7_0_ECX_PKS);
    case MSR_PLATFORM_INFO:
        /* Maximum non-turbo ratio 10 x 100 MHz = the 1 GHz TSC. */
        *val = 10 << 8;
        return is_intel(cpu);
    case MSR_FEATURE_CONTROL:
        *val = env->feature_control;
        return is_intel(cpu);
    case MSR_K7_HWCR: *val = env->hwcr; return is_amd(cpu);
    case MSR_K8_SYSCFG: *val = 0; return is_amd(cpu);
    case MSR_K8_INT_PENDING_MSG:
        /* K8 rev F+: no C1E (Linux reads it unguarded for erratum 400). */
        *val = 0;
        return is_amd(cpu);
    default:
        if (idx >= 0x800 && idx <= 0x8ff)
            return cpu->lapic && cpu->lapic_ops->msr_read(cpu, idx, val);
        return cpu_pmu_msr_read(cpu, idx, val) || mtrr_read(cpu, idx, val);
    }
}

bool cpu_msr_write(CPUState *cpu, uint32_t idx, uint64_t val)
{
    CPUX86State *env = &cpu->env;
    switch (idx) {
    case MSR_TSC: {
        /* IA32_TSC_ADJUST follows writes to the TSC (SDM 18.17.3). */
        uint64_t offset = val - (uint64_t)clock_ns();
        env->tsc_adjust += offset - env->tsc_offset;
        env->tsc_offset = offset;
        return true;
    }
    case MSR_TSC_ADJUST:
        if (!has(cpu, FEAT_7_0_EBX, CPUID_7_0_EBX_TSC_ADJUST))
            return false;
        env->tsc_offset += val - env->tsc_adjust;
        env->tsc_adjust = val;
        return true;
    case MSR_APIC_BASE:
        if (val & ~((((1ULL << cpu_phys_bits(cpu)) - 1) & ~0xfffULL) | APIC_BASE_ENABLE |
                    APIC_BASE_BSP | (has(cpu, FEAT_1_ECX, CPUID_EXT_X2APIC) ? APIC_BASE_EXTD : 0)))
            return false;
        if (!apic_mode_change_ok(env->apic_base, val))
            return false;
        if (cpu->lapic)
            cpu->lapic_ops->set_base(cpu, val);
        else
            env->apic_base = val;
        return true;
    case MSR_EFER: return write_efer(cpu, val);
    case MSR_STAR: env->star = val; return true;
    case MSR_LSTAR: case MSR_CSTAR: case MSR_KERNEL_GS_BASE:
    case MSR_FS_BASE: case MSR_GS_BASE:
        if (!cpu_canonical(val))
            return false;
        if (idx == MSR_LSTAR)
            env->lstar = val;
        else if (idx == MSR_CSTAR)
            env->cstar = val;
        else if (idx == MSR_KERNEL_GS_BASE)
            env->kernel_gs_base = val;
        else
            env->seg[idx == MSR_FS_BASE ? SEG_FS : SEG_GS].base = val;
        return true;
    case MSR_FMASK: env->fmask = val & 0xffffffffULL; return true;
    case MSR_SYSENTER_CS: env->sysenter_cs = val & 0xffff; return true;
    case MSR_SYSENTER_ESP: env->sysenter_esp = val; return true;
    case MSR_SYSENTER_EIP: env->sysenter_eip = val; return true;
    case MSR_PAT:
        if (!pat_ok(val))
            return false;
        env->pat = val;
        return true;
    case MSR_MISC_ENABLE: env->misc_enable = val; return true;
    case MSR_BIOS_SIGN_ID: return true;   /* microcode revision request */
    case MSR_MCG_STATUS: return has(cpu, FEAT_1_EDX, CPUID_MCE) && val == 0;
    case MSR_TSC_AUX:
        env->tsc_aux = val & 0xffffffffULL;
        return has(cpu, FEAT_8000_0001_EDX, CPUID_EXT2_RDTSCP);
    case MSR_TSC_DEADLINE:
        if (!has(cpu, FEAT_1_ECX, CPUID_EXT_TSC_DEADLINE) || !cpu->lapic)
            return false;
        cpu->lapic_ops->set_tsc_deadline(cpu, val);
        return true;
    case MSR_PKRS:
        if (!has(cpu, FEAT_7_0_ECX, CPUID_7_0_ECX_PKS) || (val >> 32))
            return false;
        env->pkrs = (uint32_t)val;
        cpu_tlb_flush(cpu);           /* cached translations carry the old rights */
        return true;
    case MSR_FEATURE_CONTROL:
        if (!is_intel(cpu) || (env->feature_control & 1))
            return false;    /* locked */
        env->feature_control = val & 1;
        return true;
    case MSR_K7_HWCR:
        env->hwcr = val;
        return is_amd(cpu);
    case MSR_K8_SYSCFG:
    case MSR_K8_INT_PENDING_MSG:
        return is_amd(cpu);
    default:
        if (idx >= 0x800 && idx <= 0x8ff)
            return cpu->lapic && cpu->lapic_ops->msr_write(cpu, idx, val);
        return cpu_pmu_msr_write(cpu, idx, val) || mtrr_write(cpu, idx, val);
    }
}

void cpu_rdmsr(CPUState *cpu)
{
    CPUX86State *env = &cpu->env;
    uint32_t idx = (uint32_t)env->regs[R_ECX];
    uint64_t v;
    if (cpu_cpl(cpu) != 0)
        cpu_raise_exception(cpu, EXC_GP, 0);
    if (!cpu_msr_read(cpu, idx, &v)) {
        if (log_enabled(LOG_UNIMP | LOG_GUEST_ERROR))
            log_printf("rdmsr 0x%x: no such MSR, #GP\n", idx);
        cpu_raise_exception(cpu, EXC_GP, 0);
    }
    env->regs[R_EAX] = (uint32_t)v;
    env->regs[R_EDX] = (uint32_t)(v >> 32);
}

void cpu_wrmsr(CPUState *cpu)
{
    CPUX86State *env = &cpu->env;
    uint32_t idx = (uint32_t)env->regs[R_ECX];
    uint64_t v = (uint32_t)env->regs[R_EAX] | ((uint64_t)(uint32_t)env->regs[R_EDX] << 32);
    if (cpu_cpl(cpu) != 0)
        cpu_raise_exception(cpu, EXC_GP, 0);
    if (!cpu_msr_write(cpu, idx, v)) {
        if (log_enabled(LOG_UNIMP | LOG_GUEST_ERROR))
            log_printf("wrmsr 0x%x <- 0x%llx: no such MSR or bad value, #GP\n", idx,
                       (unsigned long long)v);
        cpu_raise_exception(cpu, EXC_GP, 0);
    }
}
