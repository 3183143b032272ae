/* Motorola MC146818 RTC with 128 bytes of CMOS.
 *
 * While the clock runs (divider in its normal 32.768 kHz setting and SET
 * clear), the time registers are not stepped: the time is base_sec at
 * virtual time base_ns (a second boundary) plus the whole seconds since,
 * and the registers are regenerated when read.  While it is stopped, the
 * bytes in cmos[] are the time.  Update-ended and alarm flags come from a
 * timer at each second boundary; the periodic flag from a timer only while
 * its interrupt is enabled, otherwise it is worked out when register C is
 * read. */
#include "hw/timer/mc146818rtc.h"
#include "hw/core/clock.h"
#include "hw/core/error.h"
#include "hw/core/machine.h"

#include <stdio.h>
#include <time.h>

enum { SEC, SEC_ALARM, MIN, MIN_ALARM, HOUR, HOUR_ALARM, WDAY, MDAY, MONTH, YEAR };

#define REG_A_UIP 0x80
#define REG_A_DV 0x70
#define REG_A_RS 0x0f
#define DV_NORMAL 0x20
#define REG_B_SET 0x80
#define REG_B_PIE 0x40
#define REG_B_AIE 0x20
#define REG_B_UIE 0x10
#define REG_B_SQWE 0x08
#define REG_B_DM 0x04       /* binary instead of BCD */
#define REG_B_24H 0x02
#define REG_C_IRQF 0x80
#define REG_C_PF 0x40
#define REG_C_AF 0x20
#define REG_C_UF 0x10
#define REG_D_VRT 0x80

/* UIP rises 244 us before the update cycle, which lasts 1984 us and ends
 * on the second boundary. */
#define UIP_WINDOW_NS (244000 + 1984000)

typedef struct Rtc {
    Device dev;
    uint32_t irq;
    uint8_t cmos[128];
    uint8_t index;
    bool nmi_disabled;
    int64_t base_sec, base_ns;
    int64_t last_c_read_ns;
    int64_t next_second;        /* seconds since base_ns the timer stands for */
    Timer second_timer, periodic_timer;
    MemoryRegion io;
} Rtc;

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static bool rtc_running(const Rtc *s)
{
    return (s->cmos[RTC_REG_A] & REG_A_DV) == DV_NORMAL && !(s->cmos[RTC_REG_B] & REG_B_SET);
}

static bool divider_running(const Rtc *s)
{
    return (s->cmos[RTC_REG_A] & REG_A_DV) == DV_NORMAL;
}

static int64_t rtc_seconds_since_base(const Rtc *s, int64_t now)
{
    return floor_div(now - s->base_ns, NS_PER_SEC);
}

/* --- register encoding (BCD or binary, 12 or 24 hours) --- */

static uint8_t to_reg(const Rtc *s, int v)
{
    if (s->cmos[RTC_REG_B] & REG_B_DM)
        return (uint8_t)v;
    return (uint8_t)((v / 10) << 4 | v % 10);
}

static int from_reg(const Rtc *s, uint8_t r)
{
    if (s->cmos[RTC_REG_B] & REG_B_DM)
        return r;
    return (r >> 4) * 10 + (r & 0xf);
}

static uint8_t hour_to_reg(const Rtc *s, int h)
{
    if (s->cmos[RTC_REG_B] & REG_B_24H)
        return to_reg(s, h);
    int h12 = h % 12 ? h % 12 : 12;
    return (uint8_t)(to_reg(s, h12) | (h >= 12 ? 0x80 : 0));
}

static int hour_from_reg(const Rtc *s, uint8_t r)
{
    if (s->cmos[RTC_REG_B] & REG_B_24H)
        return from_reg(s, r);
    return from_reg(s, r & 0x7f) % 12 + ((r & 0x80) ? 12 : 0);
}

static void time_to_regs(Rtc *s, int64_t sec)
{
    time_t t = (time_t)sec;
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        return;
    s->cmos[SEC] = to_reg(s, tm.tm_sec);
    s->cmos[MIN] = to_reg(s, tm.tm_min);
    s->cmos[HOUR] = hour_to_reg(s, tm.tm_hour);
    s->cmos[WDAY] = to_reg(s, tm.tm_wday + 1);
    s->cmos[MDAY] = to_reg(s, tm.tm_mday);
    s->cmos[MONTH] = to_reg(s, tm.tm_mon + 1);
    s->cmos[YEAR] = to_reg(s, (tm.tm_year + 1900) % 100);
    s->cmos[RTC_CENTURY] = to_reg(s, (tm.tm_year + 1900) / 100);
}

/* Whatever the guest wrote (garbage included) becomes some time: timegm
 * normalizes out-of-range fields. */
static int64_t regs_to_time(const Rtc *s)
{
    struct tm tm = {
        .tm_sec = from_reg(s, s->cmos[SEC]),
        .tm_min = from_reg(s, s->cmos[MIN]),
        .tm_hour = hour_from_reg(s, s->cmos[HOUR]),
        .tm_mday = from_reg(s, s->cmos[MDAY]),
        .tm_mon = from_reg(s, s->cmos[MONTH]) - 1,
        .tm_year = from_reg(s, s->cmos[RTC_CENTURY]) * 100 + from_reg(s, s->cmos[YEAR]) - 1900,
    };
    return (int64_t)timegm(&tm);
}

static bool is_time_reg(int idx)
{
    return idx == SEC || idx == MIN || idx == HOUR || (idx >= WDAY && idx <= YEAR) ||
           idx == RTC_CENTURY;
}

/* Bring the time registers up to date (only meaningful while running). */
static void sync_regs(Rtc *s, int64_t now)
{
    if (rtc_running(s))
        time_to_regs(s, s->base_sec + rtc_seconds_since_base(s, now));
}

/* --- interrupts --- */

static void update_irq(Rtc *s)
{
    uint8_t c = s->cmos[RTC_REG_C] & (REG_C_PF | REG_C_AF | REG_C_UF);
    uint8_t en = s->cmos[RTC_REG_B] & (REG_B_PIE | REG_B_AIE | REG_B_UIE);
    /* The flag and enable bits line up: PF/PIE, AF/AIE, UF/UIE. */
    if (c & en)
        c |= REG_C_IRQF;
    s->cmos[RTC_REG_C] = c;
    IrqLine *line = &s->dev.machine->gsi[s->irq];
    if (line->level != !!(c & REG_C_IRQF))
        irq_set(line, !!(c & REG_C_IRQF));
}

/* Periodic interrupt period in 32.768 kHz cycles, 0 if off. */
static int64_t periodic_cycles(const Rtc *s)
{
    int rs = s->cmos[RTC_REG_A] & REG_A_RS;
    if (!rs)
        return 0;
    return rs <= 2 ? 1LL << (rs + 6) : 1LL << (rs - 1);
}

/* Periods elapsed since the divider's phase origin. */
static int64_t periodic_count(const Rtc *s, int64_t now, int64_t cycles)
{
    return floor_div((int64_t)((__int128)(now - s->base_ns) * 32768 / NS_PER_SEC), cycles);
}

static void arm_periodic(Rtc *s)
{
    int64_t cycles = periodic_cycles(s);
    if (!cycles || !divider_running(s) || !(s->cmos[RTC_REG_B] & REG_B_PIE)) {
        timer_del(&s->periodic_timer);
        return;
    }
    int64_t next = periodic_count(s, clock_ns(), cycles) + 1;
    __int128 at = ((__int128)next * cycles * NS_PER_SEC + 32767) / 32768;
    timer_mod(&s->periodic_timer, s->base_ns + (int64_t)at);
}

static void periodic_cb(void *opaque)
{
    Rtc *s = opaque;
    s->cmos[RTC_REG_C] |= REG_C_PF;
    update_irq(s);
    arm_periodic(s);
}

static bool alarm_matches(const Rtc *s)
{
    static const int pairs[3][2] = { { SEC_ALARM, SEC }, { MIN_ALARM, MIN }, { HOUR_ALARM, HOUR } };
    for (int i = 0; i < 3; i++) {
        uint8_t a = s->cmos[pairs[i][0]];
        if ((a & 0xc0) != 0xc0 && a != s->cmos[pairs[i][1]])
            return false;
    }
    return true;
}

static void arm_second(Rtc *s)
{
    if (!rtc_running(s)) {
        timer_del(&s->second_timer);
        return;
    }
    s->next_second = rtc_seconds_since_base(s, clock_ns()) + 1;
    timer_mod(&s->second_timer, s->base_ns + s->next_second * NS_PER_SEC);
}

/* End of an update cycle: new time in the registers, UF, maybe AF.  Each
 * second is checked in turn, so a late event loop misses no alarm. */
static void second_cb(void *opaque)
{
    Rtc *s = opaque;
    int64_t k = s->next_second;
    time_to_regs(s, s->base_sec + k);
    s->cmos[RTC_REG_C] |= REG_C_UF;
    if (alarm_matches(s))
        s->cmos[RTC_REG_C] |= REG_C_AF;
    update_irq(s);
    s->next_second = k + 1;
    timer_mod(&s->second_timer, s->base_ns + s->next_second * NS_PER_SEC);
}

static uint8_t read_reg_a(Rtc *s, int64_t now)
{
    uint8_t a = s->cmos[RTC_REG_A] & ~REG_A_UIP;
    int64_t into = now - s->base_ns - rtc_seconds_since_base(s, now) * NS_PER_SEC;
    if (rtc_running(s) && into >= NS_PER_SEC - UIP_WINDOW_NS)
        a |= REG_A_UIP;
    return a;
}

/* Reading C returns and clears the flags and drops IRQ 8.  PF is counted
 * here when no timer kept it because PIE was off. */
static uint8_t read_reg_c(Rtc *s, int64_t now)
{
    int64_t cycles = periodic_cycles(s);
    if (cycles && divider_running(s) &&
        periodic_count(s, now, cycles) != periodic_count(s, s->last_c_read_ns, cycles))
        s->cmos[RTC_REG_C] |= REG_C_PF;
    s->last_c_read_ns = now;
    update_irq(s);
    uint8_t c = s->cmos[RTC_REG_C];
    s->cmos[RTC_REG_C] = 0;
    update_irq(s);
    return c;
}

static uint8_t rtc_read_reg(Rtc *s, int idx)
{
    int64_t now = clock_ns();
    if (is_time_reg(idx))
        sync_regs(s, now);
    switch (idx) {
    case RTC_REG_A: return read_reg_a(s, now);
    case RTC_REG_C: return read_reg_c(s, now);
    case RTC_REG_D: return REG_D_VRT;
    default: return s->cmos[idx];
    }
}

/* The clock starts (SET cleared, or the divider leaves reset): the time
 * in the registers counts from here; after a divider reset the first
 * update comes 500 ms later, after SET a full second later. */
static void clock_started(Rtc *s, int64_t now, bool from_divider_reset)
{
    s->base_sec = regs_to_time(s);
    s->base_ns = from_divider_reset ? now - NS_PER_SEC / 2 : now;
}

static void write_control(Rtc *s, int idx, uint8_t v)
{
    int64_t now = clock_ns();
    bool was_running = rtc_running(s), div_was = divider_running(s);
    sync_regs(s, now);
    if (idx == RTC_REG_A) {
        s->cmos[RTC_REG_A] = v & ~REG_A_UIP;
    } else {
        if (v & REG_B_SET)
            v &= ~REG_B_UIE;        /* SET clears UIE */
        s->cmos[RTC_REG_B] = v;
    }
    if (!was_running && rtc_running(s))
        clock_started(s, now, !div_was);
    update_irq(s);
    arm_second(s);
    arm_periodic(s);
}

/* A time register written while the clock runs changes the time but not
 * the phase of the seconds. */
static void write_time(Rtc *s, int idx, uint8_t v, int64_t now)
{
    if (!rtc_running(s)) {
        s->cmos[idx] = v;
        return;
    }
    sync_regs(s, now);
    s->cmos[idx] = v;
    s->base_sec = regs_to_time(s) - rtc_seconds_since_base(s, now);
}

static void rtc_write_reg(Rtc *s, int idx, uint8_t v)
{
    if (idx == RTC_REG_A || idx == RTC_REG_B)
        write_control(s, idx, v);
    else if (is_time_reg(idx))
        write_time(s, idx, v, clock_ns());
    else if (idx != RTC_REG_C && idx != RTC_REG_D)
        s->cmos[idx] = v;           /* alarms and NVRAM */
}

static uint64_t rtc_io_read(void *opaque, uint64_t off, unsigned size)
{
    Rtc *s = opaque;
    return off == 0 ? 0xff : rtc_read_reg(s, s->index);   /* 0x70 is write-only */
}

static void rtc_io_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    Rtc *s = opaque;
    if (off == 0) {
        s->index = val & 0x7f;
        s->nmi_disabled = val & 0x80;
    } else {
        rtc_write_reg(s, s->index, (uint8_t)val);
    }
}

static const MemoryRegionOps rtc_ops = {
    .read = rtc_io_read, .write = rtc_io_write, .min_access = 1, .max_access = 1,
};

void rtc_set_cmos(Device *dev, int addr, uint8_t v)
{
    Rtc *s = (Rtc *)dev;
    if (addr >= 0 && addr < 128)
        s->cmos[addr] = v;
}

uint8_t rtc_get_cmos(Device *dev, int addr)
{
    Rtc *s = (Rtc *)dev;
    return addr >= 0 && addr < 128 ? s->cmos[addr] : 0xff;
}

/* The RESET pin clears the interrupt enables and flags; time, register A
 * and the RAM survive. */
static void rtc_reset(Device *dev)
{
    Rtc *s = (Rtc *)dev;
    s->cmos[RTC_REG_B] &= ~(REG_B_PIE | REG_B_AIE | REG_B_UIE | REG_B_SQWE);
    s->cmos[RTC_REG_C] = 0;
    update_irq(s);
    arm_periodic(s);
    arm_second(s);
}

/* Host time (UTC) at realize; 1024 Hz periodic rate, 24 hours, BCD. */
static int rtc_realize(Device *dev, Machine *m)
{
    Rtc *s = (Rtc *)dev;
    if (s->irq >= NUM_GSI) {
        error_report("-device mc146818rtc: irq %u out of range (0-%d)", s->irq, NUM_GSI - 1);
        return -1;
    }
    timer_init(&s->second_timer, second_cb, s);
    timer_init(&s->periodic_timer, periodic_cb, s);
    s->cmos[RTC_REG_A] = DV_NORMAL | 0x06;
    s->cmos[RTC_REG_B] = REG_B_24H;
    s->cmos[RTC_REG_D] = REG_D_VRT;
    s->base_sec = (int64_t)time(NULL);
    s->base_ns = clock_ns();
    s->last_c_read_ns = s->base_ns;
    time_to_regs(s, s->base_sec);
    mr_init_io(&s->io, "rtc", 2, &rtc_ops, s);
    as_map(&m->io, &s->io, 0x70, 0);
    return 0;
}

static void rtc_unrealize(Device *dev)
{
    Rtc *s = (Rtc *)dev;
    timer_del(&s->second_timer);
    timer_del(&s->periodic_timer);
    as_unmap(s->io.as, &s->io);
}

static void rtc_info(Device *dev, char *buf, size_t len)
{
    Rtc *s = (Rtc *)dev;
    int64_t now = clock_ns();
    time_t t = (time_t)(rtc_running(s) ? s->base_sec + rtc_seconds_since_base(s, now)
                                       : regs_to_time(s));
    struct tm tm;
    char when[32] = "?";
    if (gmtime_r(&t, &tm))
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, len, "time=%s%s a=%02x b=%02x c=%02x irq=%u nmi=%s", when,
             rtc_running(s) ? "" : " (stopped)", s->cmos[RTC_REG_A], s->cmos[RTC_REG_B],
             s->cmos[RTC_REG_C], s->irq, s->nmi_disabled ? "off" : "on");
}

static const Property rtc_props[] = {
    DEFINE_PROP("irq", Rtc, irq, PROP_U32, 8),
    PROP_END,
};

static DeviceClass rtc_class = {
    .name = "mc146818rtc",
    .desc = "ISA real-time clock and CMOS RAM (MC146818)",
    .bus = "isa",
    .size = sizeof(Rtc),
    .props = rtc_props,
    .realize = rtc_realize,
    .reset = rtc_reset,
    .unrealize = rtc_unrealize,
    .info = rtc_info,
};
DEVICE_REGISTER(rtc_class)
