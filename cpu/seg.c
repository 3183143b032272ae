/* Segmentation (SDM vol. 3 ch. 3 and 5): descriptor fetch, segment loads
 * with their privilege checks in every mode, stacks, LLDT/LTR and the
 * LAR/LSL/VERR/VERW probes. */
#include "cpu/seg.h"
#include "cpu/excp.h"
#include "cpu/mmu.h"
#include "cpu/sys.h"

/* ---- descriptor tables ---- */

static bool table_of(const CPUState *cpu, uint16_t sel, uint64_t *base, uint32_t *limit)
{
    const CPUX86State *env = &cpu->env;
    if (sel & 4) {
        if (!(env->ldt.sel & 0xfffc) || !(env->ldt.attr & SEGATTR_P))
            return false;
        *base = env->ldt.base;
        *limit = env->ldt.limit;
    } else {
        *base = env->gdt.base;
        *limit = env->gdt.limit;
    }
    return true;
}

uint64_t desc_addr(const CPUState *cpu, uint16_t sel)
{
    uint64_t base = 0;
    uint32_t limit;
    table_of(cpu, sel, &base, &limit);
    return base + (sel & ~7u);
}

bool desc_fetch(CPUState *cpu, uint16_t sel, uint32_t *lo, uint32_t *hi)
{
    uint64_t base;
    uint32_t limit;
    if (!table_of(cpu, sel, &base, &limit) || (uint64_t)(sel & ~7u) + 7 > limit)
        return false;
    *lo = (uint32_t)cpu_lin_ld(cpu, base + (sel & ~7u), 4, false);
    *hi = (uint32_t)cpu_lin_ld(cpu, base + (sel & ~7u) + 4, 4, false);
    return true;
}

bool desc_fetch_upper(CPUState *cpu, uint16_t sel, uint32_t *base_hi)
{
    uint64_t base;
    uint32_t limit;
    if (!table_of(cpu, sel, &base, &limit) || (uint64_t)(sel & ~7u) + 15 > limit)
        return false;
    *base_hi = (uint32_t)cpu_lin_ld(cpu, base + (sel & ~7u) + 8, 4, false);
    return true;
}

void desc_set_accessed(CPUState *cpu, uint16_t sel, uint32_t hi)
{
    if (!desc_is_seg(hi) || (hi & (DESC_ACCESSED << 8)))
        return;
    cpu_lin_st(cpu, desc_addr(cpu, sel) + 5, ((hi >> 8) & 0xff) | DESC_ACCESSED, 1, false);
}

/* ---- segment caches ---- */

void seg_load_real(CPUState *cpu, int seg, uint16_t sel)
{
    SegReg *s = &cpu->env.seg[seg];
    s->sel = sel;
    s->base = (uint64_t)sel << 4;
    /* Limit and attributes stay (unreal mode), but a segment nulled in
     * protected mode becomes usable again, and a far transfer gives CS
     * real mode's access rights (16-bit code; the limit stays), as the
     * 80386's "switching back to real-address mode" describes. */
    if (!(s->attr & SEGATTR_P))
        s->limit = 0xffff;
    if (!(s->attr & SEGATTR_P) || seg == SEG_CS)
        s->attr = SEGATTR_P | SEGATTR_S | (seg == SEG_CS ? 0xb : 0x3);
}

void seg_load_v86(CPUState *cpu, int seg, uint16_t sel)
{
    SegReg *s = &cpu->env.seg[seg];
    s->sel = sel;
    s->base = (uint64_t)sel << 4;
    s->limit = 0xffff;
    s->attr = SEGATTR_P | SEGATTR_S | (3 << 5) | (seg == SEG_CS ? 0xb : 0x3);
}

void seg_load_cs(CPUState *cpu, uint16_t sel, uint32_t lo, uint32_t hi, int cpl)
{
    desc_set_accessed(cpu, sel, hi);
    seg_from_desc(&cpu->env.seg[SEG_CS], (uint16_t)((sel & 0xfffc) | cpl), lo, hi | (DESC_ACCESSED << 8));
}

static void load_null(CPUState *cpu, int seg, uint16_t sel, int cpl)
{
    SegReg *s = &cpu->env.seg[seg];
    s->sel = sel;
    s->attr = seg == SEG_SS ? (uint16_t)(cpl << 5) : 0;
    /* Long mode keeps FS/GS bases (they are MSRs there). */
    if (!(cpu->env.efer & EFER_LMA)) {
        s->base = 0;
        s->limit = 0;
    }
}

void seg_load_checked(CPUState *cpu, int seg, uint16_t sel, int cpl, int exc)
{
    uint16_t err = sel & 0xfffc;
    uint32_t lo, hi;
    if (!err) {
        if (seg == SEG_SS && !(cpu_code64(cpu) && cpl != 3 && (sel & 3) == cpl))
            cpu_raise_exception(cpu, exc, 0);
        load_null(cpu, seg, sel, cpl);
        return;
    }
    if (!desc_fetch(cpu, sel, &lo, &hi))
        cpu_raise_exception(cpu, exc, err);
    int dpl = (int)desc_dpl(hi);
    unsigned type = desc_type(hi);
    if (seg == SEG_SS) {
        if ((sel & 3) != cpl || !desc_is_seg(hi) || desc_is_code(hi) ||
            !(type & DESC_RW) || dpl != cpl)
            cpu_raise_exception(cpu, exc, err);
        if (!desc_present(hi))
            cpu_raise_exception(cpu, EXC_SS, err);
    } else {
        if (!desc_is_seg(hi) || (desc_is_code(hi) && !(type & DESC_RW)))
            cpu_raise_exception(cpu, exc, err);
        bool conforming_code = desc_is_code(hi) && (type & DESC_CONFORMING);
        if (!conforming_code && ((sel & 3) > dpl || cpl > dpl))
            cpu_raise_exception(cpu, exc, err);
        if (!desc_present(hi))
            cpu_raise_exception(cpu, EXC_NP, err);
    }
    desc_set_accessed(cpu, sel, hi);
    seg_from_desc(&cpu->env.seg[seg], sel, lo, hi | (DESC_ACCESSED << 8));
}

void cpu_load_seg(CPUState *cpu, int seg, uint16_t sel)
{
    CPUX86State *env = &cpu->env;
    if (seg < 0 || seg >= SEG_COUNT || seg == SEG_CS)
        cpu_raise_exception(cpu, EXC_UD, NO_ERROR_CODE);
    if (!(env->cr0 & CR0_PE))
        seg_load_real(cpu, seg, sel);
    else if (env->rflags & FL_VM)
        seg_load_v86(cpu, seg, sel);
    else
        seg_load_checked(cpu, seg, sel, cpu_cpl(cpu), EXC_GP);
}

void seg_invalidate_outer(CPUState *cpu, int cpl)
{
    static const int segs[] = { SEG_ES, SEG_DS, SEG_FS, SEG_GS };
    for (unsigned i = 0; i < 4; i++) {
        SegReg *s = &cpu->env.seg[segs[i]];
        unsigned t = (s->attr & 0x1f);
        bool conforming_code = (t & DESC_CODE) == DESC_CODE && (t & DESC_CONFORMING);
        if ((s->attr & SEGATTR_P) && !conforming_code && (int)SEGATTR_DPL(s->attr) < cpl) {
            s->sel = 0;
            s->attr = 0;
        }
    }
}

/* ---- stacks ---- */

Stack stack_of(const SegReg *ss, uint64_t sp, bool user, uint32_t err)
{
    unsigned t = ss->attr & 0x1f;
    bool expdown = (t & DESC_CODE) == 0x10 && (t & DESC_CONFORMING);
    return (Stack){ ss->base, sp, (ss->attr & SEGATTR_DB) ? 0xffffffffULL : 0xffff,
                    user, false, expdown, ss->limit, err };
}

Stack stack_flat64(uint64_t sp, bool user)
{
    return (Stack){ 0, sp, ~0ULL, user, true, false, 0, 0 };
}

Stack stack_current(const CPUState *cpu)
{
    bool user = cpu_cpl(cpu) == 3;
    if (cpu_code64(cpu))
        return stack_flat64(cpu->env.regs[R_ESP], user);
    return stack_of(&cpu->env.seg[SEG_SS], cpu->env.regs[R_ESP], user, 0);
}

/* The bytes [off, off + size) of the stack segment are addressable. */
static void stack_check(CPUState *cpu, const Stack *s, uint64_t off, unsigned size)
{
    if (s->flat64) {
        if (!cpu_canonical(s->base + off) || !cpu_canonical(s->base + off + size - 1))
            cpu_raise_exception(cpu, EXC_SS, 0);
        return;
    }
    uint64_t last = off + size - 1;
    bool ok = s->expdown ? (off > s->limit && last <= s->mask)
                         : last <= s->limit;
    if (!ok)
        cpu_raise_exception(cpu, EXC_SS, s->err);
}

void stack_push(CPUState *cpu, Stack *s, uint64_t val, unsigned size)
{
    uint64_t sp = (s->sp & ~s->mask) | ((s->sp - size) & s->mask);
    stack_check(cpu, s, sp & s->mask, size);
    cpu_lin_st(cpu, s->base + (sp & s->mask), val, size, s->user);
    s->sp = sp;
}

uint64_t stack_pop(CPUState *cpu, Stack *s, unsigned size)
{
    stack_check(cpu, s, s->sp & s->mask, size);
    uint64_t v = cpu_lin_ld(cpu, s->base + (s->sp & s->mask), size, s->user);
    s->sp = (s->sp & ~s->mask) | ((s->sp + size) & s->mask);
    return v;
}

void stack_commit(CPUState *cpu, const Stack *s)
{
    uint64_t *rsp = &cpu->env.regs[R_ESP];
    *rsp = (*rsp & ~s->mask) | (s->sp & s->mask);
}

/* ---- TSS stacks ---- */

static bool tss_is32(const CPUState *cpu)
{
    return SEGATTR_TYPE(cpu->env.tr.attr) & 8;
}

void tss_inner_stack(CPUState *cpu, int dpl, uint16_t *ss, uint64_t *sp, uint32_t ext)
{
    CPUX86State *env = &cpu->env;
    bool is32 = tss_is32(cpu);
    unsigned off = is32 ? 4 + (unsigned)dpl * 8 : 2 + (unsigned)dpl * 4;
    unsigned len = is32 ? 8 : 4;
    if (!(env->tr.attr & SEGATTR_P) || off + len - 1 > env->tr.limit)
        cpu_raise_exception(cpu, EXC_TS, (env->tr.sel & 0xfffc) | ext);
    if (is32) {
        *sp = (uint32_t)cpu_lin_ld(cpu, env->tr.base + off, 4, false);
        *ss = (uint16_t)cpu_lin_ld(cpu, env->tr.base + off + 4, 2, false);
    } else {
        *sp = (uint16_t)cpu_lin_ld(cpu, env->tr.base + off, 2, false);
        *ss = (uint16_t)cpu_lin_ld(cpu, env->tr.base + off + 2, 2, false);
    }
    uint32_t lo, hi;
    if (!(*ss & 0xfffc))
        cpu_raise_exception(cpu, EXC_TS, ext);
    if ((*ss & 3) != dpl || !desc_fetch(cpu, *ss, &lo, &hi))
        cpu_raise_exception(cpu, EXC_TS, (*ss & 0xfffc) | ext);
    if ((int)desc_dpl(hi) != dpl || !desc_is_seg(hi) || desc_is_code(hi) ||
        !(desc_type(hi) & DESC_RW))
        cpu_raise_exception(cpu, EXC_TS, (*ss & 0xfffc) | ext);
    if (!desc_present(hi))
        cpu_raise_exception(cpu, EXC_SS, (*ss & 0xfffc) | ext);
}

uint64_t tss64_stack(CPUState *cpu, unsigned index)
{
    CPUX86State *env = &cpu->env;
    unsigned off = 4 + index * 8;
    if (!(env->tr.attr & SEGATTR_P) || off + 7 > env->tr.limit)
        cpu_raise_exception(cpu, EXC_TS, env->tr.sel & 0xfffc);
    return cpu_lin_ld(cpu, env->tr.base + off, 8, false);
}

uint64_t flags_writable_mask(const CPUState *cpu, int cpl, unsigned opsize)
{
    uint64_t m = FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_TF | FL_DF | FL_OF |
                 FL_NT | FL_RF | FL_AC | FL_ID;
    unsigned iopl = (cpu->env.rflags & FL_IOPL) >> 12;
    if (cpl == 0)
        m |= FL_IOPL | FL_VIF | FL_VIP;
    if ((unsigned)cpl <= iopl)
        m |= FL_IF;
    return opsize == 2 ? (m & 0xffff) : m;
}

/* ---- LDTR and TR ---- */

static void sys_seg_checks(CPUState *cpu, uint16_t sel)
{
    if (!(cpu->env.cr0 & CR0_PE) || (cpu->env.rflags & FL_VM))
        cpu_raise_exception(cpu, EXC_UD, NO_ERROR_CODE);
    if (cpu_cpl(cpu) != 0)
        cpu_raise_exception(cpu, EXC_GP, 0);
    (void)sel;
}

static void load_sys_desc(CPUState *cpu, SegReg *dst, uint16_t sel, uint32_t lo, uint32_t hi)
{
    seg_from_desc(dst, sel, lo, hi);
    if (cpu->env.efer & EFER_LMA) {
        uint32_t base_hi;
        if (!desc_fetch_upper(cpu, sel, &base_hi))
            cpu_raise_exception(cpu, EXC_GP, sel & 0xfffc);
        dst->base |= (uint64_t)base_hi << 32;
    }
}

void cpu_lldt(CPUState *cpu, uint16_t sel)
{
    sys_seg_checks(cpu, sel);
    if (!(sel & 0xfffc)) {
        cpu->env.ldt = (SegReg){ sel, 0, 0, 0 };
        return;
    }
    uint32_t lo, hi;
    if ((sel & 4) || !desc_fetch(cpu, sel, &lo, &hi) || desc_type(hi) != SYS_LDT)
        cpu_raise_exception(cpu, EXC_GP, sel & 0xfffc);
    if (!desc_present(hi))
        cpu_raise_exception(cpu, EXC_NP, sel & 0xfffc);
    load_sys_desc(cpu, &cpu->env.ldt, sel, lo, hi);
}

void cpu_ltr(CPUState *cpu, uint16_t sel)
{
    sys_seg_checks(cpu, sel);
    uint32_t lo, hi;
    if (!(sel & 0xfffc))
        cpu_raise_exception(cpu, EXC_GP, 0);
    if ((sel & 4) || !desc_fetch(cpu, sel, &lo, &hi))
        cpu_raise_exception(cpu, EXC_GP, sel & 0xfffc);
    unsigned t = desc_type(hi);
    bool ok = t == SYS_TSS_AVAIL || (t == SYS_TSS16_AVAIL && !(cpu->env.efer & EFER_LMA));
    if (!ok)
        cpu_raise_exception(cpu, EXC_GP, sel & 0xfffc);
    if (!desc_present(hi))
        cpu_raise_exception(cpu, EXC_NP, sel & 0xfffc);
    load_sys_desc(cpu, &cpu->env.tr, sel, lo, hi);
    hi |= 2u << 8;   /* busy */
    cpu_lin_st(cpu, desc_addr(cpu, sel) + 4, hi, 4, false);
    cpu->env.tr.attr |= 2;
}

/* ---- LAR, LSL, VERR, VERW ---- */

/* Whether sel names a descriptor visible at CPL/RPL for these probes;
 * sys_ok is the set of system types (bit per type) the probe accepts. */
static bool probe_desc(CPUState *cpu, uint16_t sel, uint32_t sys_ok, uint32_t *lo, uint32_t *hi)
{
    if (!(sel & 0xfffc) || !desc_fetch(cpu, sel, lo, hi))
        return false;
    int dpl = (int)desc_dpl(*hi);
    unsigned t = desc_type(*hi);
    if (desc_is_seg(*hi)) {
        if (desc_is_code(*hi) && (t & DESC_CONFORMING))
            return true;
    } else if (!(sys_ok & (1u << (t & 0xf)))) {
        return false;
    }
    return dpl >= cpu_cpl(cpu) && dpl >= (sel & 3);
}

static void set_zf(CPUState *cpu, bool ok)
{
    if (ok)
        cpu->env.rflags |= FL_ZF;
    else
        cpu->env.rflags &= ~(uint64_t)FL_ZF;
}

uint32_t cpu_lar(CPUState *cpu, uint16_t sel, bool *ok)
{
    uint32_t lo, hi;
    bool lm = cpu->env.efer & EFER_LMA;
    uint32_t sys_ok = lm ? (1u << 2 | 1u << 9 | 1u << 11 | 1u << 12)
                         : (1u << 1 | 1u << 2 | 1u << 3 | 1u << 4 | 1u << 5 |
                            1u << 9 | 1u << 11 | 1u << 12);
    *ok = probe_desc(cpu, sel, sys_ok, &lo, &hi);
    set_zf(cpu, *ok);
    return *ok ? (hi & 0x00f0ff00) : 0;
}

uint32_t cpu_lsl(CPUState *cpu, uint16_t sel, bool *ok)
{
    uint32_t lo, hi;
    bool lm = cpu->env.efer & EFER_LMA;
    uint32_t sys_ok = lm ? (1u << 2 | 1u << 9 | 1u << 11)
                         : (1u << 1 | 1u << 2 | 1u << 3 | 1u << 9 | 1u << 11);
    *ok = probe_desc(cpu, sel, sys_ok, &lo, &hi);
    set_zf(cpu, *ok);
    if (!*ok)
        return 0;
    SegReg s;
    seg_from_desc(&s, sel, lo, hi);
    return s.limit;
}

bool cpu_verr(CPUState *cpu, uint16_t sel)
{
    uint32_t lo, hi;
    bool ok = probe_desc(cpu, sel, 0, &lo, &hi) && desc_is_seg(hi) &&
              (!desc_is_code(hi) || (desc_type(hi) & DESC_RW));
    set_zf(cpu, ok);
    return ok;
}

bool cpu_verw(CPUState *cpu, uint16_t sel)
{
    uint32_t lo, hi;
    bool ok = probe_desc(cpu, sel, 0, &lo, &hi) && desc_is_seg(hi) &&
              !desc_is_code(hi) && (desc_type(hi) & DESC_RW);
    set_zf(cpu, ok);
    return ok;
}
