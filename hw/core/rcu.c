/* Deferred freeing after a grace period (see rcu.h).  The global epoch
 * is bumped by every retirement; a reader publishes the epoch it saw at
 * its last quiescent point (0 while offline).  An object retired at
 * epoch E is freed once every online reader has published E or later.
 * Retired objects are few (memory-map rebuilds), so a list scanned under
 * a mutex suffices; readers reclaim at quiescent points only when the
 * list is not empty (one atomic load otherwise). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "hw/core/rcu.h"
#include "hw/core/util.h"

#define RCU_MAX_READERS 256

typedef struct Retired {
    void (*fn)(void *);
    void *p;
    unsigned long epoch;
    struct Retired *next;
} Retired;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_ulong epoch = 1;
static atomic_ulong seen[RCU_MAX_READERS];       /* 0: slot free or offline */
static bool used[RCU_MAX_READERS];
static Retired *retired;
static atomic_bool any_retired;
static _Thread_local int slot = -1;

/* Under lock: free what no online reader can hold any more. */
static void reclaim(void)
{
    unsigned long oldest = atomic_load(&epoch) + 1;
    for (int i = 0; i < RCU_MAX_READERS; i++) {
        unsigned long s = atomic_load(&seen[i]);
        if (used[i] && s && s < oldest)
            oldest = s;
    }
    Retired **pp = &retired;
    while (*pp) {
        Retired *r = *pp;
        if (r->epoch <= oldest) {
            *pp = r->next;
            r->fn(r->p);
            free(r);
        } else {
            pp = &r->next;
        }
    }
    atomic_store(&any_retired, retired != NULL);
}

void rcu_register_thread(void)
{
    pthread_mutex_lock(&lock);
    for (int i = 0; i < RCU_MAX_READERS && slot < 0; i++) {
        if (!used[i]) {
            used[i] = true;
            slot = i;
            atomic_store(&seen[i], atomic_load(&epoch));
        }
    }
    pthread_mutex_unlock(&lock);
}

void rcu_unregister_thread(void)
{
    if (slot < 0)
        return;
    pthread_mutex_lock(&lock);
    atomic_store(&seen[slot], 0);
    used[slot] = false;
    slot = -1;
    reclaim();
    pthread_mutex_unlock(&lock);
}

static void reclaim_if_any(void)
{
    if (atomic_load_explicit(&any_retired, memory_order_relaxed)) {
        pthread_mutex_lock(&lock);
        reclaim();
        pthread_mutex_unlock(&lock);
    }
}

void rcu_quiescent(void)
{
    if (slot < 0)
        return;
    atomic_store(&seen[slot], atomic_load(&epoch));
    reclaim_if_any();
}

void rcu_thread_offline(void)
{
    if (slot < 0)
        return;
    atomic_store(&seen[slot], 0);
    reclaim_if_any();
}

void rcu_thread_online(void)
{
    if (slot >= 0)
        atomic_store(&seen[slot], atomic_load(&epoch));
}

void rcu_defer(void (*fn)(void *), void *p)
{
    Retired *r = xzalloc(sizeof(*r));
    r->fn = fn;
    r->p = p;
    pthread_mutex_lock(&lock);
    r->epoch = atomic_fetch_add(&epoch, 1) + 1;
    r->next = retired;
    retired = r;
    reclaim();
    pthread_mutex_unlock(&lock);
}
