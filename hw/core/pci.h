/* A minimal conventional PCI bus (PCI Local Bus Spec 3.0, ch. 6): 256
 * functions (32 devices x 8) of 256-byte configuration space each, reached
 * through the host bridge's configuration mechanism (hw/pc/i440fx.c).
 *
 * A function owns its config bytes and a write mask (which bits software
 * may change); up to six 32-bit BARs, each backed by one region whose
 * size (a power of two) is what BAR sizing reports.  A BAR's region is
 * mapped at the address the guest programmed while the command register
 * enables its kind of decoding (I/O space, memory space), and unmapped
 * otherwise.  No bridges, 64-bit BARs, expansion ROMs, capabilities or
 * interrupt pins yet. */
#ifndef KEMU_PCI_H
#define KEMU_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/core/memory.h"

struct Machine;

#define PCI_NUM_BARS    6
#define PCI_DEVFN(dev, fn) ((uint8_t)(((dev) << 3) | (fn)))

/* Config space offsets and command bits the core interprets. */
#define PCI_VENDOR_ID   0x00
#define PCI_DEVICE_ID   0x02
#define PCI_COMMAND     0x04
#define PCI_CLASS_REV   0x08       /* revision, prog-if, subclass, class */
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0        0x10
#define PCI_STATUS      0x06
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_SUBSYSTEM_ID 0x2e
#define PCI_CAPABILITY_LIST 0x34
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN  0x3d
#define PCI_COMMAND_IO  0x1
#define PCI_COMMAND_MEM 0x2
#define PCI_COMMAND_MASTER 0x4
#define PCI_COMMAND_INTX_DISABLE 0x400
#define PCI_STATUS_INTERRUPT 0x08
#define PCI_STATUS_CAP_LIST 0x10

typedef struct PCIBar {
    MemoryRegion *mr;          /* NULL: BAR not implemented */
    bool io;
    bool mapped;
} PCIBar;

typedef struct PCIFunction {
    uint8_t config[256];
    uint8_t wmask[256];
    PCIBar bar[PCI_NUM_BARS];
    struct PCIBus *bus;
    uint8_t devfn;
    int irq_level;             /* INTx as the function drives it */
    /* Called after a configuration write the function must act on beyond
     * BARs and command (a chipset's own registers); NULL if none. */
    void (*config_written)(struct PCIFunction *f, unsigned reg, unsigned size);
} PCIFunction;

/* The board's interrupt router: PIRQ line pirq (0-3, the INTx pins of all
 * slots swizzled onto four lines) is asserted by at least one function. */
typedef void PCIRouteFn(void *opaque, int pirq, int level);

typedef struct PCIBus {
    struct Machine *m;
    PCIFunction *fn[256];
    PCIRouteFn *route;
    void *route_opaque;
    int pirq_count[4];         /* functions asserting each PIRQ line */
} PCIBus;

/* Function set-up (device realize): identity and class, subsystem
 * 1af4:1100 (QEMU's default; a device may set its own), all other bytes
 * zero and read-only except the command register's I/O and memory enable
 * bits. */
void pci_function_init(PCIFunction *f, uint16_t vendor, uint16_t device, uint8_t class_code,
                       uint8_t subclass, uint8_t revision);
/* BAR n decodes mr (its size a power of two, at least 4 for I/O and 16
 * for memory); unmapped until the guest programs and enables it. */
void pci_bar_init(PCIFunction *f, int n, MemoryRegion *mr, bool io);
/* Back to the power-on values of the command register and BARs (device
 * reset): decoding off, BARs unmapped. */
void pci_function_reset(PCIFunction *f);

void pci_bus_init(PCIBus *bus, struct Machine *m);
/* Put f at devfn, or (devfn < 0) at function 0 of the first free device
 * number from 1.  Returns the devfn, or -1 if taken or full. */
int pci_bus_add(PCIBus *bus, PCIFunction *f, int devfn);
void pci_bus_remove(PCIBus *bus, PCIFunction *f);
/* INTx: the function's pin (config 0x3d, 1 = INTA#) reaches PIRQ
 * (slot - 1 + pin - 1) mod 4, the PC's PIIX wiring that firmware and the
 * ACPI routing table assume; masked by the command
 * register's INTx disable, shown in the status register. */
void pci_set_irq(PCIFunction *f, int level);
void pci_bus_set_router(PCIBus *bus, PCIRouteFn *fn, void *opaque);
/* Whether the guest enabled bus mastering (DMA) for f. */
bool pci_bus_master(const PCIFunction *f);

/* Configuration cycles: reg is the byte offset, size 1, 2 or 4 within one
 * dword.  An absent function reads all ones and ignores writes. */
uint32_t pci_config_read(PCIBus *bus, uint8_t devfn, unsigned reg, unsigned size);
void pci_config_write(PCIBus *bus, uint8_t devfn, unsigned reg, uint32_t val, unsigned size);

#endif
