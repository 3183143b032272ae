/* Device writes to guest RAM and translated code.
 *
 * CPU stores find code pages through the soft TLB; writes by devices
 * (DMA), loaders and the debugger go through as_write/dma_write instead,
 * which call the address space's ram_write_hook.  A write made on a vCPU
 * thread (a port write starting fw_cfg DMA) invalidates at once; one made
 * by another thread (the main loop completing disk I/O) is queued, the
 * vCPUs are asked to leave their blocks, and a vCPU thread applies the
 * queue before any of them runs another block.  The device reports completion only after its write, so
 * the guest cannot see the data before its stale code is gone. */
#include <pthread.h>
#include <stdatomic.h>

#include "accel/tcg.h"
#include "hw/core/util.h"
#include "cpu/sys.h"
#include "hw/core/memory.h"
#include "translate/tb.h"
#include "translate/tlb.h"

/* Runs of whole pages, merged with a recent run they touch: a NIC's
 * receive burst is dozens of small writes (each frame's buffer and its
 * descriptor) on a few pages; as byte ranges they overflowed a short
 * queue and every burst flushed the whole TB cache.  Room for the pieces
 * of several scatter-gather transfers too: a 1 MiB read into a guest's
 * user buffer is 256 separate pages (virtio descriptors, PRD entries). */
#define PENDING_MAX 2048
#define RECENT 8                    /* runs looked at for a merge */

static pthread_mutex_t pending_lock = PTHREAD_MUTEX_INITIALIZER;
static struct { uint64_t first, last; } pending[PENDING_MAX];   /* page numbers */
static unsigned npending;
static bool pending_all;            /* the queue overflowed: drop every page */
static atomic_bool pending_any;

static void invalidate_now(Machine *m, uint64_t addr, uint64_t len)
{
    if (!m->ncpus || !m->cpus[0] || !m->cpus[0]->accel || !len)
        return;
    bool hit = false;
    for (uint64_t pg = addr & ~0xfffULL; pg < addr + len; pg += 0x1000)
        hit |= tb_invalidate_page(m->cpus[0], pg);
    /* the running block may be one of them: leave it after this instruction */
    if (hit && current_cpu && current_cpu->accel)
        tcg_cpu(current_cpu)->exit_request = true;
}

/* Called with pending_lock held.  Pages first..last join a recent run
 * they overlap or adjoin (the descriptor ring written again, a buffer
 * written in pieces), else start a new one. */
static void queue_pages(uint64_t first, uint64_t last)
{
    for (unsigned i = npending, n = 0; i > 0 && n < RECENT; i--, n++) {
        uint64_t *f = &pending[i - 1].first, *l = &pending[i - 1].last;
        if (first <= *l + 1 && last + 1 >= *f) {
            *f = MIN(*f, first);
            *l = MAX(*l, last);
            return;
        }
    }
    if (npending < PENDING_MAX) {
        pending[npending].first = first;
        pending[npending++].last = last;
    } else {
        pending_all = true;
    }
}

static void queue(Machine *m, uint64_t addr, uint64_t len)
{
    if (!len)
        return;
    pthread_mutex_lock(&pending_lock);
    queue_pages(addr >> 12, (addr + len - 1) >> 12);
    atomic_store(&pending_any, true);
    pthread_mutex_unlock(&pending_lock);
    for (unsigned i = 0; i < m->ncpus; i++) {
        if (m->cpus[i]) {
            atomic_fetch_or(&m->cpus[i]->env.interrupt_request, CPU_INTERRUPT_EXIT);
            tcg_cpu_stop_chain(m->cpus[i]);
        }
    }
}

static void ram_written(void *opaque, uint64_t addr, uint64_t len)
{
    Machine *m = opaque;
    if (tcg_on_vcpu_thread())
        invalidate_now(m, addr, len);
    else
        queue(m, addr, len);
}

/* With a vCPU thread each (thread=multi) every thread comes here: the
 * flag stays set until the queue is applied, so a vCPU that arrives while
 * another applies it waits on the lock instead of running stale code. */
void tcg_apply_ram_writes(Machine *m)
{
    if (!atomic_load(&pending_any))
        return;
    pthread_mutex_lock(&pending_lock);
    bool all = pending_all;
    for (unsigned i = 0; i < npending && !all; i++)
        invalidate_now(m, pending[i].first << 12,
                       (pending[i].last - pending[i].first + 1) << 12);
    npending = 0;
    pending_all = false;
    atomic_store(&pending_any, false);
    pthread_mutex_unlock(&pending_lock);
    if (all && m->ncpus && m->cpus[0] && m->cpus[0]->accel)
        tb_flush_all(m->cpus[0]);
}

void tcg_watch_ram_writes(Machine *m)
{
    m->mem.ram_write_opaque = m;
    m->mem.ram_write_hook = ram_written;
}
