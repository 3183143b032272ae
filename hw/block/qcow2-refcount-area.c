/* A refcount area: new refcount blocks and a new refcount table written at
 * the end of the used part of the file, sized to cover a number of clusters
 * to come.  A falloc/full grow lays its data out behind one, as qemu-img
 * does, so the data is contiguous and the files match. */
#include "hw/block/qcow2.h"
#include "hw/block/block-int.h"
#include "hw/core/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Refcount blocks needed to count `clusters` clusters plus the blocks and
 * the table themselves (the smallest fixed point). */
static uint64_t blocks_for(const Qcow2State *s, uint64_t clusters)
{
    uint64_t per_block = 1ULL << s->rb_bits, per_table = s->cluster_size / 8;
    uint64_t blocks = 0, table = 0, n = 0, last;
    do {
        last = n;
        blocks = (clusters + table + blocks + per_block - 1) / per_block;
        table = (blocks + per_table - 1) / per_table;
        n = clusters + blocks + table;
    } while (n != last);
    return blocks;
}

/* Write a new refcount block at cluster c for range rti, counting the
 * area's clusters [first, end) that fall in it. */
static int write_area_block(BlockDriverState *bs, uint64_t rti, uint64_t c, uint64_t first,
                            uint64_t end)
{
    Qcow2State *s = bs->opaque;
    uint8_t *rb = xzalloc(s->cluster_size);
    for (uint64_t k = first; k < end; k++) {
        if ((k >> s->rb_bits) == rti) {
            qcow2_rb_set(rb, s->refcount_order, k & ((1ULL << s->rb_bits) - 1), 1);
        }
    }
    qcow2_cache_discard(&s->rbc, c << s->cluster_bits);
    qcow2_cache_discard(&s->l2c, c << s->cluster_bits);
    int r = bfile_pwrite(bs->file, c << s->cluster_bits, rb, s->cluster_size);
    free(rb);
    return r;
}

/* Switch the header and the state to the table rt (tc clusters at cluster
 * tab), freeing the old one. */
static int switch_table(BlockDriverState *bs, uint64_t *rt, uint64_t tab, uint32_t tc)
{
    Qcow2State *s = bs->opaque;
    uint64_t entries = (uint64_t)tc * (s->cluster_size / 8);
    uint8_t *buf = xzalloc((uint64_t)tc << s->cluster_bits);
    for (uint64_t i = 0; i < entries; i++) {
        st_be64(buf + i * 8, rt[i]);
    }
    qcow2_cache_discard(&s->l2c, tab << s->cluster_bits);
    int r = bfile_pwrite(bs->file, tab << s->cluster_bits, buf, (uint64_t)tc << s->cluster_bits);
    free(buf);
    uint8_t h[12];
    st_be64(h, tab << s->cluster_bits);
    st_be32(h + 8, tc);
    if (r == 0) {
        r = bfile_pwrite(bs->file, 48, h, 12);
    }
    if (r < 0) {
        free(rt);
        return r;
    }
    uint64_t old = s->rt_offset, old_len = (uint64_t)s->rt_clusters << s->cluster_bits;
    free(s->rt);
    s->rt = rt;
    s->rt_size = entries;
    s->rt_offset = tab << s->cluster_bits;
    s->rt_clusters = tc;
    r = qcow2_free_clusters(bs, old, old_len);
    if (r == 0 && (old >> s->cluster_bits) < s->free_hint) {
        s->free_hint = old >> s->cluster_bits;
    }
    return r;
}

int64_t qcow2_refcount_area(BlockDriverState *bs, uint64_t start, uint64_t additional)
{
    Qcow2State *s = bs->opaque;
    uint64_t per_table = s->cluster_size / 8;
    uint64_t nblocks = blocks_for(s, start + additional);
    uint64_t tc = (nblocks + per_table - 1) / per_table;
    if ((tc << s->cluster_bits) > QCOW2_MAX_RT_BYTES) {
        return -EFBIG;
    }
    uint64_t *rt = xzalloc(tc * per_table * 8);
    memcpy(rt, s->rt, MIN(s->rt_size, tc * per_table) * 8);
    uint64_t first_rti = start >> s->rb_bits, added = 0;
    for (uint64_t i = first_rti; i < nblocks; i++) {
        added += !rt[i];
    }
    uint64_t tab = start + added, end = tab + tc, next = start;
    int r = 0;
    /* Every cluster of the area gets a refcount of one: in the blocks that
     * exist through the cache, in the new ones as they are written. */
    for (uint64_t i = first_rti; i < nblocks && r == 0; i++) {
        uint64_t lo = MAX(start, i << s->rb_bits), hi = MIN(end, (i + 1) << s->rb_bits);
        if (rt[i]) {
            r = lo < hi ? qcow2_update_refcount(bs, lo << s->cluster_bits,
                                                (hi - lo) << s->cluster_bits, 1)
                        : 0;
            continue;
        }
        rt[i] = next << s->cluster_bits;
        r = write_area_block(bs, i, next++, start, end);
    }
    if (r == 0) {
        r = qcow2_cache_flush(bs, &s->rbc);
    }
    if (r < 0) {
        free(rt);
        return r;
    }
    r = switch_table(bs, rt, tab, (uint32_t)tc);
    return r < 0 ? r : (int64_t)end;
}
