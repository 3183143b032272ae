/* Register allocation for a block's temps, for host-code backends.
 *
 * A block's IR has no backward branches and each temp is (almost always)
 * written once, so a temp's live range is one interval of op indices: from
 * its first appearance to its last.  A linear scan over these intervals
 * gives up to `nregs` registers (numbered 0..nregs-1; the backend maps them
 * to host registers); when more are live at once, the interval that ends
 * last is left in its memory slot, as classic linear scan does.  A register
 * held across the whole interval is safe whatever path the forward
 * branches take. */
#ifndef KEMU_TRANSLATE_REGALLOC_H
#define KEMU_TRANSLATE_REGALLOC_H

#include <stdint.h>

#include "translate/ir.h"

#define RA_NONE (-1)
#define RA_MAX_REGS 16

typedef struct RegAlloc {
    int8_t reg[IR_MAX_TEMPS];       /* register of each temp, or RA_NONE */
    uint16_t start[IR_MAX_TEMPS];   /* first op using or defining it */
    uint16_t end[IR_MAX_TEMPS];     /* last such op */
} RegAlloc;

/* Fill ra for ops[0..n) with ntemps temps and nregs registers: the live
 * ranges (regalloc_ranges), which the backend may stretch where it reads a
 * temp the IR does not name (regalloc_extend), then the registers
 * (regalloc_assign).  A temp whose value never reaches a later op (defined
 * and dead at once) gets no register. */
void regalloc_ranges(RegAlloc *ra, const IROp *ops, unsigned n, unsigned ntemps);
void regalloc_extend(RegAlloc *ra, IRTemp t, unsigned i);
void regalloc_assign(RegAlloc *ra, const IROp *ops, unsigned n, unsigned ntemps,
                     unsigned nregs);

/* Whether temp t is live across op i: defined before it and used after
 * (a value the op itself defines or last reads is not). */
static inline int regalloc_live_across(const RegAlloc *ra, IRTemp t, unsigned i)
{
    return t < IR_MAX_TEMPS && ra->start[t] < i && ra->end[t] > i;
}

#endif
