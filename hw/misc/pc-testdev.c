/* pc-testdev: the ISA test device that test suites written for QEMU
 * (kvm-unit-tests) expect beside their guest:
 *   0xe0-0xe3      a 32-bit scratch register, byte-addressable: what the
 *                  guest writes it reads back (port I/O of every width)
 *   0xe4-0xe7      "flush page": the guest writes a physical address whose
 *                  host mapping a hypervisor would drop; kemu's translator
 *                  keeps no such mapping a guest could observe, so the
 *                  write has no effect
 *   0x2000-0x2017  one port per interrupt line: writing V drives GSI n
 *                  to level V != 0 (ISA IRQ n, IOAPIC pin n)
 *   0xff000000     64 KiB of memory behind MMIO callbacks (not RAM), so
 *                  each guest access goes through the bus as a device
 *                  access does */
#include "hw/core/machine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCRATCH_PORT  0xe0
#define FLUSH_PORT    0xe4
#define IRQ_PORT_BASE 0x2000
#define IOMEM_BASE    0xff000000ULL
#define IOMEM_LEN     0x10000

typedef struct PcTestdev {
    Device dev;
    MemoryRegion scratch_io, flush_io, irq_io, iomem;
    uint32_t scratch;
    uint8_t *mem;
} PcTestdev;

static uint64_t width_mask(unsigned size)
{
    return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

static uint64_t scratch_read(void *opaque, uint64_t off, unsigned size)
{
    PcTestdev *s = opaque;
    return (s->scratch >> (8 * off)) & width_mask(size);
}

static void scratch_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    PcTestdev *s = opaque;
    uint32_t mask = (uint32_t)(width_mask(size) << (8 * off));
    s->scratch = (s->scratch & ~mask) | ((uint32_t)(val << (8 * off)) & mask);
}

static uint64_t flush_read(void *opaque, uint64_t off, unsigned size)
{
    return 0;
}

static void flush_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
}

static uint64_t irq_read(void *opaque, uint64_t off, unsigned size)
{
    return 0;
}

static void irq_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    PcTestdev *s = opaque;
    if (off < NUM_GSI)
        irq_set(&s->dev.machine->gsi[off], val != 0);
}

static uint64_t iomem_read(void *opaque, uint64_t off, unsigned size)
{
    PcTestdev *s = opaque;
    uint64_t v = 0;
    memcpy(&v, s->mem + off, size);
    return v;
}

static void iomem_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    PcTestdev *s = opaque;
    memcpy(s->mem + off, &val, size);
}

static const MemoryRegionOps scratch_ops = { scratch_read, scratch_write, 1, 4 };
static const MemoryRegionOps flush_ops = { flush_read, flush_write, 1, 4 };
static const MemoryRegionOps irq_ops = { irq_read, irq_write, 1, 1 };
static const MemoryRegionOps iomem_ops = { iomem_read, iomem_write, 1, 8 };

static int pc_testdev_realize(Device *dev, Machine *m)
{
    PcTestdev *s = (PcTestdev *)dev;
    s->mem = calloc(1, IOMEM_LEN);
    if (!s->mem)
        return -1;
    mr_init_io(&s->scratch_io, "pc-testdev-ioport", 4, &scratch_ops, s);
    mr_init_io(&s->flush_io, "pc-testdev-flush-page", 4, &flush_ops, s);
    mr_init_io(&s->irq_io, "pc-testdev-irq-line", NUM_GSI, &irq_ops, s);
    mr_init_io(&s->iomem, "pc-testdev-iomem", IOMEM_LEN, &iomem_ops, s);
    as_map(&m->io, &s->scratch_io, SCRATCH_PORT, 0);
    as_map(&m->io, &s->flush_io, FLUSH_PORT, 0);
    as_map(&m->io, &s->irq_io, IRQ_PORT_BASE, 0);
    as_map(&m->mem, &s->iomem, IOMEM_BASE, 1);
    return 0;
}

static void pc_testdev_reset(Device *dev)
{
    PcTestdev *s = (PcTestdev *)dev;
    s->scratch = 0;
    memset(s->mem, 0, IOMEM_LEN);
}

static void pc_testdev_unrealize(Device *dev)
{
    PcTestdev *s = (PcTestdev *)dev;
    as_unmap(s->scratch_io.as, &s->scratch_io);
    as_unmap(s->flush_io.as, &s->flush_io);
    as_unmap(s->irq_io.as, &s->irq_io);
    as_unmap(s->iomem.as, &s->iomem);
    free(s->mem);
}

static void pc_testdev_info(Device *dev, char *buf, size_t len)
{
    PcTestdev *s = (PcTestdev *)dev;
    snprintf(buf, len, "scratch 0x%08x", s->scratch);
}

static DeviceClass pc_testdev_class = {
    .name = "pc-testdev",
    .desc = "test device for guest test suites: ports 0xe0/0xe4, IRQ lines at 0x2000, MMIO at 0xff000000",
    .bus = "isa",
    .size = sizeof(PcTestdev),
    .user_creatable = true,
    .realize = pc_testdev_realize,
    .reset = pc_testdev_reset,
    .unrealize = pc_testdev_unrealize,
    .info = pc_testdev_info,
};
DEVICE_REGISTER(pc_testdev_class)
