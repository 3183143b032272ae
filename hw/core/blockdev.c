/* The drive registry and the checks every request passes (blockdev.h). */
#include "hw/core/blockdev.h"
#include "hw/core/error.h"
#include "hw/core/util.h"

#include <errno.h>
#include <string.h>

static BlockDev *drives;

void blockdev_register(BlockDev *bd)
{
    BlockDev **p = &drives;
    while (*p)
        p = &(*p)->next;
    bd->next = NULL;
    *p = bd;
}

BlockDev *blockdev_find(const char *id)
{
    for (BlockDev *bd = drives; bd; bd = bd->next) {
        if (id && !strcmp(bd->id, id))
            return bd;
    }
    return NULL;
}

BlockDev *blockdev_first(void)
{
    return drives;
}

BlockDev *blockdev_attach(const char *id, const char *who)
{
    BlockDev *bd = blockdev_find(id);
    if (!id || !*id) {
        error_report("%s: Property 'drive' is required", who);
        return NULL;
    }
    if (!bd) {
        error_report("%s: drive=%s: Drive '%s' not found", who, id, id);
        return NULL;
    }
    if (bd->attached) {
        error_report("%s: drive=%s: Drive '%s' is already in use by another device", who,
                     id, id);
        return NULL;
    }
    bd->attached = true;
    return bd;
}

int blockdev_submit(BlockDev *bd, BlockDevOp op, uint64_t off, void *buf, uint64_t len,
                    BlockDevCb *cb, void *opaque)
{
    if (!bd->inserted)
        return -ENOMEDIUM;
    if (op != BLOCKDEV_FLUSH && (off > bd->size || len > bd->size - off))
        return -EIO;
    if (op != BLOCKDEV_READ && op != BLOCKDEV_FLUSH && bd->read_only)
        return -EROFS;
    bd->ops->submit(bd, op, off, buf, len, cb, opaque);
    return 0;
}

void blockdev_drain(BlockDev *bd)
{
    if (bd && bd->ops->drain)
        bd->ops->drain(bd);
}

static void notify(BlockDev *bd, bool loaded)
{
    if (bd->media_changed)
        bd->media_changed(bd->media_opaque, loaded);
}

int blockdev_eject(BlockDev *bd, bool force, char **err)
{
    if (!bd->removable) {
        *err = xasprintf("Device '%s' is not removable", bd->id);
        return -1;
    }
    if (bd->locked && !force) {
        *err = xasprintf("Device '%s' is locked and force was not specified, wait for tray "
                         "to open and try again", bd->id);
        return -1;
    }
    if (bd->ops->change(bd, NULL, NULL, err))
        return -1;
    notify(bd, false);
    return 0;
}

int blockdev_change(BlockDev *bd, const char *file, const char *format, char **err)
{
    if (!bd->removable) {
        *err = xasprintf("Device '%s' is not removable", bd->id);
        return -1;
    }
    if (bd->inserted)
        notify(bd, false);
    if (bd->ops->change(bd, file, format, err))
        return -1;
    notify(bd, true);
    return 0;
}
