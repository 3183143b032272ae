/* The in-memory test drive (memdisk.h). */
#include "tests/unit/memdisk.h"
#include "hw/core/util.h"

#include <string.h>

static void mem_submit(BlockDev *bd, BlockDevOp op, uint64_t off, void *buf, uint64_t len,
                       BlockDevCb *cb, void *opaque)
{
    MemDisk *md = bd->priv;
    if (op == BLOCKDEV_READ)
        memcpy(buf, md->data + off, len);
    else if (op == BLOCKDEV_WRITE)
        memcpy(md->data + off, buf, len);
    else if (op == BLOCKDEV_FLUSH)
        md->flushes++;
    cb(opaque, 0);
}

/* A removable medium comes and goes; the contents stay. */
static int mem_change(BlockDev *bd, const char *file, const char *format, char **err)
{
    (void)format; (void)err;
    bd->inserted = file != NULL;
    return 0;
}

static const BlockDevOps mem_ops = { mem_submit, NULL, mem_change };

MemDisk *memdisk_new(const char *id, uint64_t size, unsigned mul)
{
    MemDisk *md = xzalloc(sizeof(*md));
    md->data = xzalloc(size);
    for (uint64_t i = 0; i < size; i++)
        md->data[i] = (uint8_t)(i * mul + i / 512);
    md->bd = (BlockDev){ .id = xstrdup(id), .ops = &mem_ops, .priv = md, .size = size,
                         .inserted = true };
    blockdev_register(&md->bd);
    return md;
}
