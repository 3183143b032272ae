/* dma_hold_off against in-place block I/O: a locked read-modify-write
 * that TCG runs as an exclusive step (a split lock) holds off the block
 * pool's preadv/pwritev straight into and out of guest RAM (a DmaSg list),
 * as it holds off dma_read/dma_write (test-dma-hold.c).  A "device"
 * thread reads a file into 8 bytes that straddle a page through the real
 * pool, or writes them to the file, while this thread rewrites those
 * bytes in two halves with a pause between: a read landing inside the
 * pause is overwritten with stale bytes; a write taken inside it stores
 * a torn value. */
#include "tests/unit/unit.h"
#include "hw/block/aio.h"
#include "hw/block/block.h"
#include "hw/core/dma.h"
#include "hw/core/memory.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SPOT 0xffcu             /* 8 bytes across the page at 0x1000 */
#define ROUNDS 120

static AddressSpace as;
static MemoryRegion ram;
static BlockDriverState *bs;
static atomic_bool in_rmw, done, req_done;
static atomic_uint tried_during_rmw, bad;
static char path[64];

static void pause_us(long us)
{
    struct timespec ts = { 0, us * 1000 };
    nanosleep(&ts, NULL);
}

static void req_cb(void *opaque, int ret)
{
    if (ret < 0)
        atomic_fetch_add(&bad, 1);
    atomic_store(&req_done, true);
}

/* One in-place request on the 8 bytes at SPOT, waited for. */
static void in_place(BlockAioOp op)
{
    DmaSg sg;
    dma_sg_init(&sg, &as);
    CHECK(dma_sg_add(&sg, SPOT, 8, op == BLK_AIO_READ, 4));
    atomic_store(&req_done, false);
    if (atomic_load(&in_rmw))
        atomic_fetch_add(&tried_during_rmw, 1);
    blk_aio_submitv(bs, op, 0, sg.iov, sg.n, req_cb, NULL);
    while (!atomic_load(&req_done)) {
        blk_aio_fd_handler(NULL);
        pause_us(20);
    }
    dma_sg_free(&sg);
}

static void *reader(void *opaque)
{
    for (uint64_t k = 1; k <= ROUNDS; k++) {
        uint64_t pattern = k * 0x0101010101010101ULL, back;
        CHECK(blk_pwrite(bs, 0, &pattern, 8) == 0);
        in_place(BLK_AIO_READ);
        pause_us(150);      /* room for a late store of stale bytes */
        memcpy(&back, ram.host + SPOT, 8);
        if (back != pattern)
            atomic_fetch_add(&bad, 1);
    }
    atomic_store(&done, true);
    return NULL;
}

static void *writer(void *opaque)
{
    for (int k = 0; k < ROUNDS; k++) {
        uint64_t got;
        in_place(BLK_AIO_WRITE);
        CHECK(blk_pread(bs, 0, &got, 8) == 0);
        /* each RMW turns all 8 bytes from one value into the next */
        uint8_t b[8];
        memcpy(b, &got, 8);
        for (int i = 1; i < 8; i++)
            if (b[i] != b[0])
                atomic_fetch_add(&bad, 1);
        pause_us(50);
    }
    atomic_store(&done, true);
    return NULL;
}

static void setup(void)
{
    snprintf(path, sizeof(path), "/tmp/kemu-inplace-%d.raw", (int)getpid());
    BlockCreateOpts o = { .size = 4096, .size_set = true, .quiet = true };
    char *err = NULL;
    REQUIRE(bdrv_create("raw", path, &o, &err) == 0, "cannot create a raw image in /tmp");
    bs = bdrv_open(path, "raw", BDRV_O_RDWR, BDRV_CACHE_WRITEBACK, &err);
    REQUIRE(bs != NULL, "cannot open the raw image");
    REQUIRE(blk_aio_init(2) == 0, "no block pool");
    blk_aio_set_vec_gate(dma_inplace_begin, dma_inplace_end);
    as_init(&as, "test", 1ULL << 32);
    mr_init_ram(&ram, "ram", 0x10000);
    as_map(&as, &ram, 0, 0);
}

static void teardown(void)
{
    blk_aio_shutdown();
    bdrv_close(bs);
    unlink(path);
    as_destroy(&as);
    mr_free(&ram);
}

/* The locked instruction: a split store of the value after what it loaded,
 * (the halves on either side of the page boundary), DMA held off. */
static void rmw_until_done(bool bump)
{
    uint8_t *spot = ram.host + SPOT;
    while (!atomic_load(&done)) {
        dma_hold_off();
        atomic_store(&in_rmw, true);
        uint8_t v[8];
        memcpy(v, spot, 8);
        if (bump)
            memset(v, v[0] + 1, 8);
        memcpy(spot, v, 4);
        pause_us(200);
        memcpy(spot + 4, v + 4, 4);
        atomic_store(&in_rmw, false);
        dma_resume();
        pause_us(100);
    }
}

TEST(dma, in_place_read_held_off_by_a_locked_rmw)
{
    setup();
    pthread_t t;
    CHECK(pthread_create(&t, NULL, reader, NULL) == 0);
    rmw_until_done(false);
    pthread_join(t, NULL);
    CHECK_EQ(atomic_load(&bad), 0);
    CHECK(atomic_load(&tried_during_rmw) > 0);
    teardown();
}

TEST(dma, in_place_write_held_off_by_a_locked_rmw)
{
    setup();
    pthread_t t;
    CHECK(pthread_create(&t, NULL, writer, NULL) == 0);
    rmw_until_done(true);
    pthread_join(t, NULL);
    CHECK_EQ(atomic_load(&bad), 0);
    CHECK(atomic_load(&tried_during_rmw) > 0);
    teardown();
}
