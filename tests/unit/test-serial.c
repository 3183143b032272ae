/* The 16550A on the CPU-less board: registers and DLAB, output to a
 * chardev, receive FIFO and trigger levels, interrupt priorities, character
 * timeout on the virtual clock, overrun, loopback and modem status. */
#include "tests/unit/harness.h"
#include "tests/unit/unit.h"
#include "hw/char/serial.h"
#include "ui/chardev.h"

#include <stdlib.h>
#include <unistd.h>

#define COM1 0x3f8
#define IRQ 4

static Device *uart;

static void uart_setup(const char *props)
{
    uart = harness_device("isa-serial", props);
    gsi_clear();
}

static void rx(const char *s)
{
    serial_receive(uart, (const uint8_t *)s, strlen(s));
}

TEST(serial, registers_and_dlab)
{
    uart_setup(NULL);
    CHECK_EQ(inb(COM1 + 2), 0x01);      /* nothing pending, FIFOs off */
    CHECK_EQ(inb(COM1 + 5), 0x60);      /* THR and transmitter empty */
    CHECK_EQ(inb(COM1 + 6) & 0xf0, 0xb0); /* DCD, DSR, CTS from the host end */
    outb(COM1 + 3, 0x80);
    CHECK_EQ(inb(COM1), 12);            /* 9600 baud */
    outb(COM1, 0x01);
    outb(COM1 + 1, 0x00);
    CHECK_EQ(inb(COM1), 0x01);
    outb(COM1 + 3, 0x03);
    CHECK_EQ(inb(COM1 + 3), 0x03);
    outb(COM1 + 1, 0xff);
    CHECK_EQ(inb(COM1 + 1), 0x0f);      /* four enable bits */
    outb(COM1 + 7, 0x5a);
    CHECK_EQ(inb(COM1 + 7), 0x5a);
    char buf[160];
    uart->cls->info(uart, buf, sizeof(buf));
    CHECK(strstr(buf, "baud=115200") != NULL);
}

TEST(serial, transmit_to_chardev_and_thre_irq)
{
    char path[] = "/tmp/kemu-serial-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    char spec[64];
    snprintf(spec, sizeof(spec), "file:%s", path);
    harness_init();
    CHECK(chr_new("ser0", spec) != NULL);
    uart_setup("chardev=ser0");
    outb(COM1 + 1, 0x02);               /* THRE enable: THR is empty */
    CHECK_EQ(gsi_level(IRQ), 1);
    CHECK_EQ(inb(COM1 + 2), 0x02);
    CHECK_EQ(gsi_level(IRQ), 0);        /* reading IIR cleared it */
    CHECK_EQ(inb(COM1 + 2), 0x01);
    for (const char *p = "hi\n"; *p; p++)
        outb(COM1, (uint8_t)*p);
    CHECK_EQ(gsi_rises(IRQ), 2);
    char got[8] = "";
    CHECK_EQ(pread(fd, got, sizeof(got) - 1, 0), 3);
    CHECK_STR(got, "hi\n");
    close(fd);
    unlink(path);
}

TEST(serial, receive_without_fifo_and_overrun)
{
    uart_setup(NULL);
    outb(COM1 + 1, 0x05);               /* RDA and line status */
    CHECK_EQ(serial_can_receive(uart), 1);
    rx("a");
    CHECK_EQ(gsi_level(IRQ), 1);
    CHECK_EQ(inb(COM1 + 2), 0x04);
    CHECK_EQ(inb(COM1 + 5), 0x61);
    CHECK_EQ(inb(COM1), 'a');
    CHECK_EQ(gsi_level(IRQ), 0);
    CHECK_EQ(inb(COM1 + 5), 0x60);
    rx("bc");                           /* c overwrites b */
    CHECK_EQ(inb(COM1 + 2), 0x06);      /* line status outranks data */
    CHECK_EQ(inb(COM1 + 5), 0x63);      /* DR and OE; reading clears OE */
    CHECK_EQ(inb(COM1 + 2), 0x04);
    CHECK_EQ(inb(COM1), 'c');
    CHECK_EQ(inb(COM1 + 2), 0x01);
}

TEST(serial, fifo_trigger_levels)
{
    uart_setup(NULL);
    outb(COM1 + 1, 0x01);
    outb(COM1 + 2, 0xc7);               /* FIFOs on and cleared, trigger 14 */
    CHECK_EQ(inb(COM1 + 2), 0xc1);
    CHECK_EQ(serial_can_receive(uart), 16);
    rx("0123456789abc");
    CHECK_EQ(gsi_level(IRQ), 0);
    rx("d");
    CHECK_EQ(gsi_level(IRQ), 1);
    CHECK_EQ(inb(COM1 + 2), 0xc4);
    CHECK_EQ(inb(COM1), '0');
    CHECK_EQ(gsi_level(IRQ), 0);        /* 13 left: below the trigger */
    rx("ef");
    CHECK_EQ(serial_can_receive(uart), 1);
    rx("gh");                           /* h is lost: overrun */
    CHECK_EQ(inb(COM1 + 5) & 0x03, 0x03);
    for (const char *p = "123456789abcdefg"; *p; p++)
        CHECK_EQ(inb(COM1), (uint8_t)*p);
    CHECK_EQ(inb(COM1 + 5) & 0x01, 0);
    static const uint8_t fcr[4] = { 0x01, 0x41, 0x81, 0xc1 };
    static const unsigned level[4] = { 1, 4, 8, 14 };
    for (int i = 0; i < 4; i++) {
        outb(COM1 + 2, fcr[i] | 0x02);
        for (unsigned n = 1; n <= level[i]; n++) {
            CHECK_EQ(gsi_level(IRQ), 0);
            rx("x");
        }
        CHECK_EQ(gsi_level(IRQ), 1);
    }
    outb(COM1 + 2, 0xc3);               /* clear the receive FIFO */
    CHECK_EQ(inb(COM1 + 5) & 0x01, 0);
    CHECK_EQ(gsi_level(IRQ), 0);
}

TEST(serial, character_timeout)
{
    uart_setup(NULL);
    outb(COM1 + 3, 0x80);
    outb(COM1, 1);                      /* 115200 baud */
    outb(COM1 + 1, 0);
    outb(COM1 + 3, 0x03);               /* 8N1: 10 bits, 86.8 us */
    outb(COM1 + 1, 0x01);
    outb(COM1 + 2, 0xc1);
    rx("abc");
    int64_t four_chars = 4 * 10 * 16 * NS_PER_SEC / 1843200;
    clock_advance(four_chars - 1);
    CHECK_EQ(gsi_level(IRQ), 0);
    clock_advance(1);
    CHECK_EQ(gsi_level(IRQ), 1);
    CHECK_EQ(inb(COM1 + 2), 0xcc);
    CHECK_EQ(inb(COM1), 'a');           /* a read clears it and restarts */
    CHECK_EQ(gsi_level(IRQ), 0);
    clock_advance(four_chars / 2);
    rx("d");                            /* so does a new character */
    clock_advance(four_chars - 1);
    CHECK_EQ(gsi_level(IRQ), 0);
    clock_advance(1);
    CHECK_EQ(inb(COM1 + 2), 0xcc);
    rx("e");                            /* a pending timeout stays */
    CHECK_EQ(inb(COM1 + 2), 0xcc);
    for (int i = 0; i < 4; i++)
        inb(COM1);
    clock_advance(10 * four_chars);
    CHECK_EQ(inb(COM1 + 2), 0xc1);      /* empty FIFO: no timeout */
}

TEST(serial, loopback_and_modem_status)
{
    uart_setup(NULL);
    outb(COM1 + 4, 0x10);               /* loopback, all outputs off */
    CHECK_EQ(inb(COM1 + 6), 0x0b);      /* CTS, DSR, DCD dropped: deltas */
    CHECK_EQ(inb(COM1 + 6), 0x00);
    CHECK_EQ(serial_can_receive(uart), 0);
    rx("z");                            /* the line is disconnected */
    CHECK_EQ(inb(COM1 + 5) & 0x01, 0);
    outb(COM1, 'A');
    CHECK_EQ(inb(COM1 + 5), 0x61);
    CHECK_EQ(inb(COM1), 'A');
    outb(COM1 + 1, 0x08);               /* modem status interrupts */
    outb(COM1 + 4, 0x1f);
    CHECK_EQ(gsi_level(IRQ), 1);
    CHECK_EQ(inb(COM1 + 2), 0x00);
    CHECK_EQ(inb(COM1 + 6), 0xfb);      /* RI rising is no delta */
    CHECK_EQ(gsi_level(IRQ), 0);
    outb(COM1 + 4, 0x1b);               /* OUT1 off: RI trailing edge */
    CHECK_EQ(inb(COM1 + 6), 0xb4);
    outb(COM1 + 1, 0x04);
    outb(COM1 + 3, 0x43);               /* break, looped back */
    CHECK_EQ(gsi_level(IRQ), 1);
    CHECK_EQ(inb(COM1 + 5), 0x71);
    CHECK_EQ(inb(COM1), 0);
    outb(COM1 + 3, 0x03);
    outb(COM1 + 2, 0x01);               /* with FIFOs, bit 7 flags the error */
    outb(COM1 + 3, 0x43);
    CHECK_EQ(inb(COM1 + 5), 0xf1);
    CHECK_EQ(inb(COM1 + 5), 0x61);
    outb(COM1 + 3, 0x03);
    outb(COM1 + 4, 0x0b);
    CHECK_EQ(serial_can_receive(uart), 15);  /* loopback off: the line is back */
}

TEST(serial, reset)
{
    uart_setup("iobase=0x2f8,irq=3");
    outb(0x2f8 + 1, 0x02);
    CHECK_EQ(gsi_level(3), 1);
    outb(0x2f8 + 2, 0x01);
    outb(0x2f8 + 7, 0x11);
    uart->cls->reset(uart);
    CHECK_EQ(gsi_level(3), 0);
    CHECK_EQ(inb(0x2f8 + 1), 0);
    CHECK_EQ(inb(0x2f8 + 2), 0x01);
    CHECK_EQ(inb(0x2f8 + 7), 0x11);     /* scratch survives */
    CHECK(device_create("isa-serial", "chardev=nosuch") == NULL);
}
