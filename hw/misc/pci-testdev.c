/* pci-testdev: the PCI test device of test suites written for QEMU
 * (kvm-unit-tests' lib/pci-testdev.c), Red Hat's ID 1b36:0005.  BAR 0 is
 * 4 KiB of memory space, BAR 1 256 bytes of I/O space; both show the same
 * test header at offset 0:
 *   0  test   (write: select a test, which clears its count)
 *   1  width  (1, 2 or 4; 0 past the last test)
 *   4  offset (where the test writes, from the header)
 *   8  data   (the value to write)
 *   12 count  (writes of data with that width seen at offset)
 *   16 name   (NUL-terminated)
 * so a guest can check that accesses of each width reach a device through
 * either kind of BAR. */
#include "hw/core/error.h"
#include "hw/core/machine.h"
#include "hw/core/pci.h"

#include <stdio.h>
#include <string.h>

#define TEST_OFFSET(t) (0x40u + 4u * (t))
#define NAME_OFFSET    16

static const struct { const char *name; uint8_t width; uint32_t data; } tests[] = {
    { "write32", 4, 0x12345678u },
    { "write16", 2, 0x5a5au },
    { "write8", 1, 0xa5u },
};
#define NUM_TESTS (sizeof(tests) / sizeof(tests[0]))

typedef struct PciTestdev {
    Device dev;
    PCIFunction fn;
    MemoryRegion mmio, portio;
    struct { uint8_t test; uint32_t count[NUM_TESTS]; } bar[2];
} PciTestdev;


static uint8_t header_byte(const PciTestdev *s, int n, unsigned off)
{
    unsigned t = s->bar[n].test;
    uint8_t hdr[NAME_OFFSET + 16] = { (uint8_t)t };
    if (t < NUM_TESTS) {
        uint32_t words[3] = { TEST_OFFSET(t), tests[t].data, s->bar[n].count[t] };
        hdr[1] = tests[t].width;
        for (unsigned i = 0; i < 12; i++)
            hdr[4 + i] = (uint8_t)(words[i / 4] >> (8 * (i % 4)));
        snprintf((char *)hdr + NAME_OFFSET, sizeof(hdr) - NAME_OFFSET, "%s", tests[t].name);
    }
    return off < sizeof(hdr) ? hdr[off] : 0;
}

static uint64_t bar_read(PciTestdev *s, int n, uint64_t off, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)header_byte(s, n, (unsigned)off + i) << (8 * i);
    return v;
}

static void bar_write(PciTestdev *s, int n, uint64_t off, uint64_t val, unsigned size)
{
    if (off == 0) {
        s->bar[n].test = (uint8_t)val;
        if (s->bar[n].test < NUM_TESTS)
            s->bar[n].count[s->bar[n].test] = 0;
        return;
    }
    for (unsigned t = 0; t < NUM_TESTS; t++) {
        uint64_t mask = (1ULL << (8 * tests[t].width)) - 1;
        if (off == TEST_OFFSET(t) && size == tests[t].width && (val & mask) == (tests[t].data & mask))
            s->bar[n].count[t]++;
    }
}

static uint64_t mmio_read(void *opaque, uint64_t off, unsigned size)
{
    return bar_read(opaque, 0, off, size);
}

static void mmio_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    bar_write(opaque, 0, off, val, size);
}

static uint64_t portio_read(void *opaque, uint64_t off, unsigned size)
{
    return bar_read(opaque, 1, off, size);
}

static void portio_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    bar_write(opaque, 1, off, val, size);
}

static const MemoryRegionOps mmio_ops = { mmio_read, mmio_write, 1, 4 };
static const MemoryRegionOps portio_ops = { portio_read, portio_write, 1, 4 };

static int pci_testdev_realize(Device *dev, Machine *m)
{
    PciTestdev *s = (PciTestdev *)dev;
    if (!m->pci) {
        error_report("-device pci-testdev: the machine has no PCI bus");
        return -1;
    }
    pci_function_init(&s->fn, 0x1b36, 0x0005, 0xff, 0x00, 0x00);   /* class: other */
    mr_init_io(&s->mmio, "pci-testdev-mmio", 0x1000, &mmio_ops, s);
    mr_init_io(&s->portio, "pci-testdev-portio", 0x100, &portio_ops, s);
    pci_bar_init(&s->fn, 0, &s->mmio, false);
    pci_bar_init(&s->fn, 1, &s->portio, true);
    if (pci_bus_add(m->pci, &s->fn, -1) < 0) {
        error_report("-device pci-testdev: no free slot on PCI bus 0");
        return -1;
    }
    return 0;
}

static void pci_testdev_reset(Device *dev)
{
    PciTestdev *s = (PciTestdev *)dev;
    pci_function_reset(&s->fn);
    memset(s->bar, 0, sizeof(s->bar));
}

static void pci_testdev_unrealize(Device *dev)
{
    PciTestdev *s = (PciTestdev *)dev;
    if (s->fn.bus)
        pci_bus_remove(s->fn.bus, &s->fn);
    mr_free(&s->mmio);
    mr_free(&s->portio);
}

static void pci_testdev_info(Device *dev, char *buf, size_t len)
{
    PciTestdev *s = (PciTestdev *)dev;
    snprintf(buf, len, "devfn 0x%02x bar0 0x%08x bar1 0x%04x", s->fn.devfn,
             pci_config_read(s->fn.bus, s->fn.devfn, PCI_BAR0, 4),
             pci_config_read(s->fn.bus, s->fn.devfn, PCI_BAR0 + 4, 4));
}

static DeviceClass pci_testdev_class = {
    .name = "pci-testdev",
    .desc = "PCI test device (1b36:0005): test header in a memory and an I/O BAR",
    .bus = "pci",
    .size = sizeof(PciTestdev),
    .user_creatable = true,
    .realize = pci_testdev_realize,
    .reset = pci_testdev_reset,
    .unrealize = pci_testdev_unrealize,
    .info = pci_testdev_info,
};
DEVICE_REGISTER(pci_testdev_class)
