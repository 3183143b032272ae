/* IR for ROL/ROR (grp2 /0 /1) by a constant or by CL, inline rather than
 * through helper_shift, and the flag update they share with BT/BTS/BTR/BTC:
 * a few flags replaced, the others kept.
 *
 * The count is masked to 5 bits (6 with REX.W) and the value rotated by
 * it modulo the width.  When the masked count is 0 nothing changes (the
 * result is still stored, so a 32-bit register is zero-extended, as with
 * the helper); otherwise CF is the bit that came round (ROL: bit 0 of the
 * result, ROR: its top bit) and OF is computed with the count-1 formula
 * whatever the count (ROL: top bit XOR CF, ROR: the two top bits XORed),
 * which is what the processors do and the differential tester checks;
 * SF, ZF, AF and PF are kept.
 *
 * Kept flags are the lazy flags computed in full (cond IR_COND_FLAGS),
 * merged and stored as CC_OP_EFLAGS: when no one reads them before the
 * next instruction that sets all flags, the optimizer drops the set_cc
 * and with it the computation. */
#include "translate/emit.h"

#include "translate/flags.h"

void gen_update_flags(Dc *dc, uint32_t mask, IRTemp bits, IRTemp when)
{
    IRBlock *b = dc->b;
    IRTemp old = ir_cond(b, IR_COND_FLAGS);
    IRTemp f = ir_binop(b, IR_OR, 8, ir_binopi(b, IR_AND, 8, old, ~(uint64_t)mask), bits);
    if (when != IR_NONE)
        f = gen_select(dc, when, f, old);
    ir_set_cc(b, CC_OP_EFLAGS, IR_NONE, f, IR_NONE);
}

/* CF and OF (as RFLAGS bits) of a rotate whose result is r. */
static IRTemp rotate_cf_of(Dc *dc, unsigned w, bool right, IRTemp r)
{
    IRBlock *b = dc->b;
    unsigned bits = 8 * w;
    IRTemp top = ir_binopi(b, IR_SHR, 8, r, bits - 1);
    IRTemp cf, of;
    if (right) {
        cf = top;
        of = ir_binop(b, IR_XOR, 8, top, ir_binopi(b, IR_AND, 8,
                                                   ir_binopi(b, IR_SHR, 8, r, bits - 2), 1));
    } else {
        cf = ir_binopi(b, IR_AND, 8, r, 1);
        of = ir_binop(b, IR_XOR, 8, top, cf);
    }
    return ir_binop(b, IR_OR, 8, cf, ir_binopi(b, IR_SHL, 8, of, 11));
}

void gen_rotate(Dc *dc, unsigned w, bool right, IRTemp v, IRTemp la, unsigned count)
{
    IRBlock *b = dc->b;
    IRTemp r = ir_binopi(b, right ? IR_ROTR : IR_ROTL, w, v, count);
    gen_st_rm(dc, w, la, r);
    gen_update_flags(dc, FL_CF | FL_OF, rotate_cf_of(dc, w, right, r), IR_NONE);
}

void gen_rotate_cl(Dc *dc, unsigned w, bool right, IRTemp v, IRTemp la)
{
    IRBlock *b = dc->b;
    IRTemp cnt = ir_binopi(b, IR_AND, 8, gen_get(dc, 1, R_ECX), w == 8 ? 63 : 31);
    IRTemp r = ir_binop(b, right ? IR_ROTR : IR_ROTL, w, v, cnt);
    gen_st_rm(dc, w, la, r);
    IRTemp nonzero = ir_setcond(b, IR_NE, 8, cnt, gen_imm(dc, 0));
    gen_update_flags(dc, FL_CF | FL_OF, rotate_cf_of(dc, w, right, r), nonzero);
}
