/* What disk devices (hw/ide, hw/virtio) see of a drive: a named backend
 * with asynchronous requests whose completions run under the machine
 * lock (in the event-loop thread, or in the block pool thread that
 * finished the request when the lock was free).  The block layer behind it (hw/block,
 * raw/qcow2 on its thread pool) is wired up by ui/, which registers one
 * BlockDev per -drive; devices find it by name (drive=ID), the way
 * chardev frontends find their backend. */
#ifndef KEMU_HW_CORE_BLOCKDEV_H
#define KEMU_HW_CORE_BLOCKDEV_H

#include <stdbool.h>
#include <stdint.h>

typedef struct BlockDev BlockDev;

typedef enum {
    BLOCKDEV_READ, BLOCKDEV_WRITE, BLOCKDEV_FLUSH, BLOCKDEV_WRITE_ZEROES, BLOCKDEV_DISCARD,
} BlockDevOp;

struct iovec;

/* ret: 0 or -errno. */
typedef void BlockDevCb(void *opaque, int ret);

typedef struct BlockDevOps {
    /* Queue one request; cb runs later, under the machine lock.  buf stays the
     * caller's until then.  Ranges are checked by blockdev_submit. */
    void (*submit)(BlockDev *bd, BlockDevOp op, uint64_t off, void *buf, uint64_t len,
                   BlockDevCb *cb, void *opaque);
    /* BLOCKDEV_READ or BLOCKDEV_WRITE on a scatter-gather list (the
     * device's guest RAM, hw/core/dma.h), which stays the caller's until cb
     * runs; cb may run before this returns (a request the host's page
     * cache took at once: hw/block/aio.h, blk_aio_set_inline), so the
     * caller must have its state ready for it.  NULL: blockdev_submitv
     * goes through a buffer and submit. */
    void (*submitv)(BlockDev *bd, BlockDevOp op, uint64_t off, const struct iovec *iov,
                    int iovcnt, BlockDevCb *cb, void *opaque);
    /* Replace the medium (NULL: eject).  0 or -1 with *err set (allocated). */
    int (*change)(BlockDev *bd, const char *file, const char *format, char **err);
    /* Wait until the drive's requests have completed and their callbacks
     * ran (NULL: requests complete at once). */
    void (*drain)(BlockDev *bd);
} BlockDevOps;

struct BlockDev {
    char *id;
    const BlockDevOps *ops;
    void *priv;                 /* the backend's state */
    uint64_t size;              /* bytes; 0 without a medium */
    bool inserted;              /* a medium is present */
    bool read_only;
    bool removable;             /* CD-ROM: eject/change allowed */
    bool locked;                /* the guest prevents medium removal */
    bool attached;              /* a device uses it */
    char *file, *format;        /* for `info block` */
    const char *cache;          /* cache mode's name */
    /* The device's hook for eject/change (medium gone or new). */
    void (*media_changed)(void *opaque, bool loaded);
    void *media_opaque;
    BlockDev *next;
};

void blockdev_register(BlockDev *bd);
BlockDev *blockdev_find(const char *id);
BlockDev *blockdev_first(void);
/* Claim a drive for a device: -1 (after error_report) if unknown or
 * already used. */
BlockDev *blockdev_attach(const char *id, const char *who);

/* Range-checked request: 0 if queued (cb runs later from the event loop),
 * or -errno at once without cb: -ENOMEDIUM without a medium, -EIO beyond
 * its end, -EROFS for a write to a read-only drive. */
int blockdev_submit(BlockDev *bd, BlockDevOp op, uint64_t off, void *buf, uint64_t len,
                     BlockDevCb *cb, void *opaque);

/* The same for BLOCKDEV_READ or BLOCKDEV_WRITE on a scatter-gather list
 * (blockdev-vec.c): the data moves between the disk and the iovecs' memory
 * directly, without the device's own buffer; cb may run before it returns
 * (see submitv above: virtio-blk and IDE set their state first). */
int blockdev_submitv(BlockDev *bd, BlockDevOp op, uint64_t off, const struct iovec *iov,
                     int iovcnt, BlockDevCb *cb, void *opaque);

/* A device's reset: its requests in flight finish now (callbacks run,
 * under the machine lock the caller holds), so none writes the guest's
 * RAM in place after the reset, as a real controller stops its DMA. */
void blockdev_drain(BlockDev *bd);

/* Monitor's eject/change: honours the guest's lock unless force. */
int blockdev_eject(BlockDev *bd, bool force, char **err);
int blockdev_change(BlockDev *bd, const char *file, const char *format, char **err);

#endif
