/* qcow2 consistency check: count every reference to every cluster from the
 * metadata, compare with the stored refcounts and COPIED flags, and repair
 * (-r leaks: lower refcounts; -r all: also raise them and fix flags).  A
 * used cluster with refcount 0 means the refcount structures cannot be
 * patched: -r all rebuilds them (qcow2-rebuild.c), -r leaks gives up.  The
 * order of the passes and the messages are qemu-img's. */
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
/* A refcount block outside the image makes -r all extend the file to hold
 * it, as qemu-img does, but not past this many clusters (a hostile offset
 * must not make every pass walk billions of clusters). */
#define CHECK_MAX_EXTEND_CLUSTERS (1ULL << 24)

typedef struct Check {
    BlockDriverState *bs;
    Qcow2State *s;
    BlockCheckResult *res;
    uint32_t *ref;
    uint64_t n;                 /* clusters ref covers */
    uint64_t flen;              /* bytes in the image file */
    bool rebuild;               /* the refcount structures need rebuilding */
    uint64_t next_contig;
    uint8_t *table;
    int fail;                   /* the bitmap structures cannot be walked */
} Check;

static void inc(Check *c, uint64_t off, uint64_t len)
{
    Qcow2State *s = c->s;
    uint64_t cap = MIN(s->refcount_max, UINT32_MAX);
    if (!len) {
        return;
    }
    /* Everything we write lies inside the file: a reference a cluster or
     * more past its end is corruption (and must not size our table). */
    if (off + len > c->flen && off + len - c->flen >= s->cluster_size) {
        fprintf(stderr, "ERROR: counting reference for region exceeding the end of the file "
                "by one cluster or more: offset 0x%" PRIx64 " size 0x%" PRIx64 "\n", off, len);
        c->res->corruptions++;
        return;
    }
    uint64_t first = off >> s->cluster_bits, last = (off + len - 1) >> s->cluster_bits;
    if (last >= CHECK_MAX_CLUSTERS) {
        fprintf(stderr, "ERROR: cluster %" PRIu64 " is referenced, beyond the %llu clusters a "
                "check can track\n", last, (unsigned long long)CHECK_MAX_CLUSTERS);
        c->res->corruptions++;
        return;
    }
    qcow2_ref_array_grow(&c->ref, &c->n, last + 1);
    for (uint64_t i = first; i <= last; i++) {
        if (c->ref[i] == cap) {
            fprintf(stderr, "ERROR: overflow cluster offset=0x%" PRIx64 "\n",
                    i << s->cluster_bits);
            fprintf(stderr, "Use qemu-img amend to increase the refcount entry width or "
                    "qemu-img convert to create a clean copy if the image cannot be opened "
                    "for writing\n");
            c->res->corruptions++;
            continue;
        }
        c->ref[i]++;
    }
}

/* Whether refcount table entry rti names a block we can read: set, aligned
 * and inside the file (the walk reports the others). */
static bool usable_block(Check *c, uint64_t rti)
{
    Qcow2State *s = c->s;
    uint64_t off = rti < s->rt_size ? s->rt[rti] & ~511ULL : 0;
    uint64_t end = ALIGN_UP(c->flen, s->cluster_size);
    return off && !(off & (s->cluster_size - 1)) && off + s->cluster_size <= end;
}

static uint64_t disk_refcount(Check *c, uint64_t off)
{
    uint64_t rc = 0;
    if (!usable_block(c, (off >> c->s->cluster_bits) >> c->s->rb_bits)) {
        return 0;
    }
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
    if (!off && !(qcow2_has_data_file(s) && (e & QCOW2_OFLAG_COPIED) &&
                  !(e & QCOW2_OFLAG_ZERO))) {
        return; /* (offset 0 is a data file's first cluster) */
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
    if (!qcow2_has_data_file(s)) { /* external data has no refcounts */
        inc(c, off, s->cluster_size);
    }
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
        if (l2 + s->cluster_size > c->flen) {
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

/* A refcount block past the end of the file: -r all extends the file to
 * hold it (and rebuilds the structures), as qemu-img does. */
static bool block_outside(Check *c, uint64_t rti, uint64_t off, int fix)
{
    Qcow2State *s = c->s;
    bool repair = fix & BDRV_FIX_ERRORS;
    c->res->corruptions++;
    fprintf(stderr, "%s refcount block %" PRIu64 " is outside image\n",
            repair ? "Repairing" : "ERROR", rti);
    if (!repair) {
        return false;
    }
    c->rebuild = true;
    bool too_far = (off >> s->cluster_bits) >= CHECK_MAX_EXTEND_CLUSTERS;
    int r = too_far ? -EFBIG : bfile_truncate(c->bs->file, off + s->cluster_size, 0);
    if (r < 0) {
        fprintf(stderr, "ERROR could not resize image: %s\n", strerror(-r));
        return false;
    }
    c->flen = off + s->cluster_size;
    return true;
}

static void count_refcount_metadata(Check *c, int fix)
{
    Qcow2State *s = c->s;
    inc(c, s->rt_offset, s->rt_size * 8);
    for (uint64_t i = 0; i < s->rt_size; i++) {
        uint64_t off = s->rt[i] & ~511ULL, cl = off >> s->cluster_bits;
        if (s->rt[i] & 511) {
            fprintf(stderr, "ERROR refcount table entry %" PRIu64 " has reserved bits set\n", i);
            c->res->corruptions++;
            c->rebuild = true;
            continue;
        }
        if (off & (s->cluster_size - 1)) {
            fprintf(stderr, "ERROR refcount block %" PRIu64 " is not cluster aligned; refcount "
                    "table entry corrupted\n", i);
            c->res->corruptions++;
            c->rebuild = true;
            continue;
        }
        if (off && cl >= qcow2_size_to_clusters(s, c->flen) && !block_outside(c, i, off, fix)) {
            continue;
        }
        if (off) {
            inc(c, off, s->cluster_size);
            if (cl < c->n && c->ref[cl] != 1) {
                fprintf(stderr, "ERROR refcount block %" PRIu64 " refcount=%" PRIu32 "\n", i,
                        c->ref[cl]);
                c->res->corruptions++;
                c->rebuild = true;
            }
        }
    }
}

/* Compare and (if asked) repair one cluster's refcount.  A used cluster
 * with refcount 0 is never patched: the structures need rebuilding. */
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
    bool repair = disk && (leak ? (fix & BDRV_FIX_LEAKS) : (fix & BDRV_FIX_ERRORS));
    if (disk == 0) {
        c->rebuild = true;
    }
    fprintf(stderr, "%s cluster %" PRIu64 " refcount=%" PRIu64 " reference=%" PRIu64 "\n",
            repair ? "Repairing" : leak ? "Leaked" : "ERROR", i, disk, want);
    if (repair) {
        int r = qcow2_update_refcount(c->bs, i << s->cluster_bits, 1, (int64_t)(want - disk));
        if (r == 0 && !want) {
            /* Nothing uses it: give the space back, as qemu-img does. */
            r = bfile_punch(c->bs->file, i << s->cluster_bits, s->cluster_size);
        }
        if (r == 0) {
            if (leak) {
                c->res->leaks_fixed++;
            } else {
                c->res->corruptions_fixed++;
            }
            return;
        }
    }
    if (leak) {
        c->res->leaks++;
    } else {
        c->res->corruptions++;
    }
}

static void compare(Check *c, int fix)
{
    Qcow2State *s = c->s;
    uint64_t end = MAX(c->n, qcow2_size_to_clusters(s, c->flen));
    end = MIN(end, CHECK_MAX_CLUSTERS);
    /* Repairs allocate refcount blocks: only from clusters nothing uses. */
    s->free_hint = MAX(s->free_hint, end);
    for (uint64_t i = 0; i < end; i++) {
        uint64_t rti = i >> s->rb_bits;
        if (!usable_block(c, rti) && (i & ((1ULL << s->rb_bits) - 1)) == 0) {
            /* No block for this range: only clusters referenced need a look. */
            uint64_t stop = MIN(end, (rti + 1) << s->rb_bits);
            for (uint64_t k = i; k < MIN(stop, c->n); k++) {
                if (c->ref[k]) {
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
    int bad = 0;
    for (uint32_t i = 0; i < s->l1_size; i++) {
        uint64_t l2 = s->l1[i] & QCOW2_OFFSET_MASK;
        if (!l2 || (l2 & (s->cluster_size - 1)) || l2 + s->cluster_size > c->flen) {
            continue; /* reported by the walk */
        }
        bad += check_copied(c, s->l1[i], l2, i, repair);
        if (bfile_pread(c->bs->file, l2, c->table, s->cluster_size) < 0) {
            continue;
        }
        for (uint32_t j = 0; j < (1u << s->l2_bits); j++) {
            uint64_t e = ld_be64(c->table + j * 8), off = e & QCOW2_OFFSET_MASK;
            if (!(e & QCOW2_OFLAG_COMPRESSED) && off && !(off & (s->cluster_size - 1)) &&
                !qcow2_has_data_file(s)) {
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

static void inc_cb(void *c, uint64_t off, uint64_t len)
{
    inc(c, off, len);
}

/* Count every reference the metadata makes. */
static void calculate(Check *c, int fix)
{
    Qcow2State *s = c->s;
    int64_t flen = bfile_length(c->bs->file);
    c->flen = flen > 0 ? (uint64_t)flen : 0;
    memset(c->ref, 0, c->n * sizeof(uint32_t));
    c->rebuild = false;
    c->next_contig = 0;
    inc(c, 0, s->cluster_size);
    if (s->has_crypt_ext) {
        inc(c, s->crypt_offset, s->crypt_length);
    }
    check_l1(c, s->l1_offset, s->l1, s->l1_size, true);
    check_snapshots(c);
    c->fail = qcow2_bitmaps_check(c->bs, inc_cb, c, &c->res->corruptions);
    count_refcount_metadata(c, fix);
}

/* -r all on structures beyond patching: rebuild them, count again and
 * free what the old ones held. */
static int rebuild(Check *c, int fix)
{
    BlockCheckResult old = *c->res;
    int fresh_leaks = 0;
    fprintf(stderr, "Rebuilding refcount structure\n");
    int r = qcow2_rebuild_refcounts(c->bs, &c->ref, &c->n);
    if (r < 0) {
        fprintf(stderr, "ERROR rebuilding the refcount structure: %s\n", strerror(-r));
        c->res->check_errors++;
        return r;
    }
    c->res->corruptions = c->res->leaks = 0;
    calculate(c, 0);
    if (fix & BDRV_FIX_LEAKS) {
        BlockCheckResult saved = *c->res;
        memset(c->res, 0, sizeof(*c->res));
        compare(c, BDRV_FIX_LEAKS);
        if (c->rebuild) {
            fprintf(stderr, "ERROR rebuilt refcount structure is still broken\n");
        }
        fresh_leaks = c->res->leaks; /* left by the rebuild itself */
        *c->res = saved;
    }
    if (c->res->corruptions < old.corruptions) {
        c->res->corruptions_fixed += old.corruptions - c->res->corruptions;
    }
    if (c->res->leaks < old.leaks) {
        c->res->leaks_fixed += old.leaks - c->res->leaks;
    }
    c->res->leaks += fresh_leaks;
    return 0;
}

static int run_once(Check *c, int fix)
{
    Qcow2State *s = c->s;
    memset(c->res, 0, sizeof(*c->res));
    int64_t flen = bfile_length(c->bs->file);
    c->n = MIN(qcow2_size_to_clusters(s, (uint64_t)MAX(flen, 0)), CHECK_MAX_CLUSTERS);
    c->ref = xzalloc(c->n * sizeof(uint32_t) + 1);
    calculate(c, fix);
    if (c->fail < 0) {
        /* qemu-img gives up the whole check ("Check failed"). */
        free(c->ref);
        c->ref = NULL;
        return c->fail;
    }
    /* A report first; the repairs then run again over the same counts. */
    BlockCheckResult pre = *c->res;
    compare(c, 0);
    int r = 0;
    if (c->rebuild && (fix & BDRV_FIX_ERRORS)) {
        r = rebuild(c, fix);
    } else if (fix && c->rebuild) {
        fprintf(stderr, "ERROR need to rebuild refcount structures\n");
        c->res->check_errors++;
        r = -EIO;
    } else if (fix && (c->res->leaks || c->res->corruptions)) {
        *c->res = pre;
        compare(c, fix);
    }
    if (r == 0) {
        if (fix) {
            qcow2_flush_metadata(c->bs); /* the pass below reads tables from the file */
        }
        copied_pass(c, fix);
        c->res->total_clusters = qcow2_size_to_clusters(s, c->bs->total_size);
        c->res->has_stats = true;
    }
    free(c->ref);
    c->ref = NULL;
    return r;
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
    r = run_once(&c, fix);
    if (r == 0 && fix && (res->leaks_fixed || res->corruptions_fixed)) {
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
    return r;
}
