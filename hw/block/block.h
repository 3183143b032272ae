/* The block layer: one interface over image formats (raw, qcow2) stacked on
 * a host file.  Used by kemu-img and by kemu's disk devices.
 *
 * Synchronous calls (blk_pread, blk_pwrite...) serialize on the image's
 * lock; devices use the thread pool in aio.h so the vCPU never waits.
 * Functions return 0 (or a count) on success and -errno on failure; those
 * that can fail for a reason a user must read take `char **errp` and store
 * an allocated message there ("Could not open 'x': ..."). */
#ifndef KEMU_BLOCK_H
#define KEMU_BLOCK_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/block/file.h"

#define BDRV_SECTOR_SIZE 512

/* Open flags. */
enum {
    BDRV_O_RDWR = 1 << 0,
    BDRV_O_NO_BACKING = 1 << 1, /* do not open the backing chain */
    BDRV_O_SHARE = 1 << 2,      /* -U: take no locks, allow concurrent writers */
    BDRV_O_CHECK = 1 << 3,      /* opened by check: a corrupt image is allowed */
    BDRV_O_NO_REPAIR = 1 << 4,  /* do not rebuild refcounts of a dirty image */
    BDRV_O_NO_IO = 1 << 5,      /* metadata only (info): no external data file or key needed */
};

/* Block status flags (what a range of the image holds). */
enum {
    BDRV_BLOCK_DATA = 1 << 0,         /* allocated, reads data from this layer's file */
    BDRV_BLOCK_ZERO = 1 << 1,         /* reads as zeros */
    BDRV_BLOCK_OFFSET_VALID = 1 << 2, /* *map holds the host offset */
    BDRV_BLOCK_ALLOCATED = 1 << 3,    /* this layer decides the content (not the backing) */
    BDRV_BLOCK_COMPRESSED = 1 << 4,
};

typedef enum {
    PREALLOC_OFF, PREALLOC_METADATA, PREALLOC_FALLOC, PREALLOC_FULL,
} PreallocMode;

/* Encryption options of `create`, QEMU's names (NULL: not given). */
typedef struct BlockCryptOpts {
    const char *format;       /* qcow2's encrypt.format: "luks" or "aes" */
    const char *key_secret, *cipher_alg, *cipher_mode, *ivgen_alg, *ivgen_hash_alg, *hash_alg;
    uint64_t iter_time;       /* ms; 0: default */
    /* amend: key slot changes (state "active" or "inactive", the secrets'
     * ids, keyslot when keyslot_set); force erases the last key slot */
    bool amending, force;
    const char *state, *new_secret, *old_secret;
    int64_t keyslot;
    bool keyslot_set;
} BlockCryptOpts;

/* Options of `create` (and `-o` of convert). */
typedef struct BlockCreateOpts {
    uint64_t size;
    bool size_set;
    const char *backing_file, *backing_fmt;
    PreallocMode prealloc;
    uint32_t cluster_size;    /* 0: default */
    int compat;               /* 0: default, 2 = 0.10, 3 = 1.1 */
    bool lazy_refcounts;
    bool lazy_set;            /* lazy_refcounts was given (amend) */
    int refcount_bits;        /* 0: default 16 */
    bool zstd;                /* compression_type=zstd (qcow2 v3) */
    uint64_t extent_size_hint; /* of the host file (XFS); 0: none, default 1 MiB */
    bool extent_size_hint_set;
    bool nocow;               /* host file without copy on write (btrfs) */
    bool quiet;
    const char *data_file;    /* qcow2: external data file (-o data_file=) */
    bool data_file_raw;       /* ... kept valid as a raw image */
    bool data_file_raw_set;   /* data_file_raw was given (amend) */
    BlockCryptOpts crypt;
} BlockCreateOpts;

/* Result of a consistency check (as qemu-img check reports it). */
typedef struct BlockCheckResult {
    int corruptions, leaks, check_errors;
    int corruptions_fixed, leaks_fixed;
    uint64_t image_end_offset;
    uint64_t total_clusters, allocated_clusters, fragmented_clusters, compressed_clusters;
    bool has_stats;
} BlockCheckResult;

enum { BDRV_FIX_LEAKS = 1, BDRV_FIX_ERRORS = 2 };

/* One internal snapshot. */
typedef struct BlockSnapshotInfo {
    char id[128], name[256];
    uint64_t vm_state_size, disk_size;
    uint32_t date_sec, date_nsec;
    uint64_t vm_clock_nsec, icount;
    bool has_icount;
} BlockSnapshotInfo;

/* Format-specific facts for `info`. */
typedef struct BlockFormatInfo {
    bool is_qcow2;
    int compat;               /* 2 or 3 */
    bool lazy_refcounts, corrupt, extended_l2;
    int refcount_bits;
    const char *compression_type;
    bool dirty;
    uint32_t cluster_size;
    bool has_data_file;       /* the external data file feature is on */
    const char *data_file;    /* its name, NULL: none stored */
    const char *data_path;    /* ... as opened (map names it) */
    bool data_file_raw;
    bool encrypted;
    const char *encrypt_format;      /* qcow2: "luks" or "aes" */
    const struct LuksVolume *luks;   /* the LUKS header, if any */
} BlockFormatInfo;

typedef struct BlockDriverState BlockDriverState;
struct BlockBitmapOps;

/* Clusters compressed ahead of their write (blk_compress): len[i] is the
 * compressed length of cluster i, stored at data + i * cluster, 0 when it
 * does not shrink (written uncompressed).  With skip_zero set by the
 * caller, clusters of zeros are not compressed (len 0): it skips them. */
typedef struct BlockCompressed {
    uint8_t *data;
    size_t *len;
    size_t n, cap;      /* clusters held, clusters allocated */
    uint32_t cluster;
    bool skip_zero;
} BlockCompressed;

typedef struct BlockDriver {
    const char *name;
    size_t state_size;
    /* read/write may run concurrently on one image (no metadata to guard). */
    bool thread_safe_io;
    /* read is called without bs->lock: the driver takes it around metadata
     * and lets data reads overlap. */
    bool reads_unlocked;
    /* A new image does not read as zeros (encrypted: its zero bytes decrypt
     * to noise), so a copy must write the zeros too. */
    bool no_zero_init;
    /* Score (0..100) for a file that starts with buf. */
    int (*probe)(const uint8_t *buf, size_t len);
    int (*open)(BlockDriverState *bs, char **errp);
    void (*close)(BlockDriverState *bs);
    int (*read)(BlockDriverState *bs, uint64_t off, void *buf, uint64_t len);
    int (*write)(BlockDriverState *bs, uint64_t off, const void *buf, uint64_t len);
    /* The same on a scatter-gather list (NULL: the layer goes through one
     * buffer and read/write); same locking as read/write. */
    int (*readv)(BlockDriverState *bs, uint64_t off, const struct iovec *iov, int iovcnt);
    int (*writev)(BlockDriverState *bs, uint64_t off, const struct iovec *iov, int iovcnt);
    /* readv/writev only if the host need not wait for its disk: 0, or
     * -EAGAIN with nothing reliably done (NULL: always -EAGAIN). */
    int (*rwv_nowait)(BlockDriverState *bs, uint64_t off, const struct iovec *iov, int iovcnt,
                      bool write);
    /* Write whole clusters compressed (NULL: format cannot); pre, when not
     * NULL, holds buf's clusters already compressed by compress. */
    int (*write_compressed)(BlockDriverState *bs, uint64_t off, const void *buf, uint64_t len,
                            const struct BlockCompressed *pre);
    /* Compress buf's clusters into c for a later write_compressed; called
     * without bs->lock, so several threads may compress at once. */
    int (*compress)(BlockDriverState *bs, const void *buf, uint64_t len,
                    struct BlockCompressed *c);
    /* Make a range read as zeros; may_unmap lets it free space. */
    int (*write_zeroes)(BlockDriverState *bs, uint64_t off, uint64_t len, bool may_unmap);
    int (*discard)(BlockDriverState *bs, uint64_t off, uint64_t len);
    int (*flush)(BlockDriverState *bs);
    int (*truncate)(BlockDriverState *bs, uint64_t size, bool shrink, PreallocMode pm,
                    char **errp);
    /* What [off, off+len) holds: sets *pnum (bytes with the same status, > 0)
     * and *map (host offset when OFFSET_VALID); returns flags or -errno. */
    int (*block_status)(BlockDriverState *bs, uint64_t off, uint64_t len, uint64_t *pnum,
                        uint64_t *map);
    int (*create)(const char *filename, const BlockCreateOpts *o, char **errp);
    int (*check)(BlockDriverState *bs, BlockCheckResult *res, int fix);
    void (*get_info)(BlockDriverState *bs, BlockFormatInfo *fi);
    /* Internal snapshots. */
    int (*snapshot_list)(BlockDriverState *bs, BlockSnapshotInfo **list);
    int (*snapshot_create)(BlockDriverState *bs, const char *name, char **errp);
    int (*snapshot_apply)(BlockDriverState *bs, const char *name, char **errp);
    int (*snapshot_delete)(BlockDriverState *bs, const char *name, char **errp);
    /* Read the snapshot (by id and/or name, either may be NULL) instead of
     * the current state; the image must be open read-only. */
    int (*snapshot_load_tmp)(BlockDriverState *bs, const char *id, const char *name,
                             char **errp);
    /* Rewrite the backing file name/format in the header. */
    int (*change_backing)(BlockDriverState *bs, const char *file, const char *fmt,
                          char **errp);
    /* Drop all data of the image (after commit). */
    int (*make_empty)(BlockDriverState *bs);
    /* Change options of an existing image (amend): compat, lazy_refcounts,
     * backing file, size. */
    int (*amend)(BlockDriverState *bs, const BlockCreateOpts *o, char **errp);
    /* Size of the format's metadata for a given virtual size (measure). */
    uint64_t (*measure_meta)(const BlockCreateOpts *o);
    /* Persistent dirty bitmaps (hw/block/bitmap.h); NULL: none. */
    const struct BlockBitmapOps *bitmap_ops;
} BlockDriver;

struct BlockDriverState {
    const BlockDriver *drv;
    void *opaque;              /* driver state, state_size bytes */
    BlockFile *file;           /* the host file under the format */
    BlockDriverState *backing; /* NULL when none or not opened */
    char *filename;
    char backing_file[1024];   /* as stored in the image */
    char backing_fmt[32];
    uint64_t total_size;       /* virtual size in bytes */
    int flags;
    BlockCacheMode cache;
    bool read_only;
    bool probed_raw;           /* raw chosen by probing (a warning was printed) */
    char *key_secret;          /* id of the secret unlocking an encrypted image */
    char *data_file;           /* qcow2 data file the user named (NULL: the image's own,
                                * if it lies beside the image: qcow2-datafile.c) */
    char *json_name;           /* QEMU's json: name when options named the key (info) */
    pthread_mutex_t lock;      /* serializes requests on this image */
};

/* Registry of formats. */
const BlockDriver *bdrv_find_format(const char *name);
/* The i-th registered format (for listing them), NULL past the last. */
const BlockDriver *bdrv_format_at(size_t i);
extern const BlockDriver bdrv_raw, bdrv_qcow2, bdrv_file, bdrv_luks, bdrv_nbd;

/* Open filename with format fmt (NULL: probe). */
BlockDriverState *bdrv_open(const char *filename, const char *fmt, int flags,
                            BlockCacheMode cache, char **errp);
/* The same, an encrypted image unlocked by the secret key_secret (may be NULL). */
BlockDriverState *bdrv_open_keyed(const char *filename, const char *fmt, int flags,
                                  BlockCacheMode cache, const char *key_secret, char **errp);
/* What the user gave for an image besides its name (fields may be NULL). */
typedef struct BlockOpenOpts {
    const char *key_secret;   /* the secret unlocking an encrypted image */
    const char *data_file;    /* qcow2's external data file, in place of the header's */
} BlockOpenOpts;
BlockDriverState *bdrv_open_with(const char *filename, const char *fmt, int flags,
                                 BlockCacheMode cache, const BlockOpenOpts *oo, char **errp);
void bdrv_close(BlockDriverState *bs);
/* Open from an option string: file=PATH[,format=raw|qcow2][,cache=MODE]
 * [,read-only=on|off][,file.locking=on|off][,force-share=on|off] (",," is a
 * literal comma).  Read-write unless read-only=on; flags are added. */
BlockDriverState *bdrv_open_opts(const char *spec, int flags, char **errp);
/* Split "k=v,k2=v2" (",," is a literal comma) and call fn for each pair;
 * stops at the first non-zero return.  A first element without '=' is the
 * value of the implied key (if any); any other one is an error. */
int blk_opts_split(const char *spec, const char *implied,
                   int (*fn)(const char *k, const char *v, void *opaque), void *opaque,
                   char **errp);
/* qemu-img's --image-opts: "driver=qcow2,file.filename=x[,read-only=on]
 * [,force-share=on]"; errors read "Could not open 'SPEC': ...". */
BlockDriverState *bdrv_open_image_opts(const char *spec, int flags, BlockCacheMode cache,
                                       char **errp);
/* A "json:{...}" file name (the same keys as a JSON object, nested objects
 * for dotted keys); a plain "file:NAME" names the host file NAME. */
BlockDriverState *bdrv_open_pseudo(const char *name, const char *fmt, int flags,
                                   BlockCacheMode cache, char **errp);
/* QEMU's warning for an image whose format was probed as raw (kemu prints it
 * for -drive without format=; kemu-img does not, like qemu-img). */
void bdrv_warn_probed_raw(const BlockDriverState *bs);
/* Create an image (prints qemu-img's "Formatting ..." line unless quiet). */
int bdrv_create(const char *fmt, const char *filename, const BlockCreateOpts *o,
                char **errp);

/* Byte-granular I/O on the virtual disk, bounds checked. */
int blk_pread(BlockDriverState *bs, uint64_t off, void *buf, uint64_t len);
int blk_pwrite(BlockDriverState *bs, uint64_t off, const void *buf, uint64_t len);
/* Vectored: the iovecs' bytes in order from off.  Formats
 * that take a vector (raw) do it without a copy; others through one
 * buffer.  Devices hand guest RAM mapped by hw/core/dma.h here. */
int blk_preadv(BlockDriverState *bs, uint64_t off, const struct iovec *iov, int iovcnt);
int blk_pwritev(BlockDriverState *bs, uint64_t off, const struct iovec *iov, int iovcnt);
/* blk_preadv/blk_pwritev when the host can do it without waiting for
 * its disk (raw images in the page cache); -EAGAIN: use those instead. */
int blk_rwv_nowait(BlockDriverState *bs, uint64_t off, const struct iovec *iov, int iovcnt,
                   bool write);
int blk_pwrite_compressed(BlockDriverState *bs, uint64_t off, const void *buf, uint64_t len);
/* Compress [buf, buf+len) for blk_pwrite_precompressed of the same range,
 * outside the image's lock (threads compress in parallel, write in order). */
int blk_compress(BlockDriverState *bs, const void *buf, uint64_t len, BlockCompressed *c);
int blk_pwrite_precompressed(BlockDriverState *bs, uint64_t off, const void *buf, uint64_t len,
                             const BlockCompressed *c);
void blk_compressed_free(BlockCompressed *c);
int blk_pwrite_zeroes(BlockDriverState *bs, uint64_t off, uint64_t len, bool may_unmap);
int blk_pdiscard(BlockDriverState *bs, uint64_t off, uint64_t len);
int blk_flush(BlockDriverState *bs);
int blk_truncate(BlockDriverState *bs, uint64_t size, bool shrink, PreallocMode pm,
                 char **errp);
uint64_t blk_getlength(BlockDriverState *bs);
/* Status of the range in this layer (see BDRV_BLOCK_*). */
int blk_block_status(BlockDriverState *bs, uint64_t off, uint64_t len, uint64_t *pnum,
                     uint64_t *map);

/* Open bs's backing chain (read-only) if it names one and it is not open
 * yet; a format needs it to resize an image opened without it. */
int bdrv_open_backing(BlockDriverState *bs, char **errp);
/* Read from bs's backing chain; past its end (or with none) reads zeros. */
int bdrv_read_backing(BlockDriverState *bs, uint64_t off, void *buf, uint64_t len);

/* Resolve a backing file name relative to the image that names it. */
char *bdrv_backing_path(const char *image, const char *backing);

/* Set *errp to an allocated message (no-op if errp is NULL). */
void blk_error(char **errp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The host file's extent size hint for a new image: as given, else QEMU's
 * default of 1 MiB. */
static inline uint32_t bdrv_extent_size_hint(const BlockCreateOpts *o)
{
    return o->extent_size_hint_set ? (uint32_t)o->extent_size_hint : 1u << 20;
}

/* Parse a cache mode name; returns 0 or -1. */
int bdrv_parse_cache(const char *s, BlockCacheMode *out);
int bdrv_parse_prealloc(const char *s, PreallocMode *out);
const char *bdrv_prealloc_name(PreallocMode pm);

/* Reads of a whole buffer being zero (sparse detection). */
bool buffer_is_zero(const void *buf, size_t len);

#endif
