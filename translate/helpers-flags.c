/* PUSHF, POPF, CLI and STI: the RFLAGS bits each may read or change at
 * the current privilege and mode.  Where IOPL does not allow them, the
 * virtual-8086 mode extensions and protected-mode virtual interrupts
 * (cpu/v86.c) work on VIF or raise #GP(0). */
#include "translate/helpers.h"

#include "cpu/excp.h"
#include "cpu/sys.h"
#include "translate/flags.h"
#include "translate/tlb.h"

static unsigned iopl(const CPUState *cpu)
{
    return (cpu->env.rflags >> 12) & 3;
}

HELPER(helper_pushf)
{
    unsigned w = imm & 0xff;
    cpu_sync_flags(cpu);
    if ((cpu->env.rflags & FL_VM) && iopl(cpu) < 3)
        return cpu_v86_pushf(cpu, w);
    uint64_t v = cpu->env.rflags & ~(uint64_t)(FL_VM | FL_RF);
    return w == 2 ? v & 0xffff : v;
}

HELPER(helper_popf)
{
    CPUX86State *env = &cpu->env;
    unsigned w = (unsigned)imm;
    uint64_t mask = FL_ARITH | FL_TF | FL_DF | FL_NT;
    if (w > 2)
        mask |= FL_AC | FL_ID;
    if (env->rflags & FL_VM) {
        if (iopl(cpu) < 3) {
            cpu_sync_flags(cpu);
            cpu_v86_popf(cpu, a, w);
            cpu_load_flags(cpu, env->rflags);
            return 0;
        }
        mask |= FL_IF;
    } else if (!(env->cr0 & CR0_PE) || cpu_cpl(cpu) == 0) {
        mask |= FL_IF | FL_IOPL;
    } else if ((unsigned)cpu_cpl(cpu) <= iopl(cpu)) {
        mask |= FL_IF;
    }
    if (w == 2)
        mask &= 0xffff;
    cpu_sync_flags(cpu);
    cpu_load_flags(cpu, ((env->rflags & ~mask) | (a & mask)) & ~(uint64_t)FL_RF);
    return 0;
}

HELPER(helper_cli_sti)
{
    CPUX86State *env = &cpu->env;
    if (env->cr0 & CR0_PE) {
        bool ok = (env->rflags & FL_VM) ? iopl(cpu) == 3 : (unsigned)cpu_cpl(cpu) <= iopl(cpu);
        if (!ok) {
            cpu_virtual_cli_sti(cpu, imm != 0);
            return 0;
        }
    }
    if (!imm) {
        env->rflags &= ~(uint64_t)FL_IF;
    } else if (!(env->rflags & FL_IF)) {
        env->rflags |= FL_IF;
        env->inhibit_irq |= INHIBIT_STI;    /* interrupts only, not debug traps */
        tcg_cpu_stop_chain(cpu);            /* the loop runs the shadow */
    }
    return 0;
}
