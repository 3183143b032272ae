/* Disk encryption for the block layer: the cipher primitives (crypto-nettle.c,
 * on the nettle library), the LUKS1 volume format (luks-*.c) shared by the
 * luks driver and qcow2's encryption, and the secrets that hold passphrases
 * (secret.c).  Algorithms are named as QEMU names them ("aes-256", "xts",
 * "plain64", "sha256"). */
#ifndef KEMU_CRYPTO_H
#define KEMU_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CRYPTO_SECTOR_SIZE 512
#define CRYPTO_MAX_KEY 64     /* bytes of the longest key (aes-256 xts) */
#define CRYPTO_MAX_DIGEST 64  /* sha512 */

/* How sectors are encrypted. */
typedef struct CryptoSpec {
    char cipher[16];  /* "aes-256", "twofish-128", "serpent-192", "cast5-128" */
    char mode[8];     /* "xts", "cbc", "ecb" */
    char ivgen[8];    /* "plain64", "plain", "essiv" ("" with ecb) */
    char ivhash[16];  /* essiv's hash */
} CryptoSpec;

typedef struct CryptoCipher CryptoCipher;

/* Whether the cipher primitives are built in (kemu was built with nettle). */
bool crypto_available(void);
/* Key bytes of spec (twice the cipher's with xts); 0 and *errp when spec
 * names something unknown. */
size_t crypto_key_len(const CryptoSpec *spec, char **errp);
CryptoCipher *crypto_cipher_new(const CryptoSpec *spec, const uint8_t *key, char **errp);
void crypto_cipher_free(CryptoCipher *c);
/* Whole sectors in place; sector numbers the first one (the IV). */
void crypto_encrypt(CryptoCipher *c, uint64_t sector, uint8_t *buf, size_t len);
void crypto_decrypt(CryptoCipher *c, uint64_t sector, uint8_t *buf, size_t len);

/* AES-256-CBC decryption in place (QEMU's encrypted secrets); len a
 * multiple of 16.  0 or -ENOTSUP without the cipher library. */
int crypto_aes256_cbc_decrypt(const uint8_t *key, const uint8_t *iv, uint8_t *buf, size_t len);

/* Digest length of a hash, 0 if unknown. */
size_t crypto_hash_len(const char *hash);
void crypto_hash(const char *hash, const uint8_t *in, size_t len, uint8_t *out);
int crypto_pbkdf2(const char *hash, const uint8_t *pw, size_t pwlen, const uint8_t *salt,
                  size_t saltlen, uint32_t iters, uint8_t *out, size_t outlen);
/* PBKDF2 iterations per second of this host for hash (a short benchmark). */
uint64_t crypto_pbkdf2_rate(const char *hash, size_t outlen);
/* Bytes from the kernel's random source; 0 or -errno. */
int crypto_random(void *buf, size_t len);

/* Secrets (--object secret): passphrases by id. */
int crypto_secret_add(const char *id, const uint8_t *data, size_t len, char **errp);
/* The secret's bytes, or NULL with *errp "No secret with id 'ID'". */
const uint8_t *crypto_secret_get(const char *id, size_t *len, char **errp);

#endif
