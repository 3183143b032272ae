/* The portable backend: runs a TB's IR with a switch per op.  Temps live
 * in a local array; guest state is read and written in CPUX86State. */
#include "translate/tb.h"

#include "translate/flags.h"
#include "translate/ir-eval.h"
#include "translate/regs.h"
#include "translate/tlb.h"

static uint64_t env_ld(const CPUX86State *env, unsigned off, unsigned w)
{
    return host_ld((const uint8_t *)env + off, w);
}

static void env_st(CPUX86State *env, unsigned off, unsigned w, uint64_t v)
{
    host_st((uint8_t *)env + off, v, w);
}

/* Labels are resolved by scanning forward (blocks are short and branches
 * forward only). */
static unsigned find_label(const TB *tb, unsigned from, uint32_t label)
{
    for (unsigned i = from; i < tb->nops; i++) {
        if (tb->ops[i].opc == IR_LABEL && tb->ops[i].aux == label)
            return i;
    }
    return tb->nops;
}

int interp_exec(CPUState *cpu, const TB *tb)
{
    CPUX86State *env = &cpu->env;
    TcgCpu *t = tcg_cpu(cpu);
    uint64_t tmp[IR_MAX_TEMPS];
    const IROp *ops = tb->ops;
    for (unsigned i = 0; i < tb->nops; i++) {
        const IROp *op = &ops[i];
        uint64_t a = op->a != IR_NONE ? tmp[op->a] : 0;
        uint64_t b = op->b != IR_NONE ? tmp[op->b] : op->imm;
        uint64_t r = 0;
        switch (op->opc) {
        case IR_NOP: case IR_LABEL: continue;
        case IR_MOVI: r = op->imm; break;
        case IR_MOV: r = a; break;
        case IR_ADD: r = (a + b) & ir_wmask(op->w); break;
        case IR_SUB: r = (a - b) & ir_wmask(op->w); break;
        case IR_AND: r = a & b & ir_wmask(op->w); break;
        case IR_OR: case IR_XOR: case IR_MUL: case IR_SHL: case IR_SHR: case IR_SAR:
        case IR_ROTL: case IR_ROTR: case IR_NEG: case IR_NOT: case IR_SEXT: case IR_SETCOND:
            r = ir_eval(op, a, b);
            break;
        case IR_GET_REG: r = reg_read(env, op->aux, op->w); break;
        case IR_SET_REG: reg_write(env, op->aux, op->w, a); continue;
        case IR_LD_ENV: r = env_ld(env, op->aux, op->w); break;
        case IR_ST_ENV: env_st(env, op->aux, op->w, a); continue;
        case IR_LD: r = tcg_ld(cpu, a, op->w); break;
        case IR_ST: tcg_st(cpu, a, b, op->w); continue;
        case IR_SET_CC:
            env->cc_op = op->aux;
            if (op->a != IR_NONE)
                env->cc_dst = a;
            if (op->b != IR_NONE)
                env->cc_src = b;
            if (op->c != IR_NONE)
                env->cc_src2 = tmp[op->c];
            continue;
        case IR_COND: r = cc_test(env, op->aux); break;
        case IR_CALL:
            r = op->fn(cpu, a, op->b != IR_NONE ? b : 0, op->c != IR_NONE ? tmp[op->c] : 0,
                      op->imm);
            break;
        case IR_INSN_START:
            env->rip = op->imm;
            if (op->aux && t->exit_request)
                return -1;
            continue;
        case IR_BRCOND:
            if (a)
                i = find_label(tb, i + 1, op->aux);
            continue;
        case IR_GOTO_TB:
            env->rip = op->imm;
            return (int)op->aux;
        case IR_EXIT_TB:
            return -1;
        }
        if (op->d != IR_NONE)
            tmp[op->d] = r;
    }
    return -1;
}
