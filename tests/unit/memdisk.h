/* An in-memory drive for device tests: a BlockDev whose requests complete
 * at once, filled with a known pattern, counting flushes. */
#ifndef KEMU_TEST_MEMDISK_H
#define KEMU_TEST_MEMDISK_H

#include "hw/core/blockdev.h"

typedef struct MemDisk {
    BlockDev bd;
    uint8_t *data;
    int flushes;
} MemDisk;

/* Registered under id; byte i holds (i * mul + i / 512) & 0xff. */
MemDisk *memdisk_new(const char *id, uint64_t size, unsigned mul);

#endif
