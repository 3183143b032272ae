/* IR for CMPXCHG (0F B0/B1) without a host compare-and-exchange: the
 * register forms, and the memory forms where no other vCPU runs at the
 * same time or the instruction has no LOCK prefix (a plain CMPXCHG is a
 * load and a store on the CPU too, not atomic).  A locked one under
 * thread=multi stays with helper_cmpxchg (translate/helpers-atomic.c).
 *
 * SDM: the accumulator is compared with the destination, flags as CMP.
 * Equal: the destination gets the source and the accumulator is not
 * written (RAX keeps its upper half in the 32-bit form).  Not equal: the
 * accumulator gets the destination; a memory destination is written back
 * with its own value, a register destination is not written at all. */
#include "translate/emit.h"

#include "translate/flags.h"
#include "translate/regs.h"

/* eq ? a : b, where m is all ones when eq (b ^ ((a ^ b) & m)). */
static IRTemp select(IRBlock *b, IRTemp m, IRTemp x, IRTemp y)
{
    return ir_binop(b, IR_XOR, 8, y, ir_binop(b, IR_AND, 8, ir_binop(b, IR_XOR, 8, x, y), m));
}

/* Register reg (w bytes) gets v only where m is all ones.  The 32-bit
 * form must not touch the upper half when it keeps the value, so it
 * selects among the full 64 bits; the others merge v itself. */
static void set_unless_kept(Dc *dc, unsigned w, unsigned reg, IRTemp m, IRTemp v, IRTemp old)
{
    if (w == 4)
        gen_set(dc, 8, reg, select(dc->b, m, v, gen_get(dc, 8, reg)));
    else
        gen_set(dc, w, reg, select(dc->b, m, v, old));
}

void gen_cmpxchg(Dc *dc)
{
    const Insn *in = dc->in;
    IRBlock *b = dc->b;
    unsigned w = in->opsize;
    IRTemp la;
    IRTemp v = gen_ld_rm_w(dc, w, &la);
    IRTemp acc = gen_get(dc, w, R_EAX);
    IRTemp src = gen_get(dc, w, in->reg);
    IRTemp eq = ir_setcond(b, IR_EQ, w, acc, v);
    IRTemp m = ir_unop(b, IR_NEG, 8, eq), not_m = ir_unop(b, IR_NOT, 8, m);
    IRTemp dst = select(b, m, src, v);
    if (in->mem)
        gen_st_mem(dc, w, la, dst);
    /* the accumulator first: when the destination is the accumulator
     * itself, the comparison is equal and the destination's write wins */
    set_unless_kept(dc, w, R_EAX, not_m, v, acc);
    if (!in->mem)
        set_unless_kept(dc, w, in->rm, m, src, v);
    ir_set_cc(b, cc_op_sized(CC_OP_SUB, w), ir_binop(b, IR_SUB, w, acc, v), v, IR_NONE);
}
