/* Sizing the soft TLB to the guest's working set.  A direct-mapped table
 * too small for the pages a guest touches between two flushes misses on
 * conflicts and walks the page tables again and again; one too large makes
 * every full flush (each CR3 write without global pages) clear memory
 * nobody uses.  So, as QEMU's dynamic TLB sizing does, each full flush
 * looks at how many entries the last period filled: more than 3/4 of the
 * table grows it at once to a size that use fits in (up to TLB_MAX_BITS);
 * a table whose busiest period in the last second used less than 1/4 of
 * it is halved (down to TLB_MIN_BITS).  Shrinking goes by time, not by
 * flush count: a process switch flushes often with little use in between
 * while the work it returns to needs the large table again.  Resizing
 * happens only at a full flush, when every entry is dropped anyway, and
 * only on the vCPU's own thread, which also runs all the code indexing its
 * tables (tlb_flush checks); other threads that scan or clear the tables
 * (tlb_protect_code, a flush from elsewhere) hold size_lock, as this does
 * while the tables change. */
#include "translate/tlb.h"

#include <stdlib.h>

#include "hw/core/util.h"

#define WINDOW_NS 1000000000LL

void tlb_set_size(TcgCpu *t, unsigned bits)
{
    if (t->tlb[0] && bits == t->tlb_bits)
        return;
    size_t bytes = sizeof(TLBEntry) << bits;
    pthread_mutex_lock(&t->size_lock);
    for (unsigned u = 0; u < 2; u++) {
        free(t->tlb[u]);
        t->tlb[u] = aligned_alloc(sizeof(TLBEntry), bytes);
        if (!t->tlb[u])
            abort();
    }
    t->tlb_bits = bits;
    t->tlb_mask = ((1ULL << bits) - 1) << TLB_ENTRY_SHIFT;
    pthread_mutex_unlock(&t->size_lock);
}

/* The smallest size at least `fills` fits in at 3/4 use. */
static unsigned bits_for(unsigned fills)
{
    unsigned bits = TLB_MIN_BITS;
    while (bits < TLB_MAX_BITS && (uint64_t)fills * 4 > (3ULL << bits))
        bits++;
    return bits;
}

void tlb_resize(TcgCpu *t)
{
    unsigned bits = t->tlb_bits, fills = t->tlb_fills;
    int64_t now = host_clock_ns();
    t->tlb_fills = 0;
    if (fills > t->tlb_window_max)
        t->tlb_window_max = fills;
    if (bits_for(fills) > bits) {
        bits = bits_for(fills);
    } else if (now - t->tlb_window_start >= WINDOW_NS) {
        if (bits > TLB_MIN_BITS && t->tlb_window_max < (1u << bits) / 4)
            bits--;
    } else {
        return;
    }
    t->tlb_window_start = now;
    t->tlb_window_max = 0;
    tlb_set_size(t, bits);
}
