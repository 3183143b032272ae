/* qcow2 persistent dirty bitmaps, per the "Bitmaps extension" of the qcow2
 * specification: a header extension names the bitmap directory; each
 * directory entry names a bitmap table whose entries point at clusters of
 * bits (bit j of byte i covers granule 8*i+j; 0: all zeros).
 *
 * As QEMU does: an image opened read-write flags its bitmaps in use on disk
 * (in place, with the autoclear bit dropped meanwhile); writes set bits in
 * the enabled ones; close writes every usable bitmap to fresh clusters, a new
 * directory and header, and frees the old ones.  A bitmap found in use at
 * open is inconsistent: kept as it is, usable only for removal.  Bits live
 * in memory only where they changed (a cluster at a time); the rest is read
 * from the image when needed. */
#include "hw/block/qcow2-bitmap.h"
#include "hw/block/bitmap.h"
#include "hw/block/block-int.h"
#include "hw/core/error.h"
#include "hw/core/util.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t dir_entry_size(uint32_t name_len, uint32_t extra)
{
    return (uint32_t)ALIGN_UP((uint64_t)BME_DIR_ENTRY + name_len + extra, 8);
}

/* ---- the header extension ---- */

/* Written over by a program that kept no bitmaps: they are stale and the
 * extension goes at the next header update (qemu-img's warning, its second
 * line without a newline). */
static void warn_stale(Qcow2State *s)
{
    warn_report("%s", s->version < 3
                ? "This qcow2 v2 image contains bitmaps, but they may have been modified "
                  "by a program without persistent bitmap support; so now they must all "
                  "be considered inconsistent"
                : "a program lacking bitmap support modified this file, so all bitmaps "
                  "are now considered inconsistent");
    fprintf(stderr, "Some clusters may be leaked, run 'qemu-img check -r' on the image "
            "file to fix.");
    s->bm.stale_ext = true;
}

int qcow2_bitmap_read_ext(BlockDriverState *bs, const uint8_t *d, uint32_t len, char **errp)
{
    Qcow2State *s = bs->opaque;
    if (len != 24) {
        blk_error(errp, "bitmaps_ext: Invalid extension length");
        return -EINVAL;
    }
    if (!(s->autoclear & QCOW2_AUTOCLEAR_BITMAPS) || s->version < 3) {
        warn_stale(s);
        return 0;
    }
    uint32_t nb = ld_be32(d);
    uint64_t dir_size = ld_be64(d + 8), dir_offset = ld_be64(d + 16);
    if (ld_be32(d + 4)) {
        blk_error(errp, "bitmaps_ext: Reserved field is not zero");
        return -EINVAL;
    }
    if (nb > BME_MAX_BITMAPS) {
        blk_error(errp, "bitmaps_ext: Image has %" PRIu32 " bitmaps, exceeding the QEMU "
                  "supported maximum of %u", nb, BME_MAX_BITMAPS);
        return -EINVAL;
    }
    if (nb == 0) {
        blk_error(errp, "found bitmaps extension with zero bitmaps");
        return -EINVAL;
    }
    if (dir_offset & ((1ULL << s->cluster_bits) - 1)) {
        blk_error(errp, "bitmaps_ext: invalid bitmap directory offset");
        return -EINVAL;
    }
    if (dir_size > BME_MAX_DIR_SIZE) {
        blk_error(errp, "bitmaps_ext: bitmap directory size (%" PRIu64 ") exceeds the maximum "
                  "supported size (%u)", dir_size, BME_MAX_DIR_SIZE);
        return -EINVAL;
    }
    s->bm.nb = nb;
    s->bm.dir_size = dir_size;
    s->bm.dir_offset = dir_offset;
    return 0;
}

uint32_t qcow2_bitmap_ext_size(const Qcow2State *s)
{
    return s->bm.nb ? 8 + 24 : 0;
}

uint32_t qcow2_bitmap_put_ext(const Qcow2State *s, uint8_t *p)
{
    if (!s->bm.nb) {
        return 0;
    }
    st_be32(p, QCOW2_EXT_BITMAPS);
    st_be32(p + 4, 24);
    st_be32(p + 8, s->bm.nb);
    st_be32(p + 12, 0);
    st_be64(p + 16, s->bm.dir_size);
    st_be64(p + 24, s->bm.dir_offset);
    return 8 + 24;
}

/* ---- the directory ---- */

void qcow2_bm_free_list(Qcow2Bitmap *list, uint32_t n)
{
    for (uint32_t i = 0; list && i < n; i++) {
        for (uint64_t k = 0; list[i].chunk && k < list[i].nchunk; k++) {
            free(list[i].chunk[k]);
        }
        free(list[i].chunk);
        free(list[i].table);
        free(list[i].name);
    }
    free(list);
}

/* The specification's constraints on one entry (QEMU's check_dir_entry). */
static bool entry_ok(const Qcow2State *s, const uint8_t *e, uint64_t disk_len)
{
    uint64_t toff = ld_be64(e);
    uint32_t tsize = ld_be32(e + 8), flags = ld_be32(e + 12);
    uint8_t type = e[16], gb = e[17];
    uint16_t name_size = ld_be16(e + 18);
    if (!tsize || !toff || (toff & (s->cluster_size - 1)) || tsize > BME_MAX_TABLE_SIZE ||
        gb > BME_MAX_GRAN_BITS || gb < BME_MIN_GRAN_BITS || (flags & BME_RESERVED_FLAGS) ||
        name_size > BDRV_BITMAP_MAX_NAME || type != BME_TYPE_DIRTY) {
        return false;
    }
    uint64_t phys = (uint64_t)tsize * s->cluster_size;
    if (phys > BME_MAX_PHYS_SIZE) {
        return false;
    }
    /* A bitmap left in use may be short (not stored after a resize). */
    return (flags & BME_FLAG_IN_USE) || disk_len <= ((phys * 8) << gb);
}

static int parse_entry(Qcow2State *s, const uint8_t *e, uint64_t disk_len, Qcow2Bitmap *b,
                       char **errp)
{
    uint16_t name_size = ld_be16(e + 18);
    if (ld_be32(e + 20)) {
        blk_error(errp, "Bitmap extra data is not supported");
        return -EINVAL;
    }
    if (!entry_ok(s, e, disk_len)) {
        blk_error(errp, "Bitmap '%.*s' doesn't satisfy the constraints", (int)name_size,
                  (const char *)e + BME_DIR_ENTRY);
        return -EINVAL;
    }
    b->table_offset = ld_be64(e);
    b->table_size = ld_be32(e + 8);
    b->flags = ld_be32(e + 12);
    b->gran_bits = e[17];
    b->name = xzalloc((size_t)name_size + 1);
    memcpy(b->name, e + BME_DIR_ENTRY, name_size);
    return 0;
}

/* The size of the entry at pos, or 0 after qemu-img's message for a
 * directory that ends inside it or holds more entries than the header says. */
static uint32_t entry_size(const Qcow2State *s, const uint8_t *dir, uint64_t size,
                           uint64_t pos, uint32_t seen, char **errp)
{
    const uint8_t *e = dir + pos;
    if (size - pos < BME_DIR_ENTRY) {
        blk_error(errp, "Broken bitmap directory");
        return 0;
    }
    if (seen == s->bm.nb) {
        blk_error(errp, "More bitmaps found than specified in header extension");
        return 0;
    }
    uint32_t esize = dir_entry_size(ld_be16(e + 18), ld_be32(e + 20));
    if (ld_be32(e + 20) > size || esize > size - pos) {
        blk_error(errp, "Broken bitmap directory");
        return 0;
    }
    return esize;
}

static int parse_dir(BlockDriverState *bs, const uint8_t *dir, uint64_t size, Qcow2Bitmap *list,
                     uint32_t *n, char **errp)
{
    Qcow2State *s = bs->opaque;
    for (uint64_t pos = 0; pos < size;) {
        uint32_t esize = entry_size(s, dir, size, pos, *n, errp);
        int r = esize ? parse_entry(s, dir + pos, bs->total_size, &list[*n], errp) : -EINVAL;
        if (r < 0) {
            return r;
        }
        ++*n;
        pos += esize;
    }
    if (*n != s->bm.nb) {
        blk_error(errp, "Less bitmaps found than specified in header extension");
        return -EINVAL;
    }
    return 0;
}

/* Read and check the directory the header names (QEMU's bitmap_list_load,
 * with its messages). */
static int load_dir(BlockDriverState *bs, Qcow2Bitmap **out, uint32_t *nout, char **errp)
{
    Qcow2State *s = bs->opaque;
    uint64_t size = s->bm.dir_size;
    if (size == 0) {
        blk_error(errp, "Requested bitmap directory size is zero");
        return -EINVAL;
    }
    if (size > BME_MAX_DIR_SIZE) {
        blk_error(errp, "Requested bitmap directory size is too big");
        return -EINVAL;
    }
    uint8_t *dir = xmalloc(size);
    Qcow2Bitmap *list = xzalloc(sizeof(*list) * s->bm.nb);
    uint32_t n = 0;
    int r = bfile_pread(bs->file, s->bm.dir_offset, dir, size);
    if (r < 0) {
        blk_error(errp, "Failed to read bitmap directory: %s", strerror(-r));
    } else {
        r = parse_dir(bs, dir, size, list, &n, errp);
    }
    free(dir);
    if (r < 0) {
        qcow2_bm_free_list(list, n);
        return r;
    }
    *out = list;
    *nout = n;
    return 0;
}

static bool table_entry_ok(const Qcow2State *s, uint64_t e)
{
    uint64_t off = e & BME_ENTRY_OFFSET;
    return !(e & BME_ENTRY_RESERVED) &&
           (!off || (!(e & BME_ENTRY_ALL_ONES) && !(off & (s->cluster_size - 1))));
}

/* Read a bitmap's table and check its entries; past the end of the
 * file it reads zeros (check counts such a table as a reference too far). */
static int read_table(BlockDriverState *bs, uint64_t off, uint32_t size, uint64_t **out)
{
    Qcow2State *s = bs->opaque;
    uint8_t *buf = xmalloc((size_t)size * 8);
    uint64_t *t = xmalloc((size_t)size * 8);
    int r = bfile_pread(bs->file, off, buf, (uint64_t)size * 8);
    for (uint32_t i = 0; r == 0 && i < size; i++) {
        t[i] = ld_be64(buf + (size_t)i * 8);
        if (!table_entry_ok(s, t[i])) {
            r = -EINVAL;
        }
    }
    free(buf);
    if (r < 0) {
        free(t);
        return r;
    }
    *out = t;
    return 0;
}

/* ---- open ---- */

/* Read the tables of the usable bitmaps, as QEMU does at every open: a bad
 * entry makes the image unopenable. */
static int load_tables(BlockDriverState *bs, char **errp)
{
    Qcow2State *s = bs->opaque;
    int64_t flen = bfile_length(bs->file);
    uint64_t sum = 0;
    for (uint32_t i = 0; i < s->bm.n; i++) {
        Qcow2Bitmap *b = &s->bm.list[i];
        for (uint32_t k = 0; k < i; k++) {
            if (!strcmp(s->bm.list[k].name, b->name)) {
                blk_error(errp, "Bitmap already exists: %s", b->name);
                return -EINVAL;
            }
        }
        b->inconsistent = (b->flags & BME_FLAG_IN_USE) != 0;
        b->enabled = (b->flags & BME_FLAG_AUTO) != 0;
        b->nchunk = qcow2_bm_chunks(s, bs->total_size, b->gran_bits);
        if (b->inconsistent) {
            continue;
        }
        /* Tables of a sane image are distinct clusters inside it: a hostile
         * one must not make us read (or hold) more than the file. */
        sum += (uint64_t)b->table_size * 8;
        if (sum > (uint64_t)MAX(flen, 0) ||
            read_table(bs, b->table_offset, b->table_size, &b->table) < 0) {
            blk_error(errp, "Could not read bitmap_table table from image for bitmap '%s': "
                      "Invalid argument", b->name);
            return -EINVAL;
        }
        if (b->table_size != b->nchunk) {
            blk_error(errp, "Could not read bitmap '%s' from image: Invalid argument", b->name);
            return -EINVAL;
        }
        b->old_valid = b->table_size;
    }
    return 0;
}

static void build_entry(const Qcow2Bitmap *b, uint8_t *e)
{
    uint32_t len = (uint32_t)strlen(b->name);
    memset(e, 0, dir_entry_size(len, 0));
    st_be64(e, b->table_offset);
    st_be32(e + 8, b->table_size);
    st_be32(e + 12, b->flags);
    e[16] = BME_TYPE_DIRTY;
    e[17] = b->gran_bits;
    st_be16(e + 18, (uint16_t)len);
    memcpy(e + BME_DIR_ENTRY, b->name, len);
}

static uint8_t *build_dir(const Qcow2State *s, uint64_t *size)
{
    uint64_t total = 0, pos = 0;
    for (uint32_t i = 0; i < s->bm.n; i++) {
        total += dir_entry_size((uint32_t)strlen(s->bm.list[i].name), 0);
    }
    uint8_t *dir = xzalloc(total ? total : 1);
    for (uint32_t i = 0; i < s->bm.n; i++) {
        build_entry(&s->bm.list[i], dir + pos);
        pos += dir_entry_size((uint32_t)strlen(s->bm.list[i].name), 0);
    }
    *size = total;
    return dir;
}

static int write_autoclear(BlockDriverState *bs)
{
    Qcow2State *s = bs->opaque;
    uint8_t b[8];
    st_be64(b, s->autoclear);
    int r = bfile_pwrite(bs->file, 88, b, 8);
    return r < 0 ? r : bfile_flush(bs->file);
}

/* Flag the usable bitmaps in use on disk: the directory is rewritten in
 * place while the autoclear bit is off, so a crash leaves them stale, never
 * half written. */
static int mark_in_use(BlockDriverState *bs)
{
    Qcow2State *s = bs->opaque;
    bool any = false;
    for (uint32_t i = 0; i < s->bm.n; i++) {
        any |= !s->bm.list[i].inconsistent;
        s->bm.list[i].flags |= BME_FLAG_IN_USE;
    }
    /* Inconsistent bitmaps alone stay as they are (added or removed ones
     * make close store the directory again). */
    s->bm.store = any;
    if (!any) {
        return 0;
    }
    uint64_t size;
    uint8_t *dir = build_dir(s, &size);
    s->autoclear &= ~QCOW2_AUTOCLEAR_BITMAPS;
    int r = write_autoclear(bs);
    if (r == 0 && size == s->bm.dir_size) {
        r = bfile_pwrite(bs->file, s->bm.dir_offset, dir, size);
    }
    if (r == 0) {
        s->autoclear |= QCOW2_AUTOCLEAR_BITMAPS;
        r = write_autoclear(bs);
    }
    free(dir);
    return r;
}

int qcow2_bitmaps_open(BlockDriverState *bs, char **errp)
{
    Qcow2State *s = bs->opaque;
    int r = 0;
    if (s->bm.stale_ext && !bs->read_only) {
        r = qcow2_write_header(bs); /* without the extension */
    }
    if (s->bm.nb) {
        r = load_dir(bs, &s->bm.list, &s->bm.n, errp);
        if (r == 0) {
            r = load_tables(bs, errp);
        }
    }
    if (r == 0 && s->bm.n && !bs->read_only && !(bs->flags & BDRV_O_CHECK)) {
        r = mark_in_use(bs);
        if (r < 0) {
            blk_error(errp, "Can't update bitmap directory: %s", strerror(-r));
        }
    }
    return r;
}

/* ---- close: store ---- */

static void drop_later(Qcow2State *s, uint64_t off, uint64_t clusters)
{
    for (uint64_t k = 0; k < clusters; k++) {
        s->bm.drop = xrealloc(s->bm.drop, sizeof(*s->bm.drop) * (s->bm.ndrop + 1));
        s->bm.drop[s->bm.ndrop++] = off + ((uint64_t)k << s->cluster_bits);
    }
}

/* The image's clusters of a bitmap are freed once the new directory is in. */
void qcow2_bm_drop(BlockDriverState *bs, Qcow2Bitmap *b)
{
    Qcow2State *s = bs->opaque;
    if (!b->table_offset) {
        return;
    }
    if (!b->table && read_table(bs, b->table_offset, b->table_size, &b->table) < 0) {
        b->table = NULL; /* a broken table: its clusters leak, as in QEMU */
    }
    for (uint32_t i = 0; b->table && i < b->table_size; i++) {
        if (b->table[i] & BME_ENTRY_OFFSET) {
            drop_later(s, b->table[i] & BME_ENTRY_OFFSET, 1);
        }
    }
    drop_later(s, b->table_offset, qcow2_size_to_clusters(s, (uint64_t)b->table_size * 8));
}

static int store_chunk(BlockDriverState *bs, Qcow2Bitmap *b, uint64_t i, uint8_t *buf,
                       uint64_t *entry)
{
    Qcow2State *s = bs->opaque;
    uint64_t per = (uint64_t)s->cluster_size * 8;
    uint64_t bits = (bs->total_size + (UINT64_C(1) << b->gran_bits) - 1) >> b->gran_bits;
    *entry = 0;
    if (!(b->chunk && b->chunk[i]) && qcow2_bm_chunk_clean(b, i)) {
        return 0;
    }
    if (b->chunk && b->chunk[i]) {
        memcpy(buf, b->chunk[i], s->cluster_size);
    } else {
        qcow2_bm_read_chunk(bs, b, i, buf);
    }
    if (i == b->nchunk - 1) {
        qcow2_bm_clear_from(buf, bits - i * per, per);
    }
    if (buffer_is_zero(buf, s->cluster_size)) {
        return 0;
    }
    int64_t off = qcow2_alloc_clusters(bs, 1);
    if (off < 0) {
        return (int)off;
    }
    *entry = (uint64_t)off;
    return bfile_pwrite(bs->file, (uint64_t)off, buf, s->cluster_size);
}

static int store_bitmap(BlockDriverState *bs, Qcow2Bitmap *b)
{
    Qcow2State *s = bs->opaque;
    uint64_t n = b->nchunk;
    uint8_t *buf = xmalloc(s->cluster_size), *tb = xzalloc(n * 8);
    int r = 0;
    for (uint64_t i = 0; r == 0 && i < n; i++) {
        uint64_t e;
        r = store_chunk(bs, b, i, buf, &e);
        st_be64(tb + i * 8, e);
    }
    int64_t toff = r < 0 ? r : qcow2_alloc_clusters(bs, qcow2_size_to_clusters(s, n * 8));
    if (toff < 0) {
        r = (int)toff;
    } else {
        r = bfile_pwrite(bs->file, (uint64_t)toff, tb, n * 8);
    }
    if (r == 0) {
        qcow2_bm_drop(bs, b);
        b->table_offset = (uint64_t)toff;
        b->table_size = (uint32_t)n;
        b->flags = b->enabled ? BME_FLAG_AUTO : 0;
    }
    free(buf);
    free(tb);
    return r;
}

static int write_dir(BlockDriverState *bs)
{
    Qcow2State *s = bs->opaque;
    uint64_t size = 0;
    int r = 0;
    if (s->bm.dir_size) {
        drop_later(s, s->bm.dir_offset, qcow2_size_to_clusters(s, s->bm.dir_size));
    }
    s->bm.nb = s->bm.n;
    s->bm.dir_offset = s->bm.dir_size = 0;
    s->autoclear &= ~QCOW2_AUTOCLEAR_BITMAPS;
    if (s->bm.n) {
        uint8_t *dir = build_dir(s, &size);
        int64_t off = qcow2_alloc_clusters(bs, qcow2_size_to_clusters(s, size));
        r = off < 0 ? (int)off : bfile_pwrite(bs->file, (uint64_t)off, dir, size);
        free(dir);
        s->bm.dir_offset = off < 0 ? 0 : (uint64_t)off;
        s->bm.dir_size = size;
        s->autoclear |= QCOW2_AUTOCLEAR_BITMAPS;
    }
    if (r == 0) {
        r = qcow2_flush_metadata(bs);
    }
    if (r == 0) {
        r = qcow2_write_header(bs);
    }
    return r < 0 ? r : bfile_flush(bs->file);
}

int qcow2_bitmaps_close(BlockDriverState *bs)
{
    Qcow2State *s = bs->opaque;
    int r = 0;
    if (s->bm.store && !bs->read_only) {
        for (uint32_t i = 0; r == 0 && i < s->bm.n; i++) {
            if (!s->bm.list[i].inconsistent) {
                r = store_bitmap(bs, &s->bm.list[i]);
            }
        }
        if (r == 0) {
            r = write_dir(bs);
        }
        for (uint32_t i = 0; r == 0 && i < s->bm.ndrop; i++) {
            qcow2_free_clusters(bs, s->bm.drop[i], s->cluster_size);
        }
        if (r < 0) {
            error_report("Failed to write bitmap(s) to '%s': %s", bs->filename, strerror(-r));
        }
    }
    qcow2_bm_free_list(s->bm.list, s->bm.n);
    free(s->bm.drop);
    memset(&s->bm, 0, sizeof(s->bm));
    return r;
}

/* ---- resize ---- */

int qcow2_bitmaps_truncate_check(BlockDriverState *bs, char **errp)
{
    Qcow2State *s = bs->opaque;
    for (uint32_t i = 0; i < s->bm.n; i++) {
        if (s->bm.list[i].inconsistent) {
            blk_error(errp, "Bitmap '%s' is inconsistent and cannot be used\n"
                      "Try block-dirty-bitmap-remove to delete this bitmap from disk",
                      s->bm.list[i].name);
            return -ENOTSUP;
        }
    }
    return 0;
}

/* The bits past the smaller of the old and new sizes go (growing reads
 * them as clean), then the chunk array follows the new size. */
static void truncate_one(BlockDriverState *bs, Qcow2Bitmap *b, uint64_t old, uint64_t size)
{
    Qcow2State *s = bs->opaque;
    uint64_t per = (uint64_t)s->cluster_size * 8, keep = MIN(old, size);
    uint64_t bits = (keep + (UINT64_C(1) << b->gran_bits) - 1) >> b->gran_bits;
    uint64_t idx = bits / per, n = qcow2_bm_chunks(s, size, b->gran_bits);
    if (bits % per && idx < b->nchunk) {
        qcow2_bm_clear_from(qcow2_bm_chunk(bs, b, idx), bits % per, per);
    }
    uint64_t whole = bits % per ? idx : bits / per; /* chunks untouched below keep */
    b->old_valid = (uint32_t)MIN(b->old_valid, whole);
    for (uint64_t i = whole + (bits % per != 0); b->chunk && i < b->nchunk; i++) {
        free(b->chunk[i]);
        b->chunk[i] = NULL;
    }
    if (b->chunk) {
        b->chunk = xrealloc(b->chunk, sizeof(*b->chunk) * (n ? n : 1));
        for (uint64_t i = b->nchunk; i < n; i++) {
            b->chunk[i] = NULL;
        }
    }
    b->nchunk = n;
}

void qcow2_bitmaps_truncate(BlockDriverState *bs, uint64_t size)
{
    Qcow2State *s = bs->opaque;
    for (uint32_t i = 0; i < s->bm.n; i++) {
        if (!s->bm.list[i].inconsistent) {
            truncate_one(bs, &s->bm.list[i], bs->total_size, size);
        }
    }
}

/* ---- check ---- */

int qcow2_bitmaps_check(BlockDriverState *bs, void (*inc)(void *c, uint64_t off, uint64_t len),
                        void *c, int *corruptions)
{
    Qcow2State *s = bs->opaque;
    Qcow2Bitmap *list;
    uint32_t n;
    int r = 0;
    if (!s->bm.nb) {
        return 0;
    }
    inc(c, s->bm.dir_offset, s->bm.dir_size);
    if (load_dir(bs, &list, &n, NULL) < 0) {
        ++*corruptions;
        return -EINVAL;
    }
    int64_t flen = bfile_length(bs->file);
    uint64_t sum = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t *t;
        inc(c, list[i].table_offset, (uint64_t)list[i].table_size * 8);
        /* (Tables larger than the file together cannot all be real.) */
        sum += (uint64_t)list[i].table_size * 8;
        if (sum > (uint64_t)MAX(flen, 0) ||
            read_table(bs, list[i].table_offset, list[i].table_size, &t) < 0) {
            ++*corruptions;
            r = -EINVAL;
            break;
        }
        for (uint32_t k = 0; k < list[i].table_size; k++) {
            if (t[k] & BME_ENTRY_OFFSET) {
                inc(c, t[k] & BME_ENTRY_OFFSET, s->cluster_size);
            }
        }
        free(t);
    }
    qcow2_bm_free_list(list, n);
    return r;
}

bool qcow2_bitmaps_supported(BlockDriverState *bs)
{
    return ((Qcow2State *)bs->opaque)->version >= 3;
}
