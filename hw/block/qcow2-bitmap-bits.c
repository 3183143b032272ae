/* qcow2 persistent bitmaps in memory: a cluster of bits is read from the
 * image when first changed and kept until close stores it (qcow2-bitmap.c);
 * writes set bits in the enabled bitmaps; the operations kemu-img's bitmap
 * command and convert --bitmaps use, with qemu-img's checks. */
#include "hw/block/qcow2-bitmap.h"
#include "hw/block/bitmap.h"
#include "hw/block/block-int.h"
#include "hw/core/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Chunk i as the image holds it (zeros past the table). */
void qcow2_bm_read_chunk(BlockDriverState *bs, const Qcow2Bitmap *b, uint64_t i, uint8_t *buf)
{
    Qcow2State *s = bs->opaque;
    uint64_t e = i < b->old_valid && b->table ? b->table[i] : 0;
    uint64_t off = e & BME_ENTRY_OFFSET;
    memset(buf, off || !(e & BME_ENTRY_ALL_ONES) ? 0 : 0xff, s->cluster_size);
    if (off && bfile_pread(bs->file, off, buf, s->cluster_size) < 0) {
        memset(buf, 0xff, s->cluster_size); /* unreadable: everything may be dirty */
    }
}

uint8_t *qcow2_bm_chunk(BlockDriverState *bs, Qcow2Bitmap *b, uint64_t i)
{
    Qcow2State *s = bs->opaque;
    if (!b->chunk) {
        b->chunk = xzalloc(sizeof(*b->chunk) * (b->nchunk ? b->nchunk : 1));
    }
    if (!b->chunk[i]) {
        b->chunk[i] = xmalloc(s->cluster_size);
        qcow2_bm_read_chunk(bs, b, i, b->chunk[i]);
    }
    return b->chunk[i];
}

static void set_bits(uint8_t *p, uint64_t from, uint64_t to)
{
    for (; from < to && (from & 7); from++) {
        p[from >> 3] |= (uint8_t)(1u << (from & 7));
    }
    if (to - from >= 8) {
        memset(p + (from >> 3), 0xff, (to - from) >> 3);
        from += (to - from) & ~UINT64_C(7);
    }
    for (; from < to; from++) {
        p[from >> 3] |= (uint8_t)(1u << (from & 7));
    }
}

void qcow2_bm_clear_from(uint8_t *p, uint64_t from, uint64_t total)
{
    for (; from < total && (from & 7); from++) {
        p[from >> 3] &= (uint8_t)~(1u << (from & 7));
    }
    if (from < total) {
        memset(p + (from >> 3), 0, (total - from) >> 3);
    }
}

static void mark(BlockDriverState *bs, Qcow2Bitmap *b, uint64_t off, uint64_t len)
{
    Qcow2State *s = bs->opaque;
    uint64_t per = (uint64_t)s->cluster_size * 8;
    if (!len || off >= bs->total_size) {
        return;
    }
    len = MIN(len, bs->total_size - off);
    uint64_t first = off >> b->gran_bits, end = ((off + len - 1) >> b->gran_bits) + 1;
    while (first < end) {
        uint64_t i = first / per, stop = MIN(end, (i + 1) * per);
        if (i >= b->nchunk) {
            return;
        }
        set_bits(qcow2_bm_chunk(bs, b, i), first - i * per, stop - i * per);
        first = stop;
    }
}

void qcow2_bitmaps_dirty(BlockDriverState *bs, uint64_t off, uint64_t len)
{
    Qcow2State *s = bs->opaque;
    for (uint32_t i = 0; i < s->bm.n; i++) {
        Qcow2Bitmap *b = &s->bm.list[i];
        if (b->enabled && !b->inconsistent) {
            mark(bs, b, off, len);
        }
    }
}

static Qcow2Bitmap *find(Qcow2State *s, const char *name)
{
    for (uint32_t i = 0; i < s->bm.n; i++) {
        if (!strcmp(s->bm.list[i].name, name)) {
            return &s->bm.list[i];
        }
    }
    return NULL;
}

static int op_list(BlockDriverState *bs, BlockBitmapInfo **out)
{
    Qcow2State *s = bs->opaque;
    BlockBitmapInfo *l = xzalloc(sizeof(*l) * (s->bm.n ? s->bm.n : 1));
    for (uint32_t i = 0; i < s->bm.n; i++) {
        const Qcow2Bitmap *b = &s->bm.list[i];
        snprintf(l[i].name, sizeof(l[i].name), "%s", b->name);
        l[i].granularity = 1u << b->gran_bits;
        l[i].in_use = (b->flags & BME_FLAG_IN_USE) != 0;
        l[i].auto_flag = (b->flags & BME_FLAG_AUTO) != 0;
        l[i].inconsistent = b->inconsistent;
        l[i].enabled = b->enabled;
        l[i].readonly = bs->read_only;
    }
    *out = l;
    return (int)s->bm.n;
}

static bool op_supported(BlockDriverState *bs)
{
    return qcow2_bitmaps_supported(bs);
}

static uint32_t op_default_granularity(BlockDriverState *bs)
{
    Qcow2State *s = bs->opaque;
    return MAX(4096u, s->cluster_size);
}

/* QEMU's check_constraints_on_bitmap and can_store_new_dirty_bitmap. */
static int can_store(BlockDriverState *bs, const char *name, uint32_t gran, char **why)
{
    Qcow2State *s = bs->opaque;
    int gb = __builtin_ctz(gran);
    uint64_t bytes = qcow2_bm_bytes(bs->total_size, (unsigned)gb);
    if (s->version < 3) {
        *why = xstrdup("Cannot store dirty bitmaps in qcow2 v2 files");
    } else if (gb > BME_MAX_GRAN_BITS) {
        *why = xasprintf("Granularity exceeds maximum (%llu bytes)", 1ULL << BME_MAX_GRAN_BITS);
    } else if (gb < BME_MIN_GRAN_BITS) {
        *why = xasprintf("Granularity is under minimum (%llu bytes)", 1ULL << BME_MIN_GRAN_BITS);
    } else if (bytes > BME_MAX_PHYS_SIZE || bytes > (uint64_t)BME_MAX_TABLE_SIZE * s->cluster_size) {
        *why = xstrdup("Too much space will be occupied by the bitmap. Use larger granularity");
    } else if (strlen(name) > BDRV_BITMAP_MAX_NAME) {
        *why = xasprintf("Name length exceeds maximum (%u characters)", BDRV_BITMAP_MAX_NAME);
    } else if (s->bm.n >= BME_MAX_BITMAPS) {
        *why = xstrdup("Maximum number of persistent bitmaps is already reached");
    }
    return *why ? -EINVAL : 0;
}

static int op_add(BlockDriverState *bs, const char *name, uint32_t gran, char **errp)
{
    Qcow2State *s = bs->opaque;
    char *why = NULL;
    if (!gran) {
        gran = op_default_granularity(bs);
    }
    if (can_store(bs, name, gran, &why) < 0) {
        /* QEMU names its node here; kemu's nodes have no names. */
        blk_error(errp, "Can't make bitmap '%s' persistent in '#block1': %s", name, why);
        free(why);
        return -EINVAL;
    }
    if (find(s, name)) {
        blk_error(errp, "Bitmap already exists: %s", name);
        return -EEXIST;
    }
    /* QEMU stores new bitmaps after the image's own, newest first. */
    uint32_t at = 0;
    while (at < s->bm.n && s->bm.list[at].table_offset) {
        at++;
    }
    s->bm.list = xrealloc(s->bm.list, sizeof(*s->bm.list) * (s->bm.n + 1));
    memmove(&s->bm.list[at + 1], &s->bm.list[at], sizeof(*s->bm.list) * (s->bm.n - at));
    s->bm.n++;
    Qcow2Bitmap *b = &s->bm.list[at];
    memset(b, 0, sizeof(*b));
    b->name = xstrdup(name);
    b->gran_bits = (uint8_t)__builtin_ctz(gran);
    b->enabled = true;
    b->nchunk = qcow2_bm_chunks(s, bs->total_size, b->gran_bits);
    s->bm.store = true;
    return 0;
}

static int op_remove(BlockDriverState *bs, const char *name, char **errp)
{
    Qcow2State *s = bs->opaque;
    Qcow2Bitmap *b = find(s, name);
    if (!b) {
        blk_error(errp, "Dirty bitmap '%s' not found", name);
        return -ENOENT;
    }
    qcow2_bm_drop(bs, b);
    uint32_t i = (uint32_t)(b - s->bm.list);
    Qcow2Bitmap *gone = xmalloc(sizeof(*gone));
    *gone = *b;
    memmove(b, b + 1, sizeof(*b) * (s->bm.n - i - 1));
    s->bm.n--;
    qcow2_bm_free_list(gone, 1);
    s->bm.store = true;
    return 0;
}

static int op_clear(BlockDriverState *bs, const char *name)
{
    Qcow2Bitmap *b = find(bs->opaque, name);
    if (!b) {
        return -ENOENT;
    }
    for (uint64_t i = 0; b->chunk && i < b->nchunk; i++) {
        free(b->chunk[i]);
        b->chunk[i] = NULL;
    }
    b->old_valid = 0;
    return 0;
}

static int op_set_enabled(BlockDriverState *bs, const char *name, bool on)
{
    Qcow2Bitmap *b = find(bs->opaque, name);
    if (!b) {
        return -ENOENT;
    }
    b->enabled = on;
    return 0;
}

static int op_set_dirty(BlockDriverState *bs, const char *name, uint64_t off, uint64_t len)
{
    Qcow2Bitmap *b = find(bs->opaque, name);
    if (!b) {
        return -ENOENT;
    }
    mark(bs, b, off, len);
    return 0;
}

typedef struct Run {
    int (*fn)(void *opaque, uint64_t off, uint64_t len);
    void *opaque;
    uint64_t start, end;    /* pending run of bits, end exclusive (start == end: none) */
    uint64_t disk, gran_bits;
} Run;

static int run_flush(Run *run)
{
    if (run->start == run->end) {
        return 0;
    }
    uint64_t off = run->start << run->gran_bits;
    uint64_t end = MIN(run->end << run->gran_bits, run->disk);
    run->start = run->end;
    return off < end ? run->fn(run->opaque, off, end - off) : 0;
}

static int run_bit(Run *run, uint64_t bit)
{
    if (bit == run->end && run->start != run->end) {
        run->end++;
        return 0;
    }
    int r = run_flush(run);
    run->start = bit;
    run->end = bit + 1;
    return r;
}

static int op_for_each_dirty(BlockDriverState *bs, const char *name,
                             int (*fn)(void *opaque, uint64_t off, uint64_t len), void *opaque)
{
    Qcow2State *s = bs->opaque;
    Qcow2Bitmap *b = find(s, name);
    if (!b) {
        return -ENOENT;
    }
    uint64_t per = (uint64_t)s->cluster_size * 8;
    uint8_t *buf = xmalloc(s->cluster_size);
    Run run = { fn, opaque, 0, 0, bs->total_size, b->gran_bits };
    int r = 0;
    for (uint64_t i = 0; r == 0 && i < b->nchunk; i++) {
        const uint8_t *p = b->chunk && b->chunk[i] ? b->chunk[i] : buf;
        if (p == buf) {
            if (qcow2_bm_chunk_clean(b, i)) {
                continue;
            }
            qcow2_bm_read_chunk(bs, b, i, buf);
        }
        for (uint64_t k = 0; r == 0 && k < s->cluster_size; k++) {
            for (int j = 0; p[k] && r == 0 && j < 8; j++) {
                if (p[k] >> j & 1) {
                    r = run_bit(&run, i * per + k * 8 + (uint64_t)j);
                }
            }
        }
    }
    if (r == 0) {
        r = run_flush(&run);
    }
    free(buf);
    return r;
}

const BlockBitmapOps qcow2_bitmap_ops = {
    .list = op_list,
    .add = op_add,
    .remove = op_remove,
    .clear = op_clear,
    .set_enabled = op_set_enabled,
    .set_dirty = op_set_dirty,
    .for_each_dirty = op_for_each_dirty,
    .default_granularity = op_default_granularity,
    .supported = op_supported,
};

int bdrv_bitmap_find(BlockDriverState *bs, const char *name, BlockBitmapInfo *info)
{
    const BlockBitmapOps *ops = bdrv_bitmap_ops(bs);
    BlockBitmapInfo *l = NULL;
    int n = ops ? ops->list(bs, &l) : 0, r = -ENOENT;
    for (int i = 0; i < n; i++) {
        if (!strcmp(l[i].name, name)) {
            *info = l[i];
            r = 0;
            break;
        }
    }
    free(l);
    return r;
}
