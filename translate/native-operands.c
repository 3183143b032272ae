/* Where the native backend's temps live: a host register from the linear
 * scan (translate/regalloc.h) or the frame slot, plus the rax cache that
 * hands one op's result to the next without a move through either. */
#include "translate/native-x86_64.h"

#include <string.h>

/* The host register holding temp t, or X_NOREG (its slot). */
int nat_treg(const Ctx *c, IRTemp t)
{
    if (t >= IR_MAX_TEMPS || c->ra->reg[t] == RA_NONE)
        return X_NOREG;
    return host_regs[c->ra->reg[t]];
}

/* reg = temp t: all 8 bytes, or (size 4) the low half zero-extended. */
void nat_load_temp(Ctx *c, unsigned size, int reg, IRTemp t)
{
    int h = nat_treg(c, t);
    if (h == X_NOREG)
        x86_load(&c->e, size, reg, T(t));
    else if (h != reg || size == 4)
        x86_mov_rr(&c->e, size, reg, h);
}

/* Whether a caller-saved register holds a temp live across the current
 * op (which calls C): it is saved around the call. */
bool nat_caller_saved_live(const Ctx *c)
{
    for (unsigned r = FIRST_CALLER_SAVED; r < NHOST_REGS; r++) {
        if (c->holder[r] != IR_NONE && regalloc_live_across(c->ra, c->holder[r], c->op_index))
            return true;
    }
    return false;
}

/* An even number of pushes keeps the stack 16-byte aligned for the call. */
void nat_save_caller_saved(X86Enc *e)
{
    for (unsigned r = FIRST_CALLER_SAVED; r < NHOST_REGS; r++)
        x86_push(e, host_regs[r]);
    _Static_assert((NHOST_REGS - FIRST_CALLER_SAVED) % 2 == 0, "aligned calls");
}

void nat_restore_caller_saved(X86Enc *e)
{
    for (unsigned r = NHOST_REGS; r-- > FIRST_CALLER_SAVED;)
        x86_pop(e, host_regs[r]);
}

void nat_give_up(Ctx *c, const char *why)
{
    if (!c->unsupported) {
        c->unsupported = true;
        c->why = why;
    }
}

/* Through r11: rax may hold a cached temp. */
void nat_store_imm64(Ctx *c, X86Mem m, uint64_t v)
{
    if ((int64_t)v == (int32_t)v) {
        x86_store_i(&c->e, 8, m, (int32_t)v);
    } else {
        x86_mov_ri(&c->e, X_R11, v);
        x86_store(&c->e, 8, m, X_R11);
    }
}

/* env->rip = the current instruction's pc, once, before it can be seen. */
void nat_flush_pc(Ctx *c)
{
    if (c->pc_pending) {
        nat_store_imm64(c, ENV(offsetof(CPUX86State, rip)), c->pc);
        c->pc_pending = false;
    }
}

/* reg = temp t, or imm when t is IR_NONE. */
void nat_load_operand(Ctx *c, int reg, IRTemp t, uint64_t imm)
{
    if (t == IR_NONE)
        x86_mov_ri(&c->e, reg, imm);
    else
        nat_load_temp(c, 8, reg, t);
}

/* Zero-extend rax from w bytes (the IR's results are). */
void nat_zext(Ctx *c, unsigned w, int reg)
{
    if (w == 1 || w == 2 || w == 4)
        x86_movzx_rr(&c->e, w, reg, reg);
}

void nat_store_result(Ctx *c, const IROp *op, int reg)
{
    if (op->d >= IR_MAX_TEMPS)
        return;
    if (reg == X_RAX) {
        c->in_rax = op->d;
        if (c->skip_store)
            return;
    }
    int h = nat_treg(c, op->d);
    if (h == X_NOREG)
        x86_store(&c->e, 8, T(op->d), reg);
    else if (h != reg)
        x86_mov_rr(&c->e, 8, h, reg);
}

/* Where an op computes its result: straight in the host register the
 * linear scan gave it, which saves the move out of rax (and the rax
 * round trip of its first operand), unless the result is handed on in
 * rax only, or that register still holds the op's second operand. */
int nat_result_reg(const Ctx *c, const IROp *op)
{
    int h = nat_treg(c, op->d);
    if (h == X_NOREG || c->skip_store)
        return X_RAX;
    if (op->b != IR_NONE && op->b != op->a && nat_treg(c, op->b) == h)
        return X_RAX;
    return h;
}

/* The register holding temp t now (rax when the last op left it there),
 * or X_NOREG: it is in its frame slot. */
int nat_temp_now(const Ctx *c, IRTemp t)
{
    return t == c->prev_rax ? X_RAX : nat_treg(c, t);
}

/* An op's first operand: from rax when the previous op left it there
 * (size 4: zero-extended from 32 bits). */
void nat_load_a(Ctx *c, unsigned size, int reg, IRTemp t)
{
    if (t != c->prev_rax) {
        nat_load_temp(c, size, reg, t);
    } else if (size == 4) {
        x86_mov_rr(&c->e, 4, reg, X_RAX);
    } else if (reg != X_RAX) {
        x86_mov_rr(&c->e, 8, reg, X_RAX);
    }
    if (reg == X_RAX)
        c->prev_rax = size == 8 ? t : IR_NONE;
}

void nat_load_a_sx(Ctx *c, unsigned w, int reg, IRTemp t)
{
    unsigned sw = w == 1 || w == 2 || w == 4 ? w : 8;
    int h = t == c->prev_rax ? X_RAX : nat_treg(c, t);
    if (h != X_NOREG)
        x86_movsx_rr(&c->e, sw, reg, h);
    else
        x86_load_sx(&c->e, w, reg, T(t));
    if (reg == X_RAX)
        c->prev_rax = IR_NONE;
}

/* Ops that emit nothing touching rax on their way through. */
bool nat_transparent(const IROp *op)
{
    return op->opc == IR_NOP || op->opc == IR_INSN_START;
}

/* Ops whose first operand is loaded with load_a before anything else
 * uses rax or the temp's slot. */
static bool takes_a_first(const IROp *op)
{
    switch (op->opc) {
    case IR_MOV: case IR_ADD: case IR_SUB: case IR_AND: case IR_OR: case IR_XOR:
    case IR_MUL: case IR_SHL: case IR_SHR: case IR_SAR: case IR_ROTL: case IR_ROTR:
    case IR_NEG: case IR_NOT: case IR_SEXT: case IR_SETCOND: case IR_SET_REG:
    case IR_ST_ENV: case IR_SET_CC: case IR_LD: case IR_LD_W: case IR_ST: case IR_CALL:
        return op->a != IR_NONE;
    default:
        return false;
    }
}

/* Whether ops[i]'s result may live only in rax: its one use is the first
 * operand of the next op that emits code. */
bool nat_result_only_in_rax(const IROp *ops, unsigned n, unsigned i, const uint16_t *uses)
{
    IRTemp d = ops[i].d;
    if (!ir_op_has_output(&ops[i]) || d >= IR_MAX_TEMPS || uses[d] != 1)
        return false;
    unsigned j = i + 1;
    while (j < n && nat_transparent(&ops[j]))
        j++;
    if (j >= n || nat_regs_deferrable(&ops[j]))     /* kept past the next op */
        return false;
    if (takes_a_first(&ops[j]) && ops[j].a == d)
        return true;
    /* ...or the second operand of a binary op that takes it from rax */
    switch (ops[j].opc) {
    case IR_ADD: case IR_SUB: case IR_AND: case IR_OR: case IR_XOR: case IR_MUL:
    case IR_SETCOND:
        return ops[j].b == d && ops[j].a != d;
    default:
        return false;
    }
}

void nat_count_uses(const IROp *ops, unsigned n, uint16_t *uses)
{
    memset(uses, 0, IR_MAX_TEMPS * sizeof(*uses));
    for (unsigned i = 0; i < n; i++) {
        IRTemp in[3];
        unsigned k = ir_op_inputs(&ops[i], in);
        for (unsigned j = 0; j < k; j++) {
            if (in[j] < IR_MAX_TEMPS && uses[in[j]] < 0xffff)
                uses[in[j]]++;
        }
    }
}
