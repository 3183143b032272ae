/* Unit tests of the block layer: raw and qcow2 I/O checked against a model
 * buffer, snapshots, backing files, compression, locking, the thread pool,
 * and malformed images that must fail cleanly. */
#include "tests/unit/unit.h"
#include "hw/block/aio.h"
#include "hw/block/block.h"
#include "hw/core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

static void remove_dir(void)
{
    char *cmd = xasprintf("rm -rf '%s'", dir);
    if (system(cmd) != 0) {
        fprintf(stderr, "could not remove %s\n", dir);
    }
    free(cmd);
}

static const char *tmp_path(const char *name)
{
    static char buf[4][128];
    static int k;
    if (!dir[0]) {
        snprintf(dir, sizeof(dir), "/tmp/kemu-blk-XXXXXX");
        if (!mkdtemp(dir)) {
            SKIP("no temporary directory");
        }
        atexit(remove_dir);
    }
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
    return buf[k];
}

static BlockDriverState *make(const char *name, const char *fmt, uint64_t size,
                              uint32_t cluster, int compat)
{
    BlockCreateOpts o = { .size = size, .size_set = true, .cluster_size = cluster,
                          .compat = compat, .quiet = true };
    char *err = NULL;
    CHECK_EQ(bdrv_create(fmt, tmp_path(name), &o, &err), 0);
    BlockDriverState *bs = bdrv_open(tmp_path(name), fmt, BDRV_O_RDWR, BDRV_CACHE_WRITEBACK,
                                     &err);
    CHECK(bs != NULL);
    free(err);
    return bs;
}

/* A small deterministic generator (xorshift). */
static uint64_t rng_state = 88172645463325252ULL;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Random writes, zeroes and discards mirrored in model; then compare. */
static void random_io(BlockDriverState *bs, uint8_t *model, uint64_t size, int ops)
{
    uint8_t *buf = xmalloc(256 * 1024);
    for (int i = 0; i < ops; i++) {
        uint64_t len = 1 + rnd() % (256 * 1024);
        uint64_t off = rnd() % size;
        len = MIN(len, size - off);
        int kind = (int)(rnd() % 8);
        if (kind == 0) {
            CHECK_EQ(blk_pwrite_zeroes(bs, off, len, true), 0);
            memset(model + off, 0, len);
        } else if (kind == 1) {
            /* Discard: content afterwards is unspecified; make it zero to keep a model. */
            CHECK_EQ(blk_pdiscard(bs, off, len), 0);
            CHECK_EQ(blk_pwrite_zeroes(bs, off, len, false), 0);
            memset(model + off, 0, len);
        } else {
            memset(buf, (int)(rnd() & 0xff), len);
            buf[0] = (uint8_t)i;
            buf[len - 1] = (uint8_t)(i >> 8);
            CHECK_EQ(blk_pwrite(bs, off, buf, len), 0);
            memcpy(model + off, buf, len);
        }
    }
    free(buf);
}

static void verify(BlockDriverState *bs, const uint8_t *model, uint64_t size)
{
    uint8_t *got = xmalloc(size);
    CHECK_EQ(blk_pread(bs, 0, got, size), 0);
    uint64_t bad = size;
    for (uint64_t i = 0; i < size; i++) {
        if (got[i] != model[i]) {
            bad = i;
            break;
        }
    }
    CHECK_EQ(bad, size);
    free(got);
}

static void check_clean(BlockDriverState *bs)
{
    BlockCheckResult res;
    CHECK_EQ(bs->drv->check(bs, &res, 0), 0);
    CHECK_EQ(res.corruptions, 0);
    CHECK_EQ(res.leaks, 0);
    CHECK_EQ(res.check_errors, 0);
}

/* qemu-img as an independent judge when it is installed. */
static void qemu_check(const char *path)
{
    if (system("command -v qemu-img >/dev/null 2>&1") != 0) {
        return;
    }
    char *cmd = xasprintf("qemu-img check -q '%s' >/dev/null 2>&1", path);
    CHECK_EQ(system(cmd), 0);
    free(cmd);
}

/* qemu-img must read what we wrote: compare the image with the model. */
static void qemu_compare_model(const char *image, const uint8_t *model, uint64_t size)
{
    if (system("command -v qemu-img >/dev/null 2>&1") != 0) {
        return;
    }
    const char *raw = tmp_path("model.raw");
    FILE *f = fopen(raw, "wb");
    CHECK(f != NULL);
    CHECK_EQ(fwrite(model, 1, size, f), size);
    fclose(f);
    char *cmd = xasprintf("qemu-img compare -q '%s' '%s' >/dev/null 2>&1", image, raw);
    CHECK_EQ(system(cmd), 0);
    free(cmd);
}

static void qcow2_roundtrip(uint32_t cluster, int compat, uint64_t size)
{
    BlockDriverState *bs = make("rt.qcow2", "qcow2", size, cluster, compat);
    uint8_t *model = xzalloc(size);
    random_io(bs, model, size, 300);
    verify(bs, model, size);
    check_clean(bs);
    bdrv_close(bs);
    qemu_check(tmp_path("rt.qcow2"));
    qemu_compare_model(tmp_path("rt.qcow2"), model, size);
    char *err = NULL;
    bs = bdrv_open(tmp_path("rt.qcow2"), NULL, 0, BDRV_CACHE_WRITEBACK, &err);
    CHECK(bs != NULL);
    CHECK_STR(bs->drv->name, "qcow2");
    verify(bs, model, size);
    bdrv_close(bs);
    free(model);
}

TEST(block, raw_roundtrip)
{
    BlockDriverState *bs = make("a.raw", "raw", 4 << 20, 0, 0);
    uint8_t *model = xzalloc(4 << 20);
    random_io(bs, model, 4 << 20, 200);
    verify(bs, model, 4 << 20);
    uint8_t b[16];
    CHECK_EQ(blk_pread(bs, (4 << 20) - 8, b, 16), -EINVAL); /* past the end */
    bdrv_close(bs);
    free(model);
}

TEST(block, qcow2_v3_64k)
{
    qcow2_roundtrip(65536, 3, 24 << 20);
}

TEST(block, qcow2_v2_4k)
{
    qcow2_roundtrip(4096, 2, 8 << 20);
}

TEST(block, qcow2_512_clusters_grow_refcount_table)
{
    /* 512-byte clusters: a refcount block covers 128 KiB, so writing 6 MiB
     * needs new refcount blocks and a larger refcount table. */
    qcow2_roundtrip(512, 3, 6 << 20);
}

TEST(block, qcow2_2m_clusters)
{
    qcow2_roundtrip(2 << 20, 3, 16 << 20);
}

TEST(block, qcow2_snapshot_cow_and_revert)
{
    uint64_t size = 8 << 20;
    BlockDriverState *bs = make("s.qcow2", "qcow2", size, 65536, 3);
    uint8_t *model = xzalloc(size), *saved = xmalloc(size);
    char *err = NULL;
    random_io(bs, model, size, 100);
    memcpy(saved, model, size);
    CHECK_EQ(bs->drv->snapshot_create(bs, "one", &err), 0);
    random_io(bs, model, size, 100);
    verify(bs, model, size);
    check_clean(bs);
    CHECK_EQ(bs->drv->snapshot_apply(bs, "one", &err), 0);
    verify(bs, saved, size);
    check_clean(bs);
    CHECK_EQ(bs->drv->snapshot_delete(bs, "1", &err), 0);
    verify(bs, saved, size);
    check_clean(bs);
    CHECK(bs->drv->snapshot_apply(bs, "one", &err) < 0);
    CHECK(err != NULL && strstr(err, "not found"));
    bdrv_close(bs);
    qemu_check(tmp_path("s.qcow2"));
    free(err);
    free(model);
    free(saved);
}

TEST(block, qcow2_backing_chain)
{
    uint64_t size = 4 << 20;
    BlockDriverState *base = make("base.raw", "raw", size, 0, 0);
    uint8_t *model = xzalloc(size);
    random_io(base, model, size, 50);
    bdrv_close(base);
    BlockCreateOpts o = { .size = size, .size_set = true, .backing_file = "base.raw",
                          .backing_fmt = "raw", .quiet = true };
    char *err = NULL;
    CHECK_EQ(bdrv_create("qcow2", tmp_path("top.qcow2"), &o, &err), 0);
    BlockDriverState *top = bdrv_open(tmp_path("top.qcow2"), NULL, BDRV_O_RDWR,
                                      BDRV_CACHE_WRITEBACK, &err);
    CHECK(top && top->backing);
    verify(top, model, size);
    random_io(top, model, size, 100); /* partial writes copy from the backing file */
    verify(top, model, size);
    check_clean(top);
    bdrv_close(top);
    free(model);
}

TEST(block, qcow2_compressed_write_read)
{
    uint64_t size = 1 << 20;
    BlockDriverState *bs = make("c.qcow2", "qcow2", size, 65536, 3);
    uint8_t *data = xmalloc(size);
    for (uint64_t i = 0; i < size; i++) {
        data[i] = (uint8_t)((i / 100) ^ (i % 7));
    }
    CHECK_EQ(blk_pwrite_compressed(bs, 0, data, size), 0);
    uint64_t pnum, map;
    CHECK(blk_block_status(bs, 0, size, &pnum, &map) & BDRV_BLOCK_COMPRESSED);
    verify(bs, data, size);
    /* Overwriting part of a compressed cluster decompresses it first. */
    memset(data + 1000, 0x5a, 3000);
    CHECK_EQ(blk_pwrite(bs, 1000, data + 1000, 3000), 0);
    verify(bs, data, size);
    check_clean(bs);
    bdrv_close(bs);
    qemu_check(tmp_path("c.qcow2"));
    free(data);
}

TEST(block, second_writer_refused)
{
    BlockDriverState *a = make("l.qcow2", "qcow2", 1 << 20, 0, 0);
    char *err = NULL;
    BlockDriverState *b = bdrv_open(tmp_path("l.qcow2"), "qcow2", BDRV_O_RDWR,
                                    BDRV_CACHE_WRITEBACK, &err);
    CHECK(b == NULL);
    CHECK(err && strstr(err, "lock"));
    free(err);
    err = NULL;
    b = bdrv_open(tmp_path("l.qcow2"), "qcow2", BDRV_O_SHARE, BDRV_CACHE_WRITEBACK, &err);
    CHECK(b != NULL); /* -U: a reader that asks for no lock */
    bdrv_close(b);
    bdrv_close(a);
}

TEST(block, cache_modes_open_and_write)
{
    static const char *const modes[] = { "writeback", "writethrough", "none", "directsync",
                                         "unsafe" };
    bdrv_close(make("m.qcow2", "qcow2", 1 << 20, 0, 0));
    for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
        BlockCacheMode m;
        char *err = NULL;
        CHECK_EQ(bdrv_parse_cache(modes[i], &m), 0);
        BlockDriverState *bs = bdrv_open(tmp_path("m.qcow2"), "qcow2", BDRV_O_RDWR, m, &err);
        if (!bs && err && strstr(err, "O_DIRECT")) {
            free(err);
            continue; /* the file system has no O_DIRECT */
        }
        CHECK(bs != NULL);
        if (!bs) {
            return;
        }
        uint8_t w[1000], r[1000];
        memset(w, (int)i + 1, sizeof(w));
        CHECK_EQ(blk_pwrite(bs, 777 + i * 4096, w, sizeof(w)), 0);
        CHECK_EQ(blk_flush(bs), 0);
        CHECK_EQ(blk_pread(bs, 777 + i * 4096, r, sizeof(r)), 0);
        CHECK(!memcmp(w, r, sizeof(w)));
        bdrv_close(bs);
    }
}

static int done_count, done_err;
static void on_done(void *opaque, int ret)
{
    done_count++;
    if (ret < 0) {
        done_err = ret;
    }
}

TEST(block, aio_pool_completions)
{
    BlockDriverState *bs = make("aio.qcow2", "qcow2", 4 << 20, 0, 0);
    CHECK_EQ(blk_aio_init(2), 0);
    static uint8_t bufs[16][4096];
    for (int i = 0; i < 16; i++) {
        memset(bufs[i], i + 1, 4096);
        blk_aio_submit(bs, BLK_AIO_WRITE, (uint64_t)i * 65536, bufs[i], 4096, on_done, NULL);
    }
    blk_aio_submit(bs, BLK_AIO_FLUSH, 0, NULL, 0, on_done, NULL);
    blk_aio_drain();
    CHECK_EQ(done_count, 17);
    CHECK_EQ(done_err, 0);
    uint8_t r[4096];
    for (int i = 0; i < 16; i++) {
        CHECK_EQ(blk_pread(bs, (uint64_t)i * 65536, r, 4096), 0);
        CHECK(!memcmp(r, bufs[i], 4096));
    }
    blk_aio_shutdown();
    bdrv_close(bs);
}

static void write_file(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    CHECK_EQ(write(fd, data, len), len);
    close(fd);
}

static void patch(const char *path, uint64_t off, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY);
    CHECK(fd >= 0);
    CHECK_EQ(pwrite(fd, data, len, (off_t)off), len);
    close(fd);
}

static void expect_open_error(const char *path, const char *fmt, const char *needle)
{
    char *err = NULL;
    BlockDriverState *bs = bdrv_open(path, fmt, 0, BDRV_CACHE_WRITEBACK, &err);
    CHECK(bs == NULL);
    CHECK(err && strstr(err, needle));
    if (err && !strstr(err, needle)) {
        fprintf(stderr, "message was: %s\n", err);
    }
    free(err);
}

static void be64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        p[i] = (uint8_t)(v >> (56 - 8 * i));
    }
}

TEST(block, malformed_headers_fail_cleanly)
{
    const char *p = tmp_path("bad.qcow2");
    uint8_t h[8] = { 'Q', 'F', 'I', 0xfb, 0, 0, 0, 3 };
    write_file(p, h, sizeof(h));
    expect_open_error(p, "qcow2", "too short");
    bdrv_close(make("bad.qcow2", "qcow2", 1 << 20, 0, 0));
    uint8_t v[8];
    be64(v, 1ULL << 62); /* huge virtual size */
    patch(p, 24, v, 8);
    expect_open_error(p, "qcow2", "too large");
    bdrv_close(make("bad.qcow2", "qcow2", 1 << 20, 0, 0));
    be64(v, 0x7fff0000); /* L1 table far past the end of the file */
    patch(p, 40, v, 8);
    expect_open_error(p, "qcow2", "L1 table");
    bdrv_close(make("bad.qcow2", "qcow2", 1 << 20, 0, 0));
    uint8_t cb[4] = { 0, 0, 0, 30 }; /* cluster_bits 30 */
    patch(p, 20, cb, 4);
    expect_open_error(p, "qcow2", "cluster size");
    bdrv_close(make("bad.qcow2", "qcow2", 1 << 20, 0, 0));
    uint8_t rtc[4] = { 0x7f, 0xff, 0xff, 0xff }; /* refcount table clusters */
    patch(p, 56, rtc, 4);
    expect_open_error(p, "qcow2", "eference count table");
}

TEST(block, backing_loop_refused)
{
    BlockCreateOpts o = { .size = 1 << 20, .size_set = true, .backing_file = "loop2.qcow2",
                          .backing_fmt = "qcow2", .quiet = true };
    char *err = NULL;
    CHECK_EQ(bdrv_create("qcow2", tmp_path("loop1.qcow2"), &o, &err), 0);
    o.backing_file = "loop1.qcow2";
    CHECK_EQ(bdrv_create("qcow2", tmp_path("loop2.qcow2"), &o, &err), 0);
    expect_open_error(tmp_path("loop1.qcow2"), NULL, "loop");
}

TEST(block, corrupt_l2_offset_marks_image_corrupt)
{
    BlockDriverState *bs = make("cor.qcow2", "qcow2", 1 << 20, 0, 0);
    uint8_t d[512];
    memset(d, 1, sizeof(d));
    CHECK_EQ(blk_pwrite(bs, 0, d, sizeof(d)), 0);
    bdrv_close(bs);
    /* Point the first L1 entry at an unaligned offset. */
    uint8_t e[8];
    be64(e, 0x8000000000012345ULL);
    patch(tmp_path("cor.qcow2"), 3 * 65536, e, 8);
    char *err = NULL;
    bs = bdrv_open(tmp_path("cor.qcow2"), "qcow2", BDRV_O_RDWR, BDRV_CACHE_WRITEBACK, &err);
    CHECK(bs != NULL);
    CHECK_EQ(blk_pread(bs, 0, d, sizeof(d)), -EIO);
    CHECK_EQ(blk_pwrite(bs, 0, d, sizeof(d)), -EACCES); /* refused from now on */
    bdrv_close(bs);
    BlockDriverState *b2 = bdrv_open(tmp_path("cor.qcow2"), "qcow2", BDRV_O_RDWR,
                                     BDRV_CACHE_WRITEBACK, &err);
    CHECK(b2 == NULL);
    CHECK(err && strstr(err, "corrupt"));
    free(err);
}

TEST(block, probed_raw_first_sector_guard)
{
    bdrv_close(make("p.raw", "raw", 1 << 20, 0, 0));
    char *err = NULL;
    BlockDriverState *bs = bdrv_open(tmp_path("p.raw"), NULL, BDRV_O_RDWR,
                                     BDRV_CACHE_WRITEBACK, &err);
    CHECK(bs && bs->probed_raw);
    /* A guest must not turn a probed raw image into a qcow2 header. */
    uint8_t hdr[8] = { 'Q', 'F', 'I', 0xfb, 0, 0, 0, 3 };
    CHECK_EQ(blk_pwrite(bs, 0, hdr, sizeof(hdr)), -EPERM);
    uint8_t ok[8] = { 1, 2, 3, 4 };
    CHECK_EQ(blk_pwrite(bs, 0, ok, sizeof(ok)), 0);
    bdrv_close(bs);
    bs = bdrv_open(tmp_path("p.raw"), "raw", BDRV_O_RDWR, BDRV_CACHE_WRITEBACK, &err);
    CHECK(bs && !bs->probed_raw);
    CHECK_EQ(blk_pwrite(bs, 0, hdr, sizeof(hdr)), 0); /* format=raw given: allowed */
    bdrv_close(bs);
}

TEST(block, read_only_open_refuses_writes)
{
    bdrv_close(make("ro.qcow2", "qcow2", 1 << 20, 0, 0));
    char *err = NULL;
    BlockDriverState *bs = bdrv_open(tmp_path("ro.qcow2"), NULL, 0, BDRV_CACHE_WRITEBACK, &err);
    CHECK(bs && bs->read_only);
    uint8_t b[512] = { 0 };
    CHECK_EQ(blk_pwrite(bs, 0, b, sizeof(b)), -EACCES);
    CHECK_EQ(blk_pread(bs, 0, b, sizeof(b)), 0);
    bdrv_close(bs);
}

TEST(block, open_from_option_string)
{
    bdrv_close(make("o,x.qcow2", "qcow2", 1 << 20, 0, 0));
    char *spec = xasprintf("file=%s/o,,x.qcow2,format=qcow2,cache=writethrough", dir);
    char *err = NULL;
    BlockDriverState *bs = bdrv_open_opts(spec, 0, &err);
    CHECK(bs && !bs->read_only && bs->cache == BDRV_CACHE_WRITETHROUGH);
    bdrv_close(bs);
    free(spec);
    spec = xasprintf("file=%s/o,,x.qcow2,read-only=on", dir);
    bs = bdrv_open_opts(spec, 0, &err);
    CHECK(bs && bs->read_only && !strcmp(bs->drv->name, "qcow2"));
    bdrv_close(bs);
    free(spec);
    CHECK(bdrv_open_opts("format=qcow2", 0, &err) == NULL);
    CHECK(err && strstr(err, "file"));
    CHECK(bdrv_open_opts("file=x,cache=sometimes", 0, &err) == NULL);
    CHECK(err && strstr(err, "cache"));
    CHECK(bdrv_open_opts("file=x,bogus=1", 0, &err) == NULL);
    CHECK(err && strstr(err, "bogus"));
    free(err);
}
