/* The linear-scan register allocator on hand-made IR: live ranges, reuse
 * of a register freed by a last use, the longest interval left in memory
 * when registers run out, and no register for a value nobody reads. */
#include <stdlib.h>

#include "tests/unit/unit.h"
#include "translate/ir.h"
#include "translate/regalloc.h"

static RegAlloc ra;

TEST(regalloc, intervals_and_reuse)
{
    IRBlock *b = calloc(1, sizeof(*b));
    REQUIRE(b, "out of memory");
    ir_init(b);
    IRTemp t0 = ir_get_reg(b, 8, 0);            /* op 0 */
    IRTemp t1 = ir_binopi(b, IR_ADD, 8, t0, 1); /* ops 1 (movi), 2: t0's last use */
    IRTemp t2 = ir_binopi(b, IR_ADD, 8, t1, 2); /* ops 3 (movi), 4 */
    ir_set_reg(b, 8, 1, t2);                    /* op 5 */
    regalloc_ranges(&ra, b->ops, b->nops, b->ntemps);
    CHECK_EQ(ra.start[t0], 0);
    CHECK_EQ(ra.end[t0], 2);
    CHECK_EQ(ra.start[t2], 4);
    CHECK_EQ(ra.end[t2], 5);
    regalloc_assign(&ra, b->ops, b->nops, b->ntemps, 1);
    /* one register is enough: each value dies where the next is made
     * (the constants, which live as long, stay in memory) */
    CHECK(ra.reg[t0] == 0 && ra.reg[t1] == 0 && ra.reg[t2] == 0);
    CHECK(regalloc_live_across(&ra, t1, 2) == 0);
    CHECK(regalloc_live_across(&ra, t2, 2) == 0);
    free(b);
}

TEST(regalloc, longest_interval_spilled)
{
    IRBlock *b = calloc(1, sizeof(*b));
    REQUIRE(b, "out of memory");
    ir_init(b);
    IRTemp longv = ir_get_reg(b, 8, 0);         /* lives to the end */
    IRTemp x = ir_get_reg(b, 8, 1);
    IRTemp y = ir_get_reg(b, 8, 2);
    IRTemp s = ir_binop(b, IR_ADD, 8, x, y);
    IRTemp dead = ir_get_reg(b, 8, 3);          /* never read */
    (void)dead;
    ir_set_reg(b, 8, 4, s);
    ir_set_reg(b, 8, 5, longv);
    regalloc_ranges(&ra, b->ops, b->nops, b->ntemps);
    regalloc_assign(&ra, b->ops, b->nops, b->ntemps, 2);
    CHECK(ra.reg[longv] == RA_NONE);            /* gave way to y */
    CHECK(ra.reg[x] != RA_NONE && ra.reg[y] != RA_NONE && ra.reg[x] != ra.reg[y]);
    CHECK(ra.reg[s] != RA_NONE);
    CHECK(ra.reg[dead] == RA_NONE);
    CHECK(regalloc_live_across(&ra, longv, 2));
    /* stretched to a later reader the IR does not name */
    regalloc_extend(&ra, x, 6);
    CHECK_EQ(ra.end[x], 6);
    free(b);
}
