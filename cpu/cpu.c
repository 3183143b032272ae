#include "cpu/cpu.h"

#include <stdlib.h>
#include <string.h>

static void seg_real(SegReg *s, uint16_t sel, uint16_t attr)
{
    s->sel = sel;
    s->base = (uint64_t)sel << 4;
    s->limit = 0xffff;
    s->attr = attr;
}

void cpu_reset(CPUState *cpu)
{
    CPUX86State *env = &cpu->env;
    uint32_t pending = atomic_load(&env->interrupt_request) & CPU_INTERRUPT_EXIT;

    memset(env, 0, sizeof(*env));
    /* Data segments: present, writable, accessed (type 3). */
    for (int i = 0; i < SEG_COUNT; i++)
        seg_real(&env->seg[i], 0, SEGATTR_P | SEGATTR_S | 0x3);
    /* CS: F000 with base FFFF0000 so the first fetch hits the reset vector
     * at FFFFFFF0; type 0xb = execute/read, accessed. */
    seg_real(&env->seg[SEG_CS], 0xf000, SEGATTR_P | SEGATTR_S | 0xb);
    env->seg[SEG_CS].base = 0xffff0000;
    env->ldt = (SegReg){ 0, 0, 0xffff, SEGATTR_P | 0x2 };
    env->tr = (SegReg){ 0, 0, 0xffff, SEGATTR_P | 0xb };
    env->gdt.limit = env->idt.limit = 0xffff;
    env->rip = 0xfff0;
    env->rflags = 0x2;
    env->cr0 = CR0_ET | CR0_CD | CR0_NW;
    env->regs[R_EDX] = 0x600; /* family/model/stepping signature, reduced */
    env->dr[6] = 0xffff0ff0;
    env->dr[7] = 0x400;
    env->xcr0 = 1;
    env->mxcsr = 0x1f80;
    env->fpu.fcw = 0x37f;
    env->pat = 0x0007040600070406ULL;
    env->apic_base = 0xfee00000ULL | (1u << 11) | (cpu->index == 0 ? (1u << 8) : 0);
    env->exception_index = -1;
    env->a20_enabled = true;
    env->a20_mask = ~0ULL;
    /* Application processors wait for INIT/SIPI. */
    env->halted = cpu->index != 0;
    atomic_store(&env->interrupt_request, pending);
}

void seg_from_desc(SegReg *s, uint16_t sel, uint32_t lo, uint32_t hi)
{
    uint32_t limit = (lo & 0xffff) | (hi & 0x000f0000);
    s->sel = sel;
    s->base = (lo >> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000);
    s->attr = ((hi >> 8) & 0xff) | ((hi >> 12) & 0xf00);
    s->limit = (s->attr & SEGATTR_G) ? (limit << 12) | 0xfff : limit;
}

CPUState *cpu_create(struct Machine *m, int index, const CPUModel *model,
                     const uint32_t *features)
{
    CPUState *cpu = calloc(1, sizeof(*cpu));
    if (!cpu)
        return NULL;
    cpu->index = index;
    cpu->model = model;
    cpu->machine = m;
    if (features)
        memcpy(cpu->features, features, sizeof(cpu->features));
    cpu_reset(cpu);
    return cpu;
}
