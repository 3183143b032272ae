/* qcow2 reference counts: reading and updating entries of any width, and
 * cluster allocation (including new refcount blocks and a larger refcount
 * table when the image grows past what the current ones describe). */
#include "hw/block/qcow2.h"
#include "hw/block/block-int.h"
#include "hw/core/util.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

uint64_t qcow2_rb_get(const uint8_t *rb, int order, uint64_t i)
{
    switch (order) {
    case 3: return rb[i];
    case 4: return ld_be16(rb + i * 2);
    case 5: return ld_be32(rb + i * 4);
    case 6: return ld_be64(rb + i * 8);
    default: {
        int bits = 1 << order;
        uint64_t bit = i * (uint64_t)bits;
        return (rb[bit / 8] >> (bit % 8)) & ((1u << bits) - 1);
    }
    }
}

void qcow2_rb_set(uint8_t *rb, int order, uint64_t i, uint64_t v)
{
    switch (order) {
    case 3: rb[i] = (uint8_t)v; break;
    case 4: st_be16(rb + i * 2, (uint16_t)v); break;
    case 5: st_be32(rb + i * 4, (uint32_t)v); break;
    case 6: st_be64(rb + i * 8, v); break;
    default: {
        int bits = 1 << order;
        uint64_t bit = i * (uint64_t)bits;
        uint8_t mask = (uint8_t)(((1u << bits) - 1) << (bit % 8));
        rb[bit / 8] = (uint8_t)((rb[bit / 8] & ~mask) | ((v << (bit % 8)) & mask));
        break;
    }
    }
}

void qcow2_compressed_range(const Qcow2State *s, uint64_t entry, uint64_t *off, uint64_t *len)
{
    int x = 62 - (s->cluster_bits - 8);
    uint64_t host = entry & ((1ULL << x) - 1);
    uint64_t sectors = ((entry >> x) & ((1ULL << (s->cluster_bits - 8)) - 1)) + 1;
    *off = host;
    *len = sectors * 512 - (host & 511);
}

/* The refcount block holding cluster's entry, or NULL (*r = 0) if none. */
static int load_block(BlockDriverState *bs, uint64_t cluster, uint8_t **rb)
{
    Qcow2State *s = bs->opaque;
    uint64_t rti = cluster >> s->rb_bits;
    *rb = NULL;
    if (rti >= s->rt_size || !s->rt[rti]) {
        return 0;
    }
    uint64_t off = s->rt[rti] & ~511ULL;
    if (off & (s->cluster_size - 1)) {
        return qcow2_signal_corruption(bs, "Refblock offset %#" PRIx64 " unaligned "
                                       "(reftable index: %#" PRIx64 ")", off, rti);
    }
    for (int k = 0; k < s->rbc.n; k++) {
        if (s->rbc.offset[k] == off) {
            return qcow2_cache_get(bs, &s->rbc, off, false, rb);
        }
    }
    /* First use: the block must lie in the file and not on other metadata. */
    int64_t flen = bfile_length(bs->file);
    if (flen >= 0 && off + s->cluster_size > ALIGN_UP((uint64_t)flen, s->cluster_size)) {
        return qcow2_signal_corruption(bs, "Refblock at %#" PRIx64 " is beyond the end of the "
                                       "image file (reftable index: %#" PRIx64 ")", off, rti);
    }
    if (off < s->cluster_size ||
        (off >= s->rt_offset &&
         off < s->rt_offset + ((uint64_t)s->rt_clusters << s->cluster_bits)) ||
        (off >= s->l1_offset && off < s->l1_offset + (uint64_t)s->l1_size * 8)) {
        return qcow2_signal_corruption(bs, "Refblock at %#" PRIx64 " overlaps other metadata "
                                       "(reftable index: %#" PRIx64 ")", off, rti);
    }
    return qcow2_cache_get(bs, &s->rbc, off, false, rb);
}

int qcow2_get_refcount(BlockDriverState *bs, uint64_t cluster, uint64_t *rc)
{
    Qcow2State *s = bs->opaque;
    uint8_t *rb;
    int r = load_block(bs, cluster, &rb);
    if (r < 0) {
        return r;
    }
    *rc = rb ? qcow2_rb_get(rb, s->refcount_order, cluster & ((1ULL << s->rb_bits) - 1)) : 0;
    return 0;
}

int qcow2_update_refcount(BlockDriverState *bs, uint64_t off, uint64_t len, int64_t delta)
{
    Qcow2State *s = bs->opaque;
    if (!len) {
        return 0;
    }
    uint64_t first = off >> s->cluster_bits;
    uint64_t last = (off + len - 1) >> s->cluster_bits;
    for (uint64_t c = first; c <= last; c++) {
        uint8_t *rb;
        int r = load_block(bs, c, &rb);
        if (r < 0) {
            return r;
        }
        if (!rb) {
            return qcow2_signal_corruption(bs, "Cluster %#" PRIx64 " has no refcount block",
                                           c << s->cluster_bits);
        }
        uint64_t i = c & ((1ULL << s->rb_bits) - 1);
        uint64_t old = qcow2_rb_get(rb, s->refcount_order, i);
        if (delta > 0 && s->refcount_max - old < (uint64_t)delta) {
            return -ERANGE; /* too many references for the refcount width: not corruption */
        }
        if (delta < 0 && old < (uint64_t)-delta) {
            return qcow2_signal_corruption(bs, "Refcount of cluster %#" PRIx64 " would drop "
                                           "below zero", c << s->cluster_bits);
        }
        uint64_t v = old + (uint64_t)delta;
        if (v == 0) {
            qcow2_wait_readers(s); /* nobody may still be reading it */
        }
        qcow2_rb_set(rb, s->refcount_order, i, v);
        qcow2_cache_dirty(&s->rbc, rb);
        if (v == 0) {
            qcow2_cache_discard(&s->l2c, c << s->cluster_bits);
            if ((s->cbytes_offset >> s->cluster_bits) == c) {
                s->cbytes_offset = 0; /* never pack into a freed cluster */
            }
            if (c < s->free_hint) {
                s->free_hint = c;
            }
        }
    }
    return 0;
}

int qcow2_free_clusters(BlockDriverState *bs, uint64_t off, uint64_t len)
{
    return qcow2_update_refcount(bs, off, len, -1);
}

/* A new refcount block at cluster c, describing the range c lies in (so it
 * counts itself); the range has no block yet, hence every cluster in it is
 * free. */
static int new_self_block(BlockDriverState *bs, uint64_t c)
{
    Qcow2State *s = bs->opaque;
    uint64_t rti = c >> s->rb_bits, off = c << s->cluster_bits;
    uint8_t *rb = xzalloc(s->cluster_size);
    uint8_t e[8];
    qcow2_rb_set(rb, s->refcount_order, c & ((1ULL << s->rb_bits) - 1), 1);
    qcow2_cache_discard(&s->rbc, off);
    qcow2_cache_discard(&s->l2c, off);
    int r = bfile_pwrite(bs->file, off, rb, s->cluster_size);
    free(rb);
    if (r < 0) {
        return r;
    }
    st_be64(e, off);
    r = bfile_pwrite(bs->file, s->rt_offset + rti * 8, e, 8);
    if (r == 0) {
        s->rt[rti] = off;
    }
    return r;
}

/* A new, empty refcount block for range rti at cluster c (c is free and
 * counted by an existing block). */
static int new_block_at(BlockDriverState *bs, uint64_t rti, uint64_t c)
{
    Qcow2State *s = bs->opaque;
    uint64_t off = c << s->cluster_bits;
    int r = qcow2_update_refcount(bs, off, 1, 1);
    if (r < 0) {
        return r;
    }
    r = qcow2_cache_flush(bs, &s->rbc);
    uint8_t *rb = xzalloc(s->cluster_size);
    qcow2_cache_discard(&s->l2c, off);
    if (r == 0) {
        r = bfile_pwrite(bs->file, off, rb, s->cluster_size);
    }
    free(rb);
    uint8_t e[8];
    st_be64(e, off);
    if (r == 0) {
        r = bfile_pwrite(bs->file, s->rt_offset + rti * 8, e, 8);
    }
    if (r == 0) {
        s->rt[rti] = off;
    }
    return r;
}

static int write_new_table(BlockDriverState *bs, uint64_t *rt, uint64_t entries,
                           uint64_t tab_off, uint32_t tab_clusters)
{
    Qcow2State *s = bs->opaque;
    uint64_t bytes = (uint64_t)tab_clusters << s->cluster_bits;
    uint8_t *buf = xzalloc(bytes);
    for (uint64_t i = 0; i < entries; i++) {
        st_be64(buf + i * 8, rt[i]);
    }
    int r = bfile_pwrite(bs->file, tab_off, buf, bytes);
    free(buf);
    return r;
}

/* Grow the refcount table so it has at least min_entries.  The new table and
 * the refcount blocks describing it go at cluster `end` and above (all free):
 * blocks first, then the table, then the header switches to it. */
static int grow_table(BlockDriverState *bs, uint64_t min_entries, uint64_t end)
{
    Qcow2State *s = bs->opaque;
    uint64_t per_cluster = s->cluster_size / 8;
    uint64_t entries = MAX(min_entries, s->rt_size + s->rt_size / 2 + 1);
    uint64_t tc = (entries + per_cluster - 1) / per_cluster, nb = 0;
    for (;;) {
        uint64_t last = end + nb + tc; /* one past the last new cluster */
        uint64_t first_rti = end >> s->rb_bits, last_rti = (last - 1) >> s->rb_bits;
        uint64_t need_nb = last_rti - first_rti + 1;
        uint64_t need_tc = (last_rti + 1 + per_cluster - 1) / per_cluster;
        if (need_nb <= nb && need_tc <= tc) {
            break;
        }
        nb = MAX(nb, need_nb);
        tc = MAX(tc, need_tc);
    }
    if ((tc << s->cluster_bits) > QCOW2_MAX_RT_BYTES ||
        ((end + nb + tc) << s->cluster_bits) > QCOW2_OFFSET_MASK) {
        return -EFBIG;
    }
    uint64_t new_entries = tc * per_cluster;
    uint64_t *rt = xzalloc(new_entries * 8);
    memcpy(rt, s->rt, s->rt_size * 8);
    uint8_t *rb = xmalloc(s->cluster_size);
    uint64_t first_rti = end >> s->rb_bits;
    int r = 0;
    for (uint64_t j = 0; j < nb && !r; j++) {
        uint64_t rti = first_rti + j;
        memset(rb, 0, s->cluster_size);
        for (uint64_t c = end; c < end + nb + tc; c++) {
            if ((c >> s->rb_bits) == rti) {
                qcow2_rb_set(rb, s->refcount_order, c & ((1ULL << s->rb_bits) - 1), 1);
            }
        }
        rt[rti] = (end + j) << s->cluster_bits;
        r = bfile_pwrite(bs->file, rt[rti], rb, s->cluster_size);
    }
    free(rb);
    uint64_t tab_off = (end + nb) << s->cluster_bits;
    if (!r) {
        r = write_new_table(bs, rt, new_entries, tab_off, (uint32_t)tc);
    }
    if (!r) {
        r = qcow2_cache_flush(bs, &s->rbc);
    }
    if (!r) {
        uint8_t h[12];
        st_be64(h, tab_off);
        st_be32(h + 8, (uint32_t)tc);
        r = bfile_pwrite(bs->file, 48, h, 12);
    }
    if (r) {
        free(rt);
        return r;
    }
    uint64_t old_off = s->rt_offset, old_len = (uint64_t)s->rt_clusters << s->cluster_bits;
    free(s->rt);
    s->rt = rt;
    s->rt_size = new_entries;
    s->rt_offset = tab_off;
    s->rt_clusters = (uint32_t)tc;
    return qcow2_free_clusters(bs, old_off, old_len);
}

/* Clusters the file holds (rounded up); everything we allocate lies below. */
static uint64_t file_clusters(BlockDriverState *bs)
{
    int64_t flen = bfile_length(bs->file);
    return flen < 0 ? UINT64_MAX : qcow2_size_to_clusters(bs->opaque, (uint64_t)flen);
}

int64_t qcow2_alloc_clusters(BlockDriverState *bs, uint64_t n)
{
    Qcow2State *s = bs->opaque;
    uint64_t start = s->free_hint, count = 0, first_free = UINT64_MAX;
    /* Every allocated cluster lies inside the file (we write or extend it
     * right after allocating), so past its end nothing needs a look. */
    uint64_t eof = file_clusters(bs);
    while (count < n) {
        uint64_t c = start + count, rc;
        uint64_t rti = c >> s->rb_bits;
        if (((c + 1) << s->cluster_bits) > QCOW2_OFFSET_MASK) {
            return -EFBIG;
        }
        int r = 0;
        if (rti >= s->rt_size) {
            r = grow_table(bs, rti + 1, c);
            if (r < 0) {
                return r;
            }
            eof = file_clusters(bs); /* the new blocks were written: the file grew */
            continue; /* re-examine c: it may now hold a new block */
        }
        if (!s->rt[rti]) {
            /* No refcount block for c yet.  Outside a run, the block goes at
             * c and counts itself; inside one, at the run's first cluster
             * (free and already counted by a block), so no hole is left. */
            r = count ? new_block_at(bs, rti, start) : new_self_block(bs, c);
            if (r < 0) {
                return r;
            }
            eof = file_clusters(bs);
            start = (count ? start : c) + 1;
            count = 0;
            continue;
        }
        if (c >= eof) {
            rc = 0;
        } else if ((r = qcow2_get_refcount(bs, c, &rc)) < 0) {
            return r;
        } else if (!rc && c < eof) {
            const char *what = qcow2_metadata_overlap(bs, c << s->cluster_bits, 1);
            if (what) {
                return qcow2_signal_corruption(bs, "Refcount of a cluster of the %s is zero",
                                               what);
            }
        }
        if (rc) {
            start = c + 1;
            count = 0;
            continue;
        }
        if (first_free == UINT64_MAX) {
            first_free = c;
        }
        count++;
    }
    int r = qcow2_update_refcount(bs, start << s->cluster_bits, n << s->cluster_bits, 1);
    if (r < 0) {
        return r;
    }
    s->free_hint = first_free == start ? start + n : first_free;
    return (int64_t)(start << s->cluster_bits);
}

/* Count one more sharer of the host cluster holding off; false when its
 * refcount cannot count another (a new cluster is taken then). */
static int share_cluster(BlockDriverState *bs, uint64_t off, bool *shared)
{
    Qcow2State *s = bs->opaque;
    int r = qcow2_update_refcount(bs, off & ~(uint64_t)(s->cluster_size - 1), 1, 1);
    *shared = r == 0;
    return r == -ERANGE ? 0 : r;
}

int64_t qcow2_alloc_bytes(BlockDriverState *bs, uint32_t len)
{
    Qcow2State *s = bs->opaque;
    uint64_t off = s->cbytes_offset, in = off & (s->cluster_size - 1);
    uint64_t room = in ? s->cluster_size - in : 0;
    bool shared = false;
    int r = room >= len ? share_cluster(bs, off, &shared) : 0;
    if (r < 0) {
        return r;
    }
    if (shared) {
        s->cbytes_offset = off + len;
        return (int64_t)off;
    }
    int64_t c = qcow2_alloc_clusters(bs, 1);
    if (c < 0) {
        return c;
    }
    if (room && room < len && (uint64_t)c == off + room) {
        /* The new cluster follows the partly filled one: the bytes run on
         * across the boundary, as qemu-img packs compressed clusters (a new
         * cluster for each that does not fit made files up to a quarter
         * larger). */
        r = share_cluster(bs, off, &shared);
        if (r < 0) {
            return r;
        }
        if (shared) {
            s->cbytes_offset = off + len;
            return (int64_t)off;
        }
    }
    s->cbytes_offset = (uint64_t)c + len;
    return c;
}
