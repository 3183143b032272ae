/* Vectored positioned I/O on the host file (file.h): a guest's
 * scatter-gather list goes to preadv/pwritev as it is, without a copy,
 * unless O_DIRECT's alignment or an NBD export needs one buffer. */
#include "hw/block/file.h"
#include "hw/block/iov.h"
#include "hw/core/util.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define VEC_MAX 1024            /* IOV_MAX on Linux: elements per system call */

static bool vec_aligned(const BlockFile *f, uint64_t off, const struct iovec *iov, int iovcnt)
{
    if (off % f->align) {
        return false;
    }
    for (int i = 0; i < iovcnt; i++) {
        if ((uintptr_t)iov[i].iov_base % f->align || iov[i].iov_len % f->align) {
            return false;
        }
    }
    return true;
}

/* Step past r bytes done: whole elements dropped, the next one trimmed. */
static void advance(struct iovec **v, int *left, size_t r)
{
    while (*left && r >= (*v)->iov_len) {
        r -= (*v)->iov_len;
        (*v)++;
        (*left)--;
    }
    if (*left) {
        (*v)->iov_base = (uint8_t *)(*v)->iov_base + r;
        (*v)->iov_len -= r;
    }
}

/* Up to VEC_MAX elements, retried until all is done; a read past the end
 * of the file reads zeros, as bfile_pread. */
static int rw_some(int fd, uint64_t off, const struct iovec *iov, int n, bool write)
{
    struct iovec local[VEC_MAX];
    memcpy(local, iov, sizeof(*iov) * (size_t)n);
    struct iovec *v = local;
    while (n) {
        ssize_t r = write ? pwritev(fd, v, n, (off_t)off) : preadv(fd, v, n, (off_t)off);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            return -errno;
        }
        if (r == 0 && iov_size(v, n)) {
            if (write) {
                return -EIO;
            }
            iov_zero_from(v, n, 0);
            return 0;
        }
        off += (uint64_t)r;
        advance(&v, &n, (size_t)r);
    }
    return 0;
}

static int rw_full(int fd, uint64_t off, const struct iovec *iov, int iovcnt, bool write)
{
    while (iovcnt > 0) {
        int n = iovcnt < VEC_MAX ? iovcnt : VEC_MAX;
        int r = rw_some(fd, off, iov, n, write);
        if (r < 0) {
            return r;
        }
        off += iov_size(iov, n);
        iov += n;
        iovcnt -= n;
    }
    return 0;
}

/* Through one buffer, where the vector cannot go to the file as it is. */
static int bounce(BlockFile *f, uint64_t off, const struct iovec *iov, int iovcnt, bool write)
{
    uint64_t len = iov_size(iov, iovcnt);
    uint8_t *buf = xmalloc(len ? (size_t)len : 1);
    int r;
    if (write) {
        iov_to_buf(iov, iovcnt, buf);
        r = bfile_pwrite(f, off, buf, (size_t)len);
    } else {
        r = bfile_pread(f, off, buf, (size_t)len);
        if (!r) {
            iov_from_buf(iov, iovcnt, buf);
        }
    }
    free(buf);
    return r;
}

int bfile_preadv(BlockFile *f, uint64_t off, const struct iovec *iov, int iovcnt)
{
    if (f->nbd || (f->align > 1 && !vec_aligned(f, off, iov, iovcnt))) {
        return bounce(f, off, iov, iovcnt, false);
    }
    return rw_full(f->fd, off, iov, iovcnt, false);
}

int bfile_pwritev(BlockFile *f, uint64_t off, const struct iovec *iov, int iovcnt)
{
    if (f->nbd || (f->align > 1 && !vec_aligned(f, off, iov, iovcnt))) {
        return bounce(f, off, iov, iovcnt, true);
    }
    int r = rw_full(f->fd, off, iov, iovcnt, true);
    if (!r && f->sync_writes && fdatasync(f->fd) < 0) {
        r = -errno;
    }
    return r;
}
