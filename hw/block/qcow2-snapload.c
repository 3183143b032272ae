/* qcow2: reading an internal snapshot in place of the current state (what
 * qemu-img convert -l does).  The image must be open read-only: the
 * snapshot's L1 table only replaces the in-memory one, the disk size stays
 * the current one, and nothing is written. */
#include "hw/block/block-int.h"
#include "hw/block/qcow2.h"
#include "hw/core/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The snapshot with this id and/or name (either may be NULL), or -1. */
static int lookup(const Qcow2State *s, const char *id, const char *name)
{
    for (uint32_t i = 0; i < s->nb_snapshots; i++) {
        if ((!id || !strcmp(s->snaps[i].id, id)) && (!name || !strcmp(s->snaps[i].name, name))) {
            return (int)i;
        }
    }
    return -1;
}

int qcow2_snapshot_load_tmp(BlockDriverState *bs, const char *id, const char *name,
                            char **errp)
{
    Qcow2State *s = bs->opaque;
    if (!bs->read_only) {
        blk_error(errp, "Device '' is writable");
        return -EINVAL;
    }
    int i = lookup(s, id, name);
    if (i < 0) {
        blk_error(errp, "Can't find snapshot");
        return -ENOENT;
    }
    const Qcow2Snapshot *sn = &s->snaps[i];
    size_t bytes = (size_t)sn->l1_size * 8;
    uint8_t *buf = xmalloc(bytes + 8);
    int r = bfile_pread(bs->file, sn->l1_offset, buf, bytes);
    if (r < 0) {
        free(buf);
        blk_error(errp, "Could not read the snapshot's L1 table: %s", strerror(-r));
        return r;
    }
    uint64_t *l1 = xzalloc(bytes + 8);
    for (uint32_t k = 0; k < sn->l1_size; k++) {
        l1[k] = ld_be64(buf + (size_t)k * 8);
    }
    free(buf);
    free(s->l1);
    s->l1 = l1;
    s->l1_size = sn->l1_size;
    s->cbuf_entry = 0;
    return 0;
}
