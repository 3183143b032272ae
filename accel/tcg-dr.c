/* Instruction breakpoints of the guest's DR0-DR3/DR7 (SDM 17.2, 17.3.1.1).
 *
 * They reuse the gdbstub's way of stopping before an address: while DR7
 * enables any, TBs are translated with TBF_DRBP and end before every
 * breakpoint address, and the execution loop checks the next instruction
 * before each block.  Translated code is dropped when a MOV to DR0-DR3 or
 * DR7 changes the set of breakpoint addresses. */
#include "accel/tcg-dr.h"

#include "cpu/excp.h"

#define DR7_RW_SHIFT 16

static unsigned exec_mask_of(uint64_t dr7)
{
    unsigned m = 0;
    if (!(dr7 & 0xff))
        return 0;
    for (unsigned n = 0; n < 4; n++) {
        bool enabled = (dr7 >> (2 * n)) & 3;
        unsigned rw = (dr7 >> (DR7_RW_SHIFT + 4 * n)) & 3;
        if (enabled && rw == 0)
            m |= 1u << n;
    }
    return m;
}

unsigned tcg_dr_exec_mask(const CPUX86State *env)
{
    return exec_mask_of(env->dr[7]);
}

static bool code64(const CPUX86State *env)
{
    return (env->efer & EFER_LMA) && (env->seg[SEG_CS].attr & SEGATTR_L);
}

unsigned tcg_dr_exec_hits(const CPUState *cpu, uint64_t la)
{
    const CPUX86State *env = &cpu->env;
    unsigned m = tcg_dr_exec_mask(env), hits = 0;
    if (!code64(env))
        la &= 0xffffffffULL;
    for (unsigned n = 0; m && n < 4; n++) {
        uint64_t a = code64(env) ? env->dr[n] : env->dr[n] & 0xffffffffULL;
        if ((m & (1u << n)) && a == la)
            hits |= 1u << n;
    }
    return hits;
}

void tcg_dr_check_insn(CPUState *cpu)
{
    CPUX86State *env = &cpu->env;
    if (env->rflags & FL_RF)
        return;
    unsigned hits = tcg_dr_exec_hits(cpu, env->seg[SEG_CS].base + env->rip);
    if (!hits)
        return;
    env->dr[6] |= hits;
    cpu_raise_exception(cpu, EXC_DB, NO_ERROR_CODE);
}

/* Code translated for the old set of addresses (or keyed by the old
 * DR7's TBF_DRBP) must not run under the new one. */
bool tcg_dr_write_changes_code(const CPUState *cpu, int n, uint64_t val)
{
    const CPUX86State *env = &cpu->env;
    if (n == 7 || (n == 5 && !(env->cr4 & CR4_DE))) {
        return env->dr[7] != val && (exec_mask_of(val) || tcg_dr_exec_mask(env));
    }
    return n < 4 && env->dr[n] != val && tcg_dr_exec_mask(env);
}
