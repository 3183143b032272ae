/* Scatter-gather lists over guest RAM (dma.h). */
#include "hw/core/dma.h"
#include "hw/core/util.h"

#include <stdlib.h>
#include <sys/uio.h>

void dma_sg_init(DmaSg *sg, AddressSpace *as)
{
    *sg = (DmaSg){ .as = as };
}

/* One host-contiguous piece: joins the last one when it continues it in
 * both the guest and the host (a guest's physically contiguous buffer). */
static void push(DmaSg *sg, uint64_t addr, uint8_t *host, uint64_t n)
{
    if (sg->n) {
        struct iovec *last = &sg->iov[sg->n - 1];
        if ((uint8_t *)last->iov_base + last->iov_len == host &&
            sg->addr[sg->n - 1] + last->iov_len == addr) {
            last->iov_len += n;
            sg->len += n;
            return;
        }
    }
    if (sg->n == sg->cap) {
        sg->cap = sg->cap ? sg->cap * 2 : 16;
        sg->iov = xrealloc(sg->iov, sizeof(*sg->iov) * (size_t)sg->cap);
        sg->addr = xrealloc(sg->addr, sizeof(*sg->addr) * (size_t)sg->cap);
    }
    sg->iov[sg->n] = (struct iovec){ .iov_base = host, .iov_len = n };
    sg->addr[sg->n++] = addr;
    sg->len += n;
}

/* How many new entries [addr, addr+len) needs at most: one per flat range
 * it crosses. */
static int pieces(AddressSpace *as, uint64_t addr, uint64_t len)
{
    int k = 0;
    while (len) {
        const FlatRange *r = as_lookup(as, addr);
        uint64_t n = r->end - addr < len ? r->end - addr : len;
        addr += n;
        len -= n;
        k++;
    }
    return k;
}

bool dma_sg_add(DmaSg *sg, uint64_t addr, uint64_t len, bool write, int max)
{
    if (!dma_range_ok(sg->as, addr, len, write))
        return false;
    if (sg->n + pieces(sg->as, addr, len) > max)
        return false;
    while (len) {
        const FlatRange *r = as_lookup(sg->as, addr);
        uint64_t n = r->end - addr < len ? r->end - addr : len;
        push(sg, addr, r->mr->host + (addr - r->start + r->off), n);
        addr += n;
        len -= n;
    }
    return true;
}

void dma_sg_written(const DmaSg *sg)
{
    if (!sg->as || !sg->as->ram_write_hook)
        return;
    for (int i = 0; i < sg->n; i++)
        sg->as->ram_write_hook(sg->as->ram_write_opaque, sg->addr[i], sg->iov[i].iov_len);
}

void dma_sg_free(DmaSg *sg)
{
    free(sg->iov);
    free(sg->addr);
    sg->iov = NULL;
    sg->addr = NULL;
    sg->n = sg->cap = 0;
    sg->len = 0;
}
