/* x87 register forms: arithmetic (with the reversed and popping forms),
 * compares into C3/C2/C0 or EFLAGS, FXCH, FCMOVcc, FFREE, and the D9 E0-FF
 * group (sign ops, FXAM, constants, transcendentals, FPREM, stack ops). */
#include "cpu/fpu-internal.h"

#include "cpu/excp.h"

void x87_arith(CPUState *cpu, int op, int dst, FUnp x, FUnp y, bool pop, FloatStatus *st)
{
    FUnp r;
    switch (op) {
    case 0: r = sf_add(x, y, false, st); break;
    case 1: r = sf_mul(x, y, st); break;
    case 4: r = sf_add(x, y, true, st); break;
    case 5: r = sf_add(y, x, true, st); break;
    case 6: r = sf_div(x, y, st); break;
    default: r = sf_div(y, x, st); break;
    }
    Float80 out = sf_pack80(r, st);
    if (!x87_finish(cpu, st, &r))
        return;
    x87_set(cpu, dst, out);
    if (pop)
        x87_pop(cpu);
}

static void set_compare_result(CPUState *cpu, int r, bool eflags)
{
    static const uint16_t cc[4] = { FSW_C0, FSW_C3, 0, FSW_C3 | FSW_C2 | FSW_C0 };
    static const uint8_t fl[4] = { FL_CF, FL_ZF, 0, FL_ZF | FL_PF | FL_CF };
    if (eflags) {
        uint64_t *rf = &cpu->env.rflags;
        *rf = (*rf & ~(uint64_t)(FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)) | fl[r];
        cpu->env.fpu.fsw &= ~FSW_C1;
    } else {
        x87_set_cc(cpu, cc[r]);
    }
}

void x87_compare(CPUState *cpu, FUnp x, FUnp y, bool quiet, int pops, bool eflags,
                 FloatStatus *st)
{
    int r = sf_compare(x, y, quiet, st);
    if (r == SF_UN)
        st->flags &= ~SF_DE;
    /* A compare has no destination: the condition codes are set even
     * when an unmasked exception stops the pops. */
    bool done = fpu_x87_merge(cpu, st);
    set_compare_result(cpu, r, eflags);
    while (done && pops--)
        x87_pop(cpu);
}

/* The two-register forms: a = ST(0), b = ST(i). */
static bool both_valid(CPUState *cpu, int i)
{
    return !fpu_empty(cpu, 0) && !fpu_empty(cpu, i);
}

static void reg_arith(CPUState *cpu, int op, int i, bool to_sti, bool pop)
{
    FloatStatus st;
    int dst = to_sti ? i : 0;
    if (!both_valid(cpu, i)) {
        if (x87_underflow(cpu)) {
            x87_set(cpu, dst, F80_INDEFINITE);
            if (pop)
                x87_pop(cpu);
        }
        return;
    }
    fpu_x87_status(cpu, &st);
    FUnp a = sf_unpack80(x87_get(cpu, 0), true, &st);
    FUnp b = sf_unpack80(x87_get(cpu, i), true, &st);
    if (to_sti)
        x87_arith(cpu, op, i, b, a, pop, &st);
    else
        x87_arith(cpu, op, 0, a, b, pop, &st);
}

static void reg_compare(CPUState *cpu, int i, bool quiet, int pops, bool eflags)
{
    FloatStatus st;
    if (!both_valid(cpu, i)) {
        /* Unordered even when the fault is unmasked; pops only if masked. */
        bool masked = x87_underflow(cpu);
        set_compare_result(cpu, SF_UN, eflags);
        while (masked && pops--)
            x87_pop(cpu);
        return;
    }
    fpu_x87_status(cpu, &st);
    FUnp a = sf_unpack80(x87_get(cpu, 0), true, &st);
    FUnp b = sf_unpack80(x87_get(cpu, i), true, &st);
    x87_compare(cpu, a, b, quiet, pops, eflags, &st);
}

static void fld_sti(CPUState *cpu, int i)
{
    Float80 v = x87_get(cpu, i);
    if (fpu_empty(cpu, i)) {
        /* The empty source is the fault reported (C1=0), whatever the
         * destination holds. */
        if (x87_underflow(cpu))
            x87_push(cpu, F80_INDEFINITE);
        return;
    }
    if (x87_push_check(cpu) != 1)
        return;
    x87_push(cpu, v);
    cpu->env.fpu.fsw &= ~FSW_C1;
}

static void fxch(CPUState *cpu, int i)
{
    Float80 a = x87_get(cpu, 0), b = x87_get(cpu, i);
    if (!both_valid(cpu, i)) {
        if (!x87_underflow(cpu))
            return;
        if (fpu_empty(cpu, 0))
            a = F80_INDEFINITE;
        if (fpu_empty(cpu, i))
            b = F80_INDEFINITE;
    } else {
        cpu->env.fpu.fsw &= ~FSW_C1;
    }
    x87_set(cpu, 0, b);
    x87_set(cpu, i, a);
}

static void fst_sti(CPUState *cpu, int i, bool pop)
{
    Float80 v = x87_get(cpu, 0);
    if (fpu_empty(cpu, 0)) {
        if (!x87_underflow(cpu))
            return;
        v = F80_INDEFINITE;
    } else {
        cpu->env.fpu.fsw &= ~FSW_C1;
    }
    x87_set(cpu, i, v);
    if (pop)
        x87_pop(cpu);
}

static void ffree(CPUState *cpu, int i, bool pop)
{
    cpu->env.fpu.ftw &= (uint8_t)~(1u << fpu_phys(cpu, i));
    if (pop)
        x87_pop(cpu);
}

/* FCMOVcc: DA /0-3 B, E, BE, U; DB /0-3 their negations. */
static void fcmov(CPUState *cpu, int cond, bool negate, int i)
{
    uint64_t f = cpu->env.rflags;
    bool c;
    switch (cond) {
    case 0: c = f & FL_CF; break;
    case 1: c = f & FL_ZF; break;
    case 2: c = f & (FL_CF | FL_ZF); break;
    default: c = f & FL_PF; break;
    }
    if (!both_valid(cpu, i)) {
        if (x87_underflow(cpu))
            x87_set(cpu, 0, F80_INDEFINITE);
        return;
    }
    cpu->env.fpu.fsw &= ~FSW_C1;
    if (c != negate)
        x87_set(cpu, 0, x87_get(cpu, i));
}

static void fninit(CPUState *cpu)
{
    X87State *f = &cpu->env.fpu;
    f->fcw = 0x37f;
    f->fsw = 0;
    f->ftw = 0;
    f->fop = 0;
    f->fip = f->fdp = 0;
    f->fcs = f->fds = 0;
    fpu_ferr_clear(cpu);
}

static void fnclex(CPUState *cpu)
{
    cpu->env.fpu.fsw &= (uint16_t)~(0x00ff | FSW_B);
    fpu_ferr_clear(cpu);
}

static bool reg_db_group4(CPUState *cpu, int rm)
{
    switch (rm) {
    case 0: case 1: case 4:     /* FENI, FDISI, FSETPM: no-ops since the 387 */
        return true;
    case 2:
        fnclex(cpu);
        return true;
    case 3:
        fninit(cpu);
        return true;
    default:
        return false;
    }
}

/* Returns false for an undefined encoding. */
static bool reg_op(CPUState *cpu, int esc, int reg, int i)
{
    static const int rev[8] = { 0, 1, 2, 3, 5, 4, 7, 6 };  /* DC/DE swap SUB/SUBR, DIV/DIVR */
    switch (esc) {
    case 0:
        if (reg == 2 || reg == 3)
            reg_compare(cpu, i, false, reg == 3, false);
        else
            reg_arith(cpu, reg, i, false, false);
        return true;
    case 1:
        switch (reg) {
        case 0: fld_sti(cpu, i); return true;
        case 1: fxch(cpu, i); return true;
        case 2: return i == 0;                  /* FNOP */
        case 3: fst_sti(cpu, i, true); return true;
        default: return x87_d9_special(cpu, ((reg - 4) << 3) | i);
        }
    case 2:
        if (reg < 4) {
            fcmov(cpu, reg, false, i);
            return true;
        }
        if (reg == 5 && i == 1) {
            reg_compare(cpu, 1, true, 2, false);  /* FUCOMPP */
            return true;
        }
        return false;
    case 3:
        if (reg < 4) {
            fcmov(cpu, reg, true, i);
            return true;
        }
        if (reg == 4)
            return reg_db_group4(cpu, i);
        if (reg == 5 || reg == 6) {
            reg_compare(cpu, i, reg == 5, 0, true);  /* FUCOMI / FCOMI */
            return true;
        }
        return false;
    case 4:
        if (reg == 2 || reg == 3)
            reg_compare(cpu, i, false, reg == 3, false);
        else
            reg_arith(cpu, rev[reg], i, true, false);
        return true;
    case 5:
        switch (reg) {
        case 0: ffree(cpu, i, false); return true;
        case 1: fxch(cpu, i); return true;
        case 2: fst_sti(cpu, i, false); return true;
        case 3: fst_sti(cpu, i, true); return true;
        case 4: reg_compare(cpu, i, true, 0, false); return true;
        case 5: reg_compare(cpu, i, true, 1, false); return true;
        default: return false;
        }
    case 6:
        if (reg == 2) {
            reg_compare(cpu, i, false, 1, false);
            return true;
        }
        if (reg == 3) {
            if (i == 1)
                reg_compare(cpu, 1, false, 2, false);  /* FCOMPP */
            return i == 1;
        }
        reg_arith(cpu, rev[reg], i, true, true);
        return true;
    default:
        switch (reg) {
        case 0: ffree(cpu, i, true); return true;       /* FFREEP */
        case 1: fxch(cpu, i); return true;
        case 2: case 3: fst_sti(cpu, i, true); return true;
        case 4:
            if (i != 0)
                return false;
            cpu->env.regs[R_EAX] = (cpu->env.regs[R_EAX] & ~0xffffULL) | cpu->env.fpu.fsw;
            return true;
        case 5: case 6:
            reg_compare(cpu, i, reg == 5, 1, true);  /* FUCOMIP / FCOMIP */
            return true;
        default:
            return false;
        }
    }
}

void x87_reg_exec(CPUState *cpu, const FpuInsn *in)
{
    if (!reg_op(cpu, in->opcode & 7, (in->modrm >> 3) & 7, in->modrm & 7))
        fpu_fault(cpu, EXC_UD);
}
