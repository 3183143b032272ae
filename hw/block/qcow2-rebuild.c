/* Rebuilding the refcount structures of a qcow2 image from the references
 * `check` counted, when they are broken beyond patching (no refcount table,
 * refcount blocks outside the image, used clusters with refcount 0).
 *
 * New refcount blocks and the new table go into clusters nothing uses, the
 * first such clusters from the start of the file (the table at its end if
 * there is no room), as qemu-img places them, so both tools leave the same
 * layout.  Nothing of the old structures is freed here: the leak pass of the
 * check that follows reclaims it. */
#include "hw/block/qcow2.h"
#include "hw/block/block-int.h"
#include "hw/core/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void qcow2_ref_array_grow(uint32_t **ref, uint64_t *n, uint64_t want)
{
    if (want <= *n) {
        return;
    }
    *ref = xrealloc(*ref, want * sizeof(uint32_t));
    memset(*ref + *n, 0, (want - *n) * sizeof(uint32_t));
    *n = want;
}

typedef struct Rebuild {
    BlockDriverState *bs;
    Qcow2State *s;
    uint32_t **ref;
    uint64_t *n;
    uint64_t *rt;       /* the new table being built (host byte order) */
    uint64_t rt_entries;
} Rebuild;

/* Take count free clusters, the first run of them at or after *first_free
 * (which moves to the first free cluster seen), appending past the end
 * when there is no such run; returns the first cluster's index. */
static uint64_t take_clusters(Rebuild *rb, uint64_t count, uint64_t *first_free)
{
    uint64_t c = *first_free, run = 0;
    bool seen = false;
    for (; c < *rb->n && run < count; c++) {
        if ((*rb->ref)[c]) {
            run = 0;
            continue;
        }
        if (!seen) {
            *first_free = c;
            seen = true;
        }
        run++;
    }
    if (run < count) {
        qcow2_ref_array_grow(rb->ref, rb->n, c + count - run);
        c += count - run;
    }
    c -= count;
    for (uint64_t i = 0; i < count; i++) {
        (*rb->ref)[c + i] = 1;
    }
    return c;
}

/* Write refcount block rti from the counted references. */
static int write_block(Rebuild *rb, uint64_t rti)
{
    Qcow2State *s = rb->s;
    uint64_t per = 1ULL << s->rb_bits, first = rti << s->rb_bits;
    uint64_t cap = MIN(s->refcount_max, UINT32_MAX);
    uint8_t *buf = xzalloc(s->cluster_size);
    for (uint64_t i = 0; i < per && first + i < *rb->n; i++) {
        qcow2_rb_set(buf, s->refcount_order, i, MIN((*rb->ref)[first + i], cap));
    }
    int r = bfile_pwrite(rb->bs->file, rb->rt[rti], buf, s->cluster_size);
    free(buf);
    return r;
}

/* Give every block range in use among clusters [from, to) a refcount block
 * and write it.  A block placed past `to` extends the range (its own
 * refcount must reach the disk).  Returns 1 when the table had to grow,
 * 0 when not, or -errno. */
static int write_blocks(Rebuild *rb, uint64_t from, uint64_t to)
{
    Qcow2State *s = rb->s;
    uint64_t first_free = 0, per_table_cluster = s->cluster_size / 8;
    int grown = 0;
    for (uint64_t c = from; c < to; c++) {
        if (c >= *rb->n || !(*rb->ref)[c]) {
            continue;
        }
        uint64_t rti = c >> s->rb_bits, start = rti << s->rb_bits;
        if (rti >= rb->rt_entries || !rb->rt[rti]) {
            /* Never inside a block already written. */
            first_free = MAX(first_free, start);
            uint64_t at = take_clusters(rb, 1, &first_free);
            to = MAX(to, at + 1);
            if (rti >= rb->rt_entries) {
                uint64_t entries = ALIGN_UP(rti + 1, per_table_cluster);
                rb->rt = xrealloc(rb->rt, entries * 8);
                memset(rb->rt + rb->rt_entries, 0, (entries - rb->rt_entries) * 8);
                rb->rt_entries = entries;
                grown = 1;
            }
            rb->rt[rti] = at << s->cluster_bits;
        }
        int r = write_block(rb, rti);
        if (r < 0) {
            return r;
        }
        c = start + (1ULL << s->rb_bits) - 1; /* this block is done */
    }
    return grown;
}

/* Write the table and switch the header and the open image to it. */
static int install_table(Rebuild *rb, uint64_t off, uint64_t clusters)
{
    Qcow2State *s = rb->s;
    uint64_t bytes = clusters << s->cluster_bits;
    uint8_t *buf = xzalloc(bytes), h[12];
    for (uint64_t i = 0; i < rb->rt_entries; i++) {
        st_be64(buf + i * 8, rb->rt[i]);
    }
    int r = bfile_pwrite(rb->bs->file, off, buf, bytes);
    free(buf);
    st_be64(h, off);
    st_be32(h + 8, (uint32_t)clusters);
    if (r == 0 && (r = bfile_flush(rb->bs->file)) == 0) {
        r = bfile_pwrite(rb->bs->file, 48, h, sizeof(h));
    }
    if (r == 0) {
        r = bfile_flush(rb->bs->file);
    }
    if (r < 0) {
        return r;
    }
    free(s->rt);
    s->rt = rb->rt;
    s->rt_size = rb->rt_entries;
    s->rt_offset = off;
    s->rt_clusters = (uint32_t)clusters;
    s->free_hint = 0;
    rb->rt = NULL;
    return 0;
}

int qcow2_rebuild_refcounts(BlockDriverState *bs, uint32_t **ref, uint64_t *n)
{
    Qcow2State *s = bs->opaque;
    Rebuild rb = { .bs = bs, .s = s, .ref = ref, .n = n };
    for (int k = 0; k < s->rbc.n; k++) { /* the old blocks are gone */
        s->rbc.offset[k] = 0;
        s->rbc.dirty[k] = false;
    }
    int r = write_blocks(&rb, 0, *n);
    uint64_t off = 0, clusters = 0;
    if (r == 0) {
        r = -EIO; /* cannot be: the header is in use, so a table is needed */
    }
    /* The table takes clusters that need counting too, which may need
     * another block, which may need a larger table: until it settles. */
    while (r > 0) {
        uint64_t first_free = 0;
        clusters = ALIGN_UP(rb.rt_entries * 8, s->cluster_size) >> s->cluster_bits;
        if ((clusters << s->cluster_bits) > QCOW2_MAX_RT_BYTES) {
            r = -EFBIG;
            break;
        }
        uint64_t at = take_clusters(&rb, clusters, &first_free);
        off = at << s->cluster_bits;
        r = write_blocks(&rb, at, at + clusters);
    }
    if (r == 0) {
        r = install_table(&rb, off, clusters);
    }
    free(rb.rt);
    return r;
}
