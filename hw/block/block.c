/* The generic block layer: format registry and probing, opening images with
 * their backing chain, and bounds-checked I/O dispatch (see block.h). */
#include "hw/block/block.h"
#include "hw/block/iov.h"
#include "hw/block/block-int.h"
#include "hw/core/error.h"
#include "hw/core/util.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A backing chain deeper than this is refused (it is almost surely a loop). */
#define MAX_BACKING_DEPTH 64

static const BlockDriver *const drivers[] = { &bdrv_qcow2, &bdrv_luks, &bdrv_raw, &bdrv_file,
                                              &bdrv_nbd };

void blk_error(char **errp, const char *fmt, ...)
{
    if (!errp) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    char *msg;
    if (vasprintf(&msg, fmt, ap) < 0) {
        msg = NULL;
    }
    va_end(ap);
    free(*errp);
    *errp = msg;
}

const BlockDriver *bdrv_format_at(size_t i)
{
    return i < ARRAY_SIZE(drivers) ? drivers[i] : NULL;
}

const BlockDriver *bdrv_find_format(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(drivers); i++) {
        if (!strcmp(drivers[i]->name, name)) {
            return drivers[i];
        }
    }
    return NULL;
}

static const BlockDriver *probe(BlockFile *f)
{
    uint8_t buf[2048];
    const BlockDriver *best = &bdrv_raw;
    int best_score = 0;
    if (bfile_pread(f, 0, buf, sizeof(buf)) < 0) {
        return &bdrv_raw;
    }
    for (size_t i = 0; i < ARRAY_SIZE(drivers); i++) {
        int s = drivers[i]->probe ? drivers[i]->probe(buf, sizeof(buf)) : 0;
        if (s > best_score) {
            best_score = s;
            best = drivers[i];
        }
    }
    return best;
}

char *bdrv_backing_path(const char *image, const char *backing)
{
    const char *slash = strrchr(image, '/');
    if (backing[0] == '/' || !slash || strstr(backing, "://")) {
        return xstrdup(backing);
    }
    return xasprintf("%.*s/%s", (int)(slash - image), image, backing);
}

static BlockDriverState *open_chain(const char *filename, const char *fmt, int flags,
                                    BlockCacheMode cache, int depth, const BlockOpenOpts *oo,
                                    char **errp);

static int open_backing(BlockDriverState *bs, int flags, int depth, char **errp)
{
    if (!bs->backing_file[0] || (flags & BDRV_O_NO_BACKING)) {
        return 0;
    }
    if (depth >= MAX_BACKING_DEPTH) {
        blk_error(errp, "Backing chain of '%s' is deeper than %d images (a loop?)",
                  bs->filename, MAX_BACKING_DEPTH);
        return -ELOOP;
    }
    char *path = bdrv_backing_path(bs->filename, bs->backing_file);
    char *err = NULL;
    int bflags = (flags & BDRV_O_SHARE) | BDRV_O_NO_REPAIR;
    bs->backing = open_chain(path, bs->backing_fmt[0] ? bs->backing_fmt : NULL, bflags,
                             bs->cache, depth + 1, NULL, &err);
    if (!bs->backing) {
        /* The file is named once, as qemu-img does: drop open_chain's prefix
         * when the reason already starts with it. */
        char *inner = err ? strstr(err, ": Could not open '") : NULL;
        const char *why = inner && !strncmp(err, "Could not open '", 16) ? inner + 2 : err;
        blk_error(errp, "Could not open backing file: %s", why ? why : "unknown error");
        free(err);
        free(path);
        return -EINVAL;
    }
    free(path);
    return 0;
}

int bdrv_open_backing(BlockDriverState *bs, char **errp)
{
    if (bs->backing) {
        return 0;
    }
    return open_backing(bs, bs->flags & ~BDRV_O_NO_BACKING, 0, errp);
}

static BlockDriverState *open_chain(const char *filename, const char *fmt, int flags,
                                    BlockCacheMode cache, int depth, const BlockOpenOpts *oo,
                                    char **errp)
{
    const BlockDriver *drv = NULL;
    char *err = NULL;
    if (fmt && !(drv = bdrv_find_format(fmt))) {
        blk_error(errp, "Could not open '%s': Unknown driver '%s'", filename, fmt);
        return NULL;
    }
    BlockDriverState *bs = xzalloc(sizeof(*bs));
    pthread_mutex_init(&bs->lock, NULL);
    bs->filename = xstrdup(filename);
    bs->flags = flags;
    bs->cache = cache;
    bs->read_only = !(flags & BDRV_O_RDWR);
    bs->key_secret = oo && oo->key_secret ? xstrdup(oo->key_secret) : NULL;
    bs->data_file = oo && oo->data_file ? xstrdup(oo->data_file) : NULL;
    int r = bfile_open(&bs->file, filename, !bs->read_only, cache, flags & BDRV_O_SHARE, &err);
    if (r < 0) {
        goto fail;
    }
    if (!drv) {
        drv = probe(bs->file);
        bs->probed_raw = drv == &bdrv_raw;
    }
    bs->drv = drv;
    bs->opaque = xzalloc(drv->state_size ? drv->state_size : 1);
    r = drv->open(bs, &err);
    if (r < 0) {
        bs->drv = NULL;
        goto fail;
    }
    if (open_backing(bs, flags, depth, &err) < 0) {
        goto fail;
    }
    return bs;
fail:
    blk_error(errp, "Could not open '%s': %s", filename, err ? err : strerror(-r));
    free(err);
    bdrv_close(bs);
    return NULL;
}

BlockDriverState *bdrv_open(const char *filename, const char *fmt, int flags,
                            BlockCacheMode cache, char **errp)
{
    return open_chain(filename, fmt, flags, cache, 0, NULL, errp);
}

BlockDriverState *bdrv_open_keyed(const char *filename, const char *fmt, int flags,
                                  BlockCacheMode cache, const char *key_secret, char **errp)
{
    BlockOpenOpts oo = { .key_secret = key_secret };
    return open_chain(filename, fmt, flags, cache, 0, &oo, errp);
}

BlockDriverState *bdrv_open_with(const char *filename, const char *fmt, int flags,
                                 BlockCacheMode cache, const BlockOpenOpts *oo, char **errp)
{
    return open_chain(filename, fmt, flags, cache, 0, oo, errp);
}

void bdrv_warn_probed_raw(const BlockDriverState *bs)
{
    if (bs->probed_raw) {
        fprintf(stderr, "WARNING: Image format was not specified for '%s' and probing guessed "
                "raw.\n         Automatically detecting the format is dangerous for raw images, "
                "write operations on block 0 will be restricted.\n         Specify the 'raw' "
                "format explicitly to remove the restrictions.\n", bs->filename);
    }
}

void bdrv_close(BlockDriverState *bs)
{
    if (!bs) {
        return;
    }
    if (bs->drv) {
        bs->drv->close(bs);
    }
    bdrv_close(bs->backing);
    bfile_close(bs->file);
    pthread_mutex_destroy(&bs->lock);
    free(bs->opaque);
    free(bs->key_secret);
    free(bs->data_file);
    free(bs->json_name);
    free(bs->filename);
    free(bs);
}

static int check_range(BlockDriverState *bs, uint64_t off, uint64_t len)
{
    if (off > bs->total_size || len > bs->total_size - off) {
        return -EINVAL;
    }
    return 0;
}

static int check_write(BlockDriverState *bs, uint64_t off, uint64_t len)
{
    if (bs->read_only) {
        return -EACCES;
    }
    return check_range(bs, off, len);
}

/* Requests may run in parallel on formats without metadata, unless O_DIRECT
 * makes unaligned writes read-modify-write whole blocks. */
static bool unlocked_io(const BlockDriverState *bs)
{
    return bs->drv->thread_safe_io && !bs->file->direct;
}

static int drv_read(BlockDriverState *bs, uint64_t off, void *buf, uint64_t len)
{
    if (unlocked_io(bs) || bs->drv->reads_unlocked) {
        return bs->drv->read(bs, off, buf, len);
    }
    pthread_mutex_lock(&bs->lock);
    int r = bs->drv->read(bs, off, buf, len);
    pthread_mutex_unlock(&bs->lock);
    return r;
}

int blk_pread(BlockDriverState *bs, uint64_t off, void *buf, uint64_t len)
{
    int r = check_range(bs, off, len);
    if (r < 0 || !len) {
        return r;
    }
    return drv_read(bs, off, buf, len);
}

/* A probed raw image must not become another format by a write to its first
 * sector (a guest could otherwise make the host read any file). */
static bool probed_raw_guard(BlockDriverState *bs, uint64_t off, const void *buf, uint64_t len)
{
    if (!bs->probed_raw || off >= 512) {
        return false;
    }
    uint8_t head[512];
    if (bs->drv->read(bs, 0, head, sizeof(head)) < 0) {
        return false;
    }
    memcpy(head + off, buf, (size_t)MIN(len, 512 - off));
    for (size_t i = 0; i < ARRAY_SIZE(drivers); i++) {
        if (drivers[i] != &bdrv_raw && drivers[i]->probe &&
            drivers[i]->probe(head, sizeof(head)) > 0) {
            return true;
        }
    }
    return false;
}

int blk_pwrite(BlockDriverState *bs, uint64_t off, const void *buf, uint64_t len)
{
    int r = check_write(bs, off, len);
    if (r < 0 || !len) {
        return r;
    }
    if (unlocked_io(bs) && (off >= 512 || !bs->probed_raw)) {
        return bs->drv->write(bs, off, buf, len);
    }
    pthread_mutex_lock(&bs->lock);
    r = probed_raw_guard(bs, off, buf, len) ? -EPERM : bs->drv->write(bs, off, buf, len);
    pthread_mutex_unlock(&bs->lock);
    return r;
}

/* Formats without vectors, and a probed raw image's first sector (its
 * guard looks at the data), go through one buffer. */
static int bounce_vec(BlockDriverState *bs, uint64_t off, const struct iovec *iov, int iovcnt,
                      bool write)
{
    uint64_t len = iov_size(iov, iovcnt);
    uint8_t *buf = xmalloc((size_t)len);
    int r;
    if (write) {
        iov_to_buf(iov, iovcnt, buf);
        r = blk_pwrite(bs, off, buf, len);
    } else {
        r = blk_pread(bs, off, buf, len);
        if (r >= 0) {
            iov_from_buf(iov, iovcnt, buf);
        }
    }
    free(buf);
    return r;
}

int blk_preadv(BlockDriverState *bs, uint64_t off, const struct iovec *iov, int iovcnt)
{
    uint64_t len = iov_size(iov, iovcnt);
    int r = check_range(bs, off, len);
    if (r < 0 || !len) {
        return r;
    }
    if (!bs->drv->readv) {
        return bounce_vec(bs, off, iov, iovcnt, false);
    }
    if (unlocked_io(bs) || bs->drv->reads_unlocked) {
        return bs->drv->readv(bs, off, iov, iovcnt);
    }
    pthread_mutex_lock(&bs->lock);
    r = bs->drv->readv(bs, off, iov, iovcnt);
    pthread_mutex_unlock(&bs->lock);
    return r;
}

/* Only where blk_preadv/blk_pwritev would call the driver's vector
 * function without the image's lock, and past the bytes a probed raw
 * image guards. */
int blk_rwv_nowait(BlockDriverState *bs, uint64_t off, const struct iovec *iov, int iovcnt,
                   bool write)
{
    uint64_t len = iov_size(iov, iovcnt);
    if (!bs->drv->rwv_nowait || !unlocked_io(bs) || !len || (bs->probed_raw && off < 512))
        return -EAGAIN;
    if ((write ? check_write(bs, off, len) : check_range(bs, off, len)) < 0)
        return -EAGAIN;
    return bs->drv->rwv_nowait(bs, off, iov, iovcnt, write);
}

int blk_pwritev(BlockDriverState *bs, uint64_t off, const struct iovec *iov, int iovcnt)
{
    uint64_t len = iov_size(iov, iovcnt);
    int r = check_write(bs, off, len);
    if (r < 0 || !len) {
        return r;
    }
    if (!bs->drv->writev || (bs->probed_raw && off < 512)) {
        return bounce_vec(bs, off, iov, iovcnt, true);
    }
    if (unlocked_io(bs)) {
        return bs->drv->writev(bs, off, iov, iovcnt);
    }
    pthread_mutex_lock(&bs->lock);
    r = bs->drv->writev(bs, off, iov, iovcnt);
    pthread_mutex_unlock(&bs->lock);
    return r;
}

int blk_pwrite_precompressed(BlockDriverState *bs, uint64_t off, const void *buf, uint64_t len,
                             const BlockCompressed *c)
{
    int r = check_write(bs, off, len);
    if (r < 0 || !len) {
        return r;
    }
    if (!bs->drv->write_compressed) {
        return -ENOTSUP;
    }
    pthread_mutex_lock(&bs->lock);
    r = bs->drv->write_compressed(bs, off, buf, len, c);
    pthread_mutex_unlock(&bs->lock);
    return r;
}

int blk_pwrite_compressed(BlockDriverState *bs, uint64_t off, const void *buf, uint64_t len)
{
    return blk_pwrite_precompressed(bs, off, buf, len, NULL);
}

int blk_compress(BlockDriverState *bs, const void *buf, uint64_t len, BlockCompressed *c)
{
    if (!bs->drv->compress) {
        return -ENOTSUP;
    }
    return bs->drv->compress(bs, buf, len, c);
}

void blk_compressed_free(BlockCompressed *c)
{
    free(c->data);
    free(c->len);
    memset(c, 0, sizeof(*c));
}

int blk_pwrite_zeroes(BlockDriverState *bs, uint64_t off, uint64_t len, bool may_unmap)
{
    int r = check_write(bs, off, len);
    if (r < 0 || !len) {
        return r;
    }
    pthread_mutex_lock(&bs->lock);
    r = bs->drv->write_zeroes(bs, off, len, may_unmap);
    pthread_mutex_unlock(&bs->lock);
    return r;
}

int blk_pdiscard(BlockDriverState *bs, uint64_t off, uint64_t len)
{
    int r = check_write(bs, off, len);
    if (r < 0 || !len) {
        return r;
    }
    pthread_mutex_lock(&bs->lock);
    r = bs->drv->discard(bs, off, len);
    pthread_mutex_unlock(&bs->lock);
    return r;
}

int blk_flush(BlockDriverState *bs)
{
    if (bs->read_only) {
        return 0;
    }
    pthread_mutex_lock(&bs->lock);
    int r = bs->drv->flush(bs);
    pthread_mutex_unlock(&bs->lock);
    return r;
}

int blk_truncate(BlockDriverState *bs, uint64_t size, bool shrink, PreallocMode pm,
                 char **errp)
{
    if (bs->read_only) {
        blk_error(errp, "Image is read-only");
        return -EACCES;
    }
    pthread_mutex_lock(&bs->lock);
    int r = bs->drv->truncate(bs, size, shrink, pm, errp);
    pthread_mutex_unlock(&bs->lock);
    return r;
}

uint64_t blk_getlength(BlockDriverState *bs)
{
    return bs->total_size;
}

int blk_block_status(BlockDriverState *bs, uint64_t off, uint64_t len, uint64_t *pnum,
                     uint64_t *map)
{
    int r = check_range(bs, off, len);
    if (r < 0) {
        return r;
    }
    *map = 0;
    pthread_mutex_lock(&bs->lock);
    r = bs->drv->block_status(bs, off, len, pnum, map);
    pthread_mutex_unlock(&bs->lock);
    if (r >= 0 && (*pnum == 0 || *pnum > len)) {
        KEMU_BUG("block_status returned a bad length");
    }
    return r;
}

int bdrv_read_backing(BlockDriverState *bs, uint64_t off, void *buf, uint64_t len)
{
    BlockDriverState *b = bs->backing;
    uint64_t n = 0;
    if (b && off < b->total_size) {
        n = MIN(len, b->total_size - off);
        int r = drv_read(b, off, buf, n);
        if (r < 0) {
            return r;
        }
    }
    memset((uint8_t *)buf + n, 0, (size_t)(len - n));
    return 0;
}

int bdrv_create(const char *fmt, const char *filename, const BlockCreateOpts *o, char **errp)
{
    const BlockDriver *drv = bdrv_find_format(fmt);
    if (!drv) {
        blk_error(errp, "Unknown file format '%s'", fmt);
        return -EINVAL;
    }
    /* Never truncate an image another process (or this one) has open. */
    BlockFile *f;
    char *err = NULL;
    int r = bfile_open(&f, filename, true, BDRV_CACHE_WRITEBACK, false, &err);
    if (r == -EAGAIN) {
        blk_error(errp, "%s", err);
        free(err);
        return r;
    }
    free(err);
    if (r == 0) {
        bfile_close(f);
    }
    /* QEMU sizes disks in whole 512-byte sectors: 1000 bytes make 1024. */
    BlockCreateOpts rounded = *o;
    rounded.size = ALIGN_UP(o->size, BDRV_SECTOR_SIZE);
    return drv->create(filename, &rounded, errp);
}

int bdrv_parse_cache(const char *s, BlockCacheMode *out)
{
    static const char *const names[] = { "writeback", "writethrough", "none", "directsync",
                                          "unsafe" };
    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        if (!strcmp(s, names[i])) {
            *out = (BlockCacheMode)i;
            return 0;
        }
    }
    if (!strcmp(s, "off")) {
        *out = BDRV_CACHE_NONE;
        return 0;
    }
    return -1;
}

static const char *const prealloc_names[] = { "off", "metadata", "falloc", "full" };

int bdrv_parse_prealloc(const char *s, PreallocMode *out)
{
    for (size_t i = 0; i < ARRAY_SIZE(prealloc_names); i++) {
        if (!strcmp(s, prealloc_names[i])) {
            *out = (PreallocMode)i;
            return 0;
        }
    }
    return -1;
}

const char *bdrv_prealloc_name(PreallocMode pm)
{
    return prealloc_names[pm];
}

bool buffer_is_zero(const void *buf, size_t len)
{
    const uint8_t *p = buf;
    size_t i = 0;
    for (; i < len && ((uintptr_t)(p + i) & 7); i++) {
        if (p[i]) {
            return false;
        }
    }
    for (; i + 32 <= len; i += 32) {
        const uint64_t *q = (const uint64_t *)(p + i);
        if (q[0] | q[1] | q[2] | q[3]) {
            return false;
        }
    }
    for (; i < len; i++) {
        if (p[i]) {
            return false;
        }
    }
    return true;
}
