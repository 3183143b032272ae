/* Linear-scan register allocation over a block's temps (regalloc.h). */
#include "translate/regalloc.h"

#include <string.h>

static void see(RegAlloc *ra, IRTemp t, unsigned i)
{
    if (t >= IR_MAX_TEMPS)
        return;
    if (ra->start[t] == UINT16_MAX)
        ra->start[t] = (uint16_t)i;
    ra->end[t] = (uint16_t)i;
}

void regalloc_ranges(RegAlloc *ra, const IROp *ops, unsigned n, unsigned ntemps)
{
    if (ntemps > IR_MAX_TEMPS)
        ntemps = IR_MAX_TEMPS;
    memset(ra->start, 0xff, ntemps * sizeof(ra->start[0]));
    memset(ra->end, 0, ntemps * sizeof(ra->end[0]));
    for (unsigned i = 0; i < n; i++) {
        IRTemp in[3];
        unsigned k = ir_op_inputs(&ops[i], in);
        for (unsigned j = 0; j < k; j++)
            see(ra, in[j], i);
        if (ir_op_has_output(&ops[i]))
            see(ra, ops[i].d, i);
    }
}

typedef struct Scan {
    IRTemp active[RA_MAX_REGS];     /* holder of each register, or IR_NONE */
    unsigned nregs;
} Scan;

/* Give t a free register, or the one of the active temp that lives
 * longest when that outlives t (that temp then stays in memory). */
static void assign(RegAlloc *ra, Scan *s, IRTemp t)
{
    int longest = -1;
    for (unsigned r = 0; r < s->nregs; r++) {
        IRTemp h = s->active[r];
        if (h == IR_NONE) {
            s->active[r] = t;
            ra->reg[t] = (int8_t)r;
            return;
        }
        if (longest < 0 || ra->end[h] > ra->end[s->active[longest]])
            longest = (int)r;
    }
    IRTemp victim = s->active[longest];
    if (ra->end[victim] <= ra->end[t])
        return;
    ra->reg[victim] = RA_NONE;
    s->active[longest] = t;
    ra->reg[t] = (int8_t)longest;
}

/* Registers of temps whose last op is before op i are free again (a temp
 * read last by op i may share its register with one op i defines: every
 * op reads its inputs before it writes its result). */
static void expire(RegAlloc *ra, Scan *s, unsigned i)
{
    for (unsigned r = 0; r < s->nregs; r++) {
        if (s->active[r] != IR_NONE && ra->end[s->active[r]] <= i)
            s->active[r] = IR_NONE;
    }
}

void regalloc_extend(RegAlloc *ra, IRTemp t, unsigned i)
{
    if (t < IR_MAX_TEMPS && ra->start[t] != UINT16_MAX && ra->end[t] < i)
        ra->end[t] = (uint16_t)i;
}

void regalloc_assign(RegAlloc *ra, const IROp *ops, unsigned n, unsigned ntemps,
                     unsigned nregs)
{
    if (ntemps > IR_MAX_TEMPS)
        ntemps = IR_MAX_TEMPS;
    memset(ra->reg, RA_NONE, ntemps * sizeof(ra->reg[0]));
    Scan s = { .nregs = nregs > RA_MAX_REGS ? RA_MAX_REGS : nregs };
    for (unsigned r = 0; r < s.nregs; r++)
        s.active[r] = IR_NONE;
    for (unsigned i = 0; i < n; i++) {
        if (!ir_op_has_output(&ops[i]))
            continue;
        IRTemp d = ops[i].d;
        if (d >= ntemps || ra->start[d] != i || ra->end[d] == i)
            continue;
        expire(ra, &s, i);
        assign(ra, &s, d);
    }
}
