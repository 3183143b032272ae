#include "hw/core/memory.h"
#include "hw/core/rcu.h"
#include "hw/core/error.h"
#include "hw/core/util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static uint8_t *alloc_host(const char *name, uint64_t size)
{
    void *p = mmap(NULL, size ? size : 1, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        fatal("cannot allocate %llu bytes for %s", (unsigned long long)size, name);
    return p;
}

static void mr_init(MemoryRegion *mr, const char *name, MemoryRegionKind kind, uint64_t size)
{
    memset(mr, 0, sizeof(*mr));
    mr->name = name;
    mr->kind = kind;
    mr->size = size;
    mr->enabled = true;
}

void mr_init_ram(MemoryRegion *mr, const char *name, uint64_t size)
{
    mr_init(mr, name, MR_RAM, size);
    mr->host = alloc_host(name, size);
    mr->opaque = mr; /* marks memory we own */
}

void mr_init_rom(MemoryRegion *mr, const char *name, uint64_t size)
{
    mr_init_ram(mr, name, size);
    mr->kind = MR_ROM;
}

void mr_init_ram_ptr(MemoryRegion *mr, const char *name, uint64_t size, uint8_t *host)
{
    mr_init(mr, name, MR_RAM, size);
    mr->host = host;
}

void mr_init_io(MemoryRegion *mr, const char *name, uint64_t size,
                const MemoryRegionOps *ops, void *opaque)
{
    mr_init(mr, name, MR_IO, size);
    mr->ops = ops;
    mr->opaque = opaque;
}

void mr_free(MemoryRegion *mr)
{
    if (mr->as)
        as_unmap(mr->as, mr);
    mr_dirty_log_stop(mr);
    if (mr->kind != MR_IO && mr->host && mr->opaque == mr)
        munmap(mr->host, mr->size ? mr->size : 1);
    mr->host = NULL;
}

void as_init(AddressSpace *as, const char *name, uint64_t size)
{
    memset(as, 0, sizeof(*as));
    as->name = name;
    as->size = size;
    as->view = xzalloc(sizeof(FlatView));
}

static void view_free(FlatView *v)
{
    if (v) {
        free(v->ranges);
        free(v);
    }
}

static void view_free_deferred(void *v)
{
    view_free(v);
}

void as_destroy(AddressSpace *as)
{
    while (as->regions)
        as_unmap(as, as->regions);
    view_free(as->view);
    as->view = NULL;
}

/* Rendering the flat view: regions are painted in increasing priority (and
 * for equal priority in mapping order), each one overwriting what lies
 * beneath it.  Boundaries are collected first so the painting works on
 * elementary intervals. */
static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static MemoryRegion *top_region(const AddressSpace *as, uint64_t addr)
{
    MemoryRegion *best = NULL;
    for (MemoryRegion *mr = as->regions; mr; mr = mr->next) {
        if (!mr->enabled || addr < mr->addr || addr - mr->addr >= mr->size)
            continue;
        /* Later-mapped regions win ties, as they would if painted last. */
        if (!best || mr->priority >= best->priority)
            best = mr;
    }
    return best;
}

static FlatView *render(const AddressSpace *as)
{
    size_t nb = 0, cap = 2;
    for (MemoryRegion *mr = as->regions; mr; mr = mr->next)
        cap += 2;
    uint64_t *b = xmalloc(cap * sizeof(*b));
    for (MemoryRegion *mr = as->regions; mr; mr = mr->next) {
        if (!mr->enabled || !mr->size)
            continue;
        b[nb++] = mr->addr;
        uint64_t end = mr->addr + mr->size;
        b[nb++] = (end < mr->addr || end > as->size) ? as->size : end;
    }
    qsort(b, nb, sizeof(*b), cmp_u64);

    FlatView *v = xzalloc(sizeof(*v));
    v->ranges = xmalloc((nb ? nb : 1) * sizeof(FlatRange));
    for (size_t i = 0; i + 1 < nb; i++) {
        if (b[i] == b[i + 1])
            continue;
        MemoryRegion *mr = top_region(as, b[i]);
        if (!mr)
            continue;
        FlatRange *prev = v->n ? &v->ranges[v->n - 1] : NULL;
        if (prev && prev->mr == mr && prev->end == b[i]) {
            prev->end = b[i + 1];   /* merge pieces of one region */
            continue;
        }
        v->ranges[v->n++] = (FlatRange){ b[i], b[i + 1], mr, b[i] - mr->addr };
    }
    free(b);
    return v;
}

static void rebuild(AddressSpace *as)
{
    FlatView *old = as->view;
    /* published whole to readers without the big lock (as_lookup) */
    __atomic_store_n(&as->view, render(as), __ATOMIC_RELEASE);
    as->generation++;
    for (MemoryListener *l = as->listeners; l; l = l->next)
        l->commit(l, old, as->view);
    /* vCPU threads of TCG read the view without the big lock (TLB fills):
     * the old one goes once none can still be reading it. */
    rcu_defer(view_free_deferred, old);
}

void as_map(AddressSpace *as, MemoryRegion *mr, uint64_t addr, int priority)
{
    if (mr->as)
        KEMU_BUG("region mapped twice");
    mr->as = as;
    mr->addr = addr;
    mr->priority = priority;
    /* Append, so later mappings win priority ties. */
    MemoryRegion **p = &as->regions;
    while (*p)
        p = &(*p)->next;
    mr->next = NULL;
    *p = mr;
    if (mr->dirty)
        __atomic_fetch_add(&as->logging, 1, __ATOMIC_RELAXED);
    rebuild(as);
}

void as_unmap(AddressSpace *as, MemoryRegion *mr)
{
    for (MemoryRegion **p = &as->regions; *p; p = &(*p)->next) {
        if (*p == mr) {
            *p = mr->next;
            mr->as = NULL;
            mr->next = NULL;
            if (mr->dirty)
                __atomic_fetch_sub(&as->logging, 1, __ATOMIC_RELAXED);
            rebuild(as);
            return;
        }
    }
}

void as_remap(AddressSpace *as, MemoryRegion *mr, uint64_t addr, bool enabled)
{
    if (mr->as != as)
        KEMU_BUG("remap of a region not in this address space");
    if (mr->addr == addr && mr->enabled == enabled)
        return;
    mr->addr = addr;
    mr->enabled = enabled;
    rebuild(as);
}

static void dirty_free_deferred(void *p)
{
    free(p);
}

/* The rebuild tells the engines: KVM gives the slot its log flag, TCG
 * flushes the fast stores it had for the region. */
void mr_dirty_log_start(MemoryRegion *mr)
{
    if (mr->dirty || mr->kind != MR_RAM)
        return;
    size_t words = (size_t)(((mr->size + 0xfff) >> 12) + 63) / 64;
    uint64_t *bits = xmalloc((words ? words : 1) * sizeof(uint64_t));
    memset(bits, 0xff, (words ? words : 1) * sizeof(uint64_t));
    __atomic_store_n(&mr->dirty, bits, __ATOMIC_RELEASE);
    if (mr->as) {
        __atomic_fetch_add(&mr->as->logging, 1, __ATOMIC_RELAXED);
        rebuild(mr->as);
    }
}

/* vCPU threads may still be marking: the bitmap goes after them. */
void mr_dirty_log_stop(MemoryRegion *mr)
{
    uint64_t *bits = mr->dirty;
    if (!bits)
        return;
    __atomic_store_n(&mr->dirty, NULL, __ATOMIC_RELEASE);
    if (mr->as) {
        __atomic_fetch_sub(&mr->as->logging, 1, __ATOMIC_RELAXED);
        rebuild(mr->as);
    }
    rcu_defer(dirty_free_deferred, bits);
}

void as_add_listener(AddressSpace *as, MemoryListener *l)
{
    l->next = as->listeners;
    as->listeners = l;
    FlatView empty = { NULL, 0 };
    l->commit(l, &empty, as->view);
}

void as_del_listener(AddressSpace *as, MemoryListener *l)
{
    for (MemoryListener **p = &as->listeners; *p; p = &(*p)->next) {
        if (*p == l) {
            *p = l->next;
            return;
        }
    }
}

const FlatRange *as_lookup(const AddressSpace *as, uint64_t addr)
{
    const FlatView *v = __atomic_load_n(&as->view, __ATOMIC_ACQUIRE);
    size_t lo = 0, hi = v->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const FlatRange *r = &v->ranges[mid];
        if (addr < r->start)
            hi = mid;
        else if (addr >= r->end)
            lo = mid + 1;
        else
            return r;
    }
    return NULL;
}

/* I/O region access in the sizes the region accepts: split a wide access
 * into the largest accepted pieces, widen a narrow one and extract. */
static unsigned io_max(const MemoryRegionOps *ops) { return ops->max_access ? ops->max_access : 4; }
static unsigned io_min(const MemoryRegionOps *ops) { return ops->min_access ? ops->min_access : 1; }

static uint64_t io_read(MemoryRegion *mr, uint64_t off, unsigned size)
{
    const MemoryRegionOps *ops = mr->ops;
    if (!ops->read)
        return ~0ULL >> (64 - 8 * size);
    unsigned mn = io_min(ops), mx = io_max(ops);
    if (size >= mn && size <= mx)
        return ops->read(mr->opaque, off, size);
    if (size < mn) {
        uint64_t base = off & ~(uint64_t)(mn - 1);
        uint64_t v = ops->read(mr->opaque, base, mn);
        return (v >> (8 * (off - base))) & (~0ULL >> (64 - 8 * size));
    }
    uint64_t v = 0;
    for (unsigned done = 0; done < size; done += mx)
        v |= io_read(mr, off + done, mx) << (8 * done);
    return v;
}

static void io_write(MemoryRegion *mr, uint64_t off, uint64_t val, unsigned size)
{
    const MemoryRegionOps *ops = mr->ops;
    if (!ops->write)
        return;
    unsigned mn = io_min(ops), mx = io_max(ops);
    if (size >= mn && size <= mx) {
        ops->write(mr->opaque, off, val, size);
        return;
    }
    if (size < mn) {
        /* Read-modify-write of the smallest accepted unit. */
        uint64_t base = off & ~(uint64_t)(mn - 1);
        unsigned sh = 8 * (off - base);
        uint64_t mask = (~0ULL >> (64 - 8 * size)) << sh;
        uint64_t cur = ops->read ? ops->read(mr->opaque, base, mn) : 0;
        ops->write(mr->opaque, base, (cur & ~mask) | ((val << sh) & mask), mn);
        return;
    }
    for (unsigned done = 0; done < size; done += mx)
        io_write(mr, off + done, val >> (8 * done), mx);
}

static bool access(AddressSpace *as, uint64_t addr, uint8_t *buf, size_t len, bool write)
{
    bool ok = true;
    while (len) {
        const FlatRange *r = as_lookup(as, addr);
        if (!r) {
            /* Unassigned: skip to the next mapped range or the end. */
            size_t n = len;
            const FlatView *v = as->view;
            for (size_t i = 0; i < v->n; i++) {
                if (v->ranges[i].start > addr && v->ranges[i].start - addr < n)
                    n = v->ranges[i].start - addr;
            }
            if (!write)
                memset(buf, 0xff, n);
            ok = false;
            buf += n, addr += n, len -= n;
            continue;
        }
        uint64_t off = addr - r->start + r->off;
        size_t n = MIN(len, r->end - addr);
        MemoryRegion *mr = r->mr;
        if (mr->kind == MR_IO) {
            /* Byte-wise keeps each callback inside the region and aligned;
             * bulk I/O through MMIO is rare (DMA targets RAM). */
            size_t step = 1;
            if (n >= 4 && !(off & 3))
                step = 4;
            else if (n >= 2 && !(off & 1))
                step = 2;
            uint64_t v = 0;
            if (write) {
                memcpy(&v, buf, step);
                io_write(mr, off, v, step);
            } else {
                v = io_read(mr, off, step);
                memcpy(buf, &v, step);
            }
            n = step;
        } else if (write) {
            if (mr->kind == MR_RAM) {
                memcpy(mr->host + off, buf, n);
                mr_dirty_mark(mr, off, n);
                if (as->ram_write_hook)
                    as->ram_write_hook(as->ram_write_opaque, addr, n);
            }
        } else {
            memcpy(buf, mr->host + off, n);
        }
        buf += n, addr += n, len -= n;
    }
    return ok;
}

bool as_read(AddressSpace *as, uint64_t addr, void *buf, size_t len)
{
    return access(as, addr, buf, len, false);
}

bool as_write(AddressSpace *as, uint64_t addr, const void *buf, size_t len)
{
    return access(as, addr, (uint8_t *)buf, len, true);
}

uint64_t as_ld(AddressSpace *as, uint64_t addr, unsigned size)
{
    const FlatRange *r = as_lookup(as, addr);
    if (r && addr + size <= r->end) {
        uint64_t off = addr - r->start + r->off;
        if (r->mr->kind == MR_IO)
            return io_read(r->mr, off, size);
        uint64_t v = 0;
        memcpy(&v, r->mr->host + off, size);
        return v;
    }
    uint64_t v = 0;
    as_read(as, addr, &v, size);
    return v;
}

void as_st(AddressSpace *as, uint64_t addr, uint64_t val, unsigned size)
{
    const FlatRange *r = as_lookup(as, addr);
    if (r && addr + size <= r->end) {
        uint64_t off = addr - r->start + r->off;
        if (r->mr->kind == MR_IO)
            io_write(r->mr, off, val, size);
        else if (r->mr->kind == MR_RAM) {
            memcpy(r->mr->host + off, &val, size);
            mr_dirty_mark(r->mr, off, size);
        }
        return;
    }
    as_write(as, addr, &val, size);
}

uint8_t *as_ram_ptr(AddressSpace *as, uint64_t addr, uint64_t len, bool write)
{
    const FlatRange *r = as_lookup(as, addr);
    if (!r || len > r->end - addr)
        return NULL;
    if (r->mr->kind == MR_IO || (write && r->mr->kind == MR_ROM))
        return NULL;
    return r->mr->host + (addr - r->start + r->off);
}
