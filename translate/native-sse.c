/* Native backend: resolved SSE rows (helper_sse calls, see translate/
 * emit-sys.c) as the host's own SSE instruction.  The host is an x86-64,
 * so re-encoding the guest's register-form instruction on copies of the
 * guest registers (xmm0: ModRM.reg, xmm1: ModRM.rm, rax: a GPR) computes
 * exactly what the guest CPU would.  Guarded at run time, each falling
 * back to the helper call (the reference):
 *  - CR0.EM/TS clear and CR4.OSFXSR set (else #UD/#NM, raised by the
 *    helper);
 *  - for floating point, the guest MXCSR's control bits exactly 0x1F80
 *    (round to nearest, every exception masked, no DAZ/FTZ: Linux's
 *    default).  The host MXCSR is loaded with 0x1F80 (flags clear) before
 *    the instruction and its flags are ORed into the guest's after it; with
 *    every exception masked no #XM can arise.  0x1F80 is also what the C
 *    code runs with, so nothing is restored.
 * Memory forms run the same host instruction on the guest's bytes in place
 * (rax + rsi: the soft TLB's addend and the linear address), when the
 * segment needs no check (flat, or 64-bit mode) and at run time the TLB
 * hits (writable for stores) for the 16 bytes from the address, and the
 * operand is aligned: the 16-byte aligned forms' #GP and the smaller ones'
 * #AC (CR0.AM, EFLAGS.AC, CPL 3) are the helper's to raise, as are page
 * faults, MMIO and stores to pages holding translated code.
 * Left to the helper: MMX operands, rows whose results are
 * the implementation's rather than the architecture's (RCPPS/RSQRTPS),
 * MASKMOV (memory), and rows that write EFLAGS (helper_sse_eflags). */
#include "translate/native-x86_64.h"

#include "cpu/fpu.h"
#include "translate/helpers.h"

#define MXCSR_DEFAULT 0x1f80u

/* The packed FpuInsn fields (translate/emit-sys.c fpu_pack). */
typedef struct SseForm {
    unsigned map, opcode, modrm, reg, rm, shape, msize;
    uint8_t prefix, imm8;
    bool rex_w, mem, flat, has_imm8, fp, align16;
} SseForm;

static void unpack(uint64_t p, SseForm *f)
{
    static const uint8_t pfx[4] = { 0, 0x66, 0xf2, 0xf3 };
    unsigned traits = sse_row_traits((int)((p >> SSE_PACK_ROW_SHIFT) & (SSE_MAX_ROWS - 1)));
    f->map = p & 3;
    f->opcode = (p >> 2) & 0xff;
    f->prefix = pfx[(p >> 10) & 3];
    f->modrm = (p >> 12) & 0xff;
    f->rex_w = (p >> 20) & 1;
    f->reg = (p >> 21) & 15;
    f->rm = (p >> 25) & 15;
    f->mem = (p >> 29) & 1;
    f->imm8 = (uint8_t)(p >> 30);
    f->flat = (p >> 46) & 1;        /* the segment needs no check */
    f->shape = (traits >> SSE_T_SHAPE_SHIFT) & 15;
    f->fp = traits & SSE_T_MXCSR;
    f->align16 = traits & SSE_T_ALIGN16;
    f->msize = (traits & SSE_T_REXW) && f->rex_w ? 8 : (traits >> SSE_T_MSIZE_SHIFT) & 31;
    bool ok;
    f->has_imm8 = fpu_handles((uint8_t)f->map, (uint8_t)f->opcode, f->prefix, &ok) && ok;
    if (traits & SSE_T_MMX)
        f->shape = ~0u;
}

/* SSE3 rows of map 1 (the host may predate them). */
static bool is_sse3(const SseForm *f)
{
    unsigned o = f->opcode;
    if (f->prefix == 0xf2)
        return o == 0xf0 || o == 0x12 || o == 0x7c || o == 0x7d || o == 0xd0;
    if (f->prefix == 0x66)
        return o == 0x7c || o == 0x7d || o == 0xd0;
    return f->prefix == 0xf3 && (o == 0x12 || o == 0x16);
}

/* 0F 71/72/73: ModRM.reg selects the shift; the others are #UD, which
 * the helper raises (the host would raise it in kemu itself). */
static bool shift_group_ok(const SseForm *f)
{
    unsigned d = (f->modrm >> 3) & 7;
    if (f->opcode == 0x71 || f->opcode == 0x72)
        return d == 2 || d == 4 || d == 6;
    if (f->opcode == 0x73)
        return d == 2 || d == 3 || d == 6 || d == 7;
    return true;
}

static bool host_form(const SseForm *f)
{
    if ((f->mem && !f->flat) || f->map != 1 || f->shape > SSE_SHAPE_GXS || !shift_group_ok(f))
        return false;
    if (f->opcode == 0x52 || f->opcode == 0x53 || f->opcode == 0xf7)
        return false;               /* RSQRT/RCP: kemu's values; MASKMOV: memory */
    return !is_sse3(f) || __builtin_cpu_supports("sse3");
}

static X86Mem xmm_at(unsigned r)
{
    return ENV(offsetof(CPUX86State, xmm) + (size_t)r * sizeof(Xmm));
}

static X86Mem gpr_at(unsigned r)
{
    return ENV(offsetof(CPUX86State, regs) + (size_t)r * 8);
}

static X86Mem scratch(void)
{
    return xmem(X_RSP, -8);         /* the red zone: no call in between */
}

static void movdqu_load(X86Enc *e, int x, X86Mem m)
{
    x86_sse_rm(e, 0xf3, false, 1, 0x6f, x, m);
}

static void movdqu_store(X86Enc *e, X86Mem m, int x)
{
    x86_sse_rm(e, 0xf3, false, 1, 0x7f, x, m);
}

/* The guard's jumps to the helper call. */
typedef struct Exits {
    uint8_t *to_slow[6];
    unsigned n;
} Exits;

static void guards(Ctx *c, const SseForm *f, Exits *x)
{
    X86Enc *e = &c->e;
    x86_test_mi(e, 4, ENV(offsetof(CPUX86State, cr0)), (int32_t)(CR0_EM | CR0_TS));
    x->to_slow[x->n++] = x86_jcc32(e, XC_NE);
    x86_test_mi(e, 4, ENV(offsetof(CPUX86State, cr4)), (int32_t)CR4_OSFXSR);
    x->to_slow[x->n++] = x86_jcc32(e, XC_E);
    if (!f->fp)
        return;
    x86_load(e, 4, X_RAX, ENV(offsetof(CPUX86State, mxcsr)));
    x86_alu_ri(e, XA_AND, 4, X_RAX, (int32_t)0xffc0);
    x86_alu_ri(e, XA_CMP, 4, X_RAX, (int32_t)MXCSR_DEFAULT);
    x->to_slow[x->n++] = x86_jcc32(e, XC_NE);
    x86_store_i(e, 4, scratch(), (int32_t)MXCSR_DEFAULT);
    x86_sse_rm(e, 0, false, 1, 0xae, 2, scratch());             /* ldmxcsr */
}

/* Memory forms (la in rsi): rax = the TLB addend, or to the helper when
 * it misses or the operand is misaligned.  The TLB test covers 16 bytes
 * whatever the row's size, so the host instruction can never reach past
 * the guest page whatever it reads. */
static void mem_guards(Ctx *c, const SseForm *f, Exits *x)
{
    X86Enc *e = &c->e;
    unsigned align = f->align16 ? 16 : f->msize < 16 ? f->msize : 1;
    if (align > 1) {
        x86_mov_rr(e, 4, X_RCX, X_RSI);
        x86_alu_ri(e, XA_AND, 4, X_RCX, (int32_t)align - 1);
        x->to_slow[x->n++] = x86_jcc32(e, XC_NE);
    }
    bool store = f->shape == SSE_SHAPE_ST || f->shape == SSE_SHAPE_GXS;
    x->to_slow[x->n++] = nat_tlb_addend(c, 16, store);
}

static void merge_mxcsr(X86Enc *e)
{
    x86_sse_rm(e, 0, false, 1, 0xae, 3, scratch());             /* stmxcsr */
    x86_load(e, 4, X_RAX, scratch());
    x86_alu_ri(e, XA_AND, 4, X_RAX, 0x3f);
    x86_alu_rm(e, XA_OR, 4, X_RAX, ENV(offsetof(CPUX86State, mxcsr)));
    x86_store(e, 4, ENV(offsetof(CPUX86State, mxcsr)), X_RAX);
}

static void op_imm8(X86Enc *e, const SseForm *f)
{
    if (f->has_imm8)
        x86_byte(e, f->imm8);
}

/* The instruction itself on xmm0 (reg side), xmm1 (rm side) or rax. */
static void body(X86Enc *e, const SseForm *f)
{
    switch (f->shape) {
    case SSE_SHAPE_XX:
        movdqu_load(e, 0, xmm_at(f->reg));
        movdqu_load(e, 1, xmm_at(f->rm));
        x86_sse_rr(e, f->prefix, f->rex_w, f->map, (uint8_t)f->opcode, 0, 1);
        op_imm8(e, f);
        movdqu_store(e, xmm_at(f->reg), 0);
        break;
    case SSE_SHAPE_ST: {
        /* 0F 71-73: ModRM.reg is the operation, rm the register. */
        bool grp = f->opcode >= 0x71 && f->opcode <= 0x73;
        if (!grp)
            movdqu_load(e, 0, xmm_at(f->reg));
        movdqu_load(e, 1, xmm_at(f->rm));
        x86_sse_rr(e, f->prefix, f->rex_w, f->map, (uint8_t)f->opcode,
                   grp ? (int)((f->modrm >> 3) & 7) : 0, 1);
        op_imm8(e, f);
        movdqu_store(e, xmm_at(f->rm), 1);
        break;
    }
    case SSE_SHAPE_XG:              /* the GPR's low bytes, as memory */
        movdqu_load(e, 0, xmm_at(f->reg));
        x86_sse_rm(e, f->prefix, f->rex_w, f->map, (uint8_t)f->opcode, 0, gpr_at(f->rm));
        op_imm8(e, f);
        movdqu_store(e, xmm_at(f->reg), 0);
        break;
    case SSE_SHAPE_GX:              /* 32-bit results zero-extend */
        movdqu_load(e, 1, xmm_at(f->rm));
        x86_sse_rr(e, f->prefix, f->rex_w, f->map, (uint8_t)f->opcode, X_RAX, 1);
        op_imm8(e, f);
        x86_store(e, 8, gpr_at(f->reg), X_RAX);
        break;
    default:                        /* GXS: MOVD/MOVQ r/m, xmm */
        movdqu_load(e, 0, xmm_at(f->reg));
        x86_sse_rr(e, f->prefix, f->rex_w, f->map, (uint8_t)f->opcode, 0, X_RAX);
        op_imm8(e, f);
        x86_store(e, 8, gpr_at(f->rm), X_RAX);
        break;
    }
}

/* The same on the guest's bytes at rax + rsi. */
static void body_mem(X86Enc *e, const SseForm *f)
{
    X86Mem m = xmem_idx(X_RAX, X_RSI, 1, 0);
    switch (f->shape) {
    case SSE_SHAPE_XX:
    case SSE_SHAPE_XG:
        movdqu_load(e, 0, xmm_at(f->reg));
        x86_sse_rm(e, f->prefix, f->rex_w, f->map, (uint8_t)f->opcode, 0, m);
        op_imm8(e, f);
        movdqu_store(e, xmm_at(f->reg), 0);
        break;
    case SSE_SHAPE_GX:              /* 32-bit results zero-extend */
        x86_sse_rm(e, f->prefix, f->rex_w, f->map, (uint8_t)f->opcode, X_RCX, m);
        op_imm8(e, f);
        x86_store(e, 8, gpr_at(f->reg), X_RCX);
        break;
    default:                        /* ST, GXS: stores */
        movdqu_load(e, 0, xmm_at(f->reg));
        x86_sse_rm(e, f->prefix, f->rex_w, f->map, (uint8_t)f->opcode, 0, m);
        op_imm8(e, f);
        break;
    }
}

bool nat_gen_sse(Ctx *c, const IROp *op)
{
    if (op->fn != helper_sse)
        return false;
    SseForm f;
    unpack(op->imm, &f);
    if (!host_form(&f) || op->a == IR_NONE)
        return false;
    X86Enc *e = &c->e;
    nat_flush_pc(c);                /* both paths see the same rip */
    /* The linear address (often left only in rax by the op before) in
     * rsi, which the guards keep: the fallback takes it back from there. */
    bool a_in_rax = op->a == c->prev_rax;
    nat_load_a(c, 8, X_RSI, op->a);
    Exits x = { .n = 0 };
    guards(c, &f, &x);
    if (f.mem) {
        mem_guards(c, &f, &x);
        body_mem(e, &f);
    } else {
        body(e, &f);
    }
    if (f.fp)
        merge_mxcsr(e);
    x86_alu_rr(e, XA_XOR, 4, X_RAX, X_RAX);     /* the helper's result, 0 */
    nat_store_result(c, op, X_RAX);
    uint8_t *done = x86_jmp32(e);
    for (unsigned i = 0; i < x.n; i++)
        x86_patch_rel32(x.to_slow[i], e->p);
    if (a_in_rax)
        x86_mov_rr(e, 8, X_RAX, X_RSI);
    IROp call = *op;
    if (f.mem)
        call.fn = helper_sse_fill;
    nat_gen_call(c, &call);
    x86_patch_rel32(done, e->p);
    return true;
}
