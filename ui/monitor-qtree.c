/* `info qtree`: the devices as a tree of buses, as QEMU prints it -- the
 * system bus at the root, then each bus a device provides (the host
 * bridge's pci.0, the PIIX3's isa.0, the IDE channels, the floppy bus)
 * holding the devices of its kind, each with its properties and a line of
 * its state. */
#include "ui/monitor-int.h"
#include "hw/core/chardev.h"
#include "hw/core/pci.h"

#include <inttypes.h>
#include <string.h>
#include <strings.h>

static void print_prop(Monitor *mon, int indent, const Device *d, const Property *p)
{
    const char *field = (const char *)d + p->offset;
    monitor_printf(mon, "%*s%s = ", indent, "", p->name);
    switch (p->type) {
    case PROP_U32: {
        uint32_t v;
        memcpy(&v, field, sizeof(v));
        monitor_printf(mon, "%" PRIu32 " (0x%" PRIx32 ")\n", v, v);
        break;
    }
    case PROP_U64: {
        uint64_t v;
        memcpy(&v, field, sizeof(v));
        monitor_printf(mon, "%" PRIu64 " (0x%" PRIx64 ")\n", v, v);
        break;
    }
    case PROP_BOOL:
        monitor_printf(mon, "%s\n", *(const bool *)field ? "true" : "false");
        break;
    case PROP_STR: {
        const char *s = *(char *const *)field;
        monitor_printf(mon, "\"%s\"\n", s ? s : "");
        break;
    }
    case PROP_CHARDEV: {
        const Chardev *c = *(Chardev *const *)field;
        monitor_printf(mon, "\"%s\"\n", c ? chr_label(c) : "");
        break;
    }
    }
}

/* Does provider hold devices of d's kind? */
static bool holds(const Device *provider, const Device *d)
{
    const char *kind = provider->cls->child_bus_type;
    return kind && d->cls->bus && !strcasecmp(kind, d->cls->bus);
}

/* A device whose kind of bus no device provides hangs off the root. */
static bool at_root(const Machine *m, const Device *d)
{
    for (const Device *p = m->devices; p; p = p->next) {
        if (p != d && holds(p, d))
            return false;
    }
    return true;
}

static void print_dev(Monitor *mon, int indent, Device *d);

/* The PCI function a device holds in its state, if any. */
static PCIFunction *pci_function_of(const Machine *m, const Device *d)
{
    const char *lo = (const char *)d, *hi = lo + d->cls->size;
    for (int i = 0; m->pci && i < 256; i++) {
        const char *f = (const char *)m->pci->fn[i];
        if (f && f >= lo && f < hi)
            return m->pci->fn[i];
    }
    return NULL;
}

static uint32_t cfg(const PCIFunction *f, unsigned reg, unsigned size)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)f->config[reg + i] << (8 * i);
    return v;
}

/* What QEMU adds for a PCI device: its class and ids, its BARs. */
static void print_pci(Monitor *mon, int indent, const PCIFunction *f)
{
    uint16_t cls = (uint16_t)cfg(f, PCI_CLASS_REV + 2, 2);
    const char *name = monitor_pci_class_name(cls);
    monitor_printf(mon, "%*sclass %s, addr 00:%02x.%x, pci id %04x:%04x (sub %04x:%04x)\n",
                   indent, "", name ? name : "Class", f->devfn >> 3, f->devfn & 7,
                   cfg(f, PCI_VENDOR_ID, 2), cfg(f, PCI_DEVICE_ID, 2),
                   cfg(f, PCI_SUBSYSTEM_VENDOR_ID, 2), cfg(f, PCI_SUBSYSTEM_ID, 2));
    for (int n = 0; n < PCI_NUM_BARS; n++) {
        const PCIBar *b = &f->bar[n];
        if (!b->mr)
            continue;
        uint64_t a = cfg(f, PCI_BAR0 + 4 * n, 4) & (b->io ? ~3u : ~15u);
        monitor_printf(mon, "%*sbar %d: %s at 0x%" PRIx64 " [0x%" PRIx64 "]\n", indent, "", n,
                       b->io ? "i/o" : "mem", b->mapped ? a : UINT64_MAX,
                       b->mapped ? a + b->mr->size - 1 : b->mr->size - 2);
    }
}

static void print_buses(Monitor *mon, int indent, Device *d)
{
    for (int b = 0; b < d->cls->child_buses; b++) {
        monitor_printf(mon, "%*sbus: %s.%d\n", indent, "", d->cls->child_bus_name, b);
        monitor_printf(mon, "%*stype %s\n", indent + 2, "", d->cls->child_bus_type);
        for (Device *c = mon->m->devices; c; c = c->next) {
            int on = c->cls->bus_index ? c->cls->bus_index(c) : 0;
            if (c != d && holds(d, c) && on == b)
                print_dev(mon, indent + 2, c);
        }
    }
}

static void print_dev(Monitor *mon, int indent, Device *d)
{
    const PCIFunction *f = pci_function_of(mon->m, d);
    monitor_printf(mon, "%*sdev: %s, id \"%s\"\n", indent, "", d->cls->name, d->id ? d->id : "");
    for (const Property *p = d->cls->props; p && p->name; p++)
        print_prop(mon, indent + 2, d, p);
    if (f)
        monitor_printf(mon, "%*saddr = %02x.%x\n", indent + 2, "", f->devfn >> 3, f->devfn & 7);
    if (d->cls->info) {
        char buf[256] = "";
        d->cls->info(d, buf, sizeof(buf));
        if (*buf)
            monitor_printf(mon, "%*s%s\n", indent + 2, "", buf);
    }
    if (f)
        print_pci(mon, indent + 2, f);
    print_buses(mon, indent + 2, d);
}

void monitor_info_qtree(Monitor *mon, const char *args)
{
    monitor_printf(mon, "bus: main-system-bus\n  type System\n");
    for (Device *d = mon->m->devices; d; d = d->next) {
        if (at_root(mon->m, d))
            print_dev(mon, 2, d);
    }
}
