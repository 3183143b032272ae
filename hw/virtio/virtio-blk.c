/* "virtio-blk-pci": a virtio block device (virtio 1.0, 5.2) on the virtio
 * PCI transport (transitional 1af4:1001 by default, 1af4:1042 with
 * disable-legacy=on): read, write, flush, get id, discard and write zeroes
 * on its drive, one request queue.  The configuration's writeback byte
 * follows the drive's cache mode (0 for writethrough and directsync, where
 * every write is already durable).  A malformed descriptor chain stops the
 * queue and sets DEVICE_NEEDS_RESET.  Requests run on the block
 * backend asynchronously; the used ring is filled when each completes.
 * A request whose buffers do not fit its type (short header, no status
 * byte, data not a whole number of sectors, beyond the disk, larger than
 * the device accepts) completes with an error status, never touching
 * memory outside the chain's own buffers.  Reads and writes move data
 * between the disk and the chain's buffers in guest RAM directly (a
 * scatter-gather request, hw/core/dma.h), without a buffer of their own. */
#include "hw/virtio/virtio-int.h"
#include "hw/core/blockdev.h"
#include "hw/core/bootdev.h"
#include "hw/core/dma.h"
#include "hw/core/error.h"
#include "hw/core/machine.h"
#include "hw/core/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { T_IN = 0, T_OUT = 1, T_FLUSH = 4, T_GET_ID = 8, T_DISCARD = 11, T_WRITE_ZEROES = 13 };
enum { S_OK = 0, S_IOERR = 1, S_UNSUPP = 2 };
enum { F_SEG_MAX = 2, F_RO = 5, F_BLK_SIZE = 6, F_FLUSH = 9, F_DISCARD = 13,
       F_WRITE_ZEROES = 14 };
/* Segments per request: the queue size (256) less the header and status,
 * as QEMU advertises.  Linux sizes its requests from it: with 126, a 1 MiB
 * O_DIRECT transfer into scattered 4 KiB pages became three requests. */
#define SEG_MAX 254
#define MAX_REQ_BYTES (16u << 20)
#define MAX_RANGE_SECTORS 0x3fffffu
#define CONFIG_SIZE 60

typedef struct VirtioBlk {
    Device dev;
    VirtioPci vp;
    char *drive, *serial;
    uint32_t bootindex;
    BlockDev *bd;
    unsigned gen;               /* bumped by resets: late completions drop */
} VirtioBlk;

typedef struct BlkReq {
    VirtioBlk *s;
    unsigned gen;
    VirtElem *e;
    uint32_t type;
    DmaSg sg;                   /* READ/WRITE: the data buffers in guest RAM */
    uint64_t len;               /* data bytes (to or from the guest) */
} BlkReq;

static AddressSpace *mem(VirtioBlk *s) { return &s->dev.machine->mem; }

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void complete(BlkReq *r, uint8_t status, uint64_t written)
{
    VirtioBlk *s = r->s;
    if (r->gen == s->gen) {
        VirtQueue *vq = &s->vp.vq[0];
        uint64_t wlen = virtq_len(r->e, true);
        virtq_copy_to(mem(s), r->e, wlen - 1, &status, 1);
        bool event_idx = virtio_has_feature(&s->vp, VIRTIO_RING_F_EVENT_IDX);
        if (virtq_push(mem(s), vq, r->e->head, (uint32_t)(written + 1), event_idx))
            virtio_pci_notify_queue(&s->vp, 0);
    }
    dma_sg_free(&r->sg);
    free(r->e);
    free(r);
}

static void io_done(void *opaque, int ret)
{
    BlkReq *r = opaque;
    /* The guest's RAM may have been written even if the request failed or
     * the device was reset meanwhile: its translated code must go. */
    if (r->type == T_IN)
        dma_sg_written(&r->sg);
    complete(r, ret < 0 ? S_IOERR : S_OK, ret >= 0 && r->type == T_IN ? r->len : 0);
}

static void submit(BlkReq *r, BlockDevOp op, uint64_t off, uint64_t len)
{
    int ret = blockdev_submit(r->s->bd, op, off, NULL, len, io_done, r);
    if (ret < 0)
        complete(r, S_IOERR, 0);
}

/* The chain's data buffers (after the 16-byte header for a write, before
 * the status byte for a read) as a scatter-gather list over guest RAM;
 * virtq_pop checked that each buffer is RAM. */
static bool map_data(BlkReq *r, bool to_guest)
{
    const VirtElem *e = r->e;
    uint64_t skip = to_guest ? 0 : 16, left = r->len;
    dma_sg_init(&r->sg, mem(r->s));
    for (unsigned i = 0; i < e->nseg && left; i++) {
        const VirtSeg *g = &e->seg[i];
        if (g->write != to_guest)
            continue;
        if (skip >= g->len) {
            skip -= g->len;
            continue;
        }
        uint64_t n = g->len - skip < left ? g->len - skip : left;
        if (!dma_sg_add(&r->sg, g->addr + skip, n, to_guest, 2 * VIRTQ_MAX_SIZE))
            return false;
        left -= n;
        skip = 0;
    }
    return !left;
}

static void submit_rw(BlkReq *r, uint64_t sector)
{
    bool in = r->type == T_IN;
    if (!map_data(r, in)) {
        complete(r, S_IOERR, 0);
        return;
    }
    int ret = blockdev_submitv(r->s->bd, in ? BLOCKDEV_READ : BLOCKDEV_WRITE, sector * 512,
                               r->sg.iov, r->sg.n, io_done, r);
    if (ret < 0)
        complete(r, S_IOERR, 0);
}

/* DISCARD and WRITE ZEROES: one {sector, num_sectors, flags} segment. */
static void range_request(BlkReq *r)
{
    uint8_t seg[16];
    uint64_t rlen = virtq_len(r->e, false) - 16;
    if (rlen != 16 || virtq_copy_from(mem(r->s), r->e, 16, seg, 16) != 16) {
        complete(r, S_UNSUPP, 0);
        return;
    }
    uint64_t sector = 0;
    for (int i = 7; i >= 0; i--)
        sector = sector << 8 | seg[i];
    uint32_t n = (uint32_t)(seg[8] | seg[9] << 8 | seg[10] << 16 | (uint32_t)seg[11] << 24);
    uint32_t flags = (uint32_t)(seg[12] | seg[13] << 8 | seg[14] << 16 | (uint32_t)seg[15] << 24);
    if (n > MAX_RANGE_SECTORS || (r->type == T_DISCARD && flags) || (flags & ~1u) ||
        sector > UINT64_MAX / 512) {
        complete(r, S_UNSUPP, 0);
        return;
    }
    submit(r, r->type == T_DISCARD ? BLOCKDEV_DISCARD : BLOCKDEV_WRITE_ZEROES, sector * 512,
           (uint64_t)n * 512);
}

static void handle(VirtioBlk *s, VirtElem *e)
{
    BlkReq *r = xzalloc(sizeof(*r));
    *r = (BlkReq){ .s = s, .gen = s->gen, .e = e };
    uint8_t hdr[16];
    uint64_t wlen = virtq_len(e, true), rlen = virtq_len(e, false);
    if (!wlen || rlen < 16 || virtq_copy_from(mem(s), e, 0, hdr, 16) != 16) {
        /* No room for a status: give the chain back untouched. */
        if (virtq_push(mem(s), &s->vp.vq[0], e->head, 0,
                       virtio_has_feature(&s->vp, VIRTIO_RING_F_EVENT_IDX)))
            virtio_pci_notify_queue(&s->vp, 0);
        free(e);
        free(r);
        return;
    }
    r->type = (uint32_t)(hdr[0] | hdr[1] << 8 | hdr[2] << 16 | (uint32_t)hdr[3] << 24);
    uint64_t sector = 0;
    for (int i = 15; i >= 8; i--)
        sector = sector << 8 | hdr[i];
    bool sector_ok = sector <= UINT64_MAX / 512;
    switch (r->type) {
    case T_IN:
    case T_OUT:
        r->len = r->type == T_IN ? wlen - 1 : rlen - 16;
        if (!sector_ok || r->len % 512 || r->len > MAX_REQ_BYTES) {
            complete(r, S_IOERR, 0);
            return;
        }
        submit_rw(r, sector);
        break;
    case T_FLUSH:
        submit(r, BLOCKDEV_FLUSH, 0, 0);
        break;
    case T_GET_ID: {
        char id[20] = { 0 };
        strncpy(id, s->serial ? s->serial : "", sizeof(id));
        uint64_t n = wlen - 1 < 20 ? wlen - 1 : 20;
        complete(r, S_OK, virtq_copy_to(mem(s), e, 0, id, n));
        break;
    }
    case T_DISCARD:
    case T_WRITE_ZEROES:
        range_request(r);
        break;
    default:
        complete(r, S_UNSUPP, 0);
        break;
    }
}

static void blk_notify(VirtioPci *vp, int n)
{
    VirtioBlk *s = vp->dev;
    bool indirect = virtio_has_feature(vp, VIRTIO_RING_F_INDIRECT_DESC);
    bool event_idx = virtio_has_feature(vp, VIRTIO_RING_F_EVENT_IDX);
    for (;;) {
        VirtElem *e = xmalloc(sizeof(*e));
        int got = virtq_pop(mem(s), &vp->vq[n], indirect, event_idx, e);
        if (got != 1) {
            free(e);
            if (got < 0)
                virtio_pci_needs_reset(vp);
            return;
        }
        handle(s, e);
    }
}

static uint64_t blk_features(VirtioPci *vp)
{
    VirtioBlk *s = vp->dev;
    return 1u << F_SEG_MAX | 1u << F_BLK_SIZE | 1u << F_FLUSH | 1u << F_DISCARD |
           1u << F_WRITE_ZEROES | (s->bd->read_only ? 1u << F_RO : 0) |
           1u << VIRTIO_RING_F_INDIRECT_DESC | 1u << VIRTIO_RING_F_EVENT_IDX |
           1u << VIRTIO_F_NOTIFY_ON_EMPTY;
}

/* Whether the drive's cache mode acknowledges writes before they are
 * durable (the guest must flush). */
static bool write_cache(const BlockDev *bd)
{
    return !bd->cache || (strcmp(bd->cache, "writethrough") && strcmp(bd->cache, "directsync"));
}

static void blk_config(VirtioPci *vp, uint8_t *c)
{
    VirtioBlk *s = vp->dev;
    uint64_t sectors = s->bd->size / 512;
    put32(c, (uint32_t)sectors);
    put32(c + 4, (uint32_t)(sectors >> 32));
    put32(c + 12, SEG_MAX);
    uint64_t cyl = sectors / (16 * 63);
    c[16] = (uint8_t)(cyl > 65535 ? 65535 : cyl);
    c[17] = (uint8_t)((cyl > 65535 ? 65535 : cyl) >> 8);
    c[18] = 16;
    c[19] = 63;
    put32(c + 20, 512);
    c[32] = write_cache(s->bd);                 /* writeback: flushes matter */
    c[34] = 1;                                  /* num_queues */
    put32(c + 36, MAX_RANGE_SECTORS);
    put32(c + 40, 1);
    put32(c + 44, 1);
    put32(c + 48, MAX_RANGE_SECTORS);
    put32(c + 52, 1);
    c[56] = 1;
}

static void blk_reset(VirtioPci *vp)
{
    VirtioBlk *s = vp->dev;
    s->gen++;
    blockdev_drain(s->bd);      /* reads in flight write the guest's RAM in place */
}

static const VirtioDevOps blk_ops = {
    .features = blk_features, .notify = blk_notify, .config_size = CONFIG_SIZE,
    .config = blk_config, .reset = blk_reset,
};

static const Property blk_props[] = {
    DEFINE_PROP_STR("drive", VirtioBlk, drive, NULL),
    DEFINE_PROP_STR("serial", VirtioBlk, serial, NULL),
    DEFINE_PROP("bootindex", VirtioBlk, bootindex, PROP_U32, BOOTINDEX_NONE),
    VIRTIO_PCI_PROPS(VirtioBlk, vp),
    PROP_END,
};

static int blk_realize(Device *dev, Machine *m)
{
    VirtioBlk *s = (VirtioBlk *)dev;
    if (!m->pci) {
        error_report("virtio-blk-pci: the machine has no PCI bus");
        return -1;
    }
    s->bd = blockdev_attach(s->drive, "virtio-blk-pci");
    if (!s->bd)
        return -1;
    if (!s->bd->inserted) {
        error_report("virtio-blk-pci: Device needs media, but drive is empty");
        s->bd->attached = false;
        return -1;
    }
    static const VirtioPciId id = { .type = 2, .legacy_id = 0x1001, .class_code = 0x01,
                                    .subclass = 0x00, .nqueues = 1 };
    if (virtio_pci_init(&s->vp, m, &id, &blk_ops, s, "virtio-blk-pci") < 0) {
        virtio_pci_remove(&s->vp);
        s->bd->attached = false;
        return -1;
    }
    char path[64];
    uint8_t devfn = s->vp.fn.devfn;
    if (devfn & 7)
        snprintf(path, sizeof(path), "/pci@i0cf8/scsi@%x,%x/disk@0,0", devfn >> 3, devfn & 7);
    else
        snprintf(path, sizeof(path), "/pci@i0cf8/scsi@%x/disk@0,0", devfn >> 3);
    bootdev_register(s->bootindex, path);
    return 0;
}

static void blk_dev_reset(Device *dev)
{
    virtio_pci_reset(&((VirtioBlk *)dev)->vp);
}

static void blk_unrealize(Device *dev)
{
    VirtioBlk *s = (VirtioBlk *)dev;
    s->gen++;
    virtio_pci_remove(&s->vp);
}

static void blk_info(Device *dev, char *buf, size_t len)
{
    VirtioBlk *s = (VirtioBlk *)dev;
    snprintf(buf, len, "drive=%s devfn 0x%02x status 0x%02x", s->drive ? s->drive : "",
             s->vp.fn.devfn, s->vp.status);
}

static DeviceClass virtio_blk_class = {
    .name = "virtio-blk-pci",
    .desc = "virtio block device (PCI)",
    .bus = "pci",
    .size = sizeof(VirtioBlk),
    .props = blk_props,
    .user_creatable = true,
    .realize = blk_realize,
    .reset = blk_dev_reset,
    .unrealize = blk_unrealize,
    .info = blk_info,
};
DEVICE_REGISTER(virtio_blk_class)
