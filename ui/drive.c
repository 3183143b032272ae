/* The drives of the command line made real: each -drive (-hda, -cdrom...)
 * becomes a BlockDev (hw/core/blockdev.h) over the block layer, whose
 * requests run on the block thread pool with completions under the
 * machine lock (in the pool thread when the lock is free, else in the
 * event loop); then the device that shows it to the guest is created (ide-hd,
 * ide-cd, virtio-blk-pci), as QEMU's default devices for if=ide|virtio. */
#include "ui/drive.h"
#include "hw/block/aio.h"
#include "hw/block/block.h"
#include "hw/core/blockdev.h"
#include "hw/core/dma.h"
#include "hw/core/error.h"
#include "hw/core/loop.h"
#include "hw/core/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct DriveBackend {
    BlockDev bd;
    BlockDriverState *bs;
    BlockCacheMode cache;
    bool snapshot, readonly;
    const char *data_file;  /* data-file.filename= of -drive (first open only) */
} DriveBackend;

static const char *const cache_names[] = {
    [CACHE_WRITEBACK] = "writeback", [CACHE_WRITETHROUGH] = "writethrough",
    [CACHE_NONE] = "none", [CACHE_DIRECTSYNC] = "directsync", [CACHE_UNSAFE] = "unsafe",
};

static const BlockAioOp aio_op[] = {
    [BLOCKDEV_READ] = BLK_AIO_READ, [BLOCKDEV_WRITE] = BLK_AIO_WRITE,
    [BLOCKDEV_FLUSH] = BLK_AIO_FLUSH, [BLOCKDEV_WRITE_ZEROES] = BLK_AIO_WRITE_ZEROES,
    [BLOCKDEV_DISCARD] = BLK_AIO_DISCARD,
};

static void backend_submit(BlockDev *bd, BlockDevOp op, uint64_t off, void *buf, uint64_t len,
                           BlockDevCb *cb, void *opaque)
{
    DriveBackend *db = bd->priv;
    blk_aio_submit(db->bs, aio_op[op], off, buf, len, cb, opaque);
}

static void backend_submitv(BlockDev *bd, BlockDevOp op, uint64_t off, const struct iovec *iov,
                            int iovcnt, BlockDevCb *cb, void *opaque)
{
    DriveBackend *db = bd->priv;
    blk_aio_submitv(db->bs, aio_op[op], off, iov, iovcnt, cb, opaque);
}

/* The pool is shared by the drives: waiting for all of it is simplest,
 * and only resets wait. */
static void backend_drain(BlockDev *bd)
{
    (void)bd;
    blk_aio_drain();
}

/* -snapshot / snapshot=on: writes go to a temporary qcow2 overlay whose
 * backing file is the image, deleted as soon as it is open. */
static BlockDriverState *open_snapshot(uint64_t size, const char *fmt, const char *file,
                                       char **err)
{
    char tmpl[] = "/var/tmp/kemu-snapshot.XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd < 0) {
        *err = xasprintf("Could not create temporary overlay: %s", strerror(errno));
        return NULL;
    }
    close(fd);
    char *abs = realpath(file, NULL);
    BlockCreateOpts o = { .size = size, .size_set = true, .backing_file = abs ? abs : file,
                          .backing_fmt = fmt, .quiet = true };
    BlockDriverState *bs = NULL;
    if (bdrv_create("qcow2", tmpl, &o, err) == 0)
        bs = bdrv_open(tmpl, "qcow2", BDRV_O_RDWR, BDRV_CACHE_UNSAFE, err);
    unlink(tmpl);
    free(abs);
    return bs;
}

static int backend_open(DriveBackend *db, const char *file, const char *format, char **err)
{
    BlockDev *bd = &db->bd;
    int flags = db->readonly || db->snapshot ? 0 : BDRV_O_RDWR;
    BlockOpenOpts oo = { .data_file = db->data_file };
    BlockDriverState *bs = bdrv_open_with(file, format, flags, db->cache, &oo, err);
    if (!bs)
        return -1;
    if (db->data_file && strcmp(bs->drv->name, "qcow2")) {
        *err = xasprintf("Block format '%s' does not support the option 'data-file'",
                         bs->drv->name);
        bdrv_close(bs);
        return -1;
    }
    if (!format && !db->readonly)
        bdrv_warn_probed_raw(bs);   /* as QEMU: only where guest writes could land */
    if (db->snapshot) {
        /* The overlay opens its own backing chain: the image is closed
         * first so that its read-only open does not meet our lock. */
        uint64_t size = blk_getlength(bs);
        char fmt[32];
        snprintf(fmt, sizeof(fmt), "%s", bs->drv->name);
        bdrv_close(bs);
        BlockDriverState *top = open_snapshot(size, fmt, file, err);
        if (!top)
            return -1;
        bs = top;
    }
    db->bs = bs;
    bd->size = blk_getlength(bs);
    bd->inserted = true;
    free(bd->file);
    free(bd->format);
    bd->file = xstrdup(file);
    bd->format = xstrdup(bs->drv->name);
    return 0;
}

static int backend_change(BlockDev *bd, const char *file, const char *format, char **err)
{
    DriveBackend *db = bd->priv;
    if (db->bs) {
        blk_aio_drain();
        bdrv_close(db->bs);
        db->bs = NULL;
    }
    bd->inserted = false;
    bd->size = 0;
    free(bd->file);
    free(bd->format);
    bd->file = bd->format = NULL;
    if (!file)
        return 0;
    db->readonly = bd->read_only;   /* a CD stays read-only, a floppy does not */
    db->data_file = NULL;           /* the new medium's own */
    return backend_open(db, file, format, err);
}

static const BlockDevOps backend_ops = { backend_submit, backend_submitv, backend_change,
                                         backend_drain };

/* QEMU's names for drives without id=: ide0-hd0, ide1-cd0, virtio0... */
static char *drive_name(const DriveOpts *d)
{
    if (d->id)
        return xstrdup(d->id);
    if (d->iface == IF_IDE)
        return xasprintf("ide%d-%s%d", d->bus, d->cdrom ? "cd" : "hd", d->unit);
    return xasprintf("%s%d", drive_if_name(d->iface), d->index);
}

static int drive_open(const DriveOpts *d, bool snapshot)
{
    DriveBackend *db = xzalloc(sizeof(*db));
    BlockDev *bd = &db->bd;
    bd->id = drive_name(d);
    bd->ops = &backend_ops;
    bd->priv = db;
    bd->read_only = d->readonly || d->cdrom;
    bd->removable = d->cdrom || d->iface == IF_FLOPPY;
    bd->cache = cache_names[d->cache];
    db->cache = (BlockCacheMode)d->cache;   /* the same five modes, same order */
    db->readonly = bd->read_only;
    db->snapshot = (snapshot || d->snapshot) && !bd->read_only;
    db->data_file = d->data_file;
    if (d->iface == IF_NONE && !d->id) {
        error_report("%s %s: if=none needs id=", d->opt_name, d->spec);
        return -1;
    }
    if (db->snapshot && d->data_file) {
        /* The overlay's backing chain is opened by name alone. */
        error_report("%s %s: snapshot mode with data-file.filename is not supported",
                     d->opt_name, d->spec);
        return -1;
    }
    if (blockdev_find(bd->id)) {
        error_report("%s %s: Duplicate ID '%s' for drive", d->opt_name, d->spec, bd->id);
        return -1;
    }
    char *err = NULL;
    if (d->file && *d->file && backend_open(db, d->file, d->format, &err)) {
        error_report("%s %s: %s", d->opt_name, d->spec, err ? err : "could not open");
        free(err);
        return -1;
    }
    blockdev_register(bd);
    return 0;
}

int drives_open(const KemuOptions *o)
{
    if (!o->ndrives)
        return 0;
    int ret = blk_aio_init(4);
    if (ret < 0) {
        error_report("could not start the block I/O threads: %s", strerror(-ret));
        return -1;
    }
    loop_set_fd(blk_aio_fd(), blk_aio_fd_handler, NULL, NULL);
    blk_aio_set_lock(big_trylock, big_unlock);
    blk_aio_set_vec_gate(dma_inplace_begin, dma_inplace_end);
    blk_aio_set_inline(dma_inplace_try_begin);
    for (int i = 0; i < o->ndrives; i++) {
        if (drive_open(&o->drives[i], o->snapshot))
            return -1;
    }
    return 0;
}

static int drive_device(Machine *m, const DriveOpts *d)
{
    char *name = drive_name(d), *props;
    const char *model;
    if (d->iface == IF_IDE) {
        model = d->cdrom ? "ide-cd" : "ide-hd";
        props = xasprintf("drive=%s,bus=%d,unit=%d", name, d->bus, d->unit);
    } else if (d->iface == IF_FLOPPY) {
        model = "floppy";
        props = xasprintf("drive=%s,unit=%d", name, d->unit);
    } else if (d->iface == IF_VIRTIO) {
        model = "virtio-blk-pci";
        props = xasprintf("drive=%s", name);
    } else {
        free(name);
        return 0;
    }
    Device *dev = device_create(model, props);
    int ret = !dev || device_realize(dev, m) ? -1 : 0;
    free(name);
    free(props);
    return ret;
}

int drives_create_devices(Machine *m, const KemuOptions *o)
{
    for (int i = 0; i < o->ndrives; i++) {
        if (drive_device(m, &o->drives[i]))
            return -1;
    }
    return 0;
}

void drives_close(void)
{
    blk_aio_drain();
    for (BlockDev *bd = blockdev_first(); bd; bd = bd->next) {
        DriveBackend *db = bd->priv;
        if (db->bs)
            blk_flush(db->bs);
    }
}
