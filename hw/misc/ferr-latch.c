/* The PC's coprocessor error latch (the ISA bridge's FERR#/IGNNE# logic,
 * as on the AT and kept by PIIX): with CR0.NE=0 the CPU signals an
 * unmasked x87 error on FERR#, which raises IRQ 13; the IRQ 13 handler
 * writes port 0xF0, which drops IRQ 13 and asserts IGNNE# so that the
 * frozen x87 instruction can go on.  IGNNE# falls with FERR# (FNCLEX,
 * FNINIT).  Reads of port 0xF0 return 0xFF (nothing there to read). */
#include "hw/core/machine.h"

#include <stdio.h>

#define FERR_IRQ 13

typedef struct FerrLatch {
    Device dev;
    bool ferr;              /* the CPU's FERR# level */
    MemoryRegion io;
} FerrLatch;

static void ferr_set(void *opaque, int n, int level)
{
    FerrLatch *s = opaque;
    Machine *m = s->dev.machine;
    (void)n;
    s->ferr = level;
    if (!level)
        m->ignne = false;
    irq_set(&m->gsi[FERR_IRQ], level && !m->ignne);
}

static uint64_t ferr_read(void *opaque, uint64_t off, unsigned size)
{
    (void)opaque, (void)off, (void)size;
    return 0xff;
}

static void ferr_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    FerrLatch *s = opaque;
    Machine *m = s->dev.machine;
    (void)off, (void)val, (void)size;
    irq_lower(&m->gsi[FERR_IRQ]);
    if (s->ferr)
        m->ignne = true;
}

static const MemoryRegionOps ferr_ops = {
    .read = ferr_read, .write = ferr_write, .min_access = 1, .max_access = 1,
};

static void ferr_reset(Device *dev)
{
    FerrLatch *s = (FerrLatch *)dev;
    s->ferr = false;
    dev->machine->ignne = false;
}

static int ferr_realize(Device *dev, Machine *m)
{
    FerrLatch *s = (FerrLatch *)dev;
    mr_init_io(&s->io, "ferr-latch", 1, &ferr_ops, s);
    as_map(&m->io, &s->io, 0xf0, 0);
    irq_connect(&m->ferr, ferr_set, s, 0);
    return 0;
}

static void ferr_unrealize(Device *dev)
{
    FerrLatch *s = (FerrLatch *)dev;
    irq_connect(&dev->machine->ferr, NULL, NULL, 0);
    as_unmap(s->io.as, &s->io);
}

static void ferr_info(Device *dev, char *buf, size_t len)
{
    FerrLatch *s = (FerrLatch *)dev;
    snprintf(buf, len, "ferr=%d ignne=%d", s->ferr, (int)dev->machine->ignne);
}

static DeviceClass ferr_class = {
    .name = "ferr-latch",
    .desc = "Coprocessor error latch (FERR# to IRQ 13, IGNNE# by port 0xF0)",
    .bus = "isa",
    .size = sizeof(FerrLatch),
    .realize = ferr_realize,
    .reset = ferr_reset,
    .unrealize = ferr_unrealize,
    .info = ferr_info,
};
DEVICE_REGISTER(ferr_class)
