/* Building and printing IR (see translate/ir.h). */
#include "translate/ir.h"

#include <inttypes.h>
#include <stdlib.h>

void ir_init(IRBlock *b)
{
    b->nops = 0;
    b->ntemps = 0;
    b->nlabels = 0;
}

bool ir_has_room(const IRBlock *b)
{
    /* The longest expansion (PUSHA, far transfers) stays below 200 ops. */
    return b->nops + 256 < IR_MAX_OPS && b->ntemps + 256 < IR_MAX_TEMPS;
}

static IROp *emit(IRBlock *b, IROpc opc)
{
    if (b->nops >= IR_MAX_OPS)
        abort(); /* ir_has_room() is checked before every instruction */
    IROp *op = &b->ops[b->nops++];
    *op = (IROp){ .opc = opc, .d = IR_NONE, .a = IR_NONE, .b = IR_NONE, .c = IR_NONE };
    return op;
}

IRTemp ir_temp(IRBlock *b)
{
    if (b->ntemps >= IR_MAX_TEMPS)
        abort();
    return (IRTemp)b->ntemps++;
}

IRTemp ir_movi(IRBlock *b, uint64_t imm)
{
    IROp *op = emit(b, IR_MOVI);
    op->imm = imm;
    op->w = 8;
    return op->d = ir_temp(b);
}

IRTemp ir_mov(IRBlock *b, IRTemp a)
{
    IROp *op = emit(b, IR_MOV);
    op->a = a;
    op->w = 8;
    return op->d = ir_temp(b);
}

IRTemp ir_binop(IRBlock *b, IROpc opc, unsigned w, IRTemp a, IRTemp c)
{
    IROp *op = emit(b, opc);
    op->w = (uint8_t)w;
    op->a = a;
    op->b = c;
    return op->d = ir_temp(b);
}

IRTemp ir_binopi(IRBlock *b, IROpc opc, unsigned w, IRTemp a, uint64_t imm)
{
    return ir_binop(b, opc, w, a, ir_movi(b, imm));
}

IRTemp ir_unop(IRBlock *b, IROpc opc, unsigned w, IRTemp a)
{
    IROp *op = emit(b, opc);
    op->w = (uint8_t)w;
    op->a = a;
    return op->d = ir_temp(b);
}

IRTemp ir_setcond(IRBlock *b, unsigned cmp, unsigned w, IRTemp a, IRTemp c)
{
    IROp *op = emit(b, IR_SETCOND);
    op->w = (uint8_t)w;
    op->aux = cmp;
    op->a = a;
    op->b = c;
    return op->d = ir_temp(b);
}

IRTemp ir_mulh(IRBlock *b, bool sign, IRTemp a, IRTemp c)
{
    IROp *op = emit(b, IR_MULH);
    op->w = 8;
    op->aux = sign;
    op->a = a;
    op->b = c;
    return op->d = ir_temp(b);
}

IRTemp ir_div(IRBlock *b, IROpc opc, unsigned w, IRTemp hi, IRTemp lo, IRTemp v)
{
    IROp *op = emit(b, opc);
    op->w = (uint8_t)w;
    op->a = hi;
    op->b = lo;
    op->c = v;
    return op->d = ir_temp(b);
}

IRTemp ir_get_reg(IRBlock *b, unsigned w, unsigned reg)
{
    IROp *op = emit(b, IR_GET_REG);
    op->w = (uint8_t)w;
    op->aux = reg;
    return op->d = ir_temp(b);
}

void ir_set_reg(IRBlock *b, unsigned w, unsigned reg, IRTemp a)
{
    IROp *op = emit(b, IR_SET_REG);
    op->w = (uint8_t)w;
    op->aux = reg;
    op->a = a;
}

IRTemp ir_ld_env(IRBlock *b, unsigned w, unsigned offset)
{
    IROp *op = emit(b, IR_LD_ENV);
    op->w = (uint8_t)w;
    op->aux = offset;
    return op->d = ir_temp(b);
}

void ir_st_env(IRBlock *b, unsigned w, unsigned offset, IRTemp a)
{
    IROp *op = emit(b, IR_ST_ENV);
    op->w = (uint8_t)w;
    op->aux = offset;
    op->a = a;
}

static IRTemp ld_op(IRBlock *b, IROpc opc, unsigned w, IRTemp la)
{
    IROp *op = emit(b, opc);
    op->imm = ~0ULL;        /* the backend may put the instruction's pc here */
    op->w = (uint8_t)w;
    op->a = la;
    return op->d = ir_temp(b);
}

IRTemp ir_ld(IRBlock *b, unsigned w, IRTemp la)
{
    return ld_op(b, IR_LD, w, la);
}

IRTemp ir_ld_w(IRBlock *b, unsigned w, IRTemp la)
{
    return ld_op(b, IR_LD_W, w, la);
}

void ir_st(IRBlock *b, unsigned w, IRTemp la, IRTemp v)
{
    IROp *op = emit(b, IR_ST);
    op->imm = ~0ULL;
    op->w = (uint8_t)w;
    op->a = la;
    op->b = v;
}

void ir_set_cc(IRBlock *b, unsigned cc_op, IRTemp dst, IRTemp src, IRTemp src2)
{
    IROp *op = emit(b, IR_SET_CC);
    op->aux = cc_op;
    op->a = dst;
    op->b = src;
    op->c = src2;
}

IRTemp ir_cond(IRBlock *b, unsigned cc)
{
    IROp *op = emit(b, IR_COND);
    op->aux = cc;
    return op->d = ir_temp(b);
}

IRTemp ir_call(IRBlock *b, IRHelper fn, unsigned props, IRTemp a, IRTemp c,
               IRTemp d, uint64_t imm)
{
    IROp *op = emit(b, IR_CALL);
    op->fn = fn;
    op->aux = props;
    op->a = a;
    op->b = c;
    op->c = d;
    op->imm = imm;
    return op->d = ir_temp(b);
}

void ir_insn_start(IRBlock *b, uint64_t pc)
{
    emit(b, IR_INSN_START)->imm = pc;
}

unsigned ir_new_label(IRBlock *b)
{
    return b->nlabels++;
}

void ir_brcond(IRBlock *b, IRTemp a, unsigned label)
{
    IROp *op = emit(b, IR_BRCOND);
    op->a = a;
    op->aux = label;
}

void ir_label(IRBlock *b, unsigned label)
{
    emit(b, IR_LABEL)->aux = label;
}

void ir_goto_tb(IRBlock *b, unsigned slot, uint64_t pc)
{
    IROp *op = emit(b, IR_GOTO_TB);
    op->aux = slot;
    op->imm = pc;
}

void ir_exit_tb(IRBlock *b)
{
    emit(b, IR_EXIT_TB);
}

void ir_exit_tb_jump(IRBlock *b)
{
    emit(b, IR_EXIT_TB)->aux = 1;
}

unsigned ir_op_inputs(const IROp *op, IRTemp in[3])
{
    unsigned n = 0;
    if (op->a != IR_NONE)
        in[n++] = op->a;
    if (op->b != IR_NONE)
        in[n++] = op->b;
    if (op->c != IR_NONE)
        in[n++] = op->c;
    return n;
}

bool ir_op_has_output(const IROp *op)
{
    return op->d != IR_NONE;
}

static const char *const op_names[IR_NUM_OPS] = {
    "nop", "movi", "mov", "add", "sub", "and", "or", "xor", "mul",
    "shl", "shr", "sar", "rotl", "rotr", "neg", "not", "sext", "setcond",
    "get_reg", "set_reg", "ld_env", "st_env", "ld", "st", "set_cc", "cond",
    "call", "insn_start", "brcond", "label", "goto_tb", "exit_tb", "ld_w", "mulh", "divu", "remu", "ctz", "clz", "popcnt", "bswap",
};

static void dump_temp(FILE *f, const char *sep, IRTemp t)
{
    if (t != IR_NONE)
        fprintf(f, "%st%u", sep, t);
}

void ir_dump(FILE *f, const IROp *ops, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        const IROp *op = &ops[i];
        if (op->opc == IR_NOP)
            continue;
        if (op->opc == IR_INSN_START) {
            fprintf(f, " ---- %016" PRIx64 "\n", op->imm);
            continue;
        }
        fprintf(f, " %-10s", op->opc < IR_NUM_OPS ? op_names[op->opc] : "?");
        if (op->d != IR_NONE)
            fprintf(f, " t%u =", op->d);
        dump_temp(f, " ", op->a);
        dump_temp(f, ", ", op->b);
        dump_temp(f, ", ", op->c);
        if (op->w)
            fprintf(f, " w%u", op->w);
        if (op->opc == IR_MOVI || op->opc == IR_GOTO_TB || op->opc == IR_CALL ||
            (op->b == IR_NONE && ((op->opc >= IR_ADD && op->opc <= IR_ROTR) ||
                                  op->opc == IR_SETCOND)))
            fprintf(f, " $0x%" PRIx64, op->imm);
        if (op->aux || op->opc == IR_GOTO_TB || op->opc == IR_LABEL ||
            op->opc == IR_GET_REG || op->opc == IR_SET_REG)
            fprintf(f, " [%u]", op->aux);
        fputc('\n', f);
    }
}
