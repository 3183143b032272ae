/* Address spaces built from regions: the bus every device and both
 * accelerators go through.
 *
 * A region is RAM or ROM (backed by host memory) or I/O (callbacks).  An
 * address space holds mapped regions with priorities; whenever the mapping
 * changes it rebuilds a flat, sorted view (highest priority wins where
 * regions overlap) and tells its listeners (KVM turns RAM ranges into memory
 * slots, TCG flushes its TLBs).  Device callbacks get the offset inside the
 * region, never an absolute address, and only access sizes they declared:
 * the bus splits wider accesses and widens narrower ones. */
#ifndef KEMU_MEMORY_H
#define KEMU_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct MemoryRegionOps {
    uint64_t (*read)(void *opaque, uint64_t off, unsigned size);
    void (*write)(void *opaque, uint64_t off, uint64_t val, unsigned size);
    /* Access sizes in bytes the callbacks accept (1, 2, 4 or 8). 0 means 1..4. */
    unsigned min_access, max_access;
} MemoryRegionOps;

typedef enum { MR_RAM, MR_ROM, MR_IO } MemoryRegionKind;

typedef struct AddressSpace AddressSpace;

typedef struct MemoryRegion {
    const char *name;
    MemoryRegionKind kind;
    uint64_t size;
    uint8_t *host;            /* RAM/ROM backing, NULL for I/O */
    const MemoryRegionOps *ops;
    void *opaque;
    /* Set while mapped. */
    AddressSpace *as;
    uint64_t addr;
    int priority;
    bool enabled;
    /* Dirty log (RAM only, NULL while off): a bit per 4 KiB page of the
     * region, set when the page is written, cleared by the display that
     * reads it (mr_dirty_get_and_clear).  Words are updated atomically:
     * vCPU threads mark pages without the machine lock. */
    uint64_t *dirty;
    struct MemoryRegion *next; /* in the address space's region list */
} MemoryRegion;

/* One piece of the flat view: [start, end) maps region mr at offset off. */
typedef struct FlatRange {
    uint64_t start, end;
    MemoryRegion *mr;
    uint64_t off;
} FlatRange;

typedef struct FlatView {
    FlatRange *ranges;
    size_t n;
} FlatView;

typedef struct MemoryListener {
    /* Called after every view rebuild with the old and new views; a listener
     * diffs them as it needs (KVM slots) or just flushes (TCG). */
    void (*commit)(struct MemoryListener *l, const FlatView *old_view,
                   const FlatView *new_view);
    /* Dirty logging (both may be NULL).  log_sync: bring writes the
     * engine tracks itself into mr's log (KVM's dirty log of its slots).
     * log_clear: the log of RAM at [addr, addr+len) was cleared, so the
     * next write there must be seen again (TCG drops its fast stores). */
    void (*log_sync)(struct MemoryListener *l, MemoryRegion *mr);
    void (*log_clear)(struct MemoryListener *l, uint64_t addr, uint64_t len);
    void *opaque;
    struct MemoryListener *next;
} MemoryListener;

struct AddressSpace {
    const char *name;
    uint64_t size;            /* addresses >= size do not exist */
    MemoryRegion *regions;
    FlatView *view;
    MemoryListener *listeners;
    unsigned generation;      /* bumped on each rebuild */
    unsigned logging;         /* mapped regions with a dirty log */
    /* Called after as_write/dma_write store into RAM (device DMA, loaders,
     * debugger), not for CPU stores: the TCG accelerator drops translated
     * code of those pages.  NULL: nobody cares. */
    void (*ram_write_hook)(void *opaque, uint64_t addr, uint64_t len);
    void *ram_write_opaque;
};

/* Region constructors. RAM is anonymous host memory (zeroed); ROM is RAM the
 * guest cannot write (writes are ignored, as on a real ROM). */
void mr_init_ram(MemoryRegion *mr, const char *name, uint64_t size);
void mr_init_rom(MemoryRegion *mr, const char *name, uint64_t size);
/* A RAM/ROM region that aliases existing host memory (not freed by mr_free). */
void mr_init_ram_ptr(MemoryRegion *mr, const char *name, uint64_t size, uint8_t *host);
void mr_init_io(MemoryRegion *mr, const char *name, uint64_t size,
                const MemoryRegionOps *ops, void *opaque);
void mr_free(MemoryRegion *mr);

void as_init(AddressSpace *as, const char *name, uint64_t size);
void as_destroy(AddressSpace *as);
/* Map/unmap; each call rebuilds the view and notifies listeners. */
void as_map(AddressSpace *as, MemoryRegion *mr, uint64_t addr, int priority);
void as_unmap(AddressSpace *as, MemoryRegion *mr);
/* Move a mapped region or toggle it (PCI BAR programming, PAM, A20...). */
void as_remap(AddressSpace *as, MemoryRegion *mr, uint64_t addr, bool enabled);
void as_add_listener(AddressSpace *as, MemoryListener *l);
void as_del_listener(AddressSpace *as, MemoryListener *l);

/* Find the flat range holding addr, or NULL (unassigned). */
const FlatRange *as_lookup(const AddressSpace *as, uint64_t addr);

/* Byte-granular access of any length, crossing regions as needed.  RAM and
 * ROM are copied; I/O regions are called in their declared sizes.
 * Unassigned reads return 0xff bytes, unassigned writes are dropped, and
 * both return false so callers (DMA) can tell. */
bool as_read(AddressSpace *as, uint64_t addr, void *buf, size_t len);
bool as_write(AddressSpace *as, uint64_t addr, const void *buf, size_t len);

/* One access of 1/2/4/8 bytes, little-endian: the accelerators' path for
 * port I/O and MMIO. Unassigned reads give all ones. */
uint64_t as_ld(AddressSpace *as, uint64_t addr, unsigned size);
void as_st(AddressSpace *as, uint64_t addr, uint64_t val, unsigned size);

/* Host pointer for [addr, addr+len) if it lies inside one RAM region
 * (ROM too when !write), else NULL.  The pointer is valid until the next
 * mapping change. */
uint8_t *as_ram_ptr(AddressSpace *as, uint64_t addr, uint64_t len, bool write);

/* Dirty logging of a RAM region's pages, for a display that redraws only
 * what the guest wrote.  Every write path marks the log: CPU stores (the
 * engines through the listeners above), DMA, as_write/as_st.  Starting it
 * marks every page dirty (the first look sees everything) and rebuilds the
 * view, so the engines see the region is logged. */
void mr_dirty_log_start(MemoryRegion *mr);
void mr_dirty_log_stop(MemoryRegion *mr);
/* Mark [off, off+len) of mr written (no-op while its log is off). */
void mr_dirty_mark(MemoryRegion *mr, uint64_t off, uint64_t len);
/* Which pages of [off, off+len) of mr were written since the last call,
 * clearing them: bit i of bits (may be NULL; room for every page of the
 * range) is page (off >> 12) + i.  True if any was.  The engine's own log
 * is synced first, and its fast stores to the cleared pages dropped. */
bool mr_dirty_get_and_clear(MemoryRegion *mr, uint64_t off, uint64_t len, uint64_t *bits);
/* RAM at [addr, addr+len) of as was written: mark the logs covering it. */
void as_dirty_mark(AddressSpace *as, uint64_t addr, uint64_t len);
/* Whether the page at addr is in a logged region and not yet marked: a
 * CPU store there must take a path that marks it. */
bool as_page_log_clean(AddressSpace *as, uint64_t addr);

#endif
