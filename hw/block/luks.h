/* LUKS1 volumes (the on-disk format of cryptsetup's LUKS1 specification):
 * a 592-byte header with 8 key slots, each holding the master key split by
 * the anti-forensic splitter and encrypted with a key derived from a
 * passphrase by PBKDF2.  The luks driver keeps one at the start of its
 * file; qcow2 keeps one in clusters its crypt header extension names.
 * Reads and writes of the header and key material go through a callback
 * so both containers can use it. */
#ifndef KEMU_LUKS_H
#define KEMU_LUKS_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/block/block.h"
#include "hw/block/crypto.h"

#define LUKS_HEADER_LEN 592
#define LUKS_SLOTS 8
#define LUKS_STRIPES 4000
#define LUKS_SLOT_ACTIVE 0x00ac71f3u
#define LUKS_SLOT_INACTIVE 0x0000deadu
#define LUKS_ALIGN 4096 /* key material and payload start on 4 KiB boundaries */

typedef struct LuksSlot {
    uint32_t active, iters;
    uint8_t salt[32];
    uint32_t key_offset; /* sectors */
    uint32_t stripes;
} LuksSlot;

typedef struct LuksHeader {
    uint16_t version;
    char cipher_name[33], cipher_mode[33], hash[33];
    uint32_t payload_offset; /* sectors */
    uint32_t key_bytes;
    uint8_t mk_digest[20], mk_salt[32];
    uint32_t mk_iters;
    char uuid[41];
    LuksSlot slot[LUKS_SLOTS];
} LuksHeader;

/* An open volume: its header, what it names, and the payload cipher once a
 * passphrase unlocked it (NULL when opened for its header only). */
typedef struct LuksVolume {
    LuksHeader h;
    CryptoSpec spec;
    char cipher_alg[16]; /* QEMU's name: "aes-256" */
    CryptoCipher *cipher;
    uint8_t mk[CRYPTO_MAX_KEY]; /* the master key, once unlocked */
} LuksVolume;

/* Creation options, QEMU's names; empty strings take QEMU's defaults
 * (aes-256, xts, plain64, sha256, 2000 ms). */
typedef struct LuksParams {
    const char *cipher_alg, *cipher_mode, *ivgen_alg, *ivgen_hash_alg, *hash_alg;
    uint64_t iter_time; /* ms; 0: default */
} LuksParams;

/* The LUKS part of create's options (luks's own, or qcow2's encrypt.*). */
static inline LuksParams luks_params(const BlockCryptOpts *c)
{
    return (LuksParams){ c->cipher_alg, c->cipher_mode, c->ivgen_alg, c->ivgen_hash_alg,
                         c->hash_alg, c->iter_time };
}

/* Byte I/O on the container holding the volume (offsets from its start). */
typedef int (*LuksIO)(void *opaque, uint64_t off, void *buf, size_t len, bool write);

/* Key slots and digests asking for more PBKDF2 iterations than this are
 * refused ("too slow to unlock"); the fuzzer lowers it, so a mutated count
 * costs time, not a timeout.  Default: no limit. */
extern uint32_t luks_iter_limit;

int luks_probe(const uint8_t *buf, size_t len);
/* Read and check the header; region is how many bytes the container holds
 * for the volume (key material must lie inside).  With a passphrase, unlock
 * a key slot ("Invalid password, cannot unlock any keyslot" otherwise). */
int luks_open(LuksVolume *v, LuksIO io, void *opaque, uint64_t region, const uint8_t *pw,
              size_t pwlen, char **errp);
/* Check params, then write a new header and key slot 0 for passphrase pw;
 * returns the payload offset in bytes (the header region's length). */
int64_t luks_format(LuksVolume *v, const LuksParams *p, LuksIO io, void *opaque,
                    const uint8_t *pw, size_t pwlen, char **errp);
/* The header region's length for params p (measure), or -1 with *errp. */
int64_t luks_header_size(const LuksParams *p, char **errp);
void luks_close(LuksVolume *v);

/* Key slots (luks-keys.c): try a passphrase on slot i (1 unlocks it, into
 * mk); write slot i for a passphrase (its iterations set by the caller);
 * overwrite slot i's key material with noise and mark it inactive; write
 * the header; PBKDF2 iterations for iter_time ms. */
int luks_try_slot(LuksVolume *v, int i, LuksIO io, void *opaque, const uint8_t *pw,
                  size_t pwlen, uint8_t *mk, char **errp);
int luks_write_slot(LuksVolume *v, int i, LuksIO io, void *opaque, const uint8_t *pw,
                    size_t pwlen, char **errp);
int luks_erase_slot(LuksVolume *v, int i, LuksIO io, void *opaque);
int luks_write_header(LuksVolume *v, LuksIO io, void *opaque);
int luks_count_iters(const LuksHeader *h, uint64_t iter_time, uint32_t *iters, char **errp);

/* qemu-img amend's key slot changes (luks-amend.c). */
typedef struct LuksAmend {
    const char *state;        /* "active" or "inactive" */
    int keyslot;              /* -1: any (active) or those old_pw opens (inactive) */
    const uint8_t *new_pw, *old_pw;
    size_t new_len, old_len;
    uint64_t iter_time;
    bool force;
} LuksAmend;
int luks_amend(LuksVolume *v, const LuksAmend *a, LuksIO io, void *opaque, char **errp);
/* Fill a from amend's options (checking state and keyslot, looking up the
 * secrets); 0 or -errno with *errp. */
int luks_amend_opts(const BlockCryptOpts *c, LuksAmend *a, char **errp);

/* Header layout (luks-header.c). */
void luks_header_decode(LuksHeader *h, const uint8_t *buf);
void luks_header_encode(const LuksHeader *h, uint8_t *buf);
int luks_header_check(LuksVolume *v, uint64_t region, char **errp);
/* The anti-forensic splitter (luks-af.c). */
void luks_af_merge(const char *hash, const uint8_t *split, size_t blocksize, uint32_t stripes,
                   uint8_t *key);
int luks_af_split(const char *hash, const uint8_t *key, size_t blocksize, uint32_t stripes,
                  uint8_t *split);

/* The secret named by key_secret, for drivers: *errp "Parameter 'KEY' is
 * required for cipher" when no secret was named (key is the option's
 * name, "key-secret" or "encrypt.key-secret"). */
const uint8_t *luks_secret(const char *key_secret, const char *key, size_t *len, char **errp);

#endif
