/* The MC146818 on the CPU-less board: time registers in BCD/binary and
 * 12/24 hours, UIP, periodic/alarm/update interrupts on the virtual clock,
 * register C, CMOS RAM and the NMI bit of port 0x70. */
#include "tests/unit/harness.h"
#include "tests/unit/unit.h"
#include "hw/timer/mc146818rtc.h"

#include <time.h>

#define MS 1000000LL

static uint8_t cmos(uint8_t idx) { outb(0x70, idx); return inb(0x71); }
static void cmos_set(uint8_t idx, uint8_t v) { outb(0x70, idx); outb(0x71, v); }
static int bcd(uint8_t v) { return (v >> 4) * 10 + (v & 0xf); }

static Device *rtc_setup(void)
{
    Device *rtc = harness_device("mc146818rtc", NULL);
    gsi_clear();
    return rtc;
}

/* Stop the clock, write a BCD date and time, start it. */
static void set_time(uint8_t b, int cent, int year, int mon, int mday, int hour,
                     int min, int sec)
{
    cmos_set(RTC_REG_B, 0x80 | b);
    cmos_set(RTC_CENTURY, (uint8_t)cent);
    cmos_set(9, (uint8_t)year);
    cmos_set(8, (uint8_t)mon);
    cmos_set(7, (uint8_t)mday);
    cmos_set(4, (uint8_t)hour);
    cmos_set(2, (uint8_t)min);
    cmos_set(0, (uint8_t)sec);
    cmos_set(RTC_REG_B, b);
}

TEST(rtc, host_time_at_realize)
{
    time_t host = time(NULL);
    rtc_setup();
    struct tm tm = {
        .tm_sec = bcd(cmos(0)), .tm_min = bcd(cmos(2)), .tm_hour = bcd(cmos(4)),
        .tm_mday = bcd(cmos(7)), .tm_mon = bcd(cmos(8)) - 1,
        .tm_year = bcd(cmos(RTC_CENTURY)) * 100 + bcd(cmos(9)) - 1900,
    };
    int64_t diff = (int64_t)timegm(&tm) - (int64_t)host;
    CHECK(diff >= 0 && diff <= 5);
    CHECK_EQ(cmos(RTC_REG_A), 0x26);
    CHECK_EQ(cmos(RTC_REG_B), 0x02);
    CHECK_EQ(cmos(RTC_REG_D), 0x80);
}

TEST(rtc, bcd_24h_rollover)
{
    rtc_setup();
    set_time(0x02, 0x20, 0x24, 0x02, 0x29, 0x23, 0x59, 0x58);
    CHECK_EQ(cmos(0), 0x58);
    clock_advance(1999 * MS);
    CHECK_EQ(cmos(0), 0x59);
    clock_advance(1 * MS);
    CHECK_EQ(cmos(0), 0x00);
    CHECK_EQ(cmos(2), 0x00);
    CHECK_EQ(cmos(4), 0x00);
    CHECK_EQ(cmos(7), 0x01);
    CHECK_EQ(cmos(8), 0x03);
    CHECK_EQ(cmos(9), 0x24);
    CHECK_EQ(cmos(6), 6);               /* Friday: day 6, Sunday is 1 */
    CHECK_EQ(cmos(RTC_CENTURY), 0x20);
}

TEST(rtc, binary_12h_mode)
{
    rtc_setup();
    /* Binary, 12 hours: 11:59:59 PM on 1999-12-31. */
    set_time(0x04, 19, 99, 12, 31, 0x80 | 11, 59, 59);
    CHECK_EQ(cmos(4), 0x8b);
    clock_advance(1000 * MS);
    CHECK_EQ(cmos(4), 12);              /* 12 AM */
    CHECK_EQ(cmos(9), 0);
    CHECK_EQ(cmos(RTC_CENTURY), 20);
    clock_advance(12 * 3600 * 1000 * MS);
    CHECK_EQ(cmos(4), 0x80 | 12);       /* 12 PM */
    /* Switching to BCD/24h changes how the running time reads. */
    cmos_set(RTC_REG_B, 0x02);
    CHECK_EQ(cmos(4), 0x12);
    CHECK_EQ(cmos(9), 0x00);
}

TEST(rtc, set_bit_freezes_time)
{
    rtc_setup();
    set_time(0x12, 0x20, 0x25, 0x01, 0x01, 0x10, 0x00, 0x00);
    CHECK_EQ(cmos(RTC_REG_B), 0x12);
    cmos_set(RTC_REG_B, 0x92);
    CHECK_EQ(cmos(RTC_REG_B), 0x82);    /* SET clears UIE */
    clock_advance(5000 * MS);
    CHECK_EQ(cmos(0), 0x00);
    CHECK_EQ(cmos(RTC_REG_A) & 0x80, 0);
    cmos_set(RTC_REG_B, 0x02);
    clock_advance(999 * MS);
    CHECK_EQ(cmos(0), 0x00);
    clock_advance(1 * MS);
    CHECK_EQ(cmos(0), 0x01);
    /* A time register written while running keeps the seconds' phase. */
    clock_advance(500 * MS);
    cmos_set(2, 0x30);
    clock_advance(499 * MS);
    CHECK_EQ(cmos(2), 0x30);
    CHECK_EQ(cmos(0), 0x01);
    clock_advance(1 * MS);
    CHECK_EQ(cmos(0), 0x02);
}

TEST(rtc, update_in_progress_window)
{
    rtc_setup();
    set_time(0x02, 0x20, 0x25, 0x06, 0x15, 0x08, 0x00, 0x00);
    clock_advance(500 * MS);
    CHECK_EQ(cmos(RTC_REG_A), 0x26);
    clock_advance(500 * MS - 2228000 - 1);
    CHECK_EQ(cmos(RTC_REG_A) & 0x80, 0);
    clock_advance(1);
    CHECK_EQ(cmos(RTC_REG_A), 0xa6);    /* 244 us warning + update cycle */
    CHECK_EQ(cmos(0), 0x00);
    clock_advance(2228000);
    CHECK_EQ(cmos(RTC_REG_A), 0x26);
    CHECK_EQ(cmos(0), 0x01);
}

static int count_periodic(int64_t span_ns, int64_t step_ns)
{
    int n = 0;
    for (int64_t t = 0; t < span_ns; t += step_ns) {
        clock_advance(step_ns);
        if (gsi_level(8)) {
            uint8_t c = cmos(RTC_REG_C);
            CHECK(c & 0xc0);
            n += (c & 0x40) != 0;
            CHECK_EQ(gsi_level(8), 0);
        }
    }
    return n;
}

TEST(rtc, periodic_interrupt_rates)
{
    rtc_setup();
    cmos(RTC_REG_C);
    cmos_set(RTC_REG_B, 0x42);          /* PIE */
    CHECK_EQ(count_periodic(1000 * MS, 100000), 1024);
    cmos_set(RTC_REG_A, 0x2f);          /* 2 Hz */
    cmos(RTC_REG_C);
    CHECK_EQ(count_periodic(3000 * MS, MS), 6);
    cmos_set(RTC_REG_A, 0x23);          /* 8192 Hz */
    cmos(RTC_REG_C);
    CHECK_EQ(count_periodic(100 * MS, 50000), 819);
    cmos_set(RTC_REG_A, 0x20);          /* off */
    cmos(RTC_REG_C);
    CHECK_EQ(count_periodic(100 * MS, MS), 0);
}

TEST(rtc, periodic_flag_without_interrupt)
{
    rtc_setup();
    cmos(RTC_REG_C);
    clock_advance(5 * MS);
    CHECK_EQ(gsi_rises(8), 0);
    CHECK_EQ(cmos(RTC_REG_C) & 0xc0, 0x40);   /* PF, but no IRQF */
    CHECK_EQ(cmos(RTC_REG_C) & 0x40, 0);      /* cleared by the read */
}

TEST(rtc, alarm_interrupt)
{
    rtc_setup();
    set_time(0x02, 0x20, 0x25, 0x06, 0x15, 0x12, 0x00, 0x00);
    cmos_set(1, 0x05);
    cmos_set(3, 0x00);
    cmos_set(5, 0x12);
    cmos(RTC_REG_C);
    cmos_set(RTC_REG_B, 0x22);          /* AIE */
    clock_advance(4999 * MS);
    CHECK_EQ(gsi_level(8), 0);
    clock_advance(1 * MS);
    CHECK_EQ(gsi_level(8), 1);
    CHECK_EQ(cmos(RTC_REG_C) & 0xb0, 0xb0);   /* IRQF, AF and UF (PF runs too) */
    CHECK_EQ(gsi_level(8), 0);
    clock_advance(60000 * MS);
    CHECK_EQ(gsi_rises(8), 1);          /* 12:00:05 passed only once */
    /* Don't-care bytes: every second. */
    cmos_set(1, 0xc0);
    cmos_set(3, 0xff);
    cmos_set(5, 0xc0);
    cmos(RTC_REG_C);
    gsi_clear();
    clock_advance(1000 * MS);
    CHECK_EQ(gsi_rises(8), 1);
}

TEST(rtc, update_ended_interrupt)
{
    rtc_setup();
    set_time(0x02, 0x20, 0x25, 0x06, 0x15, 0x12, 0x00, 0x00);
    cmos_set(RTC_REG_B, 0x12);          /* UIE */
    for (int i = 0; i < 3; i++) {
        clock_advance(999 * MS);
        CHECK_EQ(gsi_level(8), 0);
        clock_advance(1 * MS);
        CHECK_EQ(gsi_level(8), 1);
        CHECK_EQ(cmos(RTC_REG_C) & 0xb0, 0x90);
    }
    CHECK_EQ(cmos(0), 0x03);
}

TEST(rtc, divider_reset)
{
    rtc_setup();
    set_time(0x02, 0x20, 0x25, 0x06, 0x15, 0x12, 0x00, 0x00);
    cmos_set(RTC_REG_A, 0x76);          /* divider held in reset */
    clock_advance(3000 * MS);
    CHECK_EQ(cmos(0), 0x00);
    cmos_set(RTC_REG_A, 0x26);
    clock_advance(499 * MS);
    CHECK_EQ(cmos(0), 0x00);
    clock_advance(1 * MS);
    CHECK_EQ(cmos(0), 0x01);            /* first update after 500 ms */
}

TEST(rtc, cmos_ram_and_nmi_bit)
{
    Device *rtc = rtc_setup();
    rtc_set_cmos(rtc, 0x34, 0x5a);
    rtc_set_cmos(rtc, 200, 0x11);        /* out of range: ignored */
    CHECK_EQ(cmos(0x34), 0x5a);
    cmos_set(0x7f, 0xa5);
    CHECK_EQ(cmos(0x7f), 0xa5);
    CHECK_EQ(rtc_get_cmos(rtc, 0x7f), 0xa5);
    outb(0x70, 0x80 | 0x34);             /* NMI disabled, index 0x34 */
    CHECK_EQ(inb(0x71), 0x5a);
    CHECK_EQ(inb(0x70), 0xff);
    cmos_set(RTC_REG_D, 0x00);           /* read-only */
    CHECK_EQ(cmos(RTC_REG_D), 0x80);
    char buf[160];
    outb(0x70, 0x80);
    rtc->cls->info(rtc, buf, sizeof(buf));
    CHECK(strstr(buf, "nmi=off") != NULL);
    /* Reset drops the enables and flags, keeps RAM. */
    cmos_set(RTC_REG_B, 0x72);
    rtc->cls->reset(rtc);
    CHECK_EQ(cmos(RTC_REG_B), 0x02);
    CHECK_EQ(cmos(0x34), 0x5a);
}
