/* qcow2 driver internals: the on-disk layout constants, the open image's
 * state and the functions the qcow2-*.c files share.  Layout per the qcow2
 * specification (docs/interop/qcow2.txt in QEMU's tree). */
#ifndef KEMU_QCOW2_H
#define KEMU_QCOW2_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "hw/block/block.h"

#define QCOW2_MAGIC 0x514649fbu /* "QFI\xfb" */
#define QCOW2_V2_HEADER_LEN 72
#define QCOW2_V3_HEADER_LEN 104
#define QCOW2_MIN_CLUSTER_BITS 9
#define QCOW2_MAX_CLUSTER_BITS 21
#define QCOW2_MAX_BACKING_NAME 1023
/* Limits that keep a hostile header from making us allocate gigabytes. */
#define QCOW2_MAX_L1_BYTES (32u << 20)
#define QCOW2_MAX_RT_BYTES (8u << 20)
#define QCOW2_MAX_SNAPSHOTS 65536
#define QCOW2_MAX_SIZE (UINT64_C(1) << 56) /* bytes a virtual disk may have (64 PiB) */

/* Header extension types. */
#define QCOW2_EXT_END 0
#define QCOW2_EXT_BACKING_FMT 0xe2792acau
#define QCOW2_EXT_FEATURES 0x6803f857u
#define QCOW2_EXT_DATA_FILE 0x44415441u
#define QCOW2_EXT_BITMAPS 0x23852875u
#define QCOW2_EXT_CRYPT 0x0537be77u

/* Encryption methods (the header's crypt_method). */
#define QCOW2_CRYPT_AES 1
#define QCOW2_CRYPT_LUKS 2

/* Feature bits. */
#define QCOW2_INCOMPAT_DIRTY (1ULL << 0)
#define QCOW2_INCOMPAT_CORRUPT (1ULL << 1)
#define QCOW2_INCOMPAT_DATA_FILE (1ULL << 2)
#define QCOW2_INCOMPAT_COMPRESSION (1ULL << 3)
#define QCOW2_INCOMPAT_EXTL2 (1ULL << 4)
#define QCOW2_INCOMPAT_KNOWN (QCOW2_INCOMPAT_DIRTY | QCOW2_INCOMPAT_CORRUPT | \
                              QCOW2_INCOMPAT_COMPRESSION)
#define QCOW2_COMPAT_LAZY (1ULL << 0)
#define QCOW2_AUTOCLEAR_BITMAPS (1ULL << 0)
#define QCOW2_AUTOCLEAR_DATA_FILE_RAW (1ULL << 1)

/* L1/L2 entry bits. */
#define QCOW2_OFLAG_COPIED (UINT64_C(1) << 63)
#define QCOW2_OFLAG_COMPRESSED (UINT64_C(1) << 62)
#define QCOW2_OFLAG_ZERO UINT64_C(1)
#define QCOW2_OFFSET_MASK UINT64_C(0x00fffffffffffe00)
#define QCOW2_L1_RESERVED UINT64_C(0x7f000000000001ff)
#define QCOW2_L2_RESERVED UINT64_C(0x3f000000000001fe)

/* A small write-back cache of metadata clusters (L2 tables or refcount
 * blocks).  Dirty entries of a cache with a `before` cache are written only
 * after that cache is flushed: refcounts reach the disk before the L2
 * entries that use them. */
typedef struct Qcow2Cache {
    int n;
    uint32_t size;          /* bytes per table (the cluster size) */
    uint64_t *offset;       /* host offset of each slot, 0 = free */
    uint8_t *data;
    bool *dirty;
    uint64_t *used;         /* LRU stamps */
    uint64_t tick;
    int last;               /* last hit, checked first */
    struct Qcow2Cache *before;
} Qcow2Cache;

typedef struct Qcow2Snapshot {
    uint64_t l1_offset;
    uint32_t l1_size;
    char *id, *name;
    uint32_t date_sec, date_nsec;
    uint64_t vm_clock_nsec;
    uint64_t vm_state_size;
    uint64_t disk_size;
    uint64_t icount;        /* -1: none */
    uint32_t extra_size;    /* extra data bytes as stored */
} Qcow2Snapshot;

/* Persistent dirty bitmaps (qcow2-bitmap.c). */
typedef struct Qcow2Bitmap Qcow2Bitmap;
typedef struct Qcow2Bitmaps {
    uint32_t nb;                 /* bitmaps header extension */
    uint64_t dir_offset, dir_size;
    Qcow2Bitmap *list;           /* the directory, loaded at open */
    uint32_t n;
    bool store;                  /* write the bitmaps back on close */
    bool stale_ext;              /* an extension without its autoclear bit: dropped */
    uint64_t *drop;              /* clusters to free once the new ones are stored */
    uint32_t ndrop;
} Qcow2Bitmaps;

typedef struct Qcow2State {
    int version;
    int cluster_bits;
    uint32_t cluster_size;
    int l2_bits;                 /* log2 entries per L2 table */
    uint32_t header_length;
    uint64_t l1_offset;
    uint32_t l1_size;
    uint64_t *l1;                /* host byte order */
    uint64_t rt_offset;
    uint32_t rt_clusters;
    uint64_t rt_size;            /* entries */
    uint64_t *rt;                /* host byte order */
    int refcount_order;
    uint64_t refcount_max;
    int rb_bits;                 /* log2 entries per refcount block */
    uint64_t incompat, compat, autoclear;
    uint8_t compression_type;
    uint32_t nb_snapshots;
    uint64_t snapshots_offset;
    Qcow2Snapshot *snaps;
    uint64_t old_table_len;      /* bytes of the snapshot table on disk */
    Qcow2Cache l2c, rbc;
    uint64_t free_hint;          /* first cluster index that may be free */
    uint64_t cbytes_offset;      /* next free byte for compressed data (0: none) */
    uint8_t *ext_unknown;        /* header extensions we do not interpret, kept */
    uint32_t ext_unknown_len;
    bool lazy;                   /* lazy refcounts in use (dirty bit set on write) */
    bool corrupt_warned;
    int meta_prealloc;           /* -1 unknown; 1: clusters may be holes in the file */
    /* Data reads run without bs->lock, holding this for reading; freeing a
     * cluster waits for them (it could be reused for other data). */
    pthread_rwlock_t data_lock;
    bool data_lock_ready;
    uint8_t *cbuf;               /* last decompressed cluster */
    uint64_t cbuf_entry;         /* its L2 entry (0: none) */
    Qcow2Bitmaps bm;
    BlockFile *data_file;        /* external data file (qcow2-datafile.c), NULL: none */
    char *data_file_name;        /* as its header extension names it */
    uint32_t crypt_method;       /* 0 none, QCOW2_CRYPT_AES or QCOW2_CRYPT_LUKS */
    bool has_crypt_ext;
    uint64_t crypt_offset, crypt_length; /* the LUKS header's clusters */
    struct LuksVolume *luks;
    struct CryptoCipher *cipher; /* NULL: not unlocked (info only) */
} Qcow2State;

/* Where guest data lives: the external data file, else the image file. */
static inline BlockFile *qcow2_data(BlockDriverState *bs)
{
    Qcow2State *s = bs->opaque;
    return s->data_file ? s->data_file : bs->file;
}

static inline bool qcow2_has_data_file(const Qcow2State *s)
{
    return (s->incompat & QCOW2_INCOMPAT_DATA_FILE) != 0;
}

static inline bool qcow2_data_file_raw(const Qcow2State *s)
{
    return qcow2_has_data_file(s) && (s->autoclear & QCOW2_AUTOCLEAR_DATA_FILE_RAW);
}

/* Encryption (qcow2-crypt.c).  Data clusters are read and written through
 * qcow2_data_pread/pwrite (host offset, guest offset), which encrypt when
 * the image is. */
int qcow2_crypt_open(BlockDriverState *bs, char **errp);
void qcow2_crypt_close(Qcow2State *s);
int qcow2_data_pread(BlockDriverState *bs, uint64_t host, uint64_t vaddr, uint8_t *buf,
                     size_t n);
int qcow2_data_pwrite(BlockDriverState *bs, uint64_t host, uint64_t vaddr, const uint8_t *buf,
                      size_t n);
/* Make a new, empty image encrypted as c says. */
int qcow2_crypt_format(BlockDriverState *bs, const BlockCryptOpts *c, char **errp);
/* amend's encrypt.state/new-secret/old-secret/keyslot on the key slots. */
int qcow2_crypt_amend(BlockDriverState *bs, const BlockCryptOpts *c, char **errp);
/* Bytes of the LUKS header clusters for c (0 without LUKS). */
uint64_t qcow2_crypt_measure(const BlockCryptOpts *c, uint32_t cluster_size);

/* zstd compressed clusters (qcow2-zstd.c); compress returns 0 when the data
 * does not shrink. */
#define QCOW2_COMPRESSION_ZSTD 1
bool qcow2_zstd_available(void);
int qcow2_zstd_decompress(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len);
size_t qcow2_zstd_compress(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap);

/* Persistent bitmaps (qcow2-bitmap.c): the header extension, loading them
 * at open (flagged in use while open read-write), recording writes, and
 * storing them back at close. */
extern const struct BlockBitmapOps qcow2_bitmap_ops;
int qcow2_bitmap_read_ext(BlockDriverState *bs, const uint8_t *d, uint32_t len, char **errp);
uint32_t qcow2_bitmap_ext_size(const Qcow2State *s);
uint32_t qcow2_bitmap_put_ext(const Qcow2State *s, uint8_t *p);
int qcow2_bitmaps_open(BlockDriverState *bs, char **errp);
void qcow2_bitmaps_dirty(BlockDriverState *bs, uint64_t off, uint64_t len);
int qcow2_bitmaps_close(BlockDriverState *bs);
/* Before and after a resize: every bitmap must be usable; they follow the
 * new size. */
int qcow2_bitmaps_truncate_check(BlockDriverState *bs, char **errp);
void qcow2_bitmaps_truncate(BlockDriverState *bs, uint64_t size);
/* Count the references of the bitmap structures for check (inc as in the
 * check's counting, corruptions counted); -EINVAL when a directory or
 * table cannot be walked (the check fails as a whole, as qemu-img's). */
int qcow2_bitmaps_check(BlockDriverState *bs, void (*inc)(void *c, uint64_t off, uint64_t len),
                        void *c, int *corruptions);
/* The format version can hold bitmaps (qcow2 v3). */
bool qcow2_bitmaps_supported(BlockDriverState *bs);

/* External data file (qcow2-datafile.c): data clusters live in another file
 * at their guest offset, unrefcounted; the header extension names it. */
int qcow2_datafile_read_ext(BlockDriverState *bs, const uint8_t *d, uint32_t len, char **errp);
uint32_t qcow2_datafile_ext_size(const Qcow2State *s);
uint32_t qcow2_datafile_put_ext(const Qcow2State *s, uint8_t *p);
int qcow2_datafile_open(BlockDriverState *bs, char **errp);
void qcow2_datafile_close(BlockDriverState *bs);
/* Create the data file of a new image (emptied, sized to the disk). */
int qcow2_datafile_create(const char *image, const BlockCreateOpts *o, char **errp);
int qcow2_datafile_check_opts(const BlockCreateOpts *o, int version, char **errp);
int qcow2_datafile_amend(BlockDriverState *bs, const BlockCreateOpts *o, char **errp);

/* Read an internal snapshot instead of the current state, on an image open
 * read-only (qcow2-snapload.c). */
int qcow2_snapshot_load_tmp(BlockDriverState *bs, const char *id, const char *name,
                            char **errp);

/* Header (qcow2-header.c). */
int qcow2_probe(const uint8_t *buf, size_t len);
int qcow2_read_header(BlockDriverState *bs, char **errp);
int qcow2_write_header(BlockDriverState *bs);
int qcow2_set_incompat(BlockDriverState *bs, uint64_t bit, bool on);
/* Mark the image corrupt and refuse further writes; returns -EIO. */
int qcow2_signal_corruption(BlockDriverState *bs, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* What metadata [off, off+len) of the file overlaps, or NULL (qcow2-overlap.c). */
const char *qcow2_metadata_overlap(BlockDriverState *bs, uint64_t off, uint64_t len);

/* Metadata cache (qcow2-cache.c). */
void qcow2_cache_init(Qcow2Cache *c, int n, uint32_t size, Qcow2Cache *before);
void qcow2_cache_destroy(Qcow2Cache *c);
/* Table at host offset off (read from disk if absent, zeroed if fresh). */
int qcow2_cache_get(BlockDriverState *bs, Qcow2Cache *c, uint64_t off, bool fresh,
                    uint8_t **table);
void qcow2_cache_dirty(Qcow2Cache *c, const uint8_t *table);
int qcow2_cache_flush(BlockDriverState *bs, Qcow2Cache *c);
void qcow2_cache_discard(Qcow2Cache *c, uint64_t off);
int qcow2_flush_metadata(BlockDriverState *bs);

/* Refcounts (qcow2-refcount.c). */
int qcow2_get_refcount(BlockDriverState *bs, uint64_t cluster, uint64_t *rc);
int qcow2_update_refcount(BlockDriverState *bs, uint64_t off, uint64_t len, int64_t delta);
/* Allocate n contiguous clusters; returns the host offset or -errno. */
int64_t qcow2_alloc_clusters(BlockDriverState *bs, uint64_t n);
/* Allocate len bytes (< cluster) for compressed data; host offset or -errno. */
int64_t qcow2_alloc_bytes(BlockDriverState *bs, uint32_t len);
int qcow2_free_clusters(BlockDriverState *bs, uint64_t off, uint64_t len);
uint64_t qcow2_rb_get(const uint8_t *rb, int order, uint64_t i);
void qcow2_rb_set(uint8_t *rb, int order, uint64_t i, uint64_t v);
/* Host byte range covered by a compressed L2 entry. */
void qcow2_compressed_range(const Qcow2State *s, uint64_t entry, uint64_t *off, uint64_t *len);

/* L1/L2 (qcow2-cluster.c). */
int qcow2_get_l2_entry(BlockDriverState *bs, uint64_t vaddr, uint64_t *entry);
/* Store an L2 entry for an unallocated guest cluster (makes the table ours). */
int qcow2_set_l2_entry(BlockDriverState *bs, uint64_t vaddr, uint64_t entry);
/* Guest reads, called without bs->lock: data reads overlap other requests. */
int qcow2_read_concurrent(BlockDriverState *bs, uint64_t off, uint8_t *buf, uint64_t len);
/* Wait until no data read is in flight (before a cluster is freed). */
void qcow2_wait_readers(Qcow2State *s);
int qcow2_write_data(BlockDriverState *bs, uint64_t off, const uint8_t *buf, uint64_t len);
/* How qcow2_zero_range leaves whole clusters. */
enum { QCOW2_ZERO_WRITE, QCOW2_ZERO_DISCARD, QCOW2_ZERO_UNALLOC };
int qcow2_zero_range(BlockDriverState *bs, uint64_t off, uint64_t len, int mode);
int qcow2_write_l1_entry(BlockDriverState *bs, uint32_t i);
int qcow2_grow_l1(BlockDriverState *bs, uint64_t min_size);
/* Write new refcount blocks and a new refcount table at cluster `start`
 * (all free from there on), covering `additional` more clusters behind them;
 * returns the cluster after the area or -errno (qcow2-refcount-area.c). */
int64_t qcow2_refcount_area(BlockDriverState *bs, uint64_t start, uint64_t additional);
/* Enter n host clusters from byte `host` on, contiguous, as the guest
 * clusters from the one holding `from` on; a partial first cluster keeps its
 * head (falloc/full grow). */
int qcow2_link_area(BlockDriverState *bs, uint64_t from, uint64_t host, uint64_t n);
/* Make host bytes [host, end) read as zeros, taking their space on the host
 * with file_prealloc (1 falloc, 2 full). */
int qcow2_area_space(BlockDriverState *bs, uint64_t host, uint64_t end, int file_prealloc);
int qcow2_preallocate(BlockDriverState *bs, uint64_t from, uint64_t to, int file_prealloc);
int qcow2_cluster_status(BlockDriverState *bs, uint64_t off, uint64_t len, uint64_t *pnum,
                         uint64_t *map);
int qcow2_fix_copied(BlockDriverState *bs);

/* Compression (qcow2-compress.c). */
int qcow2_decompress(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len);
/* Returns the compressed length, or 0 when it would not save space. */
size_t qcow2_compress(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap);
/* Whether deflating in (a cluster) cannot pay: its bytes look random
 * (scratch: cap bytes it may overwrite). */
bool qcow2_deflate_pointless(const uint8_t *in, size_t in_len, uint8_t *scratch, size_t cap);
int qcow2_read_compressed(BlockDriverState *bs, uint64_t entry, uint8_t *cluster);
/* Decompress the cluster of L2 entry `entry` into out (a whole cluster)
 * touching no shared state, so readers may run it without bs->lock;
 * -EINVAL: it lies at offset 0, -EIO: it does not decompress. */
int qcow2_decompress_entry(BlockDriverState *bs, uint64_t entry, uint8_t *out);
/* Compress whole clusters of buf (no lock needed), then write them. */
int qcow2_compress_clusters(BlockDriverState *bs, const void *buf, uint64_t len,
                            BlockCompressed *c);
int qcow2_write_compressed(BlockDriverState *bs, uint64_t off, const void *buf, uint64_t len,
                           const BlockCompressed *pre);

/* Snapshots (qcow2-snapshot.c). */
int qcow2_read_snapshots(BlockDriverState *bs, char **errp);
void qcow2_free_snapshots(Qcow2State *s);
int qcow2_snapshot_list(BlockDriverState *bs, BlockSnapshotInfo **list);
int qcow2_snapshot_create(BlockDriverState *bs, const char *name, char **errp);
int qcow2_snapshot_apply(BlockDriverState *bs, const char *name, char **errp);
int qcow2_snapshot_delete(BlockDriverState *bs, const char *name, char **errp);
/* Add delta to the refcount of every table and cluster an L1 table reaches. */
int qcow2_update_tree_refcounts(BlockDriverState *bs, const uint64_t *l1, uint32_t l1_size,
                                int delta);

/* Rebuild the refcount blocks and table from the references counted by a
 * check (ref[i]: references to cluster i, n clusters; both may grow as the
 * new structures take clusters) (qcow2-rebuild.c). */
int qcow2_rebuild_refcounts(BlockDriverState *bs, uint32_t **ref, uint64_t *n);
void qcow2_ref_array_grow(uint32_t **ref, uint64_t *n, uint64_t want);

/* Check and create (qcow2-check.c, qcow2-create.c). */
int qcow2_check(BlockDriverState *bs, BlockCheckResult *res, int fix);
int qcow2_create(const char *filename, const BlockCreateOpts *o, char **errp);
uint64_t qcow2_measure_meta(const BlockCreateOpts *o);
int qcow2_amend(BlockDriverState *bs, const BlockCreateOpts *o, char **errp);
int qcow2_truncate(BlockDriverState *bs, uint64_t size, bool shrink, PreallocMode pm,
                   char **errp);

static inline uint64_t qcow2_size_to_clusters(const Qcow2State *s, uint64_t size)
{
    return (size + s->cluster_size - 1) >> s->cluster_bits;
}

static inline uint64_t qcow2_l1_entries(const Qcow2State *s, uint64_t disk_size)
{
    uint64_t per_l1 = (uint64_t)s->cluster_size << s->l2_bits;
    return (disk_size + per_l1 - 1) / per_l1;
}

#endif
