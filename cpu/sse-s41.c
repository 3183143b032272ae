/* SSE4.1 (and PCMPGTQ of SSE4.2): blends, PTEST, PMOVSX/ZX, min/max,
 * PMULLD/PMULDQ, PACKUSDW, PHMINPOSUW, ROUND*, DPPS/DPPD, INSERTPS,
 * EXTRACTPS, PINSRB/D/Q, PEXTRB/W/D/Q, MPSADBW, MOVNTDQA. */
#include "cpu/cpuid.h"
#include "cpu/sse.h"

#include <string.h>

#define EW(name, F, T, expr)                                            \
    static void name(SseArgs *a)                                        \
    {                                                                   \
        for (int i = 0; i < 16 / (int)sizeof(a->d.F[0]); i++) {         \
            T x = (T)a->d.F[i], y = (T)a->s.F[i];                       \
            a->d.F[i] = (expr);                                         \
        }                                                               \
    }

EW(pminsb, b, int8_t, (uint8_t)(x < y ? x : y))
EW(pmaxsb, b, int8_t, (uint8_t)(x > y ? x : y))
EW(pminuw, w, uint16_t, x < y ? x : y)
EW(pmaxuw, w, uint16_t, x > y ? x : y)
EW(pminsd, d, int32_t, (uint32_t)(x < y ? x : y))
EW(pmaxsd, d, int32_t, (uint32_t)(x > y ? x : y))
EW(pminud, d, uint32_t, x < y ? x : y)
EW(pmaxud, d, uint32_t, x > y ? x : y)
EW(pmulld, d, uint32_t, x * y)
EW(pcmpeqq, q, uint64_t, x == y ? ~0ULL : 0)
EW(pcmpgtq, q, int64_t, x > y ? ~0ULL : 0)
EW(pmuldq, q, uint64_t, (uint64_t)((int64_t)(int32_t)x * (int32_t)y))

static void packusdw(SseArgs *a)
{
    Xmm r;
    for (int i = 0; i < 4; i++) {
        r.w[i] = sat_u16((int32_t)a->d.d[i] < 0 ? 0 : (int32_t)a->d.d[i] > 65535 ? 65535 : (int32_t)a->d.d[i]);
        r.w[4 + i] = sat_u16((int32_t)a->s.d[i] < 0 ? 0 : (int32_t)a->s.d[i] > 65535 ? 65535 : (int32_t)a->s.d[i]);
    }
    a->d = r;
}

/* PMOVSX/PMOVZX: opcode low bits select BW BD BQ WD WQ DQ. */
static void pmovx(SseArgs *a)
{
    static const uint8_t from[6] = { 1, 1, 1, 2, 2, 4 }, to[6] = { 2, 4, 8, 4, 8, 8 };
    int k = a->in->opcode & 7;
    bool sign = a->in->opcode < 0x30;
    Xmm r;
    for (int i = 0; i < 16 / to[k]; i++) {
        uint64_t v = 0;
        memcpy(&v, a->s.b + i * from[k], from[k]);
        if (sign) {
            int sh = 64 - 8 * from[k];
            v = (uint64_t)((int64_t)(v << sh) >> sh);
        }
        memcpy(r.b + i * to[k], &v, to[k]);
    }
    a->d = r;
}

static void ptest(SseArgs *a)
{
    uint64_t *rf = &a->cpu->env.rflags;
    bool zf = !((a->d.q[0] & a->s.q[0]) | (a->d.q[1] & a->s.q[1]));
    bool cf = !((~a->d.q[0] & a->s.q[0]) | (~a->d.q[1] & a->s.q[1]));
    *rf &= ~(uint64_t)(FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF);
    *rf |= (zf ? FL_ZF : 0) | (cf ? FL_CF : 0);
}

/* Variable blends: the mask is XMM0's top bit of each element. */
static void blendv(SseArgs *a, int e)
{
    const Xmm *m = &a->cpu->env.xmm[0];
    for (int i = 0; i < 16 / e; i++)
        if (m->b[i * e + e - 1] & 0x80)
            memcpy(a->d.b + i * e, a->s.b + i * e, (size_t)e);
}

static void pblendvb(SseArgs *a) { blendv(a, 1); }
static void blendvps(SseArgs *a) { blendv(a, 4); }
static void blendvpd(SseArgs *a) { blendv(a, 8); }

static void blend_imm(SseArgs *a, int e)
{
    for (int i = 0; i < 16 / e; i++)
        if ((a->imm >> i) & 1)
            memcpy(a->d.b + i * e, a->s.b + i * e, (size_t)e);
}

static void blendps(SseArgs *a) { blend_imm(a, 4); }
static void blendpd(SseArgs *a) { blend_imm(a, 8); }
static void pblendw(SseArgs *a) { blend_imm(a, 2); }

static void phminposuw(SseArgs *a)
{
    int idx = 0;
    for (int i = 1; i < 8; i++)
        if (a->s.w[i] < a->s.w[idx])
            idx = i;
    a->d = (Xmm){ .w = { a->s.w[idx], (uint16_t)idx } };
}

/* ROUNDPS/PD/SS/SD: imm[1:0] mode unless imm[2] (MXCSR.RC); imm[3]
 * suppresses the precision exception.  Only SNaN raises IE; no DE. */
static void round_op(SseArgs *a)
{
    int fmt = (a->in->opcode & 1) ? SF_F64 : SF_F32;
    bool scalar = a->in->opcode >= 0x0a;
    int n = scalar ? 1 : (fmt == SF_F32 ? 4 : 2);
    int rm = (a->imm & 4) ? a->st.round : (a->imm & 3);
    Xmm r = a->d;
    for (int i = 0; i < n; i++) {
        FloatStatus t = a->st;
        t.flags = 0;
        uint64_t v = fmt == SF_F32 ? a->s.d[i] : a->s.q[i];
        FUnp u = sf_round_int(sf_unpack(fmt, v, true, &t), rm, &t);
        t.flags &= ~SF_DE;
        if (a->imm & 8)
            t.flags &= ~SF_PE;
        uint64_t out = sf_pack(fmt, u, &t);
        a->st.flags |= t.flags;
        if (fmt == SF_F32)
            r.d[i] = (uint32_t)out;
        else
            r.q[i] = out;
    }
    a->d = r;
}

/* DPPS/DPPD: the selected products rounded, then summed with a rounding
 * at each add.  Which NaN a lane ends with when several products are NaN
 * (x86 adds return their first NaN operand) follows the vendor:
 *  - AMD sums as the SDM/APM pseudocode reads, (P0 + P1) + (P2 + P3), one
 *    sum broadcast to the selected lanes;
 *  - Intel's parts sum each lane with a swizzled copy of the products, so
 *    each lane starts from its own product pair: lane 0 (P1 + P0) +
 *    (P3 + P2), lane 1 (P0 + P1) + (P2 + P3), lane 2 (P3 + P2) + (P1 + P0),
 *    lane 3 (P2 + P3) + (P0 + P1) (DPPD: lane 0 P0 + P1, lane 1 P1 + P0);
 *    the final adds are made for the selected lanes only, so with no lane
 *    selected they raise no exception.
 * Results differ only in which NaN a lane carries, MXCSR flags only when
 * no lane is selected. */
static uint64_t dp_add(int fmt, uint64_t a, uint64_t b, FloatStatus *st)
{
    return sf_arith(fmt, SF_OP_ADD, a, b, st);
}

static void dpps(SseArgs *a)
{
    uint64_t p[4];
    for (int i = 0; i < 4; i++)
        p[i] = ((a->imm >> (4 + i)) & 1) ? sf_arith(SF_F32, SF_OP_MUL, a->d.d[i], a->s.d[i], &a->st)
                                         : 0;
    if (!cpu_is_intel(a->cpu)) {
        uint64_t t1 = dp_add(SF_F32, p[0], p[1], &a->st), t2 = dp_add(SF_F32, p[2], p[3], &a->st);
        uint32_t sum = (uint32_t)dp_add(SF_F32, t1, t2, &a->st);
        for (int i = 0; i < 4; i++)
            a->d.d[i] = ((a->imm >> i) & 1) ? sum : 0;
        return;
    }
    uint64_t h[4];
    for (int i = 0; i < 4; i++)               /* pairs swapped: [P1, P0, P3, P2] first */
        h[i] = dp_add(SF_F32, p[i ^ 1], p[i], &a->st);
    for (int i = 0; i < 4; i++)               /* halves swapped as second operand */
        a->d.d[i] = ((a->imm >> i) & 1) ? (uint32_t)dp_add(SF_F32, h[i], h[i ^ 2], &a->st) : 0;
}

static void dppd(SseArgs *a)
{
    uint64_t p[2];
    for (int i = 0; i < 2; i++)
        p[i] = ((a->imm >> (4 + i)) & 1) ? sf_arith(SF_F64, SF_OP_MUL, a->d.q[i], a->s.q[i], &a->st)
                                         : 0;
    bool intel = cpu_is_intel(a->cpu);
    uint64_t sum = intel ? 0 : dp_add(SF_F64, p[0], p[1], &a->st);
    for (int i = 0; i < 2; i++) {
        bool sel = (a->imm >> i) & 1;
        if (intel)
            a->d.q[i] = sel ? dp_add(SF_F64, p[i], p[i ^ 1], &a->st) : 0;
        else
            a->d.q[i] = sel ? sum : 0;
    }
}

static void insertps(SseArgs *a)
{
    uint32_t v = a->in->has_mem ? a->s.d[0] : a->s.d[(a->imm >> 6) & 3];
    a->d.d[(a->imm >> 4) & 3] = v;
    for (int i = 0; i < 4; i++)
        if ((a->imm >> i) & 1)
            a->d.d[i] = 0;
}

static void extract(SseArgs *a)
{
    switch (a->in->opcode) {
    case 0x14: a->g = a->s.b[a->imm & 15]; break;
    case 0x15: a->g = a->s.w[a->imm & 7]; break;
    case 0x16: a->g = a->msize == 8 ? a->s.q[a->imm & 1] : a->s.d[a->imm & 3]; break;
    default: a->g = a->s.d[a->imm & 3]; break;      /* EXTRACTPS */
    }
}

static void pinsr(SseArgs *a)
{
    switch (a->in->opcode) {
    case 0x20: a->d.b[a->imm & 15] = (uint8_t)a->g; break;
    default:
        if (a->msize == 8)
            a->d.q[a->imm & 1] = a->g;
        else
            a->d.d[a->imm & 3] = (uint32_t)a->g;
        break;
    }
}

static void mpsadbw(SseArgs *a)
{
    int doff = (a->imm & 4) ? 4 : 0, soff = (a->imm & 3) * 4;
    Xmm r;
    for (int i = 0; i < 8; i++) {
        unsigned sum = 0;
        for (int j = 0; j < 4; j++) {
            int v = a->d.b[doff + i + j] - a->s.b[soff + j];
            sum += (unsigned)(v < 0 ? -v : v);
        }
        r.w[i] = (uint16_t)sum;
    }
    a->d = r;
}

static void movntdqa(SseArgs *a)
{
    a->d = a->s;
}

#define S41(opc, fn) { 2, opc, 0x66, K_XX, 0, 16, fn }
#define PMOVX(opc, size) { 2, opc, 0x66, K_XX, 0, size, pmovx }

static const SseOp ops[] = {
    S41(0x10, pblendvb), S41(0x14, blendvps), S41(0x15, blendvpd),
    { 2, 0x17, 0x66, K_XX, OPF_NOWB, 16, ptest },
    PMOVX(0x20, 8), PMOVX(0x21, 4), PMOVX(0x22, 2), PMOVX(0x23, 8), PMOVX(0x24, 4), PMOVX(0x25, 8),
    S41(0x28, pmuldq), S41(0x29, pcmpeqq),
    { 2, 0x2a, 0x66, K_XX, OPF_MEMONLY, 16, movntdqa },
    S41(0x2b, packusdw),
    PMOVX(0x30, 8), PMOVX(0x31, 4), PMOVX(0x32, 2), PMOVX(0x33, 8), PMOVX(0x34, 4), PMOVX(0x35, 8),
    S41(0x37, pcmpgtq), S41(0x38, pminsb), S41(0x39, pminsd), S41(0x3a, pminuw),
    S41(0x3b, pminud), S41(0x3c, pmaxsb), S41(0x3d, pmaxsd), S41(0x3e, pmaxuw),
    S41(0x3f, pmaxud), S41(0x40, pmulld), S41(0x41, phminposuw),
    { 3, 0x08, 0x66, K_XX, OPF_FP | OPF_IMM8, 16, round_op },
    { 3, 0x09, 0x66, K_XX, OPF_FP | OPF_IMM8, 16, round_op },
    { 3, 0x0a, 0x66, K_XX, OPF_FP | OPF_IMM8, 4, round_op },
    { 3, 0x0b, 0x66, K_XX, OPF_FP | OPF_IMM8, 8, round_op },
    { 3, 0x0c, 0x66, K_XX, OPF_IMM8, 16, blendps },
    { 3, 0x0d, 0x66, K_XX, OPF_IMM8, 16, blendpd },
    { 3, 0x0e, 0x66, K_XX, OPF_IMM8, 16, pblendw },
    { 3, 0x14, 0x66, K_GXS, OPF_IMM8, 1, extract },
    { 3, 0x15, 0x66, K_GXS, OPF_IMM8, 2, extract },
    { 3, 0x16, 0x66, K_GXS, OPF_IMM8 | OPF_W, 4, extract },
    { 3, 0x17, 0x66, K_GXS, OPF_IMM8, 4, extract },
    { 3, 0x20, 0x66, K_XG, OPF_IMM8, 1, pinsr },
    { 3, 0x21, 0x66, K_XX, OPF_IMM8, 4, insertps },
    { 3, 0x22, 0x66, K_XG, OPF_IMM8 | OPF_W, 4, pinsr },
    { 3, 0x40, 0x66, K_XX, OPF_FP | OPF_IMM8, 16, dpps },
    { 3, 0x41, 0x66, K_XX, OPF_FP | OPF_IMM8, 16, dppd },
    { 3, 0x42, 0x66, K_XX, OPF_IMM8, 16, mpsadbw },
};

const SseTable sse_s41_table = { ops, sizeof(ops) / sizeof(ops[0]) };
