/* The block tests' scratch images and request pool: an image file of
 * this process's own, created and opened in one step, and the pool with
 * its completions run from kemu's event loop, counted. */
#ifndef KEMU_TEST_BLOCK_HARNESS_H
#define KEMU_TEST_BLOCK_HARNESS_H

#include "hw/block/block.h"

typedef struct TestImage {
    char path[64];              /* /tmp/kemu-TAG-PID.FMT */
    BlockDriverState *bs;
} TestImage;

/* Name img's file after tag, this process and fmt. */
void test_image_path(TestImage *img, const char *tag, const char *fmt);
/* Create a fmt image with o there (a failure fails the test) and open it
 * read-write with cache: its state, or NULL (file removed) if the open
 * fails, which a test may skip on (O_DIRECT) or REQUIRE against. */
BlockDriverState *test_image_open(TestImage *img, const char *tag, const char *fmt,
                                  const BlockCreateOpts *o, BlockCacheMode cache);
/* Close the image and remove its file. */
void test_image_close(TestImage *img);

/* The request pool with that many threads, its eventfd on the event
 * loop; and taken down again. */
void aio_pool_start(int threads);
void aio_pool_stop(void);

/* A completion callback counting completions and failures (ret < 0). */
extern int aio_completed, aio_failed;
void aio_done(void *opaque, int ret);
/* Run the event loop (it wants the machine lock held) until want
 * requests have completed, for at most 20 s. */
void aio_run_until(int want);

#endif
