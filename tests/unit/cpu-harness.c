/* Helpers for the CPU system-side unit tests; see cpu-harness.h. */
#include "tests/unit/cpu-harness.h"
#include "cpu/cpuid.h"
#include "hw/core/machine.h"

#include <setjmp.h>

CPUState *tcpu_setup(unsigned ncpus)
{
    Machine *m = harness_init();
    for (unsigned i = 0; i < ncpus; i++) {
        m->cpus[i] = cpu_create(m, (int)i, NULL, NULL);
        for (int w = 0; w < FEAT_WORDS; w++)
            m->cpus[i]->features[w] = ~0u;
    }
    m->ncpus = ncpus;
    return m->cpus[0];
}

CPUState *tcpu(unsigned i)
{
    return harness_machine()->cpus[i];
}

static AddressSpace *mem(void) { return &harness_machine()->mem; }
void pw8(uint64_t pa, uint8_t v) { as_st(mem(), pa, v, 1); }
void pw16(uint64_t pa, uint16_t v) { as_st(mem(), pa, v, 2); }
void pw32(uint64_t pa, uint32_t v) { as_st(mem(), pa, v, 4); }
void pw64(uint64_t pa, uint64_t v) { as_st(mem(), pa, v, 8); }
uint32_t pr32(uint64_t pa) { return (uint32_t)as_ld(mem(), pa, 4); }
uint64_t pr64(uint64_t pa) { return as_ld(mem(), pa, 8); }

uint64_t mkdesc(uint32_t base, uint32_t limit, unsigned type, unsigned dpl, unsigned flags)
{
    uint32_t lo = (limit & 0xffff) | (base << 16);
    uint32_t hi = ((base >> 16) & 0xff) | (base & 0xff000000) | (limit & 0xf0000) |
                  ((type & 0xf) << 8) | (1u << 12) | ((dpl & 3) << 13) | (1u << 15) |
                  (((flags >> 8) & 0xf) << 20);
    return lo | ((uint64_t)hi << 32);
}

uint64_t mksys(uint32_t base, uint32_t limit, unsigned type, unsigned dpl)
{
    return mkdesc(base, limit, type, dpl, 0) & ~(1ULL << 44);
}

uint64_t mkgate(uint16_t sel, uint32_t off, unsigned type, unsigned dpl, unsigned params)
{
    uint32_t lo = (off & 0xffff) | ((uint32_t)sel << 16);
    uint32_t hi = (off & 0xffff0000) | (params & 0x1f) | ((type & 0xf) << 8) |
                  ((dpl & 3) << 13) | (1u << 15);
    return lo | ((uint64_t)hi << 32);
}

void tcpu_protected(CPUState *cpu, uint64_t gdt, uint64_t tss, uint64_t idt, int cpl)
{
    CPUX86State *env = &cpu->env;
    unsigned flat = SEGATTR_G | SEGATTR_DB;
    pw64(gdt + 0x00, 0);
    pw64(gdt + 0x08, mkdesc(0, 0xfffff, 0xb, 0, flat));
    pw64(gdt + 0x10, mkdesc(0, 0xfffff, 0x3, 0, flat));
    pw64(gdt + 0x18, mkdesc(0, 0xfffff, 0xb, 3, flat));
    pw64(gdt + 0x20, mkdesc(0, 0xfffff, 0x3, 3, flat));
    pw64(gdt + 0x28, mksys((uint32_t)tss, 0x67, 0xb, 0));
    env->gdt = (DescTable){ gdt, 0xff };
    env->idt = (DescTable){ idt, 0x7ff };
    env->cr0 |= CR0_PE;
    uint16_t cs = cpl ? 0x1b : 0x08, ds = cpl ? 0x23 : 0x10;
    uint32_t lo, hi;
    uint64_t d = pr64(gdt + (cs & ~7));
    lo = (uint32_t)d; hi = (uint32_t)(d >> 32);
    seg_from_desc(&env->seg[SEG_CS], cs, lo, hi);
    d = pr64(gdt + (ds & ~7));
    lo = (uint32_t)d; hi = (uint32_t)(d >> 32);
    for (int i = 0; i < SEG_COUNT; i++) {
        if (i != SEG_CS)
            seg_from_desc(&env->seg[i], ds, lo, hi);
    }
    d = pr64(gdt + 0x28);
    seg_from_desc(&env->tr, 0x28, (uint32_t)d, (uint32_t)(d >> 32));
}

int cpu_try(CPUState *cpu, TryFn fn, uint64_t *args)
{
    sigjmp_buf jb;
    cpu->jmp_env = &jb;
    if (sigsetjmp(jb, 0) == 0) {
        fn(cpu, args);
        cpu->jmp_env = NULL;
        return -1;
    }
    cpu->jmp_env = NULL;
    return cpu->env.exception_index;
}
