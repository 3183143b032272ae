/* `info pci`: the functions on PCI bus 0 as QEMU's monitor lists them. */
#include "ui/monitor-int.h"
#include "hw/core/pci.h"

#include <stdio.h>

const char *monitor_pci_class_name(uint16_t cls)
{
    static const struct { uint16_t cls; const char *name; } names[] = {
        { 0x0100, "SCSI controller" }, { 0x0101, "IDE controller" },
        { 0x0106, "SATA controller" }, { 0x0180, "Storage controller" },
        { 0x0200, "Ethernet controller" }, { 0x0300, "VGA controller" },
        { 0x0600, "Host bridge" }, { 0x0601, "ISA bridge" }, { 0x0680, "Bridge" },
        { 0x0380, "Display controller" }, { 0x0c03, "USB controller" },
        { 0x00ff, "Class 00ff" },
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (names[i].cls == cls)
            return names[i].name;
    }
    return NULL;
}

static uint32_t cfg(PCIBus *bus, int devfn, unsigned reg, unsigned size)
{
    return pci_config_read(bus, (uint8_t)devfn, reg, size);
}

/* One memory BAR as QEMU prints it (an unmapped one at all ones). */
static void show_mem_bar(Monitor *mon, int n, const PCIBar *b, uint64_t addr, bool wide,
                         bool prefetch)
{
    uint64_t none = wide ? UINT64_MAX : 0xffffffffu, size = b->mr->size;
    uint64_t a = b->mapped ? addr : none;
    uint64_t last = b->mapped ? addr + size - 1 : (wide ? size - 2 : (uint32_t)(size - 2));
    monitor_printf(mon, "      BAR%d: %d bit %smemory at 0x%08llx [0x%08llx].\n", n,
                   wide ? 64 : 32, prefetch ? "prefetchable " : "", (unsigned long long)a,
                   (unsigned long long)last);
}

static void show_bars(Monitor *mon, PCIFunction *f)
{
    for (int n = 0; n < PCI_NUM_BARS; n++) {
        PCIBar *b = &f->bar[n];
        if (!b->mr)
            continue;
        uint64_t size = b->mr->size, addr = pci_bar_address(f, n);
        if (b->io) {
            uint32_t a = (uint32_t)addr;
            monitor_printf(mon, "      BAR%d: I/O at 0x%04x [0x%04x].\n", n,
                           b->mapped ? a : 0xffffu, (uint32_t)(b->mapped ? a + size - 1 : size - 2));
        } else {
            show_mem_bar(mon, n, b, addr, b->flags & PCI_BAR_MEM64, b->flags & PCI_BAR_PREFETCH);
        }
    }
    if (f->rom.mr)                /* the expansion ROM is QEMU's region 6 */
        show_mem_bar(mon, PCI_NUM_BARS, &f->rom,
                     cfg(f->bus, f->devfn, PCI_ROM_ADDRESS, 4) & ~0x7ffu, false, false);
}

void monitor_info_pci(Monitor *mon, const char *args)
{
    PCIBus *bus = mon->m->pci;
    (void)args;
    for (int devfn = 0; bus && devfn < 256; devfn++) {
        PCIFunction *f = bus->fn[devfn];
        if (!f)
            continue;
        uint16_t cls = (uint16_t)cfg(bus, devfn, PCI_CLASS_REV + 2, 2);
        const char *name = monitor_pci_class_name(cls);
        monitor_printf(mon, "  Bus  0, device %3d, function %d:\n", devfn >> 3, devfn & 7);
        if (name)
            monitor_printf(mon, "    %s: ", name);
        else
            monitor_printf(mon, "    Class %04x: ", cls);
        monitor_printf(mon, "PCI device %04x:%04x\n", cfg(bus, devfn, PCI_VENDOR_ID, 2),
                       cfg(bus, devfn, PCI_DEVICE_ID, 2));
        uint8_t pin = (uint8_t)cfg(bus, devfn, PCI_INTERRUPT_PIN, 1);
        if (pin)
            monitor_printf(mon, "      IRQ %u, pin %c\n", cfg(bus, devfn, PCI_INTERRUPT_LINE, 1),
                           'A' + pin - 1);
        show_bars(mon, f);
        monitor_printf(mon, "      id \"\"\n");
    }
}
