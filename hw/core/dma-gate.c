/* The gate in-place transfers pass (dma.h: dma_inplace_begin), closed by
 * dma_hold_off.  A pool thread's preadv/pwritev into guest RAM does not
 * copy under the machine lock as dma_read/dma_write do, so holding that
 * lock alone would not hold it off.
 *
 * The common path is one atomic add and one load on each side of a
 * transfer: a transfer counts itself in, then looks at the gate; the
 * holder closes the gate, then looks at the count.  Both sequentially
 * consistent, so at least one of them sees the other (Dekker): either the
 * transfer backs out and waits, or the holder waits for it to end.  The
 * mutex and condition variable are only for the waits. */
#include "hw/core/dma-gate.h"
#include "hw/core/dma.h"

#include <pthread.h>
#include <stdatomic.h>

static atomic_uint inflight;    /* transfers between begin and end */
static atomic_uint closed;      /* hold-offs in force (nested on one thread) */
static pthread_mutex_t wait_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;

static void wake_waiters(void)
{
    pthread_mutex_lock(&wait_lock);
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&wait_lock);
}

void dma_inplace_begin(void)
{
    for (;;) {
        atomic_fetch_add(&inflight, 1);
        if (!atomic_load(&closed))
            return;
        /* Backing out may be what the holder waits for. */
        if (atomic_fetch_sub(&inflight, 1) == 1)
            wake_waiters();
        pthread_mutex_lock(&wait_lock);
        while (atomic_load(&closed))
            pthread_cond_wait(&changed, &wait_lock);
        pthread_mutex_unlock(&wait_lock);
    }
}

bool dma_inplace_try_begin(void)
{
    atomic_fetch_add(&inflight, 1);
    if (!atomic_load(&closed))
        return true;
    if (atomic_fetch_sub(&inflight, 1) == 1)
        wake_waiters();
    return false;
}

void dma_inplace_end(void)
{
    if (atomic_fetch_sub(&inflight, 1) == 1 && atomic_load(&closed))
        wake_waiters();
}

/* Under the machine lock, so holders on different threads never overlap;
 * only the outermost one waits. */
void dma_gate_close(void)
{
    if (atomic_fetch_add(&closed, 1))
        return;
    pthread_mutex_lock(&wait_lock);
    while (atomic_load(&inflight))
        pthread_cond_wait(&changed, &wait_lock);
    pthread_mutex_unlock(&wait_lock);
}

void dma_gate_open(void)
{
    if (atomic_fetch_sub(&closed, 1) == 1)
        wake_waiters();
}
