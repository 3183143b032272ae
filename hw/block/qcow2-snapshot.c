/* qcow2 internal snapshots: the snapshot table, and create/apply/delete,
 * which copy L1 tables and move the refcounts of everything they reach. */
#include "hw/block/qcow2.h"
#include "hw/block/block-int.h"
#include "hw/core/util.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SNAP_HEADER_LEN 40
#define SNAP_MAX_EXTRA 1024
#define SNAP_TABLE_MAX (64u << 20)

void qcow2_free_snapshots(Qcow2State *s)
{
    for (uint32_t i = 0; s->snaps && i < s->nb_snapshots; i++) {
        free(s->snaps[i].id);
        free(s->snaps[i].name);
    }
    free(s->snaps);
    s->snaps = NULL;
}

static char *read_string(BlockDriverState *bs, uint64_t off, uint16_t len, int *r)
{
    char *p = xmalloc((size_t)len + 1);
    *r = bfile_pread(bs->file, off, p, len);
    p[len] = 0;
    return p;
}

static int read_one(BlockDriverState *bs, Qcow2Snapshot *sn, uint64_t *pos, char **errp)
{
    Qcow2State *s = bs->opaque;
    uint8_t h[SNAP_HEADER_LEN], extra[SNAP_MAX_EXTRA];
    int r = bfile_pread(bs->file, *pos, h, sizeof(h));
    if (r < 0) {
        return r;
    }
    sn->l1_offset = ld_be64(h);
    sn->l1_size = ld_be32(h + 8);
    uint16_t id_len = ld_be16(h + 12), name_len = ld_be16(h + 14);
    sn->date_sec = ld_be32(h + 16);
    sn->date_nsec = ld_be32(h + 20);
    sn->vm_clock_nsec = ld_be64(h + 24);
    sn->vm_state_size = ld_be32(h + 32);
    sn->extra_size = ld_be32(h + 36);
    sn->icount = UINT64_MAX;
    sn->disk_size = bs->total_size;
    if (sn->extra_size > SNAP_MAX_EXTRA) {
        blk_error(errp, "Too much extra metadata in snapshot table entry");
        return -EFBIG;
    }
    *pos += sizeof(h);
    if ((r = bfile_pread(bs->file, *pos, extra, sn->extra_size)) < 0) {
        return r;
    }
    if (sn->extra_size >= 8) {
        sn->vm_state_size = ld_be64(extra);
    }
    if (sn->extra_size >= 16) {
        sn->disk_size = ld_be64(extra + 8);
    }
    if (sn->extra_size >= 24) {
        sn->icount = ld_be64(extra + 16);
    }
    *pos += sn->extra_size;
    sn->id = read_string(bs, *pos, id_len, &r);
    *pos += id_len;
    if (r == 0) {
        sn->name = read_string(bs, *pos, name_len, &r);
        *pos += name_len;
    }
    *pos = ALIGN_UP(*pos, 8);
    int64_t flen = bfile_length(bs->file);
    if (r == 0 && ((sn->l1_offset & (s->cluster_size - 1)) ||
                   (uint64_t)sn->l1_size * 8 > QCOW2_MAX_L1_BYTES ||
                   (flen >= 0 && sn->l1_offset + (uint64_t)sn->l1_size * 8 > (uint64_t)flen))) {
        blk_error(errp, "Snapshot L1 table has an invalid offset or size");
        return -EINVAL;
    }
    return r;
}

int qcow2_read_snapshots(BlockDriverState *bs, char **errp)
{
    Qcow2State *s = bs->opaque;
    uint64_t pos = s->snapshots_offset;
    s->snaps = xzalloc(sizeof(Qcow2Snapshot) * (s->nb_snapshots + 1));
    for (uint32_t i = 0; i < s->nb_snapshots; i++) {
        int r = read_one(bs, &s->snaps[i], &pos, errp);
        if (r == 0 && pos - s->snapshots_offset > SNAP_TABLE_MAX) {
            blk_error(errp, "Snapshot table too large");
            r = -EFBIG;
        }
        if (r < 0) {
            s->nb_snapshots = i + 1; /* free what was read */
            qcow2_free_snapshots(s);
            s->nb_snapshots = 0;
            if (errp && !*errp) {
                blk_error(errp, "Failed to read the snapshot table: %s", strerror(-r));
            }
            return r;
        }
    }
    s->old_table_len = pos - s->snapshots_offset;
    return 0;
}

static size_t entry_size(const Qcow2Snapshot *sn)
{
    return ALIGN_UP(SNAP_HEADER_LEN + 24 + strlen(sn->id) + strlen(sn->name), 8);
}

static size_t put_entry(uint8_t *p, const Qcow2Snapshot *sn)
{
    size_t id_len = strlen(sn->id), name_len = strlen(sn->name);
    memset(p, 0, entry_size(sn));
    st_be64(p, sn->l1_offset);
    st_be32(p + 8, sn->l1_size);
    st_be16(p + 12, (uint16_t)id_len);
    st_be16(p + 14, (uint16_t)name_len);
    st_be32(p + 16, sn->date_sec);
    st_be32(p + 20, sn->date_nsec);
    st_be64(p + 24, sn->vm_clock_nsec);
    st_be32(p + 32, (uint32_t)MIN(sn->vm_state_size, UINT32_MAX));
    st_be32(p + 36, 24);
    st_be64(p + 40, sn->vm_state_size);
    st_be64(p + 48, sn->disk_size);
    st_be64(p + 56, sn->icount == UINT64_MAX ? 0 : sn->icount);
    memcpy(p + 64, sn->id, id_len);
    memcpy(p + 64 + id_len, sn->name, name_len);
    return entry_size(sn);
}

/* Write the table to new clusters, switch the header, free the old ones. */
static int write_table(BlockDriverState *bs)
{
    Qcow2State *s = bs->opaque;
    size_t total = 0;
    for (uint32_t i = 0; i < s->nb_snapshots; i++) {
        total += entry_size(&s->snaps[i]);
    }
    int64_t off = 0;
    int r = 0;
    if (total) {
        uint8_t *buf = xzalloc(total);
        size_t pos = 0;
        for (uint32_t i = 0; i < s->nb_snapshots; i++) {
            pos += put_entry(buf + pos, &s->snaps[i]);
        }
        off = qcow2_alloc_clusters(bs, qcow2_size_to_clusters(s, total));
        r = off < 0 ? (int)off : qcow2_flush_metadata(bs);
        if (r == 0) {
            r = bfile_pwrite(bs->file, (uint64_t)off, buf, total);
        }
        free(buf);
    }
    if (r == 0) {
        uint8_t h[12];
        st_be32(h, s->nb_snapshots);
        st_be64(h + 4, (uint64_t)off);
        r = bfile_pwrite(bs->file, 60, h, 12);
    }
    if (r < 0) {
        return r;
    }
    uint64_t old = s->snapshots_offset, old_len = s->old_table_len;
    s->snapshots_offset = (uint64_t)off;
    s->old_table_len = total;
    return old && old_len ? qcow2_free_clusters(bs, old, old_len) : 0;
}

static int read_l1(BlockDriverState *bs, uint64_t off, uint32_t n, uint64_t **out)
{
    uint8_t *buf = xmalloc((size_t)n * 8 + 8);
    uint64_t *l1 = xzalloc((size_t)n * 8 + 8);
    int r = bfile_pread(bs->file, off, buf, (size_t)n * 8);
    for (uint32_t i = 0; r == 0 && i < n; i++) {
        l1[i] = ld_be64(buf + (size_t)i * 8);
    }
    free(buf);
    *out = l1;
    return r;
}

int qcow2_update_tree_refcounts(BlockDriverState *bs, const uint64_t *l1, uint32_t l1_size,
                                int delta)
{
    Qcow2State *s = bs->opaque;
    uint8_t *t = xmalloc(s->cluster_size);
    int r = qcow2_flush_metadata(bs); /* direct reads below must see the latest tables */
    for (uint32_t i = 0; r == 0 && i < l1_size; i++) {
        uint64_t l2 = l1[i] & QCOW2_OFFSET_MASK;
        if (!l2) {
            continue;
        }
        if ((r = bfile_pread(bs->file, l2, t, s->cluster_size)) < 0) {
            break;
        }
        for (uint32_t j = 0; r == 0 && j < (1u << s->l2_bits); j++) {
            uint64_t e = ld_be64(t + j * 8);
            if (e & QCOW2_OFLAG_COMPRESSED) {
                uint64_t off, len;
                qcow2_compressed_range(s, e, &off, &len);
                uint64_t first = off & ~(uint64_t)(s->cluster_size - 1);
                r = qcow2_update_refcount(bs, first, off + len - first, delta);
            } else if (e & QCOW2_OFFSET_MASK) {
                r = qcow2_update_refcount(bs, e & QCOW2_OFFSET_MASK, 1, delta);
            }
        }
        if (r == 0) {
            r = qcow2_update_refcount(bs, l2, 1, delta);
        }
    }
    free(t);
    return r;
}

static int find(const Qcow2State *s, const char *name)
{
    for (uint32_t i = 0; i < s->nb_snapshots; i++) {
        if (!strcmp(s->snaps[i].id, name)) {
            return (int)i;
        }
    }
    for (uint32_t i = 0; i < s->nb_snapshots; i++) {
        if (!strcmp(s->snaps[i].name, name)) {
            return (int)i;
        }
    }
    return -1;
}

int qcow2_snapshot_list(BlockDriverState *bs, BlockSnapshotInfo **list)
{
    Qcow2State *s = bs->opaque;
    BlockSnapshotInfo *l = xzalloc(sizeof(*l) * (s->nb_snapshots + 1));
    for (uint32_t i = 0; i < s->nb_snapshots; i++) {
        const Qcow2Snapshot *sn = &s->snaps[i];
        snprintf(l[i].id, sizeof(l[i].id), "%s", sn->id);
        snprintf(l[i].name, sizeof(l[i].name), "%s", sn->name);
        l[i].vm_state_size = sn->vm_state_size;
        l[i].disk_size = sn->disk_size;
        l[i].date_sec = sn->date_sec;
        l[i].date_nsec = sn->date_nsec;
        l[i].vm_clock_nsec = sn->vm_clock_nsec;
        l[i].icount = sn->icount;
        l[i].has_icount = sn->icount != UINT64_MAX;
    }
    *list = l;
    return (int)s->nb_snapshots;
}

static char *next_id(const Qcow2State *s)
{
    unsigned long max = 0;
    for (uint32_t i = 0; i < s->nb_snapshots; i++) {
        unsigned long v = strtoul(s->snaps[i].id, NULL, 10);
        max = MAX(max, v);
    }
    return xasprintf("%lu", max + 1);
}

int qcow2_snapshot_create(BlockDriverState *bs, const char *name, char **errp)
{
    Qcow2State *s = bs->opaque;
    if (qcow2_has_data_file(s)) {
        /* The data file holds one state of the disk only. */
        blk_error(errp, "Could not create snapshot '%s': -95 (Operation not supported)", name);
        return -ENOTSUP;
    }
    if (strlen(name) > 65535 || find(s, name) >= 0) {
        blk_error(errp, "Could not create snapshot '%s': %s", name,
                  strlen(name) > 65535 ? "name too long" : "a snapshot with that name exists");
        return -EEXIST;
    }
    uint64_t bytes = ALIGN_UP((uint64_t)s->l1_size * 8, s->cluster_size);
    int64_t l1off = bytes ? qcow2_alloc_clusters(bs, bytes >> s->cluster_bits) : 0;
    int r = l1off < 0 ? (int)l1off : qcow2_update_tree_refcounts(bs, s->l1, s->l1_size, 1);
    if (r == 0 && bytes) {
        uint8_t *buf = xzalloc(bytes);
        for (uint32_t i = 0; i < s->l1_size; i++) {
            st_be64(buf + (uint64_t)i * 8, s->l1[i]);
        }
        r = qcow2_flush_metadata(bs);
        if (r == 0) {
            r = bfile_pwrite(bs->file, (uint64_t)l1off, buf, bytes);
        }
        free(buf);
    }
    if (r < 0) {
        blk_error(errp, "Could not create snapshot '%s': %s", name,
                  r == -ERANGE ? "a cluster would have more references than the refcount "
                                 "width allows" : strerror(-r));
        return r;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    s->snaps = xrealloc(s->snaps, sizeof(Qcow2Snapshot) * (s->nb_snapshots + 2));
    Qcow2Snapshot *sn = &s->snaps[s->nb_snapshots];
    memset(sn, 0, sizeof(*sn));
    sn->id = next_id(s);
    sn->name = xstrdup(name);
    sn->l1_offset = (uint64_t)l1off;
    sn->l1_size = s->l1_size;
    sn->date_sec = (uint32_t)ts.tv_sec;
    sn->date_nsec = (uint32_t)ts.tv_nsec;
    sn->disk_size = bs->total_size;
    sn->icount = 0;
    s->nb_snapshots++;
    r = write_table(bs);
    if (r == 0) {
        r = qcow2_fix_copied(bs);
    }
    if (r == 0) {
        r = qcow2_flush_metadata(bs);
    }
    if (r < 0) {
        blk_error(errp, "Could not create snapshot '%s': %s", name, strerror(-r));
    }
    return r;
}

int qcow2_snapshot_apply(BlockDriverState *bs, const char *name, char **errp)
{
    Qcow2State *s = bs->opaque;
    if (s->bm.n) {
        /* Going back would leave the bitmaps describing another disk. */
        blk_error(errp, "Could not apply snapshot '%s': Device has active dirty bitmaps", name);
        return -EBUSY;
    }
    int i = find(s, name);
    if (i < 0) {
        blk_error(errp, "Could not apply snapshot '%s': snapshot not found", name);
        return -ENOENT;
    }
    Qcow2Snapshot *sn = &s->snaps[i];
    uint64_t *l1;
    int r = read_l1(bs, sn->l1_offset, sn->l1_size, &l1);
    if (r == 0 && sn->l1_size > s->l1_size) {
        r = qcow2_grow_l1(bs, sn->l1_size);
    }
    if (r == 0) {
        r = qcow2_update_tree_refcounts(bs, l1, sn->l1_size, 1);
    }
    uint64_t *old = NULL;
    uint32_t old_n = s->l1_size;
    if (r == 0) {
        old = xmalloc((size_t)old_n * 8 + 8);
        memcpy(old, s->l1, (size_t)old_n * 8);
        r = qcow2_flush_metadata(bs);
        for (uint32_t k = 0; r == 0 && k < s->l1_size; k++) {
            s->l1[k] = k < sn->l1_size ? l1[k] : 0;
            r = qcow2_write_l1_entry(bs, k);
        }
    }
    if (r == 0 && sn->disk_size != bs->total_size) {
        uint8_t b[8];
        st_be64(b, sn->disk_size);
        r = bfile_pwrite(bs->file, 24, b, 8);
        bs->total_size = sn->disk_size;
    }
    if (r == 0) {
        r = qcow2_update_tree_refcounts(bs, old, old_n, -1);
    }
    if (r == 0) {
        r = qcow2_fix_copied(bs);
    }
    if (r == 0) {
        r = qcow2_flush_metadata(bs);
    }
    s->cbuf_entry = 0;
    free(old);
    free(l1);
    if (r < 0) {
        blk_error(errp, "Could not apply snapshot '%s': %s", name, strerror(-r));
    }
    return r;
}

int qcow2_snapshot_delete(BlockDriverState *bs, const char *name, char **errp)
{
    Qcow2State *s = bs->opaque;
    int i = find(s, name);
    if (i < 0) {
        blk_error(errp, "Could not delete snapshot '%s': snapshot not found", name);
        return -ENOENT;
    }
    Qcow2Snapshot sn = s->snaps[i];
    memmove(&s->snaps[i], &s->snaps[i + 1], sizeof(sn) * (s->nb_snapshots - (uint32_t)i - 1));
    s->nb_snapshots--;
    uint64_t *l1;
    int r = write_table(bs);
    if (r == 0) {
        r = read_l1(bs, sn.l1_offset, sn.l1_size, &l1);
        if (r == 0) {
            r = qcow2_update_tree_refcounts(bs, l1, sn.l1_size, -1);
        }
        free(l1);
    }
    if (r == 0 && sn.l1_size) {
        r = qcow2_free_clusters(bs, sn.l1_offset, (uint64_t)sn.l1_size * 8);
    }
    if (r == 0) {
        r = qcow2_fix_copied(bs);
    }
    if (r == 0) {
        r = qcow2_flush_metadata(bs);
    }
    free(sn.id);
    free(sn.name);
    if (r < 0) {
        blk_error(errp, "Could not delete snapshot '%s': %s", name, strerror(-r));
    }
    return r;
}
