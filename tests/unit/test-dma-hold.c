/* dma_hold_off: a locked read-modify-write that the CPU emulation cannot
 * do atomically (TCG's exclusive step of a split lock) holds off DMA, so
 * a device transfer into the same bytes never lands between its load and
 * its store.  Here a thread without the machine lock (as a device thread
 * would be) writes a new pattern over bytes that straddle a page, and
 * reads it back, while this thread keeps rewriting those bytes with what
 * it loaded (LOCK ADD of 0) with a pause between load and store.  A
 * transfer let in during the pause would be overwritten by the old bytes
 * and the read-back would differ. */
#include "tests/unit/unit.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "hw/core/dma.h"
#include "hw/core/memory.h"

#define SPOT 0xffcu             /* 8 bytes across the page at 0x1000 */
#define ROUNDS 150

static AddressSpace as;
static atomic_bool in_rmw, done;
static atomic_uint tried_during_rmw, lost;

static void pause_us(long us)
{
    struct timespec ts = { 0, us * 1000 };
    nanosleep(&ts, NULL);
}

static void *device(void *opaque)
{
    for (uint64_t k = 1; k <= ROUNDS; k++) {
        uint64_t pattern = k * 0x0101010101010101ULL, back = 0;
        if (atomic_load(&in_rmw))
            atomic_fetch_add(&tried_during_rmw, 1);
        dma_write(&as, SPOT, &pattern, 8);
        pause_us(150);      /* room for a late store of stale bytes */
        dma_read(&as, SPOT, &back, 8);
        if (back != pattern)
            atomic_fetch_add(&lost, 1);
        pause_us(50);
    }
    atomic_store(&done, true);
    return NULL;
}

TEST(dma, held_off_by_a_locked_rmw)
{
    MemoryRegion ram;
    as_init(&as, "test", 1ULL << 32);
    mr_init_ram(&ram, "ram", 0x10000);
    as_map(&as, &ram, 0, 0);
    uint8_t *spot = ram.host + SPOT;
    pthread_t t;
    CHECK(pthread_create(&t, NULL, device, NULL) == 0);
    while (!atomic_load(&done)) {
        dma_hold_off();
        atomic_store(&in_rmw, true);
        uint8_t old[8];
        memcpy(old, spot, 8);
        pause_us(200);
        memcpy(spot, old, 8);
        atomic_store(&in_rmw, false);
        dma_resume();
        pause_us(100);
    }
    pthread_join(t, NULL);
    CHECK_EQ(atomic_load(&lost), 0);
    /* the transfers really did come during read-modify-writes */
    CHECK(atomic_load(&tried_during_rmw) > 0);
    as_destroy(&as);
    mr_free(&ram);
}
