/* Breakpoints and single-step for the TCG engine.
 *
 * Nothing is written into guest memory: the translator ends a block before
 * any instruction that has a breakpoint, and the execution loop checks the
 * linear pc before every block.  Single-step translates one instruction
 * per block and stops before the second block; external interrupts and
 * NMIs wait meanwhile (as QEMU steps), so a step does not land in an
 * interrupt handler.  Changing either drops all
 * translated code (the next block check flushes on the vCPU thread), so
 * blocks translated before a breakpoint existed never run past it.
 *
 * Watchpoints keep data accesses to their pages off the soft TLB's fast
 * path; the slow path records a hit, and since blocks are one instruction
 * long while watchpoints exist, the vCPU stops right after the accessing
 * instruction (after the accessing iteration of a REP string instruction,
 * which a hit ends through exit_request).  Accesses made by cpu/ system code (interrupt frames,
 * descriptor tables, the TSS) reach watch_access (a translator hook) via the
 * CPU's lin_access_hook; a hit while an event is delivered stops the vCPU
 * before the handler's first instruction.
 *
 * Breakpoints and modes change only while the machine is stopped (the
 * debugger waits for wait_stopped first); the generation counter, bumped
 * after each change, publishes them to the vCPU thread. */
#include <stdatomic.h>
#include <time.h>

#include "accel/accel.h"
#include "accel/tcg-debug.h"
#include "accel/tcg-mt.h"
#include "hw/core/loop.h"
#include "hw/core/machine.h"
#include "translate/tb.h"
#include "translate/tlb.h"

#define MAX_BREAKPOINTS 64
#define WAIT_STEP_NS 1000000L
#define WAIT_MAX_STEPS 2000

typedef struct Breakpoint {
    uint64_t la, len;       /* len: watchpoints only */
    int type;               /* ACCEL_BP_*, ACCEL_WATCH_* */
} Breakpoint;

/* Per-vCPU debug state; index = cpu->index. */
typedef struct DebugCpu {
    bool step;
    unsigned long ran;       /* blocks entered since the last resume */
    uint64_t resume_la;      /* where it resumed: a breakpoint there is passed once */
    int watch_hit;           /* ACCEL_STOP_WATCH_* of the last instruction, 0 none */
    uint64_t watch_addr;
    unsigned watch_gen;      /* debug_gen when it was hit */
    unsigned flushed_gen;    /* debug_gen this vCPU dropped its code for */
} DebugCpu;

static atomic_uint debug_gen;
static unsigned flushed_gen;          /* vCPUs without a DebugCpu */
static atomic_uint rounds;
static Breakpoint bps[MAX_BREAKPOINTS];
static unsigned nbps;
static unsigned nwatch;
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

static bool is_watch(int type)
{
    return type >= ACCEL_WATCH_WRITE;
}

static bool bp_at(uint64_t la)
{
    for (unsigned i = 0; i < nbps; i++) {
        if (!is_watch(bps[i].type) && bps[i].la == la)
            return true;
    }
    return false;
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return a < b + blen && b < a + alen;
}

static bool watch_page(uint64_t la_page)
{
    for (unsigned i = 0; nwatch && i < nbps; i++) {
        if (is_watch(bps[i].type) && overlaps(bps[i].la, bps[i].len, la_page, 4096))
            return true;
    }
    return false;
}

static void watch_access(CPUState *cpu, uint64_t la, unsigned size, bool write)
{
    if (cpu->index < 0 || cpu->index >= MAX_CPUS || dcpu[cpu->index].watch_hit)
        return;
    for (unsigned i = 0; nwatch && i < nbps; i++) {
        const Breakpoint *b = &bps[i];
        bool kind = b->type == ACCEL_WATCH_ACCESS ||
                    b->type == (write ? ACCEL_WATCH_WRITE : ACCEL_WATCH_READ);
        if (!is_watch(b->type) || !kind || !overlaps(la, size, b->la, b->len))
            continue;
        DebugCpu *d = &dcpu[cpu->index];
        d->watch_hit = b->type == ACCEL_WATCH_WRITE ? ACCEL_STOP_WATCH_WRITE :
                       b->type == ACCEL_WATCH_READ ? ACCEL_STOP_WATCH_READ :
                       ACCEL_STOP_WATCH_ACCESS;
        d->watch_addr = la > b->la ? la : b->la;
        d->watch_gen = atomic_load(&debug_gen);
        /* Leave the block at once: a REP string instruction stops after
         * the iteration that hit, rip still on it (as a DR data
         * breakpoint does, SDM 17.3.1.2), not after its whole run. */
        if (cpu->accel)
            tcg_cpu(cpu)->exit_request = true;
        return;
    }
}

/* Publish a change: the vCPU thread flushes translated code before the
 * next block and sees the new breakpoint set. */
static void changed(void)
{
    atomic_store(&tcg_debug_active, true);
    atomic_fetch_add(&debug_gen, 1);
}

/* Drop translated code, and TLB entries that may hold watched pages. */
static void flush_code(CPUState *cpu)
{
    Machine *m = cpu->machine;
    tb_flush_all(cpu);
    /* thread=multi: each vCPU flushes its own TLB (it sees the change
     * on its own thread); the TBs went for all of them above. */
    if (!m || tcg_mt_enabled()) {
        tb_jmp_cache_clear(cpu);
        tlb_flush(cpu);
        return;
    }
    for (unsigned i = 0; i < m->ncpus; i++) {
        if (m->cpus[i] && m->cpus[i]->accel) {
            tb_jmp_cache_clear(m->cpus[i]);
            tlb_flush(m->cpus[i]);
        }
    }
}

/* vCPU thread: pause everything, then tell the debugger. */
static void debug_stop(CPUState *cpu, int reason, uint64_t addr)
{
    if (cpu->machine) {
        big_lock();
        machine_pause(cpu->machine);
        big_unlock();
    }
    accel_debug_stopped(cpu, reason, addr);
}

bool tcg_debug_before_tb(CPUState *cpu)
{
    unsigned gen = atomic_load(&debug_gen);
    unsigned *seen = cpu->index >= 0 && cpu->index < MAX_CPUS ?
                     &dcpu[cpu->index].flushed_gen : &flushed_gen;
    if (gen != *seen) {
        /* every vCPU that saw the old gen: one flushed_gen for all once
         * meant that only the first vCPU dropped its TLB */
        for (unsigned i = 0; !tcg_mt_enabled() && i < MAX_CPUS; i++)
            dcpu[i].flushed_gen = gen;
        *seen = gen;
        flush_code(cpu);
        atomic_store(&tcg_debug_active, nbps > 0 || nstep > 0);
        if (atomic_load(&debug_gen) != gen)     /* changed meanwhile: look again */
            atomic_store(&tcg_debug_active, true);
        /* A hit under the old set is dropped; one under this set (an
         * interrupt frame pushed just now, before this first check) stays
         * for the next call. */
        if (cpu->index >= 0 && cpu->index < MAX_CPUS && dcpu[cpu->index].watch_gen != gen)
            dcpu[cpu->index].watch_hit = 0;
        return true;
    }
    if (cpu->index < 0 || cpu->index >= MAX_CPUS)
        return false;
    DebugCpu *d = &dcpu[cpu->index];
    uint64_t la = pc_linear(cpu);
    if (d->watch_hit) {
        int why = d->watch_hit;
        d->watch_hit = 0;
        debug_stop(cpu, why, d->watch_addr);
        return true;
    }
    if (d->step && d->ran) {
        debug_stop(cpu, ACCEL_STOP_STEP, 0);
        return true;
    }
    if (bp_at(la) && !(d->ran == 0 && la == d->resume_la)) {
        debug_stop(cpu, ACCEL_STOP_BREAKPOINT, la);
        return true;
    }
    d->ran++;
    return false;
}

uint32_t tcg_debug_filter_requests(CPUState *cpu, uint32_t req)
{
    if (cpu->index >= 0 && cpu->index < MAX_CPUS && dcpu[cpu->index].step)
        req &= ~(uint32_t)(CPU_INTERRUPT_HARD | CPU_INTERRUPT_NMI);
    return req;
}

static bool end_block(CPUState *cpu, uint64_t la)
{
    if (nstep || nwatch)
        return true;
    bool code64 = (cpu->env.efer & EFER_LMA) && (cpu->env.seg[SEG_CS].attr & SEGATTR_L);
    return bp_at(code64 ? la : la & 0xffffffffULL);
}

void tcg_debug_memory_written(struct Machine *m)
{
    changed();
}

void tcg_debug_round(void)
{
    atomic_fetch_add(&rounds, 1);
}

int tcg_set_breakpoint(Machine *m, int type, uint64_t la, uint64_t len, bool insert)
{
    if (type < ACCEL_BP_SW || type > ACCEL_WATCH_ACCESS)
        return -1;
    if (!is_watch(type))
        len = 1;
    else if (!len || la + len < la)
        return -1;
    for (unsigned i = 0; i < nbps; i++) {
        if (bps[i].la != la || bps[i].type != type || bps[i].len != len)
            continue;
        if (insert)
            return 0;
        bps[i] = bps[--nbps];
        nwatch -= is_watch(type);
        changed();
        return 0;
    }
    if (!insert)
        return -1;
    if (nbps >= MAX_BREAKPOINTS)
        return -1;
    bps[nbps++] = (Breakpoint){ la, len, type };
    nwatch += is_watch(type);
    changed();
    return 0;
}

void tcg_remove_all_breakpoints(Machine *m)
{
    if (!nbps)
        return;
    nbps = 0;
    nwatch = 0;
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

/* The translator asks these while tcg_debug_active is set; installed
 * before main() so they are there before any breakpoint can be. */
static const TcgDebugHooks debug_hooks = {
    .end_block = end_block, .watch_page = watch_page, .watch_access = watch_access,
};

static void __attribute__((constructor)) install_debug_hooks(void)
{
    tcg_debug_hooks = &debug_hooks;
}
