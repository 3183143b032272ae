/* qcow2 guest clusters: L1/L2 lookup, reads, allocating writes with copy
 * on write, zeroing/discard, and L1 growth.  Write order for a new cluster:
 * refcount (cached, flushed before any L2), data, then the L2 entry; a new
 * L2 table reaches the disk before the L1 entry that points to it; a cluster
 * is freed only after the L2 entry that used it is gone from the disk. */
#include "hw/block/qcow2.h"
#include "hw/block/block-int.h"
#include "hw/core/util.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

typedef enum { CL_UNALLOC, CL_ZERO, CL_COMPRESSED, CL_NORMAL } ClusterType;

static ClusterType entry_type(const Qcow2State *s, uint64_t e)
{
    if (e & QCOW2_OFLAG_COMPRESSED) {
        return CL_COMPRESSED;
    }
    if (e & QCOW2_OFLAG_ZERO) {
        return CL_ZERO;
    }
    /* Host offset 0 is a real cluster in an external data file: its
     * entry has the copied flag (such clusters are never shared). */
    return (e & QCOW2_OFFSET_MASK) || (qcow2_has_data_file(s) && (e & QCOW2_OFLAG_COPIED))
           ? CL_NORMAL : CL_UNALLOC;
}

static uint64_t file_len(BlockDriverState *bs)
{
    int64_t l = bfile_length(bs->file);
    return l < 0 ? 0 : (uint64_t)l;
}

/* Load the L2 table of L1 entry i (which must be non-zero). */
static int load_l2(BlockDriverState *bs, uint32_t i, uint8_t **t)
{
    Qcow2State *s = bs->opaque;
    uint64_t off = s->l1[i] & QCOW2_OFFSET_MASK;
    if (off & (s->cluster_size - 1)) {
        return qcow2_signal_corruption(bs, "L2 table offset %#" PRIx64 " unaligned "
                                       "(L1 index: %#" PRIx32 ")", off, i);
    }
    for (int k = 0; k < s->l2c.n; k++) {
        if (s->l2c.offset[k] == off) {
            return qcow2_cache_get(bs, &s->l2c, off, false, t);
        }
    }
    if (off + s->cluster_size > file_len(bs)) {
        return qcow2_signal_corruption(bs, "L2 table offset %#" PRIx64 " beyond the end of "
                                       "the image file (L1 index: %#" PRIx32 ")", off, i);
    }
    return qcow2_cache_get(bs, &s->l2c, off, false, t);
}

int qcow2_get_l2_entry(BlockDriverState *bs, uint64_t vaddr, uint64_t *entry)
{
    Qcow2State *s = bs->opaque;
    uint64_t l1i = vaddr >> (s->cluster_bits + s->l2_bits);
    uint8_t *t;
    *entry = 0;
    if (l1i >= s->l1_size || !(s->l1[l1i] & QCOW2_OFFSET_MASK)) {
        return 0;
    }
    int r = load_l2(bs, (uint32_t)l1i, &t);
    if (r < 0) {
        return r;
    }
    *entry = ld_be64(t + ((vaddr >> s->cluster_bits) & ((1u << s->l2_bits) - 1)) * 8);
    return 0;
}

/* A run of clusters at vaddr with the same type (and, for normal clusters,
 * contiguous host offsets): *bytes (<= max) and the host offset of vaddr. */
static int get_run(BlockDriverState *bs, uint64_t vaddr, uint64_t max, ClusterType *type,
                   uint64_t *host, uint64_t *entry, uint64_t *bytes)
{
    Qcow2State *s = bs->opaque;
    uint64_t l1i = vaddr >> (s->cluster_bits + s->l2_bits);
    uint64_t in_cluster = vaddr & (s->cluster_size - 1);
    uint32_t l2i = (uint32_t)((vaddr >> s->cluster_bits) & ((1u << s->l2_bits) - 1));
    uint32_t left = (1u << s->l2_bits) - l2i; /* clusters left in this table */
    uint64_t span = MIN(max, ((uint64_t)left << s->cluster_bits) - in_cluster);
    uint8_t *t;
    *host = 0;
    *entry = 0;
    if (l1i >= s->l1_size || !(s->l1[l1i] & QCOW2_OFFSET_MASK)) {
        *type = CL_UNALLOC;
        *bytes = span;
        return 0;
    }
    int r = load_l2(bs, (uint32_t)l1i, &t);
    if (r < 0) {
        return r;
    }
    uint64_t e = ld_be64(t + l2i * 8);
    *entry = e;
    *type = entry_type(s, e);
    if (*type == CL_NORMAL && ((e & QCOW2_OFFSET_MASK) & (s->cluster_size - 1))) {
        return qcow2_signal_corruption(bs, "Cluster allocation offset %#" PRIx64 " unaligned "
                                       "(L2 offset: %#" PRIx64 ", L2 index: %#" PRIx32 ")",
                                       e & QCOW2_OFFSET_MASK, s->l1[l1i] & QCOW2_OFFSET_MASK,
                                       l2i);
    }
    uint64_t base = e & QCOW2_OFFSET_MASK; /* zero clusters may keep a host cluster */
    if ((*type != CL_COMPRESSED && base) || *type == CL_NORMAL) {
        *host = base + in_cluster;
    }
    uint64_t n = 1;
    if (*type != CL_COMPRESSED) {
        uint64_t want = (in_cluster + span + s->cluster_size - 1) >> s->cluster_bits;
        for (; n < want; n++) {
            uint64_t e2 = ld_be64(t + (l2i + n) * 8), b2 = e2 & QCOW2_OFFSET_MASK;
            if (entry_type(s, e2) != *type || (!base) != (!b2) ||
                (base && b2 != base + (n << s->cluster_bits))) {
                break;
            }
        }
    }
    *bytes = MIN(span, (n << s->cluster_bits) - in_cluster);
    return 0;
}

/* Read clusters of one run into buf. */
static int read_run(BlockDriverState *bs, ClusterType type, uint64_t entry, uint64_t host,
                    uint64_t vaddr, uint8_t *buf, uint64_t n)
{
    Qcow2State *s = bs->opaque;
    switch (type) {
    case CL_UNALLOC:
        return bdrv_read_backing(bs, vaddr, buf, n);
    case CL_ZERO:
        memset(buf, 0, (size_t)n);
        return 0;
    case CL_COMPRESSED: {
        int r = qcow2_read_compressed(bs, entry, NULL);
        if (r == 0) {
            memcpy(buf, s->cbuf + (vaddr & (s->cluster_size - 1)), (size_t)n);
        }
        return r;
    }
    case CL_NORMAL:
        return qcow2_data_pread(bs, host, vaddr, buf, (size_t)n);
    }
    return -EIO;
}

/* A whole compressed cluster read without bs->lock: decompression is the
 * slow part, so parallel readers (convert's workers) decompress at once.
 * The cluster cannot be freed meanwhile (data_lock).  A cluster that fails
 * goes the locked way, which reports the corruption. */
static int read_compressed_unlocked(BlockDriverState *bs, uint64_t entry, uint64_t vaddr,
                                    uint8_t *buf)
{
    Qcow2State *s = bs->opaque;
    pthread_rwlock_rdlock(&s->data_lock);
    pthread_mutex_unlock(&bs->lock);
    int r = qcow2_decompress_entry(bs, entry, buf);
    pthread_rwlock_unlock(&s->data_lock);
    pthread_mutex_lock(&bs->lock);
    return r == 0 ? 0 : read_run(bs, CL_COMPRESSED, entry, 0, vaddr, buf, s->cluster_size);
}

int qcow2_read_concurrent(BlockDriverState *bs, uint64_t off, uint8_t *buf, uint64_t len)
{
    Qcow2State *s = bs->opaque;
    int r = 0;
    pthread_mutex_lock(&bs->lock);
    while (len && r == 0) {
        ClusterType type;
        uint64_t host, entry, n;
        r = get_run(bs, off, len, &type, &host, &entry, &n);
        if (r == 0 && type == CL_NORMAL) {
            /* The mapping stays valid while we hold data_lock: frees wait. */
            pthread_rwlock_rdlock(&s->data_lock);
            pthread_mutex_unlock(&bs->lock);
            r = qcow2_data_pread(bs, host, off, buf, (size_t)n);
            pthread_rwlock_unlock(&s->data_lock);
            pthread_mutex_lock(&bs->lock);
        } else if (r == 0 && type == CL_COMPRESSED && n == s->cluster_size &&
                   entry != s->cbuf_entry) {
            r = read_compressed_unlocked(bs, entry, off, buf);
        } else if (r == 0) {
            r = read_run(bs, type, entry, host, off, buf, n);
        }
        if (r < 0) {
            break; /* n is not set when get_run failed */
        }
        off += n;
        buf += n;
        len -= n;
    }
    pthread_mutex_unlock(&bs->lock);
    return r;
}

void qcow2_wait_readers(Qcow2State *s)
{
    if (s->data_lock_ready) {
        pthread_rwlock_wrlock(&s->data_lock);
        pthread_rwlock_unlock(&s->data_lock);
    }
}

int qcow2_write_l1_entry(BlockDriverState *bs, uint32_t i)
{
    Qcow2State *s = bs->opaque;
    uint8_t e[8];
    st_be64(e, s->l1[i]);
    return bfile_pwrite(bs->file, s->l1_offset + (uint64_t)i * 8, e, 8);
}

/* Make L1 entry i point to an L2 table only this L1 uses (allocating a new
 * table, or copying a shared one) and return that table. */
static int get_own_l2(BlockDriverState *bs, uint32_t i, uint8_t **t)
{
    Qcow2State *s = bs->opaque;
    uint64_t old = s->l1[i] & QCOW2_OFFSET_MASK;
    if (old && (s->l1[i] & QCOW2_OFLAG_COPIED)) {
        return load_l2(bs, i, t);
    }
    uint8_t *copy = xzalloc(s->cluster_size);
    int r = 0;
    if (old) {
        uint8_t *ot;
        if ((r = load_l2(bs, i, &ot)) == 0) {
            memcpy(copy, ot, s->cluster_size);
        }
    }
    int64_t nt = r < 0 ? r : qcow2_alloc_clusters(bs, 1);
    if (nt < 0) {
        free(copy);
        return (int)nt;
    }
    r = qcow2_cache_flush(bs, &s->rbc);
    if (r == 0) {
        r = bfile_pwrite(bs->file, (uint64_t)nt, copy, s->cluster_size);
    }
    if (r == 0) {
        s->l1[i] = (uint64_t)nt | QCOW2_OFLAG_COPIED;
        r = qcow2_write_l1_entry(bs, i);
    }
    if (r == 0 && old) {
        r = qcow2_free_clusters(bs, old, 1);
    }
    if (r == 0) {
        r = qcow2_cache_get(bs, &s->l2c, (uint64_t)nt, false, t);
    }
    if (r == 0) {
        memcpy(*t, copy, s->cluster_size); /* in case it was read before the write landed */
    }
    free(copy);
    return r;
}

int qcow2_set_l2_entry(BlockDriverState *bs, uint64_t vaddr, uint64_t entry)
{
    Qcow2State *s = bs->opaque;
    uint8_t *t;
    int r = get_own_l2(bs, (uint32_t)(vaddr >> (s->cluster_bits + s->l2_bits)), &t);
    if (r == 0) {
        st_be64(t + ((vaddr >> s->cluster_bits) & ((1u << s->l2_bits) - 1)) * 8, entry);
        qcow2_cache_dirty(&s->l2c, t);
    }
    return r;
}

/* Clusters that must be freed once the L2 entries dropping them are on disk. */
typedef struct FreeList {
    uint64_t *off, *len;
    size_t n, cap;
} FreeList;

static void freelist_add(FreeList *fl, uint64_t off, uint64_t len)
{
    if (fl->n && fl->off[fl->n - 1] + fl->len[fl->n - 1] == off) {
        fl->len[fl->n - 1] += len;
        return;
    }
    if (fl->n == fl->cap) {
        fl->cap = fl->cap ? fl->cap * 2 : 16;
        fl->off = xrealloc(fl->off, fl->cap * sizeof(uint64_t));
        fl->len = xrealloc(fl->len, fl->cap * sizeof(uint64_t));
    }
    fl->off[fl->n] = off;
    fl->len[fl->n] = len;
    fl->n++;
}

/* Note what an L2 entry being replaced held. */
static void drop_entry(BlockDriverState *bs, uint64_t e, FreeList *fl)
{
    Qcow2State *s = bs->opaque;
    if (e & QCOW2_OFLAG_COMPRESSED) {
        uint64_t off, len;
        s->cbuf_entry = 0; /* its host bytes may be reused: drop the cached copy */
        qcow2_compressed_range(s, e, &off, &len);
        uint64_t first = off & ~(uint64_t)(s->cluster_size - 1);
        for (uint64_t c = first; c < off + len; c += s->cluster_size) {
            freelist_add(fl, c, s->cluster_size);
        }
    } else if ((e & QCOW2_OFFSET_MASK) && !s->data_file) {
        freelist_add(fl, e & QCOW2_OFFSET_MASK, s->cluster_size);
    }
}

static int freelist_apply(BlockDriverState *bs, FreeList *fl)
{
    int r = 0;
    if (fl->n) {
        r = qcow2_flush_metadata(bs);
    }
    for (size_t i = 0; i < fl->n && r == 0; i++) {
        r = qcow2_update_refcount(bs, fl->off[i], fl->len[i], -1);
    }
    free(fl->off);
    free(fl->len);
    memset(fl, 0, sizeof(*fl));
    return r;
}

/* Old content of the guest cluster at vaddr (for a partial overwrite).  The
 * part of the last cluster past the end of the disk is taken as zeros, so a
 * copy from the backing file puts no data there a later grow would show. */
static int read_old_cluster(BlockDriverState *bs, uint64_t e, uint64_t vaddr, uint8_t *out)
{
    Qcow2State *s = bs->opaque;
    ClusterType t = entry_type(s, e);
    uint64_t start = vaddr & ~(uint64_t)(s->cluster_size - 1);
    int r = 0;
    if (t == CL_UNALLOC && bs->backing_file[0] && !bs->backing) {
        /* Opened without its backing file: the copy must still come from
         * there, never be zeros in place of the backing data. */
        r = bdrv_open_backing(bs, NULL);
    }
    if (r == 0) {
        r = read_run(bs, t, e, t == CL_NORMAL ? e & QCOW2_OFFSET_MASK : 0, start, out,
                     s->cluster_size);
    }
    if (r == 0 && start + s->cluster_size > bs->total_size && start < bs->total_size) {
        uint64_t keep = bs->total_size - start;
        memset(out + keep, 0, (size_t)(s->cluster_size - keep));
    }
    return r;
}

/* Write [off, off+len) (within one L2 table) into k new clusters. */
static int write_new(BlockDriverState *bs, uint8_t *t, uint32_t l2i, uint64_t k, uint64_t off,
                     const uint8_t *buf, uint64_t len, FreeList *fl)
{
    Qcow2State *s = bs->opaque;
    uint64_t cs = s->cluster_size, head = off & (cs - 1);
    uint64_t tail = (k << s->cluster_bits) - head - len;
    uint64_t e_first = ld_be64(t + l2i * 8), e_last = ld_be64(t + (l2i + k - 1) * 8);
    const uint8_t *src = buf;
    uint8_t *tmp = NULL;
    int r = 0;
    if (head || tail) {
        tmp = xmalloc(k << s->cluster_bits);
        if (head) {
            r = read_old_cluster(bs, e_first, off, tmp);
        }
        if (r == 0 && tail && (k > 1 || !head)) {
            r = read_old_cluster(bs, e_last, off + len - 1, tmp + ((k - 1) << s->cluster_bits));
        }
        memcpy(tmp + head, buf, (size_t)len);
        src = tmp;
    }
    /* In an external data file a cluster lives at its guest offset. */
    int64_t host = r < 0 ? r : s->data_file ? (int64_t)(off - head) : qcow2_alloc_clusters(bs, k);
    if (host >= 0) {
        r = qcow2_data_pwrite(bs, (uint64_t)host, off - head, src,
                              (size_t)(k << s->cluster_bits));
    } else {
        r = (int)host;
    }
    free(tmp);
    if (r < 0) {
        return r;
    }
    for (uint64_t j = 0; j < k; j++) {
        drop_entry(bs, ld_be64(t + (l2i + j) * 8), fl);
        st_be64(t + (l2i + j) * 8, ((uint64_t)host + (j << s->cluster_bits)) | QCOW2_OFLAG_COPIED);
    }
    qcow2_cache_dirty(&s->l2c, t);
    return 0;
}

/* Overwrite allocated data, but never past the file or onto metadata. */
static int write_in_place(BlockDriverState *bs, uint64_t host, uint64_t vaddr,
                          const uint8_t *buf, uint64_t n)
{
    if (((Qcow2State *)bs->opaque)->data_file) {
        return qcow2_data_pwrite(bs, host, vaddr, buf, (size_t)n);
    }
    const char *what = qcow2_metadata_overlap(bs, host, n);
    if (what) {
        return qcow2_signal_corruption(bs, "Preventing invalid write on metadata (overlaps "
                                       "with %s)", what);
    }
    if (host + n > ALIGN_UP(file_len(bs), ((Qcow2State *)bs->opaque)->cluster_size)) {
        return qcow2_signal_corruption(bs, "Data cluster at %#" PRIx64 " lies beyond the end "
                                       "of the image file", host);
    }
    return qcow2_data_pwrite(bs, host, vaddr, buf, (size_t)n);
}

static bool in_place(const Qcow2State *s, uint64_t e)
{
    return entry_type(s, e) == CL_NORMAL && (e & QCOW2_OFLAG_COPIED);
}

/* Write a range lying within one L2 table. */
static int write_in_table(BlockDriverState *bs, uint64_t off, const uint8_t *buf, uint64_t len,
                          FreeList *fl)
{
    Qcow2State *s = bs->opaque;
    uint64_t l1i = off >> (s->cluster_bits + s->l2_bits);
    uint8_t *t;
    int r = get_own_l2(bs, (uint32_t)l1i, &t);
    while (r == 0 && len) {
        uint32_t l2i = (uint32_t)((off >> s->cluster_bits) & ((1u << s->l2_bits) - 1));
        uint64_t head = off & (s->cluster_size - 1);
        uint64_t nclusters = (head + len + s->cluster_size - 1) >> s->cluster_bits;
        uint64_t e = ld_be64(t + l2i * 8);
        bool inplace = in_place(s, e);
        uint64_t k = 1;
        while (k < nclusters && in_place(s, ld_be64(t + (l2i + k) * 8)) == inplace &&
               (!inplace || (ld_be64(t + (l2i + k) * 8) & QCOW2_OFFSET_MASK) ==
                                (e & QCOW2_OFFSET_MASK) + (k << s->cluster_bits))) {
            k++;
        }
        uint64_t n = MIN(len, (k << s->cluster_bits) - head);
        if (inplace) {
            r = write_in_place(bs, (e & QCOW2_OFFSET_MASK) + head, off, buf, n);
        } else {
            r = write_new(bs, t, l2i, k, off, buf, n, fl);
        }
        off += n;
        buf += n;
        len -= n;
    }
    return r;
}

int qcow2_write_data(BlockDriverState *bs, uint64_t off, const uint8_t *buf, uint64_t len)
{
    Qcow2State *s = bs->opaque;
    uint64_t per_table = (uint64_t)s->cluster_size << s->l2_bits;
    FreeList fl = { 0 };
    int r = 0;
    while (len && r == 0) {
        uint64_t n = MIN(len, per_table - (off & (per_table - 1)));
        r = write_in_table(bs, off, buf, n, &fl);
        off += n;
        buf += n;
        len -= n;
    }
    int r2 = freelist_apply(bs, &fl);
    return r < 0 ? r : r2;
}

/* Set the entries of whole clusters [off, off+len) to read as zeros (or,
 * when discarding without a backing file, to unallocated). */
static int zero_clusters(BlockDriverState *bs, uint64_t off, uint64_t len, int mode,
                         FreeList *fl)
{
    Qcow2State *s = bs->opaque;
    uint64_t newe = mode == QCOW2_ZERO_UNALLOC || s->version < 3 ||
                    (mode == QCOW2_ZERO_DISCARD && !bs->backing_file[0]) ? 0 : QCOW2_OFLAG_ZERO;
    while (len) {
        uint64_t l1i = off >> (s->cluster_bits + s->l2_bits);
        uint32_t l2i = (uint32_t)((off >> s->cluster_bits) & ((1u << s->l2_bits) - 1));
        uint64_t k = MIN(len >> s->cluster_bits, (1u << s->l2_bits) - l2i);
        uint8_t *t;
        int r = 0;
        if (l1i < s->l1_size && !(s->l1[l1i] & QCOW2_OFFSET_MASK) && newe == 0) {
            goto next; /* nothing allocated there */
        }
        if ((r = get_own_l2(bs, (uint32_t)l1i, &t)) < 0) {
            return r;
        }
        for (uint64_t j = 0; j < k; j++) {
            uint64_t e = ld_be64(t + (l2i + j) * 8);
            if (e != newe) {
                drop_entry(bs, e, fl);
                st_be64(t + (l2i + j) * 8, newe);
                qcow2_cache_dirty(&s->l2c, t);
            }
        }
    next:
        off += k << s->cluster_bits;
        len -= k << s->cluster_bits;
    }
    return 0;
}

static int write_zero_bytes(BlockDriverState *bs, uint64_t off, uint64_t len)
{
    uint8_t *z = xzalloc((size_t)len);
    int r = qcow2_write_data(bs, off, z, len);
    free(z);
    return r;
}

int qcow2_zero_range(BlockDriverState *bs, uint64_t off, uint64_t len, int mode)
{
    Qcow2State *s = bs->opaque;
    bool discard = mode != QCOW2_ZERO_WRITE;
    uint64_t cs = s->cluster_size;
    uint64_t a = ALIGN_UP(off, cs), b = ALIGN_DOWN(off + len, cs);
    if (off + len == bs->total_size) {
        b = ALIGN_UP(off + len, cs); /* the partial last cluster is all ours */
    }
    if (a >= b) {
        return discard ? 0 : write_zero_bytes(bs, off, len);
    }
    int r = 0;
    if (!discard && a > off) {
        r = write_zero_bytes(bs, off, a - off);
    }
    if (r == 0 && !discard && b < off + len) {
        r = write_zero_bytes(bs, b, off + len - b);
    }
    if (r == 0 && discard && mode == QCOW2_ZERO_DISCARD && s->version < 3 &&
        bs->backing_file[0]) {
        return 0; /* unallocating would show the backing file's older data */
    }
    if (r == 0 && !discard && s->version < 3 && bs->backing_file[0]) {
        for (uint64_t p = a; p < b && r == 0; p += MIN(b - p, 1 << 20)) {
            r = write_zero_bytes(bs, p, MIN(b - p, 1 << 20));
        }
        return r;
    }
    FreeList fl = { 0 };
    if (r == 0) {
        r = zero_clusters(bs, a, MIN(b, ALIGN_UP(bs->total_size, cs)) - a, mode, &fl);
    }
    if (r == 0 && qcow2_data_file_raw(s) && s->data_file) {
        r = bfile_punch(s->data_file, a, MIN(b, bs->total_size) - a);
    }
    int r2 = freelist_apply(bs, &fl);
    return r < 0 ? r : r2;
}

int qcow2_grow_l1(BlockDriverState *bs, uint64_t min_size)
{
    Qcow2State *s = bs->opaque;
    if (min_size <= s->l1_size) {
        return 0;
    }
    if (min_size * 8 > QCOW2_MAX_L1_BYTES) {
        return -EFBIG;
    }
    uint64_t bytes = ALIGN_UP(min_size * 8, s->cluster_size);
    int64_t nt = qcow2_alloc_clusters(bs, bytes >> s->cluster_bits);
    if (nt < 0) {
        return (int)nt;
    }
    uint8_t *buf = xzalloc(bytes);
    for (uint32_t i = 0; i < s->l1_size; i++) {
        st_be64(buf + (uint64_t)i * 8, s->l1[i]);
    }
    int r = qcow2_cache_flush(bs, &s->rbc);
    if (r == 0) {
        /* The table only, not the rest of its last cluster: the file ends
         * where qemu-img's does. */
        r = bfile_pwrite(bs->file, (uint64_t)nt, buf, min_size * 8);
    }
    free(buf);
    if (r == 0) {
        uint8_t h[12];
        st_be32(h, (uint32_t)min_size);
        st_be64(h + 4, (uint64_t)nt);
        r = bfile_pwrite(bs->file, 36, h, 12);
    }
    if (r < 0) {
        return r;
    }
    uint64_t old = s->l1_offset, old_bytes = ALIGN_UP((uint64_t)s->l1_size * 8, s->cluster_size);
    s->l1 = xrealloc(s->l1, min_size * 8);
    memset(s->l1 + s->l1_size, 0, (min_size - s->l1_size) * 8);
    s->l1_size = (uint32_t)min_size;
    s->l1_offset = (uint64_t)nt;
    return old && old_bytes ? qcow2_free_clusters(bs, old, old_bytes) : 0;
}

/* The unallocated guest cluster holding an unaligned `from` gets its host
 * cluster by a write of zeros from there on: its head keeps what it reads
 * (the backing file's data). */
static int prealloc_head(BlockDriverState *bs, uint64_t from)
{
    Qcow2State *s = bs->opaque;
    uint64_t end = ALIGN_UP(from, s->cluster_size), e;
    if (from == end) {
        return 0;
    }
    int r = qcow2_get_l2_entry(bs, from, &e);
    if (r < 0 || entry_type(s, e) != CL_UNALLOC) {
        return r;
    }
    return write_zero_bytes(bs, from, end - from);
}

/* Make the host clusters [host, end) of a new data run read as zeros; with
 * file_prealloc (1 falloc, 2 full, as bfile_truncate) their space is taken
 * on the host too, as qemu-img's falloc/full resize does (its map then shows
 * them as data, not zeros). */
static int prealloc_run_space(BlockDriverState *bs, uint64_t host, uint64_t end,
                              int file_prealloc)
{
    uint64_t flen = file_len(bs);
    int r = 0;
    if (host < flen) {
        r = bfile_punch(bs->file, host, MIN(end, flen) - host);
        if (r == 0 && file_prealloc) {
            r = bfile_zero_alloc(bs->file, host, MIN(end, flen) - host, file_prealloc);
        }
    }
    if (r == 0 && end > flen) {
        r = bfile_truncate(bs->file, end, file_prealloc);
    }
    return r;
}

/* Give every unallocated guest cluster in [from, to) a host cluster that
 * reads as zeros (file_prealloc: see prealloc_run_space). */
int qcow2_preallocate(BlockDriverState *bs, uint64_t from, uint64_t to, int file_prealloc)
{
    Qcow2State *s = bs->opaque;
    uint64_t off = ALIGN_UP(from, s->cluster_size);
    int r0 = prealloc_head(bs, from);
    if (r0 < 0) {
        return r0;
    }
    while (off < to) {
        uint64_t l1i = off >> (s->cluster_bits + s->l2_bits);
        uint32_t l2i = (uint32_t)((off >> s->cluster_bits) & ((1u << s->l2_bits) - 1));
        uint64_t k = MIN((to - off + s->cluster_size - 1) >> s->cluster_bits,
                         (1u << s->l2_bits) - l2i);
        uint8_t *t;
        int r = get_own_l2(bs, (uint32_t)l1i, &t);
        if (r < 0) {
            return r;
        }
        uint64_t j = 0;
        while (j < k) {
            uint64_t run = 0;
            while (j + run < k &&
                   entry_type(s, ld_be64(t + (l2i + j + run) * 8)) == CL_UNALLOC) {
                run++;
            }
            if (!run) {
                j++;
                continue;
            }
            uint64_t guest = off + (j << s->cluster_bits);
            int64_t host = s->data_file ? (int64_t)guest : qcow2_alloc_clusters(bs, run);
            if (host < 0) {
                return (int)host;
            }
            /* Keep allocated clusters inside the file (sparse); freed
             * clusters taken again still hold their old data. */
            uint64_t end = (uint64_t)host + (run << s->cluster_bits);
            if (s->data_file) {
                int64_t dl = bfile_length(s->data_file);
                if (dl >= 0 && end > (uint64_t)dl) {
                    r = bfile_truncate(s->data_file, end, 0);
                }
            } else {
                r = prealloc_run_space(bs, (uint64_t)host, end, file_prealloc);
            }
            if (r < 0) {
                return r;
            }
            for (uint64_t m = 0; m < run; m++) {
                st_be64(t + (l2i + j + m) * 8,
                        ((uint64_t)host + (m << s->cluster_bits)) | QCOW2_OFLAG_COPIED);
            }
            qcow2_cache_dirty(&s->l2c, t);
            j += run;
        }
        off += k << s->cluster_bits;
    }
    return 0;
}

/* The guest cluster at `guest`, partly inside the old disk (head bytes),
 * moves to the new host cluster: its head keeps what it reads, the rest is
 * zeros. */
static int move_head_cluster(BlockDriverState *bs, uint64_t e, uint64_t guest, uint64_t head,
                             uint64_t host)
{
    Qcow2State *s = bs->opaque;
    uint8_t *tmp = xmalloc(s->cluster_size);
    int r = read_old_cluster(bs, e, guest, tmp);
    memset(tmp + head, 0, s->cluster_size - head);
    if (r == 0) {
        r = bfile_pwrite(bs->file, host, tmp, s->cluster_size);
    }
    free(tmp);
    return r;
}

int qcow2_link_area(BlockDriverState *bs, uint64_t from, uint64_t host, uint64_t n)
{
    Qcow2State *s = bs->opaque;
    uint64_t guest = from & ~(uint64_t)(s->cluster_size - 1), head = from - guest;
    FreeList fl = { 0 };
    int r = 0;
    while (n && r == 0) {
        uint32_t l2i = (uint32_t)((guest >> s->cluster_bits) & ((1u << s->l2_bits) - 1));
        uint64_t k = MIN(n, (1u << s->l2_bits) - l2i);
        uint8_t *t;
        r = get_own_l2(bs, (uint32_t)(guest >> (s->cluster_bits + s->l2_bits)), &t);
        if (r == 0 && head) {
            r = move_head_cluster(bs, ld_be64(t + l2i * 8), guest, head, host);
            head = 0;
        }
        for (uint64_t j = 0; j < k && r == 0; j++) {
            drop_entry(bs, ld_be64(t + (l2i + j) * 8), &fl);
            st_be64(t + (l2i + j) * 8, (host + (j << s->cluster_bits)) | QCOW2_OFLAG_COPIED);
        }
        if (r == 0) {
            qcow2_cache_dirty(&s->l2c, t);
        }
        guest += k << s->cluster_bits;
        host += k << s->cluster_bits;
        n -= k;
    }
    int r2 = freelist_apply(bs, &fl);
    return r < 0 ? r : r2;
}

int qcow2_area_space(BlockDriverState *bs, uint64_t host, uint64_t end, int file_prealloc)
{
    return prealloc_run_space(bs, host, end, file_prealloc);
}

/* Whether the file holds fewer clusters than the refcounts claim (it was
 * created with preallocation=metadata); computed once. */
static bool detect_meta_prealloc(BlockDriverState *bs)
{
    Qcow2State *s = bs->opaque;
    if (s->meta_prealloc >= 0) {
        return s->meta_prealloc;
    }
    uint64_t used = 0, rc, end = file_len(bs) >> s->cluster_bits;
    for (uint64_t c = 0; (c >> s->rb_bits) < s->rt_size && c < end; c++) {
        if (!s->rt[c >> s->rb_bits]) {
            c = (((c >> s->rb_bits) + 1) << s->rb_bits) - 1;
            continue;
        }
        if (qcow2_get_refcount(bs, c, &rc) < 0) {
            break;
        }
        used += rc != 0;
    }
    /* Clearly more clusters in use than the file stores (with a margin for
     * partly written clusters), the same heuristic as QEMU's. */
    int64_t real = bfile_allocated(bs->file);
    uint64_t real_clusters = real < 0 ? UINT64_MAX : (uint64_t)real / s->cluster_size;
    uint64_t threshold = MAX(real_clusters / 9 * 10 + real_clusters % 9 * 10 / 9,
                             real_clusters + 2);
    s->meta_prealloc = real >= 0 && used > threshold;
    return s->meta_prealloc;
}

int qcow2_cluster_status(BlockDriverState *bs, uint64_t off, uint64_t len, uint64_t *pnum,
                         uint64_t *map)
{
    Qcow2State *s = bs->opaque;
    ClusterType type;
    uint64_t host, entry;
    int r = get_run(bs, off, len, &type, &host, &entry, pnum);
    if (r < 0) {
        return r;
    }
    *map = host;
    switch (type) {
    case CL_UNALLOC: return 0;
    case CL_ZERO:
        return BDRV_BLOCK_ZERO | BDRV_BLOCK_ALLOCATED | (host ? BDRV_BLOCK_OFFSET_VALID : 0);
    case CL_COMPRESSED: return BDRV_BLOCK_DATA | BDRV_BLOCK_ALLOCATED | BDRV_BLOCK_COMPRESSED;
    case CL_NORMAL: {
        uint64_t flen = file_len(bs), n;
        if (s->data_file) {
            /* The same heuristic, but the holes are the data file's. */
            int data = detect_meta_prealloc(bs) ? bfile_data_status(s->data_file, host, *pnum,
                                                                    &n) : 1;
            if (data >= 0 && detect_meta_prealloc(bs)) {
                *pnum = MAX(MIN(n, *pnum), 1);
            }
            return BDRV_BLOCK_DATA | BDRV_BLOCK_ALLOCATED | BDRV_BLOCK_OFFSET_VALID |
                   (data == 0 ? BDRV_BLOCK_ZERO : 0);
        }
        if (host >= flen) { /* past the end of the host file: zeros */
            return BDRV_BLOCK_DATA | BDRV_BLOCK_ZERO | BDRV_BLOCK_ALLOCATED |
                   BDRV_BLOCK_OFFSET_VALID;
        }
        *pnum = MIN(*pnum, ALIGN_UP(flen - host, s->cluster_size));
        /* Metadata preallocation leaves holes in the file: ask it. */
        int data = detect_meta_prealloc(bs) ? bfile_data_status(bs->file, host, *pnum, &n) : 1;
        if (data >= 0 && detect_meta_prealloc(bs)) {
            *pnum = MAX(n, 1);
        }
        if (data == 0) {
            return BDRV_BLOCK_DATA | BDRV_BLOCK_ZERO | BDRV_BLOCK_ALLOCATED |
                   BDRV_BLOCK_OFFSET_VALID;
        }
        return BDRV_BLOCK_DATA | BDRV_BLOCK_ALLOCATED | BDRV_BLOCK_OFFSET_VALID;
    }
    }
    return -EIO;
}

/* Set or clear the COPIED flags of the active L1 and its L2 tables so that
 * they say exactly "refcount is 1" (after snapshots changed refcounts). */
int qcow2_fix_copied(BlockDriverState *bs)
{
    Qcow2State *s = bs->opaque;
    for (uint32_t i = 0; i < s->l1_size; i++) {
        uint64_t l2 = s->l1[i] & QCOW2_OFFSET_MASK, rc;
        if (!l2) {
            continue;
        }
        int r = qcow2_get_refcount(bs, l2 >> s->cluster_bits, &rc);
        if (r < 0) {
            return r;
        }
        uint64_t ne = l2 | (rc == 1 ? QCOW2_OFLAG_COPIED : 0);
        if (ne != s->l1[i]) {
            s->l1[i] = ne;
            if ((r = qcow2_write_l1_entry(bs, i)) < 0) {
                return r;
            }
        }
        uint8_t *t;
        if ((r = load_l2(bs, i, &t)) < 0) {
            return r;
        }
        for (uint32_t j = 0; j < (1u << s->l2_bits); j++) {
            uint64_t e = ld_be64(t + j * 8);
            if (entry_type(s, e) == CL_COMPRESSED || !(e & QCOW2_OFFSET_MASK)) {
                continue;
            }
            rc = 1; /* an external data file's clusters are never shared */
            if (!s->data_file &&
                (r = qcow2_get_refcount(bs, (e & QCOW2_OFFSET_MASK) >> s->cluster_bits, &rc)) < 0) {
                return r;
            }
            uint64_t e2 = rc == 1 ? e | QCOW2_OFLAG_COPIED : e & ~QCOW2_OFLAG_COPIED;
            if (e2 != e) {
                st_be64(t + j * 8, e2);
                qcow2_cache_dirty(&s->l2c, t);
            }
        }
    }
    return 0;
}
