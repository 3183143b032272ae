/* The "tcg" accelerator end to end: its vCPU thread runs two CPUs round-robin
 * (the AP started by SIPI), both incrementing one counter with LOCK INC,
 * then HLT; pause/resume and shutdown of the thread. */
#include "tests/unit/unit.h"

#include <stdatomic.h>
#include <time.h>

#include "accel/accel.h"
#include "hw/core/machine.h"
#include "tests/unit/cpu-harness.h"
#include "tests/unit/tcg-harness.h"
#include "hw/core/dma.h"
#include "translate/tb.h"

/*
    mov cx, 1000
    1: lock inc word ptr [0x600]
    loop 1b
    hlt
 */
static const uint8_t smp_count[] = {
    0xb9, 0xe8, 0x03, 0xf0, 0xff, 0x06, 0x00, 0x06, 0xe2, 0xf9, 0xf4,
};


static bool all_halted(Machine *m)
{
    for (unsigned i = 0; i < m->ncpus; i++) {
        if (!__atomic_load_n(&m->cpus[i]->env.halted, __ATOMIC_ACQUIRE))
            return false;
    }
    return true;
}

/* Until both CPUs are done (the AP waits halted for its SIPI first). */
static void wait_done(Machine *m)
{
    struct timespec ts = { 0, 10 * 1000 * 1000 };
    for (int i = 0; i < 1000 && !(all_halted(m) && tt_rd(0x600, 2) == 2000); i++)
        nanosleep(&ts, NULL);
}

TEST(tcg_accel, two_vcpus_round_robin_with_sipi)
{
    tcpu_setup(2);
    Machine *m = harness_machine();
    const AccelOps *ops = accel_find("tcg");
    CHECK(ops != NULL);
    m->accel = ops;
    CHECK_EQ(ops->init(m), 0);
    for (unsigned i = 0; i < 2; i++) {
        CHECK_EQ(ops->vcpu_init(m->cpus[i]), 0);
        m->cpus[i]->stopped = false;
    }
    CPUState *bsp = m->cpus[0], *ap = m->cpus[1];
    bsp->env.seg[SEG_CS].sel = 0;
    bsp->env.seg[SEG_CS].base = 0;
    bsp->env.rip = TT_CODE;
    tt_load(smp_count, sizeof(smp_count));
    for (size_t i = 0; i < sizeof(smp_count); i++)
        tt_wr(0x9000 + i, smp_count[i], 1);
    m->state = RUN_STATE_RUNNING;
    ops->start(m);
    ap->env.sipi_vector = 9;
    atomic_fetch_or(&ap->env.interrupt_request, CPU_INTERRUPT_SIPI);
    ops->kick(ap);
    wait_done(m);
    ops->shutdown(m);
    CHECK(all_halted(m));
    CHECK_EQ(tt_rd(0x600, 2), 2000);
    CHECK_EQ(ap->env.seg[SEG_CS].sel, 0x900);
    CHECK_EQ(bsp->env.rip, TT_CODE + sizeof(smp_count));
}

static const uint8_t idle_loop[] = { 0xfb, 0xf4, 0xeb, 0xfc };      /* 1: sti; hlt; jmp 1b */
static const uint8_t irq_count[] = { 0xff, 0x06, 0x00, 0x06, 0xcf }; /* inc word [0x600]; iret */
static atomic_int pending_irqs;

static int count_irq_ack(Machine *m, CPUState *cpu)
{
    if (cpu->index != 0 || atomic_load(&pending_irqs) == 0)
        return -1;
    atomic_fetch_sub(&pending_irqs, 1);
    return 0x40;
}

/* The BSP idles in HLT while the AP still waits for its SIPI; interrupts
 * raised from another thread (as devices do) wake it, one by one. */
TEST(tcg_accel, interrupts_reach_the_bsp_while_the_ap_waits)
{
    tcpu_setup(2);
    Machine *m = harness_machine();
    const AccelOps *ops = accel_find("tcg");
    m->accel = ops;
    m->irq_ack = count_irq_ack;
    CHECK_EQ(ops->init(m), 0);
    for (unsigned i = 0; i < 2; i++) {
        CHECK_EQ(ops->vcpu_init(m->cpus[i]), 0);
        m->cpus[i]->stopped = false;
    }
    CPUState *bsp = m->cpus[0];
    bsp->env.seg[SEG_CS].sel = 0;
    bsp->env.seg[SEG_CS].base = 0;
    bsp->env.rip = TT_CODE;
    tt_load(idle_loop, sizeof(idle_loop));
    for (size_t i = 0; i < sizeof(irq_count); i++)
        tt_wr(0x1100 + i, irq_count[i], 1);
    tt_wr(0x40 * 4, 0x1100, 2);
    tt_wr(0x40 * 4 + 2, 0, 2);
    m->state = RUN_STATE_RUNNING;
    ops->start(m);
    struct timespec ts = { 0, 5 * 1000 * 1000 };
    for (int n = 0; n < 20; n++) {
        atomic_fetch_add(&pending_irqs, 1);
        atomic_fetch_or(&bsp->env.interrupt_request, CPU_INTERRUPT_HARD);
        ops->kick(bsp);
        for (int i = 0; i < 400 && tt_rd(0x600, 2) != (uint64_t)n + 1; i++)
            nanosleep(&ts, NULL);
    }
    ops->shutdown(m);
    CHECK_EQ(tt_rd(0x600, 2), 20);
}

static const uint8_t irq_add2[] = { 0x83, 0x06, 0x00, 0x06, 0x02, 0xcf }; /* add word [0x600], 2; iret */

/* One interrupt to the idling BSP; waits until the counter reaches want. */
static void interrupt_until(CPUState *bsp, const AccelOps *ops, uint64_t want)
{
    struct timespec ts = { 0, 5 * 1000 * 1000 };
    atomic_fetch_add(&pending_irqs, 1);
    atomic_fetch_or(&bsp->env.interrupt_request, CPU_INTERRUPT_HARD);
    ops->kick(bsp);
    for (int i = 0; i < 400 && tt_rd(0x600, 2) != want; i++)
        nanosleep(&ts, NULL);
}

/* A NIC's receive burst as the event loop makes it, from outside the vCPU
 * thread: a buffer page and the descriptor ring page per frame, 300
 * frames.  Only the page holding code is retranslated (the handler,
 * rewritten in the same burst, now adds 2); the TB cache is not flushed
 * whole, as it was when the burst overflowed the queue of writes. */
TEST(tcg_accel, device_write_bursts_invalidate_only_written_code)
{
    tcpu_setup(1);
    Machine *m = harness_machine();
    const AccelOps *ops = accel_find("tcg");
    m->accel = ops;
    m->irq_ack = count_irq_ack;
    CHECK_EQ(ops->init(m), 0);
    CHECK_EQ(ops->vcpu_init(m->cpus[0]), 0);
    CPUState *bsp = m->cpus[0];
    bsp->stopped = false;
    bsp->env.seg[SEG_CS].sel = 0;
    bsp->env.seg[SEG_CS].base = 0;
    bsp->env.rip = TT_CODE;
    tt_load(idle_loop, sizeof(idle_loop));
    for (size_t i = 0; i < sizeof(irq_count); i++)
        tt_wr(0x3100 + i, irq_count[i], 1);
    tt_wr(0x40 * 4, 0x3100, 2);
    tt_wr(0x40 * 4 + 2, 0, 2);
    atomic_store(&pending_irqs, 0);
    m->state = RUN_STATE_RUNNING;
    ops->start(m);
    interrupt_until(bsp, ops, 1);
    CHECK_EQ(tt_rd(0x600, 2), 1);
    unsigned gen = tb_generation();
    uint8_t frame[64] = { 0 }, desc[16] = { 0 };
    for (unsigned i = 0; i < 300; i++) {
        dma_write(&m->mem, 0x10000 + (i % 120) * 0x1000 + (i & 1) * 0x800, frame, sizeof(frame));
        dma_write(&m->mem, 0x8000 + (i % 256) * sizeof(desc), desc, sizeof(desc));
    }
    dma_write(&m->mem, 0x3100, irq_add2, sizeof(irq_add2));
    interrupt_until(bsp, ops, 3);
    unsigned gen_after = tb_generation();
    ops->shutdown(m);
    CHECK_EQ(tt_rd(0x600, 2), 3);
    CHECK_EQ(gen_after, gen);
}
