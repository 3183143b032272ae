/* IR for system instructions, port I/O and the x87/SSE hand-off: mostly
 * calls into cpu/ through the helpers in translate/helpers-sys.c. */
#include "translate/emit.h"

#include "cpu/fpu.h"
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

static uint64_t fpu_pack(const Insn *in)
{
    uint8_t pfx = in->mprefix == 0x66 ? 1 : in->mprefix == 0xf2 ? 2 : in->mprefix == 0xf3 ? 3 : 0;
    return (uint64_t)in->map | ((uint64_t)in->op << 2) | ((uint64_t)pfx << 10) |
           ((uint64_t)in->modrm << 12) | ((uint64_t)((in->rex >> 3) & 1) << 20) |
           ((uint64_t)in->reg << 21) | ((uint64_t)in->rm << 25) | ((uint64_t)in->mem << 29) |
           ((uint64_t)(in->imm & 0xff) << 30) | ((uint64_t)in->dsize << 38) |
           ((uint64_t)(in->rex != 0) << 42);
}

/* Size and direction of an x87 memory operand (ESC D8-DF, SDM vol. 2 A.4)
 * for the segment check; false for other instructions of the FPU helper. */
static bool x87_mem_access(const Insn *in, unsigned *w, bool *write)
{
    static const uint8_t size[8][8] = {     /* [op - 0xd8][reg]; 0: environment */
        { 4, 4, 4, 4, 4, 4, 4, 4 },         /* D8: m32fp arithmetic */
        { 4, 4, 4, 4, 0, 2, 0, 2 },         /* D9: FLD/FST(P) m32, FLDENV, FLDCW... */
        { 4, 4, 4, 4, 4, 4, 4, 4 },         /* DA: m32int arithmetic */
        { 4, 4, 4, 4, 4, 10, 4, 10 },       /* DB: FILD/FISTTP/FIST(P) m32, FLD/FSTP m80 */
        { 8, 8, 8, 8, 8, 8, 8, 8 },         /* DC: m64fp arithmetic */
        { 8, 8, 8, 8, 1, 8, 1, 2 },         /* DD: m64, FRSTOR, FNSAVE, FNSTSW; 1: state */
        { 2, 2, 2, 2, 2, 2, 2, 2 },         /* DE: m16int arithmetic */
        { 2, 2, 2, 2, 10, 8, 10, 8 },       /* DF: m16int, FBLD, FILD m64, FBSTP, FISTP m64 */
    };
    static const uint8_t stores[8] = {      /* reg fields that write memory */
        0x00, 0xcc, 0x00, 0x8e, 0x00, 0xce, 0x00, 0xce,
    };
    if (in->map != 0 || in->op < 0xd8 || in->op > 0xdf)
        return false;
    unsigned i = in->op - 0xd8, reg = (in->modrm >> 3) & 7;
    unsigned n = size[i][reg];
    bool o16 = in->dsize == 2;
    if (n == 0)
        n = o16 ? 14 : 28;                  /* FLDENV/FNSTENV */
    else if (n == 1)
        n = o16 ? 94 : 108;                 /* FRSTOR/FNSAVE */
    *w = n;
    *write = (stores[i] >> reg) & 1;
    return true;
}

static void emit_fpu_la(Dc *dc, IRTemp la)
{
    gen_helper(dc, helper_fpu, la, gen_imm(dc, dc->next_pc), IR_NONE, fpu_pack(dc->in));
}

/* x87 and SSE instructions (the FPU helper).  SSE memory operands are
 * checked with the operand size as reads only. */
static void emit_fpu(Dc *dc)
{
    unsigned w;
    bool write;
    IRTemp la;
    if (!dc->in->mem)
        la = gen_imm(dc, 0);
    else if (x87_mem_access(dc->in, &w, &write))
        la = gen_mem_la_w(dc, w, write);
    else
        la = gen_mem_la(dc);
    emit_fpu_la(dc, la);
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
        return -1;
    case 1:
        if (rm == 2 || rm == 3) {       /* CLAC, STAC */
            gen_helper(dc, helper_sys_write, IR_NONE, IR_NONE, IR_NONE,
                       rm == 3 ? SYSW_STAC : SYSW_CLAC);
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
    if (!in->mprefix && op <= 5) {
        /* FXSAVE, FXRSTOR, LDMXCSR, STMXCSR, XSAVE, XRSTOR: the XSAVE area
         * is checked for its legacy region and header (576 bytes). */
        static const uint16_t size[6] = { 512, 512, 4, 4, 576, 576 };
        emit_fpu_la(dc, gen_mem_la_w(dc, size[op], (0x19u >> op) & 1));
        return 1;
    }
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
