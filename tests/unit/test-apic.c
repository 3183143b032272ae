/* The local APIC on a two-CPU test board: registers, the timer on the
 * virtual clock, priorities and EOI, IPIs and their shorthands, INIT/SIPI,
 * NMI, and LINT0 as the 8259's ExtINT path. */
#include "tests/unit/unit.h"
#include "tests/unit/cpu-harness.h"
#include "hw/intc/apic.h"

#define A_ID 0x20
#define A_VER 0x30
#define A_TPR 0x80
#define A_PPR 0xa0
#define A_EOI 0xb0
#define A_LDR 0xd0
#define A_DFR 0xe0
#define A_SVR 0xf0
#define A_ISR 0x100
#define A_IRR 0x200
#define A_ESR 0x280
#define A_ICR_LO 0x300
#define A_ICR_HI 0x310
#define A_LVT_TIMER 0x320
#define A_LVT_LINT0 0x350
#define A_LVT_LINT1 0x360
#define A_TIMER_INIT 0x380
#define A_TIMER_CUR 0x390
#define A_TIMER_DIV 0x3e0

static Machine *m;

static void setup(unsigned ncpus)
{
    tcpu_setup(ncpus);
    m = harness_machine();
    for (unsigned i = 0; i < ncpus; i++) {
        char props[16];
        snprintf(props, sizeof(props), "cpu=%u", i);
        harness_device("apic", props);
    }
}

static uint32_t rd(unsigned cpu, uint32_t off) { return apic_reg_read(tcpu(cpu), off); }
static void wr(unsigned cpu, uint32_t off, uint32_t v) { apic_reg_write(tcpu(cpu), off, v); }
static void enable(unsigned cpu) { wr(cpu, A_SVR, 0x1ff); }

static bool irr(unsigned cpu, int v) { return rd(cpu, A_IRR + (uint32_t)(v / 32) * 0x10) & (1u << (v % 32)); }
static bool isr(unsigned cpu, int v) { return rd(cpu, A_ISR + (uint32_t)(v / 32) * 0x10) & (1u << (v % 32)); }
static uint32_t req(unsigned cpu) { return atomic_load(&tcpu(cpu)->env.interrupt_request); }

static void fixed(uint8_t dest, uint8_t vector)
{
    apic_deliver(m, dest, false, APIC_DM_FIXED, vector, 1, 0);
}

TEST(apic, registers_after_reset)
{
    setup(2);
    CHECK_EQ(rd(0, A_VER), 0x50014);
    CHECK_EQ(rd(1, A_ID), 1u << 24);
    CHECK_EQ(rd(0, A_SVR), 0xff);
    CHECK_EQ(rd(0, A_DFR), 0xffffffff);
    CHECK_EQ(rd(0, A_LVT_TIMER), 0x10000);
    CHECK_EQ(rd(0, A_LVT_LINT0), 0x700);        /* BSP: virtual wire */
    CHECK_EQ(rd(1, A_LVT_LINT0), 0x10000);
    /* MMIO at 0xfee00000 reaches the calling CPU's APIC (CPU 0 here). */
    CHECK_EQ(readl(0xfee00000 + A_VER), 0x50014);
    writel(0xfee00000 + A_TPR, 0x20);
    CHECK_EQ(rd(0, A_TPR), 0x20);
    CHECK_EQ(cpu_read_cr(tcpu(0), 8), 2);
}

TEST(apic, oneshot_timer)
{
    setup(1);
    enable(0);
    wr(0, A_LVT_TIMER, 0x40);
    wr(0, A_TIMER_DIV, 0xb);                    /* divide by 1 */
    wr(0, A_TIMER_INIT, 1000);
    clock_step(400);
    CHECK_EQ(rd(0, A_TIMER_CUR), 600);
    clock_step(599);
    CHECK(!irr(0, 0x40));
    CHECK_EQ(req(0) & CPU_INTERRUPT_HARD, 0);
    clock_step(1);
    CHECK(irr(0, 0x40));
    CHECK(req(0) & CPU_INTERRUPT_HARD);
    CHECK_EQ(rd(0, A_TIMER_CUR), 0);
    CHECK_EQ(apic_get_interrupt(tcpu(0)), 0x40);
    CHECK(isr(0, 0x40));
    CHECK(!irr(0, 0x40));
    wr(0, A_EOI, 0);
    CHECK(!isr(0, 0x40));
    clock_step(10000);
    CHECK(!irr(0, 0x40));                       /* one-shot: no reload */
}

/* A one-shot count whose end is behind the clock by the time the timer
 * is armed (a 1 ns count on the running clock: the thread that loads it
 * always takes longer) interrupts at once; it used to be dropped, and a
 * CPU waiting in HLT for it slept for good. */
TEST(apic, oneshot_count_already_over_still_interrupts)
{
    setup(1);
    enable(0);
    wr(0, A_LVT_TIMER, 0x40);
    wr(0, A_TIMER_DIV, 0xb);                    /* divide by 1 */
    clock_set_manual(false);
    clock_resume();
    wr(0, A_TIMER_INIT, 1);
    int64_t start = clock_ns();
    while (clock_ns() - start < 1000)
        ;
    timers_run_due();
    clock_pause();
    clock_set_manual(true);
    CHECK(irr(0, 0x40));
    CHECK(req(0) & CPU_INTERRUPT_HARD);
}

/* A divide change recomputes the end of the count: one that has not
 * fired and is now over fires at once; one that fired stays at zero. */
TEST(apic, oneshot_divide_change_keeps_one_interrupt)
{
    setup(1);
    enable(0);
    wr(0, A_LVT_TIMER, 0x40);
    wr(0, A_TIMER_DIV, 0x0);                    /* divide by 2 */
    wr(0, A_TIMER_INIT, 1000);                  /* ends at 2000 ns */
    clock_step(1500);
    CHECK(!irr(0, 0x40));
    wr(0, A_TIMER_DIV, 0xb);                    /* by 1: ended at 1000 */
    clock_step(0);
    CHECK(irr(0, 0x40));
    CHECK_EQ(apic_get_interrupt(tcpu(0)), 0x40);
    wr(0, A_EOI, 0);
    wr(0, A_TIMER_DIV, 0x3);                    /* by 16: no second one */
    clock_step(100000);
    CHECK(!irr(0, 0x40));
    CHECK_EQ(rd(0, A_TIMER_CUR), 0);
}

TEST(apic, periodic_timer_with_divider)
{
    setup(1);
    enable(0);
    wr(0, A_LVT_TIMER, 0x20041);
    wr(0, A_TIMER_DIV, 0x0);                    /* divide by 2 */
    wr(0, A_TIMER_INIT, 100);                   /* period 200 ns */
    clock_step(50);
    CHECK_EQ(rd(0, A_TIMER_CUR), 75);
    for (int i = 0; i < 3; i++) {
        clock_step(149);
        CHECK(!irr(0, 0x41));
        clock_step(1);
        CHECK(irr(0, 0x41));
        CHECK_EQ(apic_get_interrupt(tcpu(0)), 0x41);
        wr(0, A_EOI, 0);
        clock_step(50);
    }
    /* Masking the LVT stops delivery, not the count. */
    wr(0, A_LVT_TIMER, 0x30041);
    clock_step(1000);
    CHECK(!irr(0, 0x41));
}

TEST(apic, tsc_deadline_timer)
{
    setup(1);
    enable(0);
    wr(0, A_LVT_TIMER, 0x40042);
    apic_set_tsc_deadline(tcpu(0), 5000);
    clock_step(4999);
    CHECK(!irr(0, 0x42));
    clock_step(1);
    CHECK(irr(0, 0x42));
    CHECK_EQ(apic_get_tsc_deadline(tcpu(0)), 0);
}

TEST(apic, priorities_tpr_isr_eoi)
{
    setup(1);
    enable(0);
    wr(0, A_TPR, 0x50);
    fixed(0, 0x45);
    CHECK(!apic_has_interrupt(tcpu(0)));
    CHECK_EQ(apic_get_interrupt(tcpu(0)), -1);
    fixed(0, 0x61);
    CHECK(apic_has_interrupt(tcpu(0)));
    CHECK_EQ(apic_get_interrupt(tcpu(0)), 0x61);
    CHECK_EQ(rd(0, A_PPR), 0x60);
    fixed(0, 0x62);                             /* same class as in service */
    CHECK(!apic_has_interrupt(tcpu(0)));
    fixed(0, 0x71);                             /* higher class preempts */
    CHECK_EQ(apic_get_interrupt(tcpu(0)), 0x71);
    wr(0, A_EOI, 0);                            /* retires 0x71 */
    CHECK(isr(0, 0x61) && !isr(0, 0x71));
    wr(0, A_EOI, 0);
    CHECK_EQ(apic_get_interrupt(tcpu(0)), 0x62);
    wr(0, A_EOI, 0);
    wr(0, A_TPR, 0);
    CHECK_EQ(apic_get_interrupt(tcpu(0)), 0x45);
    /* A software-disabled APIC drops fixed interrupts. */
    wr(0, A_EOI, 0);
    wr(0, A_SVR, 0xff);
    fixed(0, 0x80);
    CHECK(!irr(0, 0x80));
}

TEST(apic, ipis_and_shorthands)
{
    setup(2);
    enable(0);
    enable(1);
    wr(0, A_ICR_HI, 1u << 24);
    wr(0, A_ICR_LO, 0x4050);
    CHECK(irr(1, 0x50));
    CHECK(!irr(0, 0x50));
    CHECK(req(1) & CPU_INTERRUPT_HARD);
    wr(0, A_ICR_LO, 0xc4051);                   /* all excluding self */
    CHECK(irr(1, 0x51) && !irr(0, 0x51));
    wr(0, A_ICR_LO, 0x44052);                   /* self */
    CHECK(irr(0, 0x52) && !irr(1, 0x52));
    wr(0, A_ICR_LO, 0x84053);                   /* all including self */
    CHECK(irr(0, 0x53) && irr(1, 0x53));
    /* Logical flat destination. */
    wr(1, A_LDR, 0x02000000);
    wr(0, A_ICR_HI, 0x02u << 24);
    wr(0, A_ICR_LO, 0x4854);
    CHECK(irr(1, 0x54) && !irr(0, 0x54));
    /* Cluster model: cluster 1, member bit 0. */
    wr(1, A_DFR, 0x0fffffff);
    wr(1, A_LDR, 0x11000000);
    wr(0, A_ICR_HI, 0x13u << 24);
    wr(0, A_ICR_LO, 0x4855);
    CHECK(irr(1, 0x55));
    /* An illegal vector is not sent and shows in ESR after a write. */
    wr(0, A_ICR_HI, 1u << 24);
    wr(0, 0x370, 0xfe);                         /* LVT error: vector 0xfe */
    wr(0, A_ICR_LO, 0x4005);
    CHECK(irr(0, 0xfe));
    wr(0, A_ESR, 0);
    CHECK_EQ(rd(0, A_ESR), 0x20);
    wr(0, A_ESR, 0);
    CHECK_EQ(rd(0, A_ESR), 0);
}

TEST(apic, init_sipi_nmi)
{
    setup(2);
    enable(0);
    wr(1, A_SVR, 0x1ff);
    wr(1, A_TPR, 0x30);
    wr(0, A_ICR_HI, 1u << 24);
    wr(0, A_ICR_LO, 0x4500);                    /* INIT assert */
    CHECK(req(1) & CPU_INTERRUPT_INIT);
    CHECK_EQ(rd(1, A_SVR), 0xff);               /* APIC back to INIT state */
    CHECK_EQ(rd(1, A_TPR), 0);
    CHECK_EQ(rd(1, A_ID), 1u << 24);            /* except the ID */
    wr(0, A_ICR_LO, 0x4608);                    /* SIPI, page 8 */
    CHECK(req(1) & CPU_INTERRUPT_SIPI);
    CHECK_EQ(tcpu(1)->env.sipi_vector, 8);
    wr(0, A_ICR_LO, 0x4400);                    /* NMI */
    CHECK(req(1) & CPU_INTERRUPT_NMI);
    CHECK_EQ(req(0) & CPU_INTERRUPT_NMI, 0);
}

TEST(apic, lint0_extint_and_lint1_nmi)
{
    setup(2);
    CHECK(!apic_has_interrupt(tcpu(0)));
    apic_lint_irq(tcpu(0), 0, 1);
    CHECK(apic_has_interrupt(tcpu(0)));
    CHECK(req(0) & CPU_INTERRUPT_HARD);
    CHECK_EQ(apic_get_interrupt(tcpu(0)), APIC_EXTINT);
    apic_lint_irq(tcpu(0), 0, 0);
    CHECK(!apic_has_interrupt(tcpu(0)));
    CHECK_EQ(req(0) & CPU_INTERRUPT_HARD, 0);
    /* The AP's LINT0 is masked. */
    apic_lint_irq(tcpu(1), 0, 1);
    CHECK(!apic_has_interrupt(tcpu(1)));
    /* Masking LINT0 on the BSP cuts the PIC off... */
    enable(0);
    wr(0, A_LVT_LINT0, 0x10700);
    apic_lint_irq(tcpu(0), 0, 1);
    CHECK(!apic_has_interrupt(tcpu(0)));
    /* ...unless the APIC is globally disabled (LINT0 is then INTR). */
    tcpu(0)->env.regs[R_ECX] = 0x1b;
    CHECK(cpu_msr_write(tcpu(0), 0x1b, 0xfee00000 | APIC_BASE_BSP));
    CHECK_EQ(apic_get_interrupt(tcpu(0)), APIC_EXTINT);
    CHECK_EQ(readl(0xfee00000 + A_VER), 0xffffffff);
    /* LINT1 as NMI, edge. */
    CHECK(cpu_msr_write(tcpu(0), 0x1b, 0xfee00000 | APIC_BASE_BSP | APIC_BASE_ENABLE));
    enable(0);
    wr(0, A_LVT_LINT1, 0x400);
    apic_lint_irq(tcpu(0), 1, 1);
    CHECK(req(0) & CPU_INTERRUPT_NMI);
}

TEST(apic, lowest_priority_picks_lowest_tpr)
{
    setup(2);
    enable(0);
    enable(1);
    wr(0, A_TPR, 0x40);
    apic_deliver(m, 0xff, false, APIC_DM_LOWEST, 0x60, 1, 0);
    CHECK(irr(1, 0x60) && !irr(0, 0x60));
}

/* x2APIC mode (SDM 11.12): the registers as MSRs, 32-bit destinations in
 * the 64-bit ICR, SELF IPI, #GP for the wrong direction or reserved
 * bits, and the mode transitions IA32_APIC_BASE allows. */
TEST(apic, x2apic_msrs_and_transitions)
{
    setup(2);
    uint64_t x2 = 0xfee00000 | APIC_BASE_ENABLE | APIC_BASE_EXTD, v = 0;
    CHECK(!cpu_msr_read(tcpu(0), 0x802, &v));              /* xAPIC mode: no MSRs */
    CHECK(cpu_msr_write(tcpu(0), 0x1b, x2 | APIC_BASE_BSP));
    CHECK(cpu_msr_write(tcpu(1), 0x1b, x2));
    CHECK(cpu_msr_read(tcpu(1), 0x802, &v) && v == 1);     /* x2APIC ID */
    CHECK(cpu_msr_read(tcpu(1), 0x80d, &v) && v == 2);     /* LDR: cluster 0, bit 1 */
    CHECK(cpu_msr_write(tcpu(0), 0x80f, 0x1ff));           /* SVR: enabled */
    CHECK(cpu_msr_write(tcpu(1), 0x80f, 0x1ff));
    CHECK(cpu_msr_write(tcpu(0), 0x830, (1ULL << 32) | 0x4060));
    CHECK(irr(1, 0x60) && !irr(0, 0x60));
    CHECK(cpu_msr_read(tcpu(0), 0x830, &v) && v == ((1ULL << 32) | 0x4060));
    CHECK(cpu_msr_write(tcpu(0), 0x830, (0x1ULL << 32) | 0x4861));   /* logical: bit 0 */
    CHECK(irr(0, 0x61) && !irr(1, 0x61));
    CHECK(cpu_msr_write(tcpu(0), 0x83f, 0x62));            /* SELF IPI */
    CHECK(irr(0, 0x62));
    CHECK(!cpu_msr_read(tcpu(0), 0x80b, &v));              /* EOI is write-only */
    CHECK(!cpu_msr_write(tcpu(0), 0x80b, 1));              /* ...and takes only 0 */
    CHECK(!cpu_msr_write(tcpu(0), 0x802, 5));              /* ID is read-only */
    CHECK(!cpu_msr_read(tcpu(0), 0x831, &v));              /* no ICR high, DFR */
    CHECK(!cpu_msr_read(tcpu(0), 0x80e, &v));
    CHECK(!cpu_msr_write(tcpu(0), 0x808, 0x100));          /* TPR reserved bits */
    CHECK_EQ(readl(0xfee00000 + A_VER), 0xffffffff);       /* the page is off */
    /* x2APIC -> xAPIC directly is invalid; through disabled it is fine,
     * and EXTD without EN never is. */
    CHECK(!cpu_msr_write(tcpu(1), 0x1b, 0xfee00000 | APIC_BASE_ENABLE));
    CHECK(cpu_msr_write(tcpu(1), 0x1b, 0xfee00000));
    CHECK(!cpu_msr_write(tcpu(1), 0x1b, 0xfee00000 | APIC_BASE_EXTD));
    CHECK(!cpu_msr_write(tcpu(1), 0x1b, x2));              /* disabled -> x2APIC */
    CHECK(cpu_msr_write(tcpu(1), 0x1b, 0xfee00000 | APIC_BASE_ENABLE));
}

/* The TMR keeps the trigger mode of a vector's last accepted interrupt
 * across its EOI (SDM 11.8.4). */
TEST(apic, tmr_survives_eoi)
{
    setup(1);
    enable(0);
    apic_deliver(m, 0, false, APIC_DM_FIXED, 0x70, 1, 1);     /* level */
    CHECK_EQ(apic_get_interrupt(tcpu(0)), 0x70);
    wr(0, A_EOI, 0);
    CHECK(rd(0, 0x180 + 3 * 0x10) & (1u << 16));               /* TMR bit 0x70 */
    apic_deliver(m, 0, false, APIC_DM_FIXED, 0x70, 1, 0);     /* edge clears it */
    CHECK(!(rd(0, 0x180 + 3 * 0x10) & (1u << 16)));
}
