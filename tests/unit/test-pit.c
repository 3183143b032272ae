/* The 8254 on the CPU-less board: counts and IRQ 0 timing on the virtual
 * clock in every mode, latch and read-back, BCD, byte access modes, and the
 * port 0x61 gate/OUT2/refresh bits Linux calibrates the TSC with. */
#include "tests/unit/harness.h"
#include "tests/unit/unit.h"
#include "hw/timer/i8254.h"

/* Virtual time at which tick t of the 1.193182 MHz clock has passed. */
static int64_t tick_ns(int64_t t)
{
    return (t * NS_PER_SEC + PIT_FREQ - 1) / PIT_FREQ;
}

static Device *pit_setup(void)
{
    Device *pit = harness_device("i8254", NULL);
    gsi_clear();
    return pit;
}

static void program(int ch, uint8_t mode_bits, uint16_t count)
{
    outb(0x43, (uint8_t)(ch << 6 | 0x30 | mode_bits));
    outb((uint16_t)(0x40 + ch), count & 0xff);
    outb((uint16_t)(0x40 + ch), count >> 8);
}

static uint16_t latch_read(int ch)
{
    outb(0x43, (uint8_t)(ch << 6));
    uint16_t lo = inb((uint16_t)(0x40 + ch));
    return (uint16_t)(lo | inb((uint16_t)(0x40 + ch)) << 8);
}

TEST(pit, mode2_rate_generator_irq_timing)
{
    pit_setup();
    program(0, 0x4, 1193);              /* about 1 kHz */
    CHECK_EQ(gsi_level(0), 1);
    clock_advance(tick_ns(1192) - 1);
    CHECK_EQ(gsi_level(0), 1);
    clock_advance(1);
    CHECK_EQ(gsi_level(0), 0);          /* low for the clock at count 1 */
    clock_advance(tick_ns(1193) - tick_ns(1192));
    CHECK_EQ(gsi_level(0), 1);
    CHECK_EQ(gsi_rises(0), 1);
    CHECK_EQ(gsi_last_rise(0), tick_ns(1193));
    clock_advance(tick_ns(11930) - tick_ns(1193));
    CHECK_EQ(gsi_rises(0), 10);
    CHECK_EQ(gsi_last_rise(0), tick_ns(11930));
    CHECK_EQ(clock_ns(), 9998475);      /* 10 periods of 838.1 ns * 1193 */
}

TEST(pit, mode2_counter_values)
{
    Device *pit = pit_setup();
    program(0, 0x4, 1000);
    CHECK_EQ(latch_read(0), 1000);
    clock_advance(tick_ns(250));
    CHECK_EQ(latch_read(0), 750);
    clock_advance(tick_ns(1250) - tick_ns(250));
    CHECK_EQ(latch_read(0), 750);       /* reloaded at 0 */
    CHECK_EQ(i8254_get_count(pit, 0), 750);
}

TEST(pit, mode0_interrupt_on_terminal_count)
{
    pit_setup();
    program(0, 0x0, 5000);
    CHECK_EQ(gsi_level(0), 0);
    clock_advance(tick_ns(4999));
    CHECK_EQ(gsi_level(0), 0);
    CHECK_EQ(latch_read(0), 1);
    clock_advance(tick_ns(5000) - tick_ns(4999));
    CHECK_EQ(gsi_level(0), 1);
    CHECK_EQ(gsi_last_rise(0), tick_ns(5000));
    clock_advance(tick_ns(100000));
    CHECK_EQ(gsi_rises(0), 1);          /* one-shot: stays high */
    /* The counter keeps wrapping down after terminal count. */
    CHECK_EQ(latch_read(0), (uint16_t)(5000 - 105000 + 65536 * 2));
    /* Writing the first byte of a new count drops OUT. */
    outb(0x40, 0x10);
    CHECK_EQ(gsi_level(0), 0);
    outb(0x40, 0x00);
    clock_advance(tick_ns(16));
    CHECK_EQ(gsi_level(0), 1);
}

TEST(pit, mode3_square_wave)
{
    Device *pit = pit_setup();
    program(0, 0x6, 101);               /* odd: high 51, low 50 */
    CHECK_EQ(gsi_level(0), 1);
    clock_advance(tick_ns(50));
    CHECK_EQ(i8254_get_out(pit, 0), 1);
    clock_advance(tick_ns(51) - tick_ns(50));
    CHECK_EQ(gsi_level(0), 0);
    clock_advance(tick_ns(101) - tick_ns(51));
    CHECK_EQ(gsi_level(0), 1);
    CHECK_EQ(gsi_rises(0), 1);
    clock_advance(tick_ns(101 * 100) - tick_ns(101));
    CHECK_EQ(gsi_rises(0), 100);
    CHECK_EQ(gsi_falls(0), 100);
    /* Counts down by two. */
    program(0, 0x6, 100);
    clock_advance(tick_ns(10));
    CHECK_EQ(latch_read(0), 80);
}

TEST(pit, mode4_software_strobe)
{
    pit_setup();
    program(0, 0x8, 300);
    CHECK_EQ(gsi_level(0), 1);
    clock_advance(tick_ns(300));
    CHECK_EQ(gsi_level(0), 0);          /* one clock low at 0 */
    CHECK_EQ(gsi_falls(0), 1);
    clock_advance(tick_ns(301) - tick_ns(300));
    CHECK_EQ(gsi_level(0), 1);
    CHECK_EQ(gsi_last_rise(0), tick_ns(301));
    clock_advance(tick_ns(70000));
    CHECK_EQ(gsi_rises(0), 1);
}

TEST(pit, mode1_one_shot_on_gate_trigger)
{
    pit_setup();
    outb(0x61, 0x00);
    program(2, 0x2, 200);
    CHECK_EQ(inb(0x61) & 0x20, 0x20);   /* armed, OUT high */
    clock_advance(tick_ns(1000));
    CHECK_EQ(inb(0x61) & 0x20, 0x20);   /* nothing happens without a trigger */
    int64_t t0 = clock_ns();
    outb(0x61, 0x01);                   /* gate rises: trigger */
    CHECK_EQ(inb(0x61) & 0x21, 0x01);
    clock_advance(tick_ns(199));
    CHECK_EQ(inb(0x61) & 0x20, 0x00);
    clock_step(t0 + tick_ns(200) - clock_ns());
    CHECK_EQ(inb(0x61) & 0x20, 0x20);
    /* Retrigger: low again for a full count. */
    outb(0x61, 0x00);
    outb(0x61, 0x01);
    CHECK_EQ(inb(0x61) & 0x20, 0x00);
}

TEST(pit, mode5_hardware_strobe)
{
    Device *pit = pit_setup();
    outb(0x61, 0x00);
    program(2, 0xa, 50);
    clock_advance(tick_ns(500));
    CHECK_EQ(i8254_get_out(pit, 2), 1);
    int64_t t0 = clock_ns();
    outb(0x61, 0x01);
    clock_step(t0 + tick_ns(50) - clock_ns());
    CHECK_EQ(i8254_get_out(pit, 2), 0);
    clock_step(t0 + tick_ns(51) - clock_ns());
    CHECK_EQ(i8254_get_out(pit, 2), 1);
}

/* What Linux's TSC calibration does: counter 2, mode 0, gate via 0x61,
 * poll OUT2 in bit 5. */
TEST(pit, port61_gate_holds_mode0)
{
    pit_setup();
    outb(0x61, 0x00);
    program(2, 0x0, 1000);
    clock_advance(tick_ns(5000));
    CHECK_EQ(latch_read(2), 1000);      /* gate low: not counting */
    CHECK_EQ(inb(0x61) & 0x20, 0);
    int64_t t0 = clock_ns();
    outb(0x61, 0x01);
    clock_step(t0 + tick_ns(400) - clock_ns());
    CHECK_EQ(latch_read(2), 600);
    outb(0x61, 0x00);                   /* hold */
    clock_advance(tick_ns(3000));
    CHECK_EQ(latch_read(2), 600);
    int64_t t1 = clock_ns();
    outb(0x61, 0x03);                   /* resume, speaker enabled */
    CHECK_EQ(inb(0x61) & 0x03, 0x03);
    clock_step(t1 + tick_ns(599) - clock_ns());
    CHECK_EQ(inb(0x61) & 0x20, 0);
    clock_step(t1 + tick_ns(600) - clock_ns());
    CHECK_EQ(inb(0x61) & 0x20, 0x20);
    CHECK_EQ(gsi_rises(0), 0);          /* counter 2 is not an interrupt */
}

TEST(pit, port61_refresh_toggles)
{
    pit_setup();
    uint8_t a = inb(0x61) & 0x10;
    clock_advance(15085);
    uint8_t b = inb(0x61) & 0x10;
    clock_advance(15085);
    CHECK(a != b);
    CHECK_EQ(inb(0x61) & 0x10, a);
}

TEST(pit, latch_holds_until_read)
{
    pit_setup();
    program(0, 0x4, 40000);
    clock_advance(tick_ns(100));
    outb(0x43, 0x00);
    clock_advance(tick_ns(1000));
    outb(0x43, 0x00);                   /* a second latch is ignored */
    CHECK_EQ(inb(0x40), (39900 & 0xff));
    clock_advance(tick_ns(1000));
    CHECK_EQ(inb(0x40), (39900 >> 8));
    CHECK_EQ(latch_read(0), 37900);     /* live again */
}

TEST(pit, read_back_status_and_count)
{
    pit_setup();
    outb(0x43, 0x34);
    outb(0x43, 0xe2);                   /* status of counter 0 */
    CHECK_EQ(inb(0x40), 0xf4);          /* OUT high, null count, LSB/MSB, mode 2 */
    outb(0x40, 0x00);
    outb(0x40, 0x10);
    outb(0x43, 0xe2);
    CHECK_EQ(inb(0x40), 0xb4);          /* count loaded */
    program(1, 0x0, 0x2000);
    clock_advance(tick_ns(0x100));
    outb(0x43, 0xc6);                   /* count and status of 0 and 1 */
    clock_advance(tick_ns(0x200));
    CHECK_EQ(inb(0x40), 0xb4);          /* status first */
    CHECK_EQ(inb(0x40), 0x00);
    CHECK_EQ(inb(0x40), 0x0f);          /* 0x1000 - 0x100 */
    CHECK_EQ(inb(0x41), 0x30);          /* mode 0, OUT low, loaded */
    CHECK_EQ(inb(0x41), 0x00);
    CHECK_EQ(inb(0x41), 0x1f);
}

TEST(pit, bcd_counting)
{
    pit_setup();
    outb(0x43, 0x31);                   /* counter 0, LSB/MSB, mode 0, BCD */
    outb(0x40, 0x00);
    outb(0x40, 0x10);                   /* 1000 decimal */
    clock_advance(tick_ns(123));
    CHECK_EQ(latch_read(0), 0x0877);
    clock_advance(tick_ns(1000) - tick_ns(123));
    CHECK_EQ(gsi_level(0), 1);
    clock_advance(tick_ns(1));
    CHECK_EQ(latch_read(0), 0x9999);    /* wraps in decimal */
}

TEST(pit, byte_access_modes)
{
    pit_setup();
    outb(0x43, 0x10);                   /* LSB only, mode 0 */
    outb(0x40, 0x50);
    CHECK_EQ(inb(0x40), 0x50);
    CHECK_EQ(inb(0x40), 0x50);
    outb(0x43, 0x20);                   /* MSB only */
    outb(0x40, 0x02);
    clock_advance(tick_ns(1));
    CHECK_EQ(inb(0x40), 0x01);          /* 0x200 - 1 = 0x1ff */
    outb(0x43, 0x00);
    CHECK_EQ(inb(0x40), 0x01);
    program(0, 0x0, 0);                 /* 0 means 65536 */
    clock_advance(tick_ns(1));
    CHECK_EQ(latch_read(0), 0xffff);
}

TEST(pit, reset_and_info)
{
    Device *pit = pit_setup();
    program(0, 0x4, 100);
    pit->cls->reset(pit);
    clock_advance(tick_ns(1000));
    CHECK_EQ(gsi_rises(0), 0);          /* no count after reset */
    char buf[256];
    pit->cls->info(pit, buf, sizeof(buf));
    CHECK(strstr(buf, "ch0 mode=3") != NULL);
}

/* A count written while counting: modes 2 and 3 finish the current period
 * or half-cycle first; modes 1 and 5 keep it for the next trigger. */
TEST(pit, mode2_new_count_at_end_of_period)
{
    pit_setup();
    program(0, 0x4, 1000);
    clock_advance(tick_ns(300));
    outb(0x40, 500 & 0xff);
    outb(0x40, 500 >> 8);
    clock_advance(tick_ns(600) - tick_ns(300));
    CHECK_EQ(latch_read(0), 400);       /* still the old count */
    outb(0x43, 0xe2);
    CHECK_EQ(inb(0x40) & 0x40, 0x40);   /* null count: not loaded yet */
    clock_step(tick_ns(1000) - clock_ns());
    CHECK_EQ(gsi_rises(0), 1);
    CHECK_EQ(gsi_last_rise(0), tick_ns(1000));
    clock_step(tick_ns(2000) - clock_ns());
    CHECK_EQ(gsi_rises(0), 3);          /* then every 500 ticks */
    CHECK_EQ(gsi_last_rise(0), tick_ns(2000));
    CHECK_EQ(latch_read(0), 500);
}

TEST(pit, mode3_new_count_at_end_of_half_cycle)
{
    Device *pit = pit_setup();
    program(0, 0x6, 1000);              /* high 500, low 500 */
    clock_advance(tick_ns(200));
    outb(0x40, 400 & 0xff);
    outb(0x40, 400 >> 8);
    clock_step(tick_ns(499) - clock_ns());
    CHECK_EQ(gsi_level(0), 1);
    clock_step(tick_ns(500) - clock_ns());
    CHECK_EQ(gsi_level(0), 0);          /* old half-cycle ends... */
    clock_step(tick_ns(699) - clock_ns());
    CHECK_EQ(i8254_get_out(pit, 0), 0);
    clock_step(tick_ns(700) - clock_ns());
    CHECK_EQ(gsi_level(0), 1);          /* ...then the new count's low half */
    CHECK_EQ(gsi_last_rise(0), tick_ns(700));
    clock_step(tick_ns(1100) - clock_ns());
    CHECK_EQ(gsi_rises(0), 2);
    CHECK_EQ(gsi_falls(0), 2);
    CHECK_EQ(gsi_last_rise(0), tick_ns(1100));
}

TEST(pit, mode1_new_count_waits_for_trigger)
{
    pit_setup();
    outb(0x61, 0x00);
    program(2, 0x2, 300);
    int64_t t0 = clock_ns();
    outb(0x61, 0x01);
    clock_step(t0 + tick_ns(100) - clock_ns());
    outb(0x42, 50);
    outb(0x42, 0);
    clock_step(t0 + tick_ns(299) - clock_ns());
    CHECK_EQ(inb(0x61) & 0x20, 0);      /* the running one-shot keeps 300 */
    clock_step(t0 + tick_ns(300) - clock_ns());
    CHECK_EQ(inb(0x61) & 0x20, 0x20);
    int64_t t1 = clock_ns();
    outb(0x61, 0x00);
    outb(0x61, 0x01);                   /* retrigger: now 50 */
    clock_step(t1 + tick_ns(49) - clock_ns());
    CHECK_EQ(inb(0x61) & 0x20, 0);
    clock_step(t1 + tick_ns(50) - clock_ns());
    CHECK_EQ(inb(0x61) & 0x20, 0x20);
}
