/* Host I/O vectors (see iov.h). */
#include "hw/block/iov.h"

#include <string.h>

uint64_t iov_size(const struct iovec *iov, int iovcnt)
{
    uint64_t n = 0;
    for (int i = 0; i < iovcnt; i++) {
        n += iov[i].iov_len;
    }
    return n;
}

void iov_to_buf(const struct iovec *iov, int iovcnt, void *buf)
{
    uint8_t *p = buf;
    for (int i = 0; i < iovcnt; i++) {
        memcpy(p, iov[i].iov_base, iov[i].iov_len);
        p += iov[i].iov_len;
    }
}

void iov_from_buf(const struct iovec *iov, int iovcnt, const void *buf)
{
    const uint8_t *p = buf;
    for (int i = 0; i < iovcnt; i++) {
        memcpy(iov[i].iov_base, p, iov[i].iov_len);
        p += iov[i].iov_len;
    }
}

void iov_zero_from(const struct iovec *iov, int iovcnt, uint64_t off)
{
    for (int i = 0; i < iovcnt; i++) {
        if (off >= iov[i].iov_len) {
            off -= iov[i].iov_len;
            continue;
        }
        memset((uint8_t *)iov[i].iov_base + off, 0, iov[i].iov_len - off);
        off = 0;
    }
}
