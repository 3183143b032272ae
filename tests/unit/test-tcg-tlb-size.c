/* The soft TLB's sizing (translate/tlb-size.c): a period that fills most
 * of the table grows it at once; a table mostly unused over a window
 * shrinks one step at a time, never below or above its bounds; entries
 * keep being found through the new mask. */
#include "tests/unit/unit.h"

#include <stdlib.h>

#include "translate/tlb.h"

static TcgCpu *fresh(void)
{
    TcgCpu *t = calloc(1, sizeof(*t));
    REQUIRE(t, "out of memory");
    tlb_set_size(t, TLB_MIN_BITS);
    return t;
}

static void drop(TcgCpu *t)
{
    free(t->tlb[0]);
    free(t->tlb[1]);
    free(t);
}

TEST(tcg_tlb_size, a_busy_period_grows_the_table_to_fit)
{
    TcgCpu *t = fresh();
    CHECK_EQ(tlb_entries(t), 1u << TLB_MIN_BITS);
    t->tlb_fills = 3000;            /* 3/4 of 4096 fits 3072 */
    tlb_resize(t);
    CHECK_EQ(t->tlb_bits, 12);
    CHECK_EQ(t->tlb_mask, (4095ULL << TLB_ENTRY_SHIFT));
    CHECK_EQ(t->tlb_fills, 0);
    t->tlb_fills = 1000000;         /* capped */
    tlb_resize(t);
    CHECK_EQ(t->tlb_bits, TLB_MAX_BITS);
    drop(t);
}

TEST(tcg_tlb_size, an_idle_window_shrinks_one_step)
{
    TcgCpu *t = fresh();
    t->tlb_fills = 100000;
    tlb_resize(t);
    CHECK_EQ(t->tlb_bits, TLB_MAX_BITS);
    /* light use within the window: kept (a process switch's flushes) */
    t->tlb_fills = 10;
    tlb_resize(t);
    CHECK_EQ(t->tlb_bits, TLB_MAX_BITS);
    /* the window is over and its busiest period used under 1/4 */
    t->tlb_window_start -= 2000000000LL;
    t->tlb_fills = 10;
    tlb_resize(t);
    CHECK_EQ(t->tlb_bits, TLB_MAX_BITS - 1);
    /* a window whose busiest period used more than 1/4 keeps the size */
    t->tlb_fills = (1u << (TLB_MAX_BITS - 1)) / 2;
    tlb_resize(t);
    t->tlb_window_start -= 2000000000LL;
    t->tlb_fills = 0;
    tlb_resize(t);
    CHECK_EQ(t->tlb_bits, TLB_MAX_BITS - 1);
    for (int i = 0; i < 20; i++) {
        t->tlb_window_start -= 2000000000LL;
        tlb_resize(t);
    }
    CHECK_EQ(t->tlb_bits, TLB_MIN_BITS);
    drop(t);
}

TEST(tcg_tlb_size, entries_follow_the_mask)
{
    TcgCpu *t = fresh();
    t->tlb_fills = 3000;
    tlb_resize(t);
    uint64_t la = 0x7f1234567000ULL;
    TLBEntry *e = tlb_entry(t, 1, la);
    CHECK_EQ((uint64_t)(e - t->tlb[1]), (la >> 12) & 4095);
    CHECK(tlb_entry(t, 1, la + 4096 * 4096ULL) == e);      /* aliases by 2^12 pages */
    CHECK(tlb_entry(t, 1, la + 4096) == e + 1);
    drop(t);
}
