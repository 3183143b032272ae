/* Asynchronous block requests: a pool of worker threads runs them off the
 * vCPU threads; completions are queued and signalled on an eventfd that the
 * event loop watches, so callbacks run in the event-loop thread.
 *
 * Devices: blk_aio_init() once, then
 *   loop_set_fd(blk_aio_fd(), blk_aio_fd_handler, NULL, NULL);
 * and submit requests with blk_aio_submit().  With blk_aio_set_lock(), a
 * pool thread runs the callback of the request it finished itself when it
 * can take that lock at once (the event loop's wakeup and thread switch
 * cost as much as a cached 1 MiB read); else the event loop runs it. */
#ifndef KEMU_BLOCK_AIO_H
#define KEMU_BLOCK_AIO_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/block/block.h"

typedef void BlockCompletionFunc(void *opaque, int ret);

typedef enum {
    BLK_AIO_READ, BLK_AIO_WRITE, BLK_AIO_FLUSH, BLK_AIO_WRITE_ZEROES, BLK_AIO_DISCARD,
} BlockAioOp;

/* Start the pool (idempotent); returns 0 or -errno. */
int blk_aio_init(int threads);
/* The eventfd that becomes readable when completions are pending. */
int blk_aio_fd(void);
/* Queue a request; cb(opaque, ret) runs later from blk_aio_fd_handler().
 * buf must stay valid until then. */
void blk_aio_submit(BlockDriverState *bs, BlockAioOp op, uint64_t off, void *buf,
                    uint64_t len, BlockCompletionFunc *cb, void *opaque);
/* The same for BLK_AIO_READ or BLK_AIO_WRITE on a scatter-gather list
 * (blk_preadv/blk_pwritev); the vector and the memory it names must stay
 * valid until cb runs. */
void blk_aio_submitv(BlockDriverState *bs, BlockAioOp op, uint64_t off,
                     const struct iovec *iov, int iovcnt, BlockCompletionFunc *cb,
                     void *opaque);
/* The lock every callback runs under (the machine's; the event loop
 * holds it around its handlers): a pool thread that gets it with trylock
 * runs the callback at once.  NULL: callbacks only from the event loop. */
void blk_aio_set_lock(bool (*trylock)(void), void (*unlock)(void));
/* Called around every vectored request on the worker thread (its
 * memory may be guest RAM that a locked instruction holds off: dma.h's
 * dma_inplace_begin/end).  NULL: nothing. */
void blk_aio_set_vec_gate(void (*enter)(void), void (*leave)(void));
/* Let blk_aio_submitv do a request on the caller's thread, its callback
 * included before it returns, when the host does it without waiting for
 * its disk (blk_rwv_nowait: a raw image in the page cache) and try_enter
 * (instead of the gate's enter, then leave) says yes.  The caller must
 * then hold the callbacks' lock.  NULL (the default): never. */
void blk_aio_set_inline(bool (*try_enter)(void));
/* Run the completions that are ready (an FdHandler for the event loop). */
void blk_aio_fd_handler(void *opaque);
/* Wait until every submitted request has completed and its callback ran
 * (called from inside a callback: every other one). */
void blk_aio_drain(void);
/* Stop the workers (after draining). */
void blk_aio_shutdown(void);

#endif
