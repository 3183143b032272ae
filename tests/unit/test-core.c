/* Unit tests of hw/core: address spaces, option strings, the virtual clock. */
#include "tests/unit/unit.h"
#include "hw/core/clock.h"
#include "hw/core/dma.h"
#include "hw/core/memory.h"
#include "hw/core/opts.h"
#include "hw/core/util.h"

static uint64_t last_off, last_val;
static unsigned last_size;

static uint64_t rd(void *opaque, uint64_t off, unsigned size)
{
    last_off = off;
    last_size = size;
    return 0x11223344 >> 0;
}

static void wr(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    last_off = off;
    last_val = val;
    last_size = size;
}

static const MemoryRegionOps ops4 = { rd, wr, 4, 4 };

TEST(memory, ram_and_io_dispatch)
{
    AddressSpace as;
    MemoryRegion ram, io;
    as_init(&as, "test", 1ULL << 32);
    mr_init_ram(&ram, "ram", 0x10000);
    mr_init_io(&io, "io", 0x100, &ops4, NULL);
    as_map(&as, &ram, 0, 0);
    as_map(&as, &io, 0x8000, 1);       /* overlaps RAM, higher priority */
    as_st(&as, 0x10, 0xdeadbeef, 4);
    CHECK_EQ(as_ld(&as, 0x10, 4), 0xdeadbeef);
    CHECK_EQ(as_ld(&as, 0x12, 2), 0xdead);
    as_st(&as, 0x8004, 0xab, 1);        /* narrow write widened (RMW) */
    CHECK_EQ(last_off, 4);
    CHECK_EQ(last_size, 4);
    CHECK_EQ(last_val, 0x112233ab);
    CHECK_EQ(as_ld(&as, 0x8002, 1), 0x22);
    CHECK_EQ(as.view->n, 3);
    CHECK_EQ(as_ld(&as, 0x20000, 4), 0xffffffff);  /* unassigned */
    uint8_t buf[4];
    CHECK(!as_read(&as, 0xfffe, buf, 4));          /* straddles the end of RAM */
    CHECK_EQ(buf[2], 0xff);
    as_unmap(&as, &io);
    CHECK_EQ(as.view->n, 1);
    CHECK(as_ram_ptr(&as, 0xfff0, 0x10, true) != NULL);
    CHECK(as_ram_ptr(&as, 0xfff0, 0x11, true) == NULL);
    as_destroy(&as);
    mr_free(&ram);
}

TEST(opts, parse_escapes_and_implied)
{
    Opts o;
    const char *err;
    CHECK(opts_parse(&o, "2,cores=2,file=a,,b,server", "cpus", &err) == 0);
    CHECK_STR(opts_get(&o, "cpus"), "2");
    CHECK_STR(opts_get(&o, "cores"), "2");
    CHECK_STR(opts_get(&o, "file"), "a,b");
    CHECK_STR(opts_get(&o, "server"), "on");
    opts_free(&o);
}

TEST(util, parse_size)
{
    uint64_t v;
    CHECK(parse_size("256m", 'M', &v) == 0 && v == 256 * MiB);
    CHECK(parse_size("1G", 'M', &v) == 0 && v == GiB);
    CHECK(parse_size("512", 'M', &v) == 0 && v == 512 * MiB);
    CHECK(parse_size("1.5G", 'B', &v) == 0 && v == 3 * GiB / 2);
    CHECK(parse_size("12x", 'M', &v) == -1);
    CHECK(parse_size("-1", 'M', &v) == -1);
    CHECK(parse_size("99999999999999999999", 'B', &v) == -1);
    char buf[32];
    format_size(80 * GiB, buf, sizeof(buf));
    CHECK_STR(buf, "80 GiB");
    format_size(3 * GiB / 2, buf, sizeof(buf));
    CHECK_STR(buf, "1.5 GiB");
}

static int fired[4], nfired;
static void on_timer(void *opaque) { fired[nfired++] = (int)(intptr_t)opaque; }

TEST(clock, manual_step_fires_in_order)
{
    Timer a, b;
    clock_reset_for_test();
    timer_init(&a, on_timer, (void *)1);
    timer_init(&b, on_timer, (void *)2);
    timer_mod(&a, 2000);
    timer_mod(&b, 1000);
    clock_step(1500);
    CHECK_EQ(nfired, 1);
    CHECK_EQ(fired[0], 2);
    CHECK_EQ(clock_ns(), 1500);
    clock_step(1000);
    CHECK_EQ(nfired, 2);
    CHECK_EQ(fired[1], 1);
}

TEST(dma, only_whole_ram_ranges)
{
    AddressSpace as;
    MemoryRegion ram, ram2, rom, io;
    as_init(&as, "test", 1ULL << 32);
    mr_init_ram(&ram, "ram", 0x10000);
    mr_init_ram(&ram2, "ram2", 0x10000);
    mr_init_rom(&rom, "rom", 0x1000);
    mr_init_io(&io, "io", 0x100, &ops4, NULL);
    as_map(&as, &ram, 0, 0);
    as_map(&as, &ram2, 0x10000, 0);      /* adjacent: one transfer may span both */
    as_map(&as, &rom, 0x30000, 0);
    as_map(&as, &io, 0x8000, 1);
    uint8_t buf[64];
    memset(buf, 0x5a, sizeof(buf));
    CHECK(dma_write(&as, 0xfff0, buf, 32));              /* spans ram and ram2 */
    CHECK_EQ(as_ld(&as, 0x10008, 1), 0x5a);
    CHECK(!dma_write(&as, 0x7ff0, buf, 32));             /* runs into MMIO */
    CHECK_EQ(as_ld(&as, 0x7ff0, 1), 0);                  /* nothing partial */
    CHECK(!dma_write(&as, 0x1fff0, buf, 32));            /* past the end of RAM */
    CHECK(!dma_write(&as, 0x30000, buf, 4));             /* ROM is not writable */
    CHECK(dma_read(&as, 0x30000, buf, 4));               /* but readable */
    CHECK(!dma_read(&as, ~0ULL - 3, buf, 8));            /* wraps */
    CHECK(!dma_read(&as, 0xfffffff0ULL, buf, 32));       /* beyond the space */
    as_destroy(&as);
}
