/* SSE4.2: PCMPESTRI/PCMPESTRM/PCMPISTRI/PCMPISTRM (SDM vol. 2 4.1 "Imm8
 * control byte for string compare") and CRC32 (CRC-32C, polynomial
 * 0x1EDC6F41, bit-reflected as the instruction defines). */
#include "cpu/sse.h"

typedef struct StrCmp {
    int n;            /* elements: 16 bytes or 8 words */
    bool sign;
    int la, lb;       /* valid lengths of xmm1 (d) and xmm2/m128 (s) */
} StrCmp;

static int64_t elem(const Xmm *x, const StrCmp *c, int i)
{
    if (c->n == 16)
        return c->sign ? (int8_t)x->b[i] : x->b[i];
    return c->sign ? (int16_t)x->w[i] : x->w[i];
}

static int implicit_len(const Xmm *x, const StrCmp *c)
{
    int i = 0;
    while (i < c->n && elem(x, c, i) != 0)
        i++;
    return i;
}

static int explicit_len(const CPUState *cpu, int r, bool w64, int n)
{
    int64_t v = w64 ? (int64_t)cpu->env.regs[r] : (int32_t)cpu->env.regs[r];
    if (v < 0)
        v = v == INT64_MIN ? INT64_MAX : -v;
    return v > n ? n : (int)v;
}

/* IntRes1 of the aggregation selected by imm[3:2]. */
static unsigned aggregate(const Xmm *d, const Xmm *s, const StrCmp *c, int mode)
{
    unsigned res = 0;
    for (int j = 0; j < c->n; j++) {
        bool r = false;
        switch (mode) {
        case 0:             /* equal any */
            for (int i = 0; i < c->la && j < c->lb && !r; i++)
                r = elem(d, c, i) == elem(s, c, j);
            break;
        case 1:             /* ranges */
            for (int i = 0; i + 1 < c->la + 1 && i < c->la && j < c->lb && !r; i += 2) {
                bool lo = elem(d, c, i) <= elem(s, c, j);
                bool hi = i + 1 < c->la && elem(d, c, i + 1) >= elem(s, c, j);
                r = lo && hi;
            }
            break;
        case 2:             /* equal each */
            if (j >= c->la && j >= c->lb)
                r = true;
            else if (j < c->la && j < c->lb)
                r = elem(d, c, j) == elem(s, c, j);
            break;
        default:            /* equal ordered */
            r = true;
            for (int k = 0; k < c->n - j && r; k++) {
                if (k >= c->la)
                    break;
                if (j + k >= c->lb)
                    r = false;
                else
                    r = elem(d, c, k) == elem(s, c, j + k);
            }
            break;
        }
        res |= (unsigned)r << j;
    }
    return res;
}

/* PCMPxSTRI: the index of the least or most significant set bit (or n);
 * PCMPxSTRM: the bit mask, or each element set to all ones, in XMM0. */
static void str_result(CPUState *cpu, unsigned r, const StrCmp *c, uint8_t imm, bool index)
{
    if (index) {
        int i = !r ? c->n : (imm & 0x40) ? 31 - __builtin_clz(r) : __builtin_ctz(r);
        cpu->env.regs[R_ECX] = (uint64_t)i;
        return;
    }
    Xmm m = { .q = { 0, 0 } };
    if (!(imm & 0x40))
        m.w[0] = (uint16_t)r;
    for (int i = 0; (imm & 0x40) && i < c->n; i++) {
        if (!((r >> i) & 1))
            continue;
        if (c->n == 16)
            m.b[i] = 0xff;
        else
            m.w[i] = 0xffff;
    }
    cpu->env.xmm[0] = m;
}

static void pcmpstr(SseArgs *a)
{
    CPUState *cpu = a->cpu;
    uint8_t op = a->in->opcode, imm = a->imm;
    StrCmp c = { .n = (imm & 1) ? 8 : 16, .sign = (imm >> 1) & 1 };
    if (op < 0x62) {            /* explicit lengths in EAX/EDX (RAX/RDX with REX.W) */
        c.la = explicit_len(cpu, R_EAX, a->in->rex_w, c.n);
        c.lb = explicit_len(cpu, R_EDX, a->in->rex_w, c.n);
    } else {
        c.la = implicit_len(&a->d, &c);
        c.lb = implicit_len(&a->s, &c);
    }
    unsigned r = aggregate(&a->d, &a->s, &c, (imm >> 2) & 3);
    switch ((imm >> 4) & 3) {   /* polarity */
    case 1: r = ~r & ((1u << c.n) - 1); break;
    case 3: r ^= (1u << c.lb) - 1; break;
    default: break;
    }
    str_result(cpu, r, &c, imm, op & 1);
    uint64_t *rf = &cpu->env.rflags;
    *rf &= ~(uint64_t)(FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF);
    *rf |= (r ? FL_CF : 0) | (c.lb < c.n ? FL_ZF : 0) | (c.la < c.n ? FL_SF : 0) |
           ((r & 1) ? FL_OF : 0);
}

static void crc32(SseArgs *a)
{
    uint32_t crc = (uint32_t)a->g;
    unsigned n = a->in->opcode == 0xf0 ? 1 : a->msize;
    uint64_t v = a->s.q[0];
    for (unsigned i = 0; i < n; i++) {
        crc ^= (uint8_t)(v >> (8 * i));
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ ((crc & 1) ? 0x82f63b78u : 0);
    }
    a->g = crc;
}

static const SseOp ops[] = {
    { 3, 0x60, 0x66, K_XX, OPF_IMM8 | OPF_UNALIGNED | OPF_NOWB, 16, pcmpstr },
    { 3, 0x61, 0x66, K_XX, OPF_IMM8 | OPF_UNALIGNED | OPF_NOWB, 16, pcmpstr },
    { 3, 0x62, 0x66, K_XX, OPF_IMM8 | OPF_UNALIGNED | OPF_NOWB, 16, pcmpstr },
    { 3, 0x63, 0x66, K_XX, OPF_IMM8 | OPF_UNALIGNED | OPF_NOWB, 16, pcmpstr },
    { 2, 0xf0, 0xf2, K_GG, OPF_GPRONLY, 1, crc32 },   /* general registers only */
    { 2, 0xf1, 0xf2, K_GG, OPF_GPRONLY, 0, crc32 },
};

const SseTable sse_str_table = { ops, sizeof(ops) / sizeof(ops[0]) };
