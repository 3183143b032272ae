/* SSE/SSE2/SSE3 floating point: arithmetic, min/max, compares, COMISS,
 * conversions, reciprocal estimates, logic and horizontal ops, all through
 * the binary32/binary64 softfloat with MXCSR rounding, DAZ/FTZ and flags. */
#include "cpu/sse.h"

/* Lane access: f32 lanes in d[], f64 lanes in q[]. */
static uint64_t lane(const Xmm *x, int fmt, int i)
{
    return fmt == SF_F32 ? x->d[i] : x->q[i];
}

static void set_lane(Xmm *x, int fmt, int i, uint64_t v)
{
    if (fmt == SF_F32)
        x->d[i] = (uint32_t)v;
    else
        x->q[i] = v;
}

static int lanes(int fmt, bool scalar)
{
    return scalar ? 1 : fmt == SF_F32 ? 4 : 2;
}

/* Row encodings: prefix 0 = ps, 66 = pd, F3 = ss, F2 = sd. */
static int fmt_of(const SseArgs *a)
{
    uint8_t p = a->in->prefix;
    return (p == 0 || p == 0xf3) ? SF_F32 : SF_F64;
}

static bool scalar_of(const SseArgs *a)
{
    return a->in->prefix == 0xf3 || a->in->prefix == 0xf2;
}

static void arith(SseArgs *a, int op)
{
    int fmt = fmt_of(a);
    Xmm r = a->d;
    for (int i = 0; i < lanes(fmt, scalar_of(a)); i++) {
        uint64_t x = lane(&a->d, fmt, i), y = lane(&a->s, fmt, i);
        set_lane(&r, fmt, i, op == SF_OP_SQRT ? sf_arith(fmt, op, y, 0, &a->st)
                                              : sf_arith(fmt, op, x, y, &a->st));
    }
    a->d = r;
}

static void fadd(SseArgs *a) { arith(a, SF_OP_ADD); }
static void fsub(SseArgs *a) { arith(a, SF_OP_SUB); }
static void fmul(SseArgs *a) { arith(a, SF_OP_MUL); }
static void fdiv(SseArgs *a) { arith(a, SF_OP_DIV); }
static void fsqrt(SseArgs *a) { arith(a, SF_OP_SQRT); }

/* A lane's flags: a NaN operand hides that lane's denormal operand
 * (exception priority), other lanes still report theirs. */
static void lane_flags(SseArgs *a, FloatStatus *ls, int cmp)
{
    if (cmp == SF_UN)
        ls->flags &= ~SF_DE;
    a->st.flags |= ls->flags;
}

/* MIN/MAX: the second operand when unordered or both zero (IE on any NaN). */
static void minmax(SseArgs *a, bool max)
{
    int fmt = fmt_of(a);
    Xmm r = a->d;
    for (int i = 0; i < lanes(fmt, scalar_of(a)); i++) {
        uint64_t x = lane(&a->d, fmt, i), y = lane(&a->s, fmt, i);
        FloatStatus ls = a->st;
        ls.flags = 0;
        FUnp ux = sf_unpack(fmt, x, true, &ls), uy = sf_unpack(fmt, y, true, &ls);
        int c = sf_compare(ux, uy, false, &ls);
        lane_flags(a, &ls, c);
        uint64_t v = c == (max ? SF_GT : SF_LT) ? x : y;
        /* With DAZ the chosen denormal comes out as the zero it was read as. */
        if (a->st.daz && sf_unpack(fmt, v, false, &a->st).cls == FC_NORMAL &&
            sf_unpack(fmt, v, true, &(FloatStatus){ .daz = true }).cls == FC_ZERO)
            v &= fmt == SF_F32 ? 0x80000000u : 0x8000000000000000ULL;
        set_lane(&r, fmt, i, v);
    }
    a->d = r;
}

static void min_op(SseArgs *a) { minmax(a, false); }
static void max_op(SseArgs *a) { minmax(a, true); }

/* CMPPS predicates 0-7: EQ LT LE UNORD NEQ NLT NLE ORD. */
static void cmp(SseArgs *a)
{
    static const bool quiet[8] = { true, false, false, true, true, false, false, true };
    int fmt = fmt_of(a), p = a->imm & 7;
    Xmm r = a->d;
    for (int i = 0; i < lanes(fmt, scalar_of(a)); i++) {
        FloatStatus ls = a->st;
        ls.flags = 0;
        FUnp x = sf_unpack(fmt, lane(&a->d, fmt, i), true, &ls);
        FUnp y = sf_unpack(fmt, lane(&a->s, fmt, i), true, &ls);
        int c = sf_compare(x, y, quiet[p], &ls);
        lane_flags(a, &ls, c);
        bool t;
        switch (p & 3) {
        case 0: t = c == SF_EQ; break;
        case 1: t = c == SF_LT; break;
        case 2: t = c == SF_LT || c == SF_EQ; break;
        default: t = c == SF_UN; break;
        }
        if (p & 4)
            t = !t;
        set_lane(&r, fmt, i, t ? ~0ULL : 0);
    }
    a->d = r;
}

/* COMISS/UCOMISS/COMISD/UCOMISD: ZF, PF, CF; OF, SF, AF cleared. */
static void comi(SseArgs *a, bool quiet)
{
    int fmt = a->in->prefix == 0x66 ? SF_F64 : SF_F32;
    FloatStatus ls = a->st;
    ls.flags = 0;
    FUnp x = sf_unpack(fmt, lane(&a->d, fmt, 0), true, &ls);
    FUnp y = sf_unpack(fmt, lane(&a->s, fmt, 0), true, &ls);
    int c = sf_compare(x, y, quiet, &ls);
    lane_flags(a, &ls, c);
    static const uint8_t fl[4] = { FL_CF, FL_ZF, 0, FL_ZF | FL_PF | FL_CF };
    /* EFLAGS change only if no unmasked exception faults: staged here and
     * applied by comi_apply after the MXCSR check. */
    a->g = fl[c];
    a->nowb = true;
    uint8_t unmasked = a->st.flags & ~(a->cpu->env.mxcsr >> 7) & 0x3f;
    if (!unmasked) {
        uint64_t *rf = &a->cpu->env.rflags;
        *rf = (*rf & ~(uint64_t)(FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)) | a->g;
    }
}

static void comis(SseArgs *a) { comi(a, false); }
static void ucomis(SseArgs *a) { comi(a, true); }

/* ---- conversions ---- */

static uint64_t cvt_float(int from, int to, uint64_t v, FloatStatus *st)
{
    FUnp u = sf_unpack(from, v, true, st);
    if (u.cls == FC_SNAN)
        st->flags |= SF_IE;
    return sf_pack(to, u, st);
}

/* Float to integer raises no denormal exception (DAZ still applies). */
static uint64_t cvt_to_int(int from, uint64_t v, int bits, bool trunc, FloatStatus *st)
{
    uint8_t de = st->flags & SF_DE;
    FUnp u = sf_unpack(from, v, true, st);
    st->flags = (uint8_t)((st->flags & ~SF_DE) | de);
    return sf_to_int(u, bits, trunc ? SF_RZ : st->round, st);
}

static uint64_t cvt_from_int(int to, int64_t v, FloatStatus *st)
{
    return sf_pack(to, sf_from_int(v), st);
}

/* 0F 5A: ps->pd (64-bit source), pd->ps, ss->sd, sd->ss. */
static void cvt_5a(SseArgs *a)
{
    Xmm r = a->d;
    switch (a->in->prefix) {
    case 0:
        for (int i = 1; i >= 0; i--)
            r.q[i] = cvt_float(SF_F32, SF_F64, a->s.d[i], &a->st);
        break;
    case 0x66:
        r.d[0] = (uint32_t)cvt_float(SF_F64, SF_F32, a->s.q[0], &a->st);
        r.d[1] = (uint32_t)cvt_float(SF_F64, SF_F32, a->s.q[1], &a->st);
        r.q[1] = 0;
        break;
    case 0xf3:
        r.q[0] = cvt_float(SF_F32, SF_F64, a->s.d[0], &a->st);
        break;
    default:
        r.d[0] = (uint32_t)cvt_float(SF_F64, SF_F32, a->s.q[0], &a->st);
        break;
    }
    a->d = r;
}

/* 0F 5B: dq->ps, 66: ps->dq, F3: ps->dq truncating. */
static void cvt_5b(SseArgs *a)
{
    Xmm r;
    for (int i = 0; i < 4; i++)
        r.d[i] = a->in->prefix == 0
                     ? (uint32_t)cvt_from_int(SF_F32, (int32_t)a->s.d[i], &a->st)
                     : (uint32_t)cvt_to_int(SF_F32, a->s.d[i], 32, a->in->prefix == 0xf3, &a->st);
    a->d = r;
}

/* 0F E6: 66 pd->dq truncating, F3 dq->pd, F2 pd->dq. */
static void cvt_e6(SseArgs *a)
{
    Xmm r = { .q = { 0, 0 } };
    if (a->in->prefix == 0xf3) {
        r.q[0] = cvt_from_int(SF_F64, (int32_t)a->s.d[0], &a->st);
        r.q[1] = cvt_from_int(SF_F64, (int32_t)a->s.d[1], &a->st);
    } else {
        for (int i = 0; i < 2; i++)
            r.d[i] = (uint32_t)cvt_to_int(SF_F64, a->s.q[i], 32, a->in->prefix == 0x66, &a->st);
    }
    a->d = r;
}

/* 0F 2A: CVTPI2PS, CVTPI2PD (MMX or m64 source), CVTSI2SS, CVTSI2SD. */
static void cvt_pi2p(SseArgs *a)
{
    Xmm r = a->d;
    if (a->in->prefix == 0) {
        r.d[0] = (uint32_t)cvt_from_int(SF_F32, (int32_t)a->s.d[0], &a->st);
        r.d[1] = (uint32_t)cvt_from_int(SF_F32, (int32_t)a->s.d[1], &a->st);
    } else {
        r.q[0] = cvt_from_int(SF_F64, (int32_t)a->s.d[0], &a->st);
        r.q[1] = cvt_from_int(SF_F64, (int32_t)a->s.d[1], &a->st);
    }
    a->d = r;
}

static void cvt_si2s(SseArgs *a)
{
    int64_t v = a->msize == 8 ? (int64_t)a->g : (int32_t)a->g;
    if (a->in->prefix == 0xf3)
        a->d.d[0] = (uint32_t)cvt_from_int(SF_F32, v, &a->st);
    else
        a->d.q[0] = cvt_from_int(SF_F64, v, &a->st);
}

/* 0F 2C/2D with 0/66: packed to MMX int32 pair; F3/F2: scalar to GPR. */
static void cvt_p2pi(SseArgs *a, bool trunc)
{
    int fmt = a->in->prefix == 0 ? SF_F32 : SF_F64;
    Xmm r = a->d;
    for (int i = 0; i < 2; i++)
        r.d[i] = (uint32_t)cvt_to_int(fmt, lane(&a->s, fmt, i), 32, trunc, &a->st);
    a->d = r;
}

static void cvtt_p2pi(SseArgs *a) { cvt_p2pi(a, true); }
static void cvtr_p2pi(SseArgs *a) { cvt_p2pi(a, false); }

static void cvt_s2si(SseArgs *a, bool trunc)
{
    int fmt = a->in->prefix == 0xf3 ? SF_F32 : SF_F64;
    a->g = cvt_to_int(fmt, lane(&a->s, fmt, 0), a->in->rex_w ? 64 : 32, trunc, &a->st);
}

static void cvtt_s2si(SseArgs *a) { cvt_s2si(a, true); }
static void cvtr_s2si(SseArgs *a) { cvt_s2si(a, false); }

/* ---- reciprocal estimates ----
 * RCPPS/RSQRTPS return an approximation with relative error at most
 * 1.5 * 2^-12 (SDM).  Intel's lookup tables are not published: we return
 * the exact result rounded to 12 significant bits, which meets the bound
 * but is not bit-identical with any particular processor.  Denormal inputs
 * read as zero and tiny results flush to zero, as documented; no flags. */
static uint32_t estimate(uint32_t x, bool rsqrt)
{
    FloatStatus st = { .round = SF_RN, .daz = true, .ftz = true };
    FUnp u = sf_unpack(SF_F32, x, true, &st);
    FUnp one = sf_from_int(1), r;
    if (u.cls == FC_ZERO)
        return (x & 0x80000000u) | 0x7f800000u;
    if (sf_is_nan(&u))
        return x | 0x00400000u;
    if (rsqrt && u.sign)
        return 0xffc00000u;
    r = rsqrt ? sf_div(one, sf_sqrt(u, &st), &st) : sf_div(one, u, &st);
    uint32_t v = (uint32_t)sf_pack(SF_F32, r, &st);
    if ((v & 0x7f800000u) && (v & 0x7f800000u) != 0x7f800000u)
        v = (v + 0x400) & ~0x7ffu;
    return v;
}

static void rcp_rsqrt(SseArgs *a, bool rsqrt)
{
    Xmm r = a->d;
    int n = a->in->prefix == 0xf3 ? 1 : 4;
    for (int i = 0; i < n; i++)
        r.d[i] = estimate(a->s.d[i], rsqrt);
    a->d = r;
}

static void rsqrt(SseArgs *a) { rcp_rsqrt(a, true); }
static void rcp(SseArgs *a) { rcp_rsqrt(a, false); }

/* ---- logic and horizontal ---- */

static void andp(SseArgs *a) { a->d.q[0] &= a->s.q[0]; a->d.q[1] &= a->s.q[1]; }
static void andnp(SseArgs *a)
{
    a->d.q[0] = ~a->d.q[0] & a->s.q[0];
    a->d.q[1] = ~a->d.q[1] & a->s.q[1];
}
static void orp(SseArgs *a) { a->d.q[0] |= a->s.q[0]; a->d.q[1] |= a->s.q[1]; }
static void xorp(SseArgs *a) { a->d.q[0] ^= a->s.q[0]; a->d.q[1] ^= a->s.q[1]; }

/* 66 = pd, F2 = ps for ADDSUB/HADD/HSUB. */
static void addsub(SseArgs *a)
{
    int fmt = a->in->prefix == 0x66 ? SF_F64 : SF_F32;
    Xmm r;
    for (int i = 0; i < lanes(fmt, false); i++)
        set_lane(&r, fmt, i, sf_arith(fmt, (i & 1) ? SF_OP_ADD : SF_OP_SUB,
                                      lane(&a->d, fmt, i), lane(&a->s, fmt, i), &a->st));
    a->d = r;
}

static void hop(SseArgs *a, int op)
{
    int fmt = a->in->prefix == 0x66 ? SF_F64 : SF_F32, n = lanes(fmt, false) / 2;
    Xmm r;
    for (int half = 0; half < 2; half++) {
        const Xmm *v = half ? &a->s : &a->d;
        for (int i = 0; i < n; i++)
            set_lane(&r, fmt, half * n + i,
                     sf_arith(fmt, op, lane(v, fmt, 2 * i), lane(v, fmt, 2 * i + 1), &a->st));
    }
    a->d = r;
}

static void hadd(SseArgs *a) { hop(a, SF_OP_ADD); }
static void hsub(SseArgs *a) { hop(a, SF_OP_SUB); }

#define FP4(opc, fn) \
    { 1, opc, 0, K_XX, OPF_FP, 16, fn }, { 1, opc, 0x66, K_XX, OPF_FP, 16, fn }, \
    { 1, opc, 0xf3, K_XX, OPF_FP, 4, fn }, { 1, opc, 0xf2, K_XX, OPF_FP, 8, fn }
#define LOGIC(opc, fn) { 1, opc, 0, K_XX, 0, 16, fn }, { 1, opc, 0x66, K_XX, 0, 16, fn }

static const SseOp ops[] = {
    { 1, 0x2a, 0, K_XX, OPF_FP | OPF_SRC_MMX, 8, cvt_pi2p },
    { 1, 0x2a, 0x66, K_XX, OPF_FP | OPF_SRC_MMX, 8, cvt_pi2p },
    { 1, 0x2a, 0xf3, K_XG, OPF_FP | OPF_W, 4, cvt_si2s },
    { 1, 0x2a, 0xf2, K_XG, OPF_FP | OPF_W, 4, cvt_si2s },
    { 1, 0x2c, 0, K_XX, OPF_FP | OPF_DST_MMX, 8, cvtt_p2pi },
    { 1, 0x2c, 0x66, K_XX, OPF_FP | OPF_DST_MMX, 16, cvtt_p2pi },
    { 1, 0x2c, 0xf3, K_GX, OPF_FP | OPF_GW, 4, cvtt_s2si },
    { 1, 0x2c, 0xf2, K_GX, OPF_FP | OPF_GW, 8, cvtt_s2si },
    { 1, 0x2d, 0, K_XX, OPF_FP | OPF_DST_MMX, 8, cvtr_p2pi },
    { 1, 0x2d, 0x66, K_XX, OPF_FP | OPF_DST_MMX, 16, cvtr_p2pi },
    { 1, 0x2d, 0xf3, K_GX, OPF_FP | OPF_GW, 4, cvtr_s2si },
    { 1, 0x2d, 0xf2, K_GX, OPF_FP | OPF_GW, 8, cvtr_s2si },
    { 1, 0x2e, 0, K_XX, OPF_FP | OPF_NOWB, 4, ucomis },
    { 1, 0x2e, 0x66, K_XX, OPF_FP | OPF_NOWB, 8, ucomis },
    { 1, 0x2f, 0, K_XX, OPF_FP | OPF_NOWB, 4, comis },
    { 1, 0x2f, 0x66, K_XX, OPF_FP | OPF_NOWB, 8, comis },
    { 1, 0x51, 0, K_XX, OPF_FP, 16, fsqrt }, { 1, 0x51, 0x66, K_XX, OPF_FP, 16, fsqrt },
    { 1, 0x51, 0xf3, K_XX, OPF_FP, 4, fsqrt }, { 1, 0x51, 0xf2, K_XX, OPF_FP, 8, fsqrt },
    { 1, 0x52, 0, K_XX, 0, 16, rsqrt }, { 1, 0x52, 0xf3, K_XX, 0, 4, rsqrt },
    { 1, 0x53, 0, K_XX, 0, 16, rcp }, { 1, 0x53, 0xf3, K_XX, 0, 4, rcp },
    LOGIC(0x54, andp), LOGIC(0x55, andnp), LOGIC(0x56, orp), LOGIC(0x57, xorp),
    FP4(0x58, fadd), FP4(0x59, fmul),
    { 1, 0x5a, 0, K_XX, OPF_FP, 8, cvt_5a }, { 1, 0x5a, 0x66, K_XX, OPF_FP, 16, cvt_5a },
    { 1, 0x5a, 0xf3, K_XX, OPF_FP, 4, cvt_5a }, { 1, 0x5a, 0xf2, K_XX, OPF_FP, 8, cvt_5a },
    { 1, 0x5b, 0, K_XX, OPF_FP, 16, cvt_5b }, { 1, 0x5b, 0x66, K_XX, OPF_FP, 16, cvt_5b },
    { 1, 0x5b, 0xf3, K_XX, OPF_FP, 16, cvt_5b },
    FP4(0x5c, fsub), FP4(0x5d, min_op), FP4(0x5e, fdiv), FP4(0x5f, max_op),
    { 1, 0x7c, 0x66, K_XX, OPF_FP, 16, hadd }, { 1, 0x7c, 0xf2, K_XX, OPF_FP, 16, hadd },
    { 1, 0x7d, 0x66, K_XX, OPF_FP, 16, hsub }, { 1, 0x7d, 0xf2, K_XX, OPF_FP, 16, hsub },
    { 1, 0xc2, 0, K_XX, OPF_FP | OPF_IMM8, 16, cmp },
    { 1, 0xc2, 0x66, K_XX, OPF_FP | OPF_IMM8, 16, cmp },
    { 1, 0xc2, 0xf3, K_XX, OPF_FP | OPF_IMM8, 4, cmp },
    { 1, 0xc2, 0xf2, K_XX, OPF_FP | OPF_IMM8, 8, cmp },
    { 1, 0xd0, 0x66, K_XX, OPF_FP, 16, addsub }, { 1, 0xd0, 0xf2, K_XX, OPF_FP, 16, addsub },
    { 1, 0xe6, 0x66, K_XX, OPF_FP, 16, cvt_e6 }, { 1, 0xe6, 0xf3, K_XX, OPF_FP, 8, cvt_e6 },
    { 1, 0xe6, 0xf2, K_XX, OPF_FP, 16, cvt_e6 },
};

const SseTable sse_fp_table = { ops, sizeof(ops) / sizeof(ops[0]) };
