/* See tcg-harness.h. */
#include "tests/unit/tcg-harness.h"

#include "accel/tcg.h"
#include "hw/core/machine.h"
#include "tests/unit/cpu-harness.h"
#include "translate/flags.h"
#include "translate/tlb.h"

static void long_mode(CPUState *cpu)
{
    CPUX86State *env = &cpu->env;
    pw64(0x70000, 0x71000 | 3);
    pw64(0x71000, 0x72000 | 3);
    pw64(0x72000, TT_PT | 3);
    for (uint64_t i = 0; i < 256; i++)
        pw64(TT_PT + i * 8, (i << 12) | 3);
    env->cr3 = 0x70000;
    env->cr4 |= CR4_PAE;
    env->efer |= EFER_LME | EFER_LMA;
    env->cr0 |= CR0_PE | CR0_PG;
    env->seg[SEG_CS] = (SegReg){ 0x08, 0, 0xffffffff,
                                 SEGATTR_P | SEGATTR_S | 0xb | SEGATTR_L | SEGATTR_G };
    for (int i = 0; i < SEG_COUNT; i++) {
        if (i != SEG_CS)
            env->seg[i] = (SegReg){ 0x10, 0, 0xffffffff,
                                    SEGATTR_P | SEGATTR_S | 0x3 | SEGATTR_DB | SEGATTR_G };
    }
}

CPUState *tt_cpu(int bits)
{
    CPUState *cpu = tcpu_setup(1);
    CPUX86State *env = &cpu->env;
    tcg_cpu_init(cpu);
    if (bits == 16) {
        env->seg[SEG_CS].sel = 0;
        env->seg[SEG_CS].base = 0;
    } else if (bits == 32) {
        tcpu_protected(cpu, 0x600, 0x700, 0x800, 0);
    } else {
        long_mode(cpu);
    }
    env->rip = TT_CODE;
    env->regs[R_ESP] = TT_STACK;
    cpu_load_flags(cpu, 2);
    return cpu;
}

void tt_load(const uint8_t *code, size_t n)
{
    for (size_t i = 0; i < n; i++)
        pw8(TT_CODE + i, code[i]);
}

int tt_run(CPUState *cpu)
{
    for (int i = 0; i < 1000; i++) {
        TcgExit r = tcg_exec_until_exception(cpu, 100000);
        if (cpu->env.exception_index >= 0)
            return cpu->env.exception_index;
        if (r == TCG_EXIT_HALTED)
            return -1;
    }
    return -2;
}

uint32_t tt_flags(CPUState *cpu)
{
    return cc_compute_all(&cpu->env);
}

uint64_t tt_rd(uint64_t pa, unsigned size)
{
    return as_ld(&harness_machine()->mem, pa, size);
}

void tt_wr(uint64_t pa, uint64_t v, unsigned size)
{
    as_st(&harness_machine()->mem, pa, v, size);
}
