/* The memory core's dirty log (hw/core/memory-dirty.c): pages marked by
 * bus writes and DMA, handed out and cleared by mr_dirty_get_and_clear;
 * and under TCG the soft TLB's part: the first store to a clean page
 * takes the slow path that marks it (then stores go fast), and clearing
 * the log drops that fast entry, so the next store is seen again. */
#include "tests/unit/unit.h"

#include "accel/accel.h"
#include "hw/core/dma.h"
#include "hw/core/machine.h"
#include "hw/core/memory.h"
#include "tests/unit/cpu-harness.h"
#include "tests/unit/tcg-harness.h"
#include "translate/tlb.h"

TEST(dirty_log, starts_dirty_then_marks_each_write_path)
{
    AddressSpace as;
    MemoryRegion ram, fb;
    as_init(&as, "test", 1ULL << 32);
    mr_init_ram(&ram, "ram", 0x10000);
    mr_init_ram(&fb, "fb", 0x40000);                /* 64 pages */
    as_map(&as, &ram, 0, 0);
    as_map(&as, &fb, 0x100000, 0);
    CHECK(!mr_dirty_get_and_clear(&fb, 0, fb.size, NULL));     /* log off */
    mr_dirty_log_start(&fb);
    CHECK_EQ(as.logging, 1);
    uint64_t bits[2];
    CHECK(mr_dirty_get_and_clear(&fb, 0, fb.size, bits));      /* all, at first */
    CHECK_EQ(bits[0], ~0ULL);
    CHECK(!mr_dirty_get_and_clear(&fb, 0, fb.size, bits));
    CHECK_EQ(bits[0], 0);
    as_st(&as, 0x100000 + 5 * 4096 + 12, 0x1234, 4);           /* the CPU's slow path */
    as_st(&as, 0x8000, 1, 4);                                  /* RAM without a log */
    uint8_t buf[8192] = { 1 };
    as_write(&as, 0x100000 + 9 * 4096 + 4000, buf, 200);       /* straddles 9 and 10 */
    CHECK(dma_write(&as, 0x100000 + 63 * 4096, buf, 16));      /* a device's DMA */
    CHECK(mr_dirty_get_and_clear(&fb, 0, fb.size, bits));
    CHECK_EQ(bits[0], (1ULL << 5) | (1ULL << 9) | (1ULL << 10) | (1ULL << 63));
    /* a range from an unaligned offset: bit 0 is that offset's page */
    as_dirty_mark(&as, 0x100000 + 40 * 4096, 1);
    as_dirty_mark(&as, 0x100000 + 43 * 4096, 4096);
    CHECK(mr_dirty_get_and_clear(&fb, 40 * 4096 + 100, 3 * 4096, bits));
    CHECK_EQ(bits[0], 1ULL | (1ULL << 3));
    /* pages outside the range asked for stay marked */
    mr_dirty_mark(&fb, 2 * 4096, 3 * 4096);
    CHECK(mr_dirty_get_and_clear(&fb, 3 * 4096, 4096, NULL));
    CHECK(mr_dirty_get_and_clear(&fb, 0, fb.size, bits));
    CHECK_EQ(bits[0], (1ULL << 2) | (1ULL << 4));
    CHECK(as_page_log_clean(&as, 0x100000 + 7 * 4096));
    CHECK(!as_page_log_clean(&as, 0x8000));                    /* not logged */
    mr_dirty_log_stop(&fb);
    CHECK_EQ(as.logging, 0);
    CHECK(!as_page_log_clean(&as, 0x100000 + 7 * 4096));
    as_destroy(&as);
    mr_free(&fb);
    mr_free(&ram);
}

/* mov byte [0x5000], 1; hlt (real mode) */
static const uint8_t store_5000[] = { 0xc6, 0x06, 0x00, 0x50, 0x01, 0xf4 };

static void run_store(CPUState *cpu)
{
    cpu->env.rip = TT_CODE;
    cpu->env.halted = false;
    CHECK_EQ(tt_run(cpu), -1);
}

TEST(dirty_log, tcg_store_marks_and_clear_drops_the_fast_entry)
{
    CPUState *cpu = tt_cpu(16);
    Machine *m = harness_machine();
    const AccelOps *ops = accel_find("tcg");
    m->accel = ops;
    CHECK_EQ(ops->init(m), 0);                  /* its memory listener */
    tt_load(store_5000, sizeof(store_5000));
    MemoryRegion *ram = as_lookup(&m->mem, 0x5000)->mr;
    mr_dirty_log_start(ram);
    mr_dirty_get_and_clear(ram, 0, ram->size, NULL);
    CHECK(as_page_log_clean(&m->mem, 0x5000));
    TLBEntry *e = tlb_entry(tcg_cpu(cpu), 0, 0x5000);
    run_store(cpu);
    CHECK_EQ(tt_rd(0x5000, 1), 1);
    CHECK(!as_page_log_clean(&m->mem, 0x5000));             /* marked */
    CHECK_EQ(e->tag_w, 0x5000);                              /* then fast */
    uint64_t bits[1];
    CHECK(mr_dirty_get_and_clear(ram, 0x5000, 0x1000, bits));
    CHECK_EQ(bits[0], 1);
    CHECK_EQ(e->tag_w, TLB_INVALID);                         /* dropped */
    tt_wr(0x5000, 0, 1);
    mr_dirty_get_and_clear(ram, 0x5000, 0x1000, NULL);
    run_store(cpu);                                          /* seen again */
    CHECK_EQ(tt_rd(0x5000, 1), 1);
    CHECK(mr_dirty_get_and_clear(ram, 0x5000, 0x1000, NULL));
    CHECK(!mr_dirty_get_and_clear(ram, 0x5000, 0x1000, NULL));
    mr_dirty_log_stop(ram);
    ops->shutdown(m);
}
