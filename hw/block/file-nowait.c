/* Vectored I/O that only moves data the host's page cache already holds
 * (file.h: bfile_rwv_nowait): preadv2/pwritev2 with RWF_NOWAIT fail with
 * EAGAIN instead of waiting for the disk, so a device may try a request
 * on its own thread first and hand it to the pool only when it would
 * block.  A partial transfer counts as a failure: the pool then does the
 * whole request again, which is harmless for a read or a write. */
#include "hw/block/file.h"
#include "hw/block/iov.h"

#include <errno.h>
#include <sys/uio.h>

#define VEC_MAX 1024            /* IOV_MAX on Linux */

int bfile_rwv_nowait(BlockFile *f, uint64_t off, const struct iovec *iov, int iovcnt,
                     bool write)
{
#ifdef RWF_NOWAIT
    /* O_DIRECT would wait for the disk, O_DSYNC for the flush. */
    if (f->nbd || f->direct || f->align > 1 || iovcnt > VEC_MAX || iovcnt < 1 ||
        (write && (f->sync_writes || f->no_nowait_write)))
        return -EAGAIN;
    size_t len = iov_size(iov, iovcnt);
    ssize_t r = write ? pwritev2(f->fd, iov, iovcnt, (off_t)off, RWF_NOWAIT)
                      : preadv2(f->fd, iov, iovcnt, (off_t)off, RWF_NOWAIT);
    /* Buffered writes without waiting are up to the file system (ext4
     * has none before Linux 6.x): ask once.  The callers are serialised
     * by the lock the block callbacks run under. */
    if (r < 0 && write && errno == EOPNOTSUPP)
        f->no_nowait_write = true;
    return r >= 0 && (size_t)r == len ? 0 : -EAGAIN;
#else
    (void)f; (void)off; (void)iov; (void)iovcnt; (void)write;
    return -EAGAIN;
#endif
}
