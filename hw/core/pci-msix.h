/* MSI-X (PCI Local Bus Spec 3.0, 6.8.2): a capability whose table of
 * message address/data pairs and pending-bit array (PBA) live in a memory
 * BAR of the function's own, table at offset 0 and PBA in the BAR's upper
 * half (the layout QEMU gives its devices).  A vector fires as a message
 * write (pci_msi_send) unless the function mask or its own mask bit is
 * set; then its pending bit is set instead and the message goes out when
 * both masks clear.  Enabling MSI-X makes the device stop using INTx (the
 * device checks msix_enabled before raising its pin). */
#ifndef KEMU_PCI_MSIX_H
#define KEMU_PCI_MSIX_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/core/pci.h"

#define MSIX_MAX_VECTORS 2048
#define MSIX_NO_VECTOR 0xffff      /* a vector number meaning "none" */

/* Capability offsets and bits. */
#define MSIX_CONTROL 2
#define MSIX_TABLE   4
#define MSIX_PBA     8
#define MSIX_CAP_LEN 12
#define MSIX_CTRL_ENABLE 0x8000u
#define MSIX_CTRL_MASKALL 0x4000u
#define MSIX_ENTRY_MASKED 1

typedef struct PCIMsix {
    PCIFunction *f;
    MemoryRegion mr;            /* the BAR */
    unsigned nvec;
    uint8_t cap;                /* config offset of the capability */
    uint64_t pba_off;           /* in the BAR */
    uint8_t *table;             /* nvec entries of 16 bytes */
    uint8_t *pba;               /* one bit per vector */
} PCIMsix;

/* Give f nvec vectors (1..2048) in a new memory BAR bar: 0, or -1 when
 * config space has no room left. */
int msix_init(PCIMsix *x, PCIFunction *f, unsigned nvec, int bar);
void msix_free(PCIMsix *x);
/* Device reset: all vectors masked and not pending, MSI-X disabled. */
void msix_reset(PCIMsix *x);
bool msix_enabled(const PCIMsix *x);
/* Signal vector vec (ignored if out of range or MSI-X is off). */
void msix_notify(PCIMsix *x, unsigned vec);
/* pci.c calls it after the guest wrote config bytes [reg, reg+size). */
void msix_config_written(PCIMsix *x, unsigned reg, unsigned size);
/* Whether vec's pending bit is set (tests). */
bool msix_pending(const PCIMsix *x, unsigned vec);

#endif
