/* blk_aio_set_inline: a vectored request that the host's page cache can
 * serve at once runs on the submitting thread, callback included, before
 * blk_aio_submitv returns; when the gate says no (a locked instruction on
 * this very thread holds DMA off) it goes to the pool, which waits until
 * DMA is resumed, instead of deadlocking on the holder.  Without
 * blk_aio_set_lock, pool callbacks run only from blk_aio_fd_handler,
 * which the test calls itself: a callback seen right after submitting
 * can only have run inline. */
#include "tests/unit/unit.h"
#include "hw/block/aio.h"
#include "hw/block/block.h"
#include "hw/core/dma.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static atomic_int calls, last_ret;
static atomic_bool on_caller;
static pthread_t caller;

static void cb(void *opaque, int ret)
{
    atomic_store(&last_ret, ret);
    atomic_store(&on_caller, pthread_equal(pthread_self(), caller));
    atomic_fetch_add(&calls, 1);
}

static BlockDriverState *open_image(char *path, size_t n)
{
    snprintf(path, n, "/tmp/kemu-inline-%d.raw", (int)getpid());
    BlockCreateOpts o = { .size = 1 << 20, .size_set = true, .quiet = true };
    char *err = NULL;
    REQUIRE(bdrv_create("raw", path, &o, &err) == 0, "cannot create a raw image in /tmp");
    BlockDriverState *bs = bdrv_open(path, "raw", BDRV_O_RDWR, BDRV_CACHE_WRITEBACK, &err);
    REQUIRE(bs != NULL, "cannot open the raw image");
    return bs;
}

static void wait_calls(int want)
{
    for (int i = 0; i < 2000 && atomic_load(&calls) < want; i++) {
        blk_aio_fd_handler(NULL);
        struct timespec ts = { 0, 1000000 };
        nanosleep(&ts, NULL);
    }
}

TEST(block_aio, inline_when_cached_else_pool)
{
    char path[64];
    BlockDriverState *bs = open_image(path, sizeof(path));
    uint8_t w[8192], r[8192] = { 0 };
    for (size_t i = 0; i < sizeof(w); i++)
        w[i] = (uint8_t)(i * 13 + 1);
    CHECK_EQ(blk_pwrite(bs, 65536, w, sizeof(w)), 0);  /* now in the page cache */
    CHECK_EQ(blk_aio_init(2), 0);
    blk_aio_set_vec_gate(dma_inplace_begin, dma_inplace_end);
    blk_aio_set_inline(dma_inplace_try_begin);
    caller = pthread_self();
    struct iovec iov[2] = { { r + 4096, 4096 }, { r, 4096 } };
    blk_aio_submitv(bs, BLK_AIO_READ, 65536, iov, 2, cb, NULL);
    /* done before the call returned, on this thread */
    CHECK_EQ(atomic_load(&calls), 1);
    CHECK(atomic_load(&on_caller));
    CHECK_EQ(atomic_load(&last_ret), 0);
    CHECK(!memcmp(r + 4096, w, 4096) && !memcmp(r, w + 4096, 4096));

    /* DMA held off by this thread: the pool gets it and waits for resume */
    memset(r, 0, sizeof(r));
    dma_hold_off();
    blk_aio_submitv(bs, BLK_AIO_READ, 65536, iov, 2, cb, NULL);
    CHECK_EQ(atomic_load(&calls), 1);
    struct timespec ts = { 0, 20000000 };
    nanosleep(&ts, NULL);
    CHECK_EQ(atomic_load(&calls), 1);      /* still held off */
    CHECK(r[0] == 0 && r[4096] == 0);
    dma_resume();
    wait_calls(2);
    CHECK_EQ(atomic_load(&calls), 2);
    CHECK(!memcmp(r + 4096, w, 4096) && !memcmp(r, w + 4096, 4096));
    blk_aio_shutdown();
    bdrv_close(bs);
    unlink(path);
}

/* Past the end of the disk: not done inline (the pool reports the error),
 * and nothing is written. */
TEST(block_aio, inline_leaves_errors_to_the_pool)
{
    char path[64];
    BlockDriverState *bs = open_image(path, sizeof(path));
    CHECK_EQ(blk_aio_init(2), 0);
    blk_aio_set_inline(dma_inplace_try_begin);
    caller = pthread_self();
    uint8_t buf[4096] = { 0 };
    struct iovec iov = { buf, sizeof(buf) };
    blk_aio_submitv(bs, BLK_AIO_WRITE, (1 << 20) - 512, &iov, 1, cb, NULL);
    CHECK_EQ(atomic_load(&calls), 0);      /* not on this thread */
    wait_calls(1);
    CHECK_EQ(atomic_load(&calls), 1);
    CHECK(atomic_load(&last_ret) < 0);
    blk_aio_shutdown();
    bdrv_close(bs);
    unlink(path);
}
