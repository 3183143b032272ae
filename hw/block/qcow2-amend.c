/* qcow2 amend: change the compatibility level (0.10 <-> 1.1), lazy refcounts,
 * the backing file and the size of an existing image in place. */
#include "hw/block/qcow2.h"
#include "hw/block/block-int.h"
#include "hw/core/util.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One zero entry of a snapshot's L2 table (shared by rc L1 tables) as
 * version 2 can say it: unallocated without a backing file, else a cluster
 * of zeros (its own if it had none, counted once per sharing table). */
static int expand_shared_zero(BlockDriverState *bs, uint8_t *entry, uint64_t rc)
{
    Qcow2State *s = bs->opaque;
    uint64_t host = ld_be64(entry) & QCOW2_OFFSET_MASK;
    int r = 0;
    if (!host && !bs->backing_file[0]) {
        st_be64(entry, 0);
        return 0;
    }
    if (!host) {
        int64_t h = qcow2_alloc_clusters(bs, 1);
        if (h < 0) {
            return (int)h;
        }
        host = (uint64_t)h;
        r = rc > 1 ? qcow2_update_refcount(bs, host, 1, (int64_t)rc - 1) : 0;
    }
    uint8_t *z = xzalloc(s->cluster_size);
    if (r == 0) {
        r = bfile_pwrite(bs->file, host, z, s->cluster_size);
    }
    free(z);
    if (r == 0) {
        st_be64(entry, host | (rc == 1 ? QCOW2_OFLAG_COPIED : 0));
    }
    return r;
}

/* The zero clusters of every L2 table a snapshot's L1 table reaches. */
static int expand_snapshot_zeros(BlockDriverState *bs, const Qcow2Snapshot *sn)
{
    Qcow2State *s = bs->opaque;
    uint8_t *l1 = xmalloc((size_t)sn->l1_size * 8 + 8);
    int r = bfile_pread(bs->file, sn->l1_offset, l1, (size_t)sn->l1_size * 8);
    for (uint32_t i = 0; r == 0 && i < sn->l1_size; i++) {
        uint64_t l2 = ld_be64(l1 + (size_t)i * 8) & QCOW2_OFFSET_MASK, rc;
        uint8_t *t;
        if (!l2 || (r = qcow2_get_refcount(bs, l2 >> s->cluster_bits, &rc)) < 0 ||
            (r = qcow2_cache_get(bs, &s->l2c, l2, false, &t)) < 0) {
            continue;
        }
        for (uint32_t j = 0; r == 0 && j < (1u << s->l2_bits); j++) {
            uint64_t e = ld_be64(t + j * 8);
            if (!(e & QCOW2_OFLAG_COMPRESSED) && (e & QCOW2_OFLAG_ZERO)) {
                r = expand_shared_zero(bs, t + j * 8, rc);
                qcow2_cache_dirty(&s->l2c, t);
            }
        }
    }
    free(l1);
    return r;
}

/* Rewrite every zero cluster of the active image as version 2 allows:
 * unallocated without a backing file, explicit zeros with one. */
static int expand_zero_clusters(BlockDriverState *bs)
{
    Qcow2State *s = bs->opaque;
    uint8_t *z = xzalloc(s->cluster_size);
    int r = 0;
    for (uint64_t off = 0; off < bs->total_size && r == 0; off += s->cluster_size) {
        uint64_t e;
        if ((r = qcow2_get_l2_entry(bs, off, &e)) < 0 ||
            (e & QCOW2_OFLAG_COMPRESSED) || !(e & QCOW2_OFLAG_ZERO)) {
            continue;
        }
        uint64_t n = MIN(s->cluster_size, bs->total_size - off);
        uint64_t host = e & QCOW2_OFFSET_MASK;
        if (bs->backing_file[0] && host && (e & QCOW2_OFLAG_COPIED)) {
            /* A preallocated zero cluster of its own gets its zeros in
             * place, as qemu-img does: no new cluster, same file size. */
            r = bfile_pwrite(bs->file, host, z, s->cluster_size);
            if (r == 0) {
                r = qcow2_set_l2_entry(bs, off, host | QCOW2_OFLAG_COPIED);
            }
            continue;
        }
        r = bs->backing_file[0] ? qcow2_write_data(bs, off, z, n)
                                : qcow2_zero_range(bs, off, n, QCOW2_ZERO_UNALLOC);
    }
    free(z);
    return r;
}

static int downgrade(BlockDriverState *bs, char **errp)
{
    Qcow2State *s = bs->opaque;
    if (qcow2_has_data_file(s)) {
        blk_error(errp, "Cannot downgrade an image with a data file");
        return -ENOTSUP;
    }
    if (s->refcount_order != 4) {
        blk_error(errp, "compat=0.10 requires refcount_bits=16");
        return -ENOTSUP;
    }
    /* The active tables first: they stop sharing what they change. */
    int r = expand_zero_clusters(bs);
    for (uint32_t i = 0; r == 0 && i < s->nb_snapshots; i++) {
        r = expand_snapshot_zeros(bs, &s->snaps[i]);
    }
    if (r == 0) {
        r = qcow2_flush_metadata(bs);
    }
    if (r == 0) {
        s->version = 2;
        s->incompat = s->compat = s->autoclear = 0;
        s->lazy = false;
        s->l2c.before = &s->rbc;
        r = qcow2_write_header(bs);
    }
    if (r < 0) {
        blk_error(errp, "Could not downgrade the image: %s", strerror(-r));
    }
    return r;
}

static int set_lazy(BlockDriverState *bs, bool on)
{
    Qcow2State *s = bs->opaque;
    int r = qcow2_flush_metadata(bs);
    if (r == 0 && (r = bfile_flush(bs->file)) == 0 && !on) {
        r = qcow2_set_incompat(bs, QCOW2_INCOMPAT_DIRTY, false);
    }
    if (r < 0) {
        return r;
    }
    s->compat = on ? s->compat | QCOW2_COMPAT_LAZY : s->compat & ~QCOW2_COMPAT_LAZY;
    s->lazy = on;
    s->l2c.before = on ? NULL : &s->rbc;
    uint8_t b[8];
    st_be64(b, s->compat);
    return bfile_pwrite(bs->file, 80, b, 8);
}

static int check_supported(const BlockCreateOpts *o, char **errp)
{
    if (o->cluster_size) {
        blk_error(errp, "Changing the cluster size is not supported");
        return -ENOTSUP;
    }
    if (o->refcount_bits) {
        blk_error(errp, "Changing refcount_bits is not supported by kemu-img amend");
        return -ENOTSUP;
    }
    if (o->prealloc != PREALLOC_OFF) {
        blk_error(errp, "Changing the preallocation mode is not supported");
        return -ENOTSUP;
    }
    return 0;
}

int qcow2_amend(BlockDriverState *bs, const BlockCreateOpts *o, char **errp)
{
    Qcow2State *s = bs->opaque;
    const BlockCryptOpts *c = &o->crypt;
    if (c->state || c->new_secret || c->old_secret || c->keyslot_set) {
        return qcow2_crypt_amend(bs, c, errp); /* key slots, in the LUKS header alone */
    }
    int r = check_supported(o, errp);
    int version = o->compat ? o->compat : s->version;
    bool lazy = o->lazy_set ? o->lazy_refcounts : (s->compat & QCOW2_COMPAT_LAZY) != 0;
    if (r == 0 && (o->data_file || o->data_file_raw_set)) {
        r = qcow2_datafile_amend(bs, o, errp);
    }
    if (r < 0) {
        return r;
    }
    /* Only turning them on is refused: a downgrade drops lazy refcounts
     * the image already has, as qemu-img does. */
    if (version < 3 && lazy && !(s->compat & QCOW2_COMPAT_LAZY)) {
        blk_error(errp, "Lazy refcounts only supported with compatibility level 1.1 and above "
                  "(use compat=1.1 or greater)");
        return -EINVAL;
    }
    if (version > s->version) {
        s->version = version; /* upgrade: the v3 fields start out zero */
        s->incompat &= QCOW2_INCOMPAT_DIRTY;
        if ((r = qcow2_flush_metadata(bs)) == 0) {
            r = qcow2_write_header(bs);
        }
    }
    if (r == 0 && version >= 3 && lazy != ((s->compat & QCOW2_COMPAT_LAZY) != 0)) {
        r = set_lazy(bs, lazy);
    }
    if (r == 0 && version < s->version) {
        if (!(s->compat & QCOW2_COMPAT_LAZY) || (r = set_lazy(bs, false)) == 0) {
            r = downgrade(bs, errp);
        }
    }
    if (r == 0 && o->backing_file) {
        r = bs->drv->change_backing(bs, o->backing_file, o->backing_fmt, errp);
    }
    if (r == 0 && o->size_set && o->size != bs->total_size) {
        r = qcow2_truncate(bs, o->size, false, PREALLOC_OFF, errp);
    }
    if (r < 0 && errp && !*errp) {
        blk_error(errp, "Could not amend the image: %s", strerror(-r));
    }
    return r;
}
