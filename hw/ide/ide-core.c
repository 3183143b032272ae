/* The IDE channel: the task file registers at the command block (0x1f0 or
 * 0x170) and the control block (0x3f6 or 0x376), software reset, the
 * interrupt line, PIO through the data port, and command dispatch to the
 * ATA (ide-ata.c) or ATAPI (atapi.c) command sets.
 *
 * Both slots share one task file, as on the cable.  An absent slot reads
 * status and error 0 and the "no device" signature 0xffff in the cylinder
 * registers (what firmware and Linux take as nobody there); with no device
 * on the channel at all every register reads 0. */
#include "hw/ide/ide-int.h"
#include "hw/core/util.h"

#include <stdlib.h>
#include <string.h>

void ide_set_irq(IdeChannel *ch)
{
    ch->irq_pending = true;
    if (ch->dma_ops && ch->dma_ops->irq)
        ch->dma_ops->irq(ch->dma_opaque);
    if (!(ch->ctrl & CTL_NIEN))
        irq_raise(ch->irq);
}

static void clear_irq(IdeChannel *ch)
{
    ch->irq_pending = false;
    irq_lower(ch->irq);
}

void ide_cmd_done(IdeChannel *ch)
{
    ch->status = ST_DRDY | ST_DSC | (ch->status & ST_ERR);
    ch->end_fn = NULL;
    ch->pos = ch->end = 0;
    ide_set_irq(ch);
}

void ide_cmd_finish_pio(IdeChannel *ch)
{
    ch->status = ST_DRDY | ST_DSC;
    ch->end_fn = NULL;
}

void ide_abort(IdeChannel *ch)
{
    ch->error = ER_ABRT;
    ch->status = ST_DRDY | ST_ERR;
    ch->end_fn = NULL;
    ch->pos = ch->end = 0;
    ch->dma_pending = false;
    ide_set_irq(ch);
}

void ide_pio_start(IdeChannel *ch, uint32_t start, uint32_t len, void (*fn)(IdeChannel *ch),
                   bool irq)
{
    ch->pos = start;
    ch->end = start + len;
    ch->end_fn = fn;
    ch->status = ST_DRDY | ST_DSC | ST_DRQ;
    if (irq)
        ide_set_irq(ch);
}

void ide_pio_stop(IdeChannel *ch)
{
    ch->pos = ch->end = 0;
    ch->status &= ~ST_DRQ;
}

void ide_set_signature(IdeChannel *ch, IdeDrive *d)
{
    ch->nsector = ch->sector = 1;
    if (d->atapi) {
        ch->lcyl = 0x14;
        ch->hcyl = 0xeb;
    } else {
        ch->lcyl = ch->hcyl = 0;
    }
}

typedef struct IdeReq {
    IdeChannel *ch;
    unsigned gen;
    uint8_t *buf;
    uint32_t len;
    IdeDoneFn *done;
    DmaSg sg;                   /* in place (ide_submit_sg) when sg.as is set */
    bool to_guest;
} IdeReq;

static void req_complete(void *opaque, int ret)
{
    IdeReq *r = opaque;
    /* Guest RAM read into in place loses its translated code, even when a
     * reset dropped the command meanwhile. */
    if (r->to_guest)
        dma_sg_written(&r->sg);
    if (r->gen == r->ch->gen) {
        r->ch->io_busy = false;
        r->done(r->ch, ret, r->buf, r->len);
    }
    dma_sg_free(&r->sg);
    free(r->buf);
    free(r);
}

void ide_submit(IdeChannel *ch, IdeDrive *d, BlockDevOp op, uint64_t off, const uint8_t *data,
                uint32_t len, IdeDoneFn *done)
{
    uint8_t *buf = len ? xmalloc(len) : NULL;
    if (len && data)
        memcpy(buf, data, len);
    ide_submit_buf(ch, d, op, off, buf, len, done);
}

void ide_submit_buf(IdeChannel *ch, IdeDrive *d, BlockDevOp op, uint64_t off, uint8_t *buf,
                    uint32_t len, IdeDoneFn *done)
{
    IdeReq *r = xzalloc(sizeof(*r));
    *r = (IdeReq){ .ch = ch, .gen = ch->gen, .buf = buf, .len = len, .done = done };
    ch->io_busy = true;
    ch->status = (ch->status & ~ST_DRQ) | ST_BSY;
    int ret = blockdev_submit(d->bd, op, off, r->buf, len, req_complete, r);
    if (ret < 0)
        req_complete(r, ret);
}

void ide_submit_sg(IdeChannel *ch, IdeDrive *d, BlockDevOp op, uint64_t off, DmaSg *sg,
                   IdeDoneFn *done)
{
    IdeReq *r = xzalloc(sizeof(*r));
    *r = (IdeReq){ .ch = ch, .gen = ch->gen, .len = (uint32_t)sg->len, .done = done,
                   .sg = *sg, .to_guest = op == BLOCKDEV_READ };
    ch->io_busy = true;
    ch->status = (ch->status & ~ST_DRQ) | ST_BSY;
    int ret = blockdev_submitv(d->bd, op, off, r->sg.iov, r->sg.n, req_complete, r);
    if (ret < 0)
        req_complete(r, ret);
}

static bool channel_empty(const IdeChannel *ch)
{
    return !ch->drive[0].bd && !ch->drive[1].bd;
}

/* Power-on or software reset: both devices run their diagnostics and
 * leave their signatures; the master's is what the registers show. */
void ide_channel_reset(IdeChannel *ch)
{
    ch->gen++;
    /* DMA reads in flight write the guest's RAM in place: they end now
     * (their completions, of an older generation, are dropped). */
    if (ch->io_busy)
        blockdev_drain(ch->drive[ch->cur].bd);
    ch->cur = 0;
    ch->select = 0xa0;
    ch->feature = ch->hob_feature = ch->hob_nsector = 0;
    ch->hob_sector = ch->hob_lcyl = ch->hob_hcyl = 0;
    ch->error = 0x01;           /* diagnostics passed */
    ch->end_fn = NULL;
    ch->pos = ch->end = 0;
    ch->left = ch->chunk = 0;
    ch->io_busy = ch->dma_pending = false;
    IdeDrive *d = &ch->drive[0];
    ide_set_signature(ch, d);
    ch->status = d->bd && !d->atapi ? ST_DRDY | ST_DSC : 0;
    for (int i = 0; i < 2; i++) {
        ch->drive[i].mult = 0;
        ch->drive[i].sense_key = ch->drive[i].asc = 0;
    }
    clear_irq(ch);
}

void ide_channel_init(IdeChannel *ch, IrqLine *irq)
{
    memset(ch, 0, sizeof(*ch));
    ch->irq = irq;
    ch->buf = xzalloc(IDE_CHUNK);
    for (int i = 0; i < 2; i++) {
        ch->drive[i].ch = ch;
        ch->drive[i].unit = i;
    }
}

void ide_channel_free(IdeChannel *ch)
{
    free(ch->buf);
    ch->buf = NULL;
}

static IdeDrive *cur_drive(IdeChannel *ch)
{
    return &ch->drive[ch->cur];
}

static void exec_command(IdeChannel *ch, uint8_t cmd)
{
    IdeDrive *d = cur_drive(ch);
    if (!d->bd)
        return;                 /* nobody answers */
    /* DEVICE RESET is the one command a busy ATAPI device takes. */
    if ((ch->status & ST_BSY) && cmd != 0x08)
        return;
    ch->cmd = cmd;
    ch->dma = false;            /* set again by the commands that use DMA */
    ch->error = 0;
    ch->status &= ~ST_ERR;
    clear_irq(ch);
    if (d->atapi)
        ide_atapi_command(ch, d, cmd);
    else
        ide_ata_command(ch, d, cmd);
}

/* Data port: 16 or 32 bits at a time through the PIO window. */
static uint32_t data_read(IdeChannel *ch, unsigned size)
{
    if (!(ch->status & ST_DRQ) || ch->pos >= ch->end)
        return size == 4 ? 0xffffffffu : 0xffffu;
    uint32_t v = 0;
    for (unsigned i = 0; i < size && ch->pos < ch->end; i++)
        v |= (uint32_t)ch->buf[ch->pos++] << (8 * i);
    if (ch->pos >= ch->end) {
        ch->status &= ~ST_DRQ;
        if (ch->end_fn)
            ch->end_fn(ch);
    }
    return v;
}

static void data_write(IdeChannel *ch, uint32_t v, unsigned size)
{
    if (!(ch->status & ST_DRQ) || ch->pos >= ch->end)
        return;
    for (unsigned i = 0; i < size && ch->pos < ch->end; i++)
        ch->buf[ch->pos++] = (uint8_t)(v >> (8 * i));
    if (ch->pos >= ch->end) {
        ch->status &= ~ST_DRQ;
        if (ch->end_fn)
            ch->end_fn(ch);
    }
}

static uint64_t cmd_read(void *opaque, uint64_t off, unsigned size)
{
    IdeChannel *ch = opaque;
    bool hob = ch->ctrl & CTL_HOB;
    IdeDrive *d = cur_drive(ch);
    if (off == 0)
        return data_read(ch, size);
    if (channel_empty(ch))
        return 0;
    switch (off) {
    case 1: return d->bd ? (hob ? ch->hob_feature : ch->error) : 0;
    case 2: return hob ? ch->hob_nsector : ch->nsector;
    case 3: return hob ? ch->hob_sector : ch->sector;
    case 4: return !d->bd ? 0xff : hob ? ch->hob_lcyl : ch->lcyl;
    case 5: return !d->bd ? 0xff : hob ? ch->hob_hcyl : ch->hcyl;
    case 6: return ch->select;
    default:
        if (!d->bd)
            return 0;
        clear_irq(ch);
        return ch->status;
    }
}

static void cmd_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    IdeChannel *ch = opaque;
    uint8_t v = (uint8_t)val;
    if (off == 0) {
        data_write(ch, (uint32_t)val, size);
        return;
    }
    ch->ctrl &= ~CTL_HOB;       /* a register write clears HOB (ATA-6 7.9) */
    switch (off) {
    case 1: ch->hob_feature = ch->feature; ch->feature = v; break;
    case 2: ch->hob_nsector = ch->nsector; ch->nsector = v; break;
    case 3: ch->hob_sector = ch->sector; ch->sector = v; break;
    case 4: ch->hob_lcyl = ch->lcyl; ch->lcyl = v; break;
    case 5: ch->hob_hcyl = ch->hcyl; ch->hcyl = v; break;
    case 6:
        /* While a command runs (BSY, DRQ, a request in flight) the host
         * must not write the Device register (ATA-6); ignoring DEV keeps the
         * command on the drive that has it. */
        if ((ch->status & (ST_BSY | ST_DRQ)) || ch->io_busy || ch->dma_pending)
            v = (uint8_t)((v & ~DEV_DEV) | (ch->select & DEV_DEV));
        ch->select = v | 0xa0;
        ch->cur = (v & DEV_DEV) ? 1 : 0;
        break;
    default:
        exec_command(ch, v);
        break;
    }
}

/* Control block: alternate status (no interrupt acknowledge) and the
 * device control register with SRST and nIEN. */
static uint64_t ctl_read(void *opaque, uint64_t off, unsigned size)
{
    IdeChannel *ch = opaque;
    (void)off; (void)size;
    if (channel_empty(ch) || !cur_drive(ch)->bd)
        return 0;
    return ch->status;
}

static void ctl_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    IdeChannel *ch = opaque;
    (void)off; (void)size;
    uint8_t old = ch->ctrl;
    ch->ctrl = (uint8_t)val;
    if ((val & CTL_SRST) && !(old & CTL_SRST)) {
        ch->gen++;
        ch->status = ST_BSY | ST_DSC;
        ch->end_fn = NULL;
        ch->pos = ch->end = 0;
    } else if (!(val & CTL_SRST) && (old & CTL_SRST)) {
        uint8_t ctrl = ch->ctrl;
        ide_channel_reset(ch);
        ch->ctrl = ctrl;
    }
    if (ch->ctrl & CTL_NIEN)
        irq_lower(ch->irq);
    else if (ch->irq_pending)
        irq_raise(ch->irq);
}

const MemoryRegionOps ide_cmd_ops = { cmd_read, cmd_write, 1, 4 };
const MemoryRegionOps ide_ctl_ops = { ctl_read, ctl_write, 1, 1 };
