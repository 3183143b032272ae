/* The 8042 on the CPU-less board: self-test, interface tests, command byte,
 * output port (A20, reset), pulse reset, keyboard and mouse commands,
 * queued scan codes and IRQ 1/12. */
#include "tests/unit/harness.h"
#include "tests/unit/unit.h"
#include "hw/input/i8042.h"

static Device *kbc_setup(void)
{
    Device *d = harness_device("i8042", NULL);
    gsi_clear();
    return d;
}

/* Read one byte the way a driver does: wait for OBF. */
static int read_data(void)
{
    if (!(inb(0x64) & 0x01))
        return -1;
    return inb(0x60);
}

static void command(uint8_t cmd) { outb(0x64, cmd); }

TEST(i8042, self_test_and_interface_tests)
{
    kbc_setup();
    CHECK_EQ(inb(0x64) & 0x05, 0x00);   /* empty, cold boot */
    command(0xaa);
    CHECK_EQ(inb(0x64) & 0x0d, 0x0d);   /* OBF, SYS, last write a command */
    CHECK_EQ(read_data(), 0x55);
    CHECK_EQ(read_data(), -1);
    command(0xab);
    CHECK_EQ(read_data(), 0x00);
    command(0xa9);
    CHECK_EQ(read_data(), 0x00);
    command(0xa4);
    CHECK_EQ(read_data(), 0xf1);
}

TEST(i8042, command_byte_and_ram)
{
    kbc_setup();
    command(0x20);
    CHECK_EQ(read_data(), 0x03);
    command(0x60);
    outb(0x60, 0x65);
    command(0x20);
    CHECK_EQ(read_data(), 0x65);
    CHECK_EQ(inb(0x64) & 0x04, 0x04);   /* SYS follows the command byte */
    command(0x75);
    outb(0x60, 0x3c);
    command(0x35);
    CHECK_EQ(read_data(), 0x3c);
}

TEST(i8042, pulse_reset_reaches_machine)
{
    kbc_setup();
    Machine *m = harness_machine();
    command(0xff);                      /* pulses nothing */
    CHECK_EQ(m->reset_requested, 0);
    command(0xfe);
    CHECK_EQ(m->reset_requested, 1);
}

TEST(i8042, output_port_reset_and_a20)
{
    kbc_setup();
    Machine *m = harness_machine();
    command(0xd0);
    CHECK_EQ(read_data() & 0x03, 0x03);
    command(0xd1);
    outb(0x60, 0xc1);                   /* A20 off, reset line high */
    CHECK_EQ(m->a20, false);
    CHECK_EQ(m->reset_requested, 0);
    command(0xd0);
    CHECK_EQ(read_data() & 0x03, 0x01);
    command(0xdf);
    CHECK_EQ(m->a20, true);
    command(0xdd);
    CHECK_EQ(m->a20, false);
    command(0xd1);
    outb(0x60, 0xc2);                   /* reset line low */
    CHECK_EQ(m->reset_requested, 1);
    CHECK_EQ(m->a20, true);
}

TEST(i8042, keyboard_reset_and_irq1)
{
    kbc_setup();
    outb(0x60, 0xff);
    CHECK_EQ(inb(0x64) & 0x08, 0);      /* last write was data */
    CHECK_EQ(gsi_level(1), 1);
    CHECK_EQ(read_data(), 0xfa);
    CHECK_EQ(gsi_rises(1), 2);          /* the next byte asks again */
    CHECK_EQ(read_data(), 0xaa);
    CHECK_EQ(gsi_level(1), 0);
    outb(0x60, 0xf2);
    CHECK_EQ(read_data(), 0xfa);
    CHECK_EQ(read_data(), 0xab);
    CHECK_EQ(read_data(), 0x83);
    outb(0x60, 0xed);
    CHECK_EQ(read_data(), 0xfa);
    outb(0x60, 0x07);
    CHECK_EQ(read_data(), 0xfa);
    outb(0x60, 0xf0);
    outb(0x60, 0x00);
    CHECK_EQ(read_data(), 0xfa);
    CHECK_EQ(read_data(), 0xfa);
    CHECK_EQ(read_data(), 0x02);
    outb(0x60, 0xee);
    CHECK_EQ(read_data(), 0xee);
    outb(0x60, 0x12);                   /* not a command */
    CHECK_EQ(read_data(), 0xfe);
}

TEST(i8042, keyboard_irq_needs_enable)
{
    kbc_setup();
    command(0x60);
    outb(0x60, 0x00);                   /* interrupts off */
    outb(0x60, 0xf4);
    CHECK_EQ(gsi_level(1), 0);
    CHECK_EQ(read_data(), 0xfa);
}

TEST(i8042, queued_scancodes_and_disable)
{
    Device *d = kbc_setup();
    static const uint8_t codes[] = { 0x1c, 0xf0, 0x1c };
    command(0xad);                      /* keyboard interface disabled */
    i8042_queue_kbd(d, codes, 3);
    CHECK_EQ(read_data(), -1);
    command(0x20);                      /* controller replies still come */
    CHECK_EQ(read_data(), 0x13);
    command(0xae);
    CHECK_EQ(read_data(), 0x1c);
    CHECK_EQ(read_data(), 0xf0);
    CHECK_EQ(read_data(), 0x1c);
    CHECK_EQ(read_data(), -1);
    outb(0x60, 0xf5);                   /* scanning off: keys dropped */
    CHECK_EQ(read_data(), 0xfa);
    i8042_queue_kbd(d, codes, 1);
    CHECK_EQ(read_data(), -1);
    uint8_t many[40] = { 0 };
    outb(0x60, 0xf4);
    CHECK_EQ(read_data(), 0xfa);
    i8042_queue_kbd(d, many, sizeof(many));
    CHECK_EQ(read_data(), -1);          /* an event larger than the queue: dropped whole */
    for (size_t i = 0; i < sizeof(many); i++)
        i8042_queue_kbd(d, many + i, 1);
    int n = 0;
    while (read_data() >= 0)
        n++;
    CHECK_EQ(n, 17);                    /* output buffer + 16 queued */
    static const uint8_t packet[3] = { 0x08, 1, 1 };
    for (int i = 0; i < 6; i++)         /* 18 bytes: the sixth packet does not fit */
        i8042_queue_kbd(d, packet, 3);
    n = 0;
    while (read_data() >= 0)
        n++;
    CHECK_EQ(n, 15);                    /* five whole packets, never half of one */
}

TEST(i8042, mouse_probe_and_irq12)
{
    Device *d = kbc_setup();
    command(0xd3);                      /* aux loopback, what Linux tries first */
    outb(0x60, 0x5a);
    CHECK_EQ(inb(0x64) & 0x21, 0x21);
    CHECK_EQ(gsi_level(12), 1);
    CHECK_EQ(gsi_level(1), 0);
    CHECK_EQ(inb(0x60), 0x5a);
    CHECK_EQ(gsi_level(12), 0);
    command(0xd4);
    outb(0x60, 0xff);
    CHECK_EQ(read_data(), 0xfa);
    CHECK_EQ(read_data(), 0xaa);
    CHECK_EQ(read_data(), 0x00);
    command(0xd4);
    outb(0x60, 0xf3);
    CHECK_EQ(read_data(), 0xfa);
    command(0xd4);
    outb(0x60, 200);
    CHECK_EQ(read_data(), 0xfa);
    command(0xd4);
    outb(0x60, 0xf4);
    CHECK_EQ(read_data(), 0xfa);
    command(0xd4);
    outb(0x60, 0xe9);
    CHECK_EQ(read_data(), 0xfa);
    CHECK_EQ(read_data(), 0x20);        /* stream mode, reporting */
    CHECK_EQ(read_data(), 0x02);
    CHECK_EQ(read_data(), 200);
    command(0xd4);
    outb(0x60, 0xf2);
    CHECK_EQ(read_data(), 0xfa);
    CHECK_EQ(read_data(), 0x00);
    static const uint8_t packet[] = { 0x09, 0x01, 0xff };
    i8042_queue_aux(d, packet, 3);
    CHECK_EQ(inb(0x64) & 0x20, 0x20);
    command(0xa7);                      /* aux disabled: the rest waits */
    CHECK_EQ(read_data(), 0x09);
    CHECK_EQ(read_data(), -1);
    command(0xa8);
    CHECK_EQ(read_data(), 0x01);
    CHECK_EQ(read_data(), 0xff);
}

TEST(i8042, reset_and_info)
{
    Device *d = kbc_setup();
    outb(0x60, 0xff);
    d->cls->reset(d);
    CHECK_EQ(read_data(), -1);
    CHECK_EQ(gsi_level(1), 0);
    char buf[128];
    d->cls->info(d, buf, sizeof(buf));
    CHECK(strstr(buf, "cmd=03") != NULL);
}

TEST(i8042, guest_scancode_set)
{
    Device *d = kbc_setup();
    CHECK_EQ(i8042_guest_scancode_set(d), 2);
    command(0x60);
    outb(0x60, 0x43);                   /* translate on */
    CHECK_EQ(i8042_guest_scancode_set(d), 1);
    outb(0x60, 0xf2);                   /* identify, as translated */
    CHECK_EQ(read_data(), 0xfa);
    CHECK_EQ(read_data(), 0xab);
    CHECK_EQ(read_data(), 0x41);
    outb(0x60, 0xf0);
    outb(0x60, 0x03);
    CHECK_EQ(read_data(), 0xfa);
    CHECK_EQ(read_data(), 0xfa);
    CHECK_EQ(i8042_guest_scancode_set(d), 3);
}
