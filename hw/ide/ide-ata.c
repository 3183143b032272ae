/* The ATA command set of a hard disk (ATA/ATAPI-6): IDENTIFY DEVICE, PIO
 * and DMA reads and writes in 28- and 48-bit LBA (and CHS for old
 * software), READ/WRITE MULTIPLE, FLUSH CACHE, SET FEATURES and the power
 * and no-op commands firmware and Linux issue.  Data moves through the
 * block backend asynchronously: the device shows BSY while a request is
 * in flight and never makes the vCPU wait for the host disk. */
#include "hw/ide/ide-int.h"

#include "hw/core/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    CMD_DEVICE_RESET = 0x08, CMD_RECALIBRATE = 0x10, CMD_READ = 0x20, CMD_READ_NR = 0x21,
    CMD_READ_EXT = 0x24, CMD_READ_DMA_EXT = 0x25, CMD_READ_NATIVE_MAX_EXT = 0x27,
    CMD_READ_MULT_EXT = 0x29, CMD_WRITE = 0x30, CMD_WRITE_NR = 0x31, CMD_WRITE_EXT = 0x34,
    CMD_WRITE_DMA_EXT = 0x35, CMD_WRITE_MULT_EXT = 0x39, CMD_VERIFY = 0x40,
    CMD_VERIFY_NR = 0x41, CMD_VERIFY_EXT = 0x42, CMD_SEEK = 0x70, CMD_DIAGNOSE = 0x90,
    CMD_SPECIFY = 0x91, CMD_PACKET = 0xa0, CMD_IDENTIFY_PACKET = 0xa1,
    CMD_READ_MULT = 0xc4, CMD_WRITE_MULT = 0xc5, CMD_SET_MULT = 0xc6, CMD_READ_DMA = 0xc8,
    CMD_READ_DMA_NR = 0xc9, CMD_WRITE_DMA = 0xca, CMD_WRITE_DMA_NR = 0xcb,
    CMD_STANDBY_IMM = 0xe0, CMD_IDLE_IMM = 0xe1, CMD_STANDBY = 0xe2, CMD_IDLE = 0xe3,
    CMD_CHECK_POWER = 0xe5, CMD_SLEEP = 0xe6, CMD_FLUSH = 0xe7, CMD_IDENTIFY = 0xec,
    CMD_FLUSH_EXT = 0xea, CMD_SET_FEATURES = 0xef, CMD_READ_NATIVE_MAX = 0xf8,
};

void ide_put_string(uint16_t *w, const char *s, int words)
{
    size_t n = strlen(s);
    for (int i = 0; i < words * 2; i++) {
        uint8_t c = (size_t)i < n ? (uint8_t)s[i] : ' ';
        if (i & 1)
            w[i / 2] |= c;
        else
            w[i / 2] = (uint16_t)(c << 8);
    }
}

static void put_le16s(uint8_t *buf, const uint16_t *w, int n)
{
    for (int i = 0; i < n; i++) {
        buf[2 * i] = (uint8_t)w[i];
        buf[2 * i + 1] = (uint8_t)(w[i] >> 8);
    }
}

void ide_identify_modes(const IdeDrive *d, uint16_t *w)
{
    w[63] = 0x0007 | ((d->xfer_mode >> 3) == 4 ? 0x100 << (d->xfer_mode & 7) : 0);
    w[64] = 0x0003;                         /* PIO 3 and 4 */
    w[88] = 0x003f | ((d->xfer_mode >> 3) == 8 ? 0x100 << (d->xfer_mode & 7) : 0);
}

/* IDENTIFY DEVICE (ATA-6 8.15): what Linux and SeaBIOS read to size the
 * disk and pick its transfer modes. */
static void identify(IdeDrive *d, uint8_t *out)
{
    uint16_t w[256] = { 0 };
    uint64_t lba28 = d->sectors > 0x0fffffff ? 0x0fffffff : d->sectors;
    uint32_t chs = (uint32_t)d->cyls * d->heads * d->secs;
    w[0] = 0x0040;                          /* fixed disk */
    w[1] = d->cyls;
    w[3] = d->heads;
    w[6] = d->secs;
    ide_put_string(&w[10], d->serial, 10);
    ide_put_string(&w[23], "2.5+", 4);
    ide_put_string(&w[27], d->model, 20);
    w[47] = 0x8000 | IDE_MAX_MULT;
    w[49] = 0x0b00;                         /* IORDY, LBA, DMA */
    w[51] = 0x0200;
    w[53] = 0x0007;                         /* words 54-58, 64-70, 88 valid */
    w[54] = d->cyls;
    w[55] = d->heads;
    w[56] = d->secs;
    w[57] = (uint16_t)chs;
    w[58] = (uint16_t)(chs >> 16);
    w[59] = d->mult ? 0x100 | d->mult : 0;
    w[60] = (uint16_t)lba28;
    w[61] = (uint16_t)(lba28 >> 16);
    ide_identify_modes(d, w);
    w[65] = w[66] = w[67] = w[68] = 120;
    w[80] = 0x007e;                         /* ATA-1 .. ATA-6 */
    w[82] = 0x4000 | 0x0020;                /* NOP, write cache */
    w[83] = 0x4000 | 0x3400;                /* FLUSH CACHE (EXT), 48-bit */
    w[84] = 0x4000;
    w[85] = 0x4000 | (d->wcache ? 0x0020 : 0);
    w[86] = 0x3400;
    w[87] = 0x4000;
    w[93] = 0x6001 | (1 << 13);
    for (int i = 0; i < 4; i++)
        w[100 + i] = (uint16_t)(d->sectors >> (16 * i));
    put_le16s(out, w, 256);
}

static uint64_t task_lba(IdeChannel *ch, IdeDrive *d)
{
    if (ch->lba48)
        return (uint64_t)ch->sector | (uint64_t)ch->lcyl << 8 | (uint64_t)ch->hcyl << 16 |
               (uint64_t)ch->hob_sector << 24 | (uint64_t)ch->hob_lcyl << 32 |
               (uint64_t)ch->hob_hcyl << 40;
    if (ch->select & DEV_LBA)
        return (uint64_t)ch->sector | (uint64_t)ch->lcyl << 8 | (uint64_t)ch->hcyl << 16 |
               (uint64_t)(ch->select & 0x0f) << 24;
    uint32_t cyl = ch->lcyl | (uint32_t)ch->hcyl << 8;
    if (!ch->sector || !d->secs)
        return UINT64_MAX;
    return ((uint64_t)cyl * d->heads + (ch->select & 0x0f)) * d->secs + ch->sector - 1;
}

/* Where the command ended (or failed): the address back in the task file. */
static void set_task_lba(IdeChannel *ch, IdeDrive *d, uint64_t lba)
{
    if (ch->lba48) {
        ch->sector = (uint8_t)lba;
        ch->lcyl = (uint8_t)(lba >> 8);
        ch->hcyl = (uint8_t)(lba >> 16);
        ch->hob_sector = (uint8_t)(lba >> 24);
        ch->hob_lcyl = (uint8_t)(lba >> 32);
        ch->hob_hcyl = (uint8_t)(lba >> 40);
    } else if (ch->select & DEV_LBA) {
        ch->sector = (uint8_t)lba;
        ch->lcyl = (uint8_t)(lba >> 8);
        ch->hcyl = (uint8_t)(lba >> 16);
        ch->select = (uint8_t)((ch->select & 0xf0) | ((lba >> 24) & 0x0f));
    } else if (d->secs && d->heads) {
        uint64_t cyl = lba / ((uint64_t)d->heads * d->secs);
        uint32_t r = (uint32_t)(lba % ((uint64_t)d->heads * d->secs));
        ch->lcyl = (uint8_t)cyl;
        ch->hcyl = (uint8_t)(cyl >> 8);
        ch->select = (uint8_t)((ch->select & 0xf0) | (r / d->secs));
        ch->sector = (uint8_t)(r % d->secs + 1);
    }
}

static uint32_t task_count(IdeChannel *ch)
{
    if (ch->lba48) {
        uint32_t n = ch->nsector | (uint32_t)ch->hob_nsector << 8;
        return n ? n : 65536;
    }
    return ch->nsector ? ch->nsector : 256;
}

static void io_error(IdeChannel *ch, int ret)
{
    ch->status = ST_DRDY | ST_ERR;
    ch->error = ret == -EIO || ret == -ENOMEDIUM ? ER_IDNF : ret == -EROFS ? ER_ABRT : ER_UNC;
    ch->end_fn = NULL;
    ch->pos = ch->end = 0;
    if (ch->dma && ch->dma_ops)
        ch->dma_ops->done(ch->dma_opaque, true);
    ide_set_irq(ch);
}

static uint32_t chunk_sectors(IdeChannel *ch)
{
    uint32_t max = IDE_CHUNK / IDE_SECTOR;
    return ch->left < max ? ch->left : max;
}

static uint32_t pio_block(IdeChannel *ch)
{
    IdeDrive *d = &ch->drive[ch->cur];
    bool mult = ch->cmd == CMD_READ_MULT || ch->cmd == CMD_WRITE_MULT ||
                ch->cmd == CMD_READ_MULT_EXT || ch->cmd == CMD_WRITE_MULT_EXT;
    uint32_t n = mult && d->mult ? d->mult : 1;
    return n < ch->left ? n : ch->left;
}

/* ---- PIO read: a chunk from the disk, handed out one DRQ block (a
 * sector, or the SET MULTIPLE count) at a time, an interrupt per block. */
static void read_chunk(IdeChannel *ch);

static void pio_read_consumed(IdeChannel *ch)
{
    IdeDrive *d = &ch->drive[ch->cur];
    ch->left -= ch->blk;
    if (!ch->left) {
        set_task_lba(ch, d, ch->lba - 1);
        ch->status = ST_DRDY | ST_DSC;
        ch->end_fn = NULL;
        return;
    }
    uint32_t next = ch->end;
    if (next < ch->chunk * IDE_SECTOR) {
        ch->blk = pio_block(ch);
        ide_pio_start(ch, next, ch->blk * IDE_SECTOR, pio_read_consumed, true);
    } else {
        read_chunk(ch);
    }
}

static void read_done(IdeChannel *ch, int ret, const uint8_t *data, uint32_t len)
{
    IdeDrive *d = &ch->drive[ch->cur];
    if (ret < 0) {
        set_task_lba(ch, d, ch->lba);
        io_error(ch, ret);
        return;
    }
    memcpy(ch->buf, data, len);
    ch->chunk = len / IDE_SECTOR;
    ch->lba += ch->chunk;
    ch->blk = pio_block(ch);
    ide_pio_start(ch, 0, ch->blk * IDE_SECTOR, pio_read_consumed, true);
}

static void read_chunk(IdeChannel *ch)
{
    IdeDrive *d = &ch->drive[ch->cur];
    uint32_t n = chunk_sectors(ch);
    ide_submit(ch, d, BLOCKDEV_READ, ch->lba * IDE_SECTOR, NULL, n * IDE_SECTOR, read_done);
}

/* ---- PIO write: take a DRQ block from the host, write it, ask for the
 * next with an interrupt; the last write's completion ends the command. */
static void pio_write_consumed(IdeChannel *ch);

static void write_done(IdeChannel *ch, int ret, const uint8_t *data, uint32_t len)
{
    IdeDrive *d = &ch->drive[ch->cur];
    (void)data; (void)len;
    if (ret < 0) {
        set_task_lba(ch, d, ch->lba);
        io_error(ch, ret);
        return;
    }
    ch->lba += ch->blk;
    ch->left -= ch->blk;
    if (!ch->left) {
        set_task_lba(ch, d, ch->lba - 1);
        ide_cmd_done(ch);
        return;
    }
    ch->blk = pio_block(ch);
    ide_pio_start(ch, 0, ch->blk * IDE_SECTOR, pio_write_consumed, true);
}

static void pio_write_consumed(IdeChannel *ch)
{
    IdeDrive *d = &ch->drive[ch->cur];
    ide_submit(ch, d, BLOCKDEV_WRITE, ch->lba * IDE_SECTOR, ch->buf, ch->blk * IDE_SECTOR,
               write_done);
}

/* ---- Bus-master DMA: whole chunks between the disk and the guest's PRD
 * list, one interrupt at the end. */
static void dma_run(IdeChannel *ch);

static void dma_finish(IdeChannel *ch, bool error)
{
    IdeDrive *d = &ch->drive[ch->cur];
    set_task_lba(ch, d, error ? ch->lba : ch->lba - 1);
    if (error) {
        ch->status = ST_DRDY | ST_ERR;
        ch->error = ER_ABRT;
    } else {
        ch->status = ST_DRDY | ST_DSC;
    }
    ch->dma_ops->done(ch->dma_opaque, error);
    ide_set_irq(ch);
}

static void dma_step_done(IdeChannel *ch, uint32_t n)
{
    ch->lba += n;
    ch->left -= n;
    if (ch->left)
        dma_run(ch);
    else
        dma_finish(ch, false);
}

static void dma_read_done(IdeChannel *ch, int ret, const uint8_t *data, uint32_t len)
{
    if (ret < 0) {
        io_error(ch, ret);
        return;
    }
    int64_t moved = ch->dma_ops->rw(ch->dma_opaque, (uint8_t *)data, len, true);
    if (moved != (int64_t)len) {
        dma_finish(ch, true);
        return;
    }
    dma_step_done(ch, len / IDE_SECTOR);
}

/* The data is where it belongs: a write's on the disk, an in-place read's
 * in guest RAM. */
static void dma_moved_done(IdeChannel *ch, int ret, const uint8_t *data, uint32_t len)
{
    (void)data;
    if (ret < 0) {
        io_error(ch, ret);
        return;
    }
    dma_step_done(ch, len / IDE_SECTOR);
}

/* The chunk straight between the disk and the guest's buffers, when the
 * PRD list maps it all onto RAM; false leaves it to the copying path,
 * which also reports a bad table exactly as before. */
static bool dma_in_place(IdeChannel *ch, IdeDrive *d, bool read, uint32_t len)
{
    DmaSg sg = { 0 };
    if (!ch->dma_ops->map)
        return false;
    if (!ch->dma_ops->map(ch->dma_opaque, len, read, &sg)) {
        dma_sg_free(&sg);
        return false;
    }
    ide_submit_sg(ch, d, read ? BLOCKDEV_READ : BLOCKDEV_WRITE, ch->lba * IDE_SECTOR, &sg,
                  dma_moved_done);
    return true;
}

/* DMA moves up to IDE_DMA_CHUNK per block request: the command's data
 * waits for each request in turn, so fewer, larger ones finish sooner. */
static void dma_run(IdeChannel *ch)
{
    IdeDrive *d = &ch->drive[ch->cur];
    uint32_t max = IDE_DMA_CHUNK / IDE_SECTOR;
    uint32_t len = (ch->left < max ? ch->left : max) * IDE_SECTOR;
    bool read = ch->cmd == CMD_READ_DMA || ch->cmd == CMD_READ_DMA_NR ||
                ch->cmd == CMD_READ_DMA_EXT;
    if (dma_in_place(ch, d, read, len))
        return;
    if (read) {
        ide_submit(ch, d, BLOCKDEV_READ, ch->lba * IDE_SECTOR, NULL, len, dma_read_done);
        return;
    }
    uint8_t *buf = xmalloc(len);
    int64_t moved = ch->dma_ops->rw(ch->dma_opaque, buf, len, false);
    if (moved != (int64_t)len) {
        free(buf);
        dma_finish(ch, true);
        return;
    }
    ide_submit_buf(ch, d, BLOCKDEV_WRITE, ch->lba * IDE_SECTOR, buf, len, dma_moved_done);
}

void ide_dma_kick(IdeChannel *ch)
{
    if (!ch->dma_pending || !ch->dma_fn)
        return;
    ch->dma_pending = false;
    ch->status = ST_DRDY | ST_DSC | ST_BSY;
    ch->dma_fn(ch);
}

/* The task file's sectors (in the command's addressing, lba48 or not):
 * false, with ID NOT FOUND reported, when they are not all on the disk. */
static bool task_range(IdeChannel *ch, IdeDrive *d, bool lba48, uint64_t *lba,
                       uint32_t *count)
{
    ch->lba48 = lba48;
    *lba = task_lba(ch, d);
    *count = task_count(ch);
    if (*lba == UINT64_MAX || *lba > d->sectors || *count > d->sectors - *lba) {
        ch->error = ER_IDNF;
        ch->status = ST_DRDY | ST_ERR;
        ide_set_irq(ch);
        return false;
    }
    return true;
}

/* Check the range and start the transfer in the command's mode. */
static void rw_start(IdeChannel *ch, IdeDrive *d, bool lba48, bool write, bool dma)
{
    uint64_t lba;
    uint32_t count;
    ch->dma = dma;
    if (!task_range(ch, d, lba48, &lba, &count))
        return;
    if (write && d->bd->read_only) {
        ide_abort(ch);
        return;
    }
    ch->lba = lba;
    ch->left = count;
    ch->chunk = 0;
    if (dma) {
        if (!ch->dma_ops) {
            ide_abort(ch);
            return;
        }
        ch->dma_pending = true;
        ch->dma_fn = dma_run;
        ch->status = ST_DRDY | ST_DSC | ST_DRQ;
        if (ch->dma_ops->active(ch->dma_opaque))
            ide_dma_kick(ch);
    } else if (write) {
        ch->blk = pio_block(ch);
        ide_pio_start(ch, 0, ch->blk * IDE_SECTOR, pio_write_consumed, false);
    } else {
        read_chunk(ch);
    }
}

static void flush_done(IdeChannel *ch, int ret, const uint8_t *data, uint32_t len)
{
    (void)data; (void)len;
    if (ret < 0)
        io_error(ch, ret);
    else
        ide_cmd_done(ch);
}

void ide_set_features(IdeChannel *ch, IdeDrive *d)
{
    switch (ch->feature) {
    case 0x02: d->wcache = true; break;
    case 0x82: d->wcache = false; break;
    case 0x03:                  /* transfer mode: PIO, MWDMA or UDMA */
        if ((ch->nsector >> 3) > 8 || (ch->nsector >> 3) == 3) {
            ide_abort(ch);
            return;
        }
        d->xfer_mode = ch->nsector;
        break;
    case 0x55: case 0xaa: case 0x66: case 0xcc: case 0x05: case 0x85: case 0x31:
        break;                  /* look-ahead, defaults, APM: nothing to change */
    default:
        ide_abort(ch);
        return;
    }
    ide_cmd_done(ch);
}

static void verify(IdeChannel *ch, IdeDrive *d, bool lba48)
{
    uint64_t lba;
    uint32_t count;
    if (!task_range(ch, d, lba48, &lba, &count))
        return;
    set_task_lba(ch, d, lba + count - 1);
    ide_cmd_done(ch);
}

static void native_max(IdeChannel *ch, IdeDrive *d, bool lba48)
{
    ch->lba48 = lba48;
    if (!lba48)
        ch->select |= DEV_LBA;
    uint64_t max = d->sectors ? d->sectors - 1 : 0;
    if (!lba48 && max > 0x0fffffff)
        max = 0x0fffffff;
    set_task_lba(ch, d, max);
    ide_cmd_done(ch);
}

/* The data transfer commands: address size, direction, mode. */
static const struct RwCmd {
    uint8_t cmd;
    bool lba48, write, dma, mult;
} rw_cmds[] = {
    { CMD_READ, false, false, false, false }, { CMD_READ_NR, false, false, false, false },
    { CMD_READ_MULT, false, false, false, true }, { CMD_READ_EXT, true, false, false, false },
    { CMD_READ_MULT_EXT, true, false, false, true },
    { CMD_WRITE, false, true, false, false }, { CMD_WRITE_NR, false, true, false, false },
    { CMD_WRITE_MULT, false, true, false, true }, { CMD_WRITE_EXT, true, true, false, false },
    { CMD_WRITE_MULT_EXT, true, true, false, true },
    { CMD_READ_DMA, false, false, true, false }, { CMD_READ_DMA_NR, false, false, true, false },
    { CMD_READ_DMA_EXT, true, false, true, false },
    { CMD_WRITE_DMA, false, true, true, false }, { CMD_WRITE_DMA_NR, false, true, true, false },
    { CMD_WRITE_DMA_EXT, true, true, true, false },
};

static bool rw_command(IdeChannel *ch, IdeDrive *d, uint8_t cmd)
{
    for (size_t i = 0; i < sizeof(rw_cmds) / sizeof(rw_cmds[0]); i++) {
        const struct RwCmd *c = &rw_cmds[i];
        if (c->cmd != cmd)
            continue;
        if (c->mult && !d->mult)
            ide_abort(ch);          /* READ/WRITE MULTIPLE before SET MULTIPLE */
        else
            rw_start(ch, d, c->lba48, c->write, c->dma);
        return true;
    }
    return false;
}

void ide_ata_command(IdeChannel *ch, IdeDrive *d, uint8_t cmd)
{
    if (rw_command(ch, d, cmd))
        return;
    switch (cmd) {
    case CMD_IDENTIFY:
        identify(d, ch->buf);
        ide_pio_start(ch, 0, IDE_SECTOR, ide_cmd_finish_pio, true);
        break;
    case CMD_VERIFY: case CMD_VERIFY_NR:
        verify(ch, d, false);
        break;
    case CMD_VERIFY_EXT:
        verify(ch, d, true);
        break;
    case CMD_SET_MULT:
        if (ch->nsector > IDE_MAX_MULT || (ch->nsector & (ch->nsector - 1))) {
            ide_abort(ch);
            break;
        }
        d->mult = ch->nsector;
        ide_cmd_done(ch);
        break;
    case CMD_FLUSH: case CMD_FLUSH_EXT:
        ide_submit(ch, d, BLOCKDEV_FLUSH, 0, NULL, 0, flush_done);
        break;
    case CMD_SET_FEATURES:
        ide_set_features(ch, d);
        break;
    case CMD_READ_NATIVE_MAX:
        native_max(ch, d, false);
        break;
    case CMD_READ_NATIVE_MAX_EXT:
        native_max(ch, d, true);
        break;
    case CMD_CHECK_POWER:
        ch->nsector = 0xff;     /* active or idle */
        ide_cmd_done(ch);
        break;
    case CMD_DIAGNOSE:
        ide_set_signature(ch, &ch->drive[0]);
        ch->error = 0x01;
        ch->status = ST_DRDY | ST_DSC;
        ide_set_irq(ch);
        break;
    case CMD_RECALIBRATE: case CMD_SEEK: case CMD_SPECIFY: case CMD_STANDBY_IMM:
    case CMD_IDLE_IMM: case CMD_STANDBY: case CMD_IDLE: case CMD_SLEEP:
        ide_cmd_done(ch);
        break;
    default:                    /* PACKET commands and the rest: not a disk's */
        ide_abort(ch);
        break;
    }
}

/* Identification of a drive from its backend (QEMU's defaults, so guests
 * see the same model name and geometry). */
int ide_attach(IdeChannel *ch, int unit, BlockDev *bd, bool atapi, const char *serial)
{
    IdeDrive *d = &ch->drive[unit];
    d->bd = bd;
    d->atapi = atapi;
    d->wcache = true;
    snprintf(d->serial, sizeof(d->serial), "%s", serial && *serial ? serial : "");
    if (!*d->serial)
        snprintf(d->serial, sizeof(d->serial), "QM%05d", unit + 1);
    snprintf(d->model, sizeof(d->model), atapi ? "QEMU DVD-ROM" : "QEMU HARDDISK");
    d->sectors = bd->size / IDE_SECTOR;
    uint64_t cyls = d->sectors / (16 * 63);
    d->cyls = (uint16_t)(cyls > 16383 ? 16383 : cyls < 2 ? 2 : cyls);
    d->heads = 16;
    d->secs = 63;
    d->tray_open = false;
    return 0;
}
