/* Native backend: the lazy flags (set_cc) and conditions computed from
 * them inline, fused with the branch that reads them when it follows. */
#include "translate/native-x86_64.h"

#include "translate/flags.h"

/* The lazy-flags fields set_cc op writes, in env, from where its temps
 * live (r11 as scratch: on a slow path rax holds the TLB entry). */
void nat_flags_write_back(Ctx *c, const IROp *op)
{
    x86_store_i(&c->e, 4, ENV(offsetof(CPUX86State, cc_op)), (int32_t)op->aux);
    const IRTemp src[3] = { op->a, op->b, op->c };
    const size_t off[3] = { offsetof(CPUX86State, cc_dst), offsetof(CPUX86State, cc_src),
                            offsetof(CPUX86State, cc_src2) };
    for (int i = 0; i < 3; i++) {
        if (src[i] == IR_NONE)
            continue;
        int r = nat_treg(c, src[i]);
        if (r == X_NOREG) {
            x86_load(&c->e, 8, X_R11, T(src[i]));
            r = X_R11;
        }
        x86_store(&c->e, 8, ENV(off[i]), r);
    }
}

void nat_gen_set_cc(Ctx *c, const IROp *op)
{
    if (c->defer_cc[c->op_index]) {     /* see plan_defer_cc */
        c->pend_cc = (int)c->op_index;
        c->cc_op = -1;      /* a slow path may store it */
        return;
    }
    c->pend_cc = -1;
    /* env->cc_op already holds it when this block stored it last */
    if (c->cc_op != (int)op->aux)
        x86_store_i(&c->e, 4, ENV(offsetof(CPUX86State, cc_op)), (int32_t)op->aux);
    c->cc_op = (int)op->aux;
    const IRTemp src[3] = { op->a, op->b, op->c };
    const size_t off[3] = { offsetof(CPUX86State, cc_dst), offsetof(CPUX86State, cc_src),
                            offsetof(CPUX86State, cc_src2) };
    for (int i = 0; i < 3; i++) {
        if (src[i] == IR_NONE)
            continue;
        int r = nat_temp_now(c, src[i]);    /* the first may come in rax */
        if (r == X_NOREG) {
            nat_load_a(c, 8, X_RAX, src[i]);
            r = X_RAX;
        }
        x86_store(&c->e, 8, ENV(off[i]), r);
    }
}

/* Whether the host computes condition cc of cc_op with one instruction
 * (cond_flags) */
static bool cond_inline_ok(int cc_op, unsigned cc)
{
    if (cc_op < 0 || cc_op >= CC_OP_COUNT)
        return false;
    unsigned group = (unsigned)cc_op & ~3u;
    bool zs = (cc >> 1) == 2 || (cc >> 1) == 4;
    return group == CC_OP_SUB || group == CC_OP_ADD || group == CC_OP_LOGIC ||
           (zs && group != CC_OP_EFLAGS);
}


/* Whether ld_env/st_env of w bytes at off touches the lazy flags. */
static bool writes_cc(unsigned off, unsigned w)
{
    return off < offsetof(CPUX86State, cc_src2) + 8 && off + w > offsetof(CPUX86State, cc_op);
}

/* Ops between two set_cc that neither read the lazy flags nor leave the
 * block's straight path, except through a guest access's slow path. */
static bool blind_to_cc(const IROp *op)
{
    switch (op->opc) {
    case IR_NOP: case IR_MOVI: case IR_MOV: case IR_ADD: case IR_SUB: case IR_AND:
    case IR_OR: case IR_XOR: case IR_MUL: case IR_MULH: case IR_SHL: case IR_SHR:
    case IR_SAR: case IR_ROTL: case IR_ROTR: case IR_NEG: case IR_NOT: case IR_SEXT:
    case IR_SETCOND: case IR_GET_REG: case IR_SET_REG: case IR_LD: case IR_LD_W: case IR_ST:
        return true;
    case IR_LD_ENV: case IR_ST_ENV:     /* a segment base, not the flags */
        return !writes_cc(op->aux, env_width(op->w));
    case IR_INSN_START:
        return !op->aux;    /* an exit check leaves with env exact */
    default:
        return false;
    }
}

/* Whether set_cc op writes every lazy-flags field its cc_op reads
 * (translate/flags.h): then what an earlier set_cc left in the others is
 * never seen. */
static bool self_contained(const IROp *op)
{
    if (op->aux >= CC_OP_COUNT)
        return false;
    unsigned g = op->aux & ~3u;
    bool dst = g != CC_OP_EFLAGS;
    bool src = g == CC_OP_EFLAGS || g == CC_OP_ADD || g == CC_OP_ADC || g == CC_OP_SUB ||
               g == CC_OP_SBB || g == CC_OP_SHL || g == CC_OP_SHR || g == CC_OP_SAR ||
               g == CC_OP_MUL;
    bool src2 = g == CC_OP_ADC || g == CC_OP_SBB || g == CC_OP_INC || g == CC_OP_DEC ||
                g == CC_OP_SHR;
    return (!dst || op->a != IR_NONE) && (!src || op->b != IR_NONE) &&
           (!src2 || op->c != IR_NONE);
}

/* defer[i]: set_cc i is dead on the straight path, because a later
 * self-contained set_cc replaces it before anything reads the flags; only a
 * guest access in between can fault or call C, and its out-of-line slow
 * path stores set_cc i's fields first (so env is exact there).  Its temps
 * live (and are counted as used) up to the set_cc that replaces it. */
static void plan_defer_cc(const IROp *ops, unsigned n, uint16_t *uses, RegAlloc *ra,
                          bool *defer)
{
    for (unsigned i = 0; i < n; i++) {
        defer[i] = false;
        if (ops[i].opc != IR_SET_CC)
            continue;
        unsigned j = i + 1;
        while (j < n && ops[j].opc != IR_SET_CC && blind_to_cc(&ops[j]))
            j++;
        if (j >= n || ops[j].opc != IR_SET_CC || !self_contained(&ops[j]))
            continue;
        defer[i] = true;
        IRTemp in[3] = { ops[i].a, ops[i].b, ops[i].c };
        for (int k = 0; k < 3; k++) {
            if (in[k] < IR_MAX_TEMPS) {
                regalloc_extend(ra, in[k], j);
                if (uses[in[k]] < 0xffff)
                    uses[in[k]]++;
            }
        }
    }
}

/* For each cond op, the set_cc of this block whose temps still hold the
 * lazy flags it reads (no label, flag-writing call or store to the flags
 * in between), else -1: the cond then reads those temps rather than env,
 * and they are kept live (and counted as used) up to it.  fuse[i]: cond
 * i computes the host flags inline and its only use is the brcond right
 * after it (nothing in between emits code that changes host flags): the
 * brcond becomes one conditional jump. */
void nat_plan_flags(const IROp *ops, unsigned n, uint16_t *uses, RegAlloc *ra,
                       int16_t *src, bool *fuse, bool *defer)
{
    plan_defer_cc(ops, n, uses, ra, defer);
    int last = -1;
    for (unsigned i = 0; i < n; i++) {
        const IROp *op = &ops[i];
        src[i] = -1;
        fuse[i] = false;
        if (op->opc == IR_SET_CC) {
            bool full = op->a != IR_NONE && (op->b != IR_NONE ||
                        ((op->aux & ~3u) != CC_OP_SUB && (op->aux & ~3u) != CC_OP_ADD));
            last = full ? (int)i : -1;
        } else if (op->opc == IR_LABEL || (op->opc == IR_CALL && (op->aux & IR_CALL_WRITES_CC)) ||
                   (op->opc == IR_ST_ENV && writes_cc(op->aux, env_width(op->w)))) {
            last = -1;
        } else if (op->opc == IR_COND && last >= 0 && op->aux < IR_COND_FLAGS &&
                   cond_inline_ok((int)ops[last].aux, op->aux & 15)) {
            src[i] = (int16_t)last;
            IRTemp in[2] = { ops[last].a, ops[last].b };
            for (int k = 0; k < 2; k++) {
                if (in[k] < IR_MAX_TEMPS) {
                    regalloc_extend(ra, in[k], i);
                    if (uses[in[k]] < 0xffff)
                        uses[in[k]]++;
                }
            }
            unsigned j = i + 1;
            while (j < n && (ops[j].opc == IR_NOP ||
                             (ops[j].opc == IR_INSN_START && !ops[j].aux)))
                j++;
            fuse[i] = op->d < IR_MAX_TEMPS && uses[op->d] == 1 && j < n &&
                      ops[j].opc == IR_BRCOND && ops[j].a == op->d;
        }
    }
}

/* A condition of lazy flags whose cc_op this block set: the host computes
 * it with one instruction that sets the host flags exactly as the guest
 * instruction did: CMP/SUB (the first operand is result + subtrahend),
 * ADD (result - addend), TEST of the result (logic ops; ZF and SF of any
 * cc_op).  The operands come from the set_cc's temps when plan_flags found
 * them, else from env.  false: the case is left to cc_test. */
static bool gen_cond_inline(Ctx *c, const IROp *op)
{
    X86Enc *e = &c->e;
    int from = c->flag_src[c->op_index];
    int cc_op = from >= 0 ? (int)c->ops[from].aux : c->cc_op;
    unsigned cc = op->aux & 15;
    if (!cond_inline_ok(cc_op, cc))
        return false;
    unsigned group = (unsigned)cc_op & ~3u, w = 1u << (cc_op & 3);
    bool zs = (cc >> 1) == 2 || (cc >> 1) == 4;     /* ZF, SF: the result's */
    int res = from >= 0 ? nat_treg(c, c->ops[from].a) : X_NOREG;
    if (res == X_NOREG || !zs) {
        res = X_RAX;
        if (from >= 0)
            nat_load_temp(c, 8, X_RAX, c->ops[from].a);
        else
            x86_load(e, 8, X_RAX, ENV(offsetof(CPUX86State, cc_dst)));
    }
    if (!zs && (group == CC_OP_SUB || group == CC_OP_ADD)) {
        if (from >= 0)
            nat_load_temp(c, 8, X_RCX, c->ops[from].b);
        else
            x86_load(e, 8, X_RCX, ENV(offsetof(CPUX86State, cc_src)));
        x86_mov_rr(e, 8, X_RDX, X_RAX);
        x86_alu_rr(e, group == CC_OP_SUB ? XA_ADD : XA_SUB, 8, X_RDX, X_RCX);
        x86_alu_rr(e, group == CC_OP_SUB ? XA_CMP : XA_ADD, w, X_RDX, X_RCX);
    } else {
        x86_test_rr(e, w, res, res);
    }
    if (c->fuse_jcc[c->op_index]) {
        c->jcc = (int)cc;
        c->jcc_temp = op->d;
        return true;
    }
    x86_setcc(e, cc, X_RAX);
    x86_movzx_rr(e, 1, X_RAX, X_RAX);
    nat_store_result(c, op, X_RAX);
    return true;
}

void nat_gen_cond(Ctx *c, const IROp *op)
{
    bool all = op->aux >= IR_COND_FLAGS;
    if (!all && gen_cond_inline(c, op))
        return;
    bool save = nat_caller_saved_live(c);
    if (save)
        nat_save_caller_saved(&c->e);
    x86_mov_rr(&c->e, 8, X_RDI, R_CPU);
    if (all) {
        x86_call(&c->e, (const void *)cc_compute_all);
        if (save)
            nat_restore_caller_saved(&c->e);
        x86_mov_rr(&c->e, 4, X_RAX, X_RAX);     /* uint32_t: zero-extend */
        nat_store_result(c, op, X_RAX);
        return;
    }
    x86_mov_ri(&c->e, X_RSI, op->aux);
    x86_call(&c->e, (const void *)cc_test);
    if (save)
        nat_restore_caller_saved(&c->e);
    x86_movzx_rr(&c->e, 1, X_RAX, X_RAX);   /* bool: only al is defined */
    nat_store_result(c, op, X_RAX);
}
