/* The "tcg" accelerator: kemu's own binary translator.
 *
 * Threading model, thread=single (the default): ONE host thread runs every
 * vCPU round-robin (a slice of translation blocks each), so an instruction
 * is never interleaved with another vCPU's.  thread=multi gives each vCPU
 * a host thread of its own (accel/tcg-mt.c).  Device access from
 * translated code takes the big lock around each bus access; the main
 * thread runs the event loop and timers.  A vCPU that executed HLT (or
 * waits for SIPI) is skipped; when every vCPU waits, the thread sleeps
 * until a kick (interrupt request, pause/resume, A20, reset). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "accel/accel.h"
#include "accel/tcg.h"
#include "accel/tcg-mt.h"
#include "accel/tcg-debug.h"
#include "cpu/sys.h"
#include "hw/core/log.h"
#include "hw/core/machine.h"
#include "hw/core/memory.h"
#include "hw/core/rcu.h"
#include "translate/atomic.h"
#include "translate/backend-native.h"
#include "translate/flags.h"
#include "translate/tb.h"
#include "translate/tlb.h"

#define SLICE_TBS 2048

static pthread_t tcg_thread;
static bool thread_started;
static pthread_mutex_t wait_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wait_cond = PTHREAD_COND_INITIALIZER;
static atomic_uint kicks;
static atomic_bool quit;
static atomic_uint map_gen;         /* memory-map commits */
static atomic_uint reloads;        /* sync_state(false) calls (reset, boot setup) */
static Machine *tcg_machine;
static MemoryListener tcg_listener;

static bool tcg_available(const char **why)
{
    return true;
}

static bool tcg_hw_assisted(void)
{
    return false;
}

static void wake(void)
{
    if (tcg_mt_enabled()) {
        tcg_mt_kick_all(tcg_machine);
        return;
    }
    pthread_mutex_lock(&wait_lock);
    atomic_fetch_add(&kicks, 1);
    pthread_cond_broadcast(&wait_cond);
    pthread_mutex_unlock(&wait_lock);
}

/* The memory map changed: host pointers in TLBs and code at physical
 * addresses may be stale.  Flushed by the vCPU thread between blocks. */
static void tcg_map_commit(MemoryListener *l, const FlatView *old_view, const FlatView *new_view)
{
    atomic_fetch_add(&map_gen, 1);
    Machine *m = l->opaque;
    for (unsigned i = 0; i < m->ncpus; i++) {
        if (m->cpus[i]) {
            atomic_fetch_or(&m->cpus[i]->env.interrupt_request, CPU_INTERRUPT_EXIT);
            tcg_cpu_stop_chain(m->cpus[i]);
        }
    }
    wake();
}

/* A display cleared the dirty log of those pages: stores there must
 * take the slow path again, which marks them. */
static void tcg_log_clear(MemoryListener *l, uint64_t addr, uint64_t len)
{
    Machine *m = l->opaque;
    if (m->ncpus && m->cpus[0])
        tlb_protect_range(m->cpus[0], addr, len);
}

static int tcg_init(Machine *m)
{
    tcg_machine = m;
    tcg_mt_decide(m);
    translate_set_parallel(tcg_mt_enabled());
    tcg_listener.commit = tcg_map_commit;
    tcg_listener.log_clear = tcg_log_clear;
    tcg_listener.opaque = m;
    as_add_listener(&m->mem, &tcg_listener);
    tcg_watch_ram_writes(m);
    if (log_enabled(LOG_ACCEL))
        log_printf("tcg: %s backend\n", tcg_backend_name());
    return 0;
}

static int tcg_vcpu_init(CPUState *cpu)
{
    tcg_filter_features(cpu);
    TcgCpu *t = tcg_cpu_init(cpu);
    t->wait_sipi = cpu->env.halted;     /* application processors */
    cpu_load_flags(cpu, cpu->env.rflags);
    return 0;
}

static void flush_everything(Machine *m)
{
    for (unsigned i = 0; i < m->ncpus; i++) {
        if (m->cpus[i] && m->cpus[i]->accel) {
            tlb_flush(m->cpus[i]);
            tb_jmp_cache_clear(m->cpus[i]);
        }
    }
    if (m->ncpus && m->cpus[0]->accel)
        tb_flush_all(m->cpus[0]);
}

unsigned tcg_map_generation(void)
{
    return atomic_load(&map_gen);
}

unsigned tcg_reload_generation(void)
{
    return atomic_load(&reloads);
}

/* Per-vCPU state the main thread asked to reload (sync_state(false)). */
void tcg_reload_cpu(CPUState *cpu)
{
    cpu_load_flags(cpu, cpu->env.rflags);
    tlb_flush(cpu);
    tb_jmp_cache_clear(cpu);
    tcg_cpu(cpu)->wait_sipi = cpu->env.halted && cpu->index != 0;
    tcg_cpu(cpu)->dr_data_hits = 0;     /* no #DB trap from the old state */
    tcg_cpu(cpu)->dr_ss_hits = 0;
    cpu->db_trap = 0;
}

static bool runnable(Machine *m, CPUState *cpu)
{
    return !__atomic_load_n(&cpu->stopped, __ATOMIC_ACQUIRE) &&
           __atomic_load_n(&m->state, __ATOMIC_ACQUIRE) == RUN_STATE_RUNNING;
}

static void wait_for_kick(unsigned seen, int ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += (long)ms * 1000000L;
    ts.tv_sec += ts.tv_nsec / 1000000000L;
    ts.tv_nsec %= 1000000000L;
    pthread_mutex_lock(&wait_lock);
    while (atomic_load(&kicks) == seen && !atomic_load(&quit)) {
        if (pthread_cond_timedwait(&wait_cond, &wait_lock, &ts))
            break;
    }
    pthread_mutex_unlock(&wait_lock);
}

static unsigned seen_reloads, seen_map;

static void *tcg_thread_fn(void *opaque)
{
    Machine *m = opaque;
    /* One thread runs every vCPU: `info cpus` shows it for each. */
    for (unsigned i = 0; i < m->ncpus; i++)
        m->cpus[i]->thread_id = (int)gettid();
    rcu_register_thread();
    while (!atomic_load(&quit)) {
        unsigned seen = atomic_load(&kicks);
        tcg_debug_round();
        rcu_quiescent();
        unsigned g = atomic_load(&map_gen);
        if (g != seen_map) {
            seen_map = g;
            flush_everything(m);
        }
        unsigned r = atomic_load(&reloads);
        if (r != seen_reloads) {
            /* A reset or a loader may have rewritten guest memory. */
            seen_reloads = r;
            for (unsigned i = 0; i < m->ncpus; i++)
                tcg_reload_cpu(m->cpus[i]);
            flush_everything(m);
        }
        bool ran = false;
        for (unsigned i = 0; i < m->ncpus && !m->reset_requested; i++) {
            CPUState *cpu = m->cpus[i];
            if (!runnable(m, cpu))
                continue;
            current_cpu = cpu;      /* per-CPU MMIO: the local APIC page */
            tcg_apply_ram_writes(m);
            if (tcg_exec_slice(cpu, SLICE_TBS) != TCG_EXIT_HALTED)
                ran = true;
        }
        if (!ran) {
            rcu_thread_offline();
            wait_for_kick(seen, m->reset_requested ? 5 : 50);
            rcu_thread_online();
        }
    }
    rcu_unregister_thread();
    return NULL;
}

bool tcg_on_vcpu_thread(void)
{
    if (tcg_mt_enabled())
        return !thread_started || tcg_mt_on_vcpu_thread();
    return !thread_started || pthread_equal(pthread_self(), tcg_thread);
}

static void tcg_start(Machine *m)
{
    if (thread_started)
        return;
    if (tcg_mt_enabled()) {
        tcg_mt_start(m);
        thread_started = true;
        return;
    }
    if (pthread_create(&tcg_thread, NULL, tcg_thread_fn, m)) {
        fprintf(stderr, "kemu: tcg: cannot create the vCPU thread\n");
        return;
    }
    thread_started = true;
}

static void tcg_kick(CPUState *cpu)
{
    if (tcg_mt_enabled()) {
        tcg_mt_kick(cpu);
        return;
    }
    atomic_fetch_or(&cpu->env.interrupt_request, CPU_INTERRUPT_EXIT);
    tcg_cpu_stop_chain(cpu);
    wake();
}

/* The monitor/gdbstub read env directly; only the lazy flags need care.
 * Writing (to_env false: reset, boot setup, debugger) is applied by the
 * vCPU thread before it runs again. */
static void tcg_sync_state(CPUState *cpu, bool to_env)
{
    if (!cpu->accel)
        return;
    if (to_env) {
        if (!thread_started || cpu->stopped)
            cpu_sync_flags(cpu);
        return;
    }
    if (!thread_started) {
        tcg_reload_cpu(cpu);
        return;
    }
    /* A stopped vCPU's state may be read back (to_env) before its thread
     * reloads it: the lazy flags must say what was written already. */
    if (cpu->stopped)
        cpu_load_flags(cpu, cpu->env.rflags);
    atomic_fetch_add(&reloads, 1);
    tcg_kick(cpu);
}

static void tcg_shutdown(Machine *m)
{
    atomic_store(&quit, true);
    if (tcg_mt_enabled()) {
        tcg_mt_shutdown(m);
        thread_started = false;
        return;
    }
    wake();
    if (thread_started) {
        pthread_join(tcg_thread, NULL);
        thread_started = false;
    }
}

static void tcg_info(Machine *m, char *buf, size_t len)
{
    NativeStats s = native_stats();
    int n = snprintf(buf, len, "tcg: %s backend, %u vCPU(s) %s\n",
                     tcg_backend() == TCG_BACKEND_NATIVE ? "native x86-64" : "portable interpreter",
                     m->ncpus, tcg_mt_enabled() ? "on one thread each (thread=multi)" :
                     "round-robin on one thread (thread=single)");
    if (tcg_backend() == TCG_BACKEND_NATIVE && n > 0 && (size_t)n < len)
        snprintf(buf + n, len - (size_t)n,
                 "native: %llu blocks compiled, %llu left to the interpreter, %llu code bytes\n",
                 (unsigned long long)s.compiled, (unsigned long long)s.fallbacks,
                 (unsigned long long)s.code_bytes);
}

static void tcg_wait_stopped_any(Machine *m)
{
    if (tcg_mt_enabled() && thread_started)
        tcg_mt_wait_stopped(m);
    else
        tcg_wait_stopped(m);
}

/* -accel tcg,backend=interp|native,thread=single|multi. */
static int tcg_set_property(const char *key, const char *value, const char **why)
{
    if (!strcmp(key, "thread"))
        return tcg_mt_set_mode(value, why);
    if (strcmp(key, "backend")) {
        *why = "no such property";
        return -1;
    }
    return tcg_backend_select(value, why);
}

static AccelOps tcg_ops = {
    .name = "tcg",
    .desc = "Tiny Code Generator (kemu's binary translator)",
    .available = tcg_available,
    .hw_assisted = tcg_hw_assisted,
    .init = tcg_init,
    .vcpu_init = tcg_vcpu_init,
    .start = tcg_start,
    .kick = tcg_kick,
    .sync_state = tcg_sync_state,
    .shutdown = tcg_shutdown,
    .info = tcg_info,
    .set_breakpoint = tcg_set_breakpoint,
    .remove_all_breakpoints = tcg_remove_all_breakpoints,
    .set_singlestep = tcg_set_singlestep,
    .wait_stopped = tcg_wait_stopped_any,
    .memory_written = tcg_debug_memory_written,
    .set_property = tcg_set_property,
};
ACCEL_REGISTER(tcg_ops)
