/* The x87 escape opcodes D8-DF: the register stack with its tags, loads and
 * stores of every memory format, and the decode tables (SDM vol. 2 x87
 * opcode map, appendix A.5). */
#include "cpu/fpu-internal.h"

#include "cpu/cpuid.h"
#include "cpu/excp.h"

#include <string.h>

typedef void (*X87Mem)(CPUState *cpu, const FpuInsn *in);

Float80 x87_get(const CPUState *cpu, int i)
{
    return cpu->env.fpu.st[fpu_phys(cpu, i)];
}

void x87_set(CPUState *cpu, int i, Float80 v)
{
    int r = fpu_phys(cpu, i);
    cpu->env.fpu.st[r] = v;
    cpu->env.fpu.ftw |= (uint8_t)(1u << r);
}

void x87_pop(CPUState *cpu)
{
    cpu->env.fpu.ftw &= (uint8_t)~(1u << fpu_phys(cpu, 0));
    fpu_set_top(cpu, fpu_top(cpu) + 1);
}

static bool stack_fault(CPUState *cpu, bool overflow)
{
    X87State *f = &cpu->env.fpu;
    f->fsw = (uint16_t)((f->fsw & ~FSW_C1) | FSW_IE | FSW_SF | (overflow ? FSW_C1 : 0));
    if (f->fcw & SF_IE)
        return true;
    f->fsw |= FSW_ES | FSW_B;
    return false;
}

bool x87_underflow(CPUState *cpu)
{
    return stack_fault(cpu, false);
}

void x87_push(CPUState *cpu, Float80 v)
{
    fpu_set_top(cpu, fpu_top(cpu) - 1);
    x87_set(cpu, 0, v);
}

int x87_push_check(CPUState *cpu)
{
    if (fpu_empty(cpu, 7))
        return 1;
    if (!stack_fault(cpu, true))
        return -1;
    x87_push(cpu, F80_INDEFINITE);
    return 0;
}

void x87_set_cc(CPUState *cpu, uint16_t cc)
{
    X87State *f = &cpu->env.fpu;
    f->fsw = (uint16_t)((f->fsw & ~FSW_CC) | (cc & FSW_CC));
}

bool x87_finish(CPUState *cpu, FloatStatus *st, const FUnp *result)
{
    if ((st->flags & (SF_IE | SF_ZE)) || (result && sf_is_nan(result)))
        st->flags &= ~SF_DE;
    return fpu_x87_merge(cpu, st);
}

/* CPUID.(EAX=07H,ECX=0):EBX bits of the -cpu model: FDP (and FDS) only
 * updated by instructions with an unmasked exception; FCS and FDS
 * deprecated (always stored as 0).  SDM vol. 1 8.1.8. */
#define CPUID7_FDP_EXCPTN_ONLY (1u << 6)
#define CPUID7_NO_FCS_FDS      (1u << 13)

void x87_note_insn(CPUState *cpu, const FpuInsn *in, uint16_t fsw_before)
{
    X87State *f = &cpu->env.fpu;
    uint32_t b7 = cpu->features[FEAT_7_0_EBX];
    bool sels = !(b7 & CPUID7_NO_FCS_FDS);
    /* The offsets within CS and the operand's segment (override or
     * default) with their selectors, as FXSAVE and the protected-mode
     * FSTENV/FSAVE layouts show them; the real-mode layouts turn them into
     * linear addresses when they are stored (fpu-env.c). */
    uint16_t fresh = f->fsw & ~fsw_before;
    bool unmasked = (f->fsw & FSW_ES) && ((fresh & FSW_ES) || (fresh & ~f->fcw & 0x3f));
    /* FOP: AMD keeps the opcode of every non-control instruction (APM
     * vol. 1, x87 registers, "Last x87 Opcode"); Intel's parts since the
     * Pentium 4 only that of one with an unmasked exception (SDM vol. 1
     * 8.1.9.1: with the fopcode compatibility sub-mode off, its default). */
    if (!cpu_is_intel(cpu) || unmasked)
        f->fop = (uint16_t)(((in->opcode & 7) << 8) | in->modrm);
    f->fip = cpu->env.rip;
    f->fcs = sels ? cpu->env.seg[SEG_CS].sel : 0;
    if (!in->has_mem)
        return;
    if ((b7 & CPUID7_FDP_EXCPTN_ONLY) && !unmasked)
        return;
    int seg = in->seg >= 0 && in->seg < SEG_COUNT ? in->seg : SEG_DS;
    f->fdp = in->ea;
    f->fds = sels ? cpu->env.seg[seg].sel : 0;
}

/* ---- memory operand formats ---- */

static FUnp load_operand(CPUState *cpu, const FpuInsn *in, int kind, FloatStatus *st)
{
    switch (kind) {
    case 0:
        return sf_unpack(SF_F32, fpu_ld(cpu, in->la, 4), true, st);
    case 1:
        return sf_from_int((int32_t)fpu_ld(cpu, in->la, 4));
    case 2:
        return sf_unpack(SF_F64, fpu_ld(cpu, in->la, 8), true, st);
    default:
        return sf_from_int((int16_t)fpu_ld(cpu, in->la, 2));
    }
}

/* D8/DA/DC/DE with a memory operand: st0 = st0 op m. */
static void mem_arith(CPUState *cpu, const FpuInsn *in)
{
    FloatStatus st;
    int op = (in->modrm >> 3) & 7;
    fpu_x87_status(cpu, &st);
    FUnp m = load_operand(cpu, in, (in->opcode >> 1) & 3, &st);
    if (fpu_empty(cpu, 0)) {
        bool masked = x87_underflow(cpu);
        if (op == 2 || op == 3)
            x87_set_cc(cpu, FSW_C3 | FSW_C2 | FSW_C0);
        else if (masked)
            x87_set(cpu, 0, F80_INDEFINITE);
        if (masked && op == 3)
            x87_pop(cpu);
        return;
    }
    FUnp x = sf_unpack80(x87_get(cpu, 0), true, &st);
    if (op == 2 || op == 3)
        x87_compare(cpu, x, m, false, op == 3, false, &st);
    else
        x87_arith(cpu, op, 0, x, m, false, &st);
}

static void fld_mem(CPUState *cpu, const FpuInsn *in, int fmt, unsigned size)
{
    FloatStatus st;
    fpu_x87_status(cpu, &st);
    uint64_t bits = fpu_ld(cpu, in->la, size);
    if (x87_push_check(cpu) != 1)
        return;
    FUnp v = sf_unpack(fmt, bits, true, &st);
    if (v.cls == FC_SNAN)
        st.flags |= SF_IE;
    st.prec = 64;
    Float80 r = sf_pack80(v, &st);
    /* An unmasked invalid (SNaN) loads nothing.  An unmasked denormal-
     * operand exception: AMD's parts report it and still load the value
     * (the conversion is exact); Intel's treat it as any pre-computation
     * exception, TOP and the stack unchanged (SDM vol. 1 8.5.2). */
    bool done = x87_finish(cpu, &st, &v);
    if (cpu_is_intel(cpu) ? done : !(st.flags & SF_IE & ~cpu->env.fpu.fcw))
        x87_push(cpu, r);
}

static void fld_m32(CPUState *cpu, const FpuInsn *in) { fld_mem(cpu, in, SF_F32, 4); }
static void fld_m64(CPUState *cpu, const FpuInsn *in) { fld_mem(cpu, in, SF_F64, 8); }

static void fild(CPUState *cpu, const FpuInsn *in, unsigned size)
{
    uint64_t v = fpu_ld(cpu, in->la, size);
    int64_t i = size == 2 ? (int16_t)v : size == 4 ? (int32_t)v : (int64_t)v;
    FloatStatus st;
    if (x87_push_check(cpu) != 1)
        return;
    fpu_x87_status(cpu, &st);
    st.prec = 64;
    x87_push(cpu, sf_pack80(sf_from_int(i), &st));
    cpu->env.fpu.fsw &= ~FSW_C1;
}

static void fild16(CPUState *cpu, const FpuInsn *in) { fild(cpu, in, 2); }
static void fild32(CPUState *cpu, const FpuInsn *in) { fild(cpu, in, 4); }
static void fild64(CPUState *cpu, const FpuInsn *in) { fild(cpu, in, 8); }

static void fld_m80(CPUState *cpu, const FpuInsn *in)
{
    uint8_t b[10];
    fpu_ld_bytes(cpu, in->la, b, 10);
    if (x87_push_check(cpu) != 1)
        return;
    Float80 v;
    memcpy(&v.mant, b, 8);
    v.sexp = (uint16_t)(b[8] | (b[9] << 8));
    x87_push(cpu, v);
    cpu->env.fpu.fsw &= ~FSW_C1;
}

/* FST/FSTP to m32/m64.  An unmasked invalid, overflow or underflow leaves
 * memory and the stack unchanged (the handler sees the register). */
static void fst_mem(CPUState *cpu, const FpuInsn *in, int fmt, bool pop)
{
    FloatStatus st;
    unsigned size = fmt == SF_F32 ? 4 : 8;
    uint64_t out;
    fpu_x87_status(cpu, &st);
    if (fpu_empty(cpu, 0)) {
        if (!x87_underflow(cpu))
            return;
        out = fmt == SF_F32 ? 0xffc00000ULL : 0xfff8000000000000ULL;
    } else {
        FUnp v = sf_unpack80(x87_get(cpu, 0), false, &st);
        if (v.cls == FC_SNAN || v.cls == FC_BAD)
            st.flags |= SF_IE;
        out = sf_pack(fmt, v, &st);
        uint8_t unmasked = st.flags & ~cpu->env.fpu.fcw;
        /* Unmasked O/U on a memory destination: nothing is stored, and
         * the inexact result is not reported either. */
        if (unmasked & (SF_OE | SF_UE))
            st.flags &= ~SF_PE;
        fpu_x87_merge(cpu, &st);
        if (unmasked & (SF_IE | SF_OE | SF_UE))
            return;
    }
    fpu_st(cpu, in->la, out, size);
    if (pop)
        x87_pop(cpu);
}

static void fst_m32(CPUState *cpu, const FpuInsn *in) { fst_mem(cpu, in, SF_F32, false); }
static void fstp_m32(CPUState *cpu, const FpuInsn *in) { fst_mem(cpu, in, SF_F32, true); }
static void fst_m64(CPUState *cpu, const FpuInsn *in) { fst_mem(cpu, in, SF_F64, false); }
static void fstp_m64(CPUState *cpu, const FpuInsn *in) { fst_mem(cpu, in, SF_F64, true); }

static void fstp_m80(CPUState *cpu, const FpuInsn *in)
{
    Float80 v = x87_get(cpu, 0);
    uint8_t b[10];
    if (fpu_empty(cpu, 0)) {
        if (!x87_underflow(cpu))
            return;
        v = F80_INDEFINITE;
    } else {
        cpu->env.fpu.fsw &= ~FSW_C1;
    }
    memcpy(b, &v.mant, 8);
    b[8] = (uint8_t)v.sexp;
    b[9] = (uint8_t)(v.sexp >> 8);
    fpu_st_bytes(cpu, in->la, b, 10);
    x87_pop(cpu);
}

/* FIST/FISTP/FISTTP: rm < 0 means the current rounding mode. */
static void fist(CPUState *cpu, const FpuInsn *in, unsigned size, bool pop, bool trunc)
{
    FloatStatus st;
    uint64_t out = 1ULL << (size * 8 - 1);
    fpu_x87_status(cpu, &st);
    if (fpu_empty(cpu, 0)) {
        if (!x87_underflow(cpu))
            return;
    } else {
        FUnp v = sf_unpack80(x87_get(cpu, 0), false, &st);
        out = sf_to_int(v, (int)size * 8, trunc ? SF_RZ : st.round, &st);
        if (!fpu_x87_merge(cpu, &st))
            return;
    }
    fpu_st(cpu, in->la, out, size);
    if (pop)
        x87_pop(cpu);
}

static void fist16(CPUState *c, const FpuInsn *i) { fist(c, i, 2, false, false); }
static void fistp16(CPUState *c, const FpuInsn *i) { fist(c, i, 2, true, false); }
static void fisttp16(CPUState *c, const FpuInsn *i) { fist(c, i, 2, true, true); }
static void fist32(CPUState *c, const FpuInsn *i) { fist(c, i, 4, false, false); }
static void fistp32(CPUState *c, const FpuInsn *i) { fist(c, i, 4, true, false); }
static void fisttp32(CPUState *c, const FpuInsn *i) { fist(c, i, 4, true, true); }
static void fistp64(CPUState *c, const FpuInsn *i) { fist(c, i, 8, true, false); }
static void fisttp64(CPUState *c, const FpuInsn *i) { fist(c, i, 8, true, true); }

static void fbld(CPUState *cpu, const FpuInsn *in)
{
    uint8_t b[10];
    fpu_ld_bytes(cpu, in->la, b, 10);
    if (x87_push_check(cpu) != 1)
        return;
    x87_push(cpu, f80_from_bcd(b));
    cpu->env.fpu.fsw &= ~FSW_C1;
}

static void fbstp(CPUState *cpu, const FpuInsn *in)
{
    FloatStatus st;
    uint8_t b[10];
    fpu_x87_status(cpu, &st);
    if (fpu_empty(cpu, 0)) {
        if (!x87_underflow(cpu))
            return;
        f80_to_bcd(F80_INDEFINITE, b, &st);
    } else {
        f80_to_bcd(x87_get(cpu, 0), b, &st);
        if (!fpu_x87_merge(cpu, &st))
            return;
    }
    fpu_st_bytes(cpu, in->la, b, 10);
    x87_pop(cpu);
}

static void fldcw(CPUState *cpu, const FpuInsn *in)
{
    X87State *f = &cpu->env.fpu;
    f->fcw = (uint16_t)(fpu_ld(cpu, in->la, 2) | 0x40);
    /* Unmasking a pending exception makes it pending for #MF. */
    if (f->fsw & ~f->fcw & 0x3f)
        f->fsw |= FSW_ES | FSW_B;
    else
        f->fsw &= (uint16_t)~(FSW_ES | FSW_B);
}

static void fnstcw(CPUState *cpu, const FpuInsn *in)
{
    fpu_st(cpu, in->la, cpu->env.fpu.fcw, 2);
}

static void fnstsw(CPUState *cpu, const FpuInsn *in)
{
    fpu_st(cpu, in->la, cpu->env.fpu.fsw, 2);
}

/* Memory forms by (opcode - D8) * 8 + ModRM.reg; NULL is #UD. */
static const X87Mem mem_ops[64] = {
    [0x00] = mem_arith, mem_arith, mem_arith, mem_arith,
    mem_arith, mem_arith, mem_arith, mem_arith,
    [0x08] = fld_m32, NULL, fst_m32, fstp_m32,
    x87_env_exec, fldcw, x87_env_exec, fnstcw,
    [0x10] = mem_arith, mem_arith, mem_arith, mem_arith,
    mem_arith, mem_arith, mem_arith, mem_arith,
    [0x18] = fild32, fisttp32, fist32, fistp32, NULL, fld_m80, NULL, fstp_m80,
    [0x20] = mem_arith, mem_arith, mem_arith, mem_arith,
    mem_arith, mem_arith, mem_arith, mem_arith,
    [0x28] = fld_m64, fisttp64, fst_m64, fstp_m64, x87_env_exec, NULL, x87_env_exec, fnstsw,
    [0x30] = mem_arith, mem_arith, mem_arith, mem_arith,
    mem_arith, mem_arith, mem_arith, mem_arith,
    [0x38] = fild16, fisttp16, fist16, fistp16, fbld, fild64, fbstp, fistp64,
};

/* Alignment of each memory form's operand for #AC (SDM vol. 3 table 6-7);
 * 0: the environment/state forms, word or doubleword by operand size. */
static const uint8_t mem_align[64] = {
    4, 4, 4, 4, 4, 4, 4, 4,     /* D8 m32fp */
    4, 1, 4, 4, 0, 2, 0, 2,     /* D9 FLD/FST m32, FLDENV, FLDCW, FSTENV, FSTCW */
    4, 4, 4, 4, 4, 4, 4, 4,     /* DA m32int */
    4, 4, 4, 4, 1, 8, 1, 8,     /* DB FILD/FISTTP/FIST/FISTP m32, FLD/FSTP m80 */
    8, 8, 8, 8, 8, 8, 8, 8,     /* DC m64fp */
    8, 8, 8, 8, 0, 1, 0, 2,     /* DD m64, FRSTOR, FSAVE, FSTSW */
    2, 2, 2, 2, 2, 2, 2, 2,     /* DE m16int */
    2, 2, 2, 2, 1, 8, 1, 8,     /* DF m16int, FBLD, FILD m64, FBSTP, FISTP m64 */
};

/* Size of each memory form's operand for the segment check (SDM vol. 2
 * A.4); 0: FLDENV/FNSTENV (14 or 28 bytes), 1: FRSTOR/FNSAVE (94 or 108). */
static const uint8_t mem_size[64] = {
    4, 4, 4, 4, 4, 4, 4, 4,     /* D8 m32fp */
    4, 4, 4, 4, 0, 2, 0, 2,     /* D9 FLD/FST(P) m32, FLDENV, FLDCW, FNSTENV, FNSTCW */
    4, 4, 4, 4, 4, 4, 4, 4,     /* DA m32int */
    4, 4, 4, 4, 4, 10, 4, 10,   /* DB FILD/FISTTP/FIST(P) m32, FLD/FSTP m80 */
    8, 8, 8, 8, 8, 8, 8, 8,     /* DC m64fp */
    8, 8, 8, 8, 1, 8, 1, 2,     /* DD m64, FRSTOR, FNSAVE, FNSTSW */
    2, 2, 2, 2, 2, 2, 2, 2,     /* DE m16int */
    2, 2, 2, 2, 10, 8, 10, 8,   /* DF m16int, FBLD, FILD m64, FBSTP, FISTP m64 */
};

/* ModRM.reg values of each escape that write memory. */
static const uint8_t mem_stores[8] = { 0x00, 0xcc, 0x00, 0x8e, 0x00, 0xce, 0x00, 0xce };

/* The memory operand against its segment, by its size and direction. */
static void mem_seg_check(CPUState *cpu, const FpuInsn *in, int idx)
{
    bool o16 = in->opsize == 2;
    unsigned n = mem_size[idx];
    if (n == 0)
        n = o16 ? 14 : 28;
    else if (n == 1)
        n = o16 ? 94 : 108;
    fpu_seg_check(cpu, in, 0, n, (mem_stores[idx >> 3] >> (idx & 7)) & 1);
}

/* Instructions that neither wait for pending exceptions (FN* forms) nor
 * record FIP/FOP: mem forms D9 /6 /7, DD /6 /7; register DB E2/E3, DF E0. */
static bool is_nowait(const FpuInsn *in)
{
    int reg = (in->modrm >> 3) & 7;
    if (in->has_mem)
        return (in->opcode == 0xd9 || in->opcode == 0xdd) && reg >= 6;
    return (in->opcode == 0xdb && (in->modrm == 0xe2 || in->modrm == 0xe3)) ||
           (in->opcode == 0xdf && in->modrm == 0xe0);
}

static bool is_control(const FpuInsn *in)
{
    int reg = (in->modrm >> 3) & 7;
    if (is_nowait(in))
        return true;
    return in->has_mem && (in->opcode == 0xd9 || in->opcode == 0xdd) && reg >= 4;
}

/* FISTTP came with SSE3, FCMOVcc/FCOMI/FUCOMI with CMOV: #UD on models
 * without them. */
static bool offered(const CPUState *cpu, const FpuInsn *in)
{
    int reg = (in->modrm >> 3) & 7, esc = in->opcode & 7;
    if (in->has_mem)
        return !(reg == 1 && (esc == 3 || esc == 5 || esc == 7)) ||
               (cpu->features[FEAT_1_ECX] & 1);
    bool cmov = ((esc == 2 || esc == 3) && reg < 4) || (esc == 3 && (reg == 5 || reg == 6)) ||
                (esc == 7 && (reg == 5 || reg == 6));
    return !cmov || (cpu->features[FEAT_1_EDX] & (1u << 15));
}

void x87_exec(CPUState *cpu, const FpuInsn *in)
{
    if (!offered(cpu, in))
        fpu_fault(cpu, EXC_UD);
    fpu_check_x87(cpu);
    if (!is_nowait(in))
        fpu_check_pending(cpu);
    uint16_t fsw_before = cpu->env.fpu.fsw;
    if (in->has_mem) {
        int idx = ((in->opcode & 7) << 3) | ((in->modrm >> 3) & 7);
        X87Mem fn = mem_ops[idx];
        if (!fn)
            fpu_fault(cpu, EXC_UD);
        mem_seg_check(cpu, in, idx);
        fpu_check_ac(cpu, in->la, mem_align[idx] ? mem_align[idx] : (in->opsize == 2 ? 2 : 4));
        fn(cpu, in);
    } else {
        x87_reg_exec(cpu, in);
    }
    if (!is_control(in))
        x87_note_insn(cpu, in, fsw_before);
}

void fpu_fwait(CPUState *cpu)
{
    if ((cpu->env.cr0 & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS))
        fpu_fault(cpu, EXC_NM);
    fpu_check_pending(cpu);
}
