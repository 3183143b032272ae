/* A minimal conventional PCI bus (PCI Local Bus Spec 3.0, ch. 6): 256
 * functions (32 devices x 8) of 256-byte configuration space each, reached
 * through the host bridge's configuration mechanism (hw/pc/i440fx.c).
 *
 * A function owns its config bytes and a write mask (which bits software
 * may change); up to six BARs (I/O, 32-bit memory, or 64-bit memory taking
 * two slots, optionally prefetchable) and an expansion ROM BAR, each backed
 * by one region whose size (a power of two) is what BAR sizing reports.  A
 * BAR's region is mapped at the address the guest programmed while the
 * command register enables its kind of decoding (I/O space, memory space;
 * the ROM also needs its own enable bit), and unmapped otherwise.
 * Capabilities (3.0, 6.7) are chained from 0x34 as devices add them; MSI
 * and MSI-X live in pci-msi.h and pci-msix.h.  No bridges. */
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

#define PCI_ROM_ADDRESS 0x30
#define PCI_ROM_ENABLE  0x1
#define PCI_CAP_ID_MSI  0x05
#define PCI_CAP_ID_VNDR 0x09
#define PCI_CAP_ID_MSIX 0x11
#define PCI_CAP_START   0x40       /* capabilities go after the header */

/* BAR kinds for pci_bar_init_flags (the low bits the BAR reads back). */
#define PCI_BAR_IO       0x1
#define PCI_BAR_MEM64    0x4
#define PCI_BAR_PREFETCH 0x8

typedef struct PCIBar {
    MemoryRegion *mr;          /* NULL: BAR not implemented (or the high
                                  half of a 64-bit BAR) */
    uint8_t flags;             /* PCI_BAR_* */
    bool io;
    bool mapped;
} PCIBar;

struct PCIMsix;
struct PCIMsi;

typedef struct PCIFunction {
    uint8_t config[256];
    uint8_t wmask[256];
    PCIBar bar[PCI_NUM_BARS];
    PCIBar rom;                /* the expansion ROM BAR (0x30) */
    struct PCIBus *bus;
    uint8_t devfn;
    uint16_t cap_next;         /* where the next capability goes (0: 0x40) */
    int irq_level;             /* INTx as the function drives it */
    struct PCIMsix *msix;      /* set by msix_init */
    struct PCIMsi *msi;        /* set by msi_init */
    /* A device's hook after the guest wrote config bytes [reg, reg+size)
     * (capability registers it interprets); NULL if none. */
    void (*config_written)(struct PCIFunction *f, unsigned reg, unsigned size);
    /* ... and before it reads them (registers that are windows). */
    void (*config_reading)(struct PCIFunction *f, unsigned reg, unsigned size);
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
/* The same with PCI_BAR_* flags: a PCI_BAR_MEM64 BAR also takes slot n+1
 * (its address bits 63:32). */
void pci_bar_init_flags(PCIFunction *f, int n, MemoryRegion *mr, unsigned flags);
/* The expansion ROM BAR decodes rom (a ROM region, size a power of two of
 * at least 2 KiB) while memory decoding and the ROM's enable bit are on. */
void pci_rom_init(PCIFunction *f, MemoryRegion *rom);
/* Add a capability of len bytes (id, next pointer and body): links it at
 * the head of the list (as QEMU does) and returns its config offset, or 0
 * when config space is full.  The body is zero and read-only; the caller
 * fills it and opens bits in wmask. */
uint8_t pci_add_capability(PCIFunction *f, uint8_t id, uint8_t len);
/* Config offset of the first capability with this id, or 0. */
uint8_t pci_find_capability(const PCIFunction *f, uint8_t id);
/* Current address of BAR n (both halves of a 64-bit BAR). */
uint64_t pci_bar_address(const PCIFunction *f, int n);
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
/* Send a message-signalled interrupt: a dword write of data to addr by
 * bus master f (dropped while bus mastering is off).  The machine's
 * interrupt delivery (Machine.msi) takes writes to 0xfeexxxxx. */
void pci_msi_send(PCIFunction *f, uint64_t addr, uint32_t data);

/* Configuration cycles: reg is the byte offset, size 1, 2 or 4 within one
 * dword.  An absent function reads all ones and ignores writes. */
uint32_t pci_config_read(PCIBus *bus, uint8_t devfn, unsigned reg, unsigned size);
void pci_config_write(PCIBus *bus, uint8_t devfn, unsigned reg, uint32_t val, unsigned size);

#endif
