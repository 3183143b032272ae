/* IR for system instructions, port I/O and the x87/SSE hand-off: mostly
 * calls into cpu/ through the helpers in translate/helpers-sys.c. */
#include "translate/emit.h"

#include "cpu/cpuid.h"
#include "cpu/fpu.h"
#include "cpu/sys.h"
#include "translate/helpers.h"

static void end_after(Dc *dc)
{
    gen_exit_next(dc);
}

static void emit_io(Dc *dc, bool out)
{
    const Insn *in = dc->in;
    IRTemp port = in->info->sub ? gen_get(dc, 2, R_EDX) : gen_imm(dc, in->imm & 0xff);
    unsigned w = in->opsize == 8 ? 4 : in->opsize;
    if (out) {
        gen_helper(dc, helper_out, port, gen_get(dc, w, R_EAX), IR_NONE, w);
    } else {
        IRTemp v = gen_helper(dc, helper_in, port, IR_NONE, IR_NONE, w);
        gen_set(dc, w, R_EAX, v);
    }
    end_after(dc);
}

/* Bits 43-45 of the packed FpuInsn: the memory operand's segment (for the
 * check and for FDS), FPU_PACK_NOSEG for none; bit 46: the segment needs
 * no check (see helpers-fpu.c). */
#define FPU_PACK_SEG_SHIFT 43
#define FPU_PACK_NOSEG 7ULL
#define FPU_PACK_FLAT (1ULL << 46)

static uint64_t fpu_pack(const Insn *in)
{
    uint8_t pfx = in->mprefix == 0x66 ? 1 : in->mprefix == 0xf2 ? 2 : in->mprefix == 0xf3 ? 3 : 0;
    return (uint64_t)in->map | ((uint64_t)in->op << 2) | ((uint64_t)pfx << 10) |
           ((uint64_t)in->modrm << 12) | ((uint64_t)((in->rex >> 3) & 1) << 20) |
           ((uint64_t)in->reg << 21) | ((uint64_t)in->rm << 25) | ((uint64_t)in->mem << 29) |
           ((uint64_t)(in->imm & 0xff) << 30) | ((uint64_t)in->dsize << 38) |
           ((uint64_t)(in->rex != 0) << 42) | (FPU_PACK_NOSEG << FPU_PACK_SEG_SHIFT);
}

/* MASKMOVQ/MASKMOVDQU: their memory operand is DS:rDI, not ModRM. */
static bool is_maskmov(const Insn *in)
{
    return in->map == 1 && in->op == 0xf7 && !in->mem && (in->mprefix == 0 || in->mprefix == 0x66);
}

/* The linear address of ea through seg, without the translator's own
 * segment check: cpu/fpu.c checks FPU operands by their real size. */
static IRTemp fpu_linear(Dc *dc, IRTemp ea, unsigned seg)
{
    IRBlock *b = dc->b;
    if (dc->mode != MODE64)
        return ir_binop(b, IR_ADD, 4, ea, ir_ld_env(b, 8, SEG_BASE_OFF(seg)));
    if (seg == SEG_FS || seg == SEG_GS)
        return ir_binop(b, IR_ADD, 8, ea, ir_ld_env(b, 8, SEG_BASE_OFF(seg)));
    return ea;
}

/* MMX/SSE rows are resolved here, once: the helper runs the row without
 * decoding again, and only the rows that write EFLAGS are declared as
 * touching the lazy flags (none reads them).  x87, the 0F AE group and
 * forms that raise #UD take the generic helper. */
static void emit_fpu_la(Dc *dc, IRTemp la, IRTemp ea, uint64_t seg, bool flat)
{
    const Insn *in = dc->in;
    uint64_t imm = (fpu_pack(in) & ~(FPU_PACK_NOSEG << FPU_PACK_SEG_SHIFT)) |
                   (seg << FPU_PACK_SEG_SHIFT) | (flat ? FPU_PACK_FLAT : 0);
    int id = in->map ? sse_resolve(dc->cpu, in->map, in->op, in->mprefix, in->mem) : -1;
    if (id < 0) {
        gen_helper(dc, helper_fpu, la, gen_imm(dc, dc->next_pc), ea, imm);
        return;
    }
    imm |= (uint64_t)id << SSE_PACK_ROW_SHIFT;
    if (sse_row_traits(id) & SSE_T_EFLAGS)
        gen_helper(dc, helper_sse_eflags, la, IR_NONE, ea, imm);
    else
        ir_call(dc->b, helper_sse, IR_CALL_MAY_FAULT, la, IR_NONE, ea, imm);
}

/* x87, MMX and SSE instructions (the FPU helper), and the memory forms of
 * the 0F AE group.  The helper gets the operand's offset, linear address
 * and segment (the x87 data pointer records offset and selector, SDM vol. 1
 * 8.1.8); the segment is checked there, after the #UD/#NM checks and with
 * each instruction's real size and direction (SDM vol. 3 table 6-2), unless
 * it is flat or in 64-bit mode (as gen_seg_check decides). */
static void emit_fpu(Dc *dc)
{
    const Insn *in = dc->in;
    IRTemp ea;
    unsigned seg;
    if (is_maskmov(in)) {
        ea = gen_get(dc, in->asize, R_EDI);
        seg = insn_seg(dc, SEG_DS);
    } else if (in->mem) {
        ea = gen_ea(dc);
        seg = insn_seg(dc, in->def_seg);
    } else {
        IRTemp zero = gen_imm(dc, 0);
        emit_fpu_la(dc, zero, zero, FPU_PACK_NOSEG, true);
        return;
    }
    bool check = dc->mode != MODE64 && (dc->flags & TBF_SEGNF(seg));
    emit_fpu_la(dc, fpu_linear(dc, ea, seg), ea, seg, !check);
}

static int emit_grp6(Dc *dc)
{
    const Insn *in = dc->in;
    unsigned op = (in->modrm >> 3) & 7;
    if (!(dc->flags & TBF_PE) || (dc->flags & TBF_VM) || op > 5)
        return -1;
    if (op < 2) {       /* SLDT, STR */
        IRTemp v = gen_helper(dc, helper_sys_read, IR_NONE, IR_NONE, IR_NONE, SYSR_LDTR + op);
        if (in->mem)
            gen_st_rm(dc, 2, IR_NONE, v);
        else
            gen_set(dc, in->dsize, in->rm, v);
        return 1;
    }
    IRTemp sel = gen_ld_rm(dc, 2, NULL);
    gen_helper(dc, helper_sys_write, sel, IR_NONE, IR_NONE, SYSW_LLDT + op - 2);
    if (op < 4)
        end_after(dc);
    return 1;
}

/* SGDT/SIDT/LGDT/LIDT: limit (2 bytes) then base (4, or 8 in 64-bit mode). */
static void emit_dtr(Dc *dc, unsigned op)
{
    /* SGDT/SIDT store, LGDT/LIDT load 2 + 4 bytes (checked outside 64-bit mode). */
    IRTemp la = gen_mem_la_w(dc, 6, op < 2);
    gen_helper(dc, helper_dtr, la, IR_NONE, IR_NONE,
               op | ((uint64_t)dc->in->dsize << 8) | ((uint64_t)(dc->mode == MODE64) << 16));
    if (op >= 2)
        end_after(dc);
}

/* RTM, on models whose CPUID.(EAX=07H,ECX=0):EBX.RTM[bit 11] is set
 * (Intel's from Haswell on; no AMD part has it, and there all four
 * instructions raise #UD).  kemu never executes transactionally, which
 * the SDM permits (vol. 1 ch. 16: a transaction may abort for many
 * implementation reasons, and with TSX disabled by IA32_TSX_CTRL every
 * XBEGIN aborts with status 0):
 * XBEGIN aborts at once, EAX = 0 and on to its fallback address; outside a
 * transaction XABORT is a NOP, XEND raises #GP(0) and XTEST sets ZF. */
#define CPUID7_HLE (1u << 4)
#define CPUID7_RTM (1u << 11)

static bool has_rtm(const Dc *dc)
{
    return dc->cpu->features[FEAT_7_0_EBX] & CPUID7_RTM;
}

int emit_rtm_begin_abort(Dc *dc)
{
    const Insn *in = dc->in;
    if (!has_rtm(dc))
        return -1;
    if (in->op == 0xc6)
        return 1;
    uint64_t fallback = dc->next_pc + in->imm;
    if (in->opsize == 2)
        fallback &= 0xffff;
    else if (dc->mode != MODE64)
        fallback &= 0xffffffffULL;
    if (dc->mode == MODE64 && !cpu_canonical(fallback)) {
        gen_raise_gp0(dc);      /* XBEGIN's own check, before any abort */
        return 1;
    }
    gen_set(dc, 4, R_EAX, gen_imm(dc, 0));
    gen_jmp_to(dc, fallback);
    return 1;
}

static int emit_xend_xtest(Dc *dc, bool xtest)
{
    bool hle = dc->cpu->features[FEAT_7_0_EBX] & CPUID7_HLE;
    if (!has_rtm(dc) && !(xtest && hle))      /* XTEST: HLE or RTM */
        return -1;
    if (xtest)
        gen_helper(dc, helper_flagop, IR_NONE, IR_NONE, IR_NONE, FLAGOP_XTEST);
    else
        gen_raise_gp0(dc);
    return 1;
}

static int emit_grp7_reg(Dc *dc, unsigned op)
{
    const Insn *in = dc->in;
    unsigned rm = in->modrm & 7;
    switch (op) {
    case 2:
        if (rm == 0 || rm == 1) {       /* XGETBV, XSETBV */
            gen_helper(dc, helper_sys_write, IR_NONE, IR_NONE, IR_NONE,
                       rm ? SYSW_XSETBV : SYSW_XGETBV);
            if (rm)
                end_after(dc);
            return 1;
        }
        if (rm == 5 || rm == 6)         /* XEND, XTEST */
            return emit_xend_xtest(dc, rm == 6);
        return -1;
    case 1:
        if (rm == 2 || rm == 3) {       /* CLAC, STAC */
            gen_helper(dc, helper_sys_write, IR_NONE, IR_NONE, IR_NONE,
                       rm == 3 ? SYSW_STAC : SYSW_CLAC);
            return 1;
        }
        return -1;
    case 5:
        if (rm == 6 || rm == 7) {       /* RDPKRU, WRPKRU */
            gen_helper(dc, helper_sys_write, IR_NONE, IR_NONE, IR_NONE,
                       rm == 7 ? SYSW_WRPKRU : SYSW_RDPKRU);
            return 1;
        }
        return -1;
    case 4: {
        IRTemp v = gen_helper(dc, helper_sys_read, IR_NONE, IR_NONE, IR_NONE, SYSR_MSW);
        gen_set(dc, in->dsize, in->rm, v);
        return 1;
    }
    case 6:
        gen_helper(dc, helper_sys_write, gen_get(dc, 2, in->rm), IR_NONE, IR_NONE, SYSW_LMSW);
        end_after(dc);
        return 1;
    case 7:
        if (rm == 0 && dc->mode == MODE64) {        /* SWAPGS */
            gen_helper(dc, helper_sys_write, IR_NONE, IR_NONE, IR_NONE, SYSW_SWAPGS);
            return 1;
        }
        if (rm == 1) {                              /* RDTSCP */
            gen_helper(dc, helper_sys_write, IR_NONE, IR_NONE, IR_NONE, SYSW_RDTSCP);
            return 1;
        }
        return -1;
    default:
        return -1;
    }
}

static int emit_grp7(Dc *dc)
{
    const Insn *in = dc->in;
    unsigned op = (in->modrm >> 3) & 7;
    if (!in->mem)
        return emit_grp7_reg(dc, op);
    switch (op) {
    case 0: case 1: case 2: case 3: emit_dtr(dc, op); return 1;
    case 4: {
        IRTemp v = gen_helper(dc, helper_sys_read, IR_NONE, IR_NONE, IR_NONE, SYSR_MSW);
        gen_st_rm(dc, 2, IR_NONE, v);
        return 1;
    }
    case 6:
        gen_helper(dc, helper_sys_write, gen_ld_rm(dc, 2, NULL), IR_NONE, IR_NONE, SYSW_LMSW);
        end_after(dc);
        return 1;
    case 7:
        gen_helper(dc, helper_sys_write, gen_mem_la(dc), IR_NONE, IR_NONE, SYSW_INVLPG);
        end_after(dc);
        return 1;
    default:
        return -1;
    }
}

static void emit_lar_lsl(Dc *dc, bool lsl)
{
    const Insn *in = dc->in;
    IRTemp sel = gen_ld_rm(dc, 2, NULL);
    gen_helper(dc, helper_lar_lsl, sel, IR_NONE, IR_NONE,
               lsl | ((uint64_t)in->reg << 8) | ((uint64_t)in->dsize << 16));
}

static void emit_mov_crdr(Dc *dc, bool dr)
{
    const Insn *in = dc->in;
    unsigned w = dc->mode == MODE64 ? 8 : 4;
    unsigned n = in->reg;
    if (in->info->flags & I_DIR) {
        gen_helper(dc, helper_sys_write, gen_get(dc, w, in->rm), IR_NONE, IR_NONE,
                   (dr ? SYSW_DR : SYSW_CR) | (n << 8));
        end_after(dc);
    } else {
        IRTemp v = gen_helper(dc, helper_sys_read, IR_NONE, IR_NONE, IR_NONE,
                              (dr ? SYSR_DR : SYSR_CR) | (n << 8));
        gen_set(dc, w, in->rm, v);
    }
}

static int emit_grp15(Dc *dc)
{
    const Insn *in = dc->in;
    unsigned op = (in->modrm >> 3) & 7;
    if (!in->mem && in->rep == 0xf3 && op < 4 && dc->mode == MODE64) {
        unsigned w = in->dsize == 8 ? 8 : 4;    /* RD/WR FS/GS BASE */
        if (op < 2)
            gen_set(dc, w, in->rm, gen_helper(dc, helper_fsgsbase, IR_NONE, IR_NONE,
                                              IR_NONE, op | (w << 8)));
        else
            gen_helper(dc, helper_fsgsbase, gen_get(dc, w, in->rm), IR_NONE, IR_NONE,
                       op | (w << 8));
        return 1;
    }
    if (!in->mem)
        return op >= 5 && !in->rep ? 1 : -1;    /* LFENCE, MFENCE, SFENCE */
    if (op == 7) {                              /* CLFLUSH: check the address only */
        IRTemp la = gen_mem_la_w(dc, 1, false);
        ir_ld(dc->b, 1, la);
        return 1;
    }
    /* FXSAVE, FXRSTOR, LDMXCSR, STMXCSR, XSAVE, XRSTOR, XSAVEOPT: cpu/
     * checks the whole area each one touches. */
    emit_fpu(dc);
    return 1;
}

static int emit_grp9(Dc *dc)
{
    const Insn *in = dc->in;
    unsigned op = (in->modrm >> 3) & 7;
    if (op == 1 && in->mem) {
        gen_helper(dc, helper_cmpxchg8b, gen_mem_la_w(dc, in->dsize == 8 ? 16 : 8, true), IR_NONE, IR_NONE, in->dsize == 8);
        return 1;
    }
    if (op == 7 && !in->mem && in->rep == 0xf3) {  /* RDPID */
        IRTemp v = gen_helper(dc, helper_rdpid, IR_NONE, IR_NONE, IR_NONE, 0);
        gen_set(dc, dc->mode == MODE64 ? 8 : 4, in->rm, v);
        return 1;
    }
    if (op == 6 && !in->mem) {
        IRTemp v = gen_helper(dc, helper_rdrand, IR_NONE, IR_NONE, IR_NONE, in->dsize);
        gen_set(dc, in->dsize, in->rm, v);
        return 1;
    }
    return -1;
}

static void emit_simple(Dc *dc, unsigned what, bool end)
{
    gen_helper(dc, helper_sys_write, gen_imm(dc, dc->next_pc), IR_NONE, IR_NONE, what);
    if (end) {
        ir_exit_tb(dc->b);
        dc->jumped = dc->end = true;
    }
}

int emit_sys(Dc *dc)
{
    const Insn *in = dc->in;
    switch (in->info->kind) {
    case K_IN: emit_io(dc, false); return 1;
    case K_OUT: emit_io(dc, true); return 1;
    case K_HLT: emit_simple(dc, SYSW_HLT, true); return 1;
    case K_GRP6: return emit_grp6(dc);
    case K_GRP7: return emit_grp7(dc);
    case K_LAR: emit_lar_lsl(dc, false); return 1;
    case K_LSL: emit_lar_lsl(dc, true); return 1;
    case K_SYSCALL: emit_simple(dc, SYSW_SYSCALL, true); return 1;
    case K_SYSRET: emit_simple(dc, SYSW_SYSRET | ((unsigned)in->dsize << 8), true); return 1;
    case K_SYSENTER: emit_simple(dc, SYSW_SYSENTER, true); return 1;
    case K_SYSEXIT: emit_simple(dc, SYSW_SYSEXIT | ((unsigned)in->dsize << 8), true); return 1;
    case K_CLTS: emit_simple(dc, SYSW_CLTS, false); return 1;
    case K_WBINVD: emit_simple(dc, SYSW_WBINVD, false); return 1;
    case K_UD: return -1;
    case K_MOV_CR: emit_mov_crdr(dc, false); return 1;
    case K_MOV_DR: emit_mov_crdr(dc, true); return 1;
    case K_WRMSR: emit_simple(dc, SYSW_WRMSR, false); end_after(dc); return 1;
    case K_RDMSR: emit_simple(dc, SYSW_RDMSR, false); return 1;
    case K_RDTSC: emit_simple(dc, SYSW_RDTSC, false); return 1;
    case K_RDPMC: emit_simple(dc, SYSW_RDPMC, false); return 1;
    case K_CPUID: emit_simple(dc, SYSW_CPUID, false); return 1;
    case K_GRP15: return emit_grp15(dc);
    case K_GRP9: return emit_grp9(dc);
    case K_FPU: emit_fpu(dc); return 1;
    case K_WAIT:
        gen_helper(dc, helper_wait, gen_imm(dc, dc->next_pc), IR_NONE, IR_NONE,
                   fpu_pack(in));
        return 1;
    case K_BOUND:
        gen_helper(dc, helper_bound, gen_mem_la_w(dc, 2 * in->dsize, false), gen_get(dc, in->dsize, in->reg), IR_NONE,
                   in->dsize);
        return 1;
    case K_ARPL:
        if (!(dc->flags & TBF_PE) || (dc->flags & TBF_VM))
            return -1;
        {
            IRTemp la;
            IRTemp d = gen_ld_rm_w(dc, 2, &la);
            IRTemp r = gen_helper(dc, helper_arpl, d, gen_get(dc, 2, in->reg), IR_NONE, 0);
            gen_st_rm(dc, 2, la, r);
        }
        return 1;
    default:
        return 0;
    }
}
