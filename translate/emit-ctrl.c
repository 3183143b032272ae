/* IR for control transfers, the stack, string instructions, software
 * interrupts and segment register loads. */
#include "translate/emit.h"

#include "cpu/cpuid.h"
#include "translate/helpers.h"

static void emit_push_r(Dc *dc)
{
    const Insn *in = dc->in;
    unsigned reg = (in->op & 7) | ((in->rex & 1) << 3);
    gen_push(dc, in->dsize, ir_get_reg(dc->b, in->dsize, reg));
}

static void emit_pop_r(Dc *dc)
{
    const Insn *in = dc->in;
    unsigned reg = (in->op & 7) | ((in->rex & 1) << 3), w = in->dsize;
    IRTemp v = gen_pop_peek(dc, w, 0);
    gen_sp_add(dc, w);
    ir_set_reg(dc->b, w, reg, v);
}

static void emit_pop_rm(Dc *dc)
{
    const Insn *in = dc->in;
    unsigned w = in->dsize;
    if ((in->modrm >> 3) & 7) {
        gen_raise(dc, EXC_UD);
        return;
    }
    IRTemp v = gen_pop_peek(dc, w, 0);
    if (in->mem) {
        /* The address is computed with the incremented stack pointer. */
        IRTemp sp = ir_get_reg(dc->b, 8, R_ESP);
        gen_sp_add(dc, w);
        IRTemp la = gen_mem_la(dc);
        ir_set_reg(dc->b, 8, R_ESP, sp);
        gen_st_mem(dc, w, la, v);
        gen_sp_add(dc, w);
    } else {
        gen_sp_add(dc, w);
        ir_set_reg(dc->b, w, in->rm, v);
    }
}

static void emit_push_seg(Dc *dc)
{
    IRBlock *b = dc->b;
    unsigned w = dc->in->dsize, ss = stack_size(dc);
    unsigned off = (unsigned)(offsetof(CPUX86State, seg) + dc->in->info->sub * sizeof(SegReg) +
                              offsetof(SegReg, sel));
    IRTemp sel = ir_ld_env(b, 2, off);
    /* Recent processors write only the selector's 16 bits. */
    IRTemp sp = ir_binopi(b, IR_SUB, ss, ir_get_reg(b, ss, R_ESP), w);
    ir_st(b, 2, gen_stack_la(dc, sp, 2), sel);
    ir_set_reg(b, ss, R_ESP, sp);
}

static void gen_load_seg(Dc *dc, unsigned seg, IRTemp sel)
{
    gen_helper(dc, helper_load_seg, sel, IR_NONE, IR_NONE, seg);
}

/* After a segment load: SS changes the stack size and interrupt shadow; in
 * protected mode any load may change whether limits are checked. */
static void end_after_seg_load(Dc *dc, unsigned seg)
{
    if (seg == SEG_SS || ((dc->flags & TBF_PE) && !(dc->flags & TBF_VM) && dc->mode != MODE64))
        gen_exit_next(dc);
}

static void emit_pop_seg(Dc *dc)
{
    unsigned w = dc->in->dsize, seg = dc->in->info->sub;
    IRTemp v = gen_pop_peek(dc, w, 0);
    gen_load_seg(dc, seg, ir_binopi(dc->b, IR_AND, 8, v, 0xffff));
    gen_sp_add(dc, w);
    end_after_seg_load(dc, seg);
}

static int emit_mov_sreg(Dc *dc)
{
    const Insn *in = dc->in;
    unsigned seg = in->reg & 7;
    if (seg >= SEG_COUNT || seg == SEG_CS)
        return -1;
    gen_load_seg(dc, seg, gen_ld_rm(dc, 2, NULL));
    end_after_seg_load(dc, seg);
    return 1;
}

static int emit_mov_from_sreg(Dc *dc)
{
    const Insn *in = dc->in;
    unsigned seg = in->reg & 7;
    if (seg >= SEG_COUNT)
        return -1;
    unsigned off = (unsigned)(offsetof(CPUX86State, seg) + seg * sizeof(SegReg) +
                              offsetof(SegReg, sel));
    IRTemp sel = ir_ld_env(dc->b, 2, off);
    if (in->mem)
        gen_st_rm(dc, 2, IR_NONE, sel);
    else
        gen_set(dc, in->dsize, in->rm, sel);
    return 1;
}

/* LDS/LES/LSS/LFS/LGS: offset then selector in memory. */
static void emit_lxs(Dc *dc)
{
    const Insn *in = dc->in;
    unsigned w = in->dsize, seg = in->info->sub;
    IRTemp la = gen_mem_la_w(dc, w + 2, false);
    IRTemp off = ir_ld(dc->b, w, la);
    IRTemp la2 = ir_binopi(dc->b, IR_ADD, dc->mode == MODE64 ? 8 : 4, la, w);
    IRTemp sel = ir_ld(dc->b, 2, la2);
    gen_load_seg(dc, seg, sel);
    gen_set(dc, w, in->reg, off);
    end_after_seg_load(dc, seg);
}

static void emit_pusha(Dc *dc)
{
    IRBlock *b = dc->b;
    unsigned w = dc->in->dsize, ss = stack_size(dc);
    IRTemp sp = ir_get_reg(b, ss, R_ESP);
    for (unsigned i = 0; i < 8; i++) {
        IRTemp v = ir_get_reg(b, w, i);
        IRTemp a = ir_binopi(b, IR_SUB, ss, sp, (i + 1) * w);
        ir_st(b, w, gen_stack_la(dc, a, w), v);
    }
    ir_set_reg(b, ss, R_ESP, ir_binopi(b, IR_SUB, ss, sp, 8 * w));
}

static void emit_popa(Dc *dc)
{
    IRBlock *b = dc->b;
    unsigned w = dc->in->dsize;
    IRTemp v[8];
    for (unsigned i = 0; i < 8; i++)
        v[i] = i == 3 ? IR_NONE : gen_pop_peek(dc, w, i * w);
    for (unsigned i = 0; i < 8; i++) {
        if (i != 3)
            ir_set_reg(b, w, 7 - i, v[i]);
    }
    gen_sp_add(dc, 8 * w);
}

static void emit_pushf(Dc *dc)
{
    unsigned w = dc->in->dsize;
    bool vm = (dc->flags & TBF_VM) != 0;    /* only there can PUSHF fault */
    IRTemp f = gen_helper(dc, helper_pushf, IR_NONE, IR_NONE, IR_NONE, w | (unsigned)vm << 8);
    gen_push(dc, w, f);
}

static void emit_popf(Dc *dc)
{
    unsigned w = dc->in->dsize;
    IRTemp v = gen_pop_peek(dc, w, 0);
    gen_helper(dc, helper_popf, v, IR_NONE, IR_NONE, w);
    gen_sp_add(dc, w);
    gen_exit_next(dc);
}

static void emit_enter(Dc *dc)
{
    const Insn *in = dc->in;
    gen_helper(dc, helper_enter, IR_NONE, IR_NONE, IR_NONE,
               (in->imm & 0xffff) | ((in->imm2 & 0x1f) << 16) | ((uint64_t)in->dsize << 24) |
               ((uint64_t)stack_size(dc) << 32));
}

static void emit_leave(Dc *dc)
{
    IRBlock *b = dc->b;
    unsigned w = dc->in->dsize, ss = stack_size(dc);
    IRTemp bp = ir_get_reg(b, ss, R_EBP);
    IRTemp v = ir_ld(b, w, gen_stack_la(dc, bp, w));
    ir_set_reg(b, ss, R_ESP, ir_binopi(b, IR_ADD, ss, bp, w));
    ir_set_reg(b, w, R_EBP, v);
}

static void emit_call_near(Dc *dc, IRTemp target)
{
    unsigned w = dc->in->dsize;
    gen_push(dc, w, gen_imm(dc, dc->next_pc & size_mask(w)));
    if (target == IR_NONE)
        gen_jmp_to(dc, near_target(dc, dc->next_pc + dc->in->imm));
    else
        gen_jmp_reg(dc, target);
}

static void emit_ret(Dc *dc)
{
    unsigned w = dc->in->dsize;
    IRTemp v = gen_pop_peek(dc, w, 0);
    gen_sp_add(dc, w + (dc->in->imm & 0xffff));
    gen_jmp_reg(dc, v);
}

static void gen_far(Dc *dc, IRTemp sel, IRTemp off, unsigned kind, unsigned w)
{
    gen_helper(dc, helper_far, sel, off, gen_imm(dc, dc->next_pc), kind | (w << 8));
    ir_exit_tb(dc->b);
    dc->jumped = dc->end = true;
}

static void emit_far_ap(Dc *dc, unsigned kind)
{
    gen_far(dc, gen_imm(dc, dc->in->imm2), gen_imm(dc, dc->in->imm), kind, dc->in->dsize);
}

static void emit_far_mem(Dc *dc, unsigned kind)
{
    unsigned w = dc->in->dsize;
    IRTemp la = gen_mem_la_w(dc, w + 2, false);
    IRTemp off = ir_ld(dc->b, w, la);
    IRTemp sel = ir_ld(dc->b, 2, ir_binopi(dc->b, IR_ADD, dc->mode == MODE64 ? 8 : 4, la, w));
    gen_far(dc, sel, off, kind, w);
}

static int emit_grp5(Dc *dc)
{
    const Insn *in = dc->in;
    unsigned op = (in->modrm >> 3) & 7;
    if (dc->mode == MODE64 && (op == 2 || op == 4))   /* near: 66 as for E8/E9 */
        dc->in->dsize = in->p66 && !(in->rex & 8) && !cpu_is_intel(dc->cpu) ? 2 : 8;
    else if (dc->mode == MODE64 && op == 6)   /* REX.W wins over 66 */
        dc->in->dsize = in->p66 && !(in->rex & 8) ? 2 : 8;
    unsigned w = in->dsize;
    switch (op) {
    case 0: case 1: gen_incdec(dc, in->opsize, op == 1); return 1;
    case 2: emit_call_near(dc, gen_ld_rm(dc, w, NULL)); return 1;
    case 4: gen_jmp_reg(dc, gen_ld_rm(dc, w, NULL)); return 1;
    case 3: case 5:
        if (!in->mem)
            return -1;
        emit_far_mem(dc, op == 3 ? 1 : 0);
        return 1;
    case 6: gen_push(dc, w, gen_ld_rm(dc, w, NULL)); return 1;
    default: return -1;
    }
}

static void emit_loop(Dc *dc, bool jcxz)
{
    const Insn *in = dc->in;
    IRBlock *b = dc->b;
    unsigned a = in->asize;
    IRTemp zero = gen_imm(dc, 0), cond;
    if (jcxz) {
        cond = ir_setcond(b, IR_EQ, a, ir_get_reg(b, a, R_ECX), zero);
    } else {
        IRTemp c = ir_binopi(b, IR_SUB, a, ir_get_reg(b, a, R_ECX), 1);
        ir_set_reg(b, a, R_ECX, c);
        cond = ir_setcond(b, IR_NE, a, c, zero);
        if (in->info->sub != 2) {
            IRTemp z = ir_cond(b, in->info->sub == 1 ? 4 : 5);
            cond = ir_binop(b, IR_AND, 8, cond, z);
        }
    }
    gen_branch(dc, cond, near_target(dc, dc->next_pc + in->imm));
}

static void emit_string(Dc *dc)
{
    const Insn *in = dc->in;
    unsigned op = in->info->sub;
    unsigned rep = in->rep == 0xf3 ? 3 : in->rep == 0xf2 ? 2 : 0;
    /* Only CMPS/SCAS distinguish REPNE; the others treat F2 as REP. */
    if (rep == 2 && op != 3 && op != 6)
        rep = 3;
    unsigned seg = insn_seg(dc, SEG_DS);
    gen_helper(dc, helper_string, gen_imm(dc, dc->next_pc), IR_NONE, IR_NONE,
               op | (in->opsize << 4) | (in->asize << 8) | (seg << 12) | (rep << 16));
    if (rep) {
        ir_exit_tb(dc->b);
        dc->jumped = dc->end = true;
    } else if (op <= 1) {
        gen_exit_next(dc);   /* port I/O may raise an interrupt */
    }
}

static void emit_int(Dc *dc, unsigned kind, unsigned vec)
{
    gen_helper(dc, helper_int, gen_imm(dc, dc->next_pc), IR_NONE, IR_NONE, vec | (kind << 8));
    if (kind == 2)
        return;     /* INTO without OF continues */
    ir_exit_tb(dc->b);
    dc->jumped = dc->end = true;
}

static void emit_flagop(Dc *dc)
{
    IRBlock *b = dc->b;
    unsigned op = dc->in->info->sub;
    switch (op) {
    case 0: gen_helper(dc, helper_flagop, IR_NONE, IR_NONE, IR_NONE, FLAGOP_CLC); break;
    case 1: gen_helper(dc, helper_flagop, IR_NONE, IR_NONE, IR_NONE, FLAGOP_STC); break;
    case 2: case 3:
        gen_helper(dc, helper_cli_sti, IR_NONE, IR_NONE, IR_NONE, op == 3);
        if (op == 3)
            gen_exit_next(dc);
        break;
    default: {
        IRTemp f = ir_ld_env(b, 8, ENV_OFF(rflags));
        f = op == 4 ? ir_binopi(b, IR_AND, 8, f, ~(uint64_t)FL_DF)
                    : ir_binopi(b, IR_OR, 8, f, FL_DF);
        ir_st_env(b, 8, ENV_OFF(rflags), f);
        break;
    }
    }
}

int emit_ctrl(Dc *dc)
{
    const Insn *in = dc->in;
    switch (in->info->kind) {
    case K_PUSH_R: emit_push_r(dc); return 1;
    case K_POP_R: emit_pop_r(dc); return 1;
    case K_POP_RM: emit_pop_rm(dc); return 1;
    case K_PUSH_IMM:
        gen_push(dc, in->dsize, gen_imm(dc, in->imm & size_mask(in->dsize)));
        return 1;
    case K_PUSH_SEG: emit_push_seg(dc); return 1;
    case K_POP_SEG: emit_pop_seg(dc); return 1;
    case K_MOV_SREG_RM: return emit_mov_sreg(dc);
    case K_MOV_RM_SREG: return emit_mov_from_sreg(dc);
    case K_LXS: emit_lxs(dc); return 1;
    case K_PUSHA: emit_pusha(dc); return 1;
    case K_POPA: emit_popa(dc); return 1;
    case K_PUSHF: emit_pushf(dc); return 1;
    case K_POPF: emit_popf(dc); return 1;
    case K_ENTER: emit_enter(dc); return 1;
    case K_LEAVE: emit_leave(dc); return 1;
    case K_JCC:
        gen_branch(dc, ir_cond(dc->b, in->info->sub), near_target(dc, dc->next_pc + in->imm));
        return 1;
    case K_JMP: gen_jmp_to(dc, near_target(dc, dc->next_pc + in->imm)); return 1;
    case K_CALL: emit_call_near(dc, IR_NONE); return 1;
    case K_RET: emit_ret(dc); return 1;
    case K_RETF:
        gen_helper(dc, helper_retf, IR_NONE, IR_NONE, IR_NONE,
                   in->dsize | ((in->imm & 0xffff) << 8));
        ir_exit_tb(dc->b);
        dc->jumped = dc->end = true;
        return 1;
    case K_CALLF_AP: emit_far_ap(dc, 1); return 1;
    case K_JMPF_AP: emit_far_ap(dc, 0); return 1;
    case K_GRP5: return emit_grp5(dc);
    case K_LOOP: emit_loop(dc, false); return 1;
    case K_JCXZ: emit_loop(dc, true); return 1;
    case K_STRING: emit_string(dc); return 1;
    case K_INT3: emit_int(dc, 1, 3); return 1;
    case K_INT: emit_int(dc, 0, in->imm & 0xff); return 1;
    case K_INTO: emit_int(dc, 2, 4); return 1;
    case K_INT1: emit_int(dc, 3, 1); return 1;
    case K_IRET:
        gen_helper(dc, helper_iret, IR_NONE, IR_NONE, IR_NONE, in->dsize);
        ir_exit_tb(dc->b);
        dc->jumped = dc->end = true;
        return 1;
    case K_FLAGOP: emit_flagop(dc); return 1;
    default: return 0;
    }
}
