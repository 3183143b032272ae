/* Breakpoints and single-step for the TCG engine.
 *
 * Nothing is written into guest memory: the translator ends a block before
 * any instruction that has a breakpoint, and the execution loop checks the
 * linear pc before every block.  Single-step translates one instruction
 * per block and stops before the second block.  Changing either drops all
 * translated code (the next block check flushes on the vCPU thread), so
 * blocks translated before a breakpoint existed never run past it.
 *
 * Breakpoints and modes change only while the machine is stopped (the
 * debugger waits for wait_stopped first); the generation counter, bumped
 * after each change, publishes them to the vCPU thread. */
#include <stdatomic.h>
#include <time.h>

#include "accel/accel.h"
#include "accel/tcg-debug.h"
#include "hw/core/loop.h"
#include "hw/core/machine.h"
#include "translate/tb.h"

#define MAX_BREAKPOINTS 64
#define WAIT_STEP_NS 1000000L
#define WAIT_MAX_STEPS 2000

typedef struct Breakpoint {
    uint64_t la;
    int type;
} Breakpoint;

/* Per-vCPU debug state; index = cpu->index. */
typedef struct DebugCpu {
    bool step;
    unsigned long ran;       /* blocks entered since the last resume */
    uint64_t resume_la;      /* where it resumed: a breakpoint there is passed once */
} DebugCpu;

atomic_bool tcg_debug_active;
static atomic_uint debug_gen;
static unsigned flushed_gen;          /* vCPU thread */
static atomic_uint rounds;
static Breakpoint bps[MAX_BREAKPOINTS];
static unsigned nbps;
static unsigned nstep;
static DebugCpu dcpu[MAX_CPUS];

/* The linear address of the next instruction (the key TBs are found by). */
static uint64_t pc_linear(const CPUState *cpu)
{
    const CPUX86State *env = &cpu->env;
    uint64_t la = env->seg[SEG_CS].base + env->rip;
    bool code64 = (env->efer & EFER_LMA) && (env->seg[SEG_CS].attr & SEGATTR_L);
    return code64 ? la : la & 0xffffffffULL;
}

static bool bp_at(uint64_t la)
{
    for (unsigned i = 0; i < nbps; i++) {
        if (bps[i].la == la)
            return true;
    }
    return false;
}

/* Publish a change: the vCPU thread flushes translated code before the
 * next block and sees the new breakpoint set. */
static void changed(void)
{
    atomic_store(&tcg_debug_active, true);
    atomic_fetch_add(&debug_gen, 1);
}

static void flush_code(CPUState *cpu)
{
    Machine *m = cpu->machine;
    tb_flush_all(cpu);
    if (!m) {
        tb_jmp_cache_clear(cpu);
        return;
    }
    for (unsigned i = 0; i < m->ncpus; i++) {
        if (m->cpus[i] && m->cpus[i]->accel)
            tb_jmp_cache_clear(m->cpus[i]);
    }
}

/* vCPU thread: pause everything, then tell the debugger. */
static void debug_stop(CPUState *cpu, int reason)
{
    if (cpu->machine) {
        big_lock();
        machine_pause(cpu->machine);
        big_unlock();
    }
    accel_debug_stopped(cpu, reason);
}

bool tcg_debug_before_tb(CPUState *cpu)
{
    unsigned gen = atomic_load(&debug_gen);
    if (gen != flushed_gen) {
        flushed_gen = gen;
        flush_code(cpu);
        atomic_store(&tcg_debug_active, nbps > 0 || nstep > 0);
        return true;
    }
    if (cpu->index < 0 || cpu->index >= MAX_CPUS)
        return false;
    DebugCpu *d = &dcpu[cpu->index];
    uint64_t la = pc_linear(cpu);
    if (d->step && d->ran) {
        debug_stop(cpu, ACCEL_STOP_STEP);
        return true;
    }
    if (bp_at(la) && !(d->ran == 0 && la == d->resume_la)) {
        debug_stop(cpu, ACCEL_STOP_BREAKPOINT);
        return true;
    }
    d->ran++;
    return false;
}

bool tcg_debug_end_block(CPUState *cpu, uint64_t la)
{
    if (nstep)
        return true;
    bool code64 = (cpu->env.efer & EFER_LMA) && (cpu->env.seg[SEG_CS].attr & SEGATTR_L);
    return bp_at(code64 ? la : la & 0xffffffffULL);
}

void tcg_debug_round(void)
{
    atomic_fetch_add(&rounds, 1);
}

int tcg_set_breakpoint(Machine *m, int type, uint64_t la, bool insert)
{
    if (type != ACCEL_BP_SW && type != ACCEL_BP_HW)
        return -1;
    for (unsigned i = 0; i < nbps; i++) {
        if (bps[i].la != la || bps[i].type != type)
            continue;
        if (insert)
            return 0;
        bps[i] = bps[--nbps];
        changed();
        return 0;
    }
    if (!insert)
        return -1;
    if (nbps >= MAX_BREAKPOINTS)
        return -1;
    bps[nbps++] = (Breakpoint){ la, type };
    changed();
    return 0;
}

void tcg_remove_all_breakpoints(Machine *m)
{
    if (!nbps)
        return;
    nbps = 0;
    changed();
}

/* Also marks the resume point: the debugger calls it for every vCPU before
 * it lets the machine run again. */
void tcg_set_singlestep(CPUState *cpu, bool on)
{
    if (cpu->index < 0 || cpu->index >= MAX_CPUS)
        return;
    DebugCpu *d = &dcpu[cpu->index];
    d->ran = 0;
    d->resume_la = pc_linear(cpu);
    if (d->step == on)
        return;
    d->step = on;
    nstep += on ? 1 : -1;
    changed();
}

/* The vCPU thread starts a new round over the vCPUs after every kick; once
 * one began after the pause, no vCPU can be inside guest code. */
void tcg_wait_stopped(Machine *m)
{
    unsigned seen = atomic_load(&rounds);
    struct timespec ts = { 0, WAIT_STEP_NS };
    for (int i = 0; i < WAIT_MAX_STEPS && atomic_load(&rounds) == seen; i++) {
        for (unsigned c = 0; c < m->ncpus; c++) {
            if (m->accel && m->accel->kick)
                m->accel->kick(m->cpus[c]);
        }
        nanosleep(&ts, NULL);
    }
}
