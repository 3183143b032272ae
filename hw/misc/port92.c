/* Port 0x92, "system control port A": bit 1 is the fast A20 gate, a rising
 * bit 0 resets the CPU.  A20 reads back as the machine's gate, whichever of
 * this port and the i8042 set it last. */
#include "hw/core/machine.h"

#include <stdio.h>

#define P92_RESET 0x01
#define P92_A20 0x02

typedef struct Port92 {
    Device dev;
    uint8_t value;
    MemoryRegion io;
} Port92;

static uint64_t port92_read(void *opaque, uint64_t off, unsigned size)
{
    Port92 *s = opaque;
    return (s->value & ~P92_A20) | (s->dev.machine->a20 ? P92_A20 : 0);
}

static void port92_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    Port92 *s = opaque;
    Machine *m = s->dev.machine;
    uint8_t old = s->value;
    s->value = (uint8_t)val;
    bool a20 = val & P92_A20;
    if (a20 != m->a20)
        machine_set_a20(m, a20);
    if ((val & P92_RESET) && !(old & P92_RESET))
        machine_request_reset(m);
}

static const MemoryRegionOps port92_ops = {
    .read = port92_read, .write = port92_write, .min_access = 1, .max_access = 1,
};

static void port92_reset(Device *dev)
{
    ((Port92 *)dev)->value = 0;
}

static int port92_realize(Device *dev, Machine *m)
{
    Port92 *s = (Port92 *)dev;
    mr_init_io(&s->io, "port92", 1, &port92_ops, s);
    as_map(&m->io, &s->io, 0x92, 0);
    return 0;
}

static void port92_unrealize(Device *dev)
{
    Port92 *s = (Port92 *)dev;
    as_unmap(s->io.as, &s->io);
}

static void port92_info(Device *dev, char *buf, size_t len)
{
    Port92 *s = (Port92 *)dev;
    snprintf(buf, len, "value=0x%02x a20=%s", (unsigned)port92_read(s, 0, 1),
             s->dev.machine->a20 ? "on" : "off");
}

static DeviceClass port92_class = {
    .name = "port92",
    .desc = "System control port A (fast A20 gate and reset)",
    .bus = "isa",
    .size = sizeof(Port92),
    .realize = port92_realize,
    .reset = port92_reset,
    .unrealize = port92_unrealize,
    .info = port92_info,
};
DEVICE_REGISTER(port92_class)
