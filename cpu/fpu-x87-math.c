/* x87 register forms: arithmetic (with the reversed and popping forms),
 * compares into C3/C2/C0 or EFLAGS, FXCH, FCMOVcc, FFREE, and the D9 E0-FF
 * group (sign ops, FXAM, constants, transcendentals, FPREM, stack ops). */
#include "cpu/fpu-internal.h"

#include "cpu/excp.h"

#include <stddef.h>

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

/* ---- the register forms as a table: (escape - D8) * 8 + ModRM.reg ----
 * Each handler gets ST(i) from ModRM.rm and the row's argument, and
 * returns false for an undefined encoding (#UD). */
typedef bool (*X87RegFn)(CPUState *cpu, int i, int arg);

typedef struct X87Reg {
    X87RegFn fn;
    int arg;
} X87Reg;

enum { TO_ST0 = 0, TO_STI = 8, POP = 16 };           /* arith argument flags */
enum { C_QUIET = 4, C_EFLAGS = 8 };                  /* compare: pops | flags */

static bool r_arith(CPUState *cpu, int i, int arg)
{
    reg_arith(cpu, arg & 7, i, arg & TO_STI, arg & POP);
    return true;
}

static bool r_compare(CPUState *cpu, int i, int arg)
{
    reg_compare(cpu, i, arg & C_QUIET, arg & 3, arg & C_EFLAGS);
    return true;
}

/* FUCOMPP (DA E9) and FCOMPP (DE D9) exist only with ST(1). */
static bool r_compare_pp(CPUState *cpu, int i, int arg)
{
    if (i != 1)
        return false;
    reg_compare(cpu, 1, arg, 2, false);
    return true;
}

static bool r_fld(CPUState *cpu, int i, int arg) { fld_sti(cpu, i); return true; }
static bool r_fxch(CPUState *cpu, int i, int arg) { fxch(cpu, i); return true; }
static bool r_fst(CPUState *cpu, int i, int arg) { fst_sti(cpu, i, arg); return true; }
static bool r_ffree(CPUState *cpu, int i, int arg) { ffree(cpu, i, arg); return true; }
static bool r_fnop(CPUState *cpu, int i, int arg) { return i == 0; }

static bool r_fcmov(CPUState *cpu, int i, int arg)
{
    fcmov(cpu, arg & 3, arg & 4, i);
    return true;
}

static bool r_special(CPUState *cpu, int i, int arg)
{
    return x87_d9_special(cpu, (arg << 3) | i);
}

static bool r_db4(CPUState *cpu, int i, int arg)
{
    return reg_db_group4(cpu, i);
}

static bool r_fnstsw_ax(CPUState *cpu, int i, int arg)
{
    if (i != 0)
        return false;
    cpu->env.regs[R_EAX] = (cpu->env.regs[R_EAX] & ~0xffffULL) | cpu->env.fpu.fsw;
    return true;
}

static const X87Reg reg_ops[64] = {
    /* D8: ST(0) = ST(0) op ST(i) */
    { r_arith, 0 }, { r_arith, 1 }, { r_compare, 0 }, { r_compare, 1 },
    { r_arith, 4 }, { r_arith, 5 }, { r_arith, 6 }, { r_arith, 7 },
    /* D9 */
    { r_fld, 0 }, { r_fxch, 0 }, { r_fnop, 0 }, { r_fst, 1 },
    { r_special, 0 }, { r_special, 1 }, { r_special, 2 }, { r_special, 3 },
    /* DA: FCMOVB/E/BE/U, FUCOMPP */
    { r_fcmov, 0 }, { r_fcmov, 1 }, { r_fcmov, 2 }, { r_fcmov, 3 },
    { NULL, 0 }, { r_compare_pp, 1 }, { NULL, 0 }, { NULL, 0 },
    /* DB: FCMOVNB/NE/NBE/NU, FNCLEX/FNINIT group, FUCOMI, FCOMI */
    { r_fcmov, 4 }, { r_fcmov, 5 }, { r_fcmov, 6 }, { r_fcmov, 7 },
    { r_db4, 0 }, { r_compare, C_QUIET | C_EFLAGS }, { r_compare, C_EFLAGS }, { NULL, 0 },
    /* DC: ST(i) = ST(i) op ST(0), with SUB/SUBR and DIV/DIVR swapped */
    { r_arith, TO_STI | 0 }, { r_arith, TO_STI | 1 }, { r_compare, 0 }, { r_compare, 1 },
    { r_arith, TO_STI | 5 }, { r_arith, TO_STI | 4 }, { r_arith, TO_STI | 7 },
    { r_arith, TO_STI | 6 },
    /* DD: FFREE, FXCH4, FST, FSTP, FUCOM, FUCOMP */
    { r_ffree, 0 }, { r_fxch, 0 }, { r_fst, 0 }, { r_fst, 1 },
    { r_compare, C_QUIET }, { r_compare, C_QUIET | 1 }, { NULL, 0 }, { NULL, 0 },
    /* DE: the popping forms, FCOMP5, FCOMPP */
    { r_arith, TO_STI | POP | 0 }, { r_arith, TO_STI | POP | 1 }, { r_compare, 1 },
    { r_compare_pp, 0 }, { r_arith, TO_STI | POP | 5 }, { r_arith, TO_STI | POP | 4 },
    { r_arith, TO_STI | POP | 7 }, { r_arith, TO_STI | POP | 6 },
    /* DF: FFREEP, FXCH7, FSTP8/9, FNSTSW AX, FUCOMIP, FCOMIP */
    { r_ffree, 1 }, { r_fxch, 0 }, { r_fst, 1 }, { r_fst, 1 },
    { r_fnstsw_ax, 0 }, { r_compare, C_QUIET | C_EFLAGS | 1 }, { r_compare, C_EFLAGS | 1 },
    { NULL, 0 },
};

void x87_reg_exec(CPUState *cpu, const FpuInsn *in)
{
    const X87Reg *r = &reg_ops[((in->opcode & 7) << 3) | ((in->modrm >> 3) & 7)];
    if (!r->fn || !r->fn(cpu, in->modrm & 7, r->arg))
        fpu_fault(cpu, EXC_UD);
}
