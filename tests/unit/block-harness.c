/* The block tests' scratch images and request pool; see block-harness.h. */
#include "tests/unit/block-harness.h"
#include "tests/unit/unit.h"
#include "hw/block/aio.h"
#include "hw/core/loop.h"

#include <stdio.h>
#include <unistd.h>

int aio_completed, aio_failed;

void test_image_path(TestImage *img, const char *tag, const char *fmt)
{
    snprintf(img->path, sizeof(img->path), "/tmp/kemu-%s-%d.%s", tag, (int)getpid(), fmt);
}

BlockDriverState *test_image_open(TestImage *img, const char *tag, const char *fmt,
                                  const BlockCreateOpts *o, BlockCacheMode cache)
{
    char *err = NULL;
    test_image_path(img, tag, fmt);
    CHECK_EQ(bdrv_create(fmt, img->path, o, &err), 0);
    img->bs = bdrv_open(img->path, fmt, BDRV_O_RDWR, cache, &err);
    if (!img->bs)
        unlink(img->path);
    return img->bs;
}

void test_image_close(TestImage *img)
{
    bdrv_close(img->bs);
    img->bs = NULL;
    unlink(img->path);
}

void aio_pool_start(int threads)
{
    CHECK_EQ(blk_aio_init(threads), 0);
    loop_set_fd(blk_aio_fd(), blk_aio_fd_handler, NULL, NULL);
}

void aio_pool_stop(void)
{
    loop_set_fd(blk_aio_fd(), NULL, NULL, NULL);
    blk_aio_shutdown();
}

void aio_done(void *opaque, int ret)
{
    (void)opaque;
    aio_completed++;
    aio_failed += ret < 0;
}

void aio_run_until(int want)
{
    big_lock();
    for (int i = 0; i < 2000 && aio_completed < want; i++)
        loop_wait(10);
    big_unlock();
}
