/* Far transfers (SDM vol. 2 JMP/CALL/RET/IRET, vol. 3 ch. 5.8): direct
 * code-segment targets, call gates (16/32-bit and long mode's 64-bit) with
 * the inner-stack switch and parameter copy, task gates and TSS targets,
 * far RET with the outer-level return, and IRET in every mode. */
#include "cpu/excp.h"
#include "cpu/mmu.h"
#include "cpu/seg.h"
#include "cpu/sys.h"

#define DESC_L  (1u << 21)
#define DESC_DB (1u << 22)

static noreturn void gp(CPUState *cpu, uint32_t ec)
{
    cpu_raise_exception(cpu, EXC_GP, ec);
}

static bool lma(const CPUState *cpu)
{
    return (cpu->env.efer & EFER_LMA) != 0;
}

static bool target64(const CPUState *cpu, uint32_t hi)
{
    return lma(cpu) && (hi & DESC_L);
}

/* Target rip within the new CS (limit, or canonical form in 64-bit). */
static void check_rip(CPUState *cpu, uint32_t lo, uint32_t hi, uint64_t rip)
{
    if (target64(cpu, hi)) {
        if (!cpu_canonical(rip))
            gp(cpu, 0);
        return;
    }
    SegReg tmp;
    seg_from_desc(&tmp, 0, lo, hi);
    if (rip > tmp.limit)
        gp(cpu, 0);
}

static void fetch_or_gp(CPUState *cpu, uint16_t sel, uint32_t *lo, uint32_t *hi)
{
    if (!(sel & 0xfffc))
        gp(cpu, 0);
    if (!desc_fetch(cpu, sel, lo, hi))
        gp(cpu, sel & 0xfffc);
}

/* JMP/CALL straight to a code segment. */
static void check_code_direct(CPUState *cpu, uint16_t sel, uint32_t hi, int cpl)
{
    uint16_t err = sel & 0xfffc;
    int dpl = (int)desc_dpl(hi);
    if (!desc_is_code(hi))
        gp(cpu, err);
    if (desc_type(hi) & DESC_CONFORMING) {
        if (dpl > cpl)
            gp(cpu, err);
    } else if ((sel & 3) > cpl || dpl != cpl) {
        gp(cpu, err);
    }
    if (!desc_present(hi))
        cpu_raise_exception(cpu, EXC_NP, err);
    if (lma(cpu) && (hi & DESC_L) && (hi & DESC_DB))
        gp(cpu, err);
}

typedef struct Gate {
    uint16_t sel;
    uint64_t off;
    unsigned size;      /* push size: 2, 4 or 8 */
    unsigned params;
} Gate;

static void read_call_gate(CPUState *cpu, uint16_t gsel, uint32_t lo, uint32_t hi, Gate *g)
{
    g->sel = lo >> 16;
    g->off = (lo & 0xffff) | (hi & 0xffff0000);
    g->params = hi & 0x1f;
    if (lma(cpu)) {
        uint32_t up, up2;
        if (!desc_fetch_upper(cpu, gsel, &up))
            gp(cpu, gsel & 0xfffc);
        /* The second half's type field must be 0 (SDM 5.8.3.1). */
        up2 = (uint32_t)cpu_lin_ld(cpu, desc_addr(cpu, gsel) + 12, 4, false);
        if ((up2 >> 8) & 0x1f)
            gp(cpu, gsel & 0xfffc);
        g->off |= (uint64_t)up << 32;
        g->size = 8;
        g->params = 0;
    } else if (desc_type(hi) == SYS_CALL32) {
        g->size = 4;
    } else {
        g->size = 2;
        g->off &= 0xffff;
    }
}

/* The code segment a call gate points at.  Returns its DPL. */
static int gate_code(CPUState *cpu, const Gate *g, bool is_call, int cpl,
                     uint32_t *lo, uint32_t *hi)
{
    fetch_or_gp(cpu, g->sel, lo, hi);
    uint16_t err = g->sel & 0xfffc;
    int dpl = (int)desc_dpl(*hi);
    if (!desc_is_code(*hi) || dpl > cpl)
        gp(cpu, err);
    if (!is_call && !(desc_type(*hi) & DESC_CONFORMING) && dpl != cpl)
        gp(cpu, err);
    if (!desc_present(*hi))
        cpu_raise_exception(cpu, EXC_NP, err);
    if (lma(cpu) && (!(*hi & DESC_L) || (*hi & DESC_DB)))
        gp(cpu, err);
    return dpl;
}

/* Gate or TSS descriptor checks shared by JMP and CALL.  Returns the type. */
static unsigned check_system_target(CPUState *cpu, uint16_t sel, uint32_t hi, int cpl)
{
    unsigned t = desc_type(hi);
    bool ok = t == SYS_CALL32 ||
              (!lma(cpu) && (t == SYS_CALL16 || t == SYS_TASK ||
                             t == SYS_TSS_AVAIL || t == SYS_TSS16_AVAIL));
    int dpl = (int)desc_dpl(hi);
    if (!ok || dpl < cpl || dpl < (sel & 3))
        gp(cpu, sel & 0xfffc);
    if (!desc_present(hi))
        cpu_raise_exception(cpu, EXC_NP, sel & 0xfffc);
    return t;
}

/* A far JMP/CALL to a TSS or a task gate switches tasks (SDM 7.3);
 * returns false for a call gate, which the caller handles. */
static bool far_task_switch(CPUState *cpu, uint16_t sel, uint32_t lo, uint32_t hi, int cpl,
                            int kind, uint64_t next_rip)
{
    unsigned t = check_system_target(cpu, sel, hi, cpl);
    if (t == SYS_TSS_AVAIL || t == SYS_TSS16_AVAIL) {
        task_switch(cpu, sel, lo, hi, kind, NO_ERROR_CODE, next_rip);
        return true;
    }
    if (t == SYS_TASK) {
        task_switch_via_gate(cpu, lo, kind, 0, NO_ERROR_CODE, next_rip);
        return true;
    }
    return false;
}

static bool legacy_or_v86(CPUState *cpu)
{
    return !(cpu->env.cr0 & CR0_PE) || (cpu->env.rflags & FL_VM);
}

static void load_cs_legacy(CPUState *cpu, uint16_t sel)
{
    if (cpu->env.cr0 & CR0_PE)
        seg_load_v86(cpu, SEG_CS, sel);
    else
        seg_load_real(cpu, SEG_CS, sel);
}

void cpu_far_jmp(CPUState *cpu, uint16_t sel, uint64_t off, uint64_t next_rip)
{
    CPUX86State *env = &cpu->env;
    if (legacy_or_v86(cpu)) {
        load_cs_legacy(cpu, sel);
        env->rip = off;
        return;
    }
    int cpl = cpu_cpl(cpu);
    uint32_t lo, hi;
    fetch_or_gp(cpu, sel, &lo, &hi);
    if (desc_is_seg(hi)) {
        check_code_direct(cpu, sel, hi, cpl);
        check_rip(cpu, lo, hi, off);
        seg_load_cs(cpu, sel, lo, hi, cpl);
        env->rip = off;
        return;
    }
    if (far_task_switch(cpu, sel, lo, hi, cpl, TS_JMP, next_rip))
        return;
    Gate g;
    uint32_t clo, chi;
    read_call_gate(cpu, sel, lo, hi, &g);
    gate_code(cpu, &g, false, cpl, &clo, &chi);
    check_rip(cpu, clo, chi, g.off);
    seg_load_cs(cpu, g.sel, clo, chi, cpl);
    env->rip = g.off;
}

/* CALL through a gate to a more privileged level: new stack from the TSS,
 * old SS:SP and the parameters copied onto it (SDM 5.8.5). */
static void call_gate_inner(CPUState *cpu, const Gate *g, int dpl, uint32_t clo,
                            uint32_t chi, uint64_t next_rip)
{
    CPUX86State *env = &cpu->env;
    Stack old = stack_current(cpu);
    if (lma(cpu)) {
        Stack ns = stack_flat64(tss64_stack(cpu, (unsigned)dpl), false);
        stack_push(cpu, &ns, env->seg[SEG_SS].sel, 8);
        stack_push(cpu, &ns, env->regs[R_ESP], 8);
        stack_push(cpu, &ns, env->seg[SEG_CS].sel, 8);
        stack_push(cpu, &ns, next_rip, 8);
        env->seg[SEG_SS] = (SegReg){ (uint16_t)dpl, 0, 0, (uint16_t)(dpl << 5) };
        env->regs[R_ESP] = ns.sp;
    } else {
        uint16_t nss;
        uint64_t nsp;
        uint32_t slo, shi;
        tss_inner_stack(cpu, dpl, &nss, &nsp, 0);
        desc_fetch(cpu, nss, &slo, &shi);
        SegReg ss;
        seg_from_desc(&ss, nss, slo, shi);
        Stack ns = stack_of(&ss, nsp, false, nss & 0xfffc);
        stack_push(cpu, &ns, env->seg[SEG_SS].sel, g->size);
        stack_push(cpu, &ns, env->regs[R_ESP] & old.mask, g->size);
        for (unsigned i = g->params; i-- > 0;) {
            Stack at = old;
            at.sp = (old.sp & ~old.mask) | ((old.sp + i * g->size) & old.mask);
            stack_push(cpu, &ns, stack_pop(cpu, &at, g->size), g->size);
        }
        stack_push(cpu, &ns, env->seg[SEG_CS].sel, g->size);
        stack_push(cpu, &ns, next_rip, g->size);
        desc_set_accessed(cpu, nss, shi);
        env->seg[SEG_SS] = ss;
        env->seg[SEG_SS].attr |= DESC_ACCESSED;
        env->regs[R_ESP] = ns.sp & ns.mask;
    }
    seg_load_cs(cpu, g->sel, clo, chi, dpl);
    env->rip = g->off;
}

static void call_push_return(CPUState *cpu, unsigned size, uint64_t next_rip)
{
    Stack s = stack_current(cpu);
    stack_push(cpu, &s, cpu->env.seg[SEG_CS].sel, size);
    stack_push(cpu, &s, next_rip, size);
    stack_commit(cpu, &s);
}

void cpu_far_call(CPUState *cpu, uint16_t sel, uint64_t off, int opsize, uint64_t next_rip)
{
    CPUX86State *env = &cpu->env;
    if (legacy_or_v86(cpu)) {
        call_push_return(cpu, (unsigned)opsize, next_rip);
        load_cs_legacy(cpu, sel);
        env->rip = off;
        return;
    }
    int cpl = cpu_cpl(cpu);
    uint32_t lo, hi;
    fetch_or_gp(cpu, sel, &lo, &hi);
    if (desc_is_seg(hi)) {
        check_code_direct(cpu, sel, hi, cpl);
        check_rip(cpu, lo, hi, off);
        call_push_return(cpu, (unsigned)opsize, next_rip);
        seg_load_cs(cpu, sel, lo, hi, cpl);
        env->rip = off;
        return;
    }
    if (far_task_switch(cpu, sel, lo, hi, cpl, TS_CALL, next_rip))
        return;
    Gate g;
    uint32_t clo, chi;
    read_call_gate(cpu, sel, lo, hi, &g);
    int dpl = gate_code(cpu, &g, true, cpl, &clo, &chi);
    check_rip(cpu, clo, chi, g.off);
    if (!(desc_type(chi) & DESC_CONFORMING) && dpl < cpl) {
        call_gate_inner(cpu, &g, dpl, clo, chi, next_rip);
        return;
    }
    call_push_return(cpu, g.size, next_rip);
    seg_load_cs(cpu, g.sel, clo, chi, cpl);
    env->rip = g.off;
}

/* ---- returns ---- */

/* CS checks of RET/IRET for a popped selector.  Returns its RPL. */
static int check_return_cs(CPUState *cpu, uint16_t cs, int cpl, uint32_t *lo, uint32_t *hi)
{
    uint16_t err = cs & 0xfffc;
    int rpl = cs & 3;
    fetch_or_gp(cpu, cs, lo, hi);
    if (rpl < cpl || !desc_is_code(*hi))
        gp(cpu, err);
    int dpl = (int)desc_dpl(*hi);
    if ((desc_type(*hi) & DESC_CONFORMING) ? dpl > rpl : dpl != rpl)
        gp(cpu, err);
    if (!desc_present(*hi))
        cpu_raise_exception(cpu, EXC_NP, err);
    if (lma(cpu) && (*hi & DESC_L) && (*hi & DESC_DB))
        gp(cpu, err);
    return rpl;
}

/* Load SS for a return to level rpl into code described by cs_hi. */
static void return_ss(CPUState *cpu, uint16_t ss, int rpl, uint32_t cs_hi)
{
    if (!(ss & 0xfffc) && target64(cpu, cs_hi) && rpl != 3 && (ss & 3) == rpl) {
        cpu->env.seg[SEG_SS] = (SegReg){ ss, 0, 0, (uint16_t)(rpl << 5) };
        return;
    }
    if (!(ss & 0xfffc))
        gp(cpu, 0);
    seg_load_checked(cpu, SEG_SS, ss, rpl, EXC_GP);
}

static void set_rsp_for(CPUState *cpu, uint64_t sp, uint32_t cs_hi)
{
    CPUX86State *env = &cpu->env;
    if (target64(cpu, cs_hi))
        env->regs[R_ESP] = sp;
    else if (env->seg[SEG_SS].attr & SEGATTR_DB)
        env->regs[R_ESP] = (uint32_t)sp;
    else
        env->regs[R_ESP] = (env->regs[R_ESP] & ~0xffffULL) | (sp & 0xffff);
}

void cpu_far_ret(CPUState *cpu, int opsize, uint16_t pop_bytes)
{
    CPUX86State *env = &cpu->env;
    unsigned size = (unsigned)opsize;
    Stack s = stack_current(cpu);
    uint64_t ip = stack_pop(cpu, &s, size);
    uint16_t cs = (uint16_t)stack_pop(cpu, &s, size);
    s.sp = (s.sp & ~s.mask) | ((s.sp + pop_bytes) & s.mask);
    if (legacy_or_v86(cpu)) {
        stack_commit(cpu, &s);
        load_cs_legacy(cpu, cs);
        env->rip = ip;
        return;
    }
    int cpl = cpu_cpl(cpu);
    uint32_t lo, hi;
    int rpl = check_return_cs(cpu, cs, cpl, &lo, &hi);
    check_rip(cpu, lo, hi, ip);
    if (rpl == cpl) {
        stack_commit(cpu, &s);
        seg_load_cs(cpu, cs, lo, hi, cpl);
        env->rip = ip;
        return;
    }
    uint64_t sp = stack_pop(cpu, &s, size);
    uint16_t ss = (uint16_t)stack_pop(cpu, &s, size);
    return_ss(cpu, ss, rpl, hi);
    seg_load_cs(cpu, cs, lo, hi, rpl);
    set_rsp_for(cpu, sp + pop_bytes, hi);
    env->rip = ip;
    seg_invalidate_outer(cpu, rpl);
}

/* Length of the IRET instruction at CS:rip (prefixes + CF), for the EIP
 * a nested-task return saves in the outgoing TSS. */
static unsigned iret_length(CPUState *cpu)
{
    const CPUX86State *env = &cpu->env;
    for (unsigned i = 0; i < 15; i++) {
        /* fetched, not read: no data breakpoint sees it (SDM 17.3.1.2) */
        uint8_t b = cpu_lin_fetch(cpu, env->seg[SEG_CS].base + env->rip + i,
                                  cpu_cpl(cpu) == 3);
        if (b == 0xcf)
            return i + 1;
    }
    return 1;
}

static void iret_task(CPUState *cpu)
{
    CPUX86State *env = &cpu->env;
    uint16_t link = (uint16_t)cpu_lin_ld(cpu, env->tr.base, 2, false);
    uint32_t lo, hi;
    if ((link & 4) || !(link & 0xfffc) || !desc_fetch(cpu, link, &lo, &hi))
        cpu_raise_exception(cpu, EXC_TS, link & 0xfffc);
    unsigned t = desc_type(hi);
    if (t != SYS_TSS_BUSY && t != SYS_TSS16_BUSY)
        cpu_raise_exception(cpu, EXC_TS, link & 0xfffc);
    if (!desc_present(hi))
        cpu_raise_exception(cpu, EXC_NP, link & 0xfffc);
    task_switch(cpu, link, lo, hi, TS_IRET, NO_ERROR_CODE, env->rip + iret_length(cpu));
}

static void iret_real(CPUState *cpu, unsigned size, bool v86)
{
    CPUX86State *env = &cpu->env;
    if (v86 && ((env->rflags & FL_IOPL) >> 12) < 3) {
        cpu_v86_iret(cpu, size);    /* CR4.VME: IF goes to VIF, else #GP(0) */
        return;
    }
    Stack s = stack_current(cpu);
    uint64_t ip = stack_pop(cpu, &s, size);
    uint16_t cs = (uint16_t)stack_pop(cpu, &s, size);
    uint64_t fl = stack_pop(cpu, &s, size);
    uint64_t m = FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_TF | FL_IF | FL_DF | FL_OF |
                 FL_NT | FL_RF | FL_AC | FL_ID | FL_IOPL;
    if (v86)
        m &= ~(uint64_t)FL_IOPL;
    if (size == 2)
        m &= 0xffff;
    stack_commit(cpu, &s);
    load_cs_legacy(cpu, cs);
    env->rip = ip;
    env->rflags = (env->rflags & ~m) | (fl & m) | 2;
}

/* IRET from protected mode (CPL 0) back to virtual-8086 mode. */
static void iret_to_v86(CPUState *cpu, Stack *s, uint64_t ip, uint16_t cs, uint64_t fl)
{
    CPUX86State *env = &cpu->env;
    uint64_t sp = stack_pop(cpu, s, 4);
    uint16_t ss = (uint16_t)stack_pop(cpu, s, 4);
    uint16_t es = (uint16_t)stack_pop(cpu, s, 4);
    uint16_t ds = (uint16_t)stack_pop(cpu, s, 4);
    uint16_t fs = (uint16_t)stack_pop(cpu, s, 4);
    uint16_t gs = (uint16_t)stack_pop(cpu, s, 4);
    env->rflags = (fl & 0x3f7fd5) | 2;
    seg_load_v86(cpu, SEG_CS, cs);
    seg_load_v86(cpu, SEG_SS, ss);
    seg_load_v86(cpu, SEG_ES, es);
    seg_load_v86(cpu, SEG_DS, ds);
    seg_load_v86(cpu, SEG_FS, fs);
    seg_load_v86(cpu, SEG_GS, gs);
    env->regs[R_ESP] = (uint32_t)sp;
    env->rip = ip & 0xffff;
}

static void iret_prot(CPUState *cpu, unsigned size)
{
    CPUX86State *env = &cpu->env;
    bool lm = lma(cpu);
    if (env->rflags & FL_NT) {
        if (lm)
            gp(cpu, 0);
        iret_task(cpu);
        return;
    }
    int cpl = cpu_cpl(cpu);
    Stack s = stack_current(cpu);
    uint64_t ip = stack_pop(cpu, &s, size);
    uint16_t cs = (uint16_t)stack_pop(cpu, &s, size);
    uint64_t fl = stack_pop(cpu, &s, size);
    if (!lm && size == 4 && (fl & FL_VM) && cpl == 0) {
        iret_to_v86(cpu, &s, ip, cs, fl);
        return;
    }
    uint32_t lo, hi;
    int rpl = check_return_cs(cpu, cs, cpl, &lo, &hi);
    check_rip(cpu, lo, hi, ip);
    uint64_t m = flags_writable_mask(cpu, cpl, size);
    bool pop_ss = rpl > cpl || (lm && cpu_code64(cpu));
    if (pop_ss) {
        uint64_t sp = stack_pop(cpu, &s, size);
        uint16_t ss = (uint16_t)stack_pop(cpu, &s, size);
        return_ss(cpu, ss, rpl, hi);
        seg_load_cs(cpu, cs, lo, hi, rpl);
        set_rsp_for(cpu, sp, hi);
    } else {
        stack_commit(cpu, &s);
        seg_load_cs(cpu, cs, lo, hi, rpl);
    }
    env->rip = ip;
    env->rflags = (env->rflags & ~m & ~(uint64_t)FL_VM) | (fl & m) | 2;
    if (rpl > cpl)
        seg_invalidate_outer(cpu, rpl);
}

void cpu_iret(CPUState *cpu, int opsize)
{
    CPUX86State *env = &cpu->env;
    unsigned size = (unsigned)opsize;
    if (!(env->cr0 & CR0_PE))
        iret_real(cpu, size, false);
    else if (env->rflags & FL_VM)
        iret_real(cpu, size, true);
    else
        iret_prot(cpu, size);
    env->nmi_blocked = false;
}
