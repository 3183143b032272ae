/* IR for DIV (F6/F7 /6) of every width, inline rather than through
 * helper_muldiv.  The dividend is AX (byte form) or rDX:rAX, the quotient
 * goes to AL/rAX and the remainder to AH/rDX.  The quotient fits the
 * operand size exactly when the dividend's high half is below the divisor,
 * which also excludes a zero divisor: otherwise #DE, raised before any
 * register changes, with the instruction's rip.  The flags are undefined
 * after DIV; they are left as they were, as the helper did. */
#include "translate/emit.h"

#include "cpu/excp.h"
#include "translate/helpers.h"

void gen_div_acc(Dc *dc, unsigned w, IRTemp v)
{
    IRBlock *b = dc->b;
    IRTemp hi, lo;
    if (w == 1) {
        IRTemp ax = gen_get(dc, 2, R_EAX);
        hi = ir_binopi(b, IR_SHR, 8, ax, 8);
        lo = ir_binopi(b, IR_AND, 8, ax, 0xff);
    } else {
        hi = gen_get(dc, w, R_EDX);
        lo = gen_get(dc, w, R_EAX);
    }
    unsigned fits = ir_new_label(b);
    ir_brcond(b, ir_setcond(b, IR_LTU, w, hi, v), fits);
    gen_helper(dc, helper_raise, IR_NONE, IR_NONE, IR_NONE, EXC_DE);   /* does not return */
    ir_label(b, fits);
    IRTemp q = ir_div(b, IR_DIVU, w, hi, lo, v);
    IRTemp r = ir_div(b, IR_REMU, w, hi, lo, v);
    if (w == 1) {
        gen_set(dc, 2, R_EAX, ir_binop(b, IR_OR, 8, q, ir_binopi(b, IR_SHL, 8, r, 8)));
    } else {
        gen_set(dc, w, R_EAX, q);
        gen_set(dc, w, R_EDX, r);
    }
}
