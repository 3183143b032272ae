/* Creating qcow2 images and measuring their metadata (resizing is in
 * qcow2-resize.c). */
#include "hw/block/qcow2.h"
#include "hw/block/block-int.h"
#include "hw/core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int validate(const BlockCreateOpts *o, uint32_t cs, int version, int rbits, char **errp)
{
    if (cs < 512 || cs > (2u << 20) || (cs & (cs - 1))) {
        blk_error(errp, "Cluster size must be a power of two between 512 and 2048k");
        return -EINVAL;
    }
    if (rbits < 1 || rbits > 64 || (rbits & (rbits - 1))) {
        blk_error(errp, "Refcount width must be a power of two and may not exceed 64 bits");
        return -EINVAL;
    }
    if (version < 3 && rbits != 16) {
        blk_error(errp, "Different refcount widths than 16 bits require compatibility level "
                  "1.1 or above (use compat=1.1 or greater)");
        return -EINVAL;
    }
    if (version < 3 && o->lazy_refcounts) {
        blk_error(errp, "Lazy refcounts only supported with compatibility level 1.1 and "
                  "above (use compat=1.1 or greater)");
        return -EINVAL;
    }
    if (o->size > QCOW2_MAX_SIZE) {
        blk_error(errp, "Image size too large; max. supported is %" PRIu64 " bytes",
                  (uint64_t)QCOW2_MAX_SIZE);
        return -EFBIG;
    }
    if (o->backing_file && strlen(o->backing_file) > QCOW2_MAX_BACKING_NAME) {
        blk_error(errp, "Backing file name too long");
        return -EINVAL;
    }
    if (o->backing_file && o->prealloc != PREALLOC_OFF) {
        blk_error(errp, "Backing file and preallocation can only be used at the same time "
                  "if extended_l2 is on");
        return -EINVAL;
    }
    return 0;
}

/* Clusters for header, refcount table, refcount blocks and L1, so that the
 * blocks count every one of them. */
static void layout(uint64_t cs, int order, uint64_t l1_clusters, uint64_t *rt, uint64_t *rb)
{
    uint64_t per_rb = cs * 8 >> order, t = 1, b = 1;
    for (;;) {
        uint64_t total = 1 + t + b + l1_clusters;
        uint64_t nb = (total + per_rb - 1) / per_rb;
        uint64_t nt = (nb * 8 + cs - 1) / cs;
        if (nb <= b && nt <= t) {
            break;
        }
        b = MAX(b, nb);
        t = MAX(t, nt);
    }
    *rt = t;
    *rb = b;
}

static int write_skeleton(int fd, BlockDriverState *bs, uint64_t rtc, uint64_t rbc,
                          uint64_t l1c)
{
    Qcow2State *s = bs->opaque;
    uint64_t cs = s->cluster_size, total = 1 + rtc + rbc + l1c;
    uint64_t per_rb = cs * 8 >> s->refcount_order;
    uint8_t *buf = xzalloc((rtc + rbc) * cs);
    for (uint64_t i = 0; i < rbc; i++) {
        st_be64(buf + i * 8, (1 + rtc + i) * cs);
    }
    for (uint64_t c = 0; c < total; c++) {
        qcow2_rb_set(buf + (rtc + c / per_rb) * cs, s->refcount_order, c % per_rb, 1);
    }
    ssize_t w = pwrite(fd, buf, (rtc + rbc) * cs, (off_t)cs);
    free(buf);
    if (w != (ssize_t)((rtc + rbc) * cs)) {
        return -EIO;
    }
    /* The L1 table is all zeros: extend the file to its end. */
    uint64_t end = s->l1_offset + (uint64_t)s->l1_size * 8;
    return ftruncate(fd, (off_t)MAX(end, (1 + rtc + rbc) * cs)) < 0 ? -errno : 0;
}

/* Build the empty image with a scratch state, then reopen it for the rest. */
static int create_empty(const char *filename, const BlockCreateOpts *o, int version,
                        uint32_t cs, int order, char **errp)
{
    Qcow2State st;
    BlockDriverState bs;
    memset(&st, 0, sizeof(st));
    memset(&bs, 0, sizeof(bs));
    bs.opaque = &st;
    st.version = version;
    st.cluster_size = cs;
    st.cluster_bits = __builtin_ctz(cs);
    st.l2_bits = st.cluster_bits - 3;
    st.refcount_order = order;
    st.compat = o->lazy_refcounts ? QCOW2_COMPAT_LAZY : 0;
    if (o->data_file) {
        st.incompat |= QCOW2_INCOMPAT_DATA_FILE;
        st.data_file_name = (char *)o->data_file; /* not freed: a scratch state */
        st.autoclear = o->data_file_raw ? QCOW2_AUTOCLEAR_DATA_FILE_RAW : 0;
    }
    if (o->zstd) {
        st.compression_type = QCOW2_COMPRESSION_ZSTD;
        st.incompat |= QCOW2_INCOMPAT_COMPRESSION;
    }
    bs.total_size = o->size;
    snprintf(bs.backing_file, sizeof(bs.backing_file), "%s",
             o->backing_file ? o->backing_file : "");
    snprintf(bs.backing_fmt, sizeof(bs.backing_fmt), "%s", o->backing_fmt ? o->backing_fmt : "");
    uint64_t l1_entries = qcow2_l1_entries(&st, o->size);
    uint64_t l1c = (l1_entries * 8 + cs - 1) / cs, rtc, rbc;
    if (l1_entries * 8 > QCOW2_MAX_L1_BYTES) {
        blk_error(errp, "Could not create '%s': image size too large for cluster size %u",
                  filename, cs);
        return -EFBIG;
    }
    layout(cs, order, l1c, &rtc, &rbc);
    st.rt_offset = cs;
    st.rt_clusters = (uint32_t)rtc;
    st.l1_offset = (1 + rtc + rbc) * cs;
    st.l1_size = (uint32_t)l1_entries;
    int fd = open(filename, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        int e = errno;
        blk_error(errp, "Could not create '%s': %s", filename, strerror(e));
        return -e;
    }
    bfile_create_hints(fd, bdrv_extent_size_hint(o), o->nocow);
    uint8_t *h = xzalloc(cs);
    BlockFile f = { .fd = fd, .align = 1, .writable = true };
    bs.file = &f;
    /* The header's cluster is written whole, as qemu-img does: the file's
     * allocation (which qemu-img's metadata preallocation heuristic
     * weighs) is then the same. */
    int r = pwrite(fd, h, cs, 0) == (ssize_t)cs ? 0 : -EIO;
    if (r == 0) {
        r = qcow2_write_header(&bs);
    }
    if (r == 0) {
        r = write_skeleton(fd, &bs, rtc, rbc, l1c);
    }
    if (r == 0 && o->prealloc == PREALLOC_OFF && fdatasync(fd) < 0) {
        r = -errno; /* a created image is durable, as with qemu-img */
    }
    free(h);
    close(fd);
    if (r < 0) {
        blk_error(errp, "Could not create '%s': %s", filename,
                  r == -ENOSPC ? "header too large for the cluster size" : strerror(-r));
    }
    return r;
}

int qcow2_create(const char *filename, const BlockCreateOpts *o, char **errp)
{
    uint32_t cs = o->cluster_size ? o->cluster_size : 65536;
    int version = o->compat ? o->compat : 3;
    int rbits = o->refcount_bits ? o->refcount_bits : 16;
    int r = validate(o, cs, version, rbits, errp);
    if (r == 0) {
        r = qcow2_datafile_check_opts(o, version, errp);
    }
    if (r == 0 && o->data_file) {
        r = qcow2_datafile_create(filename, o, errp);
    }
    if (r < 0) {
        return r;
    }
    r = create_empty(filename, o, version, cs, __builtin_ctz((unsigned)rbits), errp);
    /* A raw data file needs the 1:1 mapping in the tables from the start:
     * qemu-img preallocates the metadata. */
    PreallocMode pm = o->data_file_raw && o->prealloc == PREALLOC_OFF ? PREALLOC_METADATA
                                                                       : o->prealloc;
    if (r < 0 || (pm == PREALLOC_OFF && !o->crypt.format)) {
        return r;
    }
    /* The data file is the one just created, wherever the user put it. */
    BlockOpenOpts oo = { .data_file = o->data_file };
    BlockDriverState *bs = bdrv_open_with(filename, "qcow2", BDRV_O_RDWR | BDRV_O_NO_BACKING,
                                          BDRV_CACHE_WRITEBACK, &oo, errp);
    if (!bs) {
        return -EIO;
    }
    if (o->crypt.format && (r = qcow2_crypt_format(bs, &o->crypt, errp)) < 0) {
        bdrv_close(bs);
        return r;
    }
    uint64_t size = bs->total_size;
    bs->total_size = 0;
    r = pm == PREALLOC_OFF ? 0 : qcow2_truncate(bs, size, false, pm, errp);
    if (r == 0) {
        r = blk_flush(bs);
    }
    bdrv_close(bs);
    return r;
}

/* Metadata bytes of a fully allocated image (header, L1, L2, refcounts). */
uint64_t qcow2_measure_meta(const BlockCreateOpts *o)
{
    uint64_t cs = o->cluster_size ? o->cluster_size : 65536;
    int rbits = o->refcount_bits ? o->refcount_bits : 16;
    uint64_t size = ALIGN_UP(o->size, cs);
    uint64_t l2e = ALIGN_UP(size / cs, cs / 8);
    uint64_t l1e = ALIGN_UP(l2e / (cs / 8), cs / 8);
    uint64_t meta = cs + l2e * 8 + l1e * 8 + qcow2_crypt_measure(&o->crypt, (uint32_t)cs);
    uint64_t per_rb = cs * 8 / (uint64_t)rbits;
    uint64_t rb = 0, rt = 0;
    for (;;) {
        uint64_t clusters = (meta + size) / cs + rb + rt;
        uint64_t nrb = (clusters + per_rb - 1) / per_rb;
        uint64_t nrt = (nrb * 8 + cs - 1) / cs;
        if (nrb == rb && nrt == rt) {
            break;
        }
        rb = nrb;
        rt = nrt;
    }
    return meta + (rb + rt) * cs;
}
