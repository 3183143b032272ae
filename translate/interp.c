/* The portable backend: runs a TB's IR with direct-threaded dispatch
 * (GCC's labels as values).  Temps live in a local array; guest state is
 * read and written in CPUX86State.  interp_prepare() rewrites a TB's ops
 * once, after the optimizer, into the interpreter's own forms (binary ops
 * with an immediate operand get opcodes of their own). */
#include "translate/tb.h"

#include <string.h>

#include "translate/flags.h"
#include "translate/ir-eval.h"
#include "translate/regs.h"
#include "translate/tlb.h"

/* Interpreter-private opcodes, after the IR's. */
enum { OP_ADDI = IR_NUM_OPS, OP_SUBI, OP_ANDI, OP_ORI, OP_XORI, OP_SHLI, OP_SHRI,
       OP_SARI, OP_BINI,
       OP_LDD, OP_STD,      /* ld/st at T(a) + (int32_t)aux: base + displacement */
       OP_COUNT };

static const uint64_t masks[9] = { 0, 0xff, 0xffff, 0, 0xffffffffULL, 0, 0, 0, ~0ULL };

/* An instruction's insn_start is needed only when a helper may read rip or
 * the block may stop there (self-modifying code check); otherwise the pc
 * goes into its loads' and stores' imm and is written to env->rip only on
 * their slow path, where a fault can happen. */
static unsigned drop_insn_starts(IROp *ops, unsigned n)
{
    unsigned j = 0;
    for (unsigned i = 0; i < n; i++) {
        if (ops[i].opc == IR_INSN_START && !ops[i].aux) {
            unsigned k = i + 1;
            bool call = false;
            for (; k < n && ops[k].opc != IR_INSN_START; k++)
                call |= ops[k].opc == IR_EXIT_TB ||
                        (ops[k].opc == IR_CALL &&
                         (ops[k].aux & (IR_CALL_MAY_FAULT | IR_CALL_SYSTEM)));
            if (!call) {
                for (unsigned m = i + 1; m < k; m++) {
                    if (ops[m].opc == IR_LD || ops[m].opc == IR_LD_W || ops[m].opc == IR_ST)
                        ops[m].imm = ops[i].imm;
                }
                continue;
            }
        }
        ops[j++] = ops[i];
    }
    return j;
}

/* A 64-bit "add imm" whose only use is the address of the next load or
 * store folds into it (base + displacement addressing). */
static unsigned fuse_displacements(IROp *ops, unsigned n)
{
    static uint16_t uses[IR_MAX_TEMPS];
    memset(uses, 0, sizeof(uses));
    for (unsigned i = 0; i < n; i++) {
        IRTemp in[3];
        unsigned k = ir_op_inputs(&ops[i], in);
        for (unsigned j = 0; j < k; j++) {
            if (in[j] < IR_MAX_TEMPS)
                uses[in[j]]++;
        }
    }
    unsigned j = 0;
    for (unsigned i = 0; i < n; i++) {
        IROp *op = &ops[i];
        if (op->opc == OP_ADDI && op->w == 8 && i + 1 < n && op->d < IR_MAX_TEMPS &&
            uses[op->d] == 1 && (int64_t)op->imm == (int32_t)op->imm &&
            (ops[i + 1].opc == IR_LD || ops[i + 1].opc == IR_ST) && ops[i + 1].a == op->d &&
            ops[i + 1].b != op->d) {
            IROp *m = &ops[i + 1];
            m->opc = m->opc == IR_LD ? OP_LDD : OP_STD;
            m->a = op->a;
            m->aux = (uint32_t)op->imm;
            continue;       /* the add is gone */
        }
        ops[j++] = *op;
    }
    return j;
}

unsigned interp_prepare(IROp *ops, unsigned n)
{
    n = drop_insn_starts(ops, n);
    for (unsigned i = 0; i < n; i++) {
        IROp *op = &ops[i];
        if (op->b != IR_NONE)
            continue;
        switch (op->opc) {
        case IR_ADD: op->opc = OP_ADDI; break;
        case IR_SUB: op->opc = OP_SUBI; break;
        case IR_AND: op->opc = OP_ANDI; break;
        case IR_OR: op->opc = OP_ORI; break;
        case IR_XOR: op->opc = OP_XORI; break;
        case IR_SHL: op->opc = OP_SHLI; break;
        case IR_SHR: op->opc = OP_SHRI; break;
        case IR_SAR: op->opc = OP_SARI; break;
        case IR_MUL: case IR_ROTL: case IR_ROTR: case IR_SETCOND:
            op->aux = (op->aux << 8) | op->opc;
            op->opc = OP_BINI;
            break;
        default: break;
        }
    }
    return fuse_displacements(ops, n);
}

/* Labels are resolved by scanning forward (blocks are short and branches
 * go forward only). */
static const IROp *find_label(const TB *tb, const IROp *from, uint32_t label)
{
    const IROp *end = tb->ops + tb->nops;
    for (const IROp *p = from; p < end; p++) {
        if (p->opc == IR_LABEL && p->aux == label)
            return p;
    }
    return end - 1;
}

int interp_exec(CPUState *cpu, const TB *tb)
{
    static const void *const labels[OP_COUNT] = {
        [IR_NOP] = &&l_nop, [IR_MOVI] = &&l_movi, [IR_MOV] = &&l_mov,
        [IR_ADD] = &&l_add, [IR_SUB] = &&l_sub, [IR_AND] = &&l_and, [IR_OR] = &&l_or,
        [IR_XOR] = &&l_xor, [IR_MUL] = &&l_generic, [IR_SHL] = &&l_generic,
        [IR_SHR] = &&l_generic, [IR_SAR] = &&l_generic, [IR_ROTL] = &&l_generic,
        [IR_ROTR] = &&l_generic, [IR_NEG] = &&l_generic, [IR_NOT] = &&l_generic,
        [IR_SEXT] = &&l_generic, [IR_SETCOND] = &&l_generic,
        [IR_GET_REG] = &&l_get_reg, [IR_SET_REG] = &&l_set_reg,
        [IR_LD_ENV] = &&l_ld_env, [IR_ST_ENV] = &&l_st_env, [IR_LD] = &&l_ld,
        [IR_ST] = &&l_st, [IR_SET_CC] = &&l_set_cc, [IR_COND] = &&l_cond,
        [IR_CALL] = &&l_call, [IR_INSN_START] = &&l_insn_start,
        [IR_BRCOND] = &&l_brcond, [IR_LABEL] = &&l_nop, [IR_GOTO_TB] = &&l_goto_tb,
        [IR_EXIT_TB] = &&l_exit_tb, [IR_LD_W] = &&l_ld_w, [IR_MULH] = &&l_generic,
        [IR_DIVU] = &&l_div, [IR_REMU] = &&l_div, [IR_CTZ] = &&l_generic,
        [IR_CLZ] = &&l_generic, [IR_POPCNT] = &&l_generic, [IR_BSWAP] = &&l_generic,
        [OP_ADDI] = &&l_addi, [OP_SUBI] = &&l_subi, [OP_ANDI] = &&l_andi,
        [OP_ORI] = &&l_ori, [OP_XORI] = &&l_xori, [OP_SHLI] = &&l_shli,
        [OP_SHRI] = &&l_shri, [OP_SARI] = &&l_sari, [OP_BINI] = &&l_bini,
        [OP_LDD] = &&l_ldd, [OP_STD] = &&l_std,
    };
    CPUX86State *env = &cpu->env;
    TcgCpu *t = tcg_cpu(cpu);
    uint64_t tmp[IR_MAX_TEMPS];
    const IROp *op = tb->ops;
    uint64_t la;

#define T(x) tmp[op->x]
#define M masks[op->w]
#define NEXT do { op++; goto *labels[op->opc]; } while (0)
    goto *labels[op->opc];
l_nop: NEXT;
l_movi: T(d) = op->imm; NEXT;
l_mov: T(d) = T(a); NEXT;
l_add: T(d) = (T(a) + T(b)) & M; NEXT;
l_sub: T(d) = (T(a) - T(b)) & M; NEXT;
l_and: T(d) = T(a) & T(b) & M; NEXT;
l_or: T(d) = (T(a) | T(b)) & M; NEXT;
l_xor: T(d) = (T(a) ^ T(b)) & M; NEXT;
l_addi: T(d) = (T(a) + op->imm) & M; NEXT;
l_subi: T(d) = (T(a) - op->imm) & M; NEXT;
l_andi: T(d) = T(a) & op->imm & M; NEXT;
l_ori: T(d) = (T(a) | op->imm) & M; NEXT;
l_xori: T(d) = (T(a) ^ op->imm) & M; NEXT;
l_shli: T(d) = ir_eval_shift(IR_SHL, op->w, T(a), op->imm) & M; NEXT;
l_shri: T(d) = ir_eval_shift(IR_SHR, op->w, T(a), op->imm) & M; NEXT;
l_sari: T(d) = ir_eval_shift(IR_SAR, op->w, T(a), op->imm) & M; NEXT;
l_bini: {
        IROp o = *op;
        o.opc = (uint8_t)(op->aux & 0xff);
        o.aux = op->aux >> 8;
        T(d) = ir_eval(&o, T(a), op->imm);
        NEXT;
    }
l_generic:
    T(d) = ir_eval(op, op->a != IR_NONE ? T(a) : 0, op->b != IR_NONE ? T(b) : op->imm);
    NEXT;
l_get_reg: T(d) = reg_read(env, op->aux, op->w); NEXT;
l_set_reg: reg_write(env, op->aux, op->w, T(a)); NEXT;
l_ld_env: T(d) = host_ld((const uint8_t *)env + op->aux, op->w); NEXT;
l_st_env: host_st((uint8_t *)env + op->aux, T(a), op->w); NEXT;
l_ldd:
    la = T(a) + (uint64_t)(int64_t)(int32_t)op->aux;
    goto do_ld;
l_ld:
    la = T(a);
do_ld: {
        const TLBEntry *e = tlb_entry(t, t->user, la);
        if (e->tag_r == (la & ~0xfffULL) && (la & 0xfff) + op->w <= 0x1000 && e->host) {
            T(d) = host_ld(e->host + (la & 0xfff), op->w);
        } else {
            if (op->imm != ~0ULL)
                env->rip = op->imm;
            T(d) = tcg_ld_slow(cpu, la, op->w);
        }
        NEXT;
    }
l_ld_w: {
        /* the write tag proves the page writable (and RAM) */
        la = T(a);
        const TLBEntry *e = tlb_entry(t, t->user, la);
        if (e->tag_w == (la & ~0xfffULL) && (la & 0xfff) + op->w <= 0x1000) {
            T(d) = host_ld(e->host + (la & 0xfff), op->w);
        } else {
            if (op->imm != ~0ULL)
                env->rip = op->imm;
            T(d) = tcg_ld_w_slow(cpu, la, op->w);
        }
        NEXT;
    }
l_std:
    la = T(a) + (uint64_t)(int64_t)(int32_t)op->aux;
    goto do_st;
l_st:
    la = T(a);
do_st: {
        const TLBEntry *e = tlb_entry(t, t->user, la);
        if (e->tag_w == (la & ~0xfffULL) && (la & 0xfff) + op->w <= 0x1000) {
            host_st(e->host + (la & 0xfff), T(b), op->w);
        } else {
            if (op->imm != ~0ULL)
                env->rip = op->imm;
            tcg_st_slow(cpu, la, T(b), op->w);
        }
        NEXT;
    }
l_set_cc:
    env->cc_op = op->aux;
    if (op->a != IR_NONE)
        env->cc_dst = T(a);
    if (op->b != IR_NONE)
        env->cc_src = T(b);
    if (op->c != IR_NONE)
        env->cc_src2 = T(c);
    NEXT;
l_cond:
    T(d) = op->aux < IR_COND_FLAGS ? cc_test(env, op->aux) : cc_compute_all(env);
    NEXT;
l_div: T(d) = ir_eval_div(op->opc, op->w, T(a), T(b), T(c)); NEXT;
l_call:
    T(d) = op->fn(cpu, op->a != IR_NONE ? T(a) : 0, op->b != IR_NONE ? T(b) : 0,
                  op->c != IR_NONE ? T(c) : 0, op->imm);
    NEXT;
l_insn_start:
    env->rip = op->imm;
    if (op->aux && t->exit_request)
        return -1;
    NEXT;
l_brcond:
    if (T(a))
        op = find_label(tb, op + 1, op->aux);
    NEXT;
l_goto_tb:
    env->rip = op->imm;
    return (int)op->aux;
l_exit_tb:
    return op->aux ? -2 : -1;
#undef T
#undef M
#undef NEXT
}
