/* The nbd driver when kemu is built without libnbd: NBD URIs are refused. */
#include "hw/block/block.h"

#include <errno.h>

static int nbd_stub_open(BlockDriverState *bs, char **errp)
{
    blk_error(errp, "This build has no NBD support (libnbd)");
    return -ENOTSUP;
}

static void nbd_stub_close(BlockDriverState *bs)
{
}

const BlockDriver bdrv_nbd = {
    .name = "nbd",
    .open = nbd_stub_open,
    .close = nbd_stub_close,
};
