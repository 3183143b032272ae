/* -accel tcg,thread=multi: one host thread per vCPU (MTTCG).
 *
 * Each thread runs its own vCPU's slices; a vCPU that executed HLT (or
 * waits for SIPI, or is stopped) sleeps on its own condition variable
 * until a kick (interrupt request, pause/resume, A20, reset).  Device
 * access stays under the big lock (the bus, the interrupt ack); the
 * translation cache has its own lock (translate/tb.c) and is dropped
 * whole only inside a stop-the-world section (accel/tcg-exclusive.c);
 * each soft TLB and jump cache is touched by its own vCPU's thread only
 * (but for the write tags that translation clears on code pages).
 * Memory-map changes and state reloads are announced by generation
 * counters that each thread applies to its own vCPU between slices. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "accel/tcg-mt.h"
#include "accel/tcg.h"
#include "accel/tcg-debug.h"
#include "cpu/sys.h"
#include "hw/core/dma.h"
#include "hw/core/rcu.h"
#include "translate/atomic.h"
#include "translate/tb.h"
#include "translate/tlb.h"

#define SLICE_TBS 2048

typedef enum { MODE_DEFAULT, MODE_SINGLE, MODE_MULTI } ThreadMode;

typedef struct VcpuThread {
    pthread_t thread;
    bool started;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    unsigned kicks;
    unsigned seen_map, seen_reloads;
    bool id_known;              /* cpu->thread_id set (under lock) */
} VcpuThread;

static ThreadMode mode_asked;
static bool enabled;
static VcpuThread threads[MAX_CPUS];
static atomic_bool quit;
static atomic_uint tbs_flushed_for;     /* map + reload generations */
static _Thread_local bool on_vcpu_thread;

int tcg_mt_set_mode(const char *value, const char **why)
{
    if (!strcmp(value, "multi")) {
        mode_asked = MODE_MULTI;
    } else if (!strcmp(value, "single")) {
        mode_asked = MODE_SINGLE;
    } else {
        *why = "expected 'multi' or 'single'";
        return -1;
    }
    return 0;
}

/* As QEMU on x86 hosts: SMP guests get a thread per vCPU unless
 * thread=single is asked for; a single vCPU has nothing to run beside.
 * The accelerator starts before the board creates its CPUs, so the
 * count asked for (-smp) decides, not the CPUs made so far. */
void tcg_mt_decide(Machine *m)
{
    enabled = mode_asked == MODE_MULTI ||
              (mode_asked == MODE_DEFAULT && m && (m->ncpus > 1 || m->cfg.smp_cpus > 1));
}

bool tcg_mt_enabled(void)
{
    return enabled;
}

bool tcg_mt_on_vcpu_thread(void)
{
    return on_vcpu_thread;
}

void tcg_mt_kick(CPUState *cpu)
{
    atomic_fetch_or(&cpu->env.interrupt_request, CPU_INTERRUPT_EXIT);
    tcg_cpu_stop_chain(cpu);
    if (cpu->index < 0 || cpu->index >= MAX_CPUS)
        return;
    VcpuThread *v = &threads[cpu->index];
    pthread_mutex_lock(&v->lock);
    v->kicks++;
    pthread_cond_broadcast(&v->cond);
    pthread_mutex_unlock(&v->lock);
}

void tcg_mt_kick_all(Machine *m)
{
    for (unsigned i = 0; i < m->ncpus; i++) {
        if (m->cpus[i])
            tcg_mt_kick(m->cpus[i]);
    }
}

static void wait_for_kick(VcpuThread *v, unsigned seen, int ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += (long)ms * 1000000L;
    ts.tv_sec += ts.tv_nsec / 1000000000L;
    ts.tv_nsec %= 1000000000L;
    pthread_mutex_lock(&v->lock);
    while (v->kicks == seen && !atomic_load(&quit)) {
        if (pthread_cond_timedwait(&v->cond, &v->lock, &ts))
            break;
    }
    pthread_mutex_unlock(&v->lock);
}

/* The first thread to see a new map or reload generation drops the TBs
 * (code at physical addresses may have changed); each drops its own TLB. */
static void apply_generations(CPUState *cpu, VcpuThread *v)
{
    unsigned map = tcg_map_generation(), rel = tcg_reload_generation();
    if (map == v->seen_map && rel == v->seen_reloads)
        return;
    if (rel != v->seen_reloads)
        tcg_reload_cpu(cpu);
    v->seen_map = map;
    v->seen_reloads = rel;
    tlb_flush(cpu);
    tb_jmp_cache_clear(cpu);
    unsigned want = map + rel, had = atomic_load(&tbs_flushed_for);
    if (had != want && atomic_compare_exchange_strong(&tbs_flushed_for, &had, want))
        tb_flush_all(cpu);
}

/* stopped and state are written by the main loop while this thread runs:
 * atomic loads (paired with its release stores), read once per slice. */
static bool runnable(Machine *m, CPUState *cpu)
{
    return !__atomic_load_n(&cpu->stopped, __ATOMIC_ACQUIRE) &&
           __atomic_load_n(&m->state, __ATOMIC_ACQUIRE) == RUN_STATE_RUNNING &&
           !m->reset_requested;
}

static void begin_exclusive_without_dma(Machine *m)
{
    /* The machine lock (DMA held off) after parking the other vCPUs: one
     * waiting for it in a device access could not park while this thread
     * held it.  And without waiting for it: its holder may be waiting for
     * this section to end (the gdbstub dropping every block), so then the
     * section ends, parked here, and is taken again. */
    for (;;) {
        tcg_exclusive_begin(m);
        if (dma_try_hold_off())
            return;
        tcg_exclusive_end();
        struct timespec ts = { 0, 20000 };
        nanosleep(&ts, NULL);
    }
}

/* A locked operation the host cannot do atomically (a split lock, MMIO:
 * translate/helpers-atomic.c) restarted its instruction: run it, as the
 * first of one block, with every other vCPU parked.  tcg_exclusive_begin
 * kicked this vCPU too; that kick is taken back for the step and given
 * again after it, so a real exit request is late by one block at most. */
static void step_exclusive(CPUState *cpu)
{
    begin_exclusive_without_dma(cpu->machine);
    atomic_fetch_and(&cpu->env.interrupt_request, ~(uint32_t)CPU_INTERRUPT_EXIT);
    /* A pause (stop, gdbstub) that came meanwhile: the instruction was
     * restarted with nothing done, it runs after `cont`. */
    if (runnable(cpu->machine, cpu)) {
        tcg_atomic_set_exclusive(true);
        tcg_exec_slice(cpu, 1);
        tcg_atomic_set_exclusive(false);
    }
    dma_resume();
    tcg_exclusive_end();
    atomic_fetch_or(&cpu->env.interrupt_request, CPU_INTERRUPT_EXIT);
}

static void *vcpu_thread_fn(void *opaque)
{
    CPUState *cpu = opaque;
    Machine *m = cpu->machine;
    VcpuThread *v = &threads[cpu->index];
    on_vcpu_thread = true;
    current_cpu = cpu;          /* per-CPU MMIO: the local APIC page */
    pthread_mutex_lock(&v->lock);
    cpu->thread_id = (int)gettid();
    v->id_known = true;
    pthread_cond_broadcast(&v->cond);
    pthread_mutex_unlock(&v->lock);
    rcu_register_thread();
    while (!atomic_load(&quit)) {
        pthread_mutex_lock(&v->lock);
        unsigned seen = v->kicks;
        pthread_mutex_unlock(&v->lock);
        bool ran = false;
        tcg_debug_round();
        tcg_exec_begin();
        apply_generations(cpu, v);
        if (runnable(m, cpu)) {
            tcg_apply_ram_writes(m);
            ran = tcg_exec_slice(cpu, SLICE_TBS) != TCG_EXIT_HALTED;
            if (tcg_atomic_take_step())
                step_exclusive(cpu);
        }
        tcg_exec_end();
        rcu_quiescent();
        if (!ran) {
            rcu_thread_offline();
            wait_for_kick(v, seen, m->reset_requested ? 5 : 50);
            rcu_thread_online();
        }
    }
    rcu_unregister_thread();
    return NULL;
}

static void stop_world(CPUState *cpu, bool stop)
{
    if (stop)
        tcg_exclusive_begin(cpu->machine);
    else
        tcg_exclusive_end();
}

/* `info cpus` (the main thread) reads each vCPU's thread id: wait until
 * the thread has set it, which also orders that write before the reads. */
static void wait_for_thread_id(VcpuThread *v)
{
    if (!v->started)
        return;
    pthread_mutex_lock(&v->lock);
    while (!v->id_known)
        pthread_cond_wait(&v->cond, &v->lock);
    pthread_mutex_unlock(&v->lock);
}

void tcg_mt_start(Machine *m)
{
    tb_stop_world = stop_world;
    atomic_store(&tbs_flushed_for, tcg_map_generation() + tcg_reload_generation());
    for (unsigned i = 0; i < m->ncpus; i++) {
        VcpuThread *v = &threads[i];
        if (v->started)
            continue;
        pthread_mutex_init(&v->lock, NULL);
        pthread_cond_init(&v->cond, NULL);
        v->seen_map = tcg_map_generation();
        v->seen_reloads = tcg_reload_generation();
        if (pthread_create(&v->thread, NULL, vcpu_thread_fn, m->cpus[i])) {
            fprintf(stderr, "kemu: tcg: cannot create the thread of vCPU %u\n", i);
            continue;
        }
        v->started = true;
    }
    for (unsigned i = 0; i < m->ncpus; i++)
        wait_for_thread_id(&threads[i]);
}

void tcg_mt_shutdown(Machine *m)
{
    atomic_store(&quit, true);
    tcg_mt_kick_all(m);
    for (unsigned i = 0; i < m->ncpus; i++) {
        if (threads[i].started) {
            pthread_join(threads[i].thread, NULL);
            threads[i].started = false;
            threads[i].id_known = false;
        }
    }
}

/* machine_pause() set every vCPU stopped and kicked it: once no thread
 * is in its exec section, none can enter guest code again. */
void tcg_mt_wait_stopped(Machine *m)
{
    tcg_mt_kick_all(m);
    tcg_exec_wait_idle();
}
