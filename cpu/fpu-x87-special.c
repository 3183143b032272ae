/* The D9 E0-FF group: FCHS, FABS, FTST, FXAM, the constants, F2XM1..FCOS,
 * FPREM/FPREM1, FXTRACT, FSCALE, FINCSTP/FDECSTP. */
#include "cpu/fpu-internal.h"

typedef struct X87Const {
    uint64_t trunc;    /* the significand truncated to 64 bits */
    uint16_t sexp;
    bool inexact;      /* more bits follow (RU rounds up) */
    bool rn_up;        /* round-to-nearest rounds up */
} X87Const;

/* FLD1, FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2, FLDZ: the constants are
 * rounded by FCW.RC like a computed result (SDM vol. 1 8.3.5). */
static const X87Const consts[7] = {
    { 0x8000000000000000ULL, 0x3fff, false, false },
    { 0xd49a784bcd1b8afeULL, 0x4000, true, false },
    { 0xb8aa3b295c17f0bbULL, 0x3fff, true, true },
    { 0xc90fdaa22168c234ULL, 0x4000, true, true },
    { 0x9a209a84fbcff798ULL, 0x3ffd, true, true },
    { 0xb17217f7d1cf79abULL, 0x3ffe, true, true },
    { 0, 0, false, false },
};

static void fld_const(CPUState *cpu, int k)
{
    const X87Const *c = &consts[k];
    int rc = (cpu->env.fpu.fcw >> 10) & 3;
    uint64_t m = c->trunc;
    if ((rc == SF_RN && c->rn_up) || (rc == SF_RU && c->inexact))
        m++;
    if (x87_push_check(cpu) != 1)
        return;
    x87_push(cpu, (Float80){ m, c->sexp });
    cpu->env.fpu.fsw &= ~FSW_C1;
}

/* ST(0) must be valid; on an empty register with IE masked, the
 * destination receives the indefinite.  Returns whether to go on. */
static bool need_st0(CPUState *cpu)
{
    if (!fpu_empty(cpu, 0))
        return true;
    if (x87_underflow(cpu))
        x87_set(cpu, 0, F80_INDEFINITE);
    return false;
}

static bool need_st01(CPUState *cpu, int dst)
{
    if (!fpu_empty(cpu, 0) && !fpu_empty(cpu, 1))
        return true;
    if (x87_underflow(cpu))
        x87_set(cpu, dst, F80_INDEFINITE);
    return false;
}

static void fchs_fabs(CPUState *cpu, bool abs)
{
    if (!need_st0(cpu))
        return;
    Float80 v = x87_get(cpu, 0);
    v.sexp = abs ? (v.sexp & 0x7fff) : (v.sexp ^ 0x8000);
    x87_set(cpu, 0, v);
    cpu->env.fpu.fsw &= ~FSW_C1;
}

static void ftst(CPUState *cpu)
{
    FloatStatus st;
    if (fpu_empty(cpu, 0)) {
        x87_underflow(cpu);
        x87_set_cc(cpu, FSW_C3 | FSW_C2 | FSW_C0);
        return;
    }
    fpu_x87_status(cpu, &st);
    FUnp a = sf_unpack80(x87_get(cpu, 0), true, &st);
    x87_compare(cpu, a, (FUnp){ FC_ZERO, false, 0, 0 }, false, 0, false, &st);
}

static void fxam(CPUState *cpu)
{
    Float80 v = x87_get(cpu, 0);
    unsigned e = v.sexp & 0x7fff;
    bool j = v.mant >> 63;
    uint16_t cc;
    if (fpu_empty(cpu, 0))
        cc = FSW_C3 | FSW_C0;
    else if (e == 0)
        cc = v.mant ? FSW_C3 | FSW_C2 : FSW_C3;
    else if (!j)
        cc = 0;                                 /* unsupported */
    else if (e == 0x7fff)
        cc = (v.mant << 1) ? FSW_C0 : FSW_C2 | FSW_C0;
    else
        cc = FSW_C2;
    if (v.sexp & 0x8000)
        cc |= FSW_C1;
    x87_set_cc(cpu, cc);
}

/* ST(0) = f(ST(0)) */
static void unary(CPUState *cpu, int which)
{
    FloatStatus st;
    Float80 r;
    if (!need_st0(cpu))
        return;
    fpu_x87_status(cpu, &st);
    Float80 a = x87_get(cpu, 0);
    switch (which) {
    case 0: r = f80_sqrt(a, &st); break;
    case 1: r = f80_round_int(a, &st); break;
    default: r = f80_f2xm1(a, &st); break;
    }
    if (fpu_x87_merge(cpu, &st))
        x87_set(cpu, 0, r);
}

/* FYL2X, FYL2XP1, FPATAN: ST(1) = f(ST(1), ST(0)), pop. */
static void binary_pop(CPUState *cpu, int which)
{
    FloatStatus st;
    Float80 r;
    if (!need_st01(cpu, 1)) {
        if (cpu->env.fpu.fcw & SF_IE)
            x87_pop(cpu);
        return;
    }
    fpu_x87_status(cpu, &st);
    Float80 x = x87_get(cpu, 0), y = x87_get(cpu, 1);
    if (which == 2)
        r = f80_patan(y, x, &st);
    else
        r = f80_yl2x(y, x, which == 1, &st);
    FUnp ru = sf_unpack80(r, false, &(FloatStatus){ 0 });
    if (!x87_finish(cpu, &st, &ru))
        return;
    x87_set(cpu, 1, r);
    x87_pop(cpu);
}

/* FPTAN, FSINCOS, FXTRACT replace ST(0) and push: with ST(0) empty
 * (underflow) or ST(7) full (overflow) and IE masked, both results are the
 * indefinite.  Returns whether the operation may go on. */
static bool replace_and_push_ok(CPUState *cpu)
{
    bool empty = fpu_empty(cpu, 0);
    if (!empty && fpu_empty(cpu, 7))
        return true;
    X87State *f = &cpu->env.fpu;
    f->fsw = (uint16_t)((f->fsw & ~FSW_C1) | FSW_IE | FSW_SF | (empty ? 0 : FSW_C1));
    if (!(f->fcw & SF_IE)) {
        f->fsw |= FSW_ES | FSW_B;
        return false;
    }
    x87_set(cpu, 0, F80_INDEFINITE);
    x87_push(cpu, F80_INDEFINITE);
    return false;
}

/* FSIN, FCOS, FPTAN, FSINCOS. */
static void trig(CPUState *cpu, int which)
{
    FloatStatus st;
    Float80 r, c;
    bool pushes = which >= 2;
    if (pushes ? !replace_and_push_ok(cpu) : !need_st0(cpu))
        return;
    fpu_x87_status(cpu, &st);
    Float80 a = x87_get(cpu, 0);
    bool in_range = f80_trig(a, which == 3 ? 0 : which, &r, &st);
    if (in_range && which == 3)
        f80_trig(a, 1, &c, &st);
    if (!in_range) {
        x87_set_cc(cpu, FSW_C2);
        return;
    }
    if (!fpu_x87_merge(cpu, &st))
        return;
    cpu->env.fpu.fsw &= ~FSW_C2;
    x87_set(cpu, 0, r);
    if (which == 2)
        x87_push(cpu, f80_is_nan(r) ? r : (Float80){ 1ULL << 63, 0x3fff });
    else if (which == 3)
        x87_push(cpu, c);
}

static void fprem(CPUState *cpu, bool ieee)
{
    FloatStatus st;
    uint16_t cc = 0;
    if (!need_st01(cpu, 0))
        return;
    fpu_x87_status(cpu, &st);
    Float80 r = f80_prem(x87_get(cpu, 0), x87_get(cpu, 1), ieee, &cc, &st);
    if (!fpu_x87_merge(cpu, &st))
        return;
    x87_set(cpu, 0, r);
    x87_set_cc(cpu, cc);
}

static void fscale(CPUState *cpu)
{
    FloatStatus st;
    if (!need_st01(cpu, 0))
        return;
    fpu_x87_status(cpu, &st);
    Float80 r = f80_scale(x87_get(cpu, 0), x87_get(cpu, 1), &st);
    if (fpu_x87_merge(cpu, &st))
        x87_set(cpu, 0, r);
}

static void fxtract(CPUState *cpu)
{
    FloatStatus st;
    Float80 e, s;
    if (!replace_and_push_ok(cpu))
        return;
    fpu_x87_status(cpu, &st);
    f80_xtract(x87_get(cpu, 0), &e, &s, &st);
    if (!fpu_x87_merge(cpu, &st))
        return;
    x87_set(cpu, 0, e);
    x87_push(cpu, s);
}

static void incdec(CPUState *cpu, int d)
{
    fpu_set_top(cpu, fpu_top(cpu) + d);
    cpu->env.fpu.fsw &= ~FSW_C1;
}

bool x87_d9_special(CPUState *cpu, int idx)
{
    if (idx >= 8 && idx <= 14) {
        fld_const(cpu, idx - 8);
        return true;
    }
    switch (idx) {
    case 0: fchs_fabs(cpu, false); break;
    case 1: fchs_fabs(cpu, true); break;
    case 4: ftst(cpu); break;
    case 5: fxam(cpu); break;
    case 16: unary(cpu, 2); break;          /* F2XM1 */
    case 17: binary_pop(cpu, 0); break;     /* FYL2X */
    case 18: trig(cpu, 2); break;           /* FPTAN */
    case 19: binary_pop(cpu, 2); break;     /* FPATAN */
    case 20: fxtract(cpu); break;
    case 21: fprem(cpu, true); break;
    case 22: incdec(cpu, -1); break;
    case 23: incdec(cpu, 1); break;
    case 24: fprem(cpu, false); break;
    case 25: binary_pop(cpu, 1); break;     /* FYL2XP1 */
    case 26: unary(cpu, 0); break;          /* FSQRT */
    case 27: trig(cpu, 3); break;           /* FSINCOS */
    case 28: unary(cpu, 1); break;          /* FRNDINT */
    case 29: fscale(cpu); break;
    case 30: trig(cpu, 0); break;           /* FSIN */
    case 31: trig(cpu, 1); break;           /* FCOS */
    default: return false;
    }
    return true;
}
