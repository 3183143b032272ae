/* isa-debug-exit, port 0x80 and port 0x92 on the CPU-less board. */
#include "tests/unit/harness.h"
#include "tests/unit/unit.h"
#include "hw/intc/i8259.h"

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

/* Bad guest input: random writes and reads on every port of the ISA devices,
 * with time passing and interrupts acknowledged, must not crash or leave a
 * device that a reset does not bring back to its defaults. */
static uint32_t rng_state = 0x12345678;

static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

TEST(misc, random_port_abuse_then_reset)
{
    static const uint16_t ports[] = {
        0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1, 0x40, 0x41, 0x42, 0x43, 0x61,
        0x60, 0x64, 0x70, 0x71, 0x80, 0x92,
        0x3f8, 0x3f9, 0x3fa, 0x3fb, 0x3fc, 0x3fd, 0x3fe, 0x3ff,
    };
    Machine *m = harness_init();
    Device *pic = harness_device("i8259", NULL);
    for (int i = 0; i < 16; i++)
        irq_connect(&m->gsi[i], i8259_set_irq, pic, i);
    static const char *const names[] = { "i8254", "mc146818rtc", "i8042", "ioport80",
                                         "port92", "isa-serial" };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        harness_device(names[i], NULL);
    for (int i = 0; i < 200000; i++) {
        uint32_t r = rng();
        uint16_t port = ports[r % (sizeof(ports) / sizeof(ports[0]))];
        if (r & 0x100)
            outb(port, (uint8_t)(r >> 16));
        else
            inb(port);
        if ((r & 0xff000) == 0)
            clock_step(r >> 20);
        if (i8259_intr(pic)->level && (r & 0x200)) {
            int vec = i8259_ack(pic);
            CHECK(vec >= 0 && vec <= 0xff);
        }
    }
    machine_reset(m);
    CHECK_EQ(inb(0x21), 0x00);
    CHECK_EQ(inb(0x3fa), 0x01);
    CHECK_EQ(inb(0x3fd), 0x60);
    CHECK_EQ(inb(0x64), 0x18);
    outb(0x70, 0x0b);
    CHECK_EQ(inb(0x71) & 0x78, 0);
    outb(0x43, 0xe2);
    CHECK_EQ(inb(0x40), 0xf6);
    CHECK_EQ(inb(0x80), 0);
}
