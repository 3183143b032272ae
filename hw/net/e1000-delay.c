/* e1000 interrupt moderation by delay timers (8254x manual 3.2.7 and
 * 3.4, registers 13.4.30-13.4.48), as Linux's e1000 programs them.
 *
 * Receive: RXT0 for a frame waits RDTR, restarted by every frame that
 * follows, but no longer than RADV from the first frame since the last
 * RXT0.  Transmit: TXDW for a descriptor with IDE waits TIDV (restarted
 * likewise) and at most TADV; without IDE it is immediate.  Both count
 * in 1.024 us units; a zero RDTR/TIDV means no delay.  Writing RDTR or
 * TIDV with FPD (bit 31) set fires a pending delayed interrupt now.  ITR
 * throttling then applies to whatever is raised (e1000.c). */
#include "hw/net/e1000-int.h"

#define UNIT_NS 1024
#define E1000_FPD 0x80000000u

static void arm(Timer *restarted, Timer *absolute, uint32_t delay, uint32_t abs_delay)
{
    int64_t now = clock_ns();
    timer_mod(restarted, now + (int64_t)delay * UNIT_NS);
    if (abs_delay && !timer_pending(absolute))
        timer_mod(absolute, now + (int64_t)abs_delay * UNIT_NS);
}

static void rx_fire(void *opaque)
{
    E1000 *s = opaque;
    timer_del(&s->rdtr_timer);
    timer_del(&s->radv_timer);
    e1000_raise(s, E1000_ICR_RXT0);
}

static void tx_fire(void *opaque)
{
    E1000 *s = opaque;
    timer_del(&s->tidv_timer);
    timer_del(&s->tadv_timer);
    e1000_raise(s, E1000_ICR_TXDW);
}

void e1000_rx_delayed(E1000 *s)
{
    uint32_t rdtr = E1000_REG(s, E1000_RDTR) & 0xffff;
    if (!rdtr) {
        rx_fire(s);
        return;
    }
    arm(&s->rdtr_timer, &s->radv_timer, rdtr, E1000_REG(s, E1000_RADV) & 0xffff);
}

void e1000_tx_delayed(E1000 *s)
{
    uint32_t tidv = E1000_REG(s, E1000_TIDV) & 0xffff;
    if (!tidv) {
        tx_fire(s);
        return;
    }
    arm(&s->tidv_timer, &s->tadv_timer, tidv, E1000_REG(s, E1000_TADV) & 0xffff);
}

/* RDTR/RADV/TIDV/TADV: 16-bit delays; FPD flushes and reads back 0. */
void e1000_delay_written(E1000 *s, uint32_t off, uint32_t val)
{
    E1000_REG(s, off) = val & 0xffff;
    if (!(val & E1000_FPD))
        return;
    if (off == E1000_RDTR && timer_pending(&s->rdtr_timer))
        rx_fire(s);
    if (off == E1000_TIDV && timer_pending(&s->tidv_timer))
        tx_fire(s);
}

void e1000_delay_init(E1000 *s)
{
    timer_init(&s->rdtr_timer, rx_fire, s);
    timer_init(&s->radv_timer, rx_fire, s);
    timer_init(&s->tidv_timer, tx_fire, s);
    timer_init(&s->tadv_timer, tx_fire, s);
}

void e1000_delay_reset(E1000 *s)
{
    timer_del(&s->rdtr_timer);
    timer_del(&s->radv_timer);
    timer_del(&s->tidv_timer);
    timer_del(&s->tadv_timer);
}
