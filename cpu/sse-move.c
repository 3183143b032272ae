/* SSE/SSE2/SSE3 data movement: MOVUPS/MOVAPS/MOVSS/MOVSD and their
 * stores, the half moves (MOVLPS/MOVHPS/MOVHLPS/MOVLHPS), MOVNTPS,
 * MOVMSKPS/PD, the UNPCK and SHUF forms, the SSE3 duplicating moves and
 * MOVNTI. */
#include "cpu/sse.h"

static void mov_all(SseArgs *a)
{
    a->d = a->s;
}

/* MOVSS/MOVSD loads: a memory source clears the rest of the register. */
static void movs_load(SseArgs *a)
{
    bool sd = a->in->prefix == 0xf2;
    if (a->in->has_mem)
        a->d = a->s;
    else if (sd)
        a->d.q[0] = a->s.q[0];
    else
        a->d.d[0] = a->s.d[0];
}

static void movs_store(SseArgs *a)
{
    if (a->in->prefix == 0xf2)
        a->d.q[0] = a->s.q[0];
    else
        a->d.d[0] = a->s.d[0];
}

/* 0F 12: MOVLPS m64 / MOVHLPS reg; 66: MOVLPD; F3: MOVSLDUP; F2: MOVDDUP. */
static void op_12(SseArgs *a)
{
    Xmm s = a->s;
    switch (a->in->prefix) {
    case 0xf3:
        a->d = (Xmm){ .d = { s.d[0], s.d[0], s.d[2], s.d[2] } };
        break;
    case 0xf2:
        a->d = (Xmm){ .q = { s.q[0], s.q[0] } };
        break;
    default:
        a->d.q[0] = a->in->has_mem ? s.q[0] : s.q[1];
        break;
    }
}

/* 0F 16: MOVHPS m64 / MOVLHPS reg; 66: MOVHPD; F3: MOVSHDUP. */
static void op_16(SseArgs *a)
{
    Xmm s = a->s;
    if (a->in->prefix == 0xf3)
        a->d = (Xmm){ .d = { s.d[1], s.d[1], s.d[3], s.d[3] } };
    else
        a->d.q[1] = s.q[0];
}

static void store_low(SseArgs *a)
{
    a->d.q[0] = a->s.q[0];
}

static void store_high(SseArgs *a)
{
    a->d.q[0] = a->s.q[1];
}

static void unpckl(SseArgs *a)
{
    Xmm d = a->d, s = a->s;
    if (a->in->prefix == 0x66)
        a->d = (Xmm){ .q = { d.q[0], s.q[0] } };
    else
        a->d = (Xmm){ .d = { d.d[0], s.d[0], d.d[1], s.d[1] } };
}

static void unpckh(SseArgs *a)
{
    Xmm d = a->d, s = a->s;
    if (a->in->prefix == 0x66)
        a->d = (Xmm){ .q = { d.q[1], s.q[1] } };
    else
        a->d = (Xmm){ .d = { d.d[2], s.d[2], d.d[3], s.d[3] } };
}

static void shuf(SseArgs *a)
{
    Xmm d = a->d, s = a->s;
    uint8_t i = a->imm;
    if (a->in->prefix == 0x66)
        a->d = (Xmm){ .q = { d.q[i & 1], s.q[(i >> 1) & 1] } };
    else
        a->d = (Xmm){ .d = { d.d[i & 3], d.d[(i >> 2) & 3], s.d[(i >> 4) & 3],
                             s.d[(i >> 6) & 3] } };
}

static void movmsk(SseArgs *a)
{
    if (a->in->prefix == 0x66)
        a->g = (a->s.q[0] >> 63) | ((a->s.q[1] >> 63) << 1);
    else
        a->g = (a->s.d[0] >> 31) | ((a->s.d[1] >> 31) << 1) | ((a->s.d[2] >> 31) << 2) |
               ((a->s.d[3] >> 31) << 3);
}

/* MOVNTI: a general register stored with a non-temporal hint (caches are
 * not modelled, so a plain store). */
static void movnti(SseArgs *a)
{
    (void)a;
}

static const SseOp ops[] = {
    { 1, 0xc3, 0, K_GST, OPF_MEMONLY | OPF_W | OPF_GPRONLY, 4, movnti },
    { 1, 0x10, 0, K_XX, OPF_UNALIGNED, 16, mov_all },
    { 1, 0x10, 0x66, K_XX, OPF_UNALIGNED, 16, mov_all },
    { 1, 0x10, 0xf3, K_XX, 0, 4, movs_load },
    { 1, 0x10, 0xf2, K_XX, 0, 8, movs_load },
    { 1, 0x11, 0, K_ST, OPF_UNALIGNED, 16, mov_all },
    { 1, 0x11, 0x66, K_ST, OPF_UNALIGNED, 16, mov_all },
    { 1, 0x11, 0xf3, K_ST, 0, 4, movs_store },
    { 1, 0x11, 0xf2, K_ST, 0, 8, movs_store },
    { 1, 0x12, 0, K_XX, 0, 8, op_12 },
    { 1, 0x12, 0x66, K_XX, OPF_MEMONLY, 8, op_12 },
    { 1, 0x12, 0xf3, K_XX, 0, 16, op_12 },
    { 1, 0x12, 0xf2, K_XX, 0, 8, op_12 },
    { 1, 0x13, 0, K_ST, OPF_MEMONLY, 8, store_low },
    { 1, 0x13, 0x66, K_ST, OPF_MEMONLY, 8, store_low },
    { 1, 0x14, 0, K_XX, 0, 16, unpckl }, { 1, 0x14, 0x66, K_XX, 0, 16, unpckl },
    { 1, 0x15, 0, K_XX, 0, 16, unpckh }, { 1, 0x15, 0x66, K_XX, 0, 16, unpckh },
    { 1, 0x16, 0, K_XX, 0, 8, op_16 },
    { 1, 0x16, 0x66, K_XX, OPF_MEMONLY, 8, op_16 },
    { 1, 0x16, 0xf3, K_XX, 0, 16, op_16 },
    { 1, 0x17, 0, K_ST, OPF_MEMONLY, 8, store_high },
    { 1, 0x17, 0x66, K_ST, OPF_MEMONLY, 8, store_high },
    { 1, 0x28, 0, K_XX, 0, 16, mov_all }, { 1, 0x28, 0x66, K_XX, 0, 16, mov_all },
    { 1, 0x29, 0, K_ST, 0, 16, mov_all }, { 1, 0x29, 0x66, K_ST, 0, 16, mov_all },
    { 1, 0x2b, 0, K_ST, OPF_MEMONLY, 16, mov_all },
    { 1, 0x2b, 0x66, K_ST, OPF_MEMONLY, 16, mov_all },
    { 1, 0x50, 0, K_GX, OPF_REGONLY, 16, movmsk },
    { 1, 0x50, 0x66, K_GX, OPF_REGONLY, 16, movmsk },
    { 1, 0xc6, 0, K_XX, OPF_IMM8, 16, shuf }, { 1, 0xc6, 0x66, K_XX, OPF_IMM8, 16, shuf },
};

const SseTable sse_move_table = { ops, sizeof(ops) / sizeof(ops[0]) };
