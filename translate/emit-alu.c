/* IR for the integer data instructions: ALU, shifts, multiply/divide,
 * moves and extensions, bit operations, BCD and flag instructions. */
#include "translate/emit.h"

#include "cpu/cpuid.h"
#include "translate/helpers.h"

static bool cpu_feature(const Dc *dc, unsigned word, unsigned bit)
{
    return (dc->cpu->features[word] >> bit) & 1;
}

/* Destination and source of a two-operand ModRM instruction. */
typedef struct Ops2 {
    IRTemp dst, src, la;
    bool dst_is_reg;        /* destination is ModRM.reg */
} Ops2;

/* need_dst: the destination is read; rmw: and written back. */
static void load_ops2(Dc *dc, unsigned w, Ops2 *o, bool need_dst, bool rmw)
{
    const Insn *in = dc->in;
    if (in->info->flags & I_DIR) {
        o->dst_is_reg = true;
        o->la = IR_NONE;
        o->src = gen_ld_rm(dc, w, NULL);
        o->dst = need_dst ? gen_get(dc, w, in->reg) : IR_NONE;
    } else {
        o->dst_is_reg = false;
        if (need_dst) {
            o->dst = rmw ? gen_ld_rm_w(dc, w, &o->la) : gen_ld_rm(dc, w, &o->la);
        } else {    /* a plain store must not read (or fault on reading) */
            o->dst = IR_NONE;
            o->la = in->mem ? gen_mem_la_w(dc, w, true) : IR_NONE;
        }
        o->src = gen_get(dc, w, in->reg);
    }
}

static void store_dst(Dc *dc, unsigned w, const Ops2 *o, IRTemp v)
{
    if (o->dst_is_reg)
        gen_set(dc, w, dc->in->reg, v);
    else
        gen_st_rm(dc, w, o->la, v);
}

/* ALU op 0..7 (ADD OR ADC SBB AND SUB XOR CMP), 8 = TEST.  Returns the
 * result; the caller stores it (not for CMP/TEST).  Flags are set after
 * the store by gen_alu_flags so a faulting store leaves them alone. */
typedef struct AluRes {
    IRTemp res, src, carry;
    unsigned cc;
} AluRes;

static AluRes gen_alu_op(Dc *dc, unsigned op, unsigned w, IRTemp a, IRTemp b)
{
    IRBlock *bl = dc->b;
    AluRes r = { IR_NONE, b, IR_NONE, 0 };
    switch (op) {
    case 0: r.res = ir_binop(bl, IR_ADD, w, a, b); r.cc = CC_OP_ADD; break;
    case 1: r.res = ir_binop(bl, IR_OR, w, a, b); r.cc = CC_OP_LOGIC; break;
    case 2:
        r.carry = ir_cond(bl, 2);
        r.res = ir_binop(bl, IR_ADD, w, ir_binop(bl, IR_ADD, w, a, b), r.carry);
        r.cc = CC_OP_ADC;
        break;
    case 3:
        r.carry = ir_cond(bl, 2);
        r.res = ir_binop(bl, IR_SUB, w, ir_binop(bl, IR_SUB, w, a, b), r.carry);
        r.cc = CC_OP_SBB;
        break;
    case 4: case 8: r.res = ir_binop(bl, IR_AND, w, a, b); r.cc = CC_OP_LOGIC; break;
    case 5: case 7: r.res = ir_binop(bl, IR_SUB, w, a, b); r.cc = CC_OP_SUB; break;
    default: r.res = ir_binop(bl, IR_XOR, w, a, b); r.cc = CC_OP_LOGIC; break;
    }
    return r;
}

static void gen_alu_flags(Dc *dc, unsigned w, const AluRes *r)
{
    if (r->cc == CC_OP_LOGIC)
        ir_set_cc(dc->b, cc_op_sized(r->cc, w), r->res, IR_NONE, IR_NONE);
    else
        ir_set_cc(dc->b, cc_op_sized(r->cc, w), r->res, r->src, r->carry);
}

static bool alu_writes(unsigned op)
{
    return op != 7 && op != 8;
}

static void emit_alu_modrm(Dc *dc)
{
    unsigned w = dc->in->opsize, op = dc->in->info->sub;
    Ops2 o;
    load_ops2(dc, w, &o, true, alu_writes(op));
    AluRes r = gen_alu_op(dc, op, w, o.dst, o.src);
    if (alu_writes(op))
        store_dst(dc, w, &o, r.res);
    gen_alu_flags(dc, w, &r);
}

static void emit_alu_acc(Dc *dc)
{
    unsigned w = dc->in->opsize, op = dc->in->info->sub;
    IRTemp a = gen_get(dc, w, R_EAX);
    AluRes r = gen_alu_op(dc, op, w, a, gen_imm(dc, dc->in->imm & size_mask(w)));
    if (alu_writes(op))
        gen_set(dc, w, R_EAX, r.res);
    gen_alu_flags(dc, w, &r);
}

static void emit_grp1(Dc *dc)
{
    unsigned w = dc->in->opsize, op = (dc->in->modrm >> 3) & 7;
    IRTemp la;
    IRTemp a = alu_writes(op) ? gen_ld_rm_w(dc, w, &la) : gen_ld_rm(dc, w, &la);
    AluRes r = gen_alu_op(dc, op, w, a, gen_imm(dc, dc->in->imm & size_mask(w)));
    if (alu_writes(op))
        gen_st_rm(dc, w, la, r.res);
    gen_alu_flags(dc, w, &r);
}

static void emit_test(Dc *dc)
{
    unsigned w = dc->in->opsize;
    Ops2 o;
    load_ops2(dc, w, &o, true, false);
    AluRes r = gen_alu_op(dc, 8, w, o.dst, o.src);
    gen_alu_flags(dc, w, &r);
}

/* INC/DEC keep CF: record it in cc_src2. */
static void gen_incdec_val(Dc *dc, unsigned w, IRTemp v, IRTemp la, unsigned reg, bool dec)
{
    IRTemp cf = ir_cond(dc->b, 2);
    IRTemp r = ir_binopi(dc->b, dec ? IR_SUB : IR_ADD, w, v, 1);
    if (la != IR_NONE)
        gen_st_mem(dc, w, la, r);
    else
        gen_set(dc, w, reg, r);
    ir_set_cc(dc->b, cc_op_sized(dec ? CC_OP_DEC : CC_OP_INC, w), r, IR_NONE, cf);
}

void gen_incdec(Dc *dc, unsigned w, bool dec)
{
    IRTemp la;
    IRTemp v = gen_ld_rm_w(dc, w, &la);
    gen_incdec_val(dc, w, v, la, dc->in->rm, dec);
}

static void emit_incdec_r(Dc *dc)
{
    unsigned w = dc->in->opsize, reg = dc->in->op & 7;
    gen_incdec_val(dc, w, gen_get(dc, w, reg), IR_NONE, reg, dc->in->info->sub);
}

/* Shifts and rotates: SHL/SHR/SAR and ROL/ROR inline, RCL/RCR in a helper. */
static void emit_grp2(Dc *dc)
{
    const Insn *in = dc->in;
    unsigned w = in->opsize, op = (in->modrm >> 3) & 7;
    unsigned cmask = w == 8 ? 63 : 31;
    IRTemp la;
    IRTemp v = gen_ld_rm_w(dc, w, &la);
    if (in->info->sub != 2) {
        unsigned c = (in->info->sub == 1 ? 1 : (unsigned)in->imm) & cmask;
        if (c == 0) {
            if (w == 4 && !in->mem)
                gen_st_rm(dc, w, la, v);   /* a 32-bit write still zero-extends */
            return;
        }
        if ((op == 4 || op == 5 || op == 6 || op == 7) && c < 8 * w) {
            IROpc opc = op == 5 ? IR_SHR : op == 7 ? IR_SAR : IR_SHL;
            unsigned cc = op == 5 ? CC_OP_SHR : op == 7 ? CC_OP_SAR : CC_OP_SHL;
            IRTemp r = ir_binopi(dc->b, opc, w, v, c);
            IRTemp s = ir_binopi(dc->b, opc, w, v, c - 1);
            gen_st_rm(dc, w, la, r);
            ir_set_cc(dc->b, cc_op_sized(cc, w), r, s, op == 5 ? v : IR_NONE);
            return;
        }
        if (op < 2) {
            gen_rotate(dc, w, op == 1, v, la, c);
            return;
        }
    }
    if (in->info->sub == 2 && op >= 4) {
        gen_shift_cl(dc, w, op, v, la);
        return;
    }
    if (in->info->sub == 2 && op < 2) {
        gen_rotate_cl(dc, w, op == 1, v, la);
        return;
    }
    IRTemp cnt = in->info->sub == 2 ? gen_get(dc, 1, R_ECX)
               : gen_imm(dc, in->info->sub == 1 ? 1 : in->imm & 0xff);
    IRTemp r = gen_helper(dc, helper_shift, v, cnt, IR_NONE, op | (w << 8));
    gen_st_rm(dc, w, la, r);
}

static void emit_shd(Dc *dc, bool left)
{
    const Insn *in = dc->in;
    unsigned w = in->opsize;
    IRTemp la;
    IRTemp v = gen_ld_rm_w(dc, w, &la);
    IRTemp s = gen_get(dc, w, in->reg);
    IRTemp cnt = in->info->sub ? gen_get(dc, 1, R_ECX) : gen_imm(dc, in->imm & 0xff);
    IRTemp r = gen_helper(dc, helper_shd, v, s, cnt, (left ? 1 : 0) | (w << 8));
    gen_st_rm(dc, w, la, r);
}

static int emit_grp3(Dc *dc)
{
    const Insn *in = dc->in;
    unsigned w = in->opsize, op = (in->modrm >> 3) & 7;
    IRTemp la;
    IRTemp v = op == 2 || op == 3 ? gen_ld_rm_w(dc, w, &la) : gen_ld_rm(dc, w, &la);
    switch (op) {
    case 0: case 1: {
        AluRes r = gen_alu_op(dc, 8, w, v, gen_imm(dc, in->imm & size_mask(w)));
        gen_alu_flags(dc, w, &r);
        return 1;
    }
    case 2:
        gen_st_rm(dc, w, la, ir_unop(dc->b, IR_NOT, w, v));
        return 1;
    case 3: {
        IRTemp r = ir_unop(dc->b, IR_NEG, w, v);
        gen_st_rm(dc, w, la, r);
        ir_set_cc(dc->b, cc_op_sized(CC_OP_NEG, w), r, IR_NONE, IR_NONE);
        return 1;
    }
    case 4: case 5:
        gen_mul_acc(dc, w, op == 5, v);
        return 1;
    case 6:
        gen_div_acc(dc, w, v);
        return 1;
    default:
        gen_idiv_acc(dc, w, v);
        return 1;
    }
}

static void emit_imul(Dc *dc, bool three)
{
    const Insn *in = dc->in;
    unsigned w = in->opsize;
    IRTemp src = gen_ld_rm(dc, w, NULL);
    IRTemp other = three ? gen_imm(dc, in->imm & size_mask(w)) : gen_get(dc, w, in->reg);
    if (w == 8) {
        gen_set(dc, w, in->reg, gen_imul64(dc, src, other));
        return;
    }
    /* 16/32-bit: the 64-bit product of the sign-extended operands; it
     * overflowed when it differs from its own truncation sign-extended. */
    IRBlock *b = dc->b;
    IRTemp p = ir_binop(b, IR_MUL, 8, ir_unop(b, IR_SEXT, w, src), ir_unop(b, IR_SEXT, w, other));
    IRTemp lo = ir_binopi(b, IR_AND, 8, p, size_mask(w));
    IRTemp ovf = ir_setcond(b, IR_NE, 8, ir_unop(b, IR_SEXT, w, lo), p);
    gen_set(dc, w, in->reg, lo);
    ir_set_cc(b, cc_op_sized(CC_OP_MUL, w), lo, ovf, IR_NONE);
}

static void emit_mov(Dc *dc)
{
    unsigned w = dc->in->opsize;
    Ops2 o;
    load_ops2(dc, w, &o, false, false);
    store_dst(dc, w, &o, o.src);
}

static void emit_mov_moffs(Dc *dc)
{
    const Insn *in = dc->in;
    unsigned w = in->opsize;
    IRTemp la = gen_linear(dc, gen_imm(dc, in->imm & size_mask(in->asize)), insn_seg(dc, SEG_DS));
    if (in->info->flags & I_DIR)
        gen_set(dc, w, R_EAX, ir_ld(dc->b, w, la));
    else
        gen_st_mem(dc, w, la, gen_get(dc, w, R_EAX));
}

static void emit_mov_r_imm(Dc *dc)
{
    const Insn *in = dc->in;
    unsigned reg = (in->op & 7) | ((in->rex & 1) << 3);
    gen_set(dc, in->opsize, reg, gen_imm(dc, in->imm & size_mask(in->opsize)));
}

static void emit_xchg(Dc *dc)
{
    const Insn *in = dc->in;
    unsigned w = in->opsize;
    IRTemp la;
    IRTemp v = gen_ld_rm_w(dc, w, &la);
    IRTemp r = gen_get(dc, w, in->reg);
    gen_st_rm(dc, w, la, r);
    gen_set(dc, w, in->reg, v);
}

static void emit_xchg_acc(Dc *dc, unsigned reg)
{
    unsigned w = dc->in->opsize;
    IRTemp a = gen_get(dc, w, R_EAX);
    IRTemp r = gen_get(dc, w, reg);
    gen_set(dc, w, reg, a);
    gen_set(dc, w, R_EAX, r);
}

static void emit_nop(Dc *dc)
{
    const Insn *in = dc->in;
    /* 90 with REX.B is XCHG r8, rAX; with REX.W it is still a NOP. */
    if (in->map == 0 && (in->rex & 1)) {
        emit_xchg_acc(dc, 8);
    } else if (in->map == 0 && in->op == 0x90 && in->rep == 0xf3) {
        /* PAUSE: a spin-wait; let the other vCPUs run. */
        gen_helper(dc, helper_pause, IR_NONE, IR_NONE, IR_NONE, 0);
        gen_exit_next(dc);
    }
}

static void emit_ext(Dc *dc, unsigned from, bool sign)
{
    const Insn *in = dc->in;
    unsigned w = in->opsize;
    IRTemp v = gen_ld_rm(dc, from, NULL);
    if (sign)
        v = ir_unop(dc->b, IR_SEXT, from, v);
    gen_set(dc, w, in->reg, ir_binopi(dc->b, IR_AND, w, v, size_mask(w)));
}

static void emit_cbw(Dc *dc)
{
    unsigned w = dc->in->opsize;
    IRTemp v = ir_unop(dc->b, IR_SEXT, w / 2, gen_get(dc, w / 2, R_EAX));
    gen_set(dc, w, R_EAX, ir_binopi(dc->b, IR_AND, w, v, size_mask(w)));
}

static void emit_cwd(Dc *dc)
{
    unsigned w = dc->in->opsize;
    IRTemp v = gen_get(dc, w, R_EAX);
    IRTemp s = ir_binopi(dc->b, IR_SAR, w, v, 8 * w - 1);
    gen_set(dc, w, R_EDX, s);
}

static void emit_cmov(Dc *dc)
{
    const Insn *in = dc->in;
    unsigned w = in->opsize;
    IRTemp v = gen_ld_rm(dc, w, NULL);
    IRTemp old = gen_get(dc, w, in->reg);
    IRTemp c = ir_cond(dc->b, in->info->sub);
    gen_set(dc, w, in->reg, gen_select(dc, c, v, old));
}

static void emit_setcc(Dc *dc)
{
    IRTemp c = ir_cond(dc->b, dc->in->info->sub);
    gen_st_rm(dc, 1, IR_NONE, c);
}

/* BT/BTS/BTR/BTC: op 0..3.  A register bit offset may address memory
 * outside the operand (SDM BT: "bit base"); an immediate is taken modulo
 * the operand size. */
static void gen_bt(Dc *dc, unsigned op, IRTemp off, bool imm)
{
    const Insn *in = dc->in;
    IRBlock *b = dc->b;
    unsigned w = in->opsize, lg = w == 2 ? 4 : w == 4 ? 5 : 6;
    IRTemp la = IR_NONE, v;
    IRTemp bit = ir_binopi(b, IR_AND, 8, off, 8 * w - 1);
    if (in->mem) {
        IRTemp ea = gen_ea(dc);
        if (!imm) {
            IRTemp so = ir_unop(b, IR_SEXT, w, off);
            IRTemp d = ir_binopi(b, IR_SHL, 8, ir_binopi(b, IR_SAR, 8, so, lg), lg == 4 ? 1 : lg == 5 ? 2 : 3);
            ea = ir_binop(b, IR_ADD, in->asize, ea, d);
        }
        la = gen_linear(dc, ea, insn_seg(dc, in->def_seg));
        v = op ? gen_ld_atomic_w(dc, w, la) : ir_ld(b, w, la);
    } else {
        v = gen_get(dc, w, in->rm);
    }
    IRTemp cf = ir_binopi(b, IR_AND, 8, ir_binop(b, IR_SHR, 8, v, bit), 1);
    if (op) {
        IRTemp m = ir_binop(b, IR_SHL, 8, gen_imm(dc, 1), bit);
        IRTemp r = op == 1 ? ir_binop(b, IR_OR, w, v, m)
                 : op == 2 ? ir_binop(b, IR_AND, w, v, ir_unop(b, IR_NOT, w, m))
                 : ir_binop(b, IR_XOR, w, v, m);
        if (in->mem)
            gen_st_mem(dc, w, la, r);
        else
            gen_set(dc, w, in->rm, r);
    }
    gen_update_flags(dc, FL_CF, cf, IR_NONE);
}

static int emit_grp8(Dc *dc)
{
    unsigned op = (dc->in->modrm >> 3) & 7;
    if (op < 4)
        return -1;
    gen_bt(dc, op - 4, gen_imm(dc, dc->in->imm & 0xff), true);
    return 1;
}

static void emit_bitscan(Dc *dc, unsigned kind)
{
    const Insn *in = dc->in;
    unsigned w = in->opsize;
    /* BSF/BSR of 0: the destination keeps its old value.  AMD leaves
     * the whole register alone (APM vol. 3 BSF/BSR), a 32-bit one too;
     * Intel documents it as undefined and its parts write the old low 32
     * bits back zero-extended, as any 32-bit write in 64-bit mode. */
    unsigned ww = w == 4 && !cpu_is_intel(dc->cpu) ? 8 : w;
    IRBlock *b = dc->b;
    IRTemp v = gen_ld_rm(dc, w, NULL);
    IRTemp zero = ir_setcond(b, IR_EQ, w, v, gen_imm(dc, 0));
    IRTemp zf = ir_binopi(b, IR_SHL, 8, zero, __builtin_ctz(FL_ZF));
    IRTemp r;
    switch (kind) {
    case 0: case 1: {                           /* BSF, BSR: ZF, the rest kept */
        IRTemp old = gen_get(dc, ww, in->reg);
        IRTemp idx = kind == 0 ? ir_unop(b, IR_CTZ, w, v)
                   : ir_binop(b, IR_SUB, 8, gen_imm(dc, 8 * w - 1), ir_unop(b, IR_CLZ, w, v));
        r = gen_select(dc, zero, old, idx);
        gen_update_flags(dc, FL_ZF, zf, IR_NONE);
        break;
    }
    case 2: case 3: {                           /* TZCNT, LZCNT: CF, ZF */
        r = ir_unop(b, kind == 2 ? IR_CTZ : IR_CLZ, w, v);
        IRTemp rz = ir_binopi(b, IR_SHL, 8, ir_setcond(b, IR_EQ, 8, r, gen_imm(dc, 0)),
                              __builtin_ctz(FL_ZF));
        gen_update_flags(dc, FL_CF | FL_ZF, ir_binop(b, IR_OR, 8, zero, rz), IR_NONE);
        break;
    }
    default:                                    /* POPCNT: ZF, the others 0 */
        r = ir_unop(b, IR_POPCNT, w, v);
        ir_set_cc(b, CC_OP_EFLAGS, IR_NONE, zf, IR_NONE);
        break;
    }
    gen_set(dc, ww, in->reg, r);
}

static void emit_xadd(Dc *dc)
{
    const Insn *in = dc->in;
    unsigned w = in->opsize;
    IRTemp la;
    IRTemp v = gen_ld_rm_w(dc, w, &la);
    IRTemp s = gen_get(dc, w, in->reg);
    IRTemp r = ir_binop(dc->b, IR_ADD, w, v, s);
    if (in->mem) {
        gen_st_mem(dc, w, la, r);
        gen_set(dc, w, in->reg, v);
    } else {
        gen_set(dc, w, in->reg, v);
        gen_set(dc, w, in->rm, r);
    }
    ir_set_cc(dc->b, cc_op_sized(CC_OP_ADD, w), r, s, IR_NONE);
}

static void emit_cmpxchg(Dc *dc)
{
    const Insn *in = dc->in;
    unsigned w = in->opsize;
    if (!dc->atomic) {
        gen_cmpxchg(dc);
        return;
    }
    /* The destination is written whether or not it compares equal. */
    IRTemp la = in->mem ? gen_mem_la_w(dc, w, true) : IR_NONE;
    gen_helper(dc, helper_cmpxchg, la, IR_NONE, IR_NONE,
               reg_aux(dc, in->reg, w) | (reg_aux(dc, in->rm, w) << 8) | ((uint64_t)w << 16) |
               ((uint64_t)in->mem << 24));
}

static void emit_bswap(Dc *dc)
{
    const Insn *in = dc->in;
    unsigned reg = (in->op & 7) | ((in->rex & 1) << 3), w = in->opsize;
    IRTemp r = ir_unop(dc->b, IR_BSWAP, w, gen_get(dc, w, reg));
    gen_set(dc, w, reg, r);
}

/* MOVBE's byte swap; unlike BSWAP, the 16-bit form is defined (a rotate
 * by 8 within 16 bits swaps the two bytes). */
static IRTemp gen_movbe_swap(Dc *dc, unsigned w, IRTemp v)
{
    if (w == 2)
        return ir_binopi(dc->b, IR_ROTL, 2, v, 8);
    return ir_unop(dc->b, IR_BSWAP, w, v);
}

static void emit_movbe(Dc *dc)
{
    const Insn *in = dc->in;
    unsigned w = in->opsize;
    IRTemp la = gen_mem_la(dc);
    if (in->op == 0xf0) {
        IRTemp v = ir_ld(dc->b, w, la);
        gen_set(dc, w, in->reg, gen_movbe_swap(dc, w, v));
    } else {
        IRTemp v = gen_get(dc, w, in->reg);
        gen_st_mem(dc, w, la, gen_movbe_swap(dc, w, v));
    }
}

static void emit_adcx(Dc *dc)
{
    const Insn *in = dc->in;
    unsigned w = (in->rex & 8) ? 8 : 4;     /* 66/F3 are mandatory prefixes here */
    IRTemp v = gen_ld_rm(dc, w, NULL);
    IRTemp d = gen_get(dc, w, in->reg);
    gen_set(dc, w, in->reg, gen_helper(dc, helper_adcx, d, v, IR_NONE,
                                       in->info->sub | (w << 8)));
}

/* VEX-encoded BMI1/BMI2: operands go to one helper; the destination is
 * ModRM.reg, or VEX.vvvv for the BLSR/BLSMSK/BLSI group; MULX writes both. */
static int emit_bmi(Dc *dc)
{
    const Insn *in = dc->in;
    unsigned w = in->dsize, kind = in->info->sub, g = (in->modrm >> 3) & 7;
    if (in->vex_l)
        return -1;
    IRTemp src = gen_ld_rm(dc, w, NULL);
    IRTemp v = gen_get(dc, w, in->vvvv);
    uint64_t imm = kind | (w << 8) | ((uint64_t)g << 16) | ((uint64_t)(in->reg & 15) << 24) |
                   ((uint64_t)(in->vvvv & 15) << 28) | ((in->imm & 0xff) << 32);
    IRTemp r = gen_helper(dc, helper_bmi, src, v, IR_NONE, imm);
    if (kind == BMI_GRP17)
        gen_set(dc, w, in->vvvv, r);
    else if (kind != BMI_MULX)
        gen_set(dc, w, in->reg, r);
    return 1;
}

static void emit_xlat(Dc *dc)
{
    const Insn *in = dc->in;
    IRBlock *b = dc->b;
    IRTemp ea = ir_binop(b, IR_ADD, in->asize, ir_get_reg(b, 8, R_EBX), gen_get(dc, 1, R_EAX));
    IRTemp la = gen_linear_w(dc, ea, insn_seg(dc, SEG_DS), 1, false);
    gen_set(dc, 1, R_EAX, ir_ld(b, 1, la));
}

static void emit_lea(Dc *dc)
{
    unsigned w = dc->in->opsize;
    IRTemp ea = gen_ea(dc);
    gen_set(dc, w, dc->in->reg, ir_binopi(dc->b, IR_AND, 8, ea, size_mask(w)));
}

/* MOVSXD with a 16-bit operand size: the SDM gives it an r/m16 source;
 * AMD's parts read 32 bits (so a source ending 2 bytes before an unmapped
 * page faults there only) and write the low 16 bits, the same value. */
static void emit_movsxd(Dc *dc)
{
    const Insn *in = dc->in;
    unsigned src = in->opsize == 8 || (in->opsize == 2 && !cpu_is_intel(dc->cpu)) ? 4 : in->opsize;
    IRTemp v = gen_ld_rm(dc, src, NULL);
    if (in->opsize == 8)
        v = ir_unop(dc->b, IR_SEXT, 4, v);
    gen_set(dc, in->opsize, in->reg, v);
}

static void emit_flags_helper(Dc *dc, unsigned op)
{
    gen_helper(dc, helper_flagop, IR_NONE, IR_NONE, IR_NONE, op);
}

int emit_alu(Dc *dc)
{
    const Insn *in = dc->in;
    switch (in->info->kind) {
    case K_ALU: emit_alu_modrm(dc); return 1;
    case K_ALU_IMM: emit_alu_acc(dc); return 1;
    case K_GRP1: emit_grp1(dc); return 1;
    case K_TEST: emit_test(dc); return 1;
    case K_INCDEC_R: emit_incdec_r(dc); return 1;
    case K_GRP4: {
        unsigned op = (in->modrm >> 3) & 7;
        if (op > 1)
            return -1;
        gen_incdec(dc, 1, op == 1);
        return 1;
    }
    case K_GRP2: emit_grp2(dc); return 1;
    case K_SHLD: emit_shd(dc, true); return 1;
    case K_SHRD: emit_shd(dc, false); return 1;
    case K_GRP3: return emit_grp3(dc);
    case K_IMUL2: emit_imul(dc, false); return 1;
    case K_IMUL3: emit_imul(dc, true); return 1;
    case K_MOV: emit_mov(dc); return 1;
    case K_MOV_IMM:
        if (in->modrm == 0xf8)
            return emit_rtm_begin_abort(dc);
        if ((in->modrm >> 3) & 7)
            return -1;
        gen_st_rm(dc, in->opsize, IR_NONE, gen_imm(dc, in->imm & size_mask(in->opsize)));
        return 1;
    case K_MOV_R_IMM: emit_mov_r_imm(dc); return 1;
    case K_MOV_MOFFS: emit_mov_moffs(dc); return 1;
    case K_LEA: emit_lea(dc); return 1;
    case K_XCHG: emit_xchg(dc); return 1;
    case K_XCHG_ACC: emit_xchg_acc(dc, (in->op & 7) | ((in->rex & 1) << 3)); return 1;
    case K_NOP: emit_nop(dc); return 1;
    case K_CBW: emit_cbw(dc); return 1;
    case K_CWD: emit_cwd(dc); return 1;
    case K_MOVZX: emit_ext(dc, in->info->sub, false); return 1;
    case K_MOVSX: emit_ext(dc, in->info->sub, true); return 1;
    case K_MOVSXD: emit_movsxd(dc); return 1;
    case K_CMOV: emit_cmov(dc); return 1;
    case K_SETCC: emit_setcc(dc); return 1;
    case K_BT: gen_bt(dc, in->info->sub, gen_get(dc, in->opsize, in->reg), false); return 1;
    case K_GRP8: return emit_grp8(dc);
    case K_BSF:     /* F3 is TZCNT only with BMI1; otherwise ignored */
        emit_bitscan(dc, in->rep == 0xf3 && cpu_feature(dc, FEAT_7_0_EBX, 3) ? 2 : 0);
        return 1;
    case K_BSR:
        emit_bitscan(dc, in->rep == 0xf3 && cpu_feature(dc, FEAT_8000_0001_ECX, 5) ? 3 : 1);
        return 1;
    case K_POPCNT:
        if (!cpu_feature(dc, FEAT_1_ECX, 23))
            return -1;
        emit_bitscan(dc, 4);
        return 1;
    case K_XADD: emit_xadd(dc); return 1;
    case K_CMPXCHG: emit_cmpxchg(dc); return 1;
    case K_BSWAP: emit_bswap(dc); return 1;
    case K_MOVBE: emit_movbe(dc); return 1;
    case K_ADCX: emit_adcx(dc); return 1;
    case K_BMI: return emit_bmi(dc);
    case K_XLAT: emit_xlat(dc); return 1;
    case K_BCD: emit_flags_helper(dc, FLAGOP_DAA + in->info->sub); return 1;
    case K_AAM:
        gen_helper(dc, helper_flagop, IR_NONE, IR_NONE, IR_NONE, FLAGOP_AAM | ((in->imm & 0xff) << 8));
        return 1;
    case K_AAD:
        gen_helper(dc, helper_flagop, IR_NONE, IR_NONE, IR_NONE, FLAGOP_AAD | ((in->imm & 0xff) << 8));
        return 1;
    case K_SALC: emit_flags_helper(dc, FLAGOP_SALC); return 1;
    case K_CMC: emit_flags_helper(dc, FLAGOP_CMC); return 1;
    case K_SAHF: emit_flags_helper(dc, FLAGOP_SAHF); return 1;
    case K_LAHF: emit_flags_helper(dc, FLAGOP_LAHF); return 1;
    default: return 0;
    }
}
