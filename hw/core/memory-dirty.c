/* Dirty logging of RAM regions (see memory.h): a bit per page, set by
 * whoever writes the page and cleared by the display that reads it.
 * Writers store first and mark after (a locked OR, a full barrier), the
 * reader clears first and reads the pages after, so a write is either in
 * the picture read or marked for the next look. */
#include "hw/core/memory.h"
#include "hw/core/util.h"

#include <string.h>

static uint64_t *log_bits(MemoryRegion *mr)
{
    return __atomic_load_n(&mr->dirty, __ATOMIC_ACQUIRE);
}

/* The bits of word w (pages 64w..64w+63) for pages first..last. */
static uint64_t word_mask(uint64_t w, uint64_t first, uint64_t last)
{
    uint64_t lo = first > w * 64 ? first - w * 64 : 0;
    uint64_t hi = last < w * 64 + 63 ? last - w * 64 : 63;
    return (~0ULL << lo) & (~0ULL >> (63 - hi));
}

void mr_dirty_mark(MemoryRegion *mr, uint64_t off, uint64_t len)
{
    uint64_t *bits = log_bits(mr);
    if (!bits || !len || off >= mr->size)
        return;
    len = MIN(len, mr->size - off);
    uint64_t first = off >> 12, last = (off + len - 1) >> 12;
    for (uint64_t w = first / 64; w <= last / 64; w++)
        __atomic_fetch_or(&bits[w], word_mask(w, first, last), __ATOMIC_SEQ_CST);
}

/* Pages lo..hi of mr were cleared: tell the engines where the region is
 * mapped, so their next store there is seen. */
static void notify_cleared(MemoryRegion *mr, uint64_t lo, uint64_t hi)
{
    AddressSpace *as = mr->as;
    uint64_t start = lo << 12, end = MIN((hi + 1) << 12, mr->size);
    for (size_t i = 0; as && i < as->view->n; i++) {
        const FlatRange *r = &as->view->ranges[i];
        uint64_t r_end = r->off + (r->end - r->start);
        if (r->mr != mr || r->off >= end || r_end <= start)
            continue;
        uint64_t from = MAX(start, r->off), to = MIN(end, r_end);
        for (MemoryListener *l = as->listeners; l; l = l->next) {
            if (l->log_clear)
                l->log_clear(l, r->start + (from - r->off), to - from);
        }
    }
}

static void sync_engines(MemoryRegion *mr)
{
    for (MemoryListener *l = mr->as ? mr->as->listeners : NULL; l; l = l->next) {
        if (l->log_sync)
            l->log_sync(l, mr);
    }
}

bool mr_dirty_get_and_clear(MemoryRegion *mr, uint64_t off, uint64_t len, uint64_t *out)
{
    uint64_t *bits = log_bits(mr);
    if (!bits || !len || off >= mr->size)
        return false;
    len = MIN(len, mr->size - off);
    uint64_t first = off >> 12, last = (off + len - 1) >> 12;
    if (out)
        memset(out, 0, (size_t)((last - first) / 64 + 1) * sizeof(uint64_t));
    sync_engines(mr);
    uint64_t lo = UINT64_MAX, hi = 0;
    for (uint64_t w = first / 64; w <= last / 64; w++) {
        uint64_t mask = word_mask(w, first, last);
        if (!(__atomic_load_n(&bits[w], __ATOMIC_RELAXED) & mask))
            continue;
        uint64_t got = __atomic_fetch_and(&bits[w], ~mask, __ATOMIC_SEQ_CST) & mask;
        while (got) {
            uint64_t pg = w * 64 + (uint64_t)__builtin_ctzll(got);
            got &= got - 1;
            lo = MIN(lo, pg);
            hi = MAX(hi, pg);
            if (out)
                out[(pg - first) / 64] |= 1ULL << ((pg - first) % 64);
        }
    }
    if (lo > hi)
        return false;
    notify_cleared(mr, lo, hi);
    return true;
}

void as_dirty_mark(AddressSpace *as, uint64_t addr, uint64_t len)
{
    if (!__atomic_load_n(&as->logging, __ATOMIC_RELAXED) || !len)
        return;
    /* vCPU threads mark without the big lock: the view as rebuild()
     * publishes it (freed only after they pass a quiescent state) */
    const FlatView *v = __atomic_load_n(&as->view, __ATOMIC_ACQUIRE);
    for (size_t i = 0; i < v->n; i++) {
        const FlatRange *r = &v->ranges[i];
        if (r->start >= addr + len || r->end <= addr || r->mr->kind != MR_RAM)
            continue;
        uint64_t from = MAX(addr, r->start), to = MIN(addr + len, r->end);
        mr_dirty_mark(r->mr, from - r->start + r->off, to - from);
    }
}

bool as_page_log_clean(AddressSpace *as, uint64_t addr)
{
    if (!__atomic_load_n(&as->logging, __ATOMIC_RELAXED))
        return false;
    const FlatRange *r = as_lookup(as, addr);
    uint64_t *bits = r ? log_bits(r->mr) : NULL;
    if (!bits)
        return false;
    uint64_t pg = (addr - r->start + r->off) >> 12;
    return !(__atomic_load_n(&bits[pg / 64], __ATOMIC_SEQ_CST) & (1ULL << (pg % 64)));
}
