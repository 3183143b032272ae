/* IR for SHL/SAL/SHR/SAR by CL, inline rather than through helper_shift.
 *
 * The count is CL masked to 5 bits (6 with REX.W), as the CPU does.  The
 * result is stored whatever the count (by 0 it is the operand itself, so a
 * 32-bit register destination is still zero-extended and a memory one
 * written back, as with the helper); the flags change only when the
 * masked count is not 0, so the set_cc sits behind a branch.  A byte or
 * word shifted by its width or more comes out 0 (SAR: the sign), CF is
 * the last bit shifted out (SAR: the sign; SHL/SHR: undefined past the
 * width on the CPU, here the lazy formula's value), OF as for a count
 * above 1 undefined, which the lazy SHL/SHR/SAR flags cover as the
 * constant-count forms do. */
#include "translate/emit.h"

#include "translate/flags.h"

void gen_shift_cl(Dc *dc, unsigned w, unsigned op, IRTemp v, IRTemp la)
{
    IRBlock *b = dc->b;
    IROpc opc = op == 5 ? IR_SHR : op == 7 ? IR_SAR : IR_SHL;
    unsigned cc = op == 5 ? CC_OP_SHR : op == 7 ? CC_OP_SAR : CC_OP_SHL;
    IRTemp cnt = ir_binopi(b, IR_AND, 8, gen_get(dc, 1, R_ECX), w == 8 ? 63 : 31);
    IRTemp r = ir_binop(b, opc, w, v, cnt);
    gen_st_rm(dc, w, la, r);
    unsigned done = ir_new_label(b);
    ir_brcond(b, ir_setcond(b, IR_EQ, 8, cnt, gen_imm(dc, 0)), done);
    IRTemp s = ir_binop(b, opc, w, v, ir_binopi(b, IR_SUB, 8, cnt, 1));
    ir_set_cc(b, cc_op_sized(cc, w), r, s, op == 5 ? v : IR_NONE);
    ir_label(b, done);
}
