/* The qcow2 driver: open/close and the BlockDriver operations; the work is
 * in qcow2-*.c. */
#include "hw/block/qcow2.h"
#include "hw/block/bitmap.h"
#include "hw/block/block-int.h"
#include "hw/core/error.h"
#include "hw/core/util.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int load_l1(BlockDriverState *bs)
{
    Qcow2State *s = bs->opaque;
    size_t bytes = (size_t)s->l1_size * 8;
    s->l1 = xzalloc(bytes ? bytes : 8);
    if (!bytes) {
        return 0;
    }
    uint8_t *buf = xmalloc(bytes);
    int r = bfile_pread(bs->file, s->l1_offset, buf, bytes);
    for (uint32_t i = 0; r == 0 && i < s->l1_size; i++) {
        s->l1[i] = ld_be64(buf + (size_t)i * 8);
    }
    free(buf);
    return r;
}

static int load_rt(BlockDriverState *bs)
{
    Qcow2State *s = bs->opaque;
    size_t bytes = (size_t)s->rt_clusters << s->cluster_bits;
    uint8_t *buf = xmalloc(bytes);
    int r = bfile_pread(bs->file, s->rt_offset, buf, bytes);
    s->rt_size = bytes / 8;
    s->rt = xmalloc(bytes);
    for (uint64_t i = 0; i < s->rt_size; i++) {
        s->rt[i] = r == 0 ? ld_be64(buf + i * 8) : 0;
    }
    free(buf);
    return r;
}

static void init_caches(Qcow2State *s)
{
    int l2n = (int)MAX(4, MIN(256, (4u << 20) / s->cluster_size));
    int rbn = (int)MAX(4, MIN(64, (1u << 20) / s->cluster_size));
    qcow2_cache_init(&s->rbc, rbn, s->cluster_size, NULL);
    /* Refcounts first, then the L2 entries that rely on them (lazy refcounts
     * drop the rule and set the dirty bit instead). */
    qcow2_cache_init(&s->l2c, l2n, s->cluster_size, s->lazy ? NULL : &s->rbc);
}

static int open_rw_checks(BlockDriverState *bs, char **errp)
{
    Qcow2State *s = bs->opaque;
    if ((s->incompat & QCOW2_INCOMPAT_CORRUPT) && !(bs->flags & BDRV_O_CHECK)) {
        blk_error(errp, "qcow2: Image is corrupt; cannot be opened read/write");
        return -EACCES;
    }
    if (s->refcount_order > 6) {
        return -EINVAL;
    }
    if ((s->incompat & QCOW2_INCOMPAT_DIRTY) && !(bs->flags & (BDRV_O_CHECK | BDRV_O_NO_REPAIR))) {
        /* Refcounts may be stale after a crash with lazy refcounts. */
        BlockCheckResult res;
        int r = qcow2_check(bs, &res, BDRV_FIX_LEAKS | BDRV_FIX_ERRORS);
        if (r < 0 || res.corruptions > res.corruptions_fixed) {
            blk_error(errp, "Could not repair dirty image");
            return r < 0 ? r : -EIO;
        }
        qcow2_set_incompat(bs, QCOW2_INCOMPAT_DIRTY, false);
    }
    uint64_t known = QCOW2_AUTOCLEAR_BITMAPS | QCOW2_AUTOCLEAR_DATA_FILE_RAW;
    if (s->autoclear & ~known) {
        /* Extensions guarded by other autoclear bits are not maintained by
         * us: clearing the bits tells their readers so. */
        uint8_t b[8];
        s->autoclear &= known;
        st_be64(b, s->autoclear);
        return bfile_pwrite(bs->file, 88, b, 8);
    }
    return 0;
}

static void qcow2_close(BlockDriverState *bs)
{
    Qcow2State *s = bs->opaque;
    if (s->l2c.n) {
        qcow2_bitmaps_close(bs);
    }
    if (s->l2c.n && !bs->read_only) {
        if (qcow2_flush_metadata(bs) == 0 && (s->incompat & QCOW2_INCOMPAT_DIRTY) && s->lazy) {
            bfile_flush(bs->file);
            qcow2_set_incompat(bs, QCOW2_INCOMPAT_DIRTY, false);
        }
    }
    if (s->l2c.n) {
        qcow2_cache_destroy(&s->l2c);
        qcow2_cache_destroy(&s->rbc);
    }
    qcow2_free_snapshots(s);
    qcow2_datafile_close(bs);
    qcow2_crypt_close(s);
    free(s->l1);
    free(s->rt);
    free(s->ext_unknown);
    free(s->cbuf);
    if (s->data_lock_ready) {
        pthread_rwlock_destroy(&s->data_lock);
        s->data_lock_ready = false;
    }
}

static int qcow2_open(BlockDriverState *bs, char **errp)
{
    Qcow2State *s = bs->opaque;
    pthread_rwlock_init(&s->data_lock, NULL);
    s->data_lock_ready = true;
    int r = qcow2_read_header(bs, errp);
    if (r == 0) {
        r = qcow2_datafile_open(bs, errp);
    }
    if (r < 0) {
        qcow2_close(bs);
        return r;
    }
    s->rb_bits = s->cluster_bits + 3 - s->refcount_order;
    s->refcount_max = s->refcount_order == 6 ? UINT64_MAX : (1ULL << (1 << s->refcount_order)) - 1;
    s->lazy = (s->compat & QCOW2_COMPAT_LAZY) != 0;
    s->meta_prealloc = -1;
    if ((r = load_l1(bs)) < 0 || (r = load_rt(bs)) < 0) {
        blk_error(errp, "Could not read qcow2 tables: %s", strerror(-r));
        qcow2_close(bs);
        return r;
    }
    init_caches(s);
    if ((r = qcow2_crypt_open(bs, errp)) < 0 || (r = qcow2_read_snapshots(bs, errp)) < 0) {
        qcow2_close(bs);
        return r;
    }
    if (!bs->read_only && (r = open_rw_checks(bs, errp)) < 0) {
        bs->read_only = true; /* do not write anything back on close */
        qcow2_close(bs);
        return r;
    }
    if ((r = qcow2_bitmaps_open(bs, errp)) < 0) {
        bs->read_only = true;
        qcow2_close(bs);
        return r;
    }
    return 0;
}

static int qcow2_read(BlockDriverState *bs, uint64_t off, void *buf, uint64_t len)
{
    return qcow2_read_concurrent(bs, off, buf, len);
}

/* Before the first write of a lazy-refcounts image: set the dirty bit. */
static int before_write(BlockDriverState *bs)
{
    Qcow2State *s = bs->opaque;
    if (s->lazy && !(s->incompat & QCOW2_INCOMPAT_DIRTY)) {
        return qcow2_set_incompat(bs, QCOW2_INCOMPAT_DIRTY, true);
    }
    return 0;
}

static int after_write(BlockDriverState *bs, int r)
{
    if (r == 0 && (bs->cache == BDRV_CACHE_WRITETHROUGH || bs->cache == BDRV_CACHE_DIRECTSYNC)) {
        r = qcow2_flush_metadata(bs);
    }
    return r;
}

static int qcow2_write(BlockDriverState *bs, uint64_t off, const void *buf, uint64_t len)
{
    int r = before_write(bs);
    qcow2_bitmaps_dirty(bs, off, len);
    return after_write(bs, r < 0 ? r : qcow2_write_data(bs, off, buf, len));
}

static int qcow2_write_compressed_op(BlockDriverState *bs, uint64_t off, const void *buf,
                                     uint64_t len, const BlockCompressed *pre)
{
    if (qcow2_has_data_file(bs->opaque)) {
        return -ENOTSUP; /* compressed clusters cannot live at their guest offset */
    }
    if (((Qcow2State *)bs->opaque)->crypt_method) {
        return -ENOTSUP; /* compressed clusters would be stored in the clear */
    }
    int r = before_write(bs);
    qcow2_bitmaps_dirty(bs, off, len);
    return after_write(bs, r < 0 ? r : qcow2_write_compressed(bs, off, buf, len, pre));
}

static int qcow2_write_zeroes(BlockDriverState *bs, uint64_t off, uint64_t len, bool may_unmap)
{
    int r = before_write(bs);
    qcow2_bitmaps_dirty(bs, off, len);
    return after_write(bs, r < 0 ? r : qcow2_zero_range(bs, off, len, QCOW2_ZERO_WRITE));
}

static int qcow2_discard(BlockDriverState *bs, uint64_t off, uint64_t len)
{
    int r = before_write(bs);
    qcow2_bitmaps_dirty(bs, off, len);
    return after_write(bs, r < 0 ? r : qcow2_zero_range(bs, off, len, QCOW2_ZERO_DISCARD));
}

static int qcow2_flush(BlockDriverState *bs)
{
    int r = qcow2_flush_metadata(bs);
    Qcow2State *s = bs->opaque;
    if (r == 0 && s->data_file) {
        r = bfile_flush(s->data_file);
    }
    return r < 0 ? r : bfile_flush(bs->file);
}

static int qcow2_block_status(BlockDriverState *bs, uint64_t off, uint64_t len, uint64_t *pnum,
                              uint64_t *map)
{
    int r = qcow2_cluster_status(bs, off, len, pnum, map);
    /* The host bytes of an encrypted image are no guest data to point at. */
    if (r > 0 && ((Qcow2State *)bs->opaque)->crypt_method) {
        r &= ~BDRV_BLOCK_OFFSET_VALID;
    }
    return r;
}

static void qcow2_get_info(BlockDriverState *bs, BlockFormatInfo *fi)
{
    Qcow2State *s = bs->opaque;
    fi->is_qcow2 = true;
    fi->compat = s->version;
    fi->lazy_refcounts = (s->compat & QCOW2_COMPAT_LAZY) != 0;
    fi->corrupt = (s->incompat & QCOW2_INCOMPAT_CORRUPT) != 0;
    fi->extended_l2 = (s->incompat & QCOW2_INCOMPAT_EXTL2) != 0;
    fi->refcount_bits = 1 << s->refcount_order;
    fi->compression_type = s->compression_type == QCOW2_COMPRESSION_ZSTD ? "zstd" : "zlib";
    fi->dirty = (s->incompat & QCOW2_INCOMPAT_DIRTY) != 0;
    fi->cluster_size = s->cluster_size;
    fi->has_data_file = qcow2_has_data_file(s);
    fi->data_file = s->data_file_name;
    fi->data_file_raw = qcow2_data_file_raw(s);
    fi->data_path = s->data_file ? s->data_file->path : NULL;
    fi->encrypted = s->crypt_method != 0;
    fi->encrypt_format = s->crypt_method == QCOW2_CRYPT_LUKS ? "luks"
                         : s->crypt_method ? "aes" : NULL;
    fi->luks = s->luks;
}

static int qcow2_change_backing(BlockDriverState *bs, const char *file, const char *fmt,
                                char **errp)
{
    if (file && file[0] && qcow2_data_file_raw(bs->opaque)) {
        /* A raw data file is the whole disk: nothing shows through. */
        blk_error(errp, "Could not change the backing file to '%s': Invalid argument", file);
        return -EINVAL;
    }
    if (file && strlen(file) > QCOW2_MAX_BACKING_NAME) {
        blk_error(errp, "Backing file name too long");
        return -EINVAL;
    }
    snprintf(bs->backing_file, sizeof(bs->backing_file), "%s", file ? file : "");
    snprintf(bs->backing_fmt, sizeof(bs->backing_fmt), "%s", file && fmt ? fmt : "");
    int r = qcow2_flush_metadata(bs);
    if (r == 0) {
        r = qcow2_write_header(bs);
    }
    if (r < 0) {
        blk_error(errp, "Could not update the image header: %s", strerror(-r));
    }
    return r;
}

static int qcow2_make_empty(BlockDriverState *bs)
{
    int r = before_write(bs);
    if (r == 0) {
        r = qcow2_zero_range(bs, 0, bs->total_size, QCOW2_ZERO_UNALLOC);
    }
    return r < 0 ? r : qcow2_flush(bs);
}

static int qcow2_check_op(BlockDriverState *bs, BlockCheckResult *res, int fix)
{
    return qcow2_check(bs, res, fix);
}

const BlockDriver bdrv_qcow2 = {
    .name = "qcow2",
    .state_size = sizeof(Qcow2State),
    .reads_unlocked = true,
    .probe = qcow2_probe,
    .open = qcow2_open,
    .close = qcow2_close,
    .read = qcow2_read,
    .write = qcow2_write,
    .write_compressed = qcow2_write_compressed_op,
    .compress = qcow2_compress_clusters,
    .write_zeroes = qcow2_write_zeroes,
    .discard = qcow2_discard,
    .flush = qcow2_flush,
    .truncate = qcow2_truncate,
    .block_status = qcow2_block_status,
    .create = qcow2_create,
    .check = qcow2_check_op,
    .get_info = qcow2_get_info,
    .snapshot_list = qcow2_snapshot_list,
    .snapshot_create = qcow2_snapshot_create,
    .snapshot_apply = qcow2_snapshot_apply,
    .snapshot_delete = qcow2_snapshot_delete,
    .snapshot_load_tmp = qcow2_snapshot_load_tmp,
    .change_backing = qcow2_change_backing,
    .make_empty = qcow2_make_empty,
    .measure_meta = qcow2_measure_meta,
    .amend = qcow2_amend,
    .bitmap_ops = &qcow2_bitmap_ops,
};
