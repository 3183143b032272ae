/* Intel 8259A programmable interrupt controllers, master and slave.
 *
 * Priorities are kept as a rotation: prio_base is the IR line that has the
 * highest priority (0 after initialization; rotation moves it to the line
 * after the one just serviced).  The slave's INT output feeds the master's
 * IR2 as a level, so a slave that still has requests after an INTA (auto-EOI,
 * special fully nested mode) keeps asking. */
#include "hw/intc/i8259.h"
#include "hw/core/log.h"
#include "hw/core/machine.h"

#include <stdio.h>

typedef struct PicPair PicPair;

typedef struct Pic {
    PicPair *pair;
    uint8_t irr, isr, imr;
    uint8_t pins;           /* input levels as last driven */
    uint8_t elcr, elcr_mask;
    uint8_t cascade_mask;   /* master: the IR line the slave drives */
    uint8_t base;           /* vector base from ICW2 */
    uint8_t prio_base;      /* IR line with the highest priority */
    uint8_t init_step;      /* 0 operational, else the ICW expected next */
    bool icw4_needed, single, ltim;
    bool auto_eoi, rotate_aeoi, sfnm;
    bool read_isr, poll, special_mask;
} Pic;

struct PicPair {
    Device dev;
    Pic pic[2];
    IrqLine intr;
    MemoryRegion io[2], elcr_io;
};

enum { ICW_NONE, ICW_2, ICW_3, ICW_4 };

static uint8_t level_mask(const Pic *p)
{
    return (p->ltim ? 0xff : p->elcr) | p->cascade_mask;
}

static void pic_set_pin(Pic *p, int bit, int level)
{
    uint8_t mask = 1u << bit;
    bool was = p->pins & mask;
    p->pins = level ? p->pins | mask : p->pins & ~mask;
    if (level_mask(p) & mask)
        p->irr = level ? p->irr | mask : p->irr & ~mask;
    else if (level && !was)
        p->irr |= mask;
}

/* Priority (0 highest) of the best line in mask, 8 if none. */
static int get_priority(const Pic *p, uint8_t mask)
{
    for (int prio = 0; prio < 8; prio++) {
        if (mask & (1u << ((prio + p->prio_base) & 7)))
            return prio;
    }
    return 8;
}

static int prio_to_irq(const Pic *p, int prio)
{
    return (prio + p->prio_base) & 7;
}

/* The line this PIC would present on INTA now, or -1. */
static int pic_pending(const Pic *p)
{
    uint8_t req = p->irr & ~p->imr;
    if (p->special_mask) {
        /* Special mask mode: every unmasked level not itself in service
         * may interrupt, lower ones included. */
        int prio = get_priority(p, req & ~p->isr);
        return prio == 8 ? -1 : prio_to_irq(p, prio);
    }
    int prio = get_priority(p, req);
    if (prio == 8)
        return -1;
    uint8_t busy = p->isr;
    if (p->sfnm)
        busy &= ~p->cascade_mask;   /* a slave request may nest */
    return prio < get_priority(p, busy) ? prio_to_irq(p, prio) : -1;
}

static void pair_update(PicPair *s)
{
    pic_set_pin(&s->pic[0], 2, pic_pending(&s->pic[1]) >= 0);
    int out = pic_pending(&s->pic[0]) >= 0;
    if (out != s->intr.level)
        irq_set(&s->intr, out);
}

void i8259_set_irq(void *opaque, int irq, int level)
{
    PicPair *s = opaque;
    if (irq < 0 || irq > 15 || irq == 2)
        return;   /* IR2 of the master is the cascade, not a device input */
    pic_set_pin(&s->pic[irq >> 3], irq & 7, level);
    pair_update(s);
}

IrqLine *i8259_intr(Device *dev)
{
    return &((PicPair *)dev)->intr;
}

/* First INTA cycle for line irq: request -> in service. */
static void pic_in_service(Pic *p, int irq)
{
    uint8_t mask = 1u << irq;
    if (!(level_mask(p) & mask))
        p->irr &= ~mask;
    if (!p->auto_eoi)
        p->isr |= mask;
    else if (p->rotate_aeoi)
        p->prio_base = (irq + 1) & 7;
}

static int slave_ack(Pic *sl)
{
    int irq = pic_pending(sl);
    if (irq < 0)
        return sl->base | 7;        /* spurious IR15 */
    pic_in_service(sl, irq);
    return sl->base | irq;
}

int i8259_ack(Device *dev)
{
    PicPair *s = (PicPair *)dev;
    Pic *m = &s->pic[0];
    int irq = pic_pending(m), vec;
    if (irq < 0) {
        vec = m->base | 7;          /* spurious IR7: nothing set in service */
    } else {
        pic_in_service(m, irq);
        vec = (irq == 2 && !m->single) ? slave_ack(&s->pic[1]) : (m->base | irq);
    }
    pair_update(s);
    return vec;
}

/* Poll command: the read acts as INTA for this PIC alone. */
static uint8_t pic_poll_read(Pic *p)
{
    int irq = pic_pending(p);
    p->poll = false;
    if (irq < 0)
        return 0;
    pic_in_service(p, irq);
    pair_update(p->pair);
    return 0x80 | irq;
}

static void pic_eoi(Pic *p, int irq, bool rotate)
{
    if (irq < 0 || irq > 7)
        return;
    p->isr &= ~(1u << irq);
    if (rotate)
        p->prio_base = (irq + 1) & 7;
}

static int highest_in_service(const Pic *p)
{
    int prio = get_priority(p, p->isr);
    return prio == 8 ? -1 : prio_to_irq(p, prio);
}

static void pic_ocw2(Pic *p, uint8_t v)
{
    int irq = v & 7;
    switch (v >> 5) {
    case 0: p->rotate_aeoi = false; break;
    case 4: p->rotate_aeoi = true; break;
    case 1: pic_eoi(p, highest_in_service(p), false); break;
    case 5: pic_eoi(p, highest_in_service(p), true); break;
    case 3: pic_eoi(p, irq, false); break;
    case 7: pic_eoi(p, irq, true); break;
    case 6: p->prio_base = (irq + 1) & 7; break;
    default: break;                 /* 2: no operation */
    }
}

static void pic_ocw3(Pic *p, uint8_t v)
{
    if (v & 0x04)
        p->poll = true;
    if (v & 0x02)
        p->read_isr = v & 0x01;
    if (v & 0x40)
        p->special_mask = v & 0x20;
}

/* ICW1 starts initialization: the edge detectors, masks, in-service bits and
 * every ICW4 mode are cleared. */
static void pic_icw1(Pic *p, uint8_t v)
{
    p->ltim = v & 0x08;
    p->single = v & 0x02;
    p->icw4_needed = v & 0x01;
    p->irr = p->pins & level_mask(p);
    p->imr = p->isr = 0;
    p->prio_base = 0;
    p->auto_eoi = p->rotate_aeoi = p->sfnm = false;
    p->read_isr = p->poll = p->special_mask = false;
    p->init_step = ICW_2;
}

static void pic_write_cmd(Pic *p, uint8_t v)
{
    if (v & 0x10)
        pic_icw1(p, v);
    else if (v & 0x08)
        pic_ocw3(p, v);
    else
        pic_ocw2(p, v);
}

static void pic_write_data(Pic *p, uint8_t v)
{
    switch (p->init_step) {
    case ICW_2:
        p->base = v & 0xf8;
        p->init_step = !p->single ? ICW_3 : p->icw4_needed ? ICW_4 : ICW_NONE;
        break;
    case ICW_3:                     /* cascade wiring is fixed on a PC */
        p->init_step = p->icw4_needed ? ICW_4 : ICW_NONE;
        break;
    case ICW_4:
        p->auto_eoi = v & 0x02;
        p->sfnm = v & 0x10;
        if (!(v & 0x01) && log_enabled(LOG_UNIMP))
            log_printf("i8259: ICW4 0x%02x selects MCS-80 mode; kept 8086 mode\n", v);
        p->init_step = ICW_NONE;
        break;
    default:
        p->imr = v;                 /* OCW1 */
        break;
    }
}

static uint64_t pic_read(void *opaque, uint64_t off, unsigned size)
{
    Pic *p = opaque;
    if (p->poll)
        return pic_poll_read(p);
    if (off == 1)
        return p->imr;
    return p->read_isr ? p->isr : p->irr;
}

static void pic_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    Pic *p = opaque;
    if (off == 0)
        pic_write_cmd(p, (uint8_t)val);
    else
        pic_write_data(p, (uint8_t)val);
    pair_update(p->pair);
}

static const MemoryRegionOps pic_ops = {
    .read = pic_read, .write = pic_write, .min_access = 1, .max_access = 1,
};

/* ELCR: 0x4d0 for IRQ0-7, 0x4d1 for IRQ8-15.  IRQ0, 1, 2, 8 and 13 are
 * always edge-triggered on a PC. */
static uint64_t elcr_read(void *opaque, uint64_t off, unsigned size)
{
    PicPair *s = opaque;
    return s->pic[off & 1].elcr;
}

static void elcr_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    PicPair *s = opaque;
    Pic *p = &s->pic[off & 1];
    p->elcr = (uint8_t)val & p->elcr_mask;
    /* Level inputs show their pin in IRR right away. */
    p->irr = (p->irr & ~level_mask(p)) | (p->pins & level_mask(p));
    pair_update(s);
}

static const MemoryRegionOps elcr_ops = {
    .read = elcr_read, .write = elcr_write, .min_access = 1, .max_access = 1,
};

static void pic_reset_one(Pic *p)
{
    uint8_t pins = p->pins;
    PicPair *pair = p->pair;
    uint8_t elcr_mask = p->elcr_mask, cascade_mask = p->cascade_mask;
    *p = (Pic){ .pair = pair, .pins = pins, .elcr_mask = elcr_mask,
                .cascade_mask = cascade_mask };
}

static void pic_reset(Device *dev)
{
    PicPair *s = (PicPair *)dev;
    pic_reset_one(&s->pic[0]);
    pic_reset_one(&s->pic[1]);
    pair_update(s);
    if (s->intr.level)
        irq_lower(&s->intr);
}

static int pic_realize(Device *dev, Machine *m)
{
    PicPair *s = (PicPair *)dev;
    static const uint16_t ports[2] = { 0x20, 0xa0 };
    static const char *const names[2] = { "pic-master", "pic-slave" };
    s->pic[0] = (Pic){ .pair = s, .elcr_mask = 0xf8, .cascade_mask = 0x04 };
    s->pic[1] = (Pic){ .pair = s, .elcr_mask = 0xde };
    irq_init(&s->intr, NULL, NULL, 0);
    for (int i = 0; i < 2; i++) {
        mr_init_io(&s->io[i], names[i], 2, &pic_ops, &s->pic[i]);
        as_map(&m->io, &s->io[i], ports[i], 0);
    }
    mr_init_io(&s->elcr_io, "elcr", 2, &elcr_ops, s);
    as_map(&m->io, &s->elcr_io, 0x4d0, 0);
    return 0;
}

static void pic_unrealize(Device *dev)
{
    PicPair *s = (PicPair *)dev;
    for (int i = 0; i < 2; i++)
        as_unmap(s->io[i].as, &s->io[i]);
    as_unmap(s->elcr_io.as, &s->elcr_io);
}

static void pic_info(Device *dev, char *buf, size_t len)
{
    PicPair *s = (PicPair *)dev;
    const Pic *a = &s->pic[0], *b = &s->pic[1];
    snprintf(buf, len, "master irr=%02x isr=%02x imr=%02x base=%02x elcr=%02x; "
             "slave irr=%02x isr=%02x imr=%02x base=%02x elcr=%02x; intr=%d",
             a->irr, a->isr, a->imr, a->base, a->elcr,
             b->irr, b->isr, b->imr, b->base, b->elcr, s->intr.level);
}

static DeviceClass i8259_class = {
    .name = "i8259",
    .desc = "ISA PIC pair (8259A master and slave, ELCR)",
    .bus = "isa",
    .size = sizeof(PicPair),
    .realize = pic_realize,
    .reset = pic_reset,
    .unrealize = pic_unrealize,
    .info = pic_info,
};
DEVICE_REGISTER(i8259_class)
