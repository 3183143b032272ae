/* Plain MSI (see pci-msi.h). */
#include "hw/core/pci-msi.h"

#include <string.h>

#define MSI_CAP_LEN 14          /* control, 64-bit address, data */
#define MSI_ADDR_HI 8
#define MSI_DATA 12

static uint16_t control(const PCIMsi *x)
{
    const uint8_t *c = x->f->config + x->cap;
    return (uint16_t)(c[MSI_CONTROL] | c[MSI_CONTROL + 1] << 8);
}

bool msi_enabled(const PCIMsi *x)
{
    return x->cap && (control(x) & MSI_CTRL_ENABLE);
}

int msi_init(PCIMsi *x, PCIFunction *f, unsigned nvec)
{
    memset(x, 0, sizeof(*x));
    if (!nvec || nvec > 32 || (nvec & (nvec - 1)))
        return -1;
    uint8_t cap = pci_add_capability(f, PCI_CAP_ID_MSI, MSI_CAP_LEN);
    if (!cap)
        return -1;
    x->f = f;
    x->cap = cap;
    x->nvec = nvec;
    unsigned mmc = (unsigned)__builtin_ctz(nvec);
    f->config[cap + MSI_CONTROL] = (uint8_t)(MSI_CTRL_64BIT | mmc << 1);
    f->wmask[cap + MSI_CONTROL] = 0x70 | MSI_CTRL_ENABLE;          /* MME, enable */
    memset(f->wmask + cap + MSI_ADDR_LO, 0xff, 8);
    f->wmask[cap + MSI_ADDR_LO] = 0xfc;                             /* dword aligned */
    memset(f->wmask + cap + MSI_DATA, 0xff, 2);
    f->msi = x;
    return 0;
}

void msi_notify(PCIMsi *x, unsigned vec)
{
    if (!msi_enabled(x))
        return;
    unsigned enabled = 1u << ((control(x) >> 4) & 7);
    if (vec >= enabled || vec >= x->nvec)
        return;
    const uint8_t *c = x->f->config + x->cap;
    uint64_t addr = 0;
    for (int i = 7; i >= 0; i--)
        addr = addr << 8 | c[MSI_ADDR_LO + i];
    uint32_t data = (uint32_t)(c[MSI_DATA] | c[MSI_DATA + 1] << 8);
    pci_msi_send(x->f, addr, (data & ~(enabled - 1)) | vec);
}

void msi_reset(PCIMsi *x)
{
    if (!x->cap)
        return;
    uint8_t *c = x->f->config + x->cap;
    c[MSI_CONTROL] &= (uint8_t)~(0x70 | MSI_CTRL_ENABLE);
    memset(c + MSI_ADDR_LO, 0, 10);
}
