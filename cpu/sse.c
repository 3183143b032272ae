/* MMX/SSE dispatch: finds the row for (map, opcode, prefix), applies the
 * availability checks, fetches the operands, runs the row and writes the
 * result back only after any #XM decision (so a fault changes nothing). */
#include "cpu/sse.h"

#include <string.h>

#include "cpu/cpuid.h"
#include "cpu/excp.h"

static const SseTable *const tables[] = {
    &sse_int_table, &sse_fp_table, &sse_move_table, &sse_s41_table, &sse_str_table,
    &sse_aes_table,
};

static int prefix_index(uint8_t p)
{
    return p == 0x66 ? 1 : p == 0xf2 ? 2 : p == 0xf3 ? 3 : 0;
}

/* [map 1..3][opcode][prefix] -> row, and the rows by the id the
 * translator resolves them to, built before main() so that vCPU threads
 * only ever read them. */
static const SseOp *sse_index[3][256][4];
static const SseOp *sse_rows[SSE_MAX_ROWS];
static uint16_t sse_ids[3][256][4];

static void __attribute__((constructor)) build_index(void)
{
    unsigned id = 0;
    for (unsigned t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
        for (unsigned i = 0; i < tables[t]->n; i++) {
            const SseOp *op = &tables[t]->ops[i];
            sse_index[op->map - 1][op->opcode][prefix_index(op->prefix)] = op;
            if (id < SSE_MAX_ROWS) {
                sse_rows[id] = op;     /* id + 1 in sse_ids: 0 is none */
                sse_ids[op->map - 1][op->opcode][prefix_index(op->prefix)] = (uint16_t)++id;
            }
        }
}

static const SseOp *find(uint8_t map, uint8_t opcode, uint8_t prefix)
{
    if (map < 1 || map > 3)
        return NULL;
    return sse_index[map - 1][opcode][prefix_index(prefix)];
}

bool sse_handles(uint8_t map, uint8_t opcode, uint8_t prefix, bool *has_imm8)
{
    const SseOp *op = find(map, opcode, prefix);
    if (!op && map == 1 && opcode == 0x77 && prefix == 0)
        return true;                            /* EMMS */
    if (!op)
        return false;
    *has_imm8 = op->flags & OPF_IMM8;
    return true;
}

bool sse_code64(const CPUState *cpu)
{
    return (cpu->env.efer & EFER_LMA) && (cpu->env.seg[SEG_CS].attr & SEGATTR_L);
}

/* After any MMX instruction: TOP = 0 and every tag valid (SDM vol. 1
 * 9.5.1); EMMS empties them all. */
static void mmx_enter(CPUState *cpu)
{
    fpu_set_top(cpu, 0);
    cpu->env.fpu.ftw = 0xff;
}

static Xmm mm_get(const CPUState *cpu, int r)
{
    Xmm x = { .q = { cpu->env.fpu.st[r & 7].mant, 0 } };
    return x;
}

static void mm_set(CPUState *cpu, int r, const Xmm *x)
{
    cpu->env.fpu.st[r & 7] = (Float80){ x->q[0], 0xffff };
}

static uint64_t gpr_get(const CPUState *cpu, const FpuInsn *in, int r, unsigned size)
{
    uint64_t v = cpu->env.regs[r & 15];
    switch (size) {
    case 1:
        /* Without REX, byte registers 4-7 are AH, CH, DH, BH. */
        if (!in->rex && !in->rex_w && r >= 4 && r < 8)
            return (cpu->env.regs[r - 4] >> 8) & 0xff;
        return v & 0xff;
    case 2: return v & 0xffff;
    case 4: return v & 0xffffffffu;
    default: return v;
    }
}

static void gpr_set(CPUState *cpu, int r, uint64_t v, unsigned size)
{
    /* 32-bit destinations zero-extend in 64-bit mode (and are all the
     * architectural register outside it). */
    cpu->env.regs[r & 15] = size == 8 ? v : (v & 0xffffffffu);
}

static bool is_mmx_reg(const SseOp *op, bool reg_side)
{
    if (op->flags & OPF_MMX)
        return true;
    return reg_side ? (op->flags & OPF_DST_MMX) : (op->flags & OPF_SRC_MMX);
}

static Xmm vreg_get(const CPUState *cpu, const SseOp *op, bool reg_side, int r)
{
    return is_mmx_reg(op, reg_side) ? mm_get(cpu, r) : cpu->env.xmm[r & 15];
}

static void vreg_set(CPUState *cpu, const SseOp *op, bool reg_side, int r, const Xmm *x)
{
    if (is_mmx_reg(op, reg_side))
        mm_set(cpu, r, x);
    else
        cpu->env.xmm[r & 15] = *x;
}

/* #UD/#NM (and #MF for MMX); true when the instruction touches an MMX
 * register: the caller makes the x87 transition after the segment check,
 * so an operand faulting there leaves TOP and the tags alone. */
static bool checks(CPUState *cpu, const SseOp *op, const FpuInsn *in)
{
    /* CVTPI2PS/PD from memory touch no MMX register: no x87 transition. */
    bool mmx = (op->flags & (OPF_MMX | OPF_DST_MMX)) ||
               ((op->flags & OPF_SRC_MMX) && !in->has_mem);
    bool xmm = !(op->flags & OPF_MMX);
    if (op->flags & OPF_GPRONLY)
        return false;
    if (xmm)
        fpu_check_sse(cpu);
    if (mmx)
        fpu_check_mmx(cpu);
    return mmx;
}

/* The memory operand against its segment with the row's size and
 * direction; MASKMOVQ/MASKMOVDQU write their whole width at DS:rDI (the
 * SDM leaves a check with mask bits clear to the implementation). */
static void seg_check(CPUState *cpu, const SseOp *op, const FpuInsn *in, unsigned msize)
{
    bool store = op->kind == K_ST || op->kind == K_GST || op->kind == K_GXS;
    if (op->map == 1 && op->opcode == 0xf7)
        fpu_seg_check(cpu, in, 0, (op->flags & OPF_MMX) ? 8 : 16, true);
    else if (in->has_mem)
        fpu_seg_check(cpu, in, 0, msize, store);
}

/* ---- CPUID gating: an instruction the -cpu model does not offer is #UD ---- */

enum { F_MMX, F_SSE, F_SSE2, F_SSE3, F_SSSE3, F_SSE41, F_SSE42, F_AES, F_PCLMUL };

static bool in_list(uint8_t op, const uint8_t *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] == op)
            return true;
    return false;
}

/* Which extension introduced a row (SDM vol. 2 opcode tables). */
static int row_feature(const SseOp *op)
{
    static const uint8_t ssse3_38[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x1c, 0x1d, 0x1e };
    static const uint8_t mmx_by_sse[] = { 0x70, 0xc4, 0xc5, 0xd7, 0xda, 0xde, 0xe0, 0xe3,
                                          0xe4, 0xe7, 0xea, 0xee, 0xf6, 0xf7 };
    static const uint8_t mmx_by_sse2[] = { 0xd4, 0xf4, 0xfb };
    static const uint8_t f3_sse2[] = { 0x5a, 0x5b, 0x6f, 0x70, 0x7e, 0x7f, 0xd6, 0xe6 };
    uint8_t o = op->opcode, p = op->prefix;
    if ((op->map == 2 && o >= 0xdb && o <= 0xdf) || (op->map == 3 && o == 0xdf))
        return F_AES;
    if (op->map == 3 && o == 0x44)
        return F_PCLMUL;
    if (op->map == 2)
        return in_list(o, ssse3_38, sizeof(ssse3_38)) ? F_SSSE3
             : (o == 0x37 || o >= 0xf0) ? F_SSE42 : F_SSE41;
    if (op->map == 3)
        return o == 0x0f ? F_SSSE3 : (o >= 0x60 && o <= 0x63) ? F_SSE42 : F_SSE41;
    if ((p == 0xf2 && (o == 0xf0 || o == 0x12 || o == 0x7c || o == 0x7d || o == 0xd0)) ||
        (p == 0x66 && (o == 0x7c || o == 0x7d || o == 0xd0)) ||
        (p == 0xf3 && (o == 0x12 || o == 0x16)))
        return F_SSE3;
    if (p == 0x66 || p == 0xf2)
        return F_SSE2;
    if (p == 0xf3)
        return in_list(o, f3_sse2, sizeof(f3_sse2)) ? F_SSE2 : F_SSE;
    if (op->flags & OPF_MMX)
        return in_list(o, mmx_by_sse2, sizeof(mmx_by_sse2)) ? F_SSE2
             : in_list(o, mmx_by_sse, sizeof(mmx_by_sse)) ? F_SSE : F_MMX;
    return (o == 0x5b || o == 0xc3) ? F_SSE2 : F_SSE;   /* CVTDQ2PS, MOVNTI */
}

static bool has_feature(const CPUState *cpu, int f)
{
    uint32_t edx = cpu->features[FEAT_1_EDX], ecx = cpu->features[FEAT_1_ECX];
    switch (f) {
    case F_MMX: return edx & (1u << 23);
    case F_SSE: return edx & (1u << 25);
    case F_SSE2: return edx & (1u << 26);
    case F_SSE3: return ecx & (1u << 0);
    case F_SSSE3: return ecx & (1u << 9);
    case F_SSE41: return ecx & (1u << 19);
    case F_SSE42: return ecx & (1u << 20);
    case F_AES: return ecx & (1u << 25);
    default: return ecx & (1u << 1);
    }
}

static unsigned mem_size(const SseOp *op, const FpuInsn *in)
{
    if ((op->flags & OPF_W) && in->rex_w)
        return 8;
    if (op->msize == 0)
        return in->rex_w || in->opsize == 8 ? 8 : in->opsize == 2 ? 2 : 4;
    return op->msize;
}

static void load_source(SseArgs *a, const SseOp *op)
{
    CPUState *cpu = a->cpu;
    const FpuInsn *in = a->in;
    memset(&a->s, 0, sizeof(a->s));
    if (!in->has_mem) {
        a->s = vreg_get(cpu, op, false, in->rm);
        return;
    }
    if (a->msize == 16 && !(op->flags & OPF_UNALIGNED))
        fpu_check_align(cpu, in->la, 16);
    fpu_ld_bytes(cpu, in->la, a->s.b, a->msize);
}

static void run(SseArgs *a, const SseOp *op)
{
    CPUState *cpu = a->cpu;
    const FpuInsn *in = a->in;
    if (in->has_mem && a->msize < 16)
        fpu_check_ac(cpu, in->la, a->msize);
    if (op->flags & OPF_FP)
        sse_status(cpu, &a->st);
    switch (op->kind) {
    case K_XX:
        a->d = vreg_get(cpu, op, true, in->reg);
        load_source(a, op);
        break;
    case K_ST:
    case K_GXS:
        a->s = vreg_get(cpu, op, true, in->reg);
        a->d = in->has_mem ? (Xmm){ .q = { 0, 0 } } : vreg_get(cpu, op, false, in->rm);
        if (in->has_mem && a->msize == 16 && !(op->flags & OPF_UNALIGNED))
            fpu_check_align(cpu, in->la, 16);
        break;
    case K_XG:
        a->d = vreg_get(cpu, op, true, in->reg);
        /* PINSRB/PINSRW name a 32-bit register and use its low part. */
        a->g = in->has_mem ? fpu_ld(cpu, in->la, a->msize)
                           : gpr_get(cpu, in, in->rm, a->msize < 4 ? 4 : a->msize);
        break;
    case K_GX:
        load_source(a, op);
        break;
    case K_GST:
        a->g = gpr_get(cpu, in, in->reg, a->msize);
        break;
    default:
        a->g = gpr_get(cpu, in, in->reg, 8);
        a->s.q[0] = in->has_mem ? fpu_ld(cpu, in->la, a->msize)
                                : gpr_get(cpu, in, in->rm, a->msize);
        break;
    }
    op->fn(a);
    if (op->flags & OPF_FP)
        sse_merge(cpu, &a->st);
}

static void write_back(SseArgs *a, const SseOp *op)
{
    CPUState *cpu = a->cpu;
    const FpuInsn *in = a->in;
    if ((op->flags & OPF_NOWB) || a->nowb)
        return;
    switch (op->kind) {
    case K_XX:
    case K_XG:
        vreg_set(cpu, op, true, in->reg, &a->d);
        break;
    case K_ST:
        if (in->has_mem)
            fpu_st_bytes(cpu, in->la, a->d.b, a->msize);
        else
            vreg_set(cpu, op, false, in->rm, &a->d);
        break;
    case K_GX:
        gpr_set(cpu, in->reg, a->g, (op->flags & OPF_GW) && in->rex_w ? 8 : 4);
        break;
    case K_GST:
        fpu_st(cpu, in->la, a->g, a->msize);
        break;
    case K_GXS:
        if (in->has_mem)
            fpu_st(cpu, in->la, a->g, a->msize);
        else
            gpr_set(cpu, in->rm, a->g, a->msize == 8 ? 8 : 4);
        break;
    default:
        gpr_set(cpu, in->reg, a->g, in->rex_w ? 8 : 4);
        break;
    }
}

/* Everything after the decode: availability checks, the segment, the
 * MMX transition, the operation and its write-back. */
static void exec_row(CPUState *cpu, const SseOp *op, const FpuInsn *in)
{
    bool mmx = checks(cpu, op, in);
    SseArgs a = { .cpu = cpu, .in = in, .imm = in->imm8,
                  .w = (op->flags & OPF_MMX) ? 8 : 16, .msize = mem_size(op, in) };
    seg_check(cpu, op, in, a.msize);
    if (mmx)
        mmx_enter(cpu);
    run(&a, op);
    write_back(&a, op);
}

void sse_exec(CPUState *cpu, const FpuInsn *in)
{
    const SseOp *op = find(in->map, in->opcode, in->prefix);
    if (!op) {
        if (in->map == 1 && in->opcode == 0x77 && in->prefix == 0 &&
            has_feature(cpu, F_MMX)) {
            fpu_check_mmx(cpu);
            cpu->env.fpu.ftw = 0;               /* EMMS */
            return;
        }
        fpu_fault(cpu, EXC_UD);
    }
    if ((in->has_mem && (op->flags & OPF_REGONLY)) || (!in->has_mem && (op->flags & OPF_MEMONLY)))
        fpu_fault(cpu, EXC_UD);
    if (!has_feature(cpu, row_feature(op)))
        fpu_fault(cpu, EXC_UD);
    exec_row(cpu, op, in);
}

/* ---- translate-time resolution (cpu/fpu.h) ---- */

int sse_resolve(const CPUState *cpu, uint8_t map, uint8_t opcode, uint8_t prefix, bool has_mem)
{
    const SseOp *op = find(map, opcode, prefix);
    if (!op || (map == 1 && opcode == 0xae))
        return -1;
    if ((has_mem && (op->flags & OPF_REGONLY)) || (!has_mem && (op->flags & OPF_MEMONLY)))
        return -1;                              /* #UD: the generic path raises it */
    if (!has_feature(cpu, row_feature(op)))
        return -1;
    return (int)sse_ids[map - 1][opcode][prefix_index(prefix)] - 1;
}

_Static_assert(K_XX == SSE_SHAPE_XX && K_ST == SSE_SHAPE_ST && K_XG == SSE_SHAPE_XG &&
               K_GX == SSE_SHAPE_GX && K_GXS == SSE_SHAPE_GXS && K_GG == SSE_SHAPE_GG &&
               K_GST == SSE_SHAPE_GST, "the shapes cpu/fpu.h publishes");

unsigned sse_row_traits(int id)
{
    const SseOp *op = sse_rows[id];
    unsigned t = (unsigned)op->kind << SSE_T_SHAPE_SHIFT;
    if (op->flags & OPF_NOWB)
        t |= SSE_T_EFLAGS;
    if (op->flags & OPF_FP)
        t |= SSE_T_MXCSR;
    if (op->flags & (OPF_MMX | OPF_SRC_MMX | OPF_DST_MMX))
        t |= SSE_T_MMX;
    if (op->flags & OPF_W)
        t |= SSE_T_REXW;
    if (op->msize == 16 && !(op->flags & OPF_UNALIGNED))
        t |= SSE_T_ALIGN16;
    return t | (unsigned)op->msize << SSE_T_MSIZE_SHIFT;
}

void sse_exec_row(CPUState *cpu, int id, const FpuInsn *in)
{
    exec_row(cpu, sse_rows[id], in);
}
