/* The I/O APIC with two local APICs: registers, edge and level pins,
 * Remote IRR and the EOI broadcast, masks and destinations. */
#include "tests/unit/unit.h"
#include "tests/unit/cpu-harness.h"
#include "hw/intc/apic.h"
#include "hw/intc/ioapic.h"

static Device *io;

static void setup(void)
{
    tcpu_setup(2);
    harness_device("apic", "cpu=0");
    harness_device("apic", "cpu=1");
    apic_reg_write(tcpu(0), 0xf0, 0x1ff);
    apic_reg_write(tcpu(1), 0xf0, 0x1ff);
    io = harness_device("ioapic", NULL);
}

static uint32_t io_read(uint32_t reg)
{
    writel(IOAPIC_BASE, reg);
    return readl(IOAPIC_BASE + 0x10);
}

static void io_write(uint32_t reg, uint32_t v)
{
    writel(IOAPIC_BASE, reg);
    writel(IOAPIC_BASE + 0x10, v);
}

static void route(int pin, uint32_t lo, uint8_t dest)
{
    io_write(0x11 + 2 * (uint32_t)pin, (uint32_t)dest << 24);
    io_write(0x10 + 2 * (uint32_t)pin, lo);
}

static bool irr(unsigned cpu, int v)
{
    return apic_reg_read(tcpu(cpu), 0x200 + (uint32_t)(v / 32) * 0x10) & (1u << (v % 32));
}

static void eoi(unsigned cpu) { apic_reg_write(tcpu(cpu), 0xb0, 0); }

TEST(ioapic, registers)
{
    setup();
    CHECK_EQ(io_read(1), 0x00170011);
    CHECK_EQ(io_read(0x10), 0x10000);              /* masked after reset */
    io_write(0, 0x02000000);
    CHECK_EQ(io_read(0), 0x02000000);
    route(3, 0xa033, 1);
    CHECK_EQ(io_read(0x16), 0xa033);
    CHECK_EQ(io_read(0x17), 0x01000000);
    CHECK_EQ(ioapic_get_entry(io, 3), 0x010000000000a033ULL);
    /* Remote IRR and delivery status are read-only. */
    io_write(0x16, 0x5033);
    CHECK_EQ(io_read(0x16), 0x33);
}

TEST(ioapic, edge_pin_to_cpu)
{
    setup();
    route(4, 0x34, 1);                              /* fixed, physical, edge */
    ioapic_set_irq(io, 4, 1);
    CHECK(irr(1, 0x34));
    CHECK(!irr(0, 0x34));
    CHECK_EQ(apic_get_interrupt(tcpu(1)), 0x34);
    eoi(1);
    /* Holding the line high sends nothing more; the next edge does. */
    ioapic_set_irq(io, 4, 1);
    CHECK(!irr(1, 0x34));
    ioapic_set_irq(io, 4, 0);
    ioapic_set_irq(io, 4, 1);
    CHECK(irr(1, 0x34));
}

TEST(ioapic, level_pin_remote_irr_and_eoi)
{
    setup();
    route(10, 0x8045, 0);                           /* level */
    ioapic_set_irq(io, 10, 1);
    CHECK(irr(0, 0x45));
    CHECK(ioapic_get_entry(io, 10) & (1u << 14));   /* Remote IRR */
    CHECK_EQ(apic_get_interrupt(tcpu(0)), 0x45);
    /* Still asserted at EOI: Remote IRR clears and the pin re-sends. */
    eoi(0);
    CHECK(irr(0, 0x45));
    CHECK_EQ(apic_get_interrupt(tcpu(0)), 0x45);
    ioapic_set_irq(io, 10, 0);
    eoi(0);
    CHECK(!irr(0, 0x45));
    CHECK_EQ(ioapic_get_entry(io, 10) & (1u << 14), 0);
}

TEST(ioapic, mask_and_unmask_level)
{
    setup();
    route(11, 0x18046, 0);                          /* level, masked */
    ioapic_set_irq(io, 11, 1);
    CHECK(!irr(0, 0x46));
    route(11, 0x8046, 0);                           /* unmask while asserted */
    CHECK(irr(0, 0x46));
    /* Masked edge pins lose their edges. */
    route(5, 0x10047, 0);
    ioapic_set_irq(io, 5, 1);
    route(5, 0x47, 0);
    CHECK(!irr(0, 0x47));
}

TEST(ioapic, logical_destination_and_nmi)
{
    setup();
    apic_reg_write(tcpu(1), 0xd0, 0x04000000);
    route(6, 0x848, 0x04);                          /* logical, mask 0x04 */
    ioapic_set_irq(io, 6, 1);
    CHECK(irr(1, 0x48) && !irr(0, 0x48));
    route(7, 0x400, 0);                             /* NMI to CPU 0 */
    ioapic_set_irq(io, 7, 1);
    CHECK(atomic_load(&tcpu(0)->env.interrupt_request) & CPU_INTERRUPT_NMI);
}

TEST(ioapic, extint_pin_asks_the_pic)
{
    setup();
    route(0, 0x700, 0);                             /* ExtINT to CPU 0 */
    ioapic_set_irq(io, 0, 1);
    CHECK(atomic_load(&tcpu(0)->env.interrupt_request) & CPU_INTERRUPT_HARD);
    CHECK_EQ(apic_get_interrupt(tcpu(0)), APIC_EXTINT);
    CHECK_EQ(apic_get_interrupt(tcpu(0)), -1);      /* one INTA per message */
}
