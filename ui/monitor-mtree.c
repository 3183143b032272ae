/* `info mtree [-f]`: the regions mapped in each address space (or, with
 * -f, the flat view the accelerators see), in QEMU's layout. */
#include "ui/monitor-int.h"
#include "hw/core/util.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char *kind_name(MemoryRegionKind k)
{
    return k == MR_RAM ? "ram" : k == MR_ROM ? "rom" : "i/o";
}

static int by_addr(const void *a, const void *b)
{
    const MemoryRegion *x = *(MemoryRegion *const *)a, *y = *(MemoryRegion *const *)b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    return y->priority - x->priority;
}

static void regions(Monitor *mon, const AddressSpace *as)
{
    size_t n = 0;
    for (MemoryRegion *r = as->regions; r; r = r->next)
        n++;
    MemoryRegion **v = xmalloc((n ? n : 1) * sizeof(*v));
    n = 0;
    for (MemoryRegion *r = as->regions; r; r = r->next)
        v[n++] = r;
    qsort(v, n, sizeof(*v), by_addr);
    monitor_printf(mon, "address-space: %s\n", as->name);
    for (size_t i = 0; i < n; i++) {
        const MemoryRegion *r = v[i];
        monitor_printf(mon, "  %016" PRIx64 "-%016" PRIx64 " (prio %d, %s)%s: %s\n", r->addr,
                       r->addr + r->size - 1, r->priority, kind_name(r->kind),
                       r->enabled ? "" : " [disabled]", r->name);
    }
    monitor_printf(mon, "\n");
    free(v);
}

static void flat(Monitor *mon, const AddressSpace *as)
{
    monitor_printf(mon, "FlatView: %s\n", as->name);
    for (size_t i = 0; as->view && i < as->view->n; i++) {
        const FlatRange *fr = &as->view->ranges[i];
        monitor_printf(mon, "  %016" PRIx64 "-%016" PRIx64 " (prio %d, %s): %s", fr->start,
                       fr->end - 1, fr->mr->priority, kind_name(fr->mr->kind), fr->mr->name);
        if (fr->off)
            monitor_printf(mon, " @%016" PRIx64, fr->off);
        monitor_printf(mon, "\n");
    }
    monitor_printf(mon, "\n");
}

void monitor_info_mtree(Monitor *mon, const char *args)
{
    bool f = !strcmp(args, "-f");
    AddressSpace *spaces[] = { &mon->m->mem, &mon->m->io };
    for (size_t i = 0; i < ARRAY_SIZE(spaces); i++) {
        if (f)
            flat(mon, spaces[i]);
        else
            regions(mon, spaces[i]);
    }
}
