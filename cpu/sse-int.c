/* MMX/SSE2/SSSE3 integer instructions: 0F 60-7F and D0-FF (no prefix:
 * MMX registers; 66: XMM registers) and 0F 38 00-1E, 0F 3A 0F. */
#include "cpu/sse.h"

#include <string.h>

/* Element-wise binary operation over the vector width. */
#define EW(name, F, T, expr)                                            \
    static void name(SseArgs *a)                                        \
    {                                                                   \
        int n = a->w / (int)sizeof(a->d.F[0]);                          \
        for (int i = 0; i < n; i++) {                                   \
            T x = (T)a->d.F[i], y = (T)a->s.F[i];                       \
            (void)x;                                                    \
            a->d.F[i] = (expr);                                         \
        }                                                               \
    }

EW(paddb, b, uint8_t, (uint8_t)(x + y))
EW(paddw, w, uint16_t, (uint16_t)(x + y))
EW(paddd, d, uint32_t, x + y)
EW(paddq, q, uint64_t, x + y)
EW(psubb, b, uint8_t, (uint8_t)(x - y))
EW(psubw, w, uint16_t, (uint16_t)(x - y))
EW(psubd, d, uint32_t, x - y)
EW(psubq, q, uint64_t, x - y)
EW(paddsb, b, int8_t, (uint8_t)sat_s8(x + y))
EW(paddsw, w, int16_t, (uint16_t)sat_s16(x + y))
EW(paddusb, b, uint8_t, sat_u8(x + y))
EW(paddusw, w, uint16_t, sat_u16(x + y))
EW(psubsb, b, int8_t, (uint8_t)sat_s8(x - y))
EW(psubsw, w, int16_t, (uint16_t)sat_s16(x - y))
EW(psubusb, b, uint8_t, sat_u8(x - y))
EW(psubusw, w, uint16_t, sat_u16(x - y))
EW(pcmpeqb, b, uint8_t, x == y ? 0xff : 0)
EW(pcmpeqw, w, uint16_t, x == y ? 0xffff : 0)
EW(pcmpeqd, d, uint32_t, x == y ? 0xffffffffu : 0)
EW(pcmpgtb, b, int8_t, x > y ? 0xff : 0)
EW(pcmpgtw, w, int16_t, x > y ? 0xffff : 0)
EW(pcmpgtd, d, int32_t, x > y ? 0xffffffffu : 0)
EW(pmullw, w, int16_t, (uint16_t)(x * y))
EW(pmulhw, w, int16_t, (uint16_t)((x * y) >> 16))
EW(pmulhuw, w, uint32_t, (uint16_t)((x * y) >> 16))
EW(pand, q, uint64_t, x & y)
EW(pandn, q, uint64_t, ~x & y)
EW(por, q, uint64_t, x | y)
EW(pxor, q, uint64_t, x ^ y)
EW(pavgb, b, unsigned, (uint8_t)((x + y + 1) >> 1))
EW(pavgw, w, unsigned, (uint16_t)((x + y + 1) >> 1))
EW(pminub, b, uint8_t, x < y ? x : y)
EW(pmaxub, b, uint8_t, x > y ? x : y)
EW(pminsw, w, int16_t, (uint16_t)(x < y ? x : y))
EW(pmaxsw, w, int16_t, (uint16_t)(x > y ? x : y))
EW(pmuludq, q, uint64_t, (x & 0xffffffffu) * (y & 0xffffffffu))
EW(psignb, b, int8_t, (uint8_t)(y < 0 ? -x : y == 0 ? 0 : x))
EW(psignw, w, int16_t, (uint16_t)(y < 0 ? -x : y == 0 ? 0 : x))
EW(psignd, d, int32_t, (uint32_t)(y < 0 ? -(int64_t)x : y == 0 ? 0 : x))
EW(pabsb, b, int8_t, (uint8_t)(y < 0 ? -y : y))
EW(pabsw, w, int16_t, (uint16_t)(y < 0 ? -y : y))
EW(pabsd, d, int32_t, (uint32_t)(y < 0 ? -(int64_t)y : y))
EW(pmulhrsw, w, int16_t, (uint16_t)((((int32_t)x * y >> 14) + 1) >> 1))

static void pmaddwd(SseArgs *a)
{
    Xmm r;
    for (int i = 0; i < a->w / 4; i++) {
        int32_t s = (int16_t)a->d.w[2 * i] * (int16_t)a->s.w[2 * i];
        /* Only 0x8000 * 0x8000 twice overflows: it wraps to 0x80000000. */
        r.d[i] = (uint32_t)s + (uint32_t)((int16_t)a->d.w[2 * i + 1] * (int16_t)a->s.w[2 * i + 1]);
    }
    memcpy(a->d.b, r.b, (size_t)a->w);
}

static void pmaddubsw(SseArgs *a)
{
    for (int i = 0; i < a->w / 2; i++) {
        int v = a->d.b[2 * i] * (int8_t)a->s.b[2 * i] +
                a->d.b[2 * i + 1] * (int8_t)a->s.b[2 * i + 1];
        a->d.w[i] = (uint16_t)sat_s16(v);
    }
}

static void psadbw(SseArgs *a)
{
    for (int q = 0; q < a->w / 8; q++) {
        unsigned sum = 0;
        for (int i = 0; i < 8; i++) {
            int v = a->d.b[8 * q + i] - a->s.b[8 * q + i];
            sum += (unsigned)(v < 0 ? -v : v);
        }
        a->d.q[q] = sum;
    }
}

/* ---- packs and unpacks ---- */

static void packsswb(SseArgs *a)
{
    Xmm r;
    int n = a->w / 2;
    for (int i = 0; i < n; i++) {
        r.b[i] = (uint8_t)sat_s8((int16_t)a->d.w[i]);
        r.b[n + i] = (uint8_t)sat_s8((int16_t)a->s.w[i]);
    }
    a->d = r;
}

static void packuswb(SseArgs *a)
{
    Xmm r;
    int n = a->w / 2;
    for (int i = 0; i < n; i++) {
        r.b[i] = sat_u8((int16_t)a->d.w[i]);
        r.b[n + i] = sat_u8((int16_t)a->s.w[i]);
    }
    a->d = r;
}

static void packssdw(SseArgs *a)
{
    Xmm r;
    int n = a->w / 4;
    for (int i = 0; i < n; i++) {
        r.w[i] = (uint16_t)sat_s16((int32_t)a->d.d[i]);
        r.w[n + i] = (uint16_t)sat_s16((int32_t)a->s.d[i]);
    }
    a->d = r;
}

/* Interleave elements of size e from the low (hi=0) or high half. */
static void unpack(SseArgs *a, int e, bool hi)
{
    Xmm r;
    int n = a->w / e / 2, base = hi ? n : 0;
    for (int i = 0; i < n; i++) {
        memcpy(r.b + 2 * i * e, a->d.b + (base + i) * e, (size_t)e);
        memcpy(r.b + (2 * i + 1) * e, a->s.b + (base + i) * e, (size_t)e);
    }
    memcpy(a->d.b, r.b, (size_t)a->w);
}

static void punpcklbw(SseArgs *a) { unpack(a, 1, false); }
static void punpcklwd(SseArgs *a) { unpack(a, 2, false); }
static void punpckldq(SseArgs *a) { unpack(a, 4, false); }
static void punpcklqdq(SseArgs *a) { unpack(a, 8, false); }
static void punpckhbw(SseArgs *a) { unpack(a, 1, true); }
static void punpckhwd(SseArgs *a) { unpack(a, 2, true); }
static void punpckhdq(SseArgs *a) { unpack(a, 4, true); }
static void punpckhqdq(SseArgs *a) { unpack(a, 8, true); }

/* ---- shifts ---- */

static void shift(Xmm *v, int w, int e, int kind, uint64_t count)
{
    int bits = e * 8;
    for (int i = 0; i < w / e; i++) {
        uint64_t x = 0;
        memcpy(&x, v->b + i * e, (size_t)e);
        if (kind == 2) {            /* arithmetic right */
            int64_t sx = (int64_t)(x << (64 - bits)) >> (64 - bits);
            x = (uint64_t)(sx >> (count >= (uint64_t)bits ? bits - 1 : (int)count));
        } else if (count >= (uint64_t)bits) {
            x = 0;
        } else {
            x = kind == 0 ? x >> count : x << count;
        }
        memcpy(v->b + i * e, &x, (size_t)e);
    }
}

static void psrlw(SseArgs *a) { shift(&a->d, a->w, 2, 0, a->s.q[0]); }
static void psrld(SseArgs *a) { shift(&a->d, a->w, 4, 0, a->s.q[0]); }
static void psrlq(SseArgs *a) { shift(&a->d, a->w, 8, 0, a->s.q[0]); }
static void psraw(SseArgs *a) { shift(&a->d, a->w, 2, 2, a->s.q[0]); }
static void psrad(SseArgs *a) { shift(&a->d, a->w, 4, 2, a->s.q[0]); }
static void psllw(SseArgs *a) { shift(&a->d, a->w, 2, 1, a->s.q[0]); }
static void pslld(SseArgs *a) { shift(&a->d, a->w, 4, 1, a->s.q[0]); }
static void psllq(SseArgs *a) { shift(&a->d, a->w, 8, 1, a->s.q[0]); }

static void byte_shift(SseArgs *a, bool left)
{
    Xmm r = { .q = { 0, 0 } };
    int n = a->imm > 16 ? 16 : a->imm;
    for (int i = 0; i < 16; i++) {
        int src = left ? i - n : i + n;
        if (src >= 0 && src < 16)
            r.b[i] = a->d.b[src];
    }
    a->d = r;
}

/* 0F 71/72/73: the register operand is ModRM.rm, ModRM.reg selects the
 * operation, the count is imm8. */
static void shift_imm(SseArgs *a, int e)
{
    int op = (a->in->modrm >> 3) & 7;
    bool xmm = a->w == 16;
    if (e == 8 && xmm && (op == 3 || op == 7)) {
        byte_shift(a, op == 7);
        return;
    }
    if (op == 2 || (op == 4 && e != 8) || op == 6) {
        shift(&a->d, a->w, e, op == 2 ? 0 : op == 4 ? 2 : 1, a->imm);
        return;
    }
    fpu_fault(a->cpu, EXC_UD);
}

static void grp71(SseArgs *a) { shift_imm(a, 2); }
static void grp72(SseArgs *a) { shift_imm(a, 4); }
static void grp73(SseArgs *a) { shift_imm(a, 8); }

/* ---- shuffles ---- */

static void pshufw(SseArgs *a)
{
    Xmm r = a->s;
    for (int i = 0; i < 4; i++)
        r.w[i] = a->s.w[(a->imm >> (2 * i)) & 3];
    a->d = r;
}

static void pshufd(SseArgs *a)
{
    Xmm r;
    for (int i = 0; i < 4; i++)
        r.d[i] = a->s.d[(a->imm >> (2 * i)) & 3];
    a->d = r;
}

static void pshufhw(SseArgs *a)
{
    Xmm r = a->s;
    for (int i = 0; i < 4; i++)
        r.w[4 + i] = a->s.w[4 + ((a->imm >> (2 * i)) & 3)];
    a->d = r;
}

static void pshuflw(SseArgs *a)
{
    Xmm r = a->s;
    for (int i = 0; i < 4; i++)
        r.w[i] = a->s.w[(a->imm >> (2 * i)) & 3];
    a->d = r;
}

static void pshufb(SseArgs *a)
{
    Xmm r;
    int mask = a->w - 1;
    for (int i = 0; i < a->w; i++)
        r.b[i] = (a->s.b[i] & 0x80) ? 0 : a->d.b[a->s.b[i] & mask];
    memcpy(a->d.b, r.b, (size_t)a->w);
}

static void palignr(SseArgs *a)
{
    /* Concatenate dst:src (dst high), shift right by imm bytes. */
    uint8_t cat[32] = { 0 };
    Xmm r;
    memcpy(cat, a->s.b, (size_t)a->w);
    memcpy(cat + a->w, a->d.b, (size_t)a->w);
    for (int i = 0; i < a->w; i++) {
        int k = i + a->imm;
        r.b[i] = k < 2 * a->w ? cat[k] : 0;
    }
    memcpy(a->d.b, r.b, (size_t)a->w);
}

/* Horizontal add/sub of adjacent pairs: dst pairs first, then src. */
static void horiz(SseArgs *a, int e, bool sub, bool sat)
{
    Xmm r;
    int n = a->w / e / 2;
    for (int half = 0; half < 2; half++) {
        const Xmm *v = half ? &a->s : &a->d;
        for (int i = 0; i < n; i++) {
            if (e == 2) {
                int x = (int16_t)v->w[2 * i], y = (int16_t)v->w[2 * i + 1];
                int res = sub ? x - y : x + y;
                r.w[half * n + i] = sat ? (uint16_t)sat_s16(res) : (uint16_t)res;
            } else {
                uint32_t x = v->d[2 * i], y = v->d[2 * i + 1];
                r.d[half * n + i] = sub ? x - y : x + y;
            }
        }
    }
    memcpy(a->d.b, r.b, (size_t)a->w);
}

static void phaddw(SseArgs *a) { horiz(a, 2, false, false); }
static void phaddd(SseArgs *a) { horiz(a, 4, false, false); }
static void phaddsw(SseArgs *a) { horiz(a, 2, false, true); }
static void phsubw(SseArgs *a) { horiz(a, 2, true, false); }
static void phsubd(SseArgs *a) { horiz(a, 4, true, false); }
static void phsubsw(SseArgs *a) { horiz(a, 2, true, true); }

/* ---- moves between registers, memory and GPRs ---- */

static void movd_to_vec(SseArgs *a)
{
    a->d = (Xmm){ .q = { a->g, 0 } };
}

static void movd_from_vec(SseArgs *a)
{
    a->g = a->msize == 8 ? a->s.q[0] : a->s.d[0];
}

static void mov_full(SseArgs *a)
{
    a->d = a->s;
}

static void pmovmskb(SseArgs *a)
{
    uint64_t m = 0;
    for (int i = 0; i < a->w; i++)
        m |= (uint64_t)(a->s.b[i] >> 7) << i;
    a->g = m;
}

static void pinsrw(SseArgs *a)
{
    a->d.w[a->imm & (a->w / 2 - 1)] = (uint16_t)a->g;
}

static void pextrw(SseArgs *a)
{
    a->g = a->s.w[a->imm & (a->w / 2 - 1)];
}

static void movq_lo(SseArgs *a)
{
    a->d = (Xmm){ .q = { a->s.q[0], 0 } };
}

static void movq_mmx(SseArgs *a)
{
    a->d.q[0] = a->s.q[0];
}

/* MASKMOVQ/MASKMOVDQU: byte stores to DS:rDI (segment override and
 * address size applied: the engine passes the linear address as in->la)
 * where the mask byte's top bit is set.  The whole width is probed first
 * (SDM: with an all-zero mask, faults are implementation-specific). */
static void maskmov(SseArgs *a)
{
    CPUState *cpu = a->cpu;
    uint64_t la = a->in->la;
    fpu_probe_write(cpu, la, (unsigned)a->w);   /* all or nothing on a #PF */
    for (int i = 0; i < a->w; i++)
        if (a->s.b[i] & 0x80)
            fpu_st(cpu, la + (uint64_t)i, a->d.b[i], 1);
    a->nowb = true;
}

#define MX(opc, fn) { 1, opc, 0, K_XX, OPF_MMX, 8, fn }, { 1, opc, 0x66, K_XX, 0, 16, fn }
#define MX38(opc, fn) { 2, opc, 0, K_XX, OPF_MMX, 8, fn }, { 2, opc, 0x66, K_XX, 0, 16, fn }

static const SseOp ops[] = {
    { 1, 0x60, 0, K_XX, OPF_MMX, 4, punpcklbw }, { 1, 0x60, 0x66, K_XX, 0, 16, punpcklbw },
    { 1, 0x61, 0, K_XX, OPF_MMX, 4, punpcklwd }, { 1, 0x61, 0x66, K_XX, 0, 16, punpcklwd },
    { 1, 0x62, 0, K_XX, OPF_MMX, 4, punpckldq }, { 1, 0x62, 0x66, K_XX, 0, 16, punpckldq },
    MX(0x63, packsswb), MX(0x64, pcmpgtb), MX(0x65, pcmpgtw), MX(0x66, pcmpgtd),
    MX(0x67, packuswb), MX(0x68, punpckhbw), MX(0x69, punpckhwd), MX(0x6a, punpckhdq),
    MX(0x6b, packssdw),
    { 1, 0x6c, 0x66, K_XX, 0, 16, punpcklqdq }, { 1, 0x6d, 0x66, K_XX, 0, 16, punpckhqdq },
    { 1, 0x6e, 0, K_XG, OPF_MMX | OPF_W, 4, movd_to_vec },
    { 1, 0x6e, 0x66, K_XG, OPF_W, 4, movd_to_vec },
    { 1, 0x6f, 0, K_XX, OPF_MMX, 8, mov_full },
    { 1, 0x6f, 0x66, K_XX, 0, 16, mov_full },
    { 1, 0x6f, 0xf3, K_XX, OPF_UNALIGNED, 16, mov_full },
    { 1, 0x70, 0, K_XX, OPF_MMX | OPF_IMM8, 8, pshufw },
    { 1, 0x70, 0x66, K_XX, OPF_IMM8, 16, pshufd },
    { 1, 0x70, 0xf3, K_XX, OPF_IMM8, 16, pshufhw },
    { 1, 0x70, 0xf2, K_XX, OPF_IMM8, 16, pshuflw },
    { 1, 0x71, 0, K_ST, OPF_MMX | OPF_IMM8 | OPF_REGONLY, 8, grp71 },
    { 1, 0x71, 0x66, K_ST, OPF_IMM8 | OPF_REGONLY, 16, grp71 },
    { 1, 0x72, 0, K_ST, OPF_MMX | OPF_IMM8 | OPF_REGONLY, 8, grp72 },
    { 1, 0x72, 0x66, K_ST, OPF_IMM8 | OPF_REGONLY, 16, grp72 },
    { 1, 0x73, 0, K_ST, OPF_MMX | OPF_IMM8 | OPF_REGONLY, 8, grp73 },
    { 1, 0x73, 0x66, K_ST, OPF_IMM8 | OPF_REGONLY, 16, grp73 },
    MX(0x74, pcmpeqb), MX(0x75, pcmpeqw), MX(0x76, pcmpeqd),
    { 1, 0x7e, 0, K_GXS, OPF_MMX | OPF_W, 4, movd_from_vec },
    { 1, 0x7e, 0x66, K_GXS, OPF_W, 4, movd_from_vec },
    { 1, 0x7e, 0xf3, K_XX, 0, 8, movq_lo },
    { 1, 0x7f, 0, K_ST, OPF_MMX, 8, mov_full },
    { 1, 0x7f, 0x66, K_ST, 0, 16, mov_full },
    { 1, 0x7f, 0xf3, K_ST, OPF_UNALIGNED, 16, mov_full },
    { 1, 0xc4, 0, K_XG, OPF_MMX | OPF_IMM8, 2, pinsrw },
    { 1, 0xc4, 0x66, K_XG, OPF_IMM8, 2, pinsrw },
    { 1, 0xc5, 0, K_GX, OPF_MMX | OPF_IMM8 | OPF_REGONLY, 8, pextrw },
    { 1, 0xc5, 0x66, K_GX, OPF_IMM8 | OPF_REGONLY, 16, pextrw },
    MX(0xd1, psrlw), MX(0xd2, psrld), MX(0xd3, psrlq), MX(0xd4, paddq), MX(0xd5, pmullw),
    { 1, 0xd6, 0x66, K_ST, 0, 8, movq_lo },
    { 1, 0xd6, 0xf3, K_XX, OPF_SRC_MMX | OPF_REGONLY, 8, movq_lo },
    { 1, 0xd6, 0xf2, K_XX, OPF_DST_MMX | OPF_REGONLY, 16, movq_mmx },
    { 1, 0xd7, 0, K_GX, OPF_MMX | OPF_REGONLY, 8, pmovmskb },
    { 1, 0xd7, 0x66, K_GX, OPF_REGONLY, 16, pmovmskb },
    MX(0xd8, psubusb), MX(0xd9, psubusw), MX(0xda, pminub), MX(0xdb, pand),
    MX(0xdc, paddusb), MX(0xdd, paddusw), MX(0xde, pmaxub), MX(0xdf, pandn),
    MX(0xe0, pavgb), MX(0xe1, psraw), MX(0xe2, psrad), MX(0xe3, pavgw),
    MX(0xe4, pmulhuw), MX(0xe5, pmulhw),
    { 1, 0xe7, 0, K_ST, OPF_MMX | OPF_MEMONLY, 8, mov_full },
    { 1, 0xe7, 0x66, K_ST, OPF_MEMONLY, 16, mov_full },
    MX(0xe8, psubsb), MX(0xe9, psubsw), MX(0xea, pminsw), MX(0xeb, por),
    MX(0xec, paddsb), MX(0xed, paddsw), MX(0xee, pmaxsw), MX(0xef, pxor),
    { 1, 0xf0, 0xf2, K_XX, OPF_MEMONLY | OPF_UNALIGNED, 16, mov_full },
    MX(0xf1, psllw), MX(0xf2, pslld), MX(0xf3, psllq), MX(0xf4, pmuludq),
    MX(0xf5, pmaddwd), MX(0xf6, psadbw),
    { 1, 0xf7, 0, K_XX, OPF_MMX | OPF_REGONLY, 8, maskmov },
    { 1, 0xf7, 0x66, K_XX, OPF_REGONLY, 16, maskmov },
    MX(0xf8, psubb), MX(0xf9, psubw), MX(0xfa, psubd), MX(0xfb, psubq),
    MX(0xfc, paddb), MX(0xfd, paddw), MX(0xfe, paddd),
    /* SSSE3 */
    MX38(0x00, pshufb), MX38(0x01, phaddw), MX38(0x02, phaddd), MX38(0x03, phaddsw),
    MX38(0x04, pmaddubsw), MX38(0x05, phsubw), MX38(0x06, phsubd), MX38(0x07, phsubsw),
    MX38(0x08, psignb), MX38(0x09, psignw), MX38(0x0a, psignd), MX38(0x0b, pmulhrsw),
    MX38(0x1c, pabsb), MX38(0x1d, pabsw), MX38(0x1e, pabsd),
    { 3, 0x0f, 0, K_XX, OPF_MMX | OPF_IMM8, 8, palignr },
    { 3, 0x0f, 0x66, K_XX, OPF_IMM8, 16, palignr },
};

const SseTable sse_int_table = { ops, sizeof(ops) / sizeof(ops[0]) };
