/* Scatter-gather without copies: guest ranges mapped to host iovecs
 * (hw/core/dma-sg.c) only where they are RAM, and vectored block requests
 * (blk_preadv/blk_pwritev, blk_aio_submitv) on raw, where they go to the
 * host file as they are, and on qcow2 and O_DIRECT, where one buffer
 * carries them. */
#include "tests/unit/block-harness.h"
#include "tests/unit/unit.h"
#include "hw/block/aio.h"
#include "hw/block/block.h"
#include "hw/core/dma.h"
#include "hw/core/loop.h"
#include "hw/core/memory.h"
#include "hw/core/util.h"

#include <stdlib.h>
#include <sys/uio.h>
#include <unistd.h>

static const MemoryRegionOps io_ops = { NULL, NULL, 1, 4 };

typedef struct Space {
    AddressSpace as;
    MemoryRegion ram, ram2, rom, io;
} Space;

static void space_init(Space *s)
{
    as_init(&s->as, "test", 1ULL << 32);
    mr_init_ram(&s->ram, "ram", 0x10000);
    mr_init_ram(&s->ram2, "ram2", 0x10000);
    mr_init_rom(&s->rom, "rom", 0x1000);
    mr_init_io(&s->io, "io", 0x100, &io_ops, NULL);
    as_map(&s->as, &s->ram, 0, 0);
    as_map(&s->as, &s->ram2, 0x10000, 0);
    as_map(&s->as, &s->rom, 0x30000, 0);
    as_map(&s->as, &s->io, 0x8000, 1);
}

static uint64_t hook_addr[8], hook_len[8];
static int hooks;

static void hook(void *opaque, uint64_t addr, uint64_t len)
{
    if (hooks < 8) {
        hook_addr[hooks] = addr;
        hook_len[hooks] = len;
    }
    hooks++;
}

TEST(dma_sg, maps_ram_only_and_merges)
{
    Space s;
    space_init(&s);
    DmaSg sg;
    dma_sg_init(&sg, &s.as);
    CHECK(dma_sg_add(&sg, 0x1000, 0x200, true, 16));
    CHECK(dma_sg_add(&sg, 0x1200, 0x200, true, 16));    /* continues it: merged */
    CHECK_EQ(sg.n, 1);
    CHECK_EQ(sg.iov[0].iov_len, 0x400);
    CHECK(sg.iov[0].iov_base == s.ram.host + 0x1000);
    CHECK(dma_sg_add(&sg, 0xff00, 0x200, true, 16));    /* spans ram and ram2 */
    CHECK_EQ(sg.n, 3);
    CHECK(sg.iov[1].iov_base == s.ram.host + 0xff00 && sg.iov[1].iov_len == 0x100);
    CHECK(sg.iov[2].iov_base == s.ram2.host && sg.iov[2].iov_len == 0x100);
    CHECK_EQ(sg.len, 0x600);
    /* Nothing appended for MMIO, past RAM, ROM as a target, a wrap. */
    CHECK(!dma_sg_add(&sg, 0x7f00, 0x200, false, 16));
    CHECK(!dma_sg_add(&sg, 0x1ff00, 0x200, false, 16));
    CHECK(!dma_sg_add(&sg, 0x30000, 0x10, true, 16));
    CHECK(!dma_sg_add(&sg, ~0ULL - 3, 8, false, 16));
    CHECK_EQ(sg.n, 3);
    CHECK_EQ(sg.len, 0x600);
    CHECK(dma_sg_add(&sg, 0x30000, 0x10, false, 16));   /* ROM is readable */
    CHECK(!dma_sg_add(&sg, 0x5000, 0x10, true, 4));     /* a fifth entry: over max */
    CHECK_EQ(sg.n, 4);
    dma_sg_free(&sg);
    CHECK_EQ(sg.n, 0);
    as_destroy(&s.as);
}

TEST(dma_sg, written_tells_the_hook)
{
    Space s;
    space_init(&s);
    s.as.ram_write_hook = hook;
    DmaSg sg;
    dma_sg_init(&sg, &s.as);
    CHECK(dma_sg_add(&sg, 0x2000, 0x1000, true, 16));
    CHECK(dma_sg_add(&sg, 0x9000, 0x800, true, 16));
    dma_sg_written(&sg);
    CHECK_EQ(hooks, 2);
    CHECK_EQ(hook_addr[0], 0x2000);
    CHECK_EQ(hook_len[0], 0x1000);
    CHECK_EQ(hook_addr[1], 0x9000);
    CHECK_EQ(hook_len[1], 0x800);
    dma_sg_free(&sg);
    as_destroy(&s.as);
}

/* Uneven pieces, as a guest's buffers are: 512 + 3 * 4096 + 1536 bytes. */
#define PIECES 5
static const size_t piece_len[PIECES] = { 512, 4096, 4096, 4096, 1536 };

static void pieces(uint8_t *base, struct iovec *iov)
{
    size_t at = 0;
    for (int i = 0; i < PIECES; i++) {
        iov[i] = (struct iovec){ base + at + 64 * i, piece_len[i] };   /* with gaps */
        at += piece_len[i];
    }
}

/* Write a pattern vectored at off, read it back plainly and vectored. */
static void round_trip(const char *fmt, BlockCacheMode cache, uint64_t off)
{
    TestImage img;
    BlockCreateOpts o = { .size = 1 << 20, .size_set = true, .quiet = true };
    BlockDriverState *bs = test_image_open(&img, "sg", fmt, &o, cache);
    if (!bs && cache == BDRV_CACHE_NONE)
        SKIP("the temporary directory's filesystem has no O_DIRECT");
    REQUIRE(bs != NULL, "open the image");
    enum { TOTAL = 512 + 3 * 4096 + 1536, ROOM = TOTAL + 64 * PIECES };
    uint8_t *src = xzalloc(ROOM), *dst = xzalloc(ROOM), flat[TOTAL];
    struct iovec wv[PIECES], rv[PIECES];
    pieces(src, wv);
    pieces(dst, rv);
    for (int i = 0, k = 0; i < PIECES; i++) {
        for (size_t j = 0; j < wv[i].iov_len; j++, k++)
            ((uint8_t *)wv[i].iov_base)[j] = (uint8_t)(k * 13 + k / 4096);
    }
    CHECK_EQ(blk_pwritev(bs, off, wv, PIECES), 0);
    CHECK_EQ(blk_pread(bs, off, flat, TOTAL), 0);
    for (int i = 0, k = 0; i < PIECES; i++) {
        CHECK(!memcmp(flat + k, wv[i].iov_base, wv[i].iov_len));
        k += (int)wv[i].iov_len;
    }
    CHECK_EQ(blk_preadv(bs, off, rv, PIECES), 0);
    for (int i = 0; i < PIECES; i++)
        CHECK(!memcmp(rv[i].iov_base, wv[i].iov_base, wv[i].iov_len));
    /* Past the end: refused, nothing read or written. */
    CHECK(blk_preadv(bs, (1 << 20) - 4096, rv, PIECES) < 0);
    CHECK(blk_pwritev(bs, (1 << 20) - 4096, wv, PIECES) < 0);
    test_image_close(&img);
    free(src);
    free(dst);
}

TEST(block_vec, raw_in_place)
{
    round_trip("raw", BDRV_CACHE_WRITEBACK, 8192);
}

TEST(block_vec, raw_unaligned_offset)
{
    round_trip("raw", BDRV_CACHE_WRITEBACK, 512 * 3);
}

TEST(block_vec, raw_o_direct_bounced)
{
    round_trip("raw", BDRV_CACHE_NONE, 8192);
}

TEST(block_vec, qcow2_through_one_buffer)
{
    round_trip("qcow2", BDRV_CACHE_WRITEBACK, 65536 - 1024);
}

/* A raw image whose file ends inside the disk's last sector reads zeros
 * beyond the file, vectored as plainly. */
TEST(block_vec, raw_reads_zeros_past_file_end)
{
    TestImage img;
    test_image_path(&img, "sg-short", "raw");
    FILE *f = fopen(img.path, "w");
    REQUIRE(f != NULL, "create the image");
    for (int i = 0; i < 1000; i++)
        fputc(0xab, f);
    fclose(f);
    char *err = NULL;
    BlockDriverState *bs = img.bs = bdrv_open(img.path, "raw", 0, BDRV_CACHE_WRITEBACK, &err);
    REQUIRE(bs != NULL, "open the image");
    uint8_t a[600], b[424];
    memset(a, 0x11, sizeof(a));
    memset(b, 0x11, sizeof(b));
    struct iovec v[2] = { { a, sizeof(a) }, { b, sizeof(b) } };
    CHECK_EQ(blk_preadv(bs, 0, v, 2), 0);
    CHECK_EQ(a[599], 0xab);
    CHECK_EQ(b[399], 0xab);
    CHECK_EQ(b[400], 0);
    CHECK_EQ(b[423], 0);
    test_image_close(&img);
}

TEST(block_vec, aio_submitv_through_event_loop)
{
    TestImage img;
    BlockCreateOpts o = { .size = 1 << 20, .size_set = true, .quiet = true };
    BlockDriverState *bs = test_image_open(&img, "sg-aio", "raw", &o, BDRV_CACHE_WRITEBACK);
    REQUIRE(bs != NULL, "open the image");
    aio_pool_start(2);
    uint8_t w[3][1024], r[3][1024];
    for (int i = 0; i < 3; i++) {
        memset(w[i], 0x30 + i, sizeof(w[i]));
        memset(r[i], 0, sizeof(r[i]));
    }
    struct iovec wv[3] = { { w[2], 1024 }, { w[0], 1024 }, { w[1], 1024 } };
    struct iovec rv[3] = { { r[0], 1024 }, { r[1], 1024 }, { r[2], 1024 } };
    blk_aio_submitv(bs, BLK_AIO_WRITE, 4096, wv, 3, aio_done, NULL);
    aio_run_until(1);
    blk_aio_submitv(bs, BLK_AIO_READ, 4096, rv, 3, aio_done, NULL);
    aio_run_until(2);
    CHECK_EQ(aio_completed, 2);
    CHECK_EQ(aio_failed, 0);
    CHECK(!memcmp(r[0], w[2], 1024) && !memcmp(r[1], w[0], 1024) && !memcmp(r[2], w[1], 1024));
    aio_pool_stop();
    test_image_close(&img);
}

/* O_DIRECT with whole aligned blocks: the vector goes to the file as it
 * is (pieces out of order in memory, a gap between them). */
TEST(block_vec, raw_o_direct_aligned)
{
    TestImage img;
    BlockCreateOpts o = { .size = 1 << 20, .size_set = true, .quiet = true };
    BlockDriverState *bs = test_image_open(&img, "sg-direct", "raw", &o, BDRV_CACHE_NONE);
    if (!bs)
        SKIP("the temporary directory's filesystem has no O_DIRECT");
    void *mem, *back;
    REQUIRE(!posix_memalign(&mem, 4096, 5 * 4096) && !posix_memalign(&back, 4096, 5 * 4096),
            "aligned buffers");
    uint8_t *m = mem, *b = back;
    for (int i = 0; i < 5 * 4096; i++)
        m[i] = (uint8_t)(i * 7 + i / 4096);
    memset(b, 0, 5 * 4096);
    struct iovec wv[3] = { { m + 4 * 4096, 4096 }, { m, 8192 }, { m + 3 * 4096, 4096 } };
    struct iovec rv[3] = { { b + 4 * 4096, 4096 }, { b, 8192 }, { b + 3 * 4096, 4096 } };
    CHECK_EQ(blk_pwritev(bs, 65536, wv, 3), 0);
    CHECK_EQ(blk_preadv(bs, 65536, rv, 3), 0);
    CHECK(!memcmp(b, m, 8192) && !memcmp(b + 3 * 4096, m + 3 * 4096, 2 * 4096));
    uint8_t *flat = xmalloc(4 * 4096);
    CHECK_EQ(blk_pread(bs, 65536, flat, 4 * 4096), 0);
    CHECK(!memcmp(flat, m + 4 * 4096, 4096) && !memcmp(flat + 4096, m, 8192) &&
          !memcmp(flat + 3 * 4096, m + 3 * 4096, 4096));
    test_image_close(&img);
    free(flat);
    free(mem);
    free(back);
}

/* A device reset from inside a completion drains the pool: it waits for
 * the other requests (their callbacks run), not for the one calling it. */
static int drained_saw;

static void drain_from_callback(void *opaque, int ret)
{
    aio_done(opaque, ret);
    if (aio_completed == 1) {
        blk_aio_drain();
        drained_saw = aio_completed;
    }
}

TEST(block_vec, drain_inside_a_callback)
{
    TestImage img;
    BlockCreateOpts o = { .size = 1 << 20, .size_set = true, .quiet = true };
    BlockDriverState *bs = test_image_open(&img, "sg-drain", "raw", &o, BDRV_CACHE_WRITEBACK);
    REQUIRE(bs != NULL, "open the image");
    aio_pool_start(2);
    static uint8_t a[65536], b[65536];
    blk_aio_submit(bs, BLK_AIO_READ, 0, a, sizeof(a), drain_from_callback, NULL);
    blk_aio_submit(bs, BLK_AIO_READ, 65536, b, sizeof(b), drain_from_callback, NULL);
    aio_run_until(2);
    CHECK_EQ(aio_completed, 2);
    CHECK_EQ(drained_saw, 2);
    aio_pool_stop();
    test_image_close(&img);
}
