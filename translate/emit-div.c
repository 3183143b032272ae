/* IR for DIV and IDIV (F6/F7 /6, /7) of every width, inline rather than through
 * helper_muldiv.  The dividend is AX (byte form) or rDX:rAX, the quotient
 * goes to AL/rAX and the remainder to AH/rDX.  The quotient fits the
 * operand size exactly when the dividend's high half is below the divisor,
 * which also excludes a zero divisor: otherwise #DE, raised before any
 * register changes, with the instruction's rip.  The flags are undefined
 * after DIV; they are left as they were, as the helper did. */
#include "translate/emit.h"

#include "cpu/excp.h"
#include "translate/helpers.h"

/* The dividend's halves: AH:AL for the byte form, rDX:rAX otherwise. */
static void get_dividend(Dc *dc, unsigned w, IRTemp *hi, IRTemp *lo)
{
    if (w == 1) {
        IRTemp ax = gen_get(dc, 2, R_EAX);
        *hi = ir_binopi(dc->b, IR_SHR, 8, ax, 8);
        *lo = ir_binopi(dc->b, IR_AND, 8, ax, 0xff);
    } else {
        *hi = gen_get(dc, w, R_EDX);
        *lo = gen_get(dc, w, R_EAX);
    }
}

/* The quotient to AL/rAX and the remainder to AH/rDX. */
static void set_quotient_remainder(Dc *dc, unsigned w, IRTemp q, IRTemp r)
{
    IRBlock *b = dc->b;
    if (w == 1) {
        gen_set(dc, 2, R_EAX, ir_binop(b, IR_OR, 8, q, ir_binopi(b, IR_SHL, 8, r, 8)));
    } else {
        gen_set(dc, w, R_EAX, q);
        gen_set(dc, w, R_EDX, r);
    }
}

void gen_div_acc(Dc *dc, unsigned w, IRTemp v)
{
    IRBlock *b = dc->b;
    IRTemp hi, lo;
    get_dividend(dc, w, &hi, &lo);
    unsigned fits = ir_new_label(b);
    ir_brcond(b, ir_setcond(b, IR_LTU, w, hi, v), fits);
    gen_helper(dc, helper_raise, IR_NONE, IR_NONE, IR_NONE, EXC_DE);   /* does not return */
    ir_label(b, fits);
    IRTemp q = ir_div(b, IR_DIVU, w, hi, lo, v);
    IRTemp r = ir_div(b, IR_REMU, w, hi, lo, v);
    set_quotient_remainder(dc, w, q, r);
}

/* IDIV as unsigned division of magnitudes: the quotient is negated when
 * the operands' signs differ, the remainder takes the dividend's sign.
 * #DE when the magnitudes' quotient does not fit w bytes (zero divisor
 * included) or exceeds the signed range: 2^(8w-1) - 1, or 2^(8w-1) for a
 * negative quotient (so INT_MIN / -1 faults, INT_MIN / 1 does not). */

/* All ones (w bytes) when x is negative, else 0. */
static IRTemp sign_mask(Dc *dc, unsigned w, IRTemp x)
{
    IRBlock *b = dc->b;
    return ir_unop(b, IR_NEG, w, ir_setcond(b, IR_LTS, w, x, gen_imm(dc, 0)));
}

/* x negated where m is all ones (two's complement: (x ^ m) - m). */
static IRTemp negate_if(IRBlock *b, unsigned w, IRTemp x, IRTemp m)
{
    return ir_binop(b, IR_SUB, w, ir_binop(b, IR_XOR, w, x, m), m);
}

void gen_idiv_acc(Dc *dc, unsigned w, IRTemp v)
{
    IRBlock *b = dc->b;
    IRTemp hi, lo;
    get_dividend(dc, w, &hi, &lo);
    IRTemp mn = sign_mask(dc, w, hi), md = sign_mask(dc, w, v);
    /* |hi:lo|: the complement of both halves plus one, which carries into
     * the high half when the low half is 0 */
    IRTemp lo_abs = negate_if(b, w, lo, mn);
    IRTemp carry = ir_binop(b, IR_AND, w, mn, ir_setcond(b, IR_EQ, w, lo, gen_imm(dc, 0)));
    IRTemp hi_abs = ir_binop(b, IR_ADD, w, ir_binop(b, IR_XOR, w, hi, mn), carry);
    IRTemp v_abs = negate_if(b, w, v, md);
    IRTemp q_abs = ir_div(b, IR_DIVU, w, hi_abs, lo_abs, v_abs);
    IRTemp r_abs = ir_div(b, IR_REMU, w, hi_abs, lo_abs, v_abs);
    IRTemp mq = ir_binop(b, IR_XOR, w, mn, md);
    IRTemp limit = ir_binopi(b, IR_ADD, w, ir_binopi(b, IR_AND, w, mq, 1),
                             (1ull << (8 * w - 1)) - 1);
    IRTemp fits = ir_setcond(b, IR_LTU, w, hi_abs, v_abs);
    IRTemp over = ir_setcond(b, IR_LTU, w, limit, q_abs);
    unsigned ok = ir_new_label(b);
    ir_brcond(b, ir_binop(b, IR_AND, 8, fits, ir_binopi(b, IR_XOR, 8, over, 1)), ok);
    gen_helper(dc, helper_raise, IR_NONE, IR_NONE, IR_NONE, EXC_DE);   /* does not return */
    ir_label(b, ok);
    IRTemp q = negate_if(b, w, q_abs, mq);
    IRTemp r = negate_if(b, w, r_abs, mn);
    set_quotient_remainder(dc, w, q, r);
}
