/* Unit tests of qcow2 persistent dirty bitmaps through the block layer:
 * random writes, zeroes, discards, clears, enables and resizes mirrored in
 * a model of the granules each bitmap must have marked, with the image
 * closed and reopened (the bitmaps stored and loaded again) and checked
 * (no leak, no corruption) between rounds. */
#include "tests/unit/unit.h"
#include "hw/block/bitmap.h"
#include "hw/block/block.h"
#include "hw/core/util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NBM 3
static const uint32_t grans[NBM] = { 512, 4096, 65536 };
static const char *const names[NBM] = { "fine", "page", "coarse" };

typedef struct Model {
    uint64_t size;
    bool enabled[NBM];
    uint8_t *marked[NBM];    /* one byte per granule (of the largest size) */
} Model;

static uint64_t seed = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void)
{
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return seed;
}

static void model_mark(Model *m, uint64_t off, uint64_t len)
{
    for (int b = 0; b < NBM; b++) {
        if (m->enabled[b] && len) {
            for (uint64_t g = off / grans[b]; g <= (off + len - 1) / grans[b]; g++) {
                m->marked[b][g] = 1;
            }
        }
    }
}

static void model_resize(Model *m, uint64_t size)
{
    for (int b = 0; b < NBM; b++) {
        uint64_t old = (m->size + grans[b] - 1) / grans[b], now = (size + grans[b] - 1) / grans[b];
        m->marked[b] = xrealloc(m->marked[b], now + 1);
        if (now > old) {
            memset(m->marked[b] + old, 0, now - old);
        }
        /* A shrink keeps the granule the new end cuts through. */
    }
    m->size = size;
}

typedef struct Seen {
    uint8_t *marked;
    uint32_t gran;
} Seen;

static int collect(void *opaque, uint64_t off, uint64_t len)
{
    Seen *s = opaque;
    for (uint64_t g = off / s->gran; g <= (off + len - 1) / s->gran; g++) {
        s->marked[g] = 1;
    }
    return 0;
}

static void compare(BlockDriverState *bs, const Model *m)
{
    const BlockBitmapOps *ops = bdrv_bitmap_ops(bs);
    for (int b = 0; b < NBM; b++) {
        uint64_t n = (m->size + grans[b] - 1) / grans[b];
        Seen s = { xzalloc(n + 1), grans[b] };
        CHECK_EQ(ops->for_each_dirty(bs, names[b], collect, &s), 0);
        CHECK(memcmp(s.marked, m->marked[b], n) == 0);
        free(s.marked);
    }
}

static BlockDriverState *reopen(BlockDriverState *bs, const char *path)
{
    char *err = NULL;
    bdrv_close(bs);
    BlockCheckResult res;
    bs = bdrv_open(path, "qcow2", BDRV_O_CHECK, BDRV_CACHE_WRITEBACK, &err);
    REQUIRE(bs != NULL, "reopen for check");
    CHECK_EQ(bs->drv->check(bs, &res, 0), 0);
    CHECK_EQ(res.corruptions, 0);
    CHECK_EQ(res.leaks, 0);
    bdrv_close(bs);
    bs = bdrv_open(path, "qcow2", BDRV_O_RDWR, BDRV_CACHE_WRITEBACK, &err);
    REQUIRE(bs != NULL, "reopen");
    return bs;
}

static void one_op(BlockDriverState *bs, Model *m, uint8_t *buf)
{
    const BlockBitmapOps *ops = bdrv_bitmap_ops(bs);
    uint64_t off = rnd() % m->size, want = 1 + rnd() % 300000;
    uint64_t len = MIN(want, m->size - off); /* (MIN evaluates twice) */
    int b = (int)(rnd() % NBM);
    switch (rnd() % 10) {
    case 0:
        CHECK_EQ(blk_pwrite_zeroes(bs, off, len, true), 0);
        break;
    case 1:
        CHECK_EQ(blk_pdiscard(bs, off, len), 0);
        break;
    case 2:
        CHECK_EQ(ops->clear(bs, names[b]), 0);
        memset(m->marked[b], 0, (m->size + grans[b] - 1) / grans[b]);
        return;
    case 3:
        m->enabled[b] = !m->enabled[b];
        CHECK_EQ(ops->set_enabled(bs, names[b], m->enabled[b]), 0);
        return;
    default:
        CHECK_EQ(blk_pwrite(bs, off, buf, len), 0);
        break;
    }
    model_mark(m, off, len);
}

static void resize(BlockDriverState *bs, Model *m)
{
    uint64_t size = (1 + rnd() % 64) * 256 * 1024;
    char *err = NULL;
    CHECK_EQ(blk_truncate(bs, size, true, PREALLOC_OFF, &err), 0);
    free(err);
    model_resize(m, size);
}

TEST(block_bitmap, random_ops_survive_reopen)
{
    char dir[] = "/tmp/kemu-bm-XXXXXX";
    REQUIRE(mkdtemp(dir) != NULL, "temporary directory");
    char *path = xasprintf("%s/b.qcow2", dir);
    BlockCreateOpts o = { .size = 8 << 20, .size_set = true, .cluster_size = 4096, .quiet = true };
    char *err = NULL;
    REQUIRE(bdrv_create("qcow2", path, &o, &err) == 0, "create");
    BlockDriverState *bs = bdrv_open(path, "qcow2", BDRV_O_RDWR, BDRV_CACHE_WRITEBACK, &err);
    REQUIRE(bs != NULL, "open");
    Model m = { 0 };
    model_resize(&m, o.size);
    for (int b = 0; b < NBM; b++) {
        CHECK_EQ(bdrv_bitmap_ops(bs)->add(bs, names[b], grans[b], &err), 0);
        m.enabled[b] = true;
    }
    uint8_t *buf = xmalloc(300000);
    memset(buf, 0x5a, 300000);
    for (int round = 0; round < 12; round++) {
        for (int i = 0; i < 40; i++) {
            one_op(bs, &m, buf);
        }
        if (round % 3 == 2) {
            resize(bs, &m);
        }
        compare(bs, &m);
        bs = reopen(bs, path);
        compare(bs, &m);
    }
    bdrv_close(bs);
    free(buf);
    for (int b = 0; b < NBM; b++) {
        free(m.marked[b]);
    }
    unlink(path);
    rmdir(dir);
    free(path);
}
