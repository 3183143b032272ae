/* Opening and creating LUKS1 volumes: unlocking a key slot with a
 * passphrase (PBKDF2, then the split key material decrypted and merged,
 * then checked against the master key digest), and writing a new header
 * with its master key in slot 0. */
#include "hw/block/luks.h"
#include "hw/block/block.h"
#include "hw/core/util.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIN_ITERS 1000

uint32_t luks_iter_limit = UINT32_MAX;

const uint8_t *luks_secret(const char *key_secret, const char *key, size_t *len, char **errp)
{
    if (!key_secret) {
        blk_error(errp, "Parameter '%s' is required for cipher", key);
        return NULL;
    }
    return crypto_secret_get(key_secret, len, errp);
}

static size_t material_len(const LuksHeader *h)
{
    return ALIGN_UP((size_t)h->key_bytes * LUKS_STRIPES, CRYPTO_SECTOR_SIZE);
}

/* Try one key slot: the candidate master key is right when its digest
 * matches the header's.  Returns 1 (unlocked), 0 (wrong passphrase) or -errno. */
int luks_try_slot(LuksVolume *v, int i, LuksIO io, void *opaque, const uint8_t *pw,
                    size_t pwlen, uint8_t *mk, char **errp)
{
    const LuksHeader *h = &v->h;
    const LuksSlot *s = &h->slot[i];
    uint8_t key[CRYPTO_MAX_KEY], digest[20];
    size_t n = material_len(h);
    crypto_pbkdf2(h->hash, pw, pwlen, s->salt, 32, s->iters, key, h->key_bytes);
    CryptoCipher *c = crypto_cipher_new(&v->spec, key, errp);
    explicit_bzero(key, sizeof(key));
    if (!c) {
        return -EINVAL;
    }
    uint8_t *split = xmalloc(n);
    int r = io(opaque, (uint64_t)s->key_offset * CRYPTO_SECTOR_SIZE, split, n, false);
    if (r < 0) {
        blk_error(errp, "Cannot read key slot %d: %s", i, strerror(-r));
    } else {
        crypto_decrypt(c, 0, split, n);
        luks_af_merge(h->hash, split, h->key_bytes, LUKS_STRIPES, mk);
        crypto_pbkdf2(h->hash, mk, h->key_bytes, h->mk_salt, 32, h->mk_iters, digest, 20);
        r = !memcmp(digest, h->mk_digest, 20);
    }
    explicit_bzero(split, n);
    free(split);
    crypto_cipher_free(c);
    return r;
}

static int unlock(LuksVolume *v, LuksIO io, void *opaque, const uint8_t *pw, size_t pwlen,
                  char **errp)
{
    uint8_t mk[CRYPTO_MAX_KEY];
    int r = 0;
    if (v->h.mk_iters > luks_iter_limit) {
        blk_error(errp, "LUKS master key iteration count %u is over the limit", v->h.mk_iters);
        return -EINVAL;
    }
    for (int i = 0; r == 0 && i < LUKS_SLOTS; i++) {
        if (v->h.slot[i].iters > luks_iter_limit) {
            continue;
        }
        if (v->h.slot[i].active == LUKS_SLOT_ACTIVE) {
            r = luks_try_slot(v, i, io, opaque, pw, pwlen, mk, errp);
        }
    }
    if (r == 0) {
        blk_error(errp, "Invalid password, cannot unlock any keyslot");
        return -EPERM;
    }
    if (r > 0) {
        v->cipher = crypto_cipher_new(&v->spec, mk, errp);
        memcpy(v->mk, mk, sizeof(v->mk)); /* for amend's new key slots */
        r = v->cipher ? 0 : -EINVAL;
    }
    explicit_bzero(mk, sizeof(mk));
    return r;
}

int luks_open(LuksVolume *v, LuksIO io, void *opaque, uint64_t region, const uint8_t *pw,
              size_t pwlen, char **errp)
{
    uint8_t buf[LUKS_HEADER_LEN];
    memset(v, 0, sizeof(*v));
    int r = region < LUKS_HEADER_LEN ? -EINVAL : io(opaque, 0, buf, sizeof(buf), false);
    if (r < 0 || memcmp(buf, "LUKS\xba\xbe", 6)) {
        blk_error(errp, "Volume is not in LUKS format");
        return r < 0 ? r : -EINVAL;
    }
    luks_header_decode(&v->h, buf);
    r = luks_header_check(v, region, errp);
    if (r < 0 || !pw) {
        return r;
    }
    if (!crypto_available()) {
        blk_error(errp, "This build has no encryption support (nettle)");
        return -ENOTSUP;
    }
    return unlock(v, io, opaque, pw, pwlen, errp);
}

void luks_close(LuksVolume *v)
{
    crypto_cipher_free(v->cipher);
    v->cipher = NULL;
    explicit_bzero(v->mk, sizeof(v->mk));
}

/* QEMU's defaults for what params leave out, and the header's names. */
static int fill_spec(LuksVolume *v, const LuksParams *p, char **errp)
{
    LuksHeader *h = &v->h;
    CryptoSpec *s = &v->spec;
    const char *alg = p->cipher_alg ? p->cipher_alg : "aes-256";
    const char *hash = p->hash_alg ? p->hash_alg : "sha256";
    memset(s, 0, sizeof(*s));
    snprintf(s->cipher, sizeof(s->cipher), "%s", alg);
    snprintf(s->mode, sizeof(s->mode), "%s", p->cipher_mode ? p->cipher_mode : "xts");
    snprintf(s->ivgen, sizeof(s->ivgen), "%s", p->ivgen_alg ? p->ivgen_alg : "plain64");
    snprintf(s->ivhash, sizeof(s->ivhash), "%s", p->ivgen_hash_alg ? p->ivgen_hash_alg : "sha256");
    size_t keylen = crypto_key_len(s, errp);
    if (!keylen) {
        return -EINVAL;
    }
    if (!crypto_hash_len(hash)) {
        blk_error(errp, "Hash algorithm '%s' not supported", hash);
        return -EINVAL;
    }
    h->version = 1;
    h->key_bytes = (uint32_t)keylen;
    snprintf(h->hash, sizeof(h->hash), "%s", hash);
    snprintf(h->cipher_name, sizeof(h->cipher_name), "%.*s", (int)strcspn(alg, "-"), alg);
    snprintf(v->cipher_alg, sizeof(v->cipher_alg), "%s", alg);
    if (!strcmp(s->ivgen, "essiv")) {
        snprintf(h->cipher_mode, sizeof(h->cipher_mode), "%s-essiv:%s", s->mode, s->ivhash);
    } else {
        snprintf(h->cipher_mode, sizeof(h->cipher_mode), "%s-%s", s->mode, s->ivgen);
    }
    return 0;
}

/* Key slots follow a 4 KiB header area, each 4 KiB aligned; the payload
 * follows the last. */
static void fill_layout(LuksHeader *h)
{
    uint32_t header_sectors = LUKS_ALIGN / CRYPTO_SECTOR_SIZE;
    uint32_t split_sectors =
        (uint32_t)(ALIGN_UP((uint64_t)h->key_bytes * LUKS_STRIPES, LUKS_ALIGN) / CRYPTO_SECTOR_SIZE);
    for (int i = 0; i < LUKS_SLOTS; i++) {
        h->slot[i] = (LuksSlot){ .active = LUKS_SLOT_INACTIVE, .stripes = LUKS_STRIPES,
                                 .key_offset = header_sectors + (uint32_t)i * split_sectors };
    }
    h->payload_offset = header_sectors + LUKS_SLOTS * split_sectors;
}

int64_t luks_header_size(const LuksParams *p, char **errp)
{
    LuksVolume v = { 0 };
    if (fill_spec(&v, p, errp) < 0) {
        return -1;
    }
    fill_layout(&v.h);
    return (int64_t)v.h.payload_offset * CRYPTO_SECTOR_SIZE;
}

static void make_uuid(char *out, const uint8_t *r)
{
    uint8_t u[16];
    memcpy(u, r, 16);
    u[6] = (uint8_t)((u[6] & 0x0f) | 0x40); /* version 4: random */
    u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
    sprintf(out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
            u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
            u[13], u[14], u[15]);
}

/* Iterations for iter_time ms of PBKDF2 on this host. */
int luks_count_iters(const LuksHeader *h, uint64_t iter_time, uint32_t *iters, char **errp)
{
    uint64_t rate = crypto_pbkdf2_rate(h->hash, h->key_bytes);
    if (iter_time && rate > UINT64_MAX / iter_time) {
        rate = UINT64_MAX / iter_time;
    }
    uint64_t n = rate * iter_time / 1000;
    if (n > UINT32_MAX) {
        blk_error(errp, "PBKDF iterations %" PRIu64 " too large to encode", n);
        return -ERANGE;
    }
    *iters = (uint32_t)MAX(n, MIN_ITERS);
    return 0;
}

int luks_write_slot(LuksVolume *v, int i, LuksIO io, void *opaque, const uint8_t *pw,
                    size_t pwlen, char **errp)
{
    LuksHeader *h = &v->h;
    LuksSlot *s = &h->slot[i];
    uint8_t key[CRYPTO_MAX_KEY];
    size_t n = material_len(h);
    uint8_t *split = xzalloc(n);
    int r = crypto_random(s->salt, sizeof(s->salt));
    r = r < 0 ? r : luks_af_split(h->hash, v->mk, h->key_bytes, LUKS_STRIPES, split);
    CryptoCipher *c = NULL;
    if (r == 0) {
        crypto_pbkdf2(h->hash, pw, pwlen, s->salt, 32, s->iters, key, h->key_bytes);
        c = crypto_cipher_new(&v->spec, key, errp);
        explicit_bzero(key, sizeof(key));
        r = c ? 0 : -EINVAL;
    }
    if (r == 0) {
        crypto_encrypt(c, 0, split, n);
        r = io(opaque, (uint64_t)s->key_offset * CRYPTO_SECTOR_SIZE, split, n, true);
        s->active = LUKS_SLOT_ACTIVE;
    }
    crypto_cipher_free(c);
    explicit_bzero(split, n);
    free(split);
    return r;
}

int luks_erase_slot(LuksVolume *v, int i, LuksIO io, void *opaque)
{
    LuksSlot *s = &v->h.slot[i];
    size_t n = material_len(&v->h);
    uint8_t *noise = xmalloc(n);
    int r = crypto_random(noise, n);
    r = r < 0 ? r : io(opaque, (uint64_t)s->key_offset * CRYPTO_SECTOR_SIZE, noise, n, true);
    free(noise);
    s->active = LUKS_SLOT_INACTIVE;
    s->iters = 0;
    memset(s->salt, 0, sizeof(s->salt));
    return r;
}

int luks_write_header(LuksVolume *v, LuksIO io, void *opaque)
{
    uint8_t hdr[LUKS_HEADER_LEN];
    luks_header_encode(&v->h, hdr);
    return io(opaque, 0, hdr, sizeof(hdr), true);
}

static int make_keys(LuksVolume *v, uint64_t iter_time, uint8_t *mk, char **errp)
{
    LuksHeader *h = &v->h;
    uint8_t rnd[16];
    uint32_t iters;
    int r = crypto_random(mk, h->key_bytes);
    r = r < 0 ? r : crypto_random(h->mk_salt, sizeof(h->mk_salt));
    r = r < 0 ? r : crypto_random(rnd, sizeof(rnd));
    if (r < 0) {
        blk_error(errp, "Cannot get random bytes: %s", strerror(-r));
        return r;
    }
    make_uuid(h->uuid, rnd);
    if (luks_count_iters(h, iter_time, &iters, errp) < 0) {
        return -ERANGE;
    }
    /* The digest gets an eighth of the time, as cryptsetup gives it. */
    h->slot[0].iters = iters;
    h->mk_iters = MAX(iters / 8, MIN_ITERS);
    return crypto_pbkdf2(h->hash, mk, h->key_bytes, h->mk_salt, 32, h->mk_iters, h->mk_digest,
                         20);
}

int64_t luks_format(LuksVolume *v, const LuksParams *p, LuksIO io, void *opaque,
                    const uint8_t *pw, size_t pwlen, char **errp)
{
    uint8_t mk[CRYPTO_MAX_KEY];
    memset(v, 0, sizeof(*v));
    if (fill_spec(v, p, errp) < 0) {
        return -EINVAL;
    }
    fill_layout(&v->h);
    int r = make_keys(v, p->iter_time ? p->iter_time : 2000, mk, errp);
    memcpy(v->mk, mk, sizeof(v->mk));
    if (r == 0) {
        r = luks_write_slot(v, 0, io, opaque, pw, pwlen, errp);
    }
    if (r == 0) {
        r = luks_write_header(v, io, opaque);
    }
    if (r == 0) {
        v->cipher = crypto_cipher_new(&v->spec, mk, errp);
        r = v->cipher ? 0 : -EINVAL;
    }
    explicit_bzero(mk, sizeof(mk));
    if (r < 0 && errp && !*errp) {
        blk_error(errp, "Cannot write the LUKS header: %s", strerror(-r));
    }
    return r < 0 ? r : (int64_t)v->h.payload_offset * CRYPTO_SECTOR_SIZE;
}
