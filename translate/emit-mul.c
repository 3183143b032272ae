/* IR for the multiplications the host does inline: MUL and IMUL of
 * accumulator by operand (F6/F7 /4 /5, all widths) and IMUL's 64-bit
 * two- and three-operand forms.  Products up to 32x32 bits fit the IR's
 * 64-bit mul; 64x64 takes the high half from mulh (the host's own
 * one-operand MUL/IMUL under the native backend).  CF = OF = 1 when the
 * high half is not the zero- or sign-extension of the low one. */
#include "translate/emit.h"

#include "translate/flags.h"

/* Whether the high half of a signed product differs from the low half's
 * sign; of an unsigned one, whether it is nonzero. */
static IRTemp overflowed(Dc *dc, bool sign, IRTemp lo, IRTemp hi)
{
    IRTemp fill = sign ? ir_binopi(dc->b, IR_SAR, 8, lo, 63) : gen_imm(dc, 0);
    return ir_setcond(dc->b, IR_NE, 8, hi, fill);
}

/* 64 x 64 -> 128 bits: lo and hi; the flags. */
static IRTemp mul64(Dc *dc, bool sign, IRTemp a, IRTemp v, IRTemp *hi)
{
    IRTemp lo = ir_binop(dc->b, IR_MUL, 8, a, v);
    *hi = ir_mulh(dc->b, sign, a, v);
    ir_set_cc(dc->b, cc_op_sized(CC_OP_MUL, 8), lo, overflowed(dc, sign, lo, *hi), IR_NONE);
    return lo;
}

void gen_mul_acc(Dc *dc, unsigned w, bool sign, IRTemp v)
{
    IRBlock *b = dc->b;
    IRTemp a = gen_get(dc, w, R_EAX), hi;
    if (w == 8) {
        IRTemp lo = mul64(dc, sign, a, v, &hi);
        gen_set(dc, 8, R_EAX, lo);
        gen_set(dc, 8, R_EDX, hi);
        return;
    }
    /* The exact product in 64 bits (sign-extended when signed). */
    IRTemp p = sign ? ir_binop(b, IR_MUL, 8, ir_unop(b, IR_SEXT, w, a), ir_unop(b, IR_SEXT, w, v))
                    : ir_binop(b, IR_MUL, 8, a, v);
    IRTemp lo = ir_binopi(b, IR_AND, 8, p, size_mask(w));
    IRTemp ovf = sign ? ir_setcond(b, IR_NE, 8, ir_unop(b, IR_SEXT, w, lo), p)
                      : ir_setcond(b, IR_NE, 8, ir_binopi(b, IR_SHR, 8, p, 8 * w), gen_imm(dc, 0));
    if (w == 1) {
        gen_set(dc, 2, R_EAX, ir_binopi(b, IR_AND, 8, p, 0xffff));
    } else {
        gen_set(dc, w, R_EAX, lo);
        gen_set(dc, w, R_EDX, ir_binopi(b, IR_AND, 8, ir_binopi(b, IR_SHR, 8, p, 8 * w),
                                        size_mask(w)));
    }
    ir_set_cc(b, cc_op_sized(CC_OP_MUL, w), lo, ovf, IR_NONE);
}

IRTemp gen_imul64(Dc *dc, IRTemp a, IRTemp v)
{
    IRTemp hi;
    return mul64(dc, true, a, v, &hi);
}
