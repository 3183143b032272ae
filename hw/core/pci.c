/* The PCI bus core: configuration space with write masks, BAR sizing and
 * mapping (see pci.h). */
#include "hw/core/pci.h"
#include "hw/core/machine.h"

#include <string.h>

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)v);
    put16(p + 2, (uint16_t)(v >> 16));
}

void pci_function_init(PCIFunction *f, uint16_t vendor, uint16_t device, uint8_t class_code,
                       uint8_t subclass, uint8_t revision)
{
    memset(f, 0, sizeof(*f));
    put16(f->config + PCI_VENDOR_ID, vendor);
    put16(f->config + PCI_DEVICE_ID, device);
    f->config[PCI_CLASS_REV] = revision;
    f->config[PCI_CLASS_REV + 2] = subclass;
    f->config[PCI_CLASS_REV + 3] = class_code;
    put16(f->config + PCI_SUBSYSTEM_VENDOR_ID, 0x1af4);    /* QEMU's default subsystem */
    put16(f->config + PCI_SUBSYSTEM_ID, 0x1100);
    f->wmask[PCI_COMMAND] = PCI_COMMAND_IO | PCI_COMMAND_MEM | PCI_COMMAND_MASTER;
    f->wmask[PCI_COMMAND + 1] = PCI_COMMAND_INTX_DISABLE >> 8;
    f->wmask[PCI_INTERRUPT_LINE] = 0xff;
}

static uint16_t command(const PCIFunction *f)
{
    return (uint16_t)(f->config[PCI_COMMAND] | f->config[PCI_COMMAND + 1] << 8);
}

bool pci_bus_master(const PCIFunction *f)
{
    return command(f) & PCI_COMMAND_MASTER;
}

void pci_bus_set_router(PCIBus *bus, PCIRouteFn *fn, void *opaque)
{
    bus->route = fn;
    bus->route_opaque = opaque;
}

/* What reaches the router: the level unless INTx is disabled. */
static void route_intx(PCIFunction *f, int old_out, int new_out)
{
    PCIBus *bus = f->bus;
    int pin = f->config[PCI_INTERRUPT_PIN];
    if (!bus || !pin || pin > 4 || old_out == new_out)
        return;
    int pirq = ((f->devfn >> 3) - 1 + pin - 1) & 3;
    bus->pirq_count[pirq] += new_out ? 1 : -1;
    if (bus->route)
        bus->route(bus->route_opaque, pirq, bus->pirq_count[pirq] > 0);
}

static int intx_out(const PCIFunction *f, int level)
{
    return level && !(command(f) & PCI_COMMAND_INTX_DISABLE);
}

void pci_set_irq(PCIFunction *f, int level)
{
    level = level != 0;
    int old = intx_out(f, f->irq_level);
    f->irq_level = level;
    if (level)
        f->config[PCI_STATUS] |= PCI_STATUS_INTERRUPT;
    else
        f->config[PCI_STATUS] &= (uint8_t)~PCI_STATUS_INTERRUPT;
    route_intx(f, old, intx_out(f, level));
}

/* The BAR's low bits: I/O space indicator, or a 32-bit non-prefetchable
 * memory BAR (type 00). */
static uint32_t bar_flags(const PCIBar *b)
{
    return b->io ? 1u : 0u;
}

void pci_bar_init(PCIFunction *f, int n, MemoryRegion *mr, bool io)
{
    PCIBar *b = &f->bar[n];
    b->mr = mr;
    b->io = io;
    /* The address bits above the size are writable; sizing (writing all
     * ones) reads back ~(size - 1) with the flag bits. */
    put32(f->wmask + PCI_BAR0 + 4 * n, ~(uint32_t)(mr->size - 1) & (io ? ~3u : ~15u));
    put32(f->config + PCI_BAR0 + 4 * n, bar_flags(b));
}

static uint64_t bar_addr(const PCIFunction *f, int n)
{
    return get32(f->config + PCI_BAR0 + 4 * n) & (f->bar[n].io ? ~3u : ~15u);
}

/* Map, move or unmap each BAR as the command register and its address say.
 * An address of 0 or one whose range does not fit the space (what BAR
 * sizing leaves) decodes nothing. */
static void update_mappings(PCIFunction *f)
{
    Machine *m = f->bus->m;
    uint16_t cmd = (uint16_t)(f->config[PCI_COMMAND] | f->config[PCI_COMMAND + 1] << 8);
    for (int n = 0; n < PCI_NUM_BARS; n++) {
        PCIBar *b = &f->bar[n];
        if (!b->mr)
            continue;
        AddressSpace *as = b->io ? &m->io : &m->mem;
        uint64_t addr = bar_addr(f, n);
        bool on = (cmd & (b->io ? PCI_COMMAND_IO : PCI_COMMAND_MEM)) && addr != 0 &&
                  addr + b->mr->size <= (b->io ? 0x10000ULL : 0x100000000ULL) &&
                  addr + b->mr->size > addr;
        if (on && !b->mapped) {
            as_map(as, b->mr, addr, 1);
            b->mapped = true;
        } else if (b->mapped) {
            as_remap(as, b->mr, addr, on);
        }
    }
}

void pci_function_reset(PCIFunction *f)
{
    pci_set_irq(f, 0);
    put16(f->config + PCI_COMMAND, 0);
    for (int n = 0; n < PCI_NUM_BARS; n++) {
        if (f->bar[n].mr)
            put32(f->config + PCI_BAR0 + 4 * n, bar_flags(&f->bar[n]));
    }
    if (f->bus)
        update_mappings(f);
}

void pci_bus_init(PCIBus *bus, Machine *m)
{
    memset(bus, 0, sizeof(*bus));
    bus->m = m;
}

int pci_bus_add(PCIBus *bus, PCIFunction *f, int devfn)
{
    if (devfn < 0) {
        for (int dev = 1; dev < 32 && devfn < 0; dev++) {
            if (!bus->fn[PCI_DEVFN(dev, 0)])
                devfn = PCI_DEVFN(dev, 0);
        }
    }
    if (devfn < 0 || devfn > 255 || bus->fn[devfn])
        return -1;
    bus->fn[devfn] = f;
    f->bus = bus;
    f->devfn = (uint8_t)devfn;
    return devfn;
}

void pci_bus_remove(PCIBus *bus, PCIFunction *f)
{
    pci_set_irq(f, 0);
    for (int n = 0; n < PCI_NUM_BARS; n++) {
        PCIBar *b = &f->bar[n];
        if (b->mapped)
            as_unmap(b->mr->as, b->mr);
        b->mapped = false;
    }
    if (bus->fn[f->devfn] == f)
        bus->fn[f->devfn] = NULL;
    f->bus = NULL;
}

uint32_t pci_config_read(PCIBus *bus, uint8_t devfn, unsigned reg, unsigned size)
{
    PCIFunction *f = bus->fn[devfn];
    uint32_t v = 0;
    if (!f)
        return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    for (unsigned i = 0; i < size && reg + i < 256; i++)
        v |= (uint32_t)f->config[reg + i] << (8 * i);
    return v;
}

void pci_config_write(PCIBus *bus, uint8_t devfn, unsigned reg, uint32_t val, unsigned size)
{
    PCIFunction *f = bus->fn[devfn];
    bool remap = false;
    if (!f)
        return;
    int old_out = intx_out(f, f->irq_level);
    for (unsigned i = 0; i < size && reg + i < 256; i++) {
        unsigned r = reg + i;
        uint8_t mask = f->wmask[r];
        f->config[r] = (uint8_t)((f->config[r] & ~mask) | ((val >> (8 * i)) & mask));
        if (r == PCI_COMMAND || (r >= PCI_BAR0 && r < PCI_BAR0 + 4 * PCI_NUM_BARS))
            remap = true;
    }
    if (remap)
        update_mappings(f);
    route_intx(f, old_out, intx_out(f, f->irq_level));
    if (f->config_written)
        f->config_written(f, reg, size);
}
