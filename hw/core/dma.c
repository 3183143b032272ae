#include "hw/core/dma.h"

#include <string.h>

#include "hw/core/dma-gate.h"
#include "hw/core/loop.h"

bool dma_range_ok(AddressSpace *as, uint64_t addr, uint64_t len, bool write)
{
    if (addr + len < addr || addr + len > as->size)
        return false;
    while (len) {
        const FlatRange *r = as_lookup(as, addr);
        if (!r || r->mr->kind == MR_IO || (write && r->mr->kind == MR_ROM))
            return false;
        uint64_t n = r->end - addr < len ? r->end - addr : len;
        addr += n;
        len -= n;
    }
    return true;
}

/* Copy piecewise: a range may span several RAM regions (below/above the
 * PCI hole, BIOS shadow).  Under the machine lock, which device code runs
 * under anyway: a locked instruction that holds off DMA (dma_hold_off)
 * then never sees a transfer land between its load and its store. */
static void copy(AddressSpace *as, uint64_t addr, uint8_t *buf, uint64_t len, bool write)
{
    bool lock = !big_lock_held();
    if (lock)
        big_lock();
    while (len) {
        const FlatRange *r = as_lookup(as, addr);
        uint64_t n = r->end - addr < len ? r->end - addr : len;
        uint8_t *host = r->mr->host + (addr - r->start + r->off);
        if (write)
            memcpy(host, buf, n);
        else
            memcpy(buf, host, n);
        addr += n;
        buf += n;
        len -= n;
    }
    if (lock)
        big_unlock();
}

/* The machine lock holds off copies; the gate, in-place transfers. */
void dma_hold_off(void)
{
    big_lock();
    dma_gate_close();
}

bool dma_try_hold_off(void)
{
    if (!big_trylock())
        return false;
    dma_gate_close();
    return true;
}

void dma_resume(void)
{
    dma_gate_open();
    big_unlock();
}

bool dma_read(AddressSpace *as, uint64_t addr, void *buf, uint64_t len)
{
    if (!dma_range_ok(as, addr, len, false))
        return false;
    copy(as, addr, buf, len, false);
    return true;
}

bool dma_write(AddressSpace *as, uint64_t addr, const void *buf, uint64_t len)
{
    if (!dma_range_ok(as, addr, len, true))
        return false;
    copy(as, addr, (uint8_t *)buf, len, true);
    as_dirty_mark(as, addr, len);
    if (as->ram_write_hook)
        as->ram_write_hook(as->ram_write_opaque, addr, len);
    return true;
}
