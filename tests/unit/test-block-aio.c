/* The block request pool driven by kemu's event loop: completions arrive on
 * the pool's eventfd and run from loop_wait() (or in the pool thread, when
 * the lock callbacks need is free), while requests on a raw image run in
 * parallel on the worker threads. */
#include "tests/unit/block-harness.h"
#include "tests/unit/unit.h"
#include "hw/block/aio.h"
#include "hw/block/block.h"
#include "hw/core/loop.h"
#include "hw/core/util.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#define NREQ 64
#define REQ_LEN 12288

TEST(block_aio, completions_through_event_loop)
{
    TestImage img;
    BlockCreateOpts o = { .size = NREQ * REQ_LEN, .size_set = true, .quiet = true };
    BlockDriverState *bs = test_image_open(&img, "aio", "raw", &o, BDRV_CACHE_WRITEBACK);
    REQUIRE(bs != NULL, "open the image");
    aio_pool_start(4);
    uint8_t *w = xmalloc(NREQ * REQ_LEN), *r = xzalloc(NREQ * REQ_LEN);
    for (int i = 0; i < NREQ * REQ_LEN; i++) {
        w[i] = (uint8_t)(i * 7 + i / REQ_LEN);
    }
    for (int i = 0; i < NREQ; i++) {
        blk_aio_submit(bs, BLK_AIO_WRITE, (uint64_t)i * REQ_LEN, w + i * REQ_LEN, REQ_LEN,
                       aio_done, NULL);
    }
    aio_run_until(NREQ);
    CHECK_EQ(aio_completed, NREQ);
    blk_aio_submit(bs, BLK_AIO_FLUSH, 0, NULL, 0, aio_done, NULL);
    for (int i = 0; i < NREQ; i++) {
        blk_aio_submit(bs, BLK_AIO_READ, (uint64_t)i * REQ_LEN, r + i * REQ_LEN, REQ_LEN,
                       aio_done, NULL);
    }
    aio_run_until(2 * NREQ + 1);
    CHECK_EQ(aio_completed, 2 * NREQ + 1);
    CHECK_EQ(aio_failed, 0);
    CHECK(!memcmp(w, r, NREQ * REQ_LEN));
    /* A request past the end fails cleanly through the same path. */
    blk_aio_submit(bs, BLK_AIO_READ, NREQ * REQ_LEN, r, 512, aio_done, NULL);
    aio_run_until(2 * NREQ + 2);
    CHECK_EQ(aio_failed, 1);
    aio_pool_stop();
    test_image_close(&img);
    free(w);
    free(r);
}

/* qcow2 through the pool: data reads overlap while other requests allocate,
 * zero and discard (freeing clusters); every region must read back right. */
TEST(block_aio, qcow2_mixed_requests)
{
    TestImage img;
    const uint64_t region = 128 * 1024;
    BlockCreateOpts o = { .size = 2 * NREQ * region, .size_set = true, .quiet = true,
                          .cluster_size = 4096 };
    BlockDriverState *bs = test_image_open(&img, "aio", "qcow2", &o, BDRV_CACHE_WRITEBACK);
    REQUIRE(bs != NULL, "open the image");
    aio_pool_start(4);
    uint8_t *w = xmalloc(2 * NREQ * region), *r = xzalloc(NREQ * region);
    for (uint64_t i = 0; i < 2 * NREQ * region; i++) {
        w[i] = (uint8_t)(i / 4096 + i);
    }
    aio_completed = aio_failed = 0;
    /* Fill the first half, then read it back while the second half is
     * written, zeroed and discarded. */
    blk_aio_submit(bs, BLK_AIO_WRITE, 0, w, NREQ * region, aio_done, NULL);
    aio_run_until(1);
    for (int i = 0; i < NREQ; i++) {
        uint64_t hi = (uint64_t)(NREQ + i) * region;
        blk_aio_submit(bs, BLK_AIO_READ, (uint64_t)i * region, r + i * region, region,
                       aio_done, NULL);
        blk_aio_submit(bs, BLK_AIO_WRITE, hi, w + hi, region, aio_done, NULL);
        blk_aio_submit(bs, i % 2 ? BLK_AIO_DISCARD : BLK_AIO_WRITE_ZEROES, hi, NULL, region / 2,
                       aio_done, NULL);
    }
    aio_run_until(1 + 3 * NREQ);
    CHECK_EQ(aio_completed, 1 + 3 * NREQ);
    CHECK_EQ(aio_failed, 0);
    CHECK(!memcmp(w, r, NREQ * region));
    BlockCheckResult res;
    CHECK_EQ(bs->drv->check(bs, &res, 0), 0);
    CHECK_EQ(res.corruptions + res.leaks, 0);
    aio_pool_stop();
    test_image_close(&img);
    free(w);
    free(r);
}

static pthread_t main_thread;
static int off_main, locked_ok;

/* Where a callback ran: off the main thread, and under the lock, held by
 * this very thread. */
static void done_where(void *opaque, int ret)
{
    aio_done(opaque, ret);
    off_main += !pthread_equal(pthread_self(), main_thread);
    locked_ok += big_lock_held();
}

static int completed_locked(void)
{
    big_lock();
    int n = aio_completed;
    big_unlock();
    return n;
}

/* With the machine lock named, a pool thread that finds it free runs the
 * callback itself, under it; while another thread holds it, completions
 * wait for the event loop as before. */
TEST(block_aio, completions_in_pool_thread_when_lock_free)
{
    TestImage img;
    BlockCreateOpts o = { .size = NREQ * REQ_LEN, .size_set = true, .quiet = true };
    BlockDriverState *bs = test_image_open(&img, "aio-lock", "raw", &o, BDRV_CACHE_WRITEBACK);
    REQUIRE(bs != NULL, "open the image");
    aio_pool_start(4);
    blk_aio_set_lock(big_trylock, big_unlock);
    main_thread = pthread_self();
    uint8_t *buf = xzalloc(NREQ * REQ_LEN);
    aio_completed = aio_failed = off_main = locked_ok = 0;
    for (int i = 0; i < NREQ; i++) {
        blk_aio_submit(bs, BLK_AIO_READ, (uint64_t)i * REQ_LEN, buf + i * REQ_LEN, REQ_LEN,
                       done_where, NULL);
    }
    /* A pool thread that finds the lock taken (by another pool thread
     * finishing, or by this one looking) leaves its completion to the
     * event loop, so run the loop now and then, briefly, under the lock. */
    for (int i = 0; i < 2000 && completed_locked() < NREQ; i++) {
        usleep(1000);
        big_lock();
        loop_wait(0);
        big_unlock();
    }
    CHECK_EQ(completed_locked(), NREQ);
    CHECK(off_main >= 1);
    CHECK_EQ(locked_ok, NREQ);
    /* The lock held: nothing completes until the event loop runs. */
    big_lock();
    aio_completed = off_main = locked_ok = 0;
    blk_aio_submit(bs, BLK_AIO_READ, 0, buf, REQ_LEN, done_where, NULL);
    usleep(50000);
    CHECK_EQ(aio_completed, 0);
    for (int i = 0; i < 2000 && aio_completed < 1; i++) {
        loop_wait(10);
    }
    big_unlock();
    CHECK_EQ(aio_completed, 1);
    CHECK_EQ(off_main, 0);
    CHECK_EQ(locked_ok, 1);
    CHECK_EQ(aio_failed, 0);
    blk_aio_set_lock(NULL, NULL);
    aio_pool_stop();
    test_image_close(&img);
    free(buf);
}
