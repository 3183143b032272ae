/* Exceptions and interrupts (SDM vol. 3 ch. 6): raising with the #DF
 * rules, and delivery through the real-mode IVT, the protected-mode IDT
 * (interrupt, trap and task gates, privilege change with the TSS stack,
 * virtual-8086 exit) and long mode's 64-bit gates with IST.
 *
 * INT n in virtual-8086 mode follows SDM table 20-2: IOPL, CR4.VME and
 * the TSS's interrupt redirection bitmap choose between #GP(0), the
 * protected-mode IDT and the 8086 program's own vector table (cpu/v86.c).
 * INT3 and INTO are not IOPL-sensitive there and always use the IDT.
 *
 * Fault-class exceptions push RFLAGS with RF set (SDM 17.3.1.1), so that
 * the handler's IRET restarts the instruction without re-triggering an
 * instruction breakpoint on it; the execution loop clears RF again once
 * an instruction completes. */
#include "cpu/excp.h"
#include "cpu/mmu.h"
#include "cpu/seg.h"
#include "cpu/sys.h"
#include "hw/core/log.h"
#include "hw/core/machine.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

typedef enum { EV_EXC, EV_HW, EV_SOFT } EventKind;

static _Atomic int int_count;

static noreturn void to_loop(CPUState *cpu)
{
    if (!cpu->jmp_env) {
        fprintf(stderr, "kemu: CPU %d: exception %d raised outside the run loop\n",
                cpu->index, cpu->env.exception_index);
        abort();
    }
    siglongjmp(*(sigjmp_buf *)cpu->jmp_env, 1);
}

/* SDM table 6-4: benign 0, contributory 1, page fault 2. */
static int exc_class(int v)
{
    switch (v) {
    case EXC_DE: case EXC_TS: case EXC_NP: case EXC_SS: case EXC_GP:
        return 1;
    case EXC_PF:
        return 2;
    default:
        return 0;
    }
}

static noreturn void triple_fault(CPUState *cpu)
{
    CPUX86State *env = &cpu->env;
    if (log_enabled(LOG_INT | LOG_GUEST_ERROR))
        log_printf("Triple fault on CPU %d: reset\n", cpu->index);
    env->delivering = 0;
    env->exception_index = -1;
    env->rflags &= ~(uint64_t)FL_IF;
    env->halted = true;
    if (cpu->machine)
        machine_request_reset(cpu->machine);
    to_loop(cpu);
}

noreturn void cpu_raise_exception(CPUState *cpu, int vector, uint32_t error_code)
{
    CPUX86State *env = &cpu->env;
    int old = env->delivering - 1;
    if (log_enabled(LOG_INT))
        log_printf("check_exception old: 0x%x new 0x%x\n",
                   old >= 0 ? (unsigned)old : 0xffffffffu, (unsigned)vector);
    if (old >= 0) {
        if (old == EXC_DF)
            triple_fault(cpu);
        int c1 = exc_class(old), c2 = exc_class(vector);
        if ((c1 == 1 && c2 == 1) || (c1 == 2 && c2 != 0)) {
            vector = EXC_DF;
            error_code = 0;
        }
    }
    env->delivering = 0;
    env->exception_index = vector;
    env->error_code = error_code;
    to_loop(cpu);
}

noreturn void cpu_raise_page_fault(CPUState *cpu, uint64_t la, uint32_t error_code)
{
    cpu->env.cr2 = la;
    cpu_raise_exception(cpu, EXC_PF, error_code);
}

bool cpu_interrupts_enabled(const CPUState *cpu)
{
    return (cpu->env.rflags & FL_IF) && !cpu->env.inhibit_irq;
}

/* One line per event in QEMU's -d int shape; IP is where the CPU is now
 * (the faulting or INT instruction, or the next one for an interrupt). */
static void log_event(CPUState *cpu, int vec, uint32_t ec, EventKind kind)
{
    const CPUX86State *env = &cpu->env;
    if (kind == EV_HW)
        log_printf("Servicing hardware INT=0x%02x\n", (unsigned)vec);
    char tail[40];
    if (vec == EXC_PF && kind == EV_EXC)
        snprintf(tail, sizeof(tail), " CR2=%016llx", (unsigned long long)env->cr2);
    else
        snprintf(tail, sizeof(tail), " EAX=%016llx", (unsigned long long)env->regs[R_EAX]);
    log_printf("%6d: v=%02x e=%04x i=%d cpl=%d IP=%04x:%016llx pc=%016llx SP=%04x:%016llx%s\n",
               atomic_fetch_add(&int_count, 1), (unsigned)vec,
               ec == NO_ERROR_CODE ? 0u : ec, kind == EV_SOFT, cpu_cpl(cpu),
               env->seg[SEG_CS].sel, (unsigned long long)env->rip,
               (unsigned long long)(env->seg[SEG_CS].base + env->rip), env->seg[SEG_SS].sel,
               (unsigned long long)env->regs[R_ESP], tail);
}

/* ---- real mode ---- */

static void deliver_real(CPUState *cpu, int vec, uint64_t ret)
{
    CPUX86State *env = &cpu->env;
    if ((uint32_t)vec * 4 + 3 > env->idt.limit)
        cpu_raise_exception(cpu, EXC_GP, (uint32_t)vec * 8 + 2);
    uint32_t ent = (uint32_t)cpu_lin_ld(cpu, env->idt.base + (uint32_t)vec * 4, 4, false);
    Stack s = stack_current(cpu);
    stack_push(cpu, &s, env->rflags & 0xffff, 2);
    stack_push(cpu, &s, env->seg[SEG_CS].sel, 2);
    stack_push(cpu, &s, ret & 0xffff, 2);
    stack_commit(cpu, &s);
    env->rflags &= ~(uint64_t)(FL_IF | FL_TF | FL_AC | FL_RF);
    seg_load_real(cpu, SEG_CS, ent >> 16);
    env->rip = ent & 0xffff;
}

/* ---- protected mode ---- */

/* Checks common to every gate's target code segment.  Returns its DPL. */
static int gate_target(CPUState *cpu, uint16_t sel, uint32_t ext, bool lm,
                       uint32_t *lo, uint32_t *hi)
{
    if (!(sel & 0xfffc))
        cpu_raise_exception(cpu, EXC_GP, ext);
    if (!desc_fetch(cpu, sel, lo, hi))
        cpu_raise_exception(cpu, EXC_GP, (sel & 0xfffc) | ext);
    int dpl = (int)desc_dpl(*hi);
    if (!desc_is_code(*hi) || dpl > cpu_cpl(cpu))
        cpu_raise_exception(cpu, EXC_GP, (sel & 0xfffc) | ext);
    if (lm && (!(*hi & (1u << 21)) || (*hi & (1u << 22))))
        cpu_raise_exception(cpu, EXC_GP, (sel & 0xfffc) | ext);
    if (!desc_present(*hi))
        cpu_raise_exception(cpu, EXC_NP, (sel & 0xfffc) | ext);
    return dpl;
}

static void deliver_prot(CPUState *cpu, int vec, uint32_t ec, EventKind kind, uint64_t ret)
{
    CPUX86State *env = &cpu->env;
    uint32_t ext = kind != EV_SOFT;
    uint32_t gate_err = (uint32_t)vec * 8 + 2 + ext;
    if ((uint32_t)vec * 8 + 7 > env->idt.limit)
        cpu_raise_exception(cpu, EXC_GP, gate_err);
    uint32_t glo = (uint32_t)cpu_lin_ld(cpu, env->idt.base + (uint32_t)vec * 8, 4, false);
    uint32_t ghi = (uint32_t)cpu_lin_ld(cpu, env->idt.base + (uint32_t)vec * 8 + 4, 4, false);
    unsigned type = desc_type(ghi);
    int cpl = cpu_cpl(cpu);
    if (type != SYS_TASK && type != SYS_INT16 && type != SYS_TRAP16 &&
        type != SYS_INT32 && type != SYS_TRAP32)
        cpu_raise_exception(cpu, EXC_GP, gate_err);
    if (kind == EV_SOFT && (int)desc_dpl(ghi) < cpl)
        cpu_raise_exception(cpu, EXC_GP, gate_err);
    if (!desc_present(ghi))
        cpu_raise_exception(cpu, EXC_NP, gate_err);
    if (type == SYS_TASK) {
        task_switch_via_gate(cpu, glo, TS_INT, ext, ec, ret);
        return;
    }

    uint16_t sel = glo >> 16;
    uint32_t lo, hi;
    int dpl = gate_target(cpu, sel, ext, false, &lo, &hi);
    unsigned size = (type & 8) ? 4 : 2;
    uint32_t off = (glo & 0xffff) | (ghi & 0xffff0000);
    if (size == 2)
        off &= 0xffff;
    SegReg target;
    seg_from_desc(&target, sel, lo, hi);
    if (off > target.limit)
        cpu_raise_exception(cpu, EXC_GP, ext);
    bool vm = (env->rflags & FL_VM) != 0;
    bool conforming = desc_type(hi) & DESC_CONFORMING;
    Stack s;
    uint16_t new_ss = 0;
    uint32_t ss_lo = 0, ss_hi = 0;
    bool inner = !conforming && dpl < cpl;
    if (inner) {
        if (vm && dpl != 0)
            cpu_raise_exception(cpu, EXC_GP, (sel & 0xfffc) | ext);
        uint64_t sp;
        tss_inner_stack(cpu, dpl, &new_ss, &sp, ext);
        desc_fetch(cpu, new_ss, &ss_lo, &ss_hi);
        SegReg tmp;
        seg_from_desc(&tmp, new_ss, ss_lo, ss_hi);
        s = stack_of(&tmp, sp, false, (new_ss & 0xfffc) | ext);
        if (vm) {
            stack_push(cpu, &s, env->seg[SEG_GS].sel, size);
            stack_push(cpu, &s, env->seg[SEG_FS].sel, size);
            stack_push(cpu, &s, env->seg[SEG_DS].sel, size);
            stack_push(cpu, &s, env->seg[SEG_ES].sel, size);
        }
        stack_push(cpu, &s, env->seg[SEG_SS].sel, size);
        stack_push(cpu, &s, env->regs[R_ESP], size);
    } else {
        if (vm)
            cpu_raise_exception(cpu, EXC_GP, (sel & 0xfffc) | ext);
        dpl = cpl;
        s = stack_current(cpu);
    }
    stack_push(cpu, &s, env->rflags, size);
    stack_push(cpu, &s, env->seg[SEG_CS].sel, size);
    stack_push(cpu, &s, ret, size);
    if (ec != NO_ERROR_CODE)
        stack_push(cpu, &s, ec, size);

    /* Commit: nothing above changed architectural state. */
    if (inner) {
        desc_set_accessed(cpu, new_ss, ss_hi);
        seg_from_desc(&env->seg[SEG_SS], new_ss, ss_lo, ss_hi);
        env->regs[R_ESP] = s.sp & s.mask;
    } else {
        stack_commit(cpu, &s);
    }
    if (vm) {
        for (int i = 0; i < SEG_COUNT; i++) {
            if (i != SEG_CS && i != SEG_SS)
                env->seg[i] = (SegReg){ 0, 0, 0, 0 };
        }
    }
    seg_load_cs(cpu, sel, lo, hi, dpl);
    env->rip = off;
    env->rflags &= ~(uint64_t)(FL_TF | FL_NT | FL_RF | FL_VM);
    if (type == SYS_INT16 || type == SYS_INT32)
        env->rflags &= ~(uint64_t)FL_IF;
}

/* ---- long mode ---- */

static void deliver_long(CPUState *cpu, int vec, uint32_t ec, EventKind kind, uint64_t ret)
{
    CPUX86State *env = &cpu->env;
    uint32_t ext = kind != EV_SOFT;
    uint32_t gate_err = (uint32_t)vec * 8 + 2 + ext;
    if ((uint32_t)vec * 16 + 15 > env->idt.limit)
        cpu_raise_exception(cpu, EXC_GP, gate_err);
    uint64_t ga = env->idt.base + (uint64_t)vec * 16;
    uint32_t glo = (uint32_t)cpu_lin_ld(cpu, ga, 4, false);
    uint32_t ghi = (uint32_t)cpu_lin_ld(cpu, ga + 4, 4, false);
    uint32_t goff_hi = (uint32_t)cpu_lin_ld(cpu, ga + 8, 4, false);
    unsigned type = desc_type(ghi);
    int cpl = cpu_cpl(cpu);
    if (type != SYS_INT32 && type != SYS_TRAP32)
        cpu_raise_exception(cpu, EXC_GP, gate_err);
    if (kind == EV_SOFT && (int)desc_dpl(ghi) < cpl)
        cpu_raise_exception(cpu, EXC_GP, gate_err);
    if (!desc_present(ghi))
        cpu_raise_exception(cpu, EXC_NP, gate_err);

    uint16_t sel = glo >> 16;
    uint32_t lo, hi;
    int dpl = gate_target(cpu, sel, ext, true, &lo, &hi);
    uint64_t target_rip = (glo & 0xffff) | (ghi & 0xffff0000) | ((uint64_t)goff_hi << 32);
    if (!cpu_canonical(target_rip))
        cpu_raise_exception(cpu, EXC_GP, ext);
    unsigned ist = ghi & 7;
    bool conforming = desc_type(hi) & DESC_CONFORMING;
    bool inner = !conforming && dpl < cpl;
    if (!inner)
        dpl = cpl;
    uint64_t rsp;
    if (ist)
        rsp = tss64_stack(cpu, 3 + ist);
    else if (inner)
        rsp = tss64_stack(cpu, (unsigned)dpl);
    else
        rsp = env->regs[R_ESP];
    rsp &= ~0xfULL;
    Stack s = stack_flat64(rsp, dpl == 3);
    stack_push(cpu, &s, env->seg[SEG_SS].sel, 8);
    stack_push(cpu, &s, env->regs[R_ESP], 8);
    stack_push(cpu, &s, env->rflags, 8);
    stack_push(cpu, &s, env->seg[SEG_CS].sel, 8);
    stack_push(cpu, &s, ret, 8);
    if (ec != NO_ERROR_CODE)
        stack_push(cpu, &s, ec, 8);

    if (inner) {
        /* SS becomes a null selector with RPL = new CPL; its cache keeps
         * DPL = CPL (SDM 6.14.4). */
        env->seg[SEG_SS] = (SegReg){ (uint16_t)dpl, 0, 0, (uint16_t)(dpl << 5) };
    }
    env->regs[R_ESP] = s.sp;
    seg_load_cs(cpu, sel, lo, hi, dpl);
    env->rip = target_rip;
    env->rflags &= ~(uint64_t)(FL_TF | FL_NT | FL_RF | FL_VM);
    if (type == SYS_INT32)
        env->rflags &= ~(uint64_t)FL_IF;
}

static void deliver(CPUState *cpu, int vec, uint32_t ec, EventKind kind, uint64_t ret)
{
    CPUX86State *env = &cpu->env;
    if (log_enabled(LOG_INT))
        log_event(cpu, vec, ec, kind);
    /* Only exceptions take part in the #DF rules: an external interrupt
     * or INT n that faults on delivery is handled serially (benign). */
    env->delivering = kind == EV_EXC ? vec + 1 : 0;
    if (!(env->cr0 & CR0_PE))
        deliver_real(cpu, vec, ret);
    else if (env->efer & EFER_LMA)
        deliver_long(cpu, vec, ec, kind, ret);
    else
        deliver_prot(cpu, vec, ec, kind, ret);
    env->delivering = 0;
    env->halted = false;
    env->inhibit_irq = 0;
}

/* Faults report the faulting instruction and restart it.  #DB is left
 * out: the instruction-breakpoint fault must not set RF (SDM 17.3.1.1),
 * and its other causes are traps; #BP and #OF are traps, #DF and #MC
 * aborts. */
static bool is_fault(int v)
{
    switch (v) {
    case EXC_DE: case EXC_BR: case EXC_UD: case EXC_NM: case EXC_TS: case EXC_NP:
    case EXC_SS: case EXC_GP: case EXC_PF: case EXC_MF: case EXC_AC: case EXC_XM:
        return true;
    default:
        return false;
    }
}

void cpu_deliver_pending(CPUState *cpu)
{
    CPUX86State *env = &cpu->env;
    int vec = env->exception_index;
    if (vec < 0)
        return;
    env->exception_index = -1;
    /* Delivery clears RF again after pushing the image. */
    if (is_fault(vec))
        env->rflags |= FL_RF;
    deliver(cpu, vec, env->error_code, EV_EXC, env->rip);
}

noreturn void cpu_raise_soft_interrupt(CPUState *cpu, int vector, uint64_t next_rip)
{
    CPUX86State *env = &cpu->env;
    deliver(cpu, vector, NO_ERROR_CODE, EV_SOFT, next_rip);
    /* Already delivered: the loop resumes at the handler. */
    env->exception_index = -1;
    to_loop(cpu);
}

noreturn void cpu_raise_int_n(CPUState *cpu, int vector, uint64_t next_rip)
{
    CPUX86State *env = &cpu->env;
    if ((env->rflags & FL_VM) && cpu_v86_int_redirected(cpu, vector)) {
        if (log_enabled(LOG_INT))
            log_event(cpu, vector, NO_ERROR_CODE, EV_SOFT);
        cpu_v86_redirect(cpu, vector, next_rip);
        env->halted = false;
        env->inhibit_irq = 0;
        env->exception_index = -1;
        to_loop(cpu);
    }
    cpu_raise_soft_interrupt(cpu, vector, next_rip);
}

void cpu_do_external_interrupt(CPUState *cpu, int vector)
{
    deliver(cpu, vector, NO_ERROR_CODE, EV_HW, cpu->env.rip);
}

void cpu_do_nmi(CPUState *cpu)
{
    cpu->env.nmi_blocked = true;
    deliver(cpu, EXC_NMI, NO_ERROR_CODE, EV_HW, cpu->env.rip);
}
