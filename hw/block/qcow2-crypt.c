/* qcow2 encryption.  LUKS (crypt_method 2): a LUKS1 header and key slots in
 * clusters named by the crypt header extension; each 512-byte sector of a
 * data cluster is encrypted with its host offset as IV (QEMU's
 * "physical offsets", so equal guest data in two clusters differs).  The
 * legacy method (1, "aes"): AES-128-CBC keyed by the passphrase itself,
 * the guest offset as IV.  Compressed clusters are never encrypted. */
#include "hw/block/qcow2.h"
#include "hw/block/block-int.h"
#include "hw/block/luks.h"
#include "hw/core/util.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECTOR CRYPTO_SECTOR_SIZE

/* Where the LUKS volume lies in the file: offsets are relative to it. */
typedef struct Region {
    BlockFile *file;
    uint64_t start, len;
} Region;

static int region_io(void *opaque, uint64_t off, void *buf, size_t len, bool write)
{
    Region *r = opaque;
    if (off > r->len || len > r->len - off) {
        return -EINVAL;
    }
    return write ? bfile_pwrite(r->file, r->start + off, buf, len)
                 : bfile_pread(r->file, r->start + off, buf, len);
}

static int open_aes(Qcow2State *s, const uint8_t *pw, size_t pwlen, char **errp)
{
    static const CryptoSpec spec = { "aes-128", "cbc", "plain64", "" };
    uint8_t key[16] = { 0 };
    memcpy(key, pw, MIN(pwlen, sizeof(key)));
    s->cipher = crypto_cipher_new(&spec, key, errp);
    explicit_bzero(key, sizeof(key));
    return s->cipher ? 0 : -EINVAL;
}

static int open_luks(BlockDriverState *bs, const uint8_t *pw, size_t pwlen, char **errp)
{
    Qcow2State *s = bs->opaque;
    int64_t flen = bfile_length(bs->file);
    Region rg = { bs->file, s->crypt_offset, s->crypt_length };
    if (!s->crypt_offset || (s->crypt_offset & (s->cluster_size - 1)) || flen < 0 ||
        s->crypt_offset > (uint64_t)flen || s->crypt_length > (uint64_t)flen - s->crypt_offset) {
        blk_error(errp, "Invalid crypt header extension (offset 0x%" PRIx64 ", length %" PRIu64
                  ")", s->crypt_offset, s->crypt_length);
        return -EINVAL;
    }
    s->luks = xzalloc(sizeof(*s->luks));
    int r = luks_open(s->luks, region_io, &rg, s->crypt_length, pw, pwlen, errp);
    s->cipher = s->luks->cipher;
    return r;
}

int qcow2_crypt_open(BlockDriverState *bs, char **errp)
{
    Qcow2State *s = bs->opaque;
    size_t pwlen = 0;
    const uint8_t *pw = NULL;
    if (!s->crypt_method) {
        return 0;
    }
    if (s->crypt_method > QCOW2_CRYPT_LUKS) {
        blk_error(errp, "Unsupported encryption method: %u", s->crypt_method);
        return -ENOTSUP;
    }
    if (s->crypt_method == QCOW2_CRYPT_LUKS && !s->has_crypt_ext) {
        blk_error(errp, "LUKS encryption needs the crypt header extension");
        return -EINVAL;
    }
    if (!(bs->flags & BDRV_O_NO_IO)) { /* info reads the header alone, as qemu-img */
        pw = luks_secret(bs->key_secret, "encrypt.key-secret", &pwlen, errp);
        if (!pw) {
            return -EINVAL;
        }
    }
    if (s->crypt_method == QCOW2_CRYPT_LUKS) {
        return open_luks(bs, pw, pwlen, errp);
    }
    return pw ? open_aes(s, pw, pwlen, errp) : 0;
}

void qcow2_crypt_close(Qcow2State *s)
{
    if (s->luks) {
        luks_close(s->luks);
        free(s->luks);
    } else {
        crypto_cipher_free(s->cipher);
    }
    s->luks = NULL;
    s->cipher = NULL;
}

/* The IV's sector: the host offset (LUKS) or the guest offset (aes). */
static uint64_t iv_sector(const Qcow2State *s, uint64_t host, uint64_t vaddr)
{
    return (s->crypt_method == QCOW2_CRYPT_LUKS ? host : vaddr) / SECTOR;
}

int qcow2_data_pread(BlockDriverState *bs, uint64_t host, uint64_t vaddr, uint8_t *buf,
                     size_t n)
{
    Qcow2State *s = bs->opaque;
    if (!s->crypt_method) {
        return bfile_pread(qcow2_data(bs), host, buf, n);
    }
    if (!s->cipher) {
        return -EACCES;
    }
    /* Host and guest offsets share their offset within a sector. */
    uint64_t skip = host % SECTOR;
    size_t span = ALIGN_UP(skip + n, SECTOR);
    uint8_t *tmp = xmalloc(span);
    int r = bfile_pread(qcow2_data(bs), host - skip, tmp, span);
    if (r == 0) {
        crypto_decrypt(s->cipher, iv_sector(s, host - skip, vaddr - skip), tmp, span);
        memcpy(buf, tmp + skip, n);
    }
    free(tmp);
    return r;
}

int qcow2_data_pwrite(BlockDriverState *bs, uint64_t host, uint64_t vaddr, const uint8_t *buf,
                      size_t n)
{
    Qcow2State *s = bs->opaque;
    if (!s->crypt_method) {
        return bfile_pwrite(qcow2_data(bs), host, buf, n);
    }
    if (!s->cipher) {
        return -EACCES;
    }
    uint64_t skip = host % SECTOR;
    size_t span = ALIGN_UP(skip + n, SECTOR);
    uint8_t *tmp = xmalloc(span);
    int r = 0;
    if (skip || n % SECTOR) {
        /* Partial sectors: the bytes around the write keep their content. */
        r = qcow2_data_pread(bs, host - skip, vaddr - skip, tmp, span);
    }
    if (r == 0) {
        memcpy(tmp + skip, buf, n);
        crypto_encrypt(s->cipher, iv_sector(s, host - skip, vaddr - skip), tmp, span);
        r = bfile_pwrite(qcow2_data(bs), host - skip, tmp, span);
    }
    free(tmp);
    return r;
}

static int check_format(const BlockCryptOpts *c, char **errp)
{
    if (strcmp(c->format, "luks") && strcmp(c->format, "aes")) {
        blk_error(errp, "Parameter 'encrypt.format' does not accept value '%s'", c->format);
        return -EINVAL;
    }
    return 0;
}

/* A LUKS volume in new clusters; the header extension names them. */
static int format_luks(BlockDriverState *bs, const BlockCryptOpts *c, const uint8_t *pw,
                       size_t pwlen, char **errp)
{
    Qcow2State *s = bs->opaque;
    LuksParams p = luks_params(c);
    int64_t len = luks_header_size(&p, errp);
    if (len < 0) {
        return -EINVAL;
    }
    int64_t off = qcow2_alloc_clusters(bs, qcow2_size_to_clusters(s, (uint64_t)len));
    if (off < 0) {
        blk_error(errp, "Could not allocate the encryption header: %s", strerror((int)-off));
        return (int)off;
    }
    /* The clusters exist in the file, as their refcounts say. */
    uint64_t end = (uint64_t)off + ALIGN_UP((uint64_t)len, s->cluster_size);
    int64_t flen = bfile_length(bs->file);
    if (flen >= 0 && (uint64_t)flen < end && (flen = bfile_truncate(bs->file, end, 0)) < 0) {
        return (int)flen;
    }
    Region rg = { bs->file, (uint64_t)off, (uint64_t)len };
    s->luks = xzalloc(sizeof(*s->luks));
    int64_t r = luks_format(s->luks, &p, region_io, &rg, pw, pwlen, errp);
    if (r < 0) {
        return (int)r;
    }
    uint8_t ext[24];
    st_be32(ext, QCOW2_EXT_CRYPT);
    st_be32(ext + 4, 16);
    st_be64(ext + 8, (uint64_t)off);
    st_be64(ext + 16, (uint64_t)len);
    s->ext_unknown = xrealloc(s->ext_unknown, s->ext_unknown_len + sizeof(ext));
    memcpy(s->ext_unknown + s->ext_unknown_len, ext, sizeof(ext));
    s->ext_unknown_len += sizeof(ext);
    s->crypt_offset = (uint64_t)off;
    s->crypt_length = (uint64_t)len;
    s->has_crypt_ext = true;
    return 0;
}

int qcow2_crypt_format(BlockDriverState *bs, const BlockCryptOpts *c, char **errp)
{
    Qcow2State *s = bs->opaque;
    size_t pwlen;
    int r = check_format(c, errp);
    const uint8_t *pw = r < 0 ? NULL : luks_secret(c->key_secret, "encrypt.key-secret", &pwlen,
                                                   errp);
    if (!pw) {
        return -EINVAL;
    }
    if (!strcmp(c->format, "luks")) {
        r = format_luks(bs, c, pw, pwlen, errp);
        s->crypt_method = QCOW2_CRYPT_LUKS;
    } else {
        r = open_aes(s, pw, pwlen, errp);
        s->crypt_method = QCOW2_CRYPT_AES;
    }
    if (r == 0) {
        r = qcow2_flush_metadata(bs);
    }
    if (r == 0) {
        r = qcow2_write_header(bs);
    }
    if (r < 0 && errp && !*errp) {
        blk_error(errp, "Could not write the encryption header: %s", strerror(-r));
    }
    return r;
}

uint64_t qcow2_crypt_measure(const BlockCryptOpts *c, uint32_t cluster_size)
{
    if (!c->format || strcmp(c->format, "luks")) {
        return 0;
    }
    LuksParams p = luks_params(c);
    int64_t len = luks_header_size(&p, NULL);
    return len < 0 ? 0 : ALIGN_UP((uint64_t)len, cluster_size);
}

int qcow2_crypt_amend(BlockDriverState *bs, const BlockCryptOpts *c, char **errp)
{
    Qcow2State *s = bs->opaque;
    LuksAmend a;
    if (!s->luks) {
        blk_error(errp, "Amending encryption options is only supported for LUKS encryption");
        return -ENOTSUP;
    }
    int r = luks_amend_opts(c, &a, errp);
    Region rg = { bs->file, s->crypt_offset, s->crypt_length };
    return r < 0 ? r : luks_amend(s->luks, &a, region_io, &rg, errp);
}
