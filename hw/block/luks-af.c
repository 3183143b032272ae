/* LUKS's anti-forensic splitter: the master key is stored spread over
 * `stripes` blocks, all of which are needed to recover it, so erasing any
 * part of a key slot destroys the key.  Each block is mixed into the next
 * by a hash-based diffusion (LUKS1 specification, section "AF-Splitter"). */
#include "hw/block/luks.h"
#include "hw/block/block-int.h"
#include "hw/core/util.h"

#include <stdlib.h>
#include <string.h>

/* Hash each digest-sized piece of buf with its big-endian index in front. */
static void diffuse(const char *hash, uint8_t *buf, size_t size)
{
    size_t ds = crypto_hash_len(hash);
    uint8_t in[4 + CRYPTO_MAX_KEY], out[CRYPTO_MAX_DIGEST];
    for (size_t i = 0, off = 0; off < size; i++, off += ds) {
        size_t n = MIN(ds, size - off);
        st_be32(in, (uint32_t)i);
        memcpy(in + 4, buf + off, n);
        crypto_hash(hash, in, 4 + n, out);
        memcpy(buf + off, out, n);
    }
}

static void xor_into(uint8_t *dst, const uint8_t *src, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        dst[i] ^= src[i];
    }
}

void luks_af_merge(const char *hash, const uint8_t *split, size_t blocksize, uint32_t stripes,
                   uint8_t *key)
{
    uint8_t d[CRYPTO_MAX_KEY] = { 0 };
    for (uint32_t i = 0; i + 1 < stripes; i++) {
        xor_into(d, split + (size_t)i * blocksize, blocksize);
        diffuse(hash, d, blocksize);
    }
    memcpy(key, split + (size_t)(stripes - 1) * blocksize, blocksize);
    xor_into(key, d, blocksize);
    explicit_bzero(d, sizeof(d));
}

int luks_af_split(const char *hash, const uint8_t *key, size_t blocksize, uint32_t stripes,
                  uint8_t *split)
{
    uint8_t d[CRYPTO_MAX_KEY] = { 0 };
    int r = crypto_random(split, (size_t)(stripes - 1) * blocksize);
    for (uint32_t i = 0; r == 0 && i + 1 < stripes; i++) {
        xor_into(d, split + (size_t)i * blocksize, blocksize);
        diffuse(hash, d, blocksize);
    }
    uint8_t *last = split + (size_t)(stripes - 1) * blocksize;
    memcpy(last, key, blocksize);
    xor_into(last, d, blocksize);
    explicit_bzero(d, sizeof(d));
    return r;
}
