/* The raw format: the virtual disk is the host file, byte for byte. */
#include "hw/block/block.h"
#include "hw/block/block-int.h"
#include "hw/core/util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int raw_probe(const uint8_t *buf, size_t len)
{
    return 1; /* anything is a raw image, the weakest guess */
}

static int raw_open(BlockDriverState *bs, char **errp)
{
    int64_t len = bfile_length(bs->file);
    if (len < 0) {
        blk_error(errp, "Could not get the size of '%s': %s", bs->filename, strerror((int)-len));
        return (int)len;
    }
    /* Like QEMU, the disk is whole 512-byte sectors: a partial last sector
     * is completed with zeros (they read as zeros, a write extends the file). */
    bs->total_size = ALIGN_UP((uint64_t)len, BDRV_SECTOR_SIZE);
    return 0;
}

static void raw_close(BlockDriverState *bs)
{
}

static int raw_read(BlockDriverState *bs, uint64_t off, void *buf, uint64_t len)
{
    return bfile_pread(bs->file, off, buf, (size_t)len);
}

static int raw_write(BlockDriverState *bs, uint64_t off, const void *buf, uint64_t len)
{
    return bfile_pwrite(bs->file, off, buf, (size_t)len);
}

static int raw_readv(BlockDriverState *bs, uint64_t off, const struct iovec *iov, int iovcnt)
{
    return bfile_preadv(bs->file, off, iov, iovcnt);
}

static int raw_writev(BlockDriverState *bs, uint64_t off, const struct iovec *iov, int iovcnt)
{
    return bfile_pwritev(bs->file, off, iov, iovcnt);
}

static int raw_rwv_nowait(BlockDriverState *bs, uint64_t off, const struct iovec *iov,
                          int iovcnt, bool write)
{
    return bfile_rwv_nowait(bs->file, off, iov, iovcnt, write);
}

static int raw_write_zeroes(BlockDriverState *bs, uint64_t off, uint64_t len, bool may_unmap)
{
    return bfile_punch(bs->file, off, len);
}

static int raw_discard(BlockDriverState *bs, uint64_t off, uint64_t len)
{
    return bfile_punch(bs->file, off, len);
}

static int raw_flush(BlockDriverState *bs)
{
    return bfile_flush(bs->file);
}

static int raw_truncate(BlockDriverState *bs, uint64_t size, bool shrink, PreallocMode pm,
                        char **errp)
{
    if (size < bs->total_size && !shrink) {
        blk_error(errp, "Use the --shrink option to perform a shrink operation.");
        return -EINVAL;
    }
    int r = bfile_truncate(bs->file, size, pm == PREALLOC_FULL ? 2 : pm == PREALLOC_FALLOC);
    if (r < 0) {
        blk_error(errp, "Could not resize file: %s", strerror(-r));
        return r;
    }
    bs->total_size = ALIGN_UP(size, BDRV_SECTOR_SIZE);
    return 0;
}

static int raw_block_status(BlockDriverState *bs, uint64_t off, uint64_t len, uint64_t *pnum,
                            uint64_t *map)
{
    int data = bfile_data_status(bs->file, off, len, pnum);
    *map = off;
    if (data < 0) {
        return data;
    }
    return BDRV_BLOCK_ALLOCATED | BDRV_BLOCK_OFFSET_VALID |
           (data ? BDRV_BLOCK_DATA : BDRV_BLOCK_ZERO);
}

static int raw_create(const char *filename, const BlockCreateOpts *o, char **errp)
{
    if (o->backing_file) {
        blk_error(errp, "Backing file not supported for file format 'raw'");
        return -ENOTSUP;
    }
    FILE *f = fopen(filename, "w");
    if (!f) {
        int e = errno;
        blk_error(errp, "Could not create '%s': %s", filename, strerror(e));
        return -e;
    }
    fclose(f);
    BlockFile *bf;
    int r = bfile_open(&bf, filename, true, BDRV_CACHE_WRITEBACK, true, errp);
    if (r < 0) {
        return r;
    }
    bfile_create_hints(bf->fd, bdrv_extent_size_hint(o), o->nocow);
    int pm = o->prealloc == PREALLOC_FULL ? 2 : o->prealloc == PREALLOC_FALLOC;
    /* No flush: qemu-img does not sync a new raw file either; the sync
     * waited 0.3-30 ms for the disk (busy host), about what convert takes
     * for a sparse 256 MiB qcow2. */
    r = bfile_truncate(bf, o->size, pm);
    bfile_close(bf);
    if (r < 0) {
        blk_error(errp, "Could not resize file: %s", strerror(-r));
    }
    return r;
}

static int raw_make_empty(BlockDriverState *bs)
{
    return -ENOTSUP;
}

static uint64_t raw_measure_meta(const BlockCreateOpts *o)
{
    return 0;
}

/* The raw format and the bare host file (QEMU's "file" protocol driver,
 * opened with driver=file) behave alike; only the name differs. */
#define RAW_LIKE_OPS                          \
    .thread_safe_io = true,                   \
    .close = raw_close,                       \
    .read = raw_read,                         \
    .write = raw_write,                       \
    .readv = raw_readv,                       \
    .writev = raw_writev,                     \
    .rwv_nowait = raw_rwv_nowait,             \
    .write_zeroes = raw_write_zeroes,         \
    .discard = raw_discard,                   \
    .flush = raw_flush,                       \
    .truncate = raw_truncate,                 \
    .block_status = raw_block_status,         \
    .create = raw_create,                     \
    .make_empty = raw_make_empty

const BlockDriver bdrv_raw = {
    .name = "raw",
    .open = raw_open,
    .probe = raw_probe,
    .measure_meta = raw_measure_meta,
    RAW_LIKE_OPS,
};

/* QEMU's nbd protocol driver (driver=nbd): the export itself, like a file. */
static int nbd_open(BlockDriverState *bs, char **errp)
{
    if (!bs->file->nbd) {
        blk_error(errp, "File name string for NBD must start with 'nbd:'");
        return -EINVAL;
    }
    return raw_open(bs, errp);
}

const BlockDriver bdrv_nbd = {
    .name = "nbd",
    RAW_LIKE_OPS,
    .open = nbd_open,
};

const BlockDriver bdrv_file = {
    .name = "file", /* never probed; measure has nothing to say of it */
    .open = raw_open,
    RAW_LIKE_OPS,
};
