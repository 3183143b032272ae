/* MSI-X table, PBA and masking (see pci-msix.h). */
#include "hw/core/pci-msix.h"
#include "hw/core/util.h"

#include <stdlib.h>
#include <string.h>

static uint32_t ld32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void st32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint16_t control(const PCIMsix *x)
{
    return (uint16_t)(x->f->config[x->cap + MSIX_CONTROL] |
                      x->f->config[x->cap + MSIX_CONTROL + 1] << 8);
}

bool msix_enabled(const PCIMsix *x)
{
    return x->cap && (control(x) & MSIX_CTRL_ENABLE);
}

static bool masked(const PCIMsix *x, unsigned vec)
{
    return (control(x) & MSIX_CTRL_MASKALL) ||
           (x->table[16 * vec + 12] & MSIX_ENTRY_MASKED);
}

bool msix_pending(const PCIMsix *x, unsigned vec)
{
    return vec < x->nvec && (x->pba[vec / 8] >> (vec % 8) & 1);
}

static void set_pending(PCIMsix *x, unsigned vec, bool on)
{
    if (on)
        x->pba[vec / 8] |= (uint8_t)(1u << (vec % 8));
    else
        x->pba[vec / 8] &= (uint8_t)~(1u << (vec % 8));
}

static void send(PCIMsix *x, unsigned vec)
{
    const uint8_t *e = x->table + 16 * vec;
    uint64_t addr = ld32(e) | (uint64_t)ld32(e + 4) << 32;
    pci_msi_send(x->f, addr, ld32(e + 8));
}

void msix_notify(PCIMsix *x, unsigned vec)
{
    if (vec >= x->nvec || !msix_enabled(x))
        return;
    if (masked(x, vec)) {
        set_pending(x, vec, true);
        return;
    }
    send(x, vec);
}

/* A mask was lifted: what waited goes out now. */
static void flush_pending(PCIMsix *x, unsigned first, unsigned n)
{
    if (!msix_enabled(x))
        return;
    for (unsigned v = first; v < first + n && v < x->nvec; v++) {
        if (msix_pending(x, v) && !masked(x, v)) {
            set_pending(x, v, false);
            send(x, v);
        }
    }
}

void msix_config_written(PCIMsix *x, unsigned reg, unsigned size)
{
    unsigned ctl = x->cap + MSIX_CONTROL;
    if (reg + size > ctl && reg < ctl + 2)
        flush_pending(x, 0, x->nvec);
}

static uint64_t bar_read(void *opaque, uint64_t off, unsigned size)
{
    PCIMsix *x = opaque;
    (void)size;
    if (off + 4 <= 16ull * x->nvec)
        return ld32(x->table + off);
    if (off >= x->pba_off && off + 4 <= x->pba_off + (x->nvec + 31) / 32 * 4) {
        uint8_t b[4] = { 0 };
        uint64_t o = off - x->pba_off;
        for (unsigned i = 0; i < 4 && o + i < (x->nvec + 7) / 8; i++)
            b[i] = x->pba[o + i];
        return ld32(b);
    }
    return 0;
}

static void bar_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    PCIMsix *x = opaque;
    (void)size;
    if (off + 4 > 16ull * x->nvec)
        return;                  /* the PBA and the rest are read-only */
    if ((off & 15) == 12)
        val &= MSIX_ENTRY_MASKED;
    st32(x->table + off, (uint32_t)val);
    if ((off & 15) == 12)
        flush_pending(x, (unsigned)(off / 16), 1);
}

static const MemoryRegionOps msix_ops = { bar_read, bar_write, 4, 4 };

static uint64_t bar_size(unsigned nvec)
{
    uint64_t size = 4096;
    while (size < 32ull * nvec)
        size <<= 1;
    return size;
}

int msix_init(PCIMsix *x, PCIFunction *f, unsigned nvec, int bar)
{
    memset(x, 0, sizeof(*x));
    if (!nvec || nvec > MSIX_MAX_VECTORS)
        return -1;
    uint8_t cap = pci_add_capability(f, PCI_CAP_ID_MSIX, MSIX_CAP_LEN);
    if (!cap)
        return -1;
    x->f = f;
    x->cap = cap;
    x->nvec = nvec;
    uint64_t size = bar_size(nvec);
    x->pba_off = size / 2;
    x->table = xzalloc(16 * nvec);
    x->pba = xzalloc((nvec + 63) / 64 * 8);
    f->config[cap + MSIX_CONTROL] = (uint8_t)(nvec - 1);
    f->config[cap + MSIX_CONTROL + 1] = (uint8_t)((nvec - 1) >> 8);
    f->wmask[cap + MSIX_CONTROL + 1] = (MSIX_CTRL_ENABLE | MSIX_CTRL_MASKALL) >> 8;
    st32(f->config + cap + MSIX_TABLE, (uint32_t)bar);
    st32(f->config + cap + MSIX_PBA, (uint32_t)x->pba_off | (uint32_t)bar);
    mr_init_io(&x->mr, "msix", size, &msix_ops, x);
    pci_bar_init(f, bar, &x->mr, false);
    f->msix = x;
    msix_reset(x);
    return 0;
}

void msix_reset(PCIMsix *x)
{
    if (!x->cap)
        return;
    x->f->config[x->cap + MSIX_CONTROL + 1] &=
        (uint8_t)~((MSIX_CTRL_ENABLE | MSIX_CTRL_MASKALL) >> 8);
    memset(x->table, 0, 16 * x->nvec);
    for (unsigned v = 0; v < x->nvec; v++)
        x->table[16 * v + 12] = MSIX_ENTRY_MASKED;
    memset(x->pba, 0, (x->nvec + 63) / 64 * 8);
}

void msix_free(PCIMsix *x)
{
    if (!x->cap)
        return;
    if (x->f->msix == x)
        x->f->msix = NULL;
    mr_free(&x->mr);
    free(x->table);
    free(x->pba);
    x->table = x->pba = NULL;
    x->cap = 0;
}
