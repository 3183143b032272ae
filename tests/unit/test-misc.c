/* isa-debug-exit, port 0x80 and port 0x92 on the CPU-less board. */
#include "tests/unit/harness.h"
#include "tests/unit/unit.h"

TEST(misc, debug_exit_status)
{
    Machine *m = harness_init();
    harness_device("isa-debug-exit", "iobase=0xf4,iosize=4");
    CHECK_EQ(m->shutdown_requested, 0);
    outb(0xf4, 0x10);
    CHECK_EQ(m->shutdown_requested, 1);
    CHECK_EQ(m->exit_code, 0x21);
    outl(0xf4, 0);
    CHECK_EQ(m->exit_code, 1);
    outw(0xf6, 3);                      /* any port of the range */
    CHECK_EQ(m->exit_code, 7);
    CHECK_EQ(inb(0xf8), 0xff);          /* beyond iosize: unassigned */
}

TEST(misc, debug_exit_defaults_and_bad_range)
{
    Machine *m = harness_init();
    Device *d = harness_device("isa-debug-exit", NULL);
    outb(0x502, 1);
    CHECK_EQ(m->shutdown_requested, 1);
    CHECK_EQ(m->exit_code, 3);
    char buf[64];
    d->cls->info(d, buf, sizeof(buf));
    CHECK_STR(buf, "iobase=0x501 iosize=0x2");
    Device *bad = device_create("isa-debug-exit", "iobase=0xffff,iosize=4");
    CHECK(bad != NULL);
    CHECK(device_realize(bad, m) == -1);
    CHECK(device_create("isa-debug-exit", "iobase=zz") == NULL);
}

TEST(misc, port80_reads_last_value)
{
    harness_init();
    harness_device("ioport80", NULL);
    CHECK_EQ(inb(0x80), 0);
    outb(0x80, 0x5c);
    CHECK_EQ(inb(0x80), 0x5c);
}

TEST(misc, port92_a20_and_fast_reset)
{
    Machine *m = harness_init();
    harness_device("port92", NULL);
    CHECK_EQ(inb(0x92), 0x02);          /* A20 on from reset */
    outb(0x92, 0x00);
    CHECK_EQ(m->a20, false);
    CHECK_EQ(inb(0x92), 0x00);
    outb(0x92, 0x02);
    CHECK_EQ(m->a20, true);
    CHECK_EQ(m->reset_requested, 0);
    outb(0x92, 0x03);                   /* bit 0 rising: reset */
    CHECK_EQ(m->reset_requested, 1);
    m->reset_requested = 0;
    outb(0x92, 0x03);                   /* no new edge */
    CHECK_EQ(m->reset_requested, 0);
    m->a20 = false;                     /* the i8042 closed the gate */
    CHECK_EQ(inb(0x92) & 0x02, 0);
}
