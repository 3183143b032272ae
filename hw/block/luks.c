/* The luks format: a LUKS1 header and key slots, then the payload, every
 * 512-byte sector of it encrypted with the master key and its sector number
 * (counted from the payload's start) as IV.  Unaligned requests read,
 * decrypt and re-encrypt the sectors they touch. */
#include "hw/block/luks.h"
#include "hw/block/block.h"
#include "hw/core/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK (1u << 20) /* bytes encrypted per bounce buffer */

typedef struct LuksState {
    LuksVolume v;
    uint64_t payload; /* bytes */
} LuksState;

static int file_io(void *opaque, uint64_t off, void *buf, size_t len, bool write)
{
    BlockFile *f = opaque;
    return write ? bfile_pwrite(f, off, buf, len) : bfile_pread(f, off, buf, len);
}

static int luks_drv_open(BlockDriverState *bs, char **errp)
{
    LuksState *s = bs->opaque;
    int64_t len = bfile_length(bs->file);
    size_t pwlen = 0;
    const uint8_t *pw = NULL;
    if (len < 0) {
        blk_error(errp, "Could not get the size of '%s': %s", bs->filename, strerror((int)-len));
        return (int)len;
    }
    if (!(bs->flags & BDRV_O_NO_IO)) { /* info reads the header alone, as qemu-img */
        pw = luks_secret(bs->key_secret, "key-secret", &pwlen, errp);
        if (!pw) {
            return -EINVAL;
        }
    }
    int r = luks_open(&s->v, file_io, bs->file, (uint64_t)len, pw, pwlen, errp);
    if (r < 0) {
        luks_close(&s->v);
        return r;
    }
    s->payload = (uint64_t)s->v.h.payload_offset * CRYPTO_SECTOR_SIZE;
    if (s->payload > (uint64_t)len) {
        blk_error(errp, "LUKS payload is overlapping with the header");
        luks_close(&s->v);
        return -EINVAL;
    }
    bs->total_size = ((uint64_t)len - s->payload) & ~(uint64_t)(CRYPTO_SECTOR_SIZE - 1);
    return 0;
}

static void luks_drv_close(BlockDriverState *bs)
{
    LuksState *s = bs->opaque;
    luks_close(&s->v);
}

/* Sectors [sec, sec + n/512) of the payload, decrypted into buf. */
static int read_sectors(BlockDriverState *bs, uint64_t sec, uint8_t *buf, size_t n)
{
    LuksState *s = bs->opaque;
    if (!s->v.cipher) {
        return -EACCES;
    }
    int r = bfile_pread(bs->file, s->payload + sec * CRYPTO_SECTOR_SIZE, buf, n);
    if (r == 0) {
        crypto_decrypt(s->v.cipher, sec, buf, n);
    }
    return r;
}

static int luks_drv_read(BlockDriverState *bs, uint64_t off, void *buf, uint64_t len)
{
    uint8_t *out = buf, *bounce = xmalloc(CHUNK);
    int r = 0;
    while (len && r == 0) {
        uint64_t sec = off / CRYPTO_SECTOR_SIZE, skip = off % CRYPTO_SECTOR_SIZE;
        size_t n = (size_t)MIN(len, CHUNK - skip);
        size_t span = ALIGN_UP(skip + n, CRYPTO_SECTOR_SIZE);
        r = read_sectors(bs, sec, bounce, span);
        memcpy(out, bounce + skip, n);
        out += n;
        off += n;
        len -= n;
    }
    free(bounce);
    return r;
}

/* Write [off, off+n) of one chunk: partial sectors at its ends are read
 * first; buf NULL writes zeros. */
static int write_chunk(BlockDriverState *bs, uint64_t off, const uint8_t *buf, size_t n,
                       uint8_t *bounce)
{
    LuksState *s = bs->opaque;
    uint64_t sec = off / CRYPTO_SECTOR_SIZE, skip = off % CRYPTO_SECTOR_SIZE;
    size_t span = ALIGN_UP(skip + n, CRYPTO_SECTOR_SIZE);
    int r = 0;
    if (skip) {
        r = read_sectors(bs, sec, bounce, CRYPTO_SECTOR_SIZE);
    }
    if (r == 0 && (skip + n) % CRYPTO_SECTOR_SIZE) {
        r = read_sectors(bs, sec + span / CRYPTO_SECTOR_SIZE - 1,
                         bounce + span - CRYPTO_SECTOR_SIZE, CRYPTO_SECTOR_SIZE);
    }
    if (r < 0) {
        return r;
    }
    if (buf) {
        memcpy(bounce + skip, buf, n);
    } else {
        memset(bounce + skip, 0, n);
    }
    crypto_encrypt(s->v.cipher, sec, bounce, span);
    return bfile_pwrite(bs->file, s->payload + sec * CRYPTO_SECTOR_SIZE, bounce, span);
}

static int write_range(BlockDriverState *bs, uint64_t off, const uint8_t *buf, uint64_t len)
{
    LuksState *s = bs->opaque;
    if (!s->v.cipher) {
        return -EACCES;
    }
    uint8_t *bounce = xmalloc(CHUNK);
    int r = 0;
    while (len && r == 0) {
        size_t n = (size_t)MIN(len, CHUNK - off % CRYPTO_SECTOR_SIZE);
        r = write_chunk(bs, off, buf, n, bounce);
        buf = buf ? buf + n : NULL;
        off += n;
        len -= n;
    }
    free(bounce);
    return r;
}

static int luks_drv_write(BlockDriverState *bs, uint64_t off, const void *buf, uint64_t len)
{
    return write_range(bs, off, buf, len);
}

/* Zeros are encrypted like any data: a hole in the file would read as noise. */
static int luks_drv_write_zeroes(BlockDriverState *bs, uint64_t off, uint64_t len,
                                 bool may_unmap)
{
    return write_range(bs, off, NULL, len);
}

static int luks_drv_discard(BlockDriverState *bs, uint64_t off, uint64_t len)
{
    return 0;
}

static int luks_drv_flush(BlockDriverState *bs)
{
    return bfile_flush(bs->file);
}

/* As QEMU: the file grows or shrinks under the payload; a grown area reads
 * as whatever its (zero) bytes decrypt to. */
static int luks_drv_truncate(BlockDriverState *bs, uint64_t size, bool shrink, PreallocMode pm,
                             char **errp)
{
    LuksState *s = bs->opaque;
    if (size < bs->total_size && !shrink) {
        blk_error(errp, "Use the --shrink option to perform a shrink operation.");
        return -EINVAL;
    }
    int r = bfile_truncate(bs->file, s->payload + size,
                           pm == PREALLOC_FULL ? 2 : pm == PREALLOC_FALLOC);
    if (r < 0) {
        blk_error(errp, "Could not resize file: %s", strerror(-r));
        return r;
    }
    bs->total_size = ALIGN_UP(size, CRYPTO_SECTOR_SIZE);
    return 0;
}

/* Every byte is data: the format cannot tell zeros without decrypting. */
static int luks_drv_block_status(BlockDriverState *bs, uint64_t off, uint64_t len,
                                 uint64_t *pnum, uint64_t *map)
{
    *pnum = len;
    return BDRV_BLOCK_DATA | BDRV_BLOCK_ALLOCATED;
}

static int create_file(const char *filename, BlockFile **bf, char **errp)
{
    FILE *f = fopen(filename, "w");
    if (!f) {
        int e = errno;
        blk_error(errp, "Could not create '%s': %s", filename, strerror(e));
        return -e;
    }
    fclose(f);
    return bfile_open(bf, filename, true, BDRV_CACHE_WRITEBACK, true, errp);
}

static int luks_drv_create(const char *filename, const BlockCreateOpts *o, char **errp)
{
    size_t pwlen;
    const uint8_t *pw = luks_secret(o->crypt.key_secret, "key-secret", &pwlen, errp);
    LuksParams p = luks_params(&o->crypt);
    LuksVolume v;
    BlockFile *bf;
    if (!pw) {
        return -EINVAL;
    }
    if (luks_header_size(&p, errp) < 0) {
        return -EINVAL;
    }
    int r = create_file(filename, &bf, errp);
    if (r < 0) {
        return r;
    }
    int64_t payload = luks_format(&v, &p, file_io, bf, pw, pwlen, errp);
    luks_close(&v);
    r = payload < 0 ? (int)payload : bfile_truncate(bf, (uint64_t)payload + o->size, 0);
    if (r == 0) {
        r = bfile_flush(bf);
    }
    if (r < 0 && errp && !*errp) {
        blk_error(errp, "Could not resize file: %s", strerror(-r));
    }
    bfile_close(bf);
    return r;
}

static void luks_drv_get_info(BlockDriverState *bs, BlockFormatInfo *fi)
{
    LuksState *s = bs->opaque;
    fi->encrypted = true;
    fi->luks = &s->v;
}

static int luks_drv_amend(BlockDriverState *bs, const BlockCreateOpts *o, char **errp)
{
    LuksState *s = bs->opaque;
    LuksAmend a;
    int r = luks_amend_opts(&o->crypt, &a, errp);
    return r < 0 ? r : luks_amend(&s->v, &a, file_io, bs->file, errp);
}

static int luks_drv_make_empty(BlockDriverState *bs)
{
    return -ENOTSUP;
}

static uint64_t luks_drv_measure_meta(const BlockCreateOpts *o)
{
    LuksParams p = luks_params(&o->crypt);
    int64_t n = luks_header_size(&p, NULL);
    return n < 0 ? 0 : (uint64_t)n;
}

const BlockDriver bdrv_luks = {
    .name = "luks",
    .state_size = sizeof(LuksState),
    .no_zero_init = true,
    .probe = luks_probe,
    .open = luks_drv_open,
    .close = luks_drv_close,
    .read = luks_drv_read,
    .write = luks_drv_write,
    .write_zeroes = luks_drv_write_zeroes,
    .discard = luks_drv_discard,
    .flush = luks_drv_flush,
    .truncate = luks_drv_truncate,
    .block_status = luks_drv_block_status,
    .create = luks_drv_create,
    .get_info = luks_drv_get_info,
    .make_empty = luks_drv_make_empty,
    .amend = luks_drv_amend,
    .measure_meta = luks_drv_measure_meta,
};
