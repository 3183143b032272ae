/* Port 0x80, the POST code port: firmware and Linux write it (Linux as an
 * I/O delay); it accepts anything and reads back the last value. */
#include "hw/core/machine.h"

#include <stdio.h>

typedef struct IoPort80 {
    Device dev;
    uint8_t last;
    MemoryRegion io;
} IoPort80;

static uint64_t port80_read(void *opaque, uint64_t off, unsigned size)
{
    IoPort80 *s = opaque;
    return s->last;
}

static void port80_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    IoPort80 *s = opaque;
    s->last = (uint8_t)val;
}

static const MemoryRegionOps port80_ops = {
    .read = port80_read, .write = port80_write, .min_access = 1, .max_access = 1,
};

static void port80_reset(Device *dev)
{
    ((IoPort80 *)dev)->last = 0;
}

static int port80_realize(Device *dev, Machine *m)
{
    IoPort80 *s = (IoPort80 *)dev;
    mr_init_io(&s->io, "ioport80", 1, &port80_ops, s);
    as_map(&m->io, &s->io, 0x80, 0);
    return 0;
}

static void port80_unrealize(Device *dev)
{
    IoPort80 *s = (IoPort80 *)dev;
    as_unmap(s->io.as, &s->io);
}

static void port80_info(Device *dev, char *buf, size_t len)
{
    snprintf(buf, len, "last POST code 0x%02x", ((IoPort80 *)dev)->last);
}

static DeviceClass port80_class = {
    .name = "ioport80",
    .desc = "POST code port 0x80",
    .bus = "isa",
    .size = sizeof(IoPort80),
    .realize = port80_realize,
    .reset = port80_reset,
    .unrealize = port80_unrealize,
    .info = port80_info,
};
DEVICE_REGISTER(port80_class)
