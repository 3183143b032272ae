/* isa-debug-exit: a port that ends the emulator.  A guest write of V exits
 * with status (V << 1) | 1, so a test program's result can never be
 * mistaken for kemu's own success (0). */
#include "hw/core/error.h"
#include "hw/core/machine.h"

#include <stdio.h>

typedef struct DebugExit {
    Device dev;
    uint32_t iobase, iosize;
    MemoryRegion io;
} DebugExit;

static uint64_t debugexit_read(void *opaque, uint64_t off, unsigned size)
{
    return 0;
}

static void debugexit_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    DebugExit *s = opaque;
    machine_request_shutdown(s->dev.machine, (int)(((val & 0xffffffffu) << 1) | 1));
}

static const MemoryRegionOps debugexit_ops = {
    .read = debugexit_read, .write = debugexit_write, .min_access = 1, .max_access = 4,
};

static int debugexit_realize(Device *dev, Machine *m)
{
    DebugExit *s = (DebugExit *)dev;
    if (s->iosize == 0 || s->iosize > 0x10000 || s->iobase > 0x10000 - s->iosize) {
        error_report("-device isa-debug-exit: iobase=0x%x,iosize=0x%x does not fit the "
                     "I/O port space", s->iobase, s->iosize);
        return -1;
    }
    mr_init_io(&s->io, "isa-debug-exit", s->iosize, &debugexit_ops, s);
    as_map(&m->io, &s->io, s->iobase, 0);
    return 0;
}

static void debugexit_unrealize(Device *dev)
{
    DebugExit *s = (DebugExit *)dev;
    as_unmap(s->io.as, &s->io);
}

static void debugexit_info(Device *dev, char *buf, size_t len)
{
    DebugExit *s = (DebugExit *)dev;
    snprintf(buf, len, "iobase=0x%x iosize=0x%x", s->iobase, s->iosize);
}

static const Property debugexit_props[] = {
    DEFINE_PROP("iobase", DebugExit, iobase, PROP_U32, 0x501),
    DEFINE_PROP("iosize", DebugExit, iosize, PROP_U32, 2),
    PROP_END,
};

static DeviceClass debugexit_class = {
    .name = "isa-debug-exit",
    .desc = "ISA port that exits kemu with status (value << 1) | 1",
    .bus = "isa",
    .size = sizeof(DebugExit),
    .props = debugexit_props,
    .user_creatable = true,
    .realize = debugexit_realize,
    .unrealize = debugexit_unrealize,
    .info = debugexit_info,
};
DEVICE_REGISTER(debugexit_class)
