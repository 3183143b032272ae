/* qcow2 persistent bitmaps inside the driver: the on-disk constants of the
 * specification's "Bitmaps extension" and one loaded bitmap, shared by
 * qcow2-bitmap.c (the image's structures: load, store, check) and
 * qcow2-bitmap-bits.c (the bits in memory and the operations). */
#ifndef KEMU_QCOW2_BITMAP_H
#define KEMU_QCOW2_BITMAP_H

#include "hw/block/qcow2.h"

#define BME_MAX_TABLE_SIZE 0x8000000u
#define BME_MAX_PHYS_SIZE 0x20000000u
#define BME_MAX_GRAN_BITS 31
#define BME_MIN_GRAN_BITS 9
#define BME_MAX_BITMAPS 65535u
#define BME_MAX_DIR_SIZE (1024u * BME_MAX_BITMAPS)
#define BME_FLAG_IN_USE 1u
#define BME_FLAG_AUTO 2u
#define BME_RESERVED_FLAGS 0xfffffffcu
#define BME_ENTRY_RESERVED UINT64_C(0xff000000000001fe)
#define BME_ENTRY_OFFSET UINT64_C(0x00fffffffffffe00)
#define BME_ENTRY_ALL_ONES UINT64_C(1)
#define BME_DIR_ENTRY 24
#define BME_TYPE_DIRTY 1

struct Qcow2Bitmap {
    char *name;
    uint8_t gran_bits;
    uint32_t flags;          /* as in the image */
    bool inconsistent;       /* in use when opened */
    bool enabled;
    uint64_t table_offset;   /* in the image; 0: not stored yet */
    uint32_t table_size;
    uint64_t *table;         /* its entries (host order), NULL until read */
    uint32_t old_valid;      /* leading table entries that still hold the bits */
    uint8_t **chunk;         /* changed bits, a cluster each; NULL: see the table */
    uint64_t nchunk;         /* clusters of bits the disk needs */
};

/* Bytes of bits a disk of len bytes needs, and the clusters they fill. */
static inline uint64_t qcow2_bm_bytes(uint64_t len, unsigned gran_bits)
{
    uint64_t bits = (len >> gran_bits) + ((len & ((UINT64_C(1) << gran_bits) - 1)) != 0);
    return (bits + 7) / 8;
}

static inline uint64_t qcow2_bm_chunks(const Qcow2State *s, uint64_t len, unsigned gran_bits)
{
    return qcow2_size_to_clusters(s, qcow2_bm_bytes(len, gran_bits));
}

/* Chunk i is all zeros in the image (no cluster behind its entry). */
static inline bool qcow2_bm_chunk_clean(const Qcow2Bitmap *b, uint64_t i)
{
    return i >= b->old_valid || !b->table || !b->table[i];
}

/* The directory as loaded (n entries). */
void qcow2_bm_free_list(Qcow2Bitmap *list, uint32_t n);
/* Chunk i (a cluster of bits) as the image holds it; changed in memory. */
void qcow2_bm_read_chunk(BlockDriverState *bs, const Qcow2Bitmap *b, uint64_t i, uint8_t *buf);
uint8_t *qcow2_bm_chunk(BlockDriverState *bs, Qcow2Bitmap *b, uint64_t i);
/* Clear bits [from, total) of a chunk. */
void qcow2_bm_clear_from(uint8_t *p, uint64_t from, uint64_t total);
/* Free the bitmap's clusters in the image once the new directory is in. */
void qcow2_bm_drop(BlockDriverState *bs, Qcow2Bitmap *b);

#endif
