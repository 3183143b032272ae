/* The LUKS1 header: its byte layout (big-endian, 592 bytes) and the checks
 * every field passes before anything trusts it (a hostile file must not
 * make us read outside the volume or allocate without bound). */
#include "hw/block/luks.h"
#include "hw/block/block.h"
#include "hw/block/block-int.h"
#include "hw/core/util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const uint8_t luks_magic[6] = { 'L', 'U', 'K', 'S', 0xba, 0xbe };

int luks_probe(const uint8_t *buf, size_t len)
{
    return len >= LUKS_HEADER_LEN && !memcmp(buf, luks_magic, 6) && ld_be16(buf + 6) == 1
               ? 100 : 0;
}

static void get_str(char *dst, const uint8_t *src, size_t n)
{
    memcpy(dst, src, n);
    dst[n] = 0;
}

void luks_header_decode(LuksHeader *h, const uint8_t *b)
{
    h->version = ld_be16(b + 6);
    get_str(h->cipher_name, b + 8, 32);
    get_str(h->cipher_mode, b + 40, 32);
    get_str(h->hash, b + 72, 32);
    h->payload_offset = ld_be32(b + 104);
    h->key_bytes = ld_be32(b + 108);
    memcpy(h->mk_digest, b + 112, 20);
    memcpy(h->mk_salt, b + 132, 32);
    h->mk_iters = ld_be32(b + 164);
    get_str(h->uuid, b + 168, 40);
    for (int i = 0; i < LUKS_SLOTS; i++) {
        const uint8_t *s = b + 208 + 48 * i;
        h->slot[i].active = ld_be32(s);
        h->slot[i].iters = ld_be32(s + 4);
        memcpy(h->slot[i].salt, s + 8, 32);
        h->slot[i].key_offset = ld_be32(s + 40);
        h->slot[i].stripes = ld_be32(s + 44);
    }
}

void luks_header_encode(const LuksHeader *h, uint8_t *b)
{
    memset(b, 0, LUKS_HEADER_LEN);
    memcpy(b, luks_magic, 6);
    st_be16(b + 6, h->version);
    memcpy(b + 8, h->cipher_name, strnlen(h->cipher_name, 32));
    memcpy(b + 40, h->cipher_mode, strnlen(h->cipher_mode, 32));
    memcpy(b + 72, h->hash, strnlen(h->hash, 32));
    st_be32(b + 104, h->payload_offset);
    st_be32(b + 108, h->key_bytes);
    memcpy(b + 112, h->mk_digest, 20);
    memcpy(b + 132, h->mk_salt, 32);
    st_be32(b + 164, h->mk_iters);
    memcpy(b + 168, h->uuid, strnlen(h->uuid, 40));
    for (int i = 0; i < LUKS_SLOTS; i++) {
        uint8_t *s = b + 208 + 48 * i;
        st_be32(s, h->slot[i].active);
        st_be32(s + 4, h->slot[i].iters);
        memcpy(s + 8, h->slot[i].salt, 32);
        st_be32(s + 40, h->slot[i].key_offset);
        st_be32(s + 44, h->slot[i].stripes);
    }
}

/* "xts-plain64", "cbc-essiv:sha256", "ecb" and the key length name the
 * payload cipher. */
static int parse_cipher(LuksVolume *v, char **errp)
{
    LuksHeader *h = &v->h;
    CryptoSpec *s = &v->spec;
    char mode[33] = "", ivgen[33] = "", ivhash[33] = "";
    memset(s, 0, sizeof(*s));
    if (sscanf(h->cipher_mode, "%32[^-]-%32[^:]:%32s", mode, ivgen, ivhash) < 1 ||
        strlen(mode) >= sizeof(s->mode) || strlen(ivgen) >= sizeof(s->ivgen) ||
        strlen(ivhash) >= sizeof(s->ivhash)) {
        blk_error(errp, "Unsupported cipher mode '%s'", h->cipher_mode);
        return -EINVAL;
    }
    strcpy(s->mode, mode);
    strcpy(s->ivgen, ivgen);
    strcpy(s->ivhash, ivhash);
    bool xts = !strcmp(mode, "xts");
    if (h->key_bytes == 0 || h->key_bytes > CRYPTO_MAX_KEY || (xts && h->key_bytes % 2) ||
        strlen(h->cipher_name) > 8) {
        blk_error(errp, "Algorithm '%s' with key size %u bytes not supported", h->cipher_name,
                  h->key_bytes);
        return -EINVAL;
    }
    snprintf(v->cipher_alg, sizeof(v->cipher_alg), "%s-%u", h->cipher_name,
             h->key_bytes * 8 / (xts ? 2 : 1));
    snprintf(s->cipher, sizeof(s->cipher), "%s", v->cipher_alg);
    if (!strcmp(s->ivgen, "essiv") && !s->ivhash[0]) {
        blk_error(errp, "Missing IV generator hash specification");
        return -EINVAL;
    }
    return 0;
}

/* Key material of slot i: where it lies, in bytes. */
static void slot_range(const LuksHeader *h, int i, uint64_t *start, uint64_t *end)
{
    *start = (uint64_t)h->slot[i].key_offset * CRYPTO_SECTOR_SIZE;
    *end = *start + ALIGN_UP((uint64_t)h->key_bytes * h->slot[i].stripes, CRYPTO_SECTOR_SIZE);
}

static int check_slot(const LuksHeader *h, int i, uint64_t region, char **errp)
{
    const LuksSlot *s = &h->slot[i];
    uint64_t start, end, payload = (uint64_t)h->payload_offset * CRYPTO_SECTOR_SIZE;
    slot_range(h, i, &start, &end);
    if (s->active != LUKS_SLOT_ACTIVE && s->active != LUKS_SLOT_INACTIVE) {
        blk_error(errp, "Keyslot %d state (active/disable) is corrupted", i);
    } else if (s->stripes != LUKS_STRIPES) {
        blk_error(errp, "Keyslot %d is corrupted (stripes %u != %u)", i, s->stripes,
                  LUKS_STRIPES);
    } else if (s->active == LUKS_SLOT_ACTIVE && !s->iters) {
        blk_error(errp, "Keyslot %d iteration count is zero", i);
    } else if (start < LUKS_HEADER_LEN) {
        blk_error(errp, "Keyslot %d is overlapping with the LUKS header", i);
    } else if (end > payload || end > region) {
        blk_error(errp, "Keyslot %d is overlapping with the encrypted payload", i);
    } else {
        return 0;
    }
    return -EINVAL;
}

static int check_overlap(const LuksHeader *h, char **errp)
{
    for (int i = 0; i < LUKS_SLOTS; i++) {
        for (int j = i + 1; j < LUKS_SLOTS; j++) {
            uint64_t s1, e1, s2, e2;
            slot_range(h, i, &s1, &e1);
            slot_range(h, j, &s2, &e2);
            if (s1 < e2 && s2 < e1) {
                blk_error(errp, "Keyslots %d and %d are overlapping in the header", i, j);
                return -EINVAL;
            }
        }
    }
    return 0;
}

int luks_header_check(LuksVolume *v, uint64_t region, char **errp)
{
    LuksHeader *h = &v->h;
    if (h->version != 1) {
        blk_error(errp, "LUKS version %u is not supported", h->version);
        return -ENOTSUP;
    }
    if (!crypto_hash_len(h->hash) && crypto_available()) {
        blk_error(errp, "Hash algorithm '%s' not supported", h->hash);
        return -ENOTSUP;
    }
    /* In QEMU's order, so a broken header gets its message. */
    int r = 0;
    for (int i = 0; r == 0 && i < LUKS_SLOTS; i++) {
        r = check_slot(h, i, region, errp);
    }
    r = r < 0 ? r : check_overlap(h, errp);
    if (r == 0 && !h->mk_iters) {
        blk_error(errp, "LUKS key iteration count is zero");
        r = -EINVAL;
    }
    return r < 0 ? r : parse_cipher(v, errp);
}
