/* Stop-the-world sections of the TCG engine (thread=multi).
 *
 * Each vCPU thread brackets everything it does with the shared
 * translation state and its own TcgCpu (running blocks, flushing its TLB
 * after a map change) with tcg_exec_begin/tcg_exec_end.  A thread that
 * must change what other vCPUs may be executing (dropping every TB: the
 * arena is reused) calls tcg_exclusive_begin: it waits until no other
 * vCPU is between begin and end, and new ones wait at tcg_exec_begin
 * until tcg_exclusive_end.  The caller may itself be a vCPU thread inside
 * its exec section (a full arena found by tb_find): it counts as parked
 * meanwhile.  Kicks make running vCPUs leave their blocks at the next
 * block boundary (the per-block exit check); none may hold a lock the
 * caller waits for, so callers hold no lock (big lock, TB lock).  A
 * section may nest in one thread (an exclusive step of a locked
 * instruction that finds the arena full): the inner one is a no-op. */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "accel/tcg-mt.h"
#include "hw/core/machine.h"

#define REKICK_MS 5
#define WAIT_IDLE_MAX_MS 2000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static unsigned running;
static bool pending;
static _Thread_local bool in_exec;
static _Thread_local bool parked_for_exclusive;     /* was in_exec at begin */
static _Thread_local unsigned exclusive_depth;

void tcg_exec_begin(void)
{
    pthread_mutex_lock(&lock);
    while (pending)
        pthread_cond_wait(&cond, &lock);
    running++;
    in_exec = true;
    pthread_mutex_unlock(&lock);
}

void tcg_exec_end(void)
{
    pthread_mutex_lock(&lock);
    running--;
    in_exec = false;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);
}

static void deadline_in(struct timespec *ts, int ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_nsec += (long)ms * 1000000L;
    ts->tv_sec += ts->tv_nsec / 1000000000L;
    ts->tv_nsec %= 1000000000L;
}

void tcg_exclusive_begin(Machine *m)
{
    if (exclusive_depth++)
        return;
    pthread_mutex_lock(&lock);
    parked_for_exclusive = in_exec;
    if (in_exec) {
        running--;
        in_exec = false;
        pthread_cond_broadcast(&cond);
    }
    while (pending)
        pthread_cond_wait(&cond, &lock);
    pending = true;
    while (running) {
        /* Kicked again and again: a kick taken just before a vCPU
         * entered its block loop is consumed without leaving it. */
        pthread_mutex_unlock(&lock);
        tcg_mt_kick_all(m);
        pthread_mutex_lock(&lock);
        struct timespec ts;
        deadline_in(&ts, REKICK_MS);
        if (running)
            pthread_cond_timedwait(&cond, &lock, &ts);
    }
    pthread_mutex_unlock(&lock);
}

void tcg_exclusive_end(void)
{
    if (--exclusive_depth)
        return;
    pthread_mutex_lock(&lock);
    pending = false;
    if (parked_for_exclusive) {
        running++;
        in_exec = true;
        parked_for_exclusive = false;
    }
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);
}

void tcg_exec_wait_idle(void)
{
    pthread_mutex_lock(&lock);
    for (int i = 0; running && i < WAIT_IDLE_MAX_MS / REKICK_MS; i++) {
        struct timespec ts;
        deadline_in(&ts, REKICK_MS);
        pthread_cond_timedwait(&cond, &lock, &ts);
    }
    pthread_mutex_unlock(&lock);
}
