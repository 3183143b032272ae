/* libFuzzer target: open arbitrary bytes as a qcow2 image (read-only) and
 * exercise what a reader does: reads, block status, snapshot list, check.
 * The same bytes are opened as a LUKS volume and as an encrypted qcow2
 * image, header only (as info does) and unlocked with the seeds' secret.
 * Build and run: make fuzz-img (needs clang). */
#include "hw/block/block.h"
#include "hw/block/crypto.h"
#include "hw/block/luks.h"
#include "hw/core/util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void exercise(BlockDriverState *bs)
{
    static uint8_t buf[1 << 20];
    uint64_t len = bs->total_size;
    /* Reads at the start, the middle and the end of the disk. */
    uint64_t offs[3] = { 0, len / 2, len > sizeof(buf) ? len - sizeof(buf) : 0 };
    for (int i = 0; i < 3; i++) {
        uint64_t n = MIN((uint64_t)sizeof(buf), len - MIN(len, offs[i]));
        if (n) {
            blk_pread(bs, offs[i], buf, n);
        }
    }
    /* Walk the block status of the first 64 MiB. */
    for (uint64_t off = 0, end = MIN(len, 64 << 20); off < end;) {
        uint64_t pnum, map;
        if (blk_block_status(bs, off, end - off, &pnum, &map) < 0) {
            break;
        }
        off += pnum;
    }
    BlockSnapshotInfo *l = NULL;
    if (bs->drv->snapshot_list) {
        bs->drv->snapshot_list(bs, &l);
        free(l);
    }
    BlockCheckResult res;
    if (bs->drv->check) {
        bs->drv->check(bs, &res, 0);
    }
}

/* Three compressed clusters in a row, each half noise and half zeros: they
 * compress to a little over half a cluster, so the second runs on into the
 * next host cluster, whatever refcounts the image holds. */
static void exercise_compressed(BlockDriverState *bs)
{
    static uint8_t buf[3 * 65536];
    BlockFormatInfo fi = { 0 };
    if (!bs->drv->write_compressed || !bs->drv->get_info) {
        return;
    }
    bs->drv->get_info(bs, &fi);
    uint64_t cs = fi.cluster_size;
    if (!cs || 3 * cs > sizeof(buf) || bs->total_size < 4 * cs) {
        return;
    }
    uint32_t x = 1;
    for (uint64_t i = 0; i < 3 * cs; i++) {
        x = x * 1103515245 + 12345;
        buf[i] = i % cs < cs / 2 ? (uint8_t)(x >> 16) : 0;
    }
    blk_pwrite_compressed(bs, bs->total_size / 2 / cs * cs, buf, 3 * cs);
}

static void exercise_writes(BlockDriverState *bs)
{
    static uint8_t buf[200000];
    uint64_t len = bs->total_size;
    memset(buf, 0x5a, sizeof(buf));
    if (len > 4096) {
        blk_pwrite(bs, 1000, buf, MIN(len - 1000, sizeof(buf)));
        blk_pwrite_zeroes(bs, len / 3, MIN(len - len / 3, 300000), true);
        blk_pwrite(bs, len - 4096, buf, 4096);
    }
    char *err = NULL;
    if (bs->drv->snapshot_create) {
        bs->drv->snapshot_create(bs, "fuzz", &err);
        free(err);
        err = NULL;
    }
    if (len > 65536) {
        blk_pwrite(bs, 0, buf, 65536);
    }
    exercise_compressed(bs);
    BlockCheckResult res;
    if (bs->drv->check) {
        bs->drv->check(bs, &res, BDRV_FIX_LEAKS | BDRV_FIX_ERRORS);
    }
    blk_flush(bs);
}

/* Encrypted images: the header as info reads it, then unlocked with the
 * passphrase the seeds were made with ("fuzz", see run.sh). */
static void exercise_encrypted(const char *path)
{
    static const char *const fmts[] = { "luks", "qcow2" };
    static bool secret_ready;
    if (!secret_ready) {
        crypto_secret_add("fuzz", (const uint8_t *)"fuzz", 4, NULL);
        luks_iter_limit = 100000; /* a mutated count must not time out */
        secret_ready = true;
    }
    for (int i = 0; i < 2; i++) {
        char *err = NULL;
        BlockDriverState *bs = bdrv_open(path, fmts[i], BDRV_O_SHARE | BDRV_O_NO_BACKING |
                                         BDRV_O_NO_IO, BDRV_CACHE_WRITEBACK, &err);
        BlockFormatInfo fi = { 0 };
        if (bs && bs->drv->get_info) {
            bs->drv->get_info(bs, &fi);
        }
        bdrv_close(bs);
        free(err);
        err = NULL;
        bs = bdrv_open_keyed(path, fmts[i], BDRV_O_RDWR | BDRV_O_SHARE | BDRV_O_NO_BACKING,
                             BDRV_CACHE_UNSAFE, "fuzz", &err);
        free(err);
        if (bs) {
            exercise(bs);
            exercise_writes(bs);
            bdrv_close(bs);
        }
    }
}

/* Open path as qcow2.  A data file the image names outside its folder is
 * refused (the guard is fuzzed too); the harness then names its scratch
 * data file itself, as a user would, so the data-file paths are fuzzed
 * without writing anywhere else. */
static BlockDriverState *open_image(const char *path, int flags, BlockCacheMode cache)
{
    char *err = NULL;
    BlockDriverState *bs = bdrv_open(path, "qcow2", flags, cache, &err);
    const char *df = getenv("KEMU_FUZZ_DATA_FILE");
    if (!bs && err && strstr(err, "Refusing to open the data file") && df) {
        free(err);
        err = NULL;
        bs = bdrv_open_with(path, "qcow2", flags, cache, &(BlockOpenOpts){ .data_file = df },
                            &err);
    }
    free(err);
    return bs;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz.qcow2", 0);
    if (fd < 0) {
        return 0;
    }
    if (write(fd, data, size) == (ssize_t)size) {
        char path[64];
        char *err = NULL;
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        BlockDriverState *bs = open_image(path, BDRV_O_SHARE | BDRV_O_NO_BACKING,
                                          BDRV_CACHE_WRITEBACK);
        if (bs) {
            exercise(bs);
            /* convert -l: the first snapshot's L1 table read in place of
             * the current one (what it points to is as untrusted). */
            if (bs->drv->snapshot_load_tmp && bs->drv->snapshot_load_tmp(bs, "1", NULL, &err) == 0) {
                exercise(bs);
            }
            free(err);
            err = NULL;
            bdrv_close(bs);
            /* The same bytes opened for writing: allocation, copy on write,
             * zeroing, a snapshot and a repair must stay in bounds too. */
            bs = open_image(path, BDRV_O_RDWR | BDRV_O_SHARE | BDRV_O_NO_BACKING,
                            BDRV_CACHE_UNSAFE);
            if (bs) {
                exercise_writes(bs);
                bdrv_close(bs);
            }
        }
        exercise_encrypted(path);
    }
    close(fd);
    return 0;
}
