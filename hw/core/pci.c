/* The PCI bus core: configuration space with write masks, BAR sizing and
 * mapping, the expansion ROM BAR, the capability list and message
 * delivery (see pci.h). */
#include "hw/core/pci.h"
#include "hw/core/machine.h"
#include "hw/core/dma.h"
#include "hw/core/pci-msi.h"
#include "hw/core/pci-msix.h"

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

/* The low bits a BAR reads back: I/O space, or a memory BAR's type
 * (32- or 64-bit) and prefetchable bit. */
static uint32_t bar_flags(const PCIBar *b)
{
    return b->flags;
}

void pci_bar_init_flags(PCIFunction *f, int n, MemoryRegion *mr, unsigned flags)
{
    PCIBar *b = &f->bar[n];
    bool io = flags & PCI_BAR_IO;
    b->mr = mr;
    b->io = io;
    b->flags = (uint8_t)(io ? PCI_BAR_IO : flags & (PCI_BAR_MEM64 | PCI_BAR_PREFETCH));
    /* The address bits above the size are writable; sizing (writing all
     * ones) reads back ~(size - 1) with the flag bits. */
    uint64_t mask = ~(mr->size - 1) & (io ? ~3ull : ~15ull);
    put32(f->wmask + PCI_BAR0 + 4 * n, (uint32_t)mask);
    put32(f->config + PCI_BAR0 + 4 * n, bar_flags(b));
    if (b->flags & PCI_BAR_MEM64) {
        f->bar[n + 1] = (PCIBar){ 0 };
        put32(f->wmask + PCI_BAR0 + 4 * (n + 1), (uint32_t)(mask >> 32));
        put32(f->config + PCI_BAR0 + 4 * (n + 1), 0);
    }
}

void pci_bar_init(PCIFunction *f, int n, MemoryRegion *mr, bool io)
{
    pci_bar_init_flags(f, n, mr, io ? PCI_BAR_IO : 0);
}

void pci_rom_init(PCIFunction *f, MemoryRegion *rom)
{
    f->rom = (PCIBar){ .mr = rom };
    put32(f->wmask + PCI_ROM_ADDRESS, ~(uint32_t)(rom->size - 1) | PCI_ROM_ENABLE);
    put32(f->config + PCI_ROM_ADDRESS, 0);
}

uint8_t pci_add_capability(PCIFunction *f, uint8_t id, uint8_t len)
{
    unsigned at = f->cap_next ? f->cap_next : PCI_CAP_START;
    if (len < 2 || at + len > 256)
        return 0;
    f->cap_next = (uint16_t)(at + len);
    memset(f->config + at, 0, len);
    memset(f->wmask + at, 0, len);
    f->config[at] = id;
    f->config[at + 1] = f->config[PCI_CAPABILITY_LIST];
    f->config[PCI_CAPABILITY_LIST] = (uint8_t)at;
    f->config[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
    return (uint8_t)at;
}

uint8_t pci_find_capability(const PCIFunction *f, uint8_t id)
{
    uint8_t at = f->config[PCI_CAPABILITY_LIST];
    for (int hops = 0; at && hops < 64; hops++) {
        if (f->config[at] == id)
            return at;
        at = f->config[at + 1];
    }
    return 0;
}

uint64_t pci_bar_address(const PCIFunction *f, int n)
{
    const PCIBar *b = &f->bar[n];
    uint64_t lo = get32(f->config + PCI_BAR0 + 4 * n) & (b->io ? ~3u : ~15u);
    if (b->flags & PCI_BAR_MEM64)
        lo |= (uint64_t)get32(f->config + PCI_BAR0 + 4 * (n + 1)) << 32;
    return lo;
}

static uint64_t rom_addr(const PCIFunction *f)
{
    return get32(f->config + PCI_ROM_ADDRESS) & ~0x7ffu;
}

/* Whether b's region may decode at addr: a non-zero address whose range
 * fits the space (what BAR sizing leaves does not). */
static bool bar_fits(const PCIBar *b, const AddressSpace *as, uint64_t addr)
{
    uint64_t limit = b->io ? 0x10000ULL : as->size;
    if (!b->io && !(b->flags & PCI_BAR_MEM64) && limit > 0x100000000ULL)
        limit = 0x100000000ULL;
    return addr != 0 && addr + b->mr->size > addr && addr + b->mr->size <= limit;
}

static void map_bar(PCIBar *b, AddressSpace *as, uint64_t addr, bool on)
{
    if (on && !b->mapped) {
        as_map(as, b->mr, addr, 1);
        b->mapped = true;
    } else if (b->mapped) {
        as_remap(as, b->mr, addr, on);
    }
}

/* Map, move or unmap each BAR and the ROM as the command register and
 * their addresses say. */
static void update_mappings(PCIFunction *f)
{
    Machine *m = f->bus->m;
    uint16_t cmd = command(f);
    for (int n = 0; n < PCI_NUM_BARS; n++) {
        PCIBar *b = &f->bar[n];
        if (!b->mr)
            continue;
        AddressSpace *as = b->io ? &m->io : &m->mem;
        uint64_t addr = pci_bar_address(f, n);
        bool on = (cmd & (b->io ? PCI_COMMAND_IO : PCI_COMMAND_MEM)) && bar_fits(b, as, addr);
        map_bar(b, as, addr, on);
    }
    if (f->rom.mr) {
        uint64_t addr = rom_addr(f);
        bool on = (cmd & PCI_COMMAND_MEM) && (f->config[PCI_ROM_ADDRESS] & PCI_ROM_ENABLE) &&
                  bar_fits(&f->rom, &m->mem, addr);
        map_bar(&f->rom, &m->mem, addr, on);
    }
}

void pci_function_reset(PCIFunction *f)
{
    pci_set_irq(f, 0);
    put16(f->config + PCI_COMMAND, 0);
    for (int n = 0; n < PCI_NUM_BARS; n++) {
        if (f->bar[n].mr)
            pci_bar_init_flags(f, n, f->bar[n].mr, f->bar[n].flags);
    }
    if (f->rom.mr)
        put32(f->config + PCI_ROM_ADDRESS, 0);
    if (f->msix)
        msix_reset(f->msix);
    if (f->msi)
        msi_reset(f->msi);
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
    for (int n = 0; n <= PCI_NUM_BARS; n++) {
        PCIBar *b = n < PCI_NUM_BARS ? &f->bar[n] : &f->rom;
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
    if (f->config_reading && reg < 256)
        f->config_reading(f, reg, size);
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
        if (r == PCI_COMMAND || (r >= PCI_BAR0 && r < PCI_BAR0 + 4 * PCI_NUM_BARS) ||
            (r >= PCI_ROM_ADDRESS && r < PCI_ROM_ADDRESS + 4))
            remap = true;
    }
    if (remap)
        update_mappings(f);
    route_intx(f, old_out, intx_out(f, f->irq_level));
    if (f->msix)
        msix_config_written(f->msix, reg, size);
    if (f->config_written && reg < 256)
        f->config_written(f, reg, size);
}

void pci_msi_send(PCIFunction *f, uint64_t addr, uint32_t data)
{
    Machine *m = f->bus ? f->bus->m : NULL;
    if (!m || !pci_bus_master(f))
        return;
    if ((addr >> 20) == 0xfee) {
        if (m->msi)
            m->msi(m, addr, data);
        return;
    }
    /* Elsewhere a message is an ordinary memory write (RAM only, as DMA). */
    uint8_t b[4] = { (uint8_t)data, (uint8_t)(data >> 8), (uint8_t)(data >> 16),
                     (uint8_t)(data >> 24) };
    dma_write(&m->mem, addr, b, 4);
}
