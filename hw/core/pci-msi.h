/* Plain MSI (PCI Local Bus Spec 3.0, 6.8.1): a capability holding one
 * message address and data; the driver enables 2^MME of the vectors the
 * function asks for, and vector v is sent as the data with its low MME bits
 * replaced by v.  No per-vector masking (the optional mask bits are not
 * offered). */
#ifndef KEMU_PCI_MSI_H
#define KEMU_PCI_MSI_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/core/pci.h"

#define MSI_CONTROL 2
#define MSI_ADDR_LO 4
#define MSI_CTRL_ENABLE 0x1
#define MSI_CTRL_64BIT 0x80

typedef struct PCIMsi {
    PCIFunction *f;
    uint8_t cap;                /* config offset, 0: none */
    unsigned nvec;              /* a power of two, 1..32 */
} PCIMsi;

/* Add the capability (64-bit addresses): 0, or -1 if config space is full
 * or nvec is not a power of two up to 32. */
int msi_init(PCIMsi *x, PCIFunction *f, unsigned nvec);
bool msi_enabled(const PCIMsi *x);
/* Send vector vec if MSI is on and the driver enabled that many. */
void msi_notify(PCIMsi *x, unsigned vec);
/* Device reset: disabled, no address or data. */
void msi_reset(PCIMsi *x);

#endif
