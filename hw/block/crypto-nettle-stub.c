/* Cipher primitives when kemu is built without nettle: encrypted images
 * cannot be created or unlocked (their headers are still read). */
#include "hw/block/crypto.h"
#include "hw/block/block.h"

#include <errno.h>
#include <string.h>

bool crypto_available(void)
{
    return false;
}

size_t crypto_key_len(const CryptoSpec *spec, char **errp)
{
    blk_error(errp, "This build has no encryption support (nettle)");
    return 0;
}

CryptoCipher *crypto_cipher_new(const CryptoSpec *spec, const uint8_t *key, char **errp)
{
    blk_error(errp, "This build has no encryption support (nettle)");
    return NULL;
}

void crypto_cipher_free(CryptoCipher *c)
{
}

void crypto_encrypt(CryptoCipher *c, uint64_t sector, uint8_t *buf, size_t len)
{
}

void crypto_decrypt(CryptoCipher *c, uint64_t sector, uint8_t *buf, size_t len)
{
}

int crypto_aes256_cbc_decrypt(const uint8_t *key, const uint8_t *iv, uint8_t *buf, size_t len)
{
    return -ENOTSUP;
}

size_t crypto_hash_len(const char *hash)
{
    return 0;
}

void crypto_hash(const char *hash, const uint8_t *in, size_t len, uint8_t *out)
{
}

int crypto_pbkdf2(const char *hash, const uint8_t *pw, size_t pwlen, const uint8_t *salt,
                  size_t saltlen, uint32_t iters, uint8_t *out, size_t outlen)
{
    return -ENOTSUP;
}

uint64_t crypto_pbkdf2_rate(const char *hash, size_t outlen)
{
    return 0;
}

int crypto_random(void *buf, size_t len)
{
    return -ENOTSUP;
}
