/* The host file under an image: positioned I/O with the cache mode's
 * durability rules, O_DIRECT alignment, sparse queries and the image locks
 * QEMU uses (so kemu and QEMU refuse each other's second writer). */
#ifndef KEMU_BLOCK_FILE_H
#define KEMU_BLOCK_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    BDRV_CACHE_WRITEBACK,    /* host page cache; flush -> fdatasync */
    BDRV_CACHE_WRITETHROUGH, /* every write durable before it completes */
    BDRV_CACHE_NONE,         /* O_DIRECT; flush -> fdatasync */
    BDRV_CACHE_DIRECTSYNC,   /* O_DIRECT and every write durable */
    BDRV_CACHE_UNSAFE,       /* flushes ignored */
} BlockCacheMode;

typedef struct BlockFile {
    int fd;
    char *path;
    bool writable, direct, sync_writes, ignore_flush, locked;
    uint32_t align;          /* O_DIRECT alignment (1 when buffered) */
    bool no_nowait_write;    /* the host said pwritev2(RWF_NOWAIT) is unsupported */
    struct NbdConn *nbd;     /* an NBD export instead of a host file (nbd.h) */
} BlockFile;

/* Open path; writable asks for read-write; share skips locking. */
int bfile_open(BlockFile **out, const char *path, bool writable, BlockCacheMode cache,
               bool share, char **errp);
void bfile_close(BlockFile *f);
/* Reads past the end of the file return zeros. */
int bfile_pread(BlockFile *f, uint64_t off, void *buf, size_t len);
int bfile_pwrite(BlockFile *f, uint64_t off, const void *buf, size_t len);
/* The same on a scatter-gather list, in order from off (file-vec.c). */
struct iovec;
int bfile_preadv(BlockFile *f, uint64_t off, const struct iovec *iov, int iovcnt);
int bfile_pwritev(BlockFile *f, uint64_t off, const struct iovec *iov, int iovcnt);
/* The same only if the host's page cache can take it at once
 * (file-nowait.c): 0 when all of it is done, else -EAGAIN. */
int bfile_rwv_nowait(BlockFile *f, uint64_t off, const struct iovec *iov, int iovcnt,
                     bool write);
int bfile_flush(BlockFile *f);
int64_t bfile_length(BlockFile *f);
/* Bytes the file occupies on the host (st_blocks * 512). */
int64_t bfile_allocated(BlockFile *f);
/* Grow or shrink; prealloc 0 off, 1 falloc, 2 full (writes zeros). */
int bfile_truncate(BlockFile *f, uint64_t size, int prealloc);
/* Creation hints for a new, empty host file: an extent size hint (XFS) and
 * no copy on write (btrfs).  Filesystems without them ignore them, as QEMU
 * does. */
void bfile_create_hints(int fd, uint32_t extent_size_hint, bool nocow);
/* Make a range inside the file read as zeros with its space taken on the
 * host: prealloc 1 fallocates (zeros written where that fails), 2 writes
 * zeros. */
int bfile_zero_alloc(BlockFile *f, uint64_t off, uint64_t len, int prealloc);
/* Make a range read as zeros, freeing space if possible. */
int bfile_punch(BlockFile *f, uint64_t off, uint64_t len);
/* Whether [off, off+len) starts with data (1) or a hole (0); *pnum bytes alike. */
int bfile_data_status(BlockFile *f, uint64_t off, uint64_t len, uint64_t *pnum);

#endif
