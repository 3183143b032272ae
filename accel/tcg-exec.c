/* The TCG execution loop of one vCPU: find a TB, run it, follow chained
 * successors; between blocks take pending events (INIT, SIPI, NMI,
 * external interrupts); on an exception (siglongjmp from cpu_raise_*)
 * deliver it through the IDT and continue. */
#include <inttypes.h>
#include <setjmp.h>

#include "accel/tcg.h"
#include "accel/tcg-debug.h"
#include "translate/dr.h"
#include "cpu/excp.h"
#include "cpu/sys.h"
#include "hw/core/log.h"
#include "hw/core/loop.h"
#include "hw/core/machine.h"
#include "translate/atomic.h"
#include "translate/backend-native.h"
#include "translate/flags.h"
#include "translate/tb.h"
#include "translate/tlb.h"

/* INIT: the reset state but APIC base kept; wait for SIPI.  Under the
 * machine lock: another vCPU's APIC (a device, under it) may be latching
 * a SIPI's vector and request for this CPU right now (thread=multi); the
 * reset must not wipe either. */
static void do_init(CPUState *cpu)
{
    TcgCpu *t = tcg_cpu(cpu);
    big_lock();
    uint64_t apic_base = cpu->env.apic_base;
    /* A SIPI that arrived right behind the INIT stays latched. */
    uint32_t sipi = atomic_load(&cpu->env.interrupt_request) & CPU_INTERRUPT_SIPI;
    uint32_t sipi_vector = cpu->env.sipi_vector;
    cpu_reset(cpu);
    cpu->env.apic_base = apic_base;
    cpu->env.sipi_vector = sipi_vector;
    atomic_fetch_or(&cpu->env.interrupt_request, sipi);
    big_unlock();
    cpu->env.halted = true;
    t->wait_sipi = true;
    t->dr_data_hits = 0;
    t->dr_ss_hits = 0;
    cpu->db_trap = 0;
    tlb_flush(cpu);
}

/* SIPI: start in real mode at vector * 4096. */
static void do_sipi(CPUState *cpu)
{
    TcgCpu *t = tcg_cpu(cpu);
    CPUX86State *env = &cpu->env;
    if (!t->wait_sipi)
        return;
    t->wait_sipi = false;
    big_lock();         /* the APIC may be latching the protocol's second SIPI */
    uint32_t vector = env->sipi_vector;
    big_unlock();
    env->seg[SEG_CS].sel = (uint16_t)(vector << 8);
    env->seg[SEG_CS].base = (uint64_t)vector << 12;
    env->rip = 0;
    env->halted = false;
}

static void deliver_external(CPUState *cpu, int vec)
{
    cpu->env.halted = false;
    cpu_sync_flags(cpu);
    cpu_do_external_interrupt(cpu, vec);
    cpu_load_flags(cpu, cpu->env.rflags);
}

/* Take what interrupt_request asks for.  Returns REQ_LEAVE to leave the
 * loop, REQ_EVENT when the CPU state changed (an interrupt was delivered,
 * a SIPI started the CPU), REQ_NONE otherwise (e.g. an interrupt waits
 * for IF). */
enum { REQ_NONE, REQ_EVENT, REQ_LEAVE };

static int handle_requests(CPUState *cpu, uint32_t req)
{
    CPUX86State *env = &cpu->env;
    int r = REQ_NONE;
    if (req & CPU_INTERRUPT_EXIT) {
        atomic_fetch_and(&env->interrupt_request, ~(uint32_t)CPU_INTERRUPT_EXIT);
        return REQ_LEAVE;
    }
    if (req & CPU_INTERRUPT_INIT) {
        atomic_fetch_and(&env->interrupt_request, ~(uint32_t)CPU_INTERRUPT_INIT);
        do_init(cpu);
        return REQ_LEAVE;
    }
    if (req & CPU_INTERRUPT_SIPI) {
        atomic_fetch_and(&env->interrupt_request, ~(uint32_t)CPU_INTERRUPT_SIPI);
        do_sipi(cpu);
        r = REQ_EVENT;
    }
    if (tcg_cpu(cpu)->wait_sipi)
        return REQ_LEAVE;
    if ((req & CPU_INTERRUPT_NMI) && !env->inhibit_irq && !env->nmi_blocked) {
        /* NMIs stay blocked until the handler's IRET. */
        atomic_fetch_and(&env->interrupt_request, ~(uint32_t)CPU_INTERRUPT_NMI);
        env->halted = false;
        cpu_sync_flags(cpu);
        cpu_do_nmi(cpu);
        cpu_load_flags(cpu, env->rflags);
        return REQ_EVENT;
    }
    if ((req & CPU_INTERRUPT_HARD) && (env->rflags & FL_IF) && cpu_interrupts_enabled(cpu)) {
        Machine *m = cpu->machine;
        /* Clear first: a request raised while we ack sets it again. */
        atomic_fetch_and(&env->interrupt_request, ~(uint32_t)CPU_INTERRUPT_HARD);
        /* INTA reaches device models (the 8259): under the machine lock. */
        int vec = -1;
        if (m && m->irq_ack) {
            big_lock();
            vec = m->irq_ack(m, cpu);
            big_unlock();
        }
        if (vec >= 0) {
            atomic_fetch_or(&env->interrupt_request, CPU_INTERRUPT_HARD);
            deliver_external(cpu, vec);
            r = REQ_EVENT;
        }
    }
    return r;
}

/* TF was set when the (one-instruction) block started: a #DB trap after
 * it, with DR6.BS (SDM 17.3.1.4). */
static void single_step_trap(CPUState *cpu)
{
    cpu->env.dr[6] = (cpu->env.dr[6] & ~0xfULL) | 1u << 14;     /* no B0-B3 match */
    cpu_raise_exception(cpu, EXC_DB, NO_ERROR_CODE);
}

/* DR data and I/O breakpoints hit by the (one-instruction) block, or a
 * task switch into a TSS with T set: a #DB trap after it with DR6.Bn or
 * BT (SDM 17.3.1.2, 17.3.1.5). */
static void data_breakpoint_trap(CPUState *cpu, bool stepped)
{
    TcgCpu *t = tcg_cpu(cpu);
    /* B0-B3 report this #DB's matches only; BS, BT and BD stay until
     * software clears them (SDM 17.2.3). */
    cpu->env.dr[6] = (cpu->env.dr[6] & ~0xfULL) | t->dr_data_hits | cpu->db_trap;
    t->dr_data_hits = 0;
    cpu->db_trap = 0;
    if (stepped)                /* one #DB reports both */
        cpu->env.dr[6] |= 1u << 14;
    cpu_raise_exception(cpu, EXC_DB, NO_ERROR_CODE);
}

/* The hits recorded so far, with those a MOV SS held back, as one #DB
 * trap (nothing to do, the usual case, costs one test). */
static void dr_trap_now(CPUState *cpu, bool stepped)
{
    TcgCpu *t = tcg_cpu(cpu);
    if (!(t->dr_data_hits | t->dr_ss_hits | cpu->db_trap))
        return;
    t->dr_data_hits |= t->dr_ss_hits;
    t->dr_ss_hits = 0;
    data_breakpoint_trap(cpu, stepped);
}

/* Data breakpoints hit by event delivery (the frame pushed, IDT and
 * descriptor reads, the TSS of a task switch) or left over from a slice
 * that ended: the #DB trap comes before the next instruction, ahead of
 * external interrupts (SDM 6.9, traps on the previous instruction).
 * Those of a MOV SS / POP SS wait for the end of its shadow: the next
 * instruction, or the delivery of an exception it raised (SDM 6.8.3). */
static void pending_dr_trap(CPUState *cpu)
{
    if (!(cpu->env.inhibit_irq & INHIBIT_SS))
        dr_trap_now(cpu, false);
}

/* After a block: the shadow its last instruction started (STI, MOV SS,
 * POP SS).  A MOV SS / POP SS that itself ran in a MOV SS shadow (a
 * one-instruction block: the shadow covers only the first) starts none,
 * so a run of them cannot hold interrupts off for long (SDM 6.8.3: only
 * the first of consecutive SS loads is guaranteed to inhibit). */
static uint8_t new_shadow(const CPUState *cpu, const TB *tb, uint8_t shadow)
{
    uint8_t fresh = cpu->env.inhibit_irq;
    if ((shadow & INHIBIT_SS) && tb->icount == 1)
        fresh &= (uint8_t)~INHIBIT_SS;
    return fresh;
}

/* The #DB traps after a block: data and I/O breakpoint hits, a task
 * switch's T flag, the single-step trap of TF (set when the block, then
 * one instruction, started).  A block that starts a MOV SS shadow holds
 * its data breakpoint hits back and has no single-step trap: both come
 * after the next instruction, together with its own (SDM 6.8.3,
 * 17.3.1.2, 17.3.1.4).  An STI shadow delays neither. */
static void traps_after_block(CPUState *cpu, const TB *tb)
{
    TcgCpu *t = tcg_cpu(cpu);
    bool stepped = (tb->flags & TBF_TF) != 0;
    if (cpu->step_on_new_tf) {
        cpu->step_on_new_tf = false;
        stepped = (cpu->env.rflags & FL_TF) != 0;   /* SYSCALL, SYSRET end their block */
    }
    if (cpu->env.inhibit_irq & INHIBIT_SS) {
        t->dr_ss_hits |= t->dr_data_hits;
        t->dr_data_hits = 0;
        return;
    }
    dr_trap_now(cpu, stepped);
    if (stepped)
        single_step_trap(cpu);
}

static void log_exec(CPUState *cpu, const TB *tb)
{
    log_lock();
    if (log_enabled(LOG_CPU))
        tcg_log_cpu_state(cpu);
    if (log_enabled(LOG_EXEC))
        log_printf("Trace %d: %p [%016" PRIx64 "/%016" PRIx64 "/%08x]\n", cpu->index,
                   (const void *)tb, tb->cs_base, tb->pc, tb->flags);
    log_unlock();
}

/* Run blocks until the budget is spent or something stops us.  The
 * caller has armed the sigsetjmp; exceptions come back there. */
static TcgExit run_blocks(CPUState *cpu, unsigned max_tbs, unsigned *done)
{
    CPUX86State *env = &cpu->env;
    TcgCpu *t = tcg_cpu(cpu);
    Machine *m = cpu->machine;
    TB *tb = NULL;
    int slot = -1;
    uint32_t flags = 0;
    while (*done < max_tbs) {
        __atomic_store_n(&t->stop_chain, false, __ATOMIC_SEQ_CST);    /* before req */
        uint32_t req = atomic_load(&env->interrupt_request);
        /* gdbstub: no interrupts while single-stepping, as QEMU */
        if (req && atomic_load_explicit(&tcg_debug_active, memory_order_relaxed))
            req = tcg_debug_filter_requests(cpu, req);
        bool event = false;
        pending_dr_trap(cpu);
        if (req && !env->inhibit_irq) {
            int r = handle_requests(cpu, req);
            if (r == REQ_LEAVE)
                return TCG_EXIT_REQUEST;
            event = r == REQ_EVENT;
        }
        if (event)
            pending_dr_trap(cpu);
        if (env->halted || t->wait_sipi)
            return TCG_EXIT_HALTED;
        if (m && m->reset_requested)
            return TCG_EXIT_REQUEST;
        /* gdbstub breakpoints and single-step (accel/tcg-debug.c) */
        if (atomic_load_explicit(&tcg_debug_active, memory_order_relaxed) &&
            tcg_debug_before_tb(cpu))
            return TCG_EXIT_REQUEST;
        if (t->dr_flush) {
            t->dr_flush = false;
            tb_flush_all(cpu);
            tlb_flush(cpu);     /* pages of data breakpoints go slow */
            tb = NULL;          /* no chaining; mode flags (TBF_DRBP) anew */
        }
        /* the guest's instruction breakpoints (DR7): #DB before the insn */
        if (env->dr[7] & 0xff)
            tcg_dr_check_insn(cpu);
        /* VIF and VIP both set by an IRET or task switch into
         * virtual-8086 mode: #GP(0) before the first instruction */
        if ((env->rflags & (FL_VIF | FL_VIP)) == (FL_VIF | FL_VIP))
            cpu_v86_check_vip(cpu);
        if (env->a20_mask != t->a20_mask) {
            t->a20_mask = env->a20_mask;
            tlb_flush(cpu);
        }
        TB *next = NULL;
        if (tb && slot >= 0 && !event && !t->exit_request) {
            next = __atomic_load_n(&tb->jmp_dest[slot], __ATOMIC_ACQUIRE);
            if (next && !tb_chain_ok(cpu, tb, next))
                next = NULL;
        }
        if (!next) {
            unsigned gen = tb_generation();
            /* Mode flags change only through exit_tb, events and faults. */
            if (slot == -1 || !tb || event || (flags & TBF_SHADOW))
                flags = tb_flags(cpu);
            next = tb_find(cpu, flags);
            if (tb && slot >= 0 && gen == tb_generation() && !t->exit_request)
                tb_chain(tb, (unsigned)slot, next);
        }
        tb = next;
        /* An interrupt shadow covers this block (which starts with the
         * instruction right after STI or MOV SS) and ends with it. */
        uint8_t shadow = env->inhibit_irq;
        t->exit_request = false;
        if (log_enabled(LOG_EXEC | LOG_CPU))
            log_exec(cpu, tb);
        env->inhibit_irq = 0;
        if (tb->code) {
            /* chained blocks run inside; none after a shadow's first */
            unsigned ran;
            slot = native_exec(cpu, &tb, shadow ? 1 : max_tbs - *done, &ran);
            tb_reached(tb);
            *done += ran - 1;
        } else {
            slot = interp_exec(cpu, tb);
        }
        env->inhibit_irq = new_shadow(cpu, tb, shadow);
        /* RF (set by IRET restoring a fault's frame) is cleared once
         * the next instruction completes (SDM 17.3.1.1); such a block
         * holds that one instruction (TBF_RF).  RF set by the block
         * itself (IRET at its end) stays for the next one. */
        if (tb->flags & TBF_RF)
            env->rflags &= ~(uint64_t)FL_RF;
        (*done)++;
        traps_after_block(cpu, tb);
        if (t->yield) {
            t->yield = false;
            return TCG_EXIT_REQUEST;
        }
    }
    return TCG_EXIT_BUDGET;
}

static TcgExit exec_slice(CPUState *cpu, unsigned max_tbs, bool stop_on_exception)
{
    TcgCpu *t = tcg_cpu(cpu);
    CPUX86State *env = &cpu->env;
    volatile unsigned done = 0;
    cpu->jmp_env = &t->jmp;
    if (sigsetjmp(t->jmp, 0) != 0) {
        /* An exception: guest state is that of the faulting instruction.
         * It may have come from translation (TB lock held) or from inside
         * a locked instruction (the atomic lock held). */
        tb_lock_release_all();
        tcg_atomic_release_all();
        bool reset = cpu->machine && cpu->machine->reset_requested;
        t->exit_request = false;
        /* A faulting instruction did not complete; an INT n that
         * delivered itself (no exception pending) did, and the data
         * breakpoints its frame hit trap before the handler runs. */
        if (env->exception_index >= 0 || reset) {
            t->dr_data_hits = 0;
            cpu->db_trap = 0;
        }
        if (reset)
            t->dr_ss_hits = 0;
        /* A #DB raised in a MOV SS shadow (ICEBP, a breakpoint) carries
         * the data breakpoint hits the shadow held back: one delivery. */
        if (env->exception_index == EXC_DB && t->dr_ss_hits) {
            env->dr[6] |= t->dr_ss_hits;
            t->dr_ss_hits = 0;
        }
        env->inhibit_irq = 0;
        done++;
        if (env->exception_index < 0 || reset)
            return TCG_EXIT_REQUEST;
        if (stop_on_exception)
            return TCG_EXIT_REQUEST;
        cpu_sync_flags(cpu);
        cpu_deliver_pending(cpu);
        cpu_load_flags(cpu, env->rflags);
    }
    unsigned n = done;
    TcgExit r = run_blocks(cpu, max_tbs, &n);
    done = n;
    return r;
}

TcgExit tcg_exec_slice(CPUState *cpu, unsigned max_tbs)
{
    return exec_slice(cpu, max_tbs, false);
}

TcgExit tcg_exec_until_exception(CPUState *cpu, unsigned max_tbs)
{
    cpu->env.exception_index = -1;
    return exec_slice(cpu, max_tbs, true);
}
