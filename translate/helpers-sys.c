/* System helpers: calls into cpu/ for segment loads, far transfers,
 * interrupts, control registers and MSRs, plus port I/O through the bus
 * and the x87/SSE hand-off.  Around cpu/ code that reads or writes RFLAGS
 * the lazy flags are synced and reloaded (translate/flags.h). */
#include "translate/helpers.h"

#include "translate/dr.h"

#include "cpu/cpuid.h"
#include "cpu/excp.h"
#include "cpu/fpu.h"
#include "cpu/sys.h"
#include "hw/core/loop.h"
#include "hw/core/machine.h"
#include "translate/atomic.h"
#include "translate/flags.h"
#include "translate/regs.h"
#include "translate/tlb.h"

static void sync(CPUState *cpu)
{
    cpu_sync_flags(cpu);
}

static void reload(CPUState *cpu)
{
    cpu_load_flags(cpu, cpu->env.rflags);
}

static noreturn void raise_gp0(CPUState *cpu)
{
    cpu_raise_exception(cpu, EXC_GP, 0);
}

static void need_cpl0(CPUState *cpu)
{
    if ((cpu->env.cr0 & CR0_PE) && cpu_cpl(cpu) != 0)
        raise_gp0(cpu);
}

HELPER(helper_raise)
{
    cpu_raise_exception(cpu, (int)(imm & 0xff), (imm >> 32) & 1 ? 0 : NO_ERROR_CODE);
}

HELPER(helper_load_seg)
{
    cpu_load_seg(cpu, (int)imm, (uint16_t)a);
    /* The MOV SS / POP SS shadow (SDM 6.8.3): interrupts, and debug traps,
     * wait for the next instruction; the execution loop applies it. */
    if (imm == SEG_SS) {
        cpu->env.inhibit_irq |= INHIBIT_SS;
        tcg_cpu_stop_chain(cpu);
    }
    return 0;
}

static uint64_t stack_mask(unsigned ss)
{
    return ss == 8 ? ~0ULL : ss == 4 ? 0xffffffffULL : 0xffff;
}

static uint64_t stack_la(CPUState *cpu, uint64_t sp, unsigned ss, unsigned w)
{
    if (ss == 8)
        return sp;
    helper_seg_check(cpu, sp & stack_mask(ss), 0, 0, SEG_SS | (w << 8) | (1u << 16));
    return (cpu->env.seg[SEG_SS].base + (sp & stack_mask(ss))) & 0xffffffffULL;
}

/* ENTER (SDM): push rBP, copy level-1 frame pointers, push the frame. */
HELPER(helper_enter)
{
    CPUX86State *env = &cpu->env;
    unsigned size = imm & 0xffff, level = (imm >> 16) & 0x1f;
    unsigned w = (imm >> 24) & 0xff, ss = (unsigned)(imm >> 32) & 0xff;
    uint64_t m = stack_mask(ss);
    uint64_t sp = env->regs[R_ESP] & m, bp = env->regs[R_EBP] & m;
    sp = (sp - w) & m;
    tcg_st(cpu, stack_la(cpu, sp, ss, w), reg_read(env, R_EBP, w), w);
    uint64_t frame = sp;
    if (level) {
        for (unsigned i = 1; i < level; i++) {
            bp = (bp - w) & m;
            uint64_t v = tcg_ld(cpu, stack_la(cpu, bp, ss, w), w);
            sp = (sp - w) & m;
            tcg_st(cpu, stack_la(cpu, sp, ss, w), v, w);
        }
        sp = (sp - w) & m;
        tcg_st(cpu, stack_la(cpu, sp, ss, w), frame, w);
    }
    sp = (sp - size) & m;
    tcg_probe_write(cpu, stack_la(cpu, sp, ss, 1), 1);
    reg_write(env, R_EBP, w == 2 ? 2 : ss, frame);
    reg_write(env, R_ESP, ss, sp);
    return 0;
}

HELPER(helper_far)
{
    unsigned w = (imm >> 8) & 0xff;
    sync(cpu);
    if (imm & 1)
        cpu_far_call(cpu, (uint16_t)a, b, (int)w, c);
    else
        cpu_far_jmp(cpu, (uint16_t)a, b, c);
    reload(cpu);
    return 0;
}

HELPER(helper_retf)
{
    sync(cpu);
    cpu_far_ret(cpu, (int)(imm & 0xff), (uint16_t)(imm >> 8));
    reload(cpu);
    return 0;
}

HELPER(helper_iret)
{
    sync(cpu);
    cpu_iret(cpu, (int)imm);
    reload(cpu);
    return 0;
}

HELPER(helper_int)
{
    unsigned vec = imm & 0xff, kind = (imm >> 8) & 3;
    sync(cpu);
    if (kind == 2 && !(cpu->env.rflags & FL_OF))
        return 0;
    if (kind == 3) {
        cpu->env.rip = a;       /* INT1/ICEBP: a trap, returns after itself */
        cpu_raise_exception(cpu, EXC_DB, NO_ERROR_CODE);
    }
    if (kind == 0)
        cpu_raise_int_n(cpu, (int)vec, a);
    cpu_raise_soft_interrupt(cpu, (int)vec, a);
}

/* SGDT, SIDT, SLDT, SMSW and STR outside ring 0 with CR4.UMIP set:
 * #GP(0) (SDM vol. 3, 2.5). */
static void umip_check(CPUState *cpu)
{
    if ((cpu->env.cr4 & CR4_UMIP) && cpu_cpl(cpu) > 0)
        raise_gp0(cpu);
}

HELPER(helper_sys_read)
{
    CPUX86State *env = &cpu->env;
    unsigned n = (imm >> 8) & 15;
    switch (imm & 0xff) {
    case SYSR_LDTR: umip_check(cpu); return env->ldt.sel;
    case SYSR_TR: umip_check(cpu); return env->tr.sel;
    case SYSR_MSW: umip_check(cpu); return (uint32_t)env->cr0;
    case SYSR_CR: return cpu_read_cr(cpu, (int)n);
    default: return cpu_read_dr(cpu, (int)n);
    }
}

static void edx_eax(CPUX86State *env, uint64_t v)
{
    env->regs[R_EAX] = (uint32_t)v;
    env->regs[R_EDX] = v >> 32;
}

static void check_tsd(CPUState *cpu)
{
    if ((cpu->env.cr4 & CR4_TSD) && (cpu->env.cr0 & CR0_PE) && cpu_cpl(cpu) != 0)
        raise_gp0(cpu);
}

static uint64_t sys_verify(CPUState *cpu, uint16_t sel, bool write)
{
    sync(cpu);
    if (write)
        cpu_verw(cpu, sel);
    else
        cpu_verr(cpu, sel);
    reload(cpu);
    return 0;
}

static void sys_hlt(CPUState *cpu, uint64_t next)
{
    need_cpl0(cpu);
    cpu_hlt(cpu, next);
    cpu->env.rip = next;
}

static void sys_fast_call(CPUState *cpu, unsigned op, uint64_t next, unsigned w)
{
    sync(cpu);
    switch (op) {
    case SYSW_SYSCALL:
        cpu_syscall(cpu, next);
        cpu->step_on_new_tf = true;
        break;
    case SYSW_SYSRET:
        cpu_sysret(cpu, (int)w);
        cpu->step_on_new_tf = true;
        break;
    case SYSW_SYSENTER: cpu_sysenter(cpu); break;
    default: cpu_sysexit(cpu, (int)w); break;
    }
    reload(cpu);
}

static void sys_xgetbv(CPUState *cpu)
{
    CPUX86State *env = &cpu->env;
    if (!(env->cr4 & CR4_OSXSAVE))
        cpu_raise_exception(cpu, EXC_UD, NO_ERROR_CODE);
    if ((uint32_t)env->regs[R_ECX] != 0)
        raise_gp0(cpu);
    edx_eax(env, env->xcr0);
}

/* XSETBV (SDM vol. 2): XCR0 with x87 always on, AVX only with SSE. */
static void sys_xsetbv(CPUState *cpu)
{
    CPUX86State *env = &cpu->env;
    if (!(env->cr4 & CR4_OSXSAVE))
        cpu_raise_exception(cpu, EXC_UD, NO_ERROR_CODE);
    need_cpl0(cpu);
    uint64_t v = ((uint64_t)(uint32_t)env->regs[R_EDX] << 32) | (uint32_t)env->regs[R_EAX];
    if ((uint32_t)env->regs[R_ECX] != 0 || !(v & 1) || ((v & 4) && !(v & 2)) || (v & ~7ULL))
        raise_gp0(cpu);
    env->xcr0 = v;
}

/* CLAC/STAC: only with SMAP, only at CPL 0. */
static void sys_ac(CPUState *cpu, bool set)
{
    if (!(cpu->features[FEAT_7_0_EBX] & (1u << 20)) || cpu_cpl(cpu) != 0)
        cpu_raise_exception(cpu, EXC_UD, NO_ERROR_CODE);
    if (set)
        cpu->env.rflags |= FL_AC;
    else
        cpu->env.rflags &= ~(uint64_t)FL_AC;
}

static void sys_rdtscp(CPUState *cpu)
{
    if (!(cpu->features[FEAT_8000_0001_EDX] & (1u << 27)))
        cpu_raise_exception(cpu, EXC_UD, NO_ERROR_CODE);
    check_tsd(cpu);
    edx_eax(&cpu->env, cpu_rdtsc(cpu));
    cpu->env.regs[R_ECX] = (uint32_t)cpu->env.tsc_aux;
}

/* MOV to DRn: translated code ends blocks before the instruction
 * breakpoints it was translated for, so a new set drops it (after this
 * block; the loop flushes before the next). */
static void sys_write_dr(CPUState *cpu, int n, uint64_t val)
{
    bool flush = tcg_dr_write_changes_code(cpu, n, val);
    cpu_write_dr(cpu, n, val);
    if (flush) {
        tcg_cpu(cpu)->dr_flush = true;
        tcg_cpu(cpu)->exit_request = true;
    }
}

/* RDPKRU / WRPKRU (any CPL): #UD without CR4.PKE, #GP(0) unless ECX (and
 * for WRPKRU EDX) is 0.  A new PKRU drops the translations cached with the
 * old rights. */
static void sys_pkru(CPUState *cpu, bool write)
{
    CPUX86State *env = &cpu->env;
    if (!(env->cr4 & CR4_PKE))
        cpu_raise_exception(cpu, EXC_UD, NO_ERROR_CODE);
    if ((uint32_t)env->regs[R_ECX] != 0 || (write && (uint32_t)env->regs[R_EDX] != 0))
        raise_gp0(cpu);
    if (!write) {
        env->regs[R_EAX] = env->pkru;
        env->regs[R_EDX] = 0;
        return;
    }
    env->pkru = (uint32_t)env->regs[R_EAX];
    tlb_flush(cpu);
}

/* RDPMC: #GP(0) outside ring 0 unless CR4.PCE, and for a counter the
 * model does not have (cpu/msr-pmu.c). */
static void sys_rdpmc(CPUState *cpu)
{
    CPUX86State *env = &cpu->env;
    uint64_t v;
    if ((cpu_cpl(cpu) > 0 && !(env->cr4 & CR4_PCE)) ||
        !cpu_pmu_rdpmc(cpu, (uint32_t)env->regs[R_ECX], &v))
        raise_gp0(cpu);
    edx_eax(env, v);
}

HELPER(helper_sys_write)
{
    CPUX86State *env = &cpu->env;
    unsigned op = imm & 0xff, p = (unsigned)(imm >> 8) & 0xff;
    switch (op) {
    case SYSW_LLDT: cpu_lldt(cpu, (uint16_t)a); break;
    case SYSW_LTR: cpu_ltr(cpu, (uint16_t)a); break;
    case SYSW_VERR: case SYSW_VERW: return sys_verify(cpu, (uint16_t)a, op == SYSW_VERW);
    case SYSW_XGETBV: sys_xgetbv(cpu); break;
    case SYSW_LMSW: cpu_lmsw(cpu, (uint16_t)a); break;
    case SYSW_SWAPGS: cpu_swapgs(cpu); break;
    case SYSW_RDTSCP: sys_rdtscp(cpu); break;
    case SYSW_INVLPG: need_cpl0(cpu); cpu_invlpg(cpu, a); break;
    case SYSW_CR: cpu_write_cr(cpu, (int)p, a); break;
    case SYSW_DR: sys_write_dr(cpu, (int)p, a); break;
    case SYSW_HLT: sys_hlt(cpu, a); break;
    case SYSW_SYSCALL: case SYSW_SYSRET: case SYSW_SYSENTER: case SYSW_SYSEXIT:
        sys_fast_call(cpu, op, a, p);
        break;
    case SYSW_CLTS: cpu_clts(cpu); break;
    case SYSW_WBINVD: need_cpl0(cpu); break;
    case SYSW_WRMSR: cpu_wrmsr(cpu); break;
    case SYSW_RDMSR: cpu_rdmsr(cpu); break;
    case SYSW_RDTSC: check_tsd(cpu); edx_eax(env, cpu_rdtsc(cpu)); break;
    case SYSW_RDPMC: sys_rdpmc(cpu); break;
    case SYSW_CPUID: cpu_exec_cpuid(cpu); break;
    case SYSW_XSETBV: sys_xsetbv(cpu); break;
    case SYSW_CLAC: case SYSW_STAC: sys_ac(cpu, op == SYSW_STAC); break;
    case SYSW_RDPKRU: case SYSW_WRPKRU: sys_pkru(cpu, op == SYSW_WRPKRU); break;
    }
    return 0;
}

HELPER(helper_dtr)
{
    CPUX86State *env = &cpu->env;
    unsigned op = imm & 3, dsize = (imm >> 8) & 0xff;
    bool m64 = (imm >> 16) & 1;
    DescTable *t = (op & 1) ? &env->idt : &env->gdt;
    unsigned bsize = m64 ? 8 : 4;
    if (op < 2) {
        umip_check(cpu);
        tcg_probe_write(cpu, a, 2 + bsize);
        tcg_st(cpu, a, t->limit, 2);
        tcg_st(cpu, a + 2, t->base, bsize);
        return 0;
    }
    need_cpl0(cpu);
    uint16_t limit = (uint16_t)tcg_ld(cpu, a, 2);
    uint64_t base = tcg_ld(cpu, a + 2, bsize);
    if (!m64 && dsize == 2)
        base &= 0xffffff;
    t->limit = limit;
    t->base = base;
    return 0;
}

HELPER(helper_lar_lsl)
{
    bool ok = false;
    unsigned reg = (imm >> 8) & 15, w = (imm >> 16) & 15;
    sync(cpu);
    uint32_t v = (imm & 1) ? cpu_lsl(cpu, (uint16_t)a, &ok) : cpu_lar(cpu, (uint16_t)a, &ok);
    reload(cpu);
    if (ok)
        reg_write(&cpu->env, reg, w, v);
    return 0;
}

HELPER(helper_bound)
{
    unsigned w = (unsigned)imm;
    int64_t idx = w == 2 ? (int16_t)b : (int32_t)b;
    int64_t lo = w == 2 ? (int16_t)tcg_ld(cpu, a, 2) : (int32_t)tcg_ld(cpu, a, 4);
    int64_t hi = w == 2 ? (int16_t)tcg_ld(cpu, a + 2, 2) : (int32_t)tcg_ld(cpu, a + 4, 4);
    if (idx < lo || idx > hi)
        cpu_raise_exception(cpu, EXC_BR, NO_ERROR_CODE);
    return 0;
}

HELPER(helper_arpl)
{
    CPUX86State *env = &cpu->env;
    uint32_t f = cc_compute_all(env);
    uint16_t d = (uint16_t)a;
    if ((d & 3) < (b & 3)) {
        d = (uint16_t)((d & ~3) | (b & 3));
        f |= FL_ZF;
    } else {
        f &= ~FL_ZF;
    }
    env->cc_op = CC_OP_EFLAGS;
    env->cc_src = f;
    return d;
}

/* RDFSBASE/RDGSBASE/WRFSBASE/WRGSBASE (64-bit mode, CR4.FSGSBASE). */
HELPER(helper_fsgsbase)
{
    CPUX86State *env = &cpu->env;
    unsigned op = imm & 3, w = (imm >> 8) & 15;
    if (!(env->cr4 & CR4_FSGSBASE))
        cpu_raise_exception(cpu, EXC_UD, NO_ERROR_CODE);
    SegReg *s = &env->seg[(op & 1) ? SEG_GS : SEG_FS];
    if (op < 2)
        return w == 8 ? s->base : (uint32_t)s->base;
    uint64_t v = w == 8 ? a : (uint32_t)a;
    if ((uint64_t)((int64_t)(v << 16) >> 16) != v)
        raise_gp0(cpu);
    s->base = v;
    return 0;
}

HELPER(helper_rdpid)
{
    if (!(cpu->features[FEAT_7_0_ECX] & (1u << 22)))
        cpu_raise_exception(cpu, EXC_UD, NO_ERROR_CODE);
    return (uint32_t)cpu->env.tsc_aux;
}

HELPER(helper_pause)
{
    /* Only worth a round of the scheduler when another vCPU may hold the
     * lock this one spins on, and only when vCPUs take turns on one
     * thread: with a thread per vCPU that one runs meanwhile, and leaving
     * the slice would only cost a trip through the outer loop per spin.
     * (Nor does a host sched_yield() help there: on a busy host it hands
     * the CPU to other processes at every spin, and guests whose CPUs
     * wait on each other in lock step crawl.) */
    if (cpu->machine && cpu->machine->ncpus > 1 && !translate_parallel)
        tcg_cpu(cpu)->yield = true;
    return 0;
}

/* Segment limit and rights (imm: seg | size << 8 | write << 16). */
HELPER(helper_seg_check)
{
    cpu_seg_check(cpu, (int)(imm & 0xff), a, (imm >> 8) & 0xff, (imm >> 16) & 1);
    return 0;
}
