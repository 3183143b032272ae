/* The IR optimizer: marks exit points, folds constants, propagates copies,
 * drops flag computations overwritten before anything can observe them,
 * and removes dead pure ops.
 *
 * Flags are observable by a cond op or a helper that reads them, and by
 * anything that may leave the block early: an op that may fault (ld, st,
 * helpers declared as faulting), or an instruction boundary where the interpreter may stop
 * because the previous instruction stored to memory (self-modifying code
 * check).  A set_cc followed by another set_cc with none of these in
 * between is dead.  Guest-register stores that a later one replaces
 * unseen go too (translate/opt-dead-regs.c). */
#include <stdlib.h>
#include <string.h>

#include "translate/ir-eval.h"
#include "translate/ir.h"
#include "translate/opt-dead-regs.h"

/* A helper that may store to memory or change anything else of the
 * machine may leave an exit request behind. */
static bool call_may_request_exit(const IROp *op)
{
    return op->opc == IR_CALL && (op->aux & (IR_CALL_WRITES_MEM | IR_CALL_SYSTEM));
}

static void mark_exit_points(IROp *ops, unsigned n)
{
    bool wrote = false;
    for (unsigned i = 0; i < n; i++) {
        if (ops[i].opc == IR_ST || call_may_request_exit(&ops[i]))
            wrote = true;
        if (ops[i].opc == IR_INSN_START) {
            ops[i].aux = wrote;
            wrote = false;
        }
    }
}

typedef struct RegVal {
    IRTemp t;           /* IR_NONE: unknown */
    uint8_t w;          /* width of the get_reg/set_reg that gave it */
    bool set;           /* from set_reg (a 4-byte one zero-extends) */
} RegVal;

typedef struct OptState {
    bool *known;
    uint64_t *val;
    IRTemp *copy;
    uint8_t *fit;       /* the value is below 2^(8*fit) */
    RegVal regs[16];    /* guest registers known to be in temps */
} OptState;

static unsigned fit_const(uint64_t v)
{
    return v <= 0xff ? 1 : v <= 0xffff ? 2 : v <= 0xffffffffULL ? 4 : 8;
}

static uint64_t fit_mask(unsigned f)
{
    return f >= 8 ? ~0ULL : (1ULL << (8 * f)) - 1;
}

static unsigned result_fit(const OptState *s, const IROp *op)
{
    switch (op->opc) {
    case IR_MOVI: return fit_const(op->imm);
    case IR_MOV: return s->fit[op->a];
    case IR_LD: case IR_LD_W: case IR_LD_ENV: return op->w;
    case IR_GET_REG: return (op->aux & IR_HIGH8) ? 1 : op->w;
    case IR_COND: case IR_SETCOND: return 1;
    case IR_AND:
        if (op->b == IR_NONE && fit_const(op->imm) < op->w)
            return fit_const(op->imm);
        return op->w;
    case IR_SEXT: case IR_CALL: return 8;
    default:
        return ir_is_arith(op->opc) ? op->w : 8;
    }
}

static void regs_forget(OptState *s)
{
    for (int i = 0; i < 16; i++)
        s->regs[i].t = IR_NONE;
}

/* get_reg of a register whose value a temp already holds becomes a copy;
 * set_reg and get_reg record what they leave in the register. */
static void forward_regs(OptState *s, IROp *op)
{
    unsigned r = op->aux & 15;
    if ((op->opc == IR_CALL && (op->aux & IR_CALL_WRITES_REGS)) || op->opc == IR_LABEL) {
        regs_forget(s);
        return;
    }
    if (op->opc != IR_GET_REG && op->opc != IR_SET_REG)
        return;
    if (op->aux & IR_HIGH8) {
        if (op->opc == IR_SET_REG)
            s->regs[op->aux & 3].t = IR_NONE;
        return;
    }
    RegVal *rv = &s->regs[r];
    if (op->opc == IR_SET_REG) {
        rv->t = op->a;
        rv->w = op->w;
        rv->set = true;
        return;
    }
    if (rv->t != IR_NONE) {
        /* Does t hold the whole register?  A 4-byte get_reg saw only the
         * low half; a 4-byte set_reg of a value that fits cleared the rest. */
        unsigned f = s->fit[rv->t];
        bool full = rv->w == 8 || (rv->set && rv->w == 4 && f <= 4);
        if (f <= op->w && (op->w <= rv->w || full)) {
            *op = (IROp){ .opc = IR_MOV, .w = 8, .d = op->d, .a = rv->t, .b = IR_NONE,
                          .c = IR_NONE };
            return;
        }
    }
    rv->t = op->d;
    rv->w = op->w;
    rv->set = false;
}

static IRTemp resolve(const OptState *s, IRTemp t)
{
    return t == IR_NONE ? t : s->copy[t];
}

static bool is_binop(unsigned opc)
{
    return (opc >= IR_ADD && opc <= IR_ROTR) || opc == IR_SETCOND;
}

/* A 64-bit op that returns its first operand unchanged. */
static bool is_identity(const IROp *op)
{
    if (op->w != 8)
        return false;
    switch (op->opc) {
    case IR_AND: return op->imm == ~0ULL;
    case IR_ADD: case IR_SUB: case IR_OR: case IR_XOR: case IR_SHL: case IR_SHR: case IR_SAR:
        return op->imm == 0;
    default: return false;
    }
}

static void fold(IROp *ops, unsigned n, OptState *s)
{
    for (unsigned i = 0; i < n; i++) {
        IROp *op = &ops[i];
        op->a = resolve(s, op->a);
        op->b = resolve(s, op->b);
        op->c = resolve(s, op->c);
        forward_regs(s, op);
        if (op->d != IR_NONE)
            s->fit[op->d] = (uint8_t)result_fit(s, op);
        if (op->opc == IR_MOV) {
            s->copy[op->d] = op->a;
            if (s->known[op->a]) {
                s->known[op->d] = true;
                s->val[op->d] = s->val[op->a];
            }
            continue;
        }
        if (!ir_is_arith(op->opc) || op->d == IR_NONE)
            continue;
        bool ka = op->a == IR_NONE || s->known[op->a];
        bool kb = op->b == IR_NONE || s->known[op->b];
        if (!ka && kb && op->b != IR_NONE && is_binop(op->opc)) {
            /* A constant second operand becomes the op's immediate. */
            op->imm = s->val[op->b];
            op->b = IR_NONE;
            s->fit[op->d] = (uint8_t)result_fit(s, op);
            if (is_identity(op) || (op->opc == IR_AND &&
                                    (op->imm & fit_mask(s->fit[op->a])) == fit_mask(s->fit[op->a]) &&
                                    (fit_mask(op->w) & fit_mask(s->fit[op->a])) == fit_mask(s->fit[op->a]))) {
                s->copy[op->d] = op->a;     /* x + 0, x & ~0, masking what fits */
                s->fit[op->d] = s->fit[op->a];
            }
            continue;
        }
        if (!ka || !kb)
            continue;
        uint64_t a = op->a != IR_NONE ? s->val[op->a] : 0;
        uint64_t b = op->b != IR_NONE ? s->val[op->b] : op->imm;
        uint64_t v = ir_eval(op, a, b);
        *op = (IROp){ .opc = IR_MOVI, .w = 8, .d = op->d, .a = IR_NONE, .b = IR_NONE,
                      .c = IR_NONE, .imm = v };
        s->known[op->d] = true;
        s->val[op->d] = v;
    }
}

static bool observes_flags(const IROp *op)
{
    switch (op->opc) {
    case IR_COND: case IR_LD: case IR_LD_W: case IR_ST: case IR_GOTO_TB: case IR_EXIT_TB:
    case IR_LABEL: case IR_BRCOND:
        return true;
    case IR_CALL:
        return (op->aux & (IR_CALL_READS_CC | IR_CALL_MAY_FAULT | IR_CALL_SYSTEM)) != 0;
    case IR_INSN_START:
        return op->aux != 0;
    default:
        return false;
    }
}

static void dead_flags(IROp *ops, unsigned n)
{
    bool live = true;
    for (unsigned i = n; i-- > 0;) {
        IROp *op = &ops[i];
        if (op->opc == IR_SET_CC) {
            if (!live)
                op->opc = IR_NOP;
            live = false;
        } else if (observes_flags(op)) {
            live = true;
        } else if (op->opc == IR_CALL && (op->aux & IR_CALL_WRITES_CC)) {
            live = false;
        }
    }
}

static bool is_pure(const IROp *op)
{
    return ir_is_arith(op->opc) || op->opc == IR_GET_REG || op->opc == IR_LD_ENV ||
           op->opc == IR_COND;
}

static void dead_code(IROp *ops, unsigned n, bool *used)
{
    for (unsigned i = n; i-- > 0;) {
        IROp *op = &ops[i];
        if (op->opc == IR_NOP)
            continue;
        if (is_pure(op) && op->d != IR_NONE && !used[op->d]) {
            op->opc = IR_NOP;
            continue;
        }
        IRTemp in[3];
        unsigned k = ir_op_inputs(op, in);
        for (unsigned j = 0; j < k; j++)
            used[in[j]] = true;
    }
}

static unsigned compact(IROp *ops, unsigned n)
{
    unsigned j = 0;
    for (unsigned i = 0; i < n; i++) {
        if (ops[i].opc != IR_NOP)
            ops[j++] = ops[i];
    }
    return j;
}

unsigned ir_optimize(IROp *ops, unsigned n, unsigned ntemps)
{
    static bool known[IR_MAX_TEMPS], used[IR_MAX_TEMPS];
    static uint64_t val[IR_MAX_TEMPS];
    static IRTemp copy[IR_MAX_TEMPS];
    static uint8_t fit[IR_MAX_TEMPS];
    mark_exit_points(ops, n);
    memset(known, 0, ntemps * sizeof(bool));
    memset(used, 0, ntemps * sizeof(bool));
    for (unsigned i = 0; i < ntemps; i++)
        copy[i] = (IRTemp)i;
    OptState s = { known, val, copy, fit, { { 0, 0, false } } };
    regs_forget(&s);
    fold(ops, n, &s);
    opt_dead_regs(ops, n);
    dead_flags(ops, n);
    dead_code(ops, n, used);
    return compact(ops, n);
}
