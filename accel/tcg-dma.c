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
#include "cpu/sys.h"
#include "hw/core/memory.h"
#include "translate/tb.h"
#include "translate/tlb.h"

/* Room for the pieces of several scatter-gather transfers: a 1 MiB read
 * into a guest's user buffer is 256 separate pages (virtio descriptors,
 * PRD entries), and an overflow costs a flush of all translated code. */
#define PENDING_MAX 2048

static pthread_mutex_t pending_lock = PTHREAD_MUTEX_INITIALIZER;
static struct { uint64_t addr, len; } pending[PENDING_MAX];
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

static void queue(Machine *m, uint64_t addr, uint64_t len)
{
    pthread_mutex_lock(&pending_lock);
    if (npending && pending[npending - 1].addr + pending[npending - 1].len == addr)
        pending[npending - 1].len += len;       /* a transfer in pieces */
    else if (npending < PENDING_MAX)
        pending[npending++].addr = addr, pending[npending - 1].len = len;
    else
        pending_all = true;
    atomic_store(&pending_any, true);
    pthread_mutex_unlock(&pending_lock);
    for (unsigned i = 0; i < m->ncpus; i++) {
        if (m->cpus[i])
            atomic_fetch_or(&m->cpus[i]->env.interrupt_request, CPU_INTERRUPT_EXIT);
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
        invalidate_now(m, pending[i].addr, pending[i].len);
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
