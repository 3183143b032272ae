/* Resizing qcow2 images.  Growing makes the new area read as zeros (with a
 * backing file that reaches past the old end, by zero clusters, as QEMU
 * does); shrinking frees every cluster past the new end, clears the bytes of
 * the last cluster past it, drops refcount blocks left empty and cuts the
 * host file after the last cluster in use, so the space goes back to the
 * host and nothing old shows up again after a later grow. */
#include "hw/block/qcow2.h"
#include "hw/block/block-int.h"
#include "hw/core/util.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One past the last cluster with a nonzero refcount. */
static int last_used_end(BlockDriverState *bs, uint64_t *end)
{
    Qcow2State *s = bs->opaque;
    *end = 0;
    for (uint64_t c = 0;; c++) {
        uint64_t rti = c >> s->rb_bits, rc;
        if (rti >= s->rt_size) {
            return 0;
        }
        if (!s->rt[rti]) {
            c = ((rti + 1) << s->rb_bits) - 1;
            continue;
        }
        int r = qcow2_get_refcount(bs, c, &rc);
        if (r < 0) {
            return r;
        }
        if (rc) {
            *end = c + 1;
        }
    }
}

/* Extend the host file so preallocated clusters exist (falloc/full). */
static int extend_file(BlockDriverState *bs, PreallocMode pm)
{
    Qcow2State *s = bs->opaque;
    uint64_t end;
    int r = last_used_end(bs, &end);
    end <<= s->cluster_bits;
    int64_t cur = bfile_length(bs->file);
    if (r < 0 || cur < 0 || (uint64_t)cur >= end) {
        return r < 0 ? r : cur < 0 ? (int)cur : 0;
    }
    return bfile_truncate(bs->file, end, pm == PREALLOC_FULL ? 2 : pm == PREALLOC_FALLOC);
}

/* A falloc/full grow as qemu-img lays it out: behind the last cluster in
 * use, new refcount structures sized for the new data and its L2 tables,
 * then the data clusters in one contiguous run (from the cluster holding the
 * old end on), then the L2 tables wherever the allocator finds room. */
static int grow_area(BlockDriverState *bs, uint64_t old, uint64_t size, int file_prealloc)
{
    Qcow2State *s = bs->opaque;
    uint64_t used;
    int64_t flen = bfile_length(bs->file);
    int r = flen < 0 ? (int)flen : last_used_end(bs, &used);
    if (r < 0) {
        return r;
    }
    used = MIN(used, qcow2_size_to_clusters(s, (uint64_t)flen));
    uint64_t first = old >> s->cluster_bits;
    uint64_t nb = qcow2_size_to_clusters(s, size) - first;
    /* one more L2 table for a head or tail not aligned to a table */
    uint64_t nl2 = ((nb + (1ULL << s->l2_bits) - 1) >> s->l2_bits) + 1;
    int64_t start = qcow2_refcount_area(bs, used, nb + nl2);
    if (start < 0) {
        return (int)start;
    }
    uint64_t host = (uint64_t)start << s->cluster_bits, len = nb << s->cluster_bits;
    r = qcow2_update_refcount(bs, host, len, 1);
    if (r == 0) {
        r = qcow2_cache_flush(bs, &s->rbc);
    }
    if (r == 0) {
        r = qcow2_area_space(bs, host, host + len, file_prealloc);
    }
    if (r == 0) {
        r = qcow2_link_area(bs, old, host, nb);
    }
    return r < 0 ? r : qcow2_flush_metadata(bs);
}

/* Zero [from, end of its cluster) when that guest cluster holds data of its
 * own: bytes past the end of the disk must read as zeros after a grow. */
static int zero_cluster_tail(BlockDriverState *bs, uint64_t from)
{
    Qcow2State *s = bs->opaque;
    uint64_t to = ALIGN_UP(from, s->cluster_size), e;
    if (from == to) {
        return 0;
    }
    int r = qcow2_get_l2_entry(bs, from, &e);
    bool data = (e & QCOW2_OFLAG_COMPRESSED) ||
                (!(e & QCOW2_OFLAG_ZERO) && (e & QCOW2_OFFSET_MASK));
    if (r < 0 || !data) {
        return r;
    }
    uint8_t *z = xzalloc((size_t)(to - from));
    r = qcow2_write_data(bs, from, z, to - from);
    free(z);
    return r;
}

/* Clear the L1 entries past what size needs and free their L2 tables (the
 * L1 table keeps its size, as QEMU's does). */
static int drop_l2_tables(BlockDriverState *bs, uint64_t size)
{
    Qcow2State *s = bs->opaque;
    int r = 0;
    for (uint64_t i = qcow2_l1_entries(s, size); r == 0 && i < s->l1_size; i++) {
        uint64_t l2 = s->l1[i] & QCOW2_OFFSET_MASK;
        if (l2) {
            s->l1[i] = 0;
            r = qcow2_write_l1_entry(bs, (uint32_t)i);
            if (r == 0) {
                r = qcow2_free_clusters(bs, l2, s->cluster_size);
            }
        }
    }
    return r;
}

/* Whether refcount block rti counts nothing but (maybe) itself. */
static int refblock_unused(BlockDriverState *bs, uint64_t rti, bool *unused)
{
    Qcow2State *s = bs->opaque;
    uint64_t first = rti << s->rb_bits, self = s->rt[rti] >> s->cluster_bits, rc;
    *unused = true;
    for (uint64_t c = first; *unused && c < first + (1ULL << s->rb_bits); c++) {
        int r = qcow2_get_refcount(bs, c, &rc);
        if (r < 0) {
            return r;
        }
        *unused = !rc || c == self;
    }
    return 0;
}

/* Free the refcount blocks that count no cluster but themselves (they would
 * keep the end of the file in use).  Metadata must be flushed. */
static int drop_unused_refblocks(BlockDriverState *bs)
{
    Qcow2State *s = bs->opaque;
    int r = 0;
    for (uint64_t rti = 0; r == 0 && rti < s->rt_size; rti++) {
        uint64_t off = s->rt[rti] & ~511ULL;
        bool unused;
        if (!off || (r = refblock_unused(bs, rti, &unused)) < 0 || !unused) {
            continue;
        }
        uint8_t e[8] = { 0 };
        if ((r = bfile_pwrite(bs->file, s->rt_offset + rti * 8, e, 8)) < 0) {
            break;
        }
        s->rt[rti] = 0;
        qcow2_cache_discard(&s->rbc, off);
        if ((off >> s->cluster_bits) >> s->rb_bits != rti) {
            r = qcow2_free_clusters(bs, off, s->cluster_size); /* counted elsewhere */
        }
        if ((off >> s->cluster_bits) < s->free_hint) {
            s->free_hint = off >> s->cluster_bits;
        }
    }
    return r == 0 ? qcow2_flush_metadata(bs) : r;
}

/* Cut the host file after the last cluster in use. */
static int trim_file(BlockDriverState *bs)
{
    Qcow2State *s = bs->opaque;
    int64_t flen = bfile_length(bs->file);
    if (flen < 0) {
        return (int)flen;
    }
    uint64_t c = qcow2_size_to_clusters(s, (uint64_t)flen), rc = 0;
    while (c > 1 && !rc) {
        uint64_t rti = (c - 1) >> s->rb_bits;
        if (rti >= s->rt_size || !s->rt[rti]) {
            c = rti << s->rb_bits; /* no block: nothing counted in its range */
            continue;
        }
        int r = qcow2_get_refcount(bs, c - 1, &rc);
        if (r < 0) {
            return r;
        }
        c -= !rc;
    }
    uint64_t end = c << s->cluster_bits;
    return end < (uint64_t)flen ? bfile_truncate(bs->file, end, 0) : 0;
}

static int shrink(BlockDriverState *bs, uint64_t size, char **errp)
{
    Qcow2State *s = bs->opaque;
    if (s->nb_snapshots) {
        blk_error(errp, "Can't resize an image which has snapshots");
        return -ENOTSUP;
    }
    uint64_t from = ALIGN_UP(size, s->cluster_size);
    int r = zero_cluster_tail(bs, size);
    if (r == 0 && from < bs->total_size) {
        r = qcow2_zero_range(bs, from, bs->total_size - from, QCOW2_ZERO_UNALLOC);
    }
    if (r == 0) {
        r = drop_l2_tables(bs, size);
    }
    if (r == 0) {
        r = qcow2_flush_metadata(bs);
    }
    if (r == 0) {
        r = drop_unused_refblocks(bs);
    }
    if (r == 0) {
        r = trim_file(bs);
    }
    if (r < 0) {
        blk_error(errp, "Could not shrink the image: %s", strerror(-r));
    }
    return r;
}

/* The new area [old, size) must read as zeros: clear the rest of the old
 * last cluster, and where the backing file reaches past the old end, make
 * the area zero in this layer so its data does not show through. */
static int zero_new_area(BlockDriverState *bs, uint64_t old, uint64_t size, char **errp)
{
    Qcow2State *s = bs->opaque;
    int r = zero_cluster_tail(bs, old);
    if (r < 0 || !bs->backing_file[0]) {
        return r;
    }
    bool opened = !bs->backing;
    if ((r = bdrv_open_backing(bs, errp)) < 0) {
        return r;
    }
    if (bs->backing->total_size > old && s->version < 3 &&
        ALIGN_UP(old, s->cluster_size) < size) {
        /* Version 2 has no zero clusters; qemu-img refuses too. */
        blk_error(errp, "Failed to zero out new clusters: %s", strerror(ENOTSUP));
        r = -ENOTSUP;
    } else if (bs->backing->total_size > old) {
        bs->total_size = size; /* zero_range works on the disk as it will be */
        r = qcow2_zero_range(bs, old, size - old, QCOW2_ZERO_WRITE);
        bs->total_size = old;
    }
    if (opened) {
        bdrv_close(bs->backing);
        bs->backing = NULL;
    }
    return r;
}

int qcow2_truncate(BlockDriverState *bs, uint64_t size, bool do_shrink, PreallocMode pm,
                   char **errp)
{
    Qcow2State *s = bs->opaque;
    uint64_t old = bs->total_size;
    int r = 0;
    if (size > QCOW2_MAX_SIZE) {
        blk_error(errp, "Image size too large; max. supported is %" PRIu64 " bytes",
                  (uint64_t)QCOW2_MAX_SIZE);
        return -EFBIG;
    }
    if ((r = qcow2_bitmaps_truncate_check(bs, errp)) < 0) {
        return r;
    }
    if (qcow2_data_file_raw(s) && pm == PREALLOC_OFF) {
        pm = PREALLOC_METADATA; /* a raw data file keeps its 1:1 mapping */
    }
    if (size < old) {
        if (!do_shrink) {
            blk_error(errp, "Use the --shrink option to perform a shrink operation.");
            return -EINVAL;
        }
        if ((r = shrink(bs, size, errp)) < 0) {
            return r;
        }
    } else if ((r = qcow2_grow_l1(bs, qcow2_l1_entries(s, size))) < 0) {
        blk_error(errp, "Failed to grow the L1 table: %s", strerror(-r));
        return r;
    }
    if (size > old && (r = zero_new_area(bs, old, size, errp)) < 0) {
        if (errp && !*errp) {
            blk_error(errp, "Failed to zero the new area: %s", strerror(-r));
        }
        return r;
    }
    if (size > old && (pm == PREALLOC_FALLOC || pm == PREALLOC_FULL) && !s->data_file) {
        r = grow_area(bs, old, size, pm == PREALLOC_FULL ? 2 : 1);
    } else if (size > old && pm != PREALLOC_OFF) {
        r = qcow2_preallocate(bs, old, size,
                              pm == PREALLOC_FULL ? 2 : pm == PREALLOC_FALLOC);
        if (r == 0) {
            r = qcow2_flush_metadata(bs);
        }
        if (r == 0) {
            r = extend_file(bs, pm == PREALLOC_METADATA ? PREALLOC_OFF : pm);
        }
    }
    if (r == 0) {
        uint8_t b[8];
        st_be64(b, size);
        r = qcow2_flush_metadata(bs);
        if (r == 0) {
            r = bfile_pwrite(bs->file, 24, b, 8);
        }
    }
    if (r < 0) {
        blk_error(errp, "Could not resize image: %s", strerror(-r));
        return r;
    }
    /* The data file follows the disk, as qemu-img resizes it (preallocated
     * tables extended it to their last cluster already). */
    if (s->data_file && (size < old || pm == PREALLOC_OFF) &&
        (r = bfile_truncate(s->data_file, size, 0)) < 0) {
        blk_error(errp, "Could not resize the data file: %s", strerror(-r));
        return r;
    }
    qcow2_bitmaps_truncate(bs, size);
    bs->total_size = size;
    return 0;
}
