/* qcow2 consistency check: count every reference to every cluster from the
 * metadata, compare with the stored refcounts and COPIED flags, and repair
 * (-r leaks: lower refcounts; -r all: also raise them and fix flags). */
#include "hw/block/qcow2.h"
#include "hw/block/block-int.h"
#include "hw/core/util.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Clusters beyond this many are not tracked (a hostile offset must not make
 * us allocate the world). */
#define CHECK_MAX_CLUSTERS (1ULL << 28)

typedef struct Check {
    BlockDriverState *bs;
    Qcow2State *s;
    BlockCheckResult *res;
    uint32_t *ref;
    uint64_t n;
    bool need_rebuild;          /* a used cluster has refcount 0 */
    uint64_t next_contig;
    uint8_t *table;
} Check;

static void inc(Check *c, uint64_t off, uint64_t len)
{
    Qcow2State *s = c->s;
    if (!len) {
        return;
    }
    uint64_t first = off >> s->cluster_bits, last = (off + len - 1) >> s->cluster_bits;
    for (uint64_t i = first; i <= last; i++) {
        if (i >= c->n) {
            /* Everything we write lies inside the file: a reference past its
             * end is corruption (and must not size our table). */
            fprintf(stderr, "ERROR: cluster %" PRIu64 " is referenced but lies beyond the end "
                    "of the image file\n", i);
            c->res->corruptions++;
            return;
        }
        if (c->ref[i] != UINT32_MAX) {
            c->ref[i]++;
        }
    }
}

static uint64_t disk_refcount(Check *c, uint64_t off)
{
    uint64_t rc = 0;
    if (qcow2_get_refcount(c->bs, off >> c->s->cluster_bits, &rc) < 0) {
        c->res->check_errors++;
    }
    return rc;
}

/* Whether the COPIED flag of an entry disagrees with its stored refcount
 * (which must be exactly 1 for the flag); prints what it finds. */
static int check_copied(Check *c, uint64_t e, uint64_t off, int64_t l1_index, bool repair)
{
    uint64_t rc = disk_refcount(c, off);
    if ((rc == 1) == ((e & QCOW2_OFLAG_COPIED) != 0)) {
        return 0;
    }
    const char *what = repair ? "Repairing" : "ERROR";
    if (l1_index >= 0) {
        fprintf(stderr, "%s OFLAG_COPIED L2 cluster: l1_index=%" PRId64 " l1_entry=%" PRIx64
                " refcount=%" PRIu64 "\n", what, l1_index, e, rc);
    } else {
        fprintf(stderr, "%s OFLAG_COPIED data cluster: l2_entry=%" PRIx64 " refcount=%" PRIu64
                "\n", what, e, rc);
    }
    return 1;
}

static void check_l2_entry(Check *c, uint64_t e, bool active)
{
    Qcow2State *s = c->s;
    if (e & QCOW2_OFLAG_COMPRESSED) {
        uint64_t off, len;
        if (active && (e & QCOW2_OFLAG_COPIED)) {
            fprintf(stderr, "ERROR: compressed cluster %#" PRIx64 " has the copied flag\n", e);
            c->res->corruptions++;
        }
        qcow2_compressed_range(s, e, &off, &len);
        inc(c, off & ~(uint64_t)(s->cluster_size - 1), (off & (s->cluster_size - 1)) + len);
        if (active) {
            c->res->allocated_clusters++;
            c->res->compressed_clusters++;
            c->res->fragmented_clusters++;
        }
        return;
    }
    uint64_t off = e & QCOW2_OFFSET_MASK;
    if (!off) {
        return;
    }
    if (off & (s->cluster_size - 1)) {
        fprintf(stderr, "ERROR offset=%" PRIx64 ": Cluster is not properly aligned; L2 entry "
                "corrupted.\n", off);
        c->res->corruptions++;
        return;
    }
    if (active) {
        c->res->allocated_clusters++;
        if (c->next_contig && off != c->next_contig) {
            c->res->fragmented_clusters++;
        }
        c->next_contig = off + s->cluster_size;
    }
    inc(c, off, s->cluster_size);
}

static void check_l1(Check *c, uint64_t l1_off, const uint64_t *l1, uint32_t l1_size, bool active)
{
    Qcow2State *s = c->s;
    inc(c, l1_off, (uint64_t)l1_size * 8);
    for (uint32_t i = 0; i < l1_size; i++) {
        uint64_t l2 = l1[i] & QCOW2_OFFSET_MASK;
        if (!l2) {
            continue;
        }
        if (l2 & (s->cluster_size - 1)) {
            fprintf(stderr, "ERROR l2_offset=%" PRIx64 ": Table is not cluster aligned; L1 "
                    "entry corrupted\n", l2);
            c->res->corruptions++;
            continue;
        }
        int64_t flen = bfile_length(c->bs->file);
        if (flen >= 0 && l2 + s->cluster_size > (uint64_t)flen) {
            fprintf(stderr, "ERROR l2_offset=%" PRIx64 ": L2 table is beyond the end of the "
                    "image file\n", l2);
            c->res->corruptions++;
            continue;
        }
        inc(c, l2, s->cluster_size);
        if (bfile_pread(c->bs->file, l2, c->table, s->cluster_size) < 0) {
            c->res->check_errors++;
            continue;
        }
        c->next_contig = 0; /* contiguity is counted within one L2 table */
        for (uint32_t j = 0; j < (1u << s->l2_bits); j++) {
            check_l2_entry(c, ld_be64(c->table + j * 8), active);
        }
    }
}

static void check_snapshots(Check *c)
{
    Qcow2State *s = c->s;
    inc(c, s->snapshots_offset, s->old_table_len);
    for (uint32_t i = 0; i < s->nb_snapshots; i++) {
        const Qcow2Snapshot *sn = &s->snaps[i];
        uint8_t *buf = xmalloc((size_t)sn->l1_size * 8 + 8);
        uint64_t *l1 = xzalloc((size_t)sn->l1_size * 8 + 8);
        if (bfile_pread(c->bs->file, sn->l1_offset, buf, (size_t)sn->l1_size * 8) < 0) {
            c->res->check_errors++;
        }
        for (uint32_t k = 0; k < sn->l1_size; k++) {
            l1[k] = ld_be64(buf + (size_t)k * 8);
        }
        check_l1(c, sn->l1_offset, l1, sn->l1_size, false);
        free(buf);
        free(l1);
    }
}

static void count_refcount_metadata(Check *c)
{
    Qcow2State *s = c->s;
    inc(c, s->rt_offset, (uint64_t)s->rt_clusters << s->cluster_bits);
    for (uint64_t i = 0; i < s->rt_size; i++) {
        uint64_t off = s->rt[i] & ~511ULL;
        if (!off) {
            continue;
        }
        if (off & (s->cluster_size - 1)) {
            fprintf(stderr, "ERROR refcount block %" PRIu64 " is not cluster aligned; refcount "
                    "table entry corrupted\n", i);
            c->res->corruptions++;
            continue;
        }
        inc(c, off, s->cluster_size);
    }
}

/* Compare and (if asked) repair one cluster's refcount. */
static void compare_one(Check *c, uint64_t i, uint64_t disk, int fix)
{
    Qcow2State *s = c->s;
    uint64_t want = i < c->n ? c->ref[i] : 0;
    if (disk || want) {
        c->res->image_end_offset = (i + 1) << s->cluster_bits;
    }
    if (disk == want) {
        return;
    }
    bool leak = disk > want;
    if (disk == 0) {
        c->need_rebuild = true;
    }
    bool repair = leak ? (fix & BDRV_FIX_LEAKS) : (fix & BDRV_FIX_ERRORS);
    fprintf(stderr, "%s cluster %" PRIu64 " refcount=%" PRIu64 " reference=%" PRIu64 "\n",
            repair ? "Repairing" : leak ? "Leaked" : "ERROR", i, disk, want);
    if (!repair) {
        if (leak) {
            c->res->leaks++;
        } else {
            c->res->corruptions++;
        }
        return;
    }
    int r = qcow2_ensure_refblock(c->bs, i);
    if (r == 0) {
        r = qcow2_update_refcount(c->bs, i << s->cluster_bits, 1, (int64_t)(want - disk));
    }
    if (r < 0) {
        c->res->check_errors++;
    } else if (leak) {
        c->res->leaks_fixed++;
    } else {
        c->res->corruptions_fixed++;
    }
}

static void compare(Check *c, int fix)
{
    Qcow2State *s = c->s;
    int64_t flen = bfile_length(c->bs->file);
    uint64_t end = MAX(c->n, flen > 0 ? qcow2_size_to_clusters(s, (uint64_t)flen) : 0);
    end = MIN(end, CHECK_MAX_CLUSTERS);
    /* Repairs allocate refcount blocks: only from clusters nothing uses. */
    s->free_hint = MAX(s->free_hint, end);
    for (uint64_t i = 0; i < end; i++) {
        uint64_t rti = i >> s->rb_bits;
        if (rti < s->rt_size && !s->rt[rti] && (i & ((1ULL << s->rb_bits) - 1)) == 0) {
            /* No block for this range: only clusters referenced need a look. */
            uint64_t stop = MIN(end, (rti + 1) << s->rb_bits);
            for (uint64_t k = i; k < stop; k++) {
                if (k < c->n && c->ref[k]) {
                    compare_one(c, k, 0, fix);
                }
            }
            i = stop - 1;
            continue;
        }
        compare_one(c, i, disk_refcount(c, i << s->cluster_bits), fix);
    }
}

/* After the refcounts are settled: COPIED flags of the active tables. */
static void copied_pass(Check *c, int fix)
{
    Qcow2State *s = c->s;
    bool repair = fix & BDRV_FIX_ERRORS;
    int64_t flen = bfile_length(c->bs->file);
    int bad = 0;
    for (uint32_t i = 0; i < s->l1_size; i++) {
        uint64_t l2 = s->l1[i] & QCOW2_OFFSET_MASK;
        if (!l2 || (l2 & (s->cluster_size - 1)) ||
            (flen >= 0 && l2 + s->cluster_size > (uint64_t)flen)) {
            continue; /* reported by the walk */
        }
        bad += check_copied(c, s->l1[i], l2, i, repair);
        if (bfile_pread(c->bs->file, l2, c->table, s->cluster_size) < 0) {
            continue;
        }
        for (uint32_t j = 0; j < (1u << s->l2_bits); j++) {
            uint64_t e = ld_be64(c->table + j * 8), off = e & QCOW2_OFFSET_MASK;
            if (!(e & QCOW2_OFLAG_COMPRESSED) && off && !(off & (s->cluster_size - 1))) {
                bad += check_copied(c, e, off, -1, repair);
            }
        }
    }
    if (bad && repair && qcow2_fix_copied(c->bs) == 0) {
        c->res->corruptions_fixed += bad;
    } else {
        c->res->corruptions += bad;
    }
}

static void run_once(Check *c, int fix)
{
    Qcow2State *s = c->s;
    memset(c->res, 0, sizeof(*c->res));
    c->n = qcow2_size_to_clusters(s, (uint64_t)MAX(bfile_length(c->bs->file), 0)) + 1;
    c->n = MIN(c->n, CHECK_MAX_CLUSTERS);
    c->ref = xzalloc(c->n * sizeof(uint32_t));
    c->next_contig = 0;
    inc(c, 0, s->cluster_size);
    check_l1(c, s->l1_offset, s->l1, s->l1_size, true);
    check_snapshots(c);
    count_refcount_metadata(c);
    compare(c, fix);
    if (fix) {
        qcow2_flush_metadata(c->bs); /* the pass below reads tables from the file */
    }
    copied_pass(c, fix);
    c->res->total_clusters = qcow2_size_to_clusters(s, c->bs->total_size);
    c->res->has_stats = true;
    free(c->ref);
    c->ref = NULL;
}

int qcow2_check(BlockDriverState *bs, BlockCheckResult *res, int fix)
{
    Qcow2State *s = bs->opaque;
    Check c = { .bs = bs, .s = s, .res = res };
    if (bs->read_only) {
        fix = 0;
    }
    int r = qcow2_flush_metadata(bs);
    if (r < 0) {
        return r;
    }
    c.table = xmalloc(s->cluster_size);
    run_once(&c, fix);
    if (fix == BDRV_FIX_LEAKS && c.need_rebuild) {
        /* Only -r all may rebuild refcounts; qemu-img fails the check here. */
        fprintf(stderr, "ERROR need to rebuild refcount structures\n");
        free(c.table);
        return -EIO;
    }
    if (fix && (res->leaks_fixed || res->corruptions_fixed)) {
        BlockCheckResult first = *res;
        qcow2_flush_metadata(bs);
        run_once(&c, 0); /* double check: what is left after the repair */
        res->leaks_fixed = first.leaks_fixed;
        res->corruptions_fixed = first.corruptions_fixed;
        if (!res->corruptions && (fix & BDRV_FIX_ERRORS) && s->version >= 3 &&
            (s->incompat & QCOW2_INCOMPAT_CORRUPT)) {
            qcow2_set_incompat(bs, QCOW2_INCOMPAT_CORRUPT, false);
        }
    }
    free(c.table);
    return 0;
}
