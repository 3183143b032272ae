/* qcow2 compressed clusters (zlib, raw deflate streams): reading always,
 * writing for `convert -c`.  Several compressed clusters share a host
 * cluster; each adds one to its refcount. */
#include "hw/block/qcow2.h"
#include "hw/block/block-int.h"
#include "hw/core/util.h"

#include <errno.h>
#include <pthread.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

int qcow2_decompress(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    if (inflateInit2(&z, -12) != Z_OK) {
        return -ENOMEM;
    }
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)in_len;
    z.next_out = out;
    z.avail_out = (uInt)out_len;
    int r = inflate(&z, Z_FINISH);
    size_t got = out_len - z.avail_out;
    inflateEnd(&z);
    /* The stored length is rounded up to sectors: trailing bytes are fine,
     * but the cluster must come out whole. */
    if ((r != Z_STREAM_END && r != Z_BUF_ERROR && r != Z_OK) || got != out_len) {
        return -EIO;
    }
    return 0;
}

/* Each thread keeps one deflate stream and resets it per cluster: setting
 * up a stream allocates and clears about 270 KiB, 6% of the CPU time of
 * compressing a 64 KiB cluster of incompressible data.  The parameters stay
 * qemu-img's: default level, raw deflate with a 4 KiB window. */
static pthread_key_t deflate_key;
static pthread_once_t deflate_once = PTHREAD_ONCE_INIT;

static void deflate_free(void *z)
{
    deflateEnd(z);
    free(z);
}

static void deflate_key_init(void)
{
    pthread_key_create(&deflate_key, deflate_free);
}

static z_stream *thread_deflate(void)
{
    pthread_once(&deflate_once, deflate_key_init);
    z_stream *z = pthread_getspecific(deflate_key);
    if (z) {
        return deflateReset(z) == Z_OK ? z : NULL;
    }
    z = xzalloc(sizeof(*z));
    if (deflateInit2(z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -12, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
        free(z);
        return NULL;
    }
    if (pthread_setspecific(deflate_key, z)) {
        deflate_free(z);
        return NULL;
    }
    return z;
}

size_t qcow2_compress(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap)
{
    z_stream *z = thread_deflate();
    if (!z || qcow2_deflate_pointless(in, in_len, out, out_cap)) {
        return 0;
    }
    z->next_in = (Bytef *)(uintptr_t)in;
    z->avail_in = (uInt)in_len;
    z->next_out = out;
    z->avail_out = (uInt)out_cap;
    int r = deflate(z, Z_FINISH);
    size_t n = out_cap - z->avail_out;
    return r == Z_STREAM_END && n < in_len ? n : 0;
}

int qcow2_decompress_entry(BlockDriverState *bs, uint64_t entry, uint8_t *out)
{
    const Qcow2State *s = bs->opaque;
    uint64_t off, len;
    qcow2_compressed_range(s, entry, &off, &len);
    if (!off) {
        return -EINVAL;
    }
    uint8_t *in = xmalloc(len);
    int r = bfile_pread(bs->file, off, in, (size_t)len);
    if (r == 0) {
        r = s->compression_type == QCOW2_COMPRESSION_ZSTD
                ? qcow2_zstd_decompress(in, (size_t)len, out, s->cluster_size)
                : qcow2_decompress(in, (size_t)len, out, s->cluster_size);
    }
    free(in);
    return r;
}

/* Decompress the cluster of L2 entry `entry` into s->cbuf (cached). */
int qcow2_read_compressed(BlockDriverState *bs, uint64_t entry, uint8_t *unused)
{
    Qcow2State *s = bs->opaque;
    if (!s->cbuf) {
        s->cbuf = xmalloc(s->cluster_size);
    }
    if (s->cbuf_entry == entry && entry) {
        return 0;
    }
    int r = qcow2_decompress_entry(bs, entry, s->cbuf);
    s->cbuf_entry = r == 0 ? entry : 0;
    if (r == -EINVAL) {
        return qcow2_signal_corruption(bs, "Compressed cluster at offset 0");
    }
    if (r == -EIO) {
        uint64_t off, len;
        qcow2_compressed_range(s, entry, &off, &len);
        return qcow2_signal_corruption(bs, "Compressed cluster at %#" PRIx64 " does not "
                                       "decompress", off);
    }
    return r;
}

static int compressed_entry(const Qcow2State *s, uint64_t host, size_t clen, uint64_t *e)
{
    int x = 62 - (s->cluster_bits - 8);
    uint64_t sectors = ((host & 511) + clen + 511) / 512;
    if (host >= (1ULL << x) || sectors - 1 >= (1ULL << (s->cluster_bits - 8))) {
        return -EFBIG;
    }
    *e = QCOW2_OFLAG_COMPRESSED | ((sectors - 1) << x) | host;
    return 0;
}

/* Compressed length of one whole cluster into out, 0 when it does not
 * shrink. */
static size_t compress_one(const Qcow2State *s, const uint8_t *buf, uint8_t *out)
{
    return s->compression_type == QCOW2_COMPRESSION_ZSTD
               ? qcow2_zstd_compress(buf, s->cluster_size, out, s->cluster_size - 1)
               : qcow2_compress(buf, s->cluster_size, out, s->cluster_size - 1);
}

/* Write one whole guest cluster, compressed to clen bytes at out (clen 0:
 * it does not shrink, written normally). */
static int write_one(BlockDriverState *bs, uint64_t off, const uint8_t *buf, const uint8_t *out,
                     size_t clen)
{
    Qcow2State *s = bs->opaque;
    uint64_t old = 0, e = 0;
    int r = clen ? qcow2_get_l2_entry(bs, off, &old) : 0;
    if (!clen || r < 0 || old) {
        /* Not compressible, or the cluster is in use: a normal write. */
        return r < 0 ? r : qcow2_write_data(bs, off, buf, s->cluster_size);
    }
    s->cbuf_entry = 0;
    int64_t host = qcow2_alloc_bytes(bs, (uint32_t)clen);
    r = host < 0 ? (int)host : compressed_entry(s, (uint64_t)host, clen, &e);
    if (r == 0) {
        r = bfile_pwrite(bs->file, (uint64_t)host, out, clen);
    }
    return r < 0 ? r : qcow2_set_l2_entry(bs, off, e);
}

/* Whole clusters, or a partial one only at the end of an image whose size
 * is not aligned (elsewhere the rest of the cluster holds data). */
static bool whole_clusters(BlockDriverState *bs, uint64_t off, uint64_t len)
{
    Qcow2State *s = bs->opaque;
    return !(off & (s->cluster_size - 1)) &&
           (!(len & (s->cluster_size - 1)) || off + len == bs->total_size);
}

int qcow2_compress_clusters(BlockDriverState *bs, const void *buf, uint64_t len,
                            BlockCompressed *c)
{
    const Qcow2State *s = bs->opaque;
    size_t n = (size_t)((len + s->cluster_size - 1) >> s->cluster_bits);
    if (c->cap < n || c->cluster != s->cluster_size) {
        bool skip_zero = c->skip_zero;
        blk_compressed_free(c);
        c->skip_zero = skip_zero;
        c->data = xmalloc(n << s->cluster_bits);
        c->len = xmalloc(n * sizeof(*c->len));
        c->cap = n;
        c->cluster = s->cluster_size;
    }
    c->n = n;
    const uint8_t *p = buf;
    for (size_t i = 0; i < n; i++) {
        uint64_t k = (uint64_t)i << s->cluster_bits;
        uint8_t *out = c->data + k;
        if (c->skip_zero && buffer_is_zero(p + k, (size_t)MIN(len - k, s->cluster_size))) {
            c->len[i] = 0;
            continue;
        }
        if (len - k >= s->cluster_size) {
            c->len[i] = compress_one(s, p + k, out);
            continue;
        }
        uint8_t *full = xzalloc(s->cluster_size); /* the unaligned end of the image */
        memcpy(full, p + k, (size_t)(len - k));
        c->len[i] = compress_one(s, full, out);
        free(full);
    }
    return 0;
}

int qcow2_write_compressed(BlockDriverState *bs, uint64_t off, const void *buf, uint64_t len,
                           const BlockCompressed *pre)
{
    Qcow2State *s = bs->opaque;
    /* Refused before anything is written. */
    if (!whole_clusters(bs, off, len)) {
        return -EINVAL;
    }
    BlockCompressed own = { 0 };
    const BlockCompressed *c = pre;
    if (!c) {
        qcow2_compress_clusters(bs, buf, len, &own);
        c = &own;
    }
    if (c->n != (len + s->cluster_size - 1) >> s->cluster_bits || c->cluster != s->cluster_size) {
        blk_compressed_free(&own);
        return -EINVAL;
    }
    const uint8_t *p = buf;
    int r = 0;
    for (size_t i = 0; i < c->n && r == 0; i++) {
        uint64_t k = (uint64_t)i << s->cluster_bits;
        uint8_t *full = NULL;
        const uint8_t *src = p + k;
        if (len - k < s->cluster_size) {
            full = xzalloc(s->cluster_size);
            memcpy(full, p + k, (size_t)(len - k));
            src = full;
        }
        r = write_one(bs, off + k, src, c->data + k, c->len[i]);
        free(full);
    }
    blk_compressed_free(&own);
    return r;
}
