/* The 8259A pair on the CPU-less board: initialization, priorities, EOI,
 * cascade, masks, ELCR, poll, rotation and spurious interrupts. */
#include "tests/unit/harness.h"
#include "tests/unit/unit.h"
#include "hw/intc/i8259.h"

static Device *pic;

/* The BIOS/Linux set-up: vectors 0x08 and 0x70, cascade on IR2, 8086 mode. */
static void pic_init_regs(uint8_t icw4)
{
    outb(0x20, 0x11); outb(0x21, 0x08); outb(0x21, 0x04); outb(0x21, icw4);
    outb(0xa0, 0x11); outb(0xa1, 0x70); outb(0xa1, 0x02); outb(0xa1, icw4);
    outb(0x21, 0x00);
    outb(0xa1, 0x00);
}

static void pic_setup(uint8_t icw4)
{
    pic = harness_device("i8259", NULL);
    pic_init_regs(icw4);
}

static int intr(void) { return i8259_intr(pic)->level; }
static void set_irq(int n, int level) { i8259_set_irq(pic, n, level); }
static void pulse(int n) { set_irq(n, 1); set_irq(n, 0); }

static uint8_t read_isr(uint16_t port) { outb(port, 0x0b); return inb(port); }
static uint8_t read_irr(uint16_t port) { outb(port, 0x0a); return inb(port); }

TEST(pic, edge_ack_eoi)
{
    pic_setup(0x01);
    CHECK_EQ(intr(), 0);
    pulse(0);
    CHECK_EQ(intr(), 1);
    CHECK_EQ(read_irr(0x20), 0x01);
    CHECK_EQ(i8259_ack(pic), 0x08);
    CHECK_EQ(intr(), 0);
    CHECK_EQ(read_isr(0x20), 0x01);
    CHECK_EQ(read_irr(0x20), 0x00);
    outb(0x20, 0x20);               /* non-specific EOI */
    CHECK_EQ(read_isr(0x20), 0x00);
    CHECK_EQ(intr(), 0);
}

TEST(pic, fixed_priorities_and_nesting)
{
    pic_setup(0x01);
    pulse(3);
    pulse(1);
    CHECK_EQ(i8259_ack(pic), 0x09);     /* IRQ1 beats IRQ3 */
    CHECK_EQ(intr(), 0);                /* IRQ3 waits behind IRQ1 in service */
    pulse(0);
    CHECK_EQ(intr(), 1);                /* IRQ0 outranks it: nests */
    CHECK_EQ(i8259_ack(pic), 0x08);
    CHECK_EQ(read_isr(0x20), 0x03);
    outb(0x20, 0x20);                   /* EOI clears the highest: IRQ0 */
    CHECK_EQ(read_isr(0x20), 0x02);
    CHECK_EQ(intr(), 0);
    outb(0x20, 0x61);                   /* specific EOI for IRQ1 */
    CHECK_EQ(intr(), 1);
    CHECK_EQ(i8259_ack(pic), 0x0b);
}

TEST(pic, cascade_slave)
{
    pic_setup(0x01);
    pulse(10);
    CHECK_EQ(intr(), 1);
    CHECK_EQ(read_irr(0xa0), 0x04);
    CHECK_EQ(i8259_ack(pic), 0x72);
    CHECK_EQ(read_isr(0x20), 0x04);
    CHECK_EQ(read_isr(0xa0), 0x04);
    pulse(4);                           /* lower than IR2 in service */
    CHECK_EQ(intr(), 0);
    outb(0xa0, 0x20);
    outb(0x20, 0x20);
    CHECK_EQ(read_isr(0xa0), 0);
    CHECK_EQ(intr(), 1);
    CHECK_EQ(i8259_ack(pic), 0x0c);
    /* Slave priorities: IRQ8 over IRQ15. */
    outb(0x20, 0x20);
    pulse(15);
    pulse(8);
    CHECK_EQ(i8259_ack(pic), 0x70);
}

TEST(pic, masks)
{
    pic_setup(0x01);
    outb(0x21, 0xfe);
    outb(0xa1, 0xff);
    CHECK_EQ(inb(0x21), 0xfe);
    CHECK_EQ(inb(0xa1), 0xff);
    pulse(1);
    pulse(9);
    CHECK_EQ(intr(), 0);
    CHECK_EQ(read_irr(0x20), 0x02);     /* requests are still latched */
    outb(0x21, 0xf8);                   /* unmask IRQ1 and the cascade */
    CHECK_EQ(intr(), 1);
    CHECK_EQ(i8259_ack(pic), 0x09);
    outb(0x20, 0x20);
    CHECK_EQ(intr(), 0);
    outb(0xa1, 0x00);
    CHECK_EQ(i8259_ack(pic), 0x71);
}

TEST(pic, elcr_level_triggered)
{
    pic_setup(0x01);
    outb(0x4d0, 0xff);
    CHECK_EQ(inb(0x4d0), 0xf8);         /* IRQ0-2 are always edge */
    outb(0x4d1, 0xff);
    CHECK_EQ(inb(0x4d1), 0xde);         /* IRQ8 and IRQ13 too */
    outb(0x4d1, 0x04);                  /* IRQ10 level */
    set_irq(10, 1);
    CHECK_EQ(i8259_ack(pic), 0x72);
    outb(0xa0, 0x20);
    outb(0x20, 0x20);
    CHECK_EQ(intr(), 1);                /* still asserted: asks again */
    CHECK_EQ(i8259_ack(pic), 0x72);
    set_irq(10, 0);
    outb(0xa0, 0x20);
    outb(0x20, 0x20);
    CHECK_EQ(intr(), 0);
    /* An edge input held high asks only once. */
    set_irq(1, 1);
    CHECK_EQ(i8259_ack(pic), 0x09);
    outb(0x20, 0x20);
    CHECK_EQ(intr(), 0);
}

TEST(pic, spurious_master_and_slave)
{
    pic_setup(0x01);
    outb(0x4d0, 0x80);                  /* IRQ7 level, so it can go away */
    outb(0x4d1, 0x02);                  /* IRQ9 level */
    set_irq(7, 1);
    CHECK_EQ(intr(), 1);
    set_irq(7, 0);                      /* withdrawn before INTA */
    CHECK_EQ(i8259_ack(pic), 0x0f);
    CHECK_EQ(read_isr(0x20), 0x00);     /* spurious IR7 sets nothing */
    set_irq(9, 1);
    CHECK_EQ(intr(), 1);
    i8259_set_irq(pic, 9, 0);
    CHECK_EQ(i8259_ack(pic), 0x0f);     /* gone from the master too */
    /* The cascade input follows the slave's output as a level: masking
     * the slave's request withdraws it from the master too. */
    set_irq(9, 1);
    outb(0xa1, 0x02);
    CHECK_EQ(intr(), 0);
    CHECK_EQ(read_irr(0x20) & 0x04, 0);
    outb(0xa1, 0x00);
    CHECK_EQ(i8259_ack(pic), 0x71);
}

TEST(pic, auto_eoi)
{
    pic_setup(0x03);
    pulse(4);
    CHECK_EQ(i8259_ack(pic), 0x0c);
    CHECK_EQ(read_isr(0x20), 0x00);
    pulse(12);
    pulse(11);
    CHECK_EQ(i8259_ack(pic), 0x73);
    CHECK_EQ(intr(), 1);                /* slave still has IRQ12 */
    CHECK_EQ(i8259_ack(pic), 0x74);
    CHECK_EQ(intr(), 0);
}

TEST(pic, rotation)
{
    pic_setup(0x01);
    pulse(0);
    CHECK_EQ(i8259_ack(pic), 0x08);
    outb(0x20, 0xa0);                   /* rotate on non-specific EOI */
    pulse(0);
    pulse(1);
    CHECK_EQ(i8259_ack(pic), 0x09);     /* IRQ0 is now the lowest */
    outb(0x20, 0xe1);                   /* rotate on specific EOI 1: IRQ2 first */
    CHECK_EQ(i8259_ack(pic), 0x08);
    outb(0x20, 0x20);
    outb(0x20, 0xc3);                   /* set priority: IRQ4 highest */
    pulse(3);
    pulse(5);
    CHECK_EQ(i8259_ack(pic), 0x0d);
    outb(0x20, 0x20);
    CHECK_EQ(i8259_ack(pic), 0x0b);
    outb(0x20, 0x20);
}

TEST(pic, rotate_in_auto_eoi)
{
    pic_setup(0x03);
    outb(0x20, 0x80);                   /* rotate in automatic EOI mode */
    pulse(2 + 1);
    CHECK_EQ(i8259_ack(pic), 0x0b);
    pulse(3);
    pulse(6);
    CHECK_EQ(i8259_ack(pic), 0x0e);     /* IRQ3 went to the bottom */
}

TEST(pic, poll_mode)
{
    pic_setup(0x01);
    outb(0x21, 0xff);                   /* polling works with the line masked */
    outb(0x20, 0x0c);
    CHECK_EQ(inb(0x20), 0x00);          /* nothing pending */
    outb(0x21, 0x00);
    pulse(6);
    outb(0x20, 0x0c);
    CHECK_EQ(inb(0x20), 0x86);
    CHECK_EQ(read_isr(0x20), 0x40);     /* the read acknowledged it */
    CHECK_EQ(intr(), 0);
}

TEST(pic, special_mask_mode)
{
    pic_setup(0x01);
    pulse(1);
    CHECK_EQ(i8259_ack(pic), 0x09);
    pulse(5);
    CHECK_EQ(intr(), 0);
    outb(0x20, 0x68);                   /* set special mask */
    outb(0x21, 0x02);                   /* mask the level in service */
    CHECK_EQ(intr(), 1);                /* lower IRQ5 is now enabled */
    CHECK_EQ(i8259_ack(pic), 0x0d);
    outb(0x20, 0x65);                   /* specific EOI 5 */
    outb(0x20, 0x48);                   /* reset special mask */
    outb(0x21, 0x00);
    outb(0x20, 0x61);
    CHECK_EQ(read_isr(0x20), 0);
}

TEST(pic, reinit_clears_state)
{
    pic_setup(0x01);
    pulse(3);
    CHECK_EQ(i8259_ack(pic), 0x0b);
    outb(0x21, 0x55);
    outb(0x20, 0x11); outb(0x21, 0x20); outb(0x21, 0x04); outb(0x21, 0x01);
    CHECK_EQ(inb(0x21), 0x00);
    CHECK_EQ(read_isr(0x20), 0x00);
    pulse(3);
    CHECK_EQ(i8259_ack(pic), 0x23);     /* new vector base */
    char buf[200];
    pic->cls->info(pic, buf, sizeof(buf));
    CHECK(strstr(buf, "base=20") != NULL);
}

/* The devices through the PIC as the board wires them: the PIT's IRQ 0
 * (an edge per period) and the RTC's IRQ 8 (a level until C is read). */
TEST(pic, pit_and_rtc_through_the_pic)
{
    pic_setup(0x01);
    Machine *m = harness_machine();
    for (int i = 0; i < 16; i++)
        irq_connect(&m->gsi[i], i8259_set_irq, pic, i);
    harness_device("i8254", NULL);
    harness_device("mc146818rtc", NULL);
    pic_init_regs(0x01);                /* the PIT's reset raised IRQ 0 */
    outb(0x43, 0x34);                   /* mode 2, 1193 ticks: ~1 ms */
    outb(0x40, 1193 & 0xff);
    outb(0x40, 1193 >> 8);
    for (int i = 0; i < 5; i++) {
        CHECK_EQ(intr(), 0);
        clock_advance(1000000);
        CHECK_EQ(intr(), 1);
        CHECK_EQ(i8259_ack(pic), 0x08);
        outb(0x20, 0x20);
    }
    outb(0x43, 0x30);                   /* stop the PIT: mode 0, no count */
    outb(0x70, 0x0c);
    inb(0x71);
    outb(0x70, 0x0b);
    outb(0x71, 0x42);                   /* RTC periodic interrupt, 1024 Hz */
    clock_advance(1000000);
    CHECK_EQ(intr(), 1);
    CHECK_EQ(i8259_ack(pic), 0x70);
    outb(0x70, 0x0c);
    CHECK_EQ(inb(0x71) & 0xc0, 0xc0);
    outb(0xa0, 0x20);
    outb(0x20, 0x20);
    CHECK_EQ(intr(), 0);
}
