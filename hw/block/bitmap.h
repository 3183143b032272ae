/* Persistent dirty bitmaps of an open image: what a format that stores them
 * (qcow2) offers the block layer's users.  A bitmap has a name, a
 * granularity (bytes of the disk per bit) and flags; while the image is open
 * read-write its enabled bitmaps record every write. */
#ifndef KEMU_BLOCK_BITMAP_H
#define KEMU_BLOCK_BITMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/block/block.h"

#define BDRV_BITMAP_MAX_NAME 1023

typedef struct BlockBitmapInfo {
    char name[BDRV_BITMAP_MAX_NAME + 1];
    uint32_t granularity;
    bool in_use;        /* flagged in use in the image (info's "in-use") */
    bool auto_flag;     /* flagged to record writes (info's "auto") */
    /* As loaded by this open: */
    bool inconsistent;  /* in use when the image was opened: unusable */
    bool enabled;       /* records writes */
    bool readonly;      /* the image is open read-only */
} BlockBitmapInfo;

typedef struct BlockBitmapOps {
    /* All bitmaps, in directory order (an allocated array); count or -errno. */
    int (*list)(BlockDriverState *bs, BlockBitmapInfo **out);
    /* Whether a new bitmap could be stored; -errno after qemu-img's message
     * (a granularity of 0 means the default). */
    int (*add)(BlockDriverState *bs, const char *name, uint32_t granularity, char **errp);
    int (*remove)(BlockDriverState *bs, const char *name, char **errp);
    int (*clear)(BlockDriverState *bs, const char *name);
    int (*set_enabled)(BlockDriverState *bs, const char *name, bool on);
    /* Mark [off, off+len) of the disk dirty in one bitmap. */
    int (*set_dirty)(BlockDriverState *bs, const char *name, uint64_t off, uint64_t len);
    /* Call fn for each dirty range of a bitmap, in order; stops at (and
     * returns) fn's first non-zero return. */
    int (*for_each_dirty)(BlockDriverState *bs, const char *name,
                          int (*fn)(void *opaque, uint64_t off, uint64_t len), void *opaque);
    /* The granularity a bitmap added without one gets. */
    uint32_t (*default_granularity)(BlockDriverState *bs);
    /* This image can hold bitmaps (a qcow2 v2 image cannot). */
    bool (*supported)(BlockDriverState *bs);
} BlockBitmapOps;

/* The bitmap operations of bs's format, NULL when it stores none. */
static inline const BlockBitmapOps *bdrv_bitmap_ops(const BlockDriverState *bs)
{
    return bs->drv->bitmap_ops;
}

/* Look a bitmap up by name; 0 (and *info) or -ENOENT. */
int bdrv_bitmap_find(BlockDriverState *bs, const char *name, BlockBitmapInfo *info);

#endif
