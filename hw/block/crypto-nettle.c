/* Cipher primitives for disk encryption on nettle: block ciphers in XTS,
 * CBC or ECB mode with the per-sector IV generators of dm-crypt (plain,
 * plain64, essiv), hashes, PBKDF2 and the kernel's random bytes. */
#include "hw/block/crypto.h"
#include "hw/block/block.h"
#include "hw/core/util.h"

#include <errno.h>
#include <nettle/aes.h>
#include <nettle/cbc.h>
#include <nettle/hmac.h>
#include <nettle/nettle-meta.h>
#include <nettle/pbkdf2.h>
#include <nettle/xts.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

enum { MODE_ECB, MODE_CBC, MODE_XTS };
enum { IV_NONE, IV_PLAIN, IV_PLAIN64, IV_ESSIV };

struct CryptoCipher {
    const struct nettle_cipher *alg;
    int mode, ivgen;
    void *enc, *dec, *twk;
    const struct nettle_cipher *essiv_alg;
    void *essiv;
};

bool crypto_available(void)
{
    return true;
}

/* nettle's cipher for QEMU's name of family and key size ("aes-256"). */
static const struct nettle_cipher *find_cipher(const char *family, unsigned bits)
{
    static const struct {
        const char *family;
        const struct nettle_cipher *alg;
    } table[] = {
        { "aes", &nettle_aes128 },         { "aes", &nettle_aes192 },
        { "aes", &nettle_aes256 },         { "cast5", &nettle_cast128 },
        { "serpent", &nettle_serpent128 }, { "serpent", &nettle_serpent192 },
        { "serpent", &nettle_serpent256 }, { "twofish", &nettle_twofish128 },
        { "twofish", &nettle_twofish192 }, { "twofish", &nettle_twofish256 },
    };
    for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
        if (!strcmp(table[i].family, family) && table[i].alg->key_size * 8 == bits) {
            return table[i].alg;
        }
    }
    return NULL;
}

static const struct nettle_cipher *cipher_by_name(const char *name)
{
    char family[16];
    unsigned bits;
    if (sscanf(name, "%15[a-z0-9]-%u", family, &bits) != 2) {
        return NULL;
    }
    return find_cipher(family, bits);
}

static const struct nettle_hash *hash_by_name(const char *name)
{
    static const char *const allowed[] = { "md5", "sha1", "sha224", "sha256", "sha384",
                                           "sha512", "ripemd160" };
    for (size_t i = 0; i < ARRAY_SIZE(allowed); i++) {
        if (!strcmp(name, allowed[i])) {
            return nettle_lookup_hash(name);
        }
    }
    return NULL;
}

static int mode_of(const char *s)
{
    return !strcmp(s, "xts") ? MODE_XTS : !strcmp(s, "cbc") ? MODE_CBC
                                        : !strcmp(s, "ecb") ? MODE_ECB : -1;
}

static int ivgen_of(const char *s)
{
    return !*s ? IV_NONE : !strcmp(s, "plain") ? IV_PLAIN : !strcmp(s, "plain64") ? IV_PLAIN64
                                               : !strcmp(s, "essiv") ? IV_ESSIV : -1;
}

size_t crypto_key_len(const CryptoSpec *spec, char **errp)
{
    const struct nettle_cipher *alg = cipher_by_name(spec->cipher);
    int mode = mode_of(spec->mode), iv = ivgen_of(spec->ivgen);
    if (!alg) {
        blk_error(errp, "Algorithm '%s' not supported", spec->cipher);
    } else if (mode < 0) {
        blk_error(errp, "Cipher mode '%s' not supported", spec->mode);
    } else if (mode == MODE_XTS && alg->block_size != 16) {
        blk_error(errp, "XTS mode is only supported with 16-byte block ciphers");
    } else if (iv < 0 || (iv == IV_NONE && mode != MODE_ECB)) {
        blk_error(errp, "Unknown IV generator algorithm '%s'", spec->ivgen);
    } else if (iv == IV_ESSIV && !hash_by_name(spec->ivhash)) {
        blk_error(errp, "Hash algorithm '%s' not supported", spec->ivhash);
    } else {
        return alg->key_size * (mode == MODE_XTS ? 2 : 1);
    }
    return 0;
}

/* ESSIV encrypts the sector number with the hash of the key as key, in the
 * cipher of the same family whose key is as long as that hash. */
static int essiv_setup(CryptoCipher *c, const CryptoSpec *spec, const uint8_t *key,
                       size_t keylen, char **errp)
{
    const struct nettle_hash *h = hash_by_name(spec->ivhash);
    char family[16];
    sscanf(spec->cipher, "%15[a-z0-9]", family);
    c->essiv_alg = find_cipher(family, h->digest_size * 8);
    if (!c->essiv_alg || c->essiv_alg->block_size != c->alg->block_size) {
        blk_error(errp, "Cipher '%s' with key size %u is not available for essiv", family,
                  h->digest_size);
        return -EINVAL;
    }
    uint8_t digest[CRYPTO_MAX_DIGEST];
    crypto_hash(spec->ivhash, key, keylen, digest);
    c->essiv = xzalloc(c->essiv_alg->context_size);
    c->essiv_alg->set_encrypt_key(c->essiv, digest);
    return 0;
}

CryptoCipher *crypto_cipher_new(const CryptoSpec *spec, const uint8_t *key, char **errp)
{
    size_t keylen = crypto_key_len(spec, errp);
    if (!keylen) {
        return NULL;
    }
    CryptoCipher *c = xzalloc(sizeof(*c));
    c->alg = cipher_by_name(spec->cipher);
    c->mode = mode_of(spec->mode);
    c->ivgen = ivgen_of(spec->ivgen);
    c->enc = xzalloc(c->alg->context_size);
    c->dec = xzalloc(c->alg->context_size);
    c->alg->set_encrypt_key(c->enc, key);
    c->alg->set_decrypt_key(c->dec, key);
    if (c->mode == MODE_XTS) {
        c->twk = xzalloc(c->alg->context_size);
        c->alg->set_encrypt_key(c->twk, key + c->alg->key_size);
    }
    if (c->ivgen == IV_ESSIV && essiv_setup(c, spec, key, keylen, errp) < 0) {
        crypto_cipher_free(c);
        return NULL;
    }
    return c;
}

void crypto_cipher_free(CryptoCipher *c)
{
    if (!c) {
        return;
    }
    free(c->enc);
    free(c->dec);
    free(c->twk);
    free(c->essiv);
    free(c);
}

static void make_iv(const CryptoCipher *c, uint64_t sector, uint8_t *iv)
{
    memset(iv, 0, c->alg->block_size);
    uint64_t n = c->ivgen == IV_PLAIN ? (uint32_t)sector : sector;
    for (int i = 0; i < 8; i++) {
        iv[i] = (uint8_t)(n >> (8 * i));
    }
    if (c->ivgen == IV_ESSIV) {
        c->essiv_alg->encrypt(c->essiv, c->alg->block_size, iv, iv);
    }
}

static void crypt_sector(CryptoCipher *c, uint64_t sector, uint8_t *p, bool enc)
{
    uint8_t iv[16];
    size_t n = CRYPTO_SECTOR_SIZE;
    make_iv(c, sector, iv);
    if (c->mode == MODE_XTS && enc) {
        xts_encrypt_message(c->enc, c->twk, c->alg->encrypt, iv, n, p, p);
    } else if (c->mode == MODE_XTS) {
        xts_decrypt_message(c->dec, c->twk, c->alg->decrypt, c->alg->encrypt, iv, n, p, p);
    } else if (c->mode == MODE_CBC && enc) {
        cbc_encrypt(c->enc, c->alg->encrypt, c->alg->block_size, iv, n, p, p);
    } else if (c->mode == MODE_CBC) {
        cbc_decrypt(c->dec, c->alg->decrypt, c->alg->block_size, iv, n, p, p);
    } else if (enc) {
        c->alg->encrypt(c->enc, n, p, p);
    } else {
        c->alg->decrypt(c->dec, n, p, p);
    }
}

void crypto_encrypt(CryptoCipher *c, uint64_t sector, uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i += CRYPTO_SECTOR_SIZE) {
        crypt_sector(c, sector++, buf + i, true);
    }
}

void crypto_decrypt(CryptoCipher *c, uint64_t sector, uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i += CRYPTO_SECTOR_SIZE) {
        crypt_sector(c, sector++, buf + i, false);
    }
}

int crypto_aes256_cbc_decrypt(const uint8_t *key, const uint8_t *iv, uint8_t *buf, size_t len)
{
    struct aes256_ctx ctx;
    uint8_t v[16];
    memcpy(v, iv, sizeof(v));
    aes256_set_decrypt_key(&ctx, key);
    cbc_decrypt(&ctx, (nettle_cipher_func *)aes256_decrypt, 16, v, len, buf, buf);
    explicit_bzero(&ctx, sizeof(ctx));
    return 0;
}

size_t crypto_hash_len(const char *hash)
{
    const struct nettle_hash *h = hash_by_name(hash);
    return h ? h->digest_size : 0;
}

void crypto_hash(const char *hash, const uint8_t *in, size_t len, uint8_t *out)
{
    const struct nettle_hash *h = hash_by_name(hash);
    void *ctx = xzalloc(h->context_size);
    h->init(ctx);
    h->update(ctx, len, in);
    h->digest(ctx, h->digest_size, out);
    free(ctx);
}

/* HMAC over any nettle hash, in the shape nettle's pbkdf2() calls. */
typedef struct Hmac {
    const struct nettle_hash *h;
    uint8_t *outer, *inner, *state;
} Hmac;

static void hmac_any_update(void *ctx, size_t len, const uint8_t *data)
{
    Hmac *m = ctx;
    hmac_update(m->state, m->h, len, data);
}

static void hmac_any_digest(void *ctx, size_t len, uint8_t *out)
{
    Hmac *m = ctx;
    hmac_digest(m->outer, m->inner, m->state, m->h, len, out);
}

int crypto_pbkdf2(const char *hash, const uint8_t *pw, size_t pwlen, const uint8_t *salt,
                  size_t saltlen, uint32_t iters, uint8_t *out, size_t outlen)
{
    Hmac m = { hash_by_name(hash) };
    if (!m.h || !iters) {
        return -EINVAL;
    }
    m.outer = xzalloc(m.h->context_size);
    m.inner = xzalloc(m.h->context_size);
    m.state = xzalloc(m.h->context_size);
    hmac_set_key(m.outer, m.inner, m.state, m.h, pwlen, pw);
    pbkdf2(&m, hmac_any_update, hmac_any_digest, m.h->digest_size, iters, saltlen, salt,
           outlen, out);
    free(m.outer);
    free(m.inner);
    free(m.state);
    return 0;
}

static uint64_t thread_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t crypto_pbkdf2_rate(const char *hash, size_t outlen)
{
    /* Time on this thread's CPU clock, so a busy host does not make the
     * count small; double the iterations until a run takes 100 ms. */
    uint8_t pw[32] = { 0 }, salt[32] = { 0 }, out[CRYPTO_MAX_KEY];
    outlen = MIN(outlen, sizeof(out));
    for (uint32_t iters = 1 << 10;; iters *= 2) {
        uint64_t t0 = thread_ns();
        crypto_pbkdf2(hash, pw, sizeof(pw), salt, sizeof(salt), iters, out, outlen);
        uint64_t ns = thread_ns() - t0;
        if (ns >= 100000000u || iters >= (1u << 30)) {
            return (uint64_t)iters * 1000000000u / MAX(ns, 1);
        }
    }
}

int crypto_random(void *buf, size_t len)
{
    for (size_t done = 0; done < len;) {
        ssize_t n = getrandom((uint8_t *)buf + done, len - done, 0);
        if (n < 0 && errno != EINTR) {
            return -errno;
        }
        done += n > 0 ? (size_t)n : 0;
    }
    return 0;
}
