/* Hardware task switching (SDM vol. 3 ch. 7): JMP/CALL to a TSS or task
 * gate, interrupts through task gates, IRET with NT.  32-bit and 16-bit
 * TSS formats; long mode has no task switching (callers raise #GP). */
#include "cpu/excp.h"
#include "cpu/mmu.h"
#include "cpu/seg.h"
#include "cpu/sys.h"

/* Segment selector offsets in the TSS, in SEG_* order (ES CS SS DS FS GS). */
static const unsigned seg_off32[SEG_COUNT] = { 72, 76, 80, 84, 88, 92 };
static const unsigned seg_off16[SEG_COUNT] = { 34, 36, 38, 40, 0, 0 };

typedef struct TaskState {
    uint32_t cr3, eip, eflags;
    uint32_t regs[8];
    uint16_t segs[SEG_COUNT];
    uint16_t ldt;
} TaskState;

static void tss_read(CPUState *cpu, uint64_t base, bool is32, TaskState *ts)
{
    if (is32) {
        ts->cr3 = (uint32_t)cpu_lin_ld(cpu, base + 28, 4, false);
        ts->eip = (uint32_t)cpu_lin_ld(cpu, base + 32, 4, false);
        ts->eflags = (uint32_t)cpu_lin_ld(cpu, base + 36, 4, false);
        for (int i = 0; i < 8; i++)
            ts->regs[i] = (uint32_t)cpu_lin_ld(cpu, base + 40 + 4 * (unsigned)i, 4, false);
        for (int i = 0; i < SEG_COUNT; i++)
            ts->segs[i] = (uint16_t)cpu_lin_ld(cpu, base + seg_off32[i], 2, false);
        ts->ldt = (uint16_t)cpu_lin_ld(cpu, base + 96, 2, false);
        return;
    }
    ts->cr3 = 0;
    ts->eip = (uint16_t)cpu_lin_ld(cpu, base + 14, 2, false);
    ts->eflags = (uint16_t)cpu_lin_ld(cpu, base + 16, 2, false);
    for (int i = 0; i < 8; i++)
        ts->regs[i] = (uint16_t)cpu_lin_ld(cpu, base + 18 + 2 * (unsigned)i, 2, false);
    for (int i = 0; i < SEG_COUNT; i++)
        ts->segs[i] = i < 4 ? (uint16_t)cpu_lin_ld(cpu, base + seg_off16[i], 2, false) : 0;
    ts->ldt = (uint16_t)cpu_lin_ld(cpu, base + 42, 2, false);
}

static void tss_save(CPUState *cpu, uint64_t base, bool is32, uint64_t eip, uint64_t eflags)
{
    CPUX86State *env = &cpu->env;
    if (is32) {
        cpu_lin_st(cpu, base + 32, (uint32_t)eip, 4, false);
        cpu_lin_st(cpu, base + 36, (uint32_t)eflags, 4, false);
        for (int i = 0; i < 8; i++)
            cpu_lin_st(cpu, base + 40 + 4 * (unsigned)i, (uint32_t)env->regs[i], 4, false);
        for (int i = 0; i < SEG_COUNT; i++)
            cpu_lin_st(cpu, base + seg_off32[i], env->seg[i].sel, 2, false);
        return;
    }
    cpu_lin_st(cpu, base + 14, eip & 0xffff, 2, false);
    cpu_lin_st(cpu, base + 16, eflags & 0xffff, 2, false);
    for (int i = 0; i < 8; i++)
        cpu_lin_st(cpu, base + 18 + 2 * (unsigned)i, env->regs[i] & 0xffff, 2, false);
    for (int i = 0; i < 4; i++)
        cpu_lin_st(cpu, base + seg_off16[i], env->seg[i].sel, 2, false);
}

static void set_busy(CPUState *cpu, uint16_t sel, bool busy)
{
    uint64_t a = desc_addr(cpu, sel) + 5;
    uint8_t b = (uint8_t)cpu_lin_ld(cpu, a, 1, false);
    b = busy ? (b | 2) : (b & ~2);
    cpu_lin_st(cpu, a, b, 1, false);
}

static void task_load_ldt(CPUState *cpu, uint16_t sel)
{
    uint32_t lo, hi;
    if (!(sel & 0xfffc)) {
        cpu->env.ldt = (SegReg){ sel, 0, 0, 0 };
        return;
    }
    if ((sel & 4) || !desc_fetch(cpu, sel, &lo, &hi) || desc_type(hi) != SYS_LDT)
        cpu_raise_exception(cpu, EXC_TS, sel & 0xfffc);
    if (!desc_present(hi))
        cpu_raise_exception(cpu, EXC_NP, sel & 0xfffc);
    seg_from_desc(&cpu->env.ldt, sel, lo, hi);
}

static void task_load_cs(CPUState *cpu, uint16_t sel)
{
    uint32_t lo, hi;
    uint16_t err = sel & 0xfffc;
    if (!err || !desc_fetch(cpu, sel, &lo, &hi) || !desc_is_code(hi))
        cpu_raise_exception(cpu, EXC_TS, err);
    int dpl = (int)desc_dpl(hi), rpl = sel & 3;
    if ((desc_type(hi) & DESC_CONFORMING) ? dpl > rpl : dpl != rpl)
        cpu_raise_exception(cpu, EXC_TS, err);
    if (!desc_present(hi))
        cpu_raise_exception(cpu, EXC_NP, err);
    seg_load_cs(cpu, sel, lo, hi, rpl);
}

/* Segment registers of the new task (SDM 7.3 step 13): faults are #TS. */
static void task_load_segs(CPUState *cpu, const TaskState *ts)
{
    CPUX86State *env = &cpu->env;
    if (ts->eflags & FL_VM) {
        for (int i = 0; i < SEG_COUNT; i++)
            seg_load_v86(cpu, i, ts->segs[i]);
        return;
    }
    /* Selectors first, so a fault leaves consistent selectors (7.3). */
    for (int i = 0; i < SEG_COUNT; i++)
        env->seg[i].sel = ts->segs[i];
    task_load_cs(cpu, ts->segs[SEG_CS]);
    int cpl = ts->segs[SEG_CS] & 3;
    seg_load_checked(cpu, SEG_SS, ts->segs[SEG_SS], cpl, EXC_TS);
    static const int data[] = { SEG_ES, SEG_DS, SEG_FS, SEG_GS };
    for (unsigned i = 0; i < 4; i++)
        seg_load_checked(cpu, data[i], ts->segs[data[i]], cpl, EXC_TS);
}

void task_switch(CPUState *cpu, uint16_t sel, uint32_t lo, uint32_t hi, int source,
                 uint32_t error_code, uint64_t next_rip)
{
    CPUX86State *env = &cpu->env;
    bool new32 = desc_type(hi) & 8;
    SegReg ntss;
    seg_from_desc(&ntss, sel, lo, hi);
    if (ntss.limit < (new32 ? 0x67u : 0x2bu))
        cpu_raise_exception(cpu, EXC_TS, sel & 0xfffc);
    bool old32 = SEGATTR_TYPE(env->tr.attr) & 8;
    if (env->tr.limit < (old32 ? 0x67u : 0x2bu))
        cpu_raise_exception(cpu, EXC_TS, env->tr.sel & 0xfffc);

    TaskState ts;
    tss_read(cpu, ntss.base, new32, &ts);
    uint64_t oflags = env->rflags;
    if (source == TS_IRET)
        oflags &= ~(uint64_t)FL_NT;
    tss_save(cpu, env->tr.base, old32, next_rip, oflags);
    if (source == TS_JMP || source == TS_IRET)
        set_busy(cpu, env->tr.sel, false);
    if (source != TS_IRET)
        set_busy(cpu, sel, true);
    if (source == TS_CALL || source == TS_INT) {
        cpu_lin_st(cpu, ntss.base, env->tr.sel, 2, false);
        ts.eflags |= FL_NT;
    }

    /* The new task's state. */
    env->tr = ntss;
    env->tr.attr |= 2;
    env->cr0 |= CR0_TS;
    /* Local breakpoints (L0-L3, LE) belong to the old task (SDM 17.2.4). */
    env->dr[7] &= ~(uint64_t)0x155;
    if (new32 && (env->cr0 & CR0_PG)) {
        env->cr3 = ts.cr3;
        cpu_tlb_flush(cpu);
    }
    env->rflags = (new32 ? ts.eflags : (env->rflags & ~0xffffULL) | ts.eflags) | 2;
    env->rip = ts.eip;
    for (int i = 0; i < 8; i++)
        env->regs[i] = new32 ? ts.regs[i] : (env->regs[i] & ~0xffffULL) | ts.regs[i];
    task_load_ldt(cpu, ts.ldt);
    task_load_segs(cpu, &ts);
    if (error_code != NO_ERROR_CODE) {
        Stack s = stack_current(cpu);
        stack_push(cpu, &s, error_code, new32 ? 4 : 2);
        stack_commit(cpu, &s);
    }
    /* The T flag of a 32-bit TSS (bit 0 at offset 100): a #DB trap with
     * DR6.BT before the new task's first instruction (SDM 17.3.1.5). */
    if (new32 && (cpu_lin_ld(cpu, ntss.base + 100, 2, false) & 1))
        cpu->db_trap |= 1u << 15;
}

void task_switch_via_gate(CPUState *cpu, uint32_t gate_lo, int source, uint32_t ext,
                          uint32_t error_code, uint64_t next_rip)
{
    uint16_t tss = gate_lo >> 16;
    uint32_t lo, hi;
    if ((tss & 4) || !desc_fetch(cpu, tss, &lo, &hi))
        cpu_raise_exception(cpu, EXC_GP, (tss & 0xfffc) | ext);
    unsigned t = desc_type(hi);
    if (t != SYS_TSS_AVAIL && t != SYS_TSS16_AVAIL)
        cpu_raise_exception(cpu, EXC_GP, (tss & 0xfffc) | ext);
    if (!desc_present(hi))
        cpu_raise_exception(cpu, EXC_NP, (tss & 0xfffc) | ext);
    task_switch(cpu, tss, lo, hi, source, error_code, next_rip);
}
