/* Native backend: arithmetic, guest registers and env fields, helper
 * calls. */
#include "translate/native-x86_64.h"

#include "translate/flags.h"

static const uint8_t alu_of[IR_NUM_OPS] = {
    [IR_ADD] = XA_ADD, [IR_SUB] = XA_SUB, [IR_AND] = XA_AND, [IR_OR] = XA_OR,
    [IR_XOR] = XA_XOR,
};

/* Whether a binary op's second operand is in rax (and not its first). */
static bool b_in_rax(const Ctx *c, const IROp *op)
{
    return op->b != IR_NONE && op->b == c->prev_rax && op->a != op->b;
}

/* rax = first operand, rcx = second (temp or constant). */
static void load_ab(Ctx *c, const IROp *op)
{
    if (b_in_rax(c, op)) {
        x86_mov_rr(&c->e, 8, X_RCX, X_RAX);
        nat_load_temp(c, 8, X_RAX, op->a);
        return;
    }
    nat_load_a(c, 8, X_RAX, op->a);
    nat_load_operand(c, X_RCX, op->b, op->imm);
}

/* and with 0xff, 0xffff or 0xffffffff (the optimizer's own truncations and
 * partial register reads): a zero-extending move, not a 64-bit immediate
 * through rcx. */
static bool gen_and_zext(Ctx *c, const IROp *op)
{
    if (op->opc != IR_AND || op->b != IR_NONE)
        return false;
    unsigned mw = op->imm == 0xff ? 1 : op->imm == 0xffff ? 2 : op->imm == 0xffffffffULL ? 4 : 0;
    if (!mw)
        return false;
    unsigned w = op->w < mw ? op->w : mw;
    int dst = nat_result_reg(c, op);
    nat_load_a(c, w == 4 ? 4 : 8, dst, op->a);
    if (w != 4)
        nat_zext(c, w, dst);
    nat_store_result(c, op, dst);
    return true;
}

void nat_gen_alu(Ctx *c, const IROp *op)
{
    if (gen_and_zext(c, op))
        return;
    unsigned size = op->w == 4 ? 4 : 8;     /* 32-bit ops zero-extend themselves */
    unsigned alu = alu_of[op->opc];
    int dst = nat_result_reg(c, op);
    bool big = op->b == IR_NONE && (int64_t)op->imm != (int32_t)op->imm;
    if (dst == X_RAX && (b_in_rax(c, op) || big)) {
        load_ab(c, op);
        x86_alu_rr(&c->e, alu, size, X_RAX, X_RCX);
    } else {
        nat_load_a(c, 8, dst, op->a);
        int b = op->b == IR_NONE ? X_NOREG : nat_temp_now(c, op->b);
        if (big) {
            x86_mov_ri(&c->e, X_RCX, op->imm);
            x86_alu_rr(&c->e, alu, size, dst, X_RCX);
        } else if (b != X_NOREG) {
            x86_alu_rr(&c->e, alu, size, dst, b);
        } else if (op->b != IR_NONE) {
            x86_alu_rm(&c->e, alu, size, dst, T(op->b));
        } else {
            x86_alu_ri(&c->e, alu, size, dst, (int32_t)op->imm);
        }
    }
    if (size != 4)
        nat_zext(c, op->w, dst);
    nat_store_result(c, op, dst);
}

void nat_gen_mul(Ctx *c, const IROp *op)
{
    int dst = nat_result_reg(c, op);
    int b = op->b == IR_NONE ? X_NOREG : nat_temp_now(c, op->b);
    if (dst == X_RAX || b == X_NOREG) {
        load_ab(c, op);
        dst = X_RAX;
        b = X_RCX;
    } else {
        nat_load_a(c, 8, dst, op->a);
    }
    x86_imul_rr(&c->e, 8, dst, b);
    nat_zext(c, op->w, dst);
    nat_store_result(c, op, dst);
}

/* mulh: the host's one-operand MUL/IMUL leaves the high half in rdx. */
void nat_gen_mulh(Ctx *c, const IROp *op)
{
    load_ab(c, op);
    x86_mul_wide(&c->e, op->aux != 0, 8, X_RCX);
    nat_store_result(c, op, X_RDX);
}

/* divu/remu: the host's DIV.  A quotient that would not fit (divisor <=
 * high half, which the guest already took #DE for) gives 0, as in
 * ir_eval_div: the operands become 0 / 1, so the host never faults.
 * Below 64 bits the dividend fits one register. */
void nat_gen_div(Ctx *c, const IROp *op)
{
    X86Enc *e = &c->e;
    unsigned w = op->w == 1 || op->w == 2 || op->w == 4 ? op->w : 8;
    nat_load_temp(c, 8, X_RCX, op->c);
    nat_load_temp(c, 8, X_RDX, op->a);
    nat_load_temp(c, 8, X_RAX, op->b);
    nat_zext(c, w, X_RCX);
    nat_zext(c, w, X_RDX);
    nat_zext(c, w, X_RAX);
    x86_alu_rr(e, XA_CMP, 8, X_RDX, X_RCX);
    uint8_t *fits = x86_jcc32(e, XC_B);
    x86_alu_rr(e, XA_XOR, 4, X_RDX, X_RDX);
    x86_alu_rr(e, XA_XOR, 4, X_RAX, X_RAX);
    x86_mov_ri(e, X_RCX, 1);
    x86_patch_rel32(fits, e->p);
    if (w < 8) {
        x86_shift_ri(e, XS_SHL, 8, X_RDX, (uint8_t)(8 * w));
        x86_alu_rr(e, XA_OR, 8, X_RAX, X_RDX);
        x86_alu_rr(e, XA_XOR, 4, X_RDX, X_RDX);
    }
    x86_div_wide(e, 8, X_RCX);
    nat_store_result(c, op, op->opc == IR_DIVU ? X_RAX : X_RDX);
}

/* ctz/clz/popcnt with BSF, BSR (defined on every x86-64 host; a zero
 * source sets ZF and the result comes from a CMOVZ) and POPCNT (where the
 * host has it; elsewhere the block stays on the interpreter). */
void nat_gen_bitcount(Ctx *c, const IROp *op)
{
    X86Enc *e = &c->e;
    unsigned w = op->w == 1 || op->w == 2 || op->w == 4 ? op->w : 8;
    nat_load_a(c, 8, X_RAX, op->a);
    nat_zext(c, w, X_RAX);
    if (op->opc == IR_POPCNT) {
        if (!__builtin_cpu_supports("popcnt")) {
            nat_give_up(c, "popcnt: the host has no POPCNT");
            return;
        }
        x86_popcnt_rr(e, 8, X_RAX, X_RAX);
    } else if (op->opc == IR_CTZ) {
        x86_mov_ri(e, X_RCX, 8 * w);
        x86_bitscan_rr(e, 0xbc, 8, X_RAX, X_RAX);
        x86_cmov_rr(e, XC_E, 8, X_RAX, X_RCX);
    } else {
        /* 8w - 1 - (index of the top bit), the index -1 for a zero source */
        x86_mov_ri(e, X_RCX, ~0ULL);
        x86_bitscan_rr(e, 0xbd, 8, X_RAX, X_RAX);
        x86_cmov_rr(e, XC_E, 8, X_RAX, X_RCX);
        x86_neg(e, 8, X_RAX);
        x86_alu_ri(e, XA_ADD, 8, X_RAX, (int32_t)(8 * w - 1));
    }
    nat_store_result(c, op, X_RAX);
}

/* bswap: the host's BSWAP of 32 or 64 bits (a 32-bit one zero-extends) */
void nat_gen_bswap(Ctx *c, const IROp *op)
{
    if (op->w != 4 && op->w != 8) {
        x86_alu_rr(&c->e, XA_XOR, 4, X_RAX, X_RAX);
    } else {
        nat_load_a(c, 8, X_RAX, op->a);
        x86_bswap(&c->e, op->w, X_RAX);
    }
    nat_store_result(c, op, X_RAX);
}

/* shl/shr/sar: counts 0..63 (a constant may be larger: see ir_eval_shift). */
void nat_gen_shift(Ctx *c, const IROp *op)
{
    unsigned kind = op->opc == IR_SHL ? XS_SHL : op->opc == IR_SHR ? XS_SHR : XS_SAR;
    int dst = nat_result_reg(c, op);    /* a count in dst is read into rcx first */
    if (op->b != IR_NONE)
        nat_load_temp(c, 8, X_RCX, op->b);
    if (op->opc == IR_SAR)
        nat_load_a_sx(c, op->w, dst, op->a);
    else
        nat_load_a(c, 8, dst, op->a);
    if (op->opc == IR_SHR)
        nat_zext(c, op->w, dst);
    if (op->b == IR_NONE) {
        uint64_t n = op->imm;
        if (n >= 64 && op->opc != IR_SAR)
            x86_mov_ri(&c->e, dst, 0);
        else if (n)
            x86_shift_ri(&c->e, kind, 8, dst, (uint8_t)(n >= 64 ? 63 : n));
    } else {
        x86_shift_cl(&c->e, kind, 8, dst);
    }
    nat_zext(c, op->w, dst);
    nat_store_result(c, op, dst);
}

/* Rotates within w bytes: the host's w-sized rotate counts modulo 32 or
 * 64, which is the same rotation modulo 8w for every w. */
void nat_gen_rotate(Ctx *c, const IROp *op)
{
    unsigned kind = op->opc == IR_ROTL ? XS_ROL : XS_ROR;
    unsigned w = op->w == 1 || op->w == 2 || op->w == 4 ? op->w : 8;
    nat_load_a(c, 8, X_RAX, op->a);
    if (op->b == IR_NONE) {
        unsigned n = (unsigned)(op->imm % (8 * w));
        if (n)
            x86_shift_ri(&c->e, kind, w, X_RAX, (uint8_t)n);
    } else {
        nat_load_temp(c, 8, X_RCX, op->b);
        x86_shift_cl(&c->e, kind, w, X_RAX);
    }
    nat_zext(c, w, X_RAX);
    nat_store_result(c, op, X_RAX);
}

void nat_gen_unary(Ctx *c, const IROp *op)
{
    int dst = nat_result_reg(c, op);
    if (op->opc == IR_SEXT) {
        nat_load_a_sx(c, op->w, dst, op->a);
        nat_store_result(c, op, dst);
        return;
    }
    nat_load_a(c, 8, dst, op->a);
    if (op->opc == IR_NEG)
        x86_neg(&c->e, 8, dst);
    else
        x86_not(&c->e, 8, dst);
    nat_zext(c, op->w, dst);
    nat_store_result(c, op, dst);
}

void nat_gen_setcond(Ctx *c, const IROp *op)
{
    static const uint8_t cc[] = { [IR_EQ] = XC_E, [IR_NE] = XC_NE, [IR_LTU] = XC_B,
                                  [IR_LTS] = XC_L };
    unsigned w = op->w == 1 || op->w == 2 || op->w == 4 ? op->w : 8;
    if (op->aux > IR_LTS) {
        nat_give_up(c, "setcond: unknown comparison");
        return;
    }
    load_ab(c, op);
    x86_alu_rr(&c->e, XA_CMP, w, X_RAX, X_RCX);
    x86_setcc(&c->e, cc[op->aux], X_RAX);
    x86_movzx_rr(&c->e, 1, X_RAX, X_RAX);
    nat_store_result(c, op, X_RAX);
}

static size_t reg_off(unsigned aux)
{
    if (aux & IR_HIGH8)
        return offsetof(CPUX86State, regs) + (aux & 3) * 8 + 1;
    return offsetof(CPUX86State, regs) + (aux & 15) * 8;
}

/* Straight into the temp's host register when it has one (and the
 * value is not handed on in rax). */
void nat_gen_get_reg(Ctx *c, const IROp *op)
{
    unsigned w = (op->aux & IR_HIGH8) ? 1 : op->w;
    int h = nat_treg(c, op->d);
    int dst = h != X_NOREG && !c->skip_store ? h : X_RAX;
    x86_load(&c->e, w >= 8 ? 8 : w, dst, ENV(reg_off(op->aux)));
    if (dst == X_RAX)
        nat_store_result(c, op, X_RAX);
}

/* The register holding temp t's full value for a store, or X_NOREG. */
static int store_src(const Ctx *c, IRTemp t)
{
    return t == c->prev_rax ? X_RAX : nat_treg(c, t);
}

void nat_gen_set_reg(Ctx *c, const IROp *op)
{
    if (op->aux & IR_HIGH8) {
        nat_load_a(c, 8, X_RAX, op->a);
        x86_store(&c->e, 1, ENV(reg_off(op->aux)), X_RAX);
    } else if (op->w == 4) {
        nat_load_a(c, 4, X_RAX, op->a);                 /* zero-extends */
        x86_store(&c->e, 8, ENV(reg_off(op->aux)), X_RAX);
    } else {
        unsigned w = op->w == 1 || op->w == 2 ? op->w : 8;
        int src = store_src(c, op->a);
        if (src == X_NOREG) {
            nat_load_a(c, 8, X_RAX, op->a);
            src = X_RAX;
        }
        x86_store(&c->e, w, ENV(reg_off(op->aux)), src);
    }
}

void nat_gen_ld_env(Ctx *c, const IROp *op)
{
    x86_load(&c->e, env_width(op->w), X_RAX, ENV(op->aux));
    nat_store_result(c, op, X_RAX);
}

void nat_gen_st_env(Ctx *c, const IROp *op)
{
    size_t rip = offsetof(CPUX86State, rip);
    nat_load_a(c, 8, X_RAX, op->a);
    x86_store(&c->e, env_width(op->w), ENV(op->aux), X_RAX);
    /* The block set rip itself: a pending pc must not overwrite it. */
    if (op->aux < rip + 8 && op->aux + env_width(op->w) > rip)
        c->pc_pending = false;
    if (op->aux < offsetof(CPUX86State, cc_op) + 4 &&
        op->aux + env_width(op->w) > offsetof(CPUX86State, cc_op))
        c->cc_op = -1;
}

void nat_gen_call(Ctx *c, const IROp *op)
{
    static const int args[] = { X_RSI, X_RDX, X_RCX };
    const IRTemp in[3] = { op->a, op->b, op->c };
    if (op->aux & (IR_CALL_MAY_FAULT | IR_CALL_SYSTEM))
        nat_flush_pc(c);        /* the helper or a fault sees rip */
    for (int i = 0; i < 3; i++) {
        if (i == 0 && in[0] != IR_NONE)
            nat_load_a(c, 8, args[0], in[0]);
        else
            nat_load_operand(c, args[i], in[i], 0);
    }
    bool save = nat_caller_saved_live(c);
    if (save)
        nat_save_caller_saved(&c->e);
    x86_mov_ri(&c->e, X_R8, op->imm);
    x86_mov_rr(&c->e, 8, X_RDI, R_CPU);
    x86_call(&c->e, (const void *)op->fn);
    if (save)
        nat_restore_caller_saved(&c->e);
    if (op->aux & IR_CALL_WRITES_CC)
        c->cc_op = -1;
    nat_store_result(c, op, X_RAX);
}
