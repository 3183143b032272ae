/* Guest-controlled tables never crash the host: random descriptor tables,
 * IDT, TSS, page tables and register state fed to every system helper.
 * Each call either returns or raises an architectural exception. */
#include "tests/unit/unit.h"
#include "tests/unit/cpu-harness.h"
#include "hw/intc/apic.h"
#include "hw/intc/ioapic.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void fill_random(uint64_t pa, unsigned len)
{
    for (unsigned i = 0; i < len; i += 8)
        pw64(pa + i, rnd());
}

static void random_state(CPUState *cpu)
{
    CPUX86State *env = &cpu->env;
    static const uint64_t cr0s[] = { 0, CR0_PE, CR0_PE | CR0_PG, CR0_PE | CR0_PG | CR0_WP };
    env->cr0 = cr0s[rnd() % 4] | CR0_ET;
    env->cr4 = rnd() & (CR4_PAE | CR4_PSE | CR4_PGE | CR4_SMEP | CR4_SMAP);
    env->efer = rnd() & (EFER_NXE | EFER_SCE);
    if ((env->cr0 & CR0_PG) && (env->cr4 & CR4_PAE) && (rnd() & 1))
        env->efer |= EFER_LME | EFER_LMA;
    env->cr3 = rnd() & 0xff000;
    env->rflags = (rnd() & 0x3f7fd5) | 2;
    if (!(env->cr0 & CR0_PE))
        env->rflags &= ~(uint64_t)FL_VM;
    env->gdt = (DescTable){ 0x1000 + (rnd() & 0xff8), (uint16_t)rnd() };
    env->idt = (DescTable){ 0x3000 + (rnd() & 0xff0), (uint16_t)rnd() };
    for (int i = 0; i < SEG_COUNT; i++) {
        uint64_t d = rnd();
        seg_from_desc(&env->seg[i], (uint16_t)rnd(), (uint32_t)d, (uint32_t)(d >> 32));
    }
    uint64_t d = rnd();
    seg_from_desc(&env->tr, (uint16_t)rnd(), (uint32_t)d, (uint32_t)(d >> 32));
    d = rnd();
    seg_from_desc(&env->ldt, (uint16_t)rnd(), (uint32_t)d, (uint32_t)(d >> 32));
    for (int i = 0; i < 16; i++)
        env->regs[i] = rnd() & ((rnd() & 1) ? 0xffff : ~0ULL);
    env->rip = rnd();
    env->delivering = 0;
}

static void call_random(CPUState *cpu, uint64_t *a)
{
    uint16_t sel = (uint16_t)a[1];
    int size = (int)(2u << (a[2] % 3));
    switch (a[0] % 16) {
    case 0: cpu_load_seg(cpu, (int)(a[2] % SEG_COUNT), sel); break;
    case 1: cpu_far_jmp(cpu, sel, a[3], a[3] + 7); break;
    case 2: cpu_far_call(cpu, sel, a[3], size, a[3] + 7); break;
    case 3: cpu_far_ret(cpu, size, (uint16_t)a[3]); break;
    case 4: cpu_iret(cpu, size); break;
    case 5: cpu_lldt(cpu, sel); break;
    case 6: cpu_ltr(cpu, sel); break;
    case 7: { bool ok; cpu_lar(cpu, sel, &ok); cpu_lsl(cpu, sel, &ok);
              cpu_verr(cpu, sel); cpu_verw(cpu, sel); break; }
    case 8: cpu->env.exception_index = (int)(a[3] % 32);
            cpu->env.error_code = (uint32_t)a[3];
            cpu_deliver_pending(cpu); break;
    case 9: cpu_do_external_interrupt(cpu, (int)(a[3] & 0xff)); break;
    case 10: cpu_raise_soft_interrupt(cpu, (int)(a[3] & 0xff), a[3] + 2);
    case 11: cpu_check_io(cpu, sel, 1u << (a[2] % 3)); break;
    case 12: cpu_syscall(cpu, a[3]); break;
    case 13: cpu_sysret(cpu, size == 2 ? 4 : size); break;
    case 14: { uint64_t v = cpu_lin_ld(cpu, a[3], 8, a[2] & 1); cpu_lin_st(cpu, a[3] ^ 0x800, v, 4, false); break; }
    default: cpu_do_nmi(cpu); break;
    }
}

TEST(sysfuzz, random_tables_never_crash)
{
    CPUState *cpu = tcpu_setup(1);
    unsigned raised = 0, returned = 0;
    for (int i = 0; i < 20000; i++) {
        if (i % 50 == 0)
            fill_random(0x1000, 0x8000);       /* GDT, IDT, TSS, LDT, tables */
        random_state(cpu);
        uint64_t a[4] = { rnd(), rnd(), rnd(), rnd() };
        int r = cpu_try(cpu, call_random, a);
        CHECK(r >= -1 && r < 32);
        if (r >= 0)
            raised++;
        else
            returned++;
    }
    /* Both outcomes must be common, or the generator tests nothing. */
    CHECK(raised > 300);
    CHECK(returned > 300);
}

TEST(sysfuzz, apic_ioapic_random_registers)
{
    tcpu_setup(2);
    Machine *m = harness_machine();
    harness_device("apic", "cpu=0");
    harness_device("apic", "cpu=1");
    Device *io = harness_device("ioapic", NULL);
    unsigned acks = 0;
    for (int i = 0; i < 20000; i++) {
        CPUState *cpu = tcpu(rnd() & 1);
        uint32_t off = (uint32_t)rnd() & 0xff0, val = (uint32_t)rnd();
        switch (rnd() % 8) {
        case 0: case 1: apic_reg_write(cpu, off, val); break;
        case 2: apic_reg_read(cpu, off); break;
        case 3: writel(0xfec00000 + ((rnd() & 1) ? 0x10 : 0), val); break;
        case 4: ioapic_set_irq(io, (int)(rnd() % 24), (int)(rnd() & 1)); break;
        case 5: apic_deliver(m, (uint8_t)rnd(), rnd() & 1, (int)(rnd() % 8),
                             (uint8_t)rnd(), (int)(rnd() & 1), (int)(rnd() & 1)); break;
        case 6: clock_step((int64_t)(rnd() % 100000)); break;
        default:
            apic_lint_irq(cpu, (int)(rnd() & 1), (int)(rnd() & 1));
            if (apic_get_interrupt(cpu) >= 0)
                acks++;
            break;
        }
    }
    CHECK(acks > 0);
}
