/* The I/O APIC (82093AA datasheet, version 0x11 register set with 24
 * pins): IOREGSEL at offset 0x00, IOWIN at 0x10; registers ID (0),
 * version (1), arbitration (2) and the redirection table (0x10 + 2 * pin).
 *
 * Edge pins send a message on each rising edge; level pins send while
 * asserted and set Remote IRR until the local APIC's EOI broadcast for the
 * vector.  Pin polarity is stored but not applied: kemu's IRQ lines carry
 * the asserted level already (as the board's ACPI tables describe). */
#include "hw/intc/ioapic.h"
#include "hw/intc/apic.h"
#include "hw/core/device.h"
#include "hw/core/log.h"
#include "hw/core/machine.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define RTE_MASKED     (1ULL << 16)
#define RTE_LEVEL      (1ULL << 15)
#define RTE_REMOTE_IRR (1ULL << 14)
#define RTE_DELIVS     (1ULL << 12)
#define RTE_LOGICAL    (1ULL << 11)
/* Bits software may write: vector, mode, dest mode, polarity, trigger,
 * mask, destination. */
#define RTE_WRITABLE   (0xff00000000000000ULL | 0x1afffULL)

typedef struct IOAPICState {
    Device dev;
    pthread_mutex_t lock;
    MemoryRegion mmio;
    uint32_t regsel;
    uint8_t id;
    uint64_t rte[IOAPIC_NUM_PINS];
    int level[IOAPIC_NUM_PINS];
} IOAPICState;

typedef struct Msg {
    uint8_t dest, vector;
    bool logical;
    int mode, trigger;
} Msg;

/* Decide whether pin must send now; fills msg (lock held). */
static bool pin_service(IOAPICState *s, int pin, Msg *msg)
{
    uint64_t e = s->rte[pin];
    if ((e & RTE_MASKED) || !s->level[pin])
        return false;
    if (e & RTE_LEVEL) {
        if (e & RTE_REMOTE_IRR)
            return false;
        int mode = (e >> 8) & 7;
        if (mode == APIC_DM_FIXED || mode == APIC_DM_LOWEST)
            s->rte[pin] |= RTE_REMOTE_IRR;
    }
    *msg = (Msg){ (uint8_t)(e >> 56), (uint8_t)e, (e & RTE_LOGICAL) != 0,
                  (int)((e >> 8) & 7), (e & RTE_LEVEL) ? 1 : 0 };
    return true;
}

static void send(IOAPICState *s, const Msg *m)
{
    apic_deliver(s->dev.machine, m->dest, m->logical, m->mode, m->vector, 1, m->trigger);
}

void ioapic_set_irq(void *opaque, int pin, int level)
{
    IOAPICState *s = opaque;
    if (pin < 0 || pin >= IOAPIC_NUM_PINS)
        return;
    Msg msg;
    bool go = false;
    pthread_mutex_lock(&s->lock);
    int old = s->level[pin];
    s->level[pin] = level != 0;
    if (s->rte[pin] & RTE_LEVEL)
        go = pin_service(s, pin, &msg);
    else if (level && !old)
        go = pin_service(s, pin, &msg);
    pthread_mutex_unlock(&s->lock);
    if (go)
        send(s, &msg);
}

void ioapic_eoi_broadcast(Machine *m, uint8_t vector)
{
    for (Device *d = m->devices; d; d = d->next) {
        if (strcmp(d->cls->name, "ioapic"))
            continue;
        IOAPICState *s = (IOAPICState *)d;
        for (int pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
            Msg msg;
            bool go = false;
            pthread_mutex_lock(&s->lock);
            uint64_t e = s->rte[pin];
            if ((e & RTE_LEVEL) && (uint8_t)e == vector && (e & RTE_REMOTE_IRR)) {
                s->rte[pin] &= ~RTE_REMOTE_IRR;
                go = pin_service(s, pin, &msg);
            }
            pthread_mutex_unlock(&s->lock);
            if (go)
                send(s, &msg);
        }
    }
}

uint64_t ioapic_get_entry(Device *dev, int pin)
{
    IOAPICState *s = (IOAPICState *)dev;
    if (pin < 0 || pin >= IOAPIC_NUM_PINS)
        return 0;
    pthread_mutex_lock(&s->lock);
    uint64_t e = s->rte[pin];
    pthread_mutex_unlock(&s->lock);
    return e;
}

static uint32_t reg_read(IOAPICState *s)
{
    uint32_t r = s->regsel & 0xff;
    if (r == 0)
        return (uint32_t)s->id << 24;
    if (r == 1)
        return 0x11 | ((IOAPIC_NUM_PINS - 1) << 16);
    if (r == 2)
        return (uint32_t)s->id << 24;
    if (r >= 0x10 && r < 0x10 + 2 * IOAPIC_NUM_PINS) {
        uint64_t e = s->rte[(r - 0x10) / 2];
        return (r & 1) ? (uint32_t)(e >> 32) : (uint32_t)e;
    }
    return 0xffffffffu;
}

/* Returns the pin whose entry changed (to re-evaluate), or -1. */
static int reg_write(IOAPICState *s, uint32_t val)
{
    uint32_t r = s->regsel & 0xff;
    if (r == 0) {
        s->id = (val >> 24) & 0xf;
        return -1;
    }
    if (r < 0x10 || r >= 0x10 + 2 * IOAPIC_NUM_PINS)
        return -1;
    int pin = (int)(r - 0x10) / 2;
    uint64_t e = s->rte[pin];
    uint64_t nv = (r & 1) ? ((e & 0xffffffffULL) | ((uint64_t)val << 32))
                          : ((e & ~0xffffffffULL) | val);
    nv = (nv & RTE_WRITABLE) | (e & (RTE_REMOTE_IRR | RTE_DELIVS));
    if (!(nv & RTE_LEVEL))
        nv &= ~RTE_REMOTE_IRR;
    s->rte[pin] = nv;
    return pin;
}

static uint64_t mmio_read(void *opaque, uint64_t off, unsigned size)
{
    IOAPICState *s = opaque;
    pthread_mutex_lock(&s->lock);
    uint32_t v = off == 0x00 ? s->regsel : off == 0x10 ? reg_read(s) : 0;
    pthread_mutex_unlock(&s->lock);
    return v;
}

static void mmio_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    IOAPICState *s = opaque;
    Msg msg;
    bool go = false;
    pthread_mutex_lock(&s->lock);
    if (off == 0x00) {
        s->regsel = (uint32_t)val & 0xff;
    } else if (off == 0x10) {
        int pin = reg_write(s, (uint32_t)val);
        /* Unmasking a level pin that is still asserted sends it now. */
        if (pin >= 0 && (s->rte[pin] & RTE_LEVEL))
            go = pin_service(s, pin, &msg);
    } else if (off == 0x40) {
        /* Directed EOI register (version 0x20 APICs); harmless here. */
        uint8_t v = (uint8_t)val;
        for (int pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
            if ((uint8_t)s->rte[pin] == v)
                s->rte[pin] &= ~RTE_REMOTE_IRR;
        }
    }
    pthread_mutex_unlock(&s->lock);
    if (go)
        send(s, &msg);
}

static const MemoryRegionOps mmio_ops = {
    .read = mmio_read, .write = mmio_write, .min_access = 4, .max_access = 4,
};

static void ioapic_reset(Device *dev)
{
    IOAPICState *s = (IOAPICState *)dev;
    pthread_mutex_lock(&s->lock);
    s->regsel = 0;
    s->id = 0;
    for (int i = 0; i < IOAPIC_NUM_PINS; i++)
        s->rte[i] = RTE_MASKED;
    pthread_mutex_unlock(&s->lock);
}

static int ioapic_realize(Device *dev, Machine *m)
{
    IOAPICState *s = (IOAPICState *)dev;
    pthread_mutex_init(&s->lock, NULL);
    mr_init_io(&s->mmio, "ioapic", 0x1000, &mmio_ops, s);
    as_map(&m->mem, &s->mmio, IOAPIC_BASE, 10);
    ioapic_reset(dev);
    return 0;
}

static void ioapic_info(Device *dev, char *buf, size_t len)
{
    IOAPICState *s = (IOAPICState *)dev;
    int unmasked = 0;
    for (int i = 0; i < IOAPIC_NUM_PINS; i++)
        unmasked += !(s->rte[i] & RTE_MASKED);
    snprintf(buf, len, "id %u, %d of %d pins unmasked", s->id, unmasked, IOAPIC_NUM_PINS);
}

static DeviceClass ioapic_class = {
    .name = "ioapic",
    .desc = "I/O APIC (24 pins at 0xfec00000)",
    .bus = "sys",
    .size = sizeof(IOAPICState),
    .realize = ioapic_realize,
    .reset = ioapic_reset,
    .info = ioapic_info,
};
DEVICE_REGISTER(ioapic_class)
