/* Intel 8254 PIT.
 *
 * A counter is not stepped tick by tick: it remembers the virtual time its
 * counting element was loaded (minus the time its gate held it, in modes 0
 * and 4) and derives the count and OUT from the ticks elapsed since.  Only
 * counter 0 has a timer, armed for the next OUT transition, because only
 * its OUT is an interrupt; counter 2's OUT is computed when port 0x61 is
 * read.  A count written while modes 2 and 3 run waits for the end of the
 * period (half-cycle in mode 3) and then shifts the phase by whole ticks
 * (tick0), so no rounding of nanoseconds creeps into the period. */
#include "hw/timer/i8254.h"
#include "hw/core/clock.h"
#include "hw/core/machine.h"

#include <stdio.h>

typedef struct Pit Pit;

typedef struct PitChannel {
    Pit *pit;
    int index;
    uint32_t count;         /* initial count, 1..65536 (10000 in BCD) */
    uint8_t rw_mode;        /* 1 LSB, 2 MSB, 3 LSB then MSB */
    uint8_t mode;           /* 0..5 */
    bool bcd;
    bool gate;
    bool count_written;     /* since the last control word */
    bool running;           /* the counting element is loaded */
    bool null_count;
    bool out_idle;          /* OUT while not running */
    int out;                /* OUT last driven on the IRQ line */
    bool read_msb, write_msb;
    uint8_t write_lsb;
    bool count_latched, status_latched;
    uint16_t latch;
    uint8_t status;
    int64_t load_ns;        /* when counting started */
    int64_t paused_ns;      /* time held by a low gate since then */
    int64_t gate_low_ns;    /* start of the current hold, -1 if none */
    int64_t edge_tick;      /* the OUT change the timer is armed for */
    int64_t tick0;          /* added to the ticks since load_ns (reloads) */
    uint32_t next_count;    /* modes 2, 3: written while counting, 0 if none */
    int64_t reload_tick;    /* ... and the tick at which it takes over */
    Timer timer;
} PitChannel;

struct Pit {
    Device dev;
    PitChannel ch[3];
    uint8_t port61;         /* bits 0-3 as written */
    MemoryRegion io, io61;
};

/* DRAM refresh requests toggle port 0x61 bit 4 every 15.085 us. */
#define REFRESH_NS 15085

static int64_t ticks_of(int64_t ns)
{
    return ns <= 0 ? 0 : (int64_t)((__int128)ns * PIT_FREQ / NS_PER_SEC);
}

/* First virtual time at which tick t has elapsed. */
static int64_t ns_of(int64_t t)
{
    return (int64_t)(((__int128)t * NS_PER_SEC + PIT_FREQ - 1) / PIT_FREQ);
}

static int64_t ch_ticks(const PitChannel *c, int64_t now)
{
    int64_t end = c->gate_low_ns >= 0 ? c->gate_low_ns : now;
    return ticks_of(end - c->load_ns - c->paused_ns) + c->tick0;
}

/* OUT after d ticks of counting. */
static int ch_out_ticks(const PitChannel *c, int64_t d)
{
    if (!c->running)
        return c->out_idle;
    int64_t n = c->count;
    switch (c->mode) {
    case 0: case 1: return d >= n;              /* high at terminal count */
    case 2: return n < 2 || d % n != n - 1;     /* low for the clock at 1 */
    case 3: return d % n < (n + 1) / 2;         /* square wave */
    default: return d != n;                     /* 4, 5: one-clock strobe */
    }
}

static int ch_out_at(const PitChannel *c, int64_t now)
{
    return ch_out_ticks(c, c->running ? ch_ticks(c, now) : 0);
}

/* Counting element value, in the counter's range. */
static uint32_t ch_value(const PitChannel *c, int64_t now)
{
    if (!c->running)
        return c->count;
    int64_t d = ch_ticks(c, now), n = c->count;
    int64_t range = c->bcd ? 10000 : 65536;
    switch (c->mode) {
    case 2: return (uint32_t)(n - d % n);
    case 3: return (uint32_t)(n - (2 * d) % n);
    default: return (uint32_t)(((n - d) % range + range) % range);
    }
}

/* Tick after d at which OUT next changes, or -1 if it never does. */
static int64_t ch_next_edge(const PitChannel *c, int64_t d)
{
    int64_t n = c->count, base = d - d % n;
    switch (c->mode) {
    case 0: case 1: return d < n ? n : -1;
    case 2: return n < 2 ? -1 : d % n < n - 1 ? base + n - 1 : base + n;
    case 3: return n < 2 ? -1 : d % n < (n + 1) / 2 ? base + (n + 1) / 2 : base + n;
    default: return d < n ? n : d == n ? n + 1 : -1;
    }
}

/* Modes 2 and 3: a count written while counting takes over at the end of
 * the current period (mode 2) or half-cycle (mode 3). */
static void ch_schedule_reload(PitChannel *c, uint32_t n_new)
{
    int64_t d = ch_ticks(c, clock_ns()), n = c->count, base = d - d % n;
    int64_t half = (n + 1) / 2;
    c->next_count = n_new;
    if (c->mode == 3 && d % n < half)
        c->reload_tick = base + half;
    else
        c->reload_tick = base + n;
}

/* Returns the count phase at the reload. */
static int64_t ch_apply_reload(PitChannel *c)
{
    int64_t raw = c->reload_tick - c->tick0;   /* ticks since load_ns */
    /* A mode 3 reload at the end of the high half goes on with the new
     * count's low half. */
    bool low_half = c->mode == 3 && c->reload_tick % c->count != 0;
    c->count = c->next_count;
    c->next_count = 0;
    c->null_count = false;
    /* Shift the phase in whole ticks; the time origin stays put. */
    int64_t phase = low_half ? (c->count + 1) / 2 : 0;
    c->tick0 = phase - raw;
    return phase;
}

/* Bring a pending reload up to date before the counter is looked at. */
static void ch_settle(PitChannel *c, int64_t now)
{
    if (c->next_count && c->running && ch_ticks(c, now) >= c->reload_tick)
        ch_apply_reload(c);
}

static void ch_drive(PitChannel *c, int out)
{
    if (out != c->out) {
        c->out = out;
        irq_set(&c->pit->dev.machine->gsi[0], out);
    }
}

/* Arm counter 0's timer for the first OUT change after tick d. */
static void ch_arm(PitChannel *c, int64_t d)
{
    int64_t next = -1;
    if (c->running && c->gate_low_ns < 0)
        next = ch_next_edge(c, d);
    if (next < 0) {
        timer_del(&c->timer);
        return;
    }
    c->edge_tick = next;
    timer_mod(&c->timer, c->load_ns + c->paused_ns + ns_of(next - c->tick0));
}

/* Counter 0 after a change of its programming or gate: OUT as of now. */
static void ch_update(PitChannel *c)
{
    if (c->index != 0)
        return;
    int64_t now = clock_ns();
    ch_drive(c, ch_out_at(c, now));
    ch_arm(c, c->running ? ch_ticks(c, now) : 0);
}

/* The timer stands for one edge: drive OUT as it is at that tick even if
 * the event loop runs late, so a short mode 2 pulse is never lost. */
static void ch_timer_cb(void *opaque)
{
    PitChannel *c = opaque;
    int64_t d = c->edge_tick;
    if (c->next_count && d >= c->reload_tick) {
        d = ch_apply_reload(c);
    }
    ch_drive(c, ch_out_ticks(c, d));
    ch_arm(c, d);
}

static void pit_settle_all(Pit *s)
{
    int64_t now = clock_ns();
    for (int i = 0; i < 3; i++)
        ch_settle(&s->ch[i], now);
}

static bool gate_holds(const PitChannel *c)
{
    return c->mode == 0 || c->mode == 4;
}

static void ch_start(PitChannel *c)
{
    int64_t now = clock_ns();
    if (c->next_count) {            /* a trigger loads a pending count */
        c->count = c->next_count;
        c->next_count = 0;
    }
    c->running = true;
    c->null_count = false;
    c->load_ns = now;
    c->paused_ns = 0;
    c->tick0 = 0;
    c->gate_low_ns = (!c->gate && gate_holds(c)) ? now : -1;
    ch_update(c);
}

/* BCD counts: an invalid digit (A-F) counts as 9, the largest it can be. */
static uint32_t bcd_to_bin(uint16_t v)
{
    uint32_t r = 0;
    for (int shift = 12; shift >= 0; shift -= 4) {
        unsigned digit = (v >> shift) & 0xf;
        r = r * 10 + (digit > 9 ? 9 : digit);
    }
    return r;
}

static uint16_t bin_to_bcd(uint32_t v)
{
    uint16_t r = 0;
    for (int shift = 0; shift < 16; shift += 4, v /= 10)
        r |= (v % 10) << shift;
    return r;
}

/* A count as the guest reads it: 65536 reads as 0, BCD encoded in BCD. */
static uint16_t ch_encode(const PitChannel *c, uint32_t v)
{
    return c->bcd ? bin_to_bcd(v % 10000) : (uint16_t)v;
}

static uint8_t ch_status(const PitChannel *c)
{
    return (uint8_t)(ch_out_at(c, clock_ns()) << 7 | c->null_count << 6 |
                     c->rw_mode << 4 | c->mode << 1 | c->bcd);
}

static void ch_latch_count(PitChannel *c)
{
    if (c->count_latched)
        return;                     /* the first latch holds until read */
    c->latch = ch_encode(c, ch_value(c, clock_ns()));
    c->count_latched = true;
}

static void ch_latch_status(PitChannel *c)
{
    if (c->status_latched)
        return;
    c->status = ch_status(c);
    c->status_latched = true;
}

/* Which byte of a 16-bit value this access moves, by the RW mode. */
static bool ch_byte_is_msb(PitChannel *c, bool *flipflop)
{
    if (c->rw_mode != 3)
        return c->rw_mode == 2;
    bool msb = *flipflop;
    *flipflop = !msb;
    return msb;
}

static uint8_t ch_read(PitChannel *c)
{
    if (c->status_latched) {
        c->status_latched = false;
        return c->status;
    }
    uint16_t v = c->count_latched ? c->latch : ch_encode(c, ch_value(c, clock_ns()));
    bool msb = ch_byte_is_msb(c, &c->read_msb);
    if (c->count_latched && (c->rw_mode != 3 || msb))
        c->count_latched = false;
    return msb ? v >> 8 : v & 0xff;
}

/* A complete initial count was written. */
static void ch_load(PitChannel *c, uint16_t raw)
{
    uint32_t n = c->bcd ? bcd_to_bin(raw) : raw;
    n = n ? n : c->bcd ? 10000 : 65536;
    c->count_written = true;
    c->null_count = true;
    bool periodic = c->mode == 2 || c->mode == 3, triggered = c->mode == 1 || c->mode == 5;
    if (c->running && (periodic || triggered)) {
        /* The current sequence goes on with the old count. */
        if (periodic) {
            ch_schedule_reload(c, n);
        } else {
            c->next_count = n;      /* for the next trigger */
            c->reload_tick = INT64_MAX;
        }
        return;
    }
    c->count = n;
    if (triggered)
        return;                     /* waits for a gate trigger */
    if (c->mode == 0 || c->mode == 4 || c->gate)
        ch_start(c);
}

static void ch_write(PitChannel *c, uint8_t v)
{
    bool msb = ch_byte_is_msb(c, &c->write_msb);
    if (c->rw_mode == 1) {
        ch_load(c, v);
    } else if (c->rw_mode == 2) {
        ch_load(c, (uint16_t)(v << 8));
    } else if (!msb) {
        c->write_lsb = v;
        if (c->mode == 0) {         /* the first byte stops counting, OUT low */
            c->running = false;
            c->out_idle = 0;
            ch_update(c);
        }
    } else {
        ch_load(c, (uint16_t)(c->write_lsb | v << 8));
    }
}

static void ch_set_gate(PitChannel *c, bool gate)
{
    if (gate == c->gate)
        return;
    c->gate = gate;
    int64_t now = clock_ns();
    if (gate_holds(c)) {
        if (!c->running)
            return;
        if (!gate) {
            c->gate_low_ns = now;
        } else {
            c->paused_ns += now - c->gate_low_ns;
            c->gate_low_ns = -1;
        }
    } else if (gate && c->count_written) {
        ch_start(c);                /* modes 1, 5 trigger; 2, 3 reload */
    } else if (!gate && (c->mode == 2 || c->mode == 3)) {
        c->running = false;         /* OUT forced high while held */
        c->out_idle = 1;
    }
    ch_update(c);
}

/* A control word programming a counter: everything restarts. */
static void ch_program(PitChannel *c, uint8_t v)
{
    c->rw_mode = (v >> 4) & 3;
    c->mode = (v >> 1) & 7;
    if (c->mode > 5)
        c->mode -= 4;               /* 6 and 7 are 2 and 3 */
    c->bcd = v & 1;
    c->read_msb = c->write_msb = false;
    c->count_latched = c->status_latched = false;
    c->count_written = false;
    c->next_count = 0;
    c->running = false;
    c->null_count = true;
    c->out_idle = c->mode != 0;
    c->gate_low_ns = -1;
    ch_update(c);
}

static void pit_read_back(Pit *s, uint8_t v)
{
    for (int i = 0; i < 3; i++) {
        if (!(v & (2 << i)))
            continue;
        if (!(v & 0x10))
            ch_latch_status(&s->ch[i]);
        if (!(v & 0x20))
            ch_latch_count(&s->ch[i]);
    }
}

static void pit_control(Pit *s, uint8_t v)
{
    int sc = v >> 6;
    if (sc == 3)
        pit_read_back(s, v);
    else if (((v >> 4) & 3) == 0)
        ch_latch_count(&s->ch[sc]);
    else
        ch_program(&s->ch[sc], v);
}

static uint64_t pit_read(void *opaque, uint64_t off, unsigned size)
{
    Pit *s = opaque;
    pit_settle_all(s);
    return off < 3 ? ch_read(&s->ch[off]) : 0xff;   /* 0x43 is write-only */
}

static void pit_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    Pit *s = opaque;
    pit_settle_all(s);
    if (off < 3)
        ch_write(&s->ch[off], (uint8_t)val);
    else
        pit_control(s, (uint8_t)val);
}

static const MemoryRegionOps pit_ops = {
    .read = pit_read, .write = pit_write, .min_access = 1, .max_access = 1,
};

/* Port 0x61: bit 0 counter 2 gate, bit 1 speaker data enable, bits 2-3
 * parity/channel check enables (kept), bit 4 refresh toggle, bit 5 counter
 * 2 OUT; 6-7 (check errors) never set. */
static uint64_t port61_read(void *opaque, uint64_t off, unsigned size)
{
    Pit *s = opaque;
    int64_t now = clock_ns();
    uint8_t v = s->port61 & 0x0f;
    pit_settle_all(s);
    if ((now / REFRESH_NS) & 1)
        v |= 0x10;
    if (ch_out_at(&s->ch[2], now))
        v |= 0x20;
    return v;
}

static void port61_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    Pit *s = opaque;
    pit_settle_all(s);
    s->port61 = val & 0x0f;
    ch_set_gate(&s->ch[2], val & 1);
}

static const MemoryRegionOps port61_ops = {
    .read = port61_read, .write = port61_write, .min_access = 1, .max_access = 1,
};

int i8254_get_out(Device *dev, int ch)
{
    Pit *s = (Pit *)dev;
    pit_settle_all(s);
    return ch >= 0 && ch < 3 ? ch_out_at(&s->ch[ch], clock_ns()) : 0;
}

uint32_t i8254_get_count(Device *dev, int ch)
{
    Pit *s = (Pit *)dev;
    pit_settle_all(s);
    return ch >= 0 && ch < 3 ? ch_value(&s->ch[ch], clock_ns()) : 0;
}

/* Power-on: mode 3, LSB/MSB, no count yet (the firmware programs counter
 * 0); gates of counters 0 and 1 tied high, counter 2's from port 0x61. */
static void pit_reset(Device *dev)
{
    Pit *s = (Pit *)dev;
    s->port61 = 0;
    for (int i = 0; i < 3; i++) {
        PitChannel *c = &s->ch[i];
        timer_del(&c->timer);
        c->gate = i != 2;
        c->count = 65536;
        ch_program(c, (uint8_t)(i << 6 | 0x36));
    }
}

static int pit_realize(Device *dev, Machine *m)
{
    Pit *s = (Pit *)dev;
    for (int i = 0; i < 3; i++) {
        s->ch[i].pit = s;
        s->ch[i].index = i;
        timer_init(&s->ch[i].timer, ch_timer_cb, &s->ch[i]);
    }
    mr_init_io(&s->io, "pit", 4, &pit_ops, s);
    as_map(&m->io, &s->io, 0x40, 0);
    mr_init_io(&s->io61, "port61", 1, &port61_ops, s);
    as_map(&m->io, &s->io61, 0x61, 0);
    return 0;
}

static void pit_unrealize(Device *dev)
{
    Pit *s = (Pit *)dev;
    for (int i = 0; i < 3; i++)
        timer_del(&s->ch[i].timer);
    as_unmap(s->io.as, &s->io);
    as_unmap(s->io61.as, &s->io61);
}

static void pit_info(Device *dev, char *buf, size_t len)
{
    Pit *s = (Pit *)dev;
    int64_t now = clock_ns();
    size_t n = 0;
    pit_settle_all(s);
    for (int i = 0; i < 3 && n < len; i++) {
        const PitChannel *c = &s->ch[i];
        n += (size_t)snprintf(buf + n, len - n, "%sch%d mode=%d count=%u value=%u out=%d gate=%d",
                              i ? "; " : "", i, c->mode, c->count, ch_value(c, now),
                              ch_out_at(c, now), c->gate);
    }
}

static DeviceClass i8254_class = {
    .name = "i8254",
    .desc = "ISA programmable interval timer (8254) and port 0x61",
    .bus = "isa",
    .size = sizeof(Pit),
    .realize = pit_realize,
    .reset = pit_reset,
    .unrealize = pit_unrealize,
    .info = pit_info,
};
DEVICE_REGISTER(i8254_class)
