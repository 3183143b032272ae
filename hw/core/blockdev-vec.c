/* Vectored requests on a drive (blockdev.h): passed to the backend as
 * they are, or, for a backend without vectors, through one buffer. */
#include "hw/core/blockdev.h"
#include "hw/core/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

typedef struct Bounce {
    const struct iovec *iov;
    int iovcnt;
    bool read;
    uint8_t *buf;
    BlockDevCb *cb;
    void *opaque;
} Bounce;

static uint64_t vec_len(const struct iovec *iov, int iovcnt)
{
    uint64_t n = 0;
    for (int i = 0; i < iovcnt; i++)
        n += iov[i].iov_len;
    return n;
}

/* Between the buffer and the vector, in the vector's order. */
static void vec_copy(const struct iovec *iov, int iovcnt, uint8_t *buf, bool to_vec)
{
    for (int i = 0; i < iovcnt; i++) {
        if (to_vec)
            memcpy(iov[i].iov_base, buf, iov[i].iov_len);
        else
            memcpy(buf, iov[i].iov_base, iov[i].iov_len);
        buf += iov[i].iov_len;
    }
}

static void bounce_done(void *opaque, int ret)
{
    Bounce *b = opaque;
    if (ret >= 0 && b->read)
        vec_copy(b->iov, b->iovcnt, b->buf, true);
    b->cb(b->opaque, ret);
    free(b->buf);
    free(b);
}

static void submit_bounced(BlockDev *bd, BlockDevOp op, uint64_t off, const struct iovec *iov,
                           int iovcnt, uint64_t len, BlockDevCb *cb, void *opaque)
{
    Bounce *b = xzalloc(sizeof(*b));
    *b = (Bounce){ .iov = iov, .iovcnt = iovcnt, .read = op == BLOCKDEV_READ,
                   .buf = xmalloc(len ? (size_t)len : 1), .cb = cb, .opaque = opaque };
    if (!b->read)
        vec_copy(iov, iovcnt, b->buf, false);
    bd->ops->submit(bd, op, off, b->buf, len, bounce_done, b);
}

int blockdev_submitv(BlockDev *bd, BlockDevOp op, uint64_t off, const struct iovec *iov,
                     int iovcnt, BlockDevCb *cb, void *opaque)
{
    uint64_t len = vec_len(iov, iovcnt);
    if (op != BLOCKDEV_READ && op != BLOCKDEV_WRITE)
        return -EINVAL;
    if (!bd->inserted)
        return -ENOMEDIUM;
    if (off > bd->size || len > bd->size - off)
        return -EIO;
    if (op == BLOCKDEV_WRITE && bd->read_only)
        return -EROFS;
    if (bd->ops->submitv)
        bd->ops->submitv(bd, op, off, iov, iovcnt, cb, opaque);
    else
        submit_bounced(bd, op, off, iov, iovcnt, len, cb, opaque);
    return 0;
}
