/* Host I/O vectors (struct iovec) as the block layer's vectored requests
 * carry them: a guest's scatter-gather list mapped onto its RAM. */
#ifndef KEMU_BLOCK_IOV_H
#define KEMU_BLOCK_IOV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* Total bytes of the vector. */
uint64_t iov_size(const struct iovec *iov, int iovcnt);
/* Copy the vector's bytes into buf (len = iov_size) / buf into the vector. */
void iov_to_buf(const struct iovec *iov, int iovcnt, void *buf);
void iov_from_buf(const struct iovec *iov, int iovcnt, const void *buf);
/* Zero the vector's bytes from byte offset off to its end. */
void iov_zero_from(const struct iovec *iov, int iovcnt, uint64_t off);

#endif
