/* The ATAPI CD-ROM: the PACKET protocol (SFF-8020i / ATA-6 chapter 9) and
 * the MMC commands firmware, boot loaders and Linux issue: TEST UNIT READY,
 * REQUEST SENSE, INQUIRY, READ CAPACITY, READ(10)/READ(12), READ TOC,
 * GET CONFIGURATION, GET EVENT STATUS NOTIFICATION, MODE SENSE(10),
 * START STOP UNIT (eject, load), PREVENT ALLOW MEDIUM REMOVAL.  Replies go
 * out through PIO in pieces of at most the byte count the host put in the
 * cylinder registers, or, when the PACKET command set the DMA feature bit
 * (as Linux's ata_piix does for data commands), through the controller's
 * bus-master engine once the host starts it. */
#include "hw/ide/ide-int.h"

#include <string.h>

enum {
    SENSE_NONE = 0, SENSE_NOT_READY = 2, SENSE_ILLEGAL_REQUEST = 5, SENSE_UNIT_ATTENTION = 6,
    SENSE_ABORTED_COMMAND = 0x0b,
};
enum {
    ASC_INV_OPCODE = 0x20, ASC_LBA_OUT_OF_RANGE = 0x21, ASC_INV_FIELD = 0x24,
    ASC_MEDIUM_CHANGED = 0x28, ASC_NO_MEDIUM = 0x3a, ASC_REMOVAL_PREVENTED = 0x53,
};
/* The largest medium reported as a CD rather than a DVD (MMC profiles). */
#define CD_MAX_BLOCKS (800u * 1024 * 1024 / CD_SECTOR)

static void put_be16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put_be32(uint8_t *p, uint32_t v)
{
    put_be16(p, v >> 16);
    put_be16(p + 2, v);
}
static uint32_t be16(const uint8_t *p) { return (uint32_t)p[0] << 8 | p[1]; }
static uint32_t be32(const uint8_t *p) { return be16(p) << 16 | be16(p + 2); }

static uint32_t blocks(const IdeDrive *d)
{
    return (uint32_t)(d->bd->size / CD_SECTOR);
}

static bool medium_ready(const IdeDrive *d)
{
    return d->bd->inserted && !d->tray_open;
}

/* The command is over: status and interrupt reason "to host, command". */
static void atapi_ok(IdeChannel *ch)
{
    IdeDrive *d = &ch->drive[ch->cur];
    d->sense_key = SENSE_NONE;
    d->asc = d->ascq = 0;
    ch->nsector = IR_IO | IR_COD;
    ch->status = ST_DRDY | ST_DSC;
    ch->end_fn = NULL;
    if (ch->dma)
        ch->dma_ops->done(ch->dma_opaque, false);
    ide_set_irq(ch);
}

/* Check condition; bus_error: the bus-master engine failed (the PRD list
 * or a buffer is not RAM), which its status shows too. */
static void fail(IdeChannel *ch, uint8_t key, uint8_t asc, uint8_t ascq, bool bus_error)
{
    IdeDrive *d = &ch->drive[ch->cur];
    d->sense_key = key;
    d->asc = asc;
    d->ascq = ascq;
    ch->error = (uint8_t)(key << 4) | ER_ABRT;
    ch->nsector = IR_IO | IR_COD;
    ch->status = ST_DRDY | ST_ERR;
    ch->end_fn = NULL;
    ch->pos = ch->end = 0;
    ch->dma_pending = false;
    if (ch->dma)
        ch->dma_ops->done(ch->dma_opaque, bus_error);
    ide_set_irq(ch);
}

static void atapi_error(IdeChannel *ch, uint8_t key, uint8_t asc, uint8_t ascq)
{
    fail(ch, key, asc, ascq, false);
}

/* Data to the host: the next DRQ block of buf[ch->end, xfer_end). */
static void send_next(IdeChannel *ch)
{
    uint32_t start = ch->end, left = ch->xfer_end - start;
    if (!left) {
        ch->region_done(ch);
        return;
    }
    uint32_t n = left < ch->byte_limit ? left : ch->byte_limit;
    ch->lcyl = (uint8_t)n;
    ch->hcyl = (uint8_t)(n >> 8);
    ch->nsector = IR_IO;
    ide_pio_start(ch, start, n, send_next, true);
}

/* DMA: the whole reply in buf through the PRD list, which continues where
 * the previous piece of the same command left it. */
static void dma_send(IdeChannel *ch)
{
    int64_t moved = ch->dma_ops->rw(ch->dma_opaque, ch->buf, ch->xfer_end, true);
    if (moved != (int64_t)ch->xfer_end) {
        fail(ch, SENSE_ABORTED_COMMAND, 0, 0, true);
        return;
    }
    ch->region_done(ch);
}

static void send_region(IdeChannel *ch, uint32_t len, void (*done)(IdeChannel *ch))
{
    ch->end = 0;
    ch->xfer_end = len;
    ch->region_done = done;
    if (!ch->dma || !len) {
        send_next(ch);
        return;
    }
    ch->dma_fn = dma_send;
    ch->dma_pending = true;
    ch->status = ST_DRDY | ST_DSC | ST_DRQ;
    if (ch->dma_ops->active(ch->dma_opaque))
        ide_dma_kick(ch);
}

/* A reply built in buf, cut to the host's allocation length. */
static void reply(IdeChannel *ch, uint32_t len, uint32_t alloc)
{
    send_region(ch, len < alloc ? len : alloc, atapi_ok);
}

/* ---- READ(10)/READ(12): chunks of 2048-byte blocks from the medium. ---- */
static void read_next(IdeChannel *ch);

static void read_done(IdeChannel *ch, int ret, const uint8_t *data, uint32_t len)
{
    if (ret < 0) {
        atapi_error(ch, SENSE_NOT_READY, ASC_NO_MEDIUM, 0);
        return;
    }
    memcpy(ch->buf, data, len);
    ch->lba += len / CD_SECTOR;
    ch->left -= len / CD_SECTOR;
    send_region(ch, len, read_next);
}

static void read_next(IdeChannel *ch)
{
    IdeDrive *d = &ch->drive[ch->cur];
    if (!ch->left) {
        atapi_ok(ch);
        return;
    }
    uint32_t n = ch->left < IDE_CHUNK / CD_SECTOR ? ch->left : IDE_CHUNK / CD_SECTOR;
    ide_submit(ch, d, BLOCKDEV_READ, ch->lba * CD_SECTOR, NULL, n * CD_SECTOR, read_done);
}

static void cmd_read(IdeChannel *ch, IdeDrive *d, uint32_t lba, uint32_t count)
{
    if (lba > blocks(d) || count > blocks(d) - lba) {
        atapi_error(ch, SENSE_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE, 0);
        return;
    }
    ch->lba = lba;
    ch->left = count;
    read_next(ch);
}

static uint32_t lba_to_msf(uint8_t *p, uint32_t lba)
{
    lba += 150;
    p[0] = 0;
    p[1] = (uint8_t)(lba / (60 * 75));
    p[2] = (uint8_t)(lba / 75 % 60);
    p[3] = (uint8_t)(lba % 75);
    return 4;
}

static void toc_addr(uint8_t *p, uint32_t lba, bool msf)
{
    if (msf)
        lba_to_msf(p, lba);
    else
        put_be32(p, lba);
}

/* READ TOC: one data track and the lead-out (format 0), or the first
 * session (format 1). */
static void cmd_read_toc(IdeChannel *ch, IdeDrive *d, const uint8_t *p)
{
    bool msf = p[1] & 2;
    int format = p[2] & 0x0f;
    if (!format)
        format = p[9] >> 6;
    uint8_t *b = ch->buf;
    memset(b, 0, 32);
    uint32_t len;
    if (format == 0) {
        uint8_t start = p[6];
        if (start > 1 && start != 0xaa) {
            atapi_error(ch, SENSE_ILLEGAL_REQUEST, ASC_INV_FIELD, 0);
            return;
        }
        b[2] = b[3] = 1;
        len = 4;
        if (start <= 1) {
            b[len + 1] = 0x14;              /* ADR 1, data track */
            b[len + 2] = 1;
            toc_addr(b + len + 4, 0, msf);
            len += 8;
        }
        b[len + 1] = 0x14;
        b[len + 2] = 0xaa;
        toc_addr(b + len + 4, blocks(d), msf);
        len += 8;
    } else if (format == 1) {
        b[2] = b[3] = 1;
        b[5] = 0x14;
        b[6] = 1;
        toc_addr(b + 8, 0, msf);
        len = 12;
    } else {
        atapi_error(ch, SENSE_ILLEGAL_REQUEST, ASC_INV_FIELD, 0);
        return;
    }
    put_be16(b, len - 2);
    reply(ch, len, be16(p + 7));
}

static uint32_t current_profile(const IdeDrive *d)
{
    if (!medium_ready(d))
        return 0;
    return blocks(d) > CD_MAX_BLOCKS ? 0x0010 : 0x0008;
}

/* GET CONFIGURATION: the profile list (DVD-ROM, CD-ROM), the core feature
 * (ATAPI) and the removable-medium feature (tray, eject, lock). */
static void cmd_get_config(IdeChannel *ch, IdeDrive *d, const uint8_t *p)
{
    uint8_t *b = ch->buf;
    uint32_t start = be16(p + 2), len = 8, cur = current_profile(d);
    memset(b, 0, 64);
    put_be16(b + 6, cur);
    if (start == 0) {
        b[len + 2] = 0x03;                  /* persistent, current */
        b[len + 3] = 8;
        put_be16(b + len + 4, 0x0010);
        b[len + 6] = cur == 0x0010;
        put_be16(b + len + 8, 0x0008);
        b[len + 10] = cur == 0x0008;
        len += 12;
    }
    if (start <= 1) {
        put_be16(b + len, 0x0001);
        b[len + 2] = 0x0b;                  /* version 2, persistent, current */
        b[len + 3] = 8;
        put_be32(b + len + 4, 2);           /* ATAPI */
        b[len + 8] = 1;
        len += 12;
    }
    if (start <= 3) {
        put_be16(b + len, 0x0003);
        b[len + 2] = 0x03;
        b[len + 3] = 4;
        b[len + 4] = 0x29;                  /* tray loader, eject, lock */
        len += 8;
    }
    put_be32(b, len - 4);
    reply(ch, len, be16(p + 7));
}

/* GET EVENT STATUS NOTIFICATION, polled: the media class only. */
static void cmd_gesn(IdeChannel *ch, IdeDrive *d, const uint8_t *p)
{
    uint8_t *b = ch->buf;
    if (!(p[1] & 1)) {
        atapi_error(ch, SENSE_ILLEGAL_REQUEST, ASC_INV_FIELD, 0);
        return;
    }
    memset(b, 0, 8);
    b[3] = 0x10;                            /* classes supported: media */
    uint32_t len = 4;
    if (p[4] & 0x10) {
        b[2] = 4;                           /* media class */
        b[4] = (uint8_t)d->media_event;
        b[5] = (uint8_t)((d->bd->inserted ? 2 : 0) | (d->tray_open ? 1 : 0));
        d->media_event = 0;
        len = 8;
    } else {
        b[2] = 0x80;                        /* no event available */
    }
    put_be16(b, len - 2);
    reply(ch, len, be16(p + 7));
}

static uint32_t mode_page(IdeDrive *d, uint8_t *b, int page)
{
    static const uint8_t recovery[8] = { 0x01, 0x06, 0x00, 0x05 };
    if (page == 0x01) {
        memcpy(b, recovery, sizeof(recovery));
        return sizeof(recovery);
    }
    /* 0x2a: capabilities and mechanical status (MMC-3 6.3.11). */
    memset(b, 0, 20);
    b[0] = 0x2a;
    b[1] = 0x12;
    b[2] = 0x3b;                            /* reads CD-R/RW, DVD-ROM/R/RAM */
    b[4] = 0x71;
    b[5] = 0x77;
    b[6] = (uint8_t)(0x29 | (d->bd->locked ? 0x02 : 0));
    put_be16(b + 8, 706);                   /* 4x, in kB/s */
    put_be16(b + 10, 2);
    put_be16(b + 12, 512);
    put_be16(b + 14, 706);
    return 20;
}

static void cmd_mode_sense(IdeChannel *ch, IdeDrive *d, const uint8_t *p)
{
    int page = p[2] & 0x3f, pc = p[2] >> 6;
    uint8_t *b = ch->buf;
    if (pc == 3) {
        atapi_error(ch, SENSE_ILLEGAL_REQUEST, 0x39, 0);  /* saving not supported */
        return;
    }
    memset(b, 0, 8);
    uint32_t len = 8;
    if (page == 0x01 || page == 0x3f)
        len += mode_page(d, b + len, 0x01);
    if (page == 0x2a || page == 0x3f)
        len += mode_page(d, b + len, 0x2a);
    if (len == 8) {
        atapi_error(ch, SENSE_ILLEGAL_REQUEST, ASC_INV_FIELD, 0);
        return;
    }
    put_be16(b, len - 2);
    reply(ch, len, be16(p + 7));
}

static void cmd_inquiry(IdeChannel *ch, const uint8_t *p)
{
    uint8_t *b = ch->buf;
    if (p[1] & 1) {
        atapi_error(ch, SENSE_ILLEGAL_REQUEST, ASC_INV_FIELD, 0);
        return;
    }
    memset(b, 0, 36);
    b[0] = 0x05;                            /* CD/DVD device */
    b[1] = 0x80;                            /* removable */
    b[3] = 0x21;                            /* ATAPI, response format 1 */
    b[4] = 31;
    memcpy(b + 8, "QEMU    ", 8);
    memcpy(b + 16, "QEMU DVD-ROM    ", 16);
    memcpy(b + 32, "2.5+", 4);
    reply(ch, 36, p[4]);
}

static void cmd_request_sense(IdeChannel *ch, IdeDrive *d, const uint8_t *p)
{
    uint8_t *b = ch->buf;
    memset(b, 0, 18);
    b[0] = 0x70;
    b[2] = d->sense_key;
    b[7] = 10;
    b[12] = d->asc;
    b[13] = d->ascq;
    if (d->sense_key == SENSE_UNIT_ATTENTION)
        d->unit_attention = false;
    reply(ch, 18, p[4]);
}

static void cmd_start_stop(IdeChannel *ch, IdeDrive *d, const uint8_t *p)
{
    bool start = p[4] & 1, loej = p[4] & 2;
    if (loej && !start) {
        if (d->bd->locked) {
            atapi_error(ch, SENSE_NOT_READY, ASC_REMOVAL_PREVENTED, 2);
            return;
        }
        d->tray_open = true;
        d->media_event = 3;
    } else if (loej && start && d->tray_open) {
        d->tray_open = false;
        if (d->bd->inserted)
            d->media_event = 2;
    }
    atapi_ok(ch);
}

static void cmd_disc_info(IdeChannel *ch, const uint8_t *p)
{
    uint8_t *b = ch->buf;
    memset(b, 0, 34);
    b[1] = 32;
    b[2] = 0x0e;                            /* complete disc, last session complete */
    b[3] = b[4] = b[5] = b[6] = 1;
    b[7] = 0x20;                            /* unrestricted use */
    reply(ch, 34, be16(p + 7));
}

/* Commands that need no medium and are not held back by a unit
 * attention (SPC-3 / MMC: these report, they do not access). */
static bool needs_medium(uint8_t op)
{
    return op != 0x03 && op != 0x12 && op != 0x46 && op != 0x4a && op != 0x1b &&
           op != 0x1e && op != 0x5a && op != 0xbd && op != 0xbb;
}

static void exec_packet(IdeChannel *ch)
{
    IdeDrive *d = &ch->drive[ch->cur];
    const uint8_t *p = ch->packet;
    if (needs_medium(p[0])) {
        if (d->unit_attention) {
            d->unit_attention = false;
            atapi_error(ch, SENSE_UNIT_ATTENTION, ASC_MEDIUM_CHANGED, 0);
            return;
        }
        if (!medium_ready(d)) {
            atapi_error(ch, SENSE_NOT_READY, ASC_NO_MEDIUM, d->tray_open ? 2 : 1);
            return;
        }
    }
    switch (p[0]) {
    case 0x00: case 0x2b: case 0xbb:        /* TEST UNIT READY, SEEK, SET CD SPEED */
        atapi_ok(ch);
        break;
    case 0x03: cmd_request_sense(ch, d, p); break;
    case 0x12: cmd_inquiry(ch, p); break;
    case 0x1b: cmd_start_stop(ch, d, p); break;
    case 0x1e:
        d->bd->locked = p[4] & 1;
        atapi_ok(ch);
        break;
    case 0x25:
        put_be32(ch->buf, blocks(d) ? blocks(d) - 1 : 0);
        put_be32(ch->buf + 4, CD_SECTOR);
        reply(ch, 8, 8);
        break;
    case 0x28: cmd_read(ch, d, be32(p + 2), be16(p + 7)); break;
    case 0xa8: cmd_read(ch, d, be32(p + 2), be32(p + 6)); break;
    case 0x43: cmd_read_toc(ch, d, p); break;
    case 0x46: cmd_get_config(ch, d, p); break;
    case 0x4a: cmd_gesn(ch, d, p); break;
    case 0x51: cmd_disc_info(ch, p); break;
    case 0x5a: cmd_mode_sense(ch, d, p); break;
    case 0xbd:                              /* MECHANISM STATUS: no changer */
        memset(ch->buf, 0, 8);
        put_be16(ch->buf + 6, 0);
        reply(ch, 8, be16(p + 8));
        break;
    default:
        atapi_error(ch, SENSE_ILLEGAL_REQUEST, ASC_INV_OPCODE, 0);
        break;
    }
}

static void packet_received(IdeChannel *ch)
{
    memcpy(ch->packet, ch->buf, sizeof(ch->packet));
    exec_packet(ch);
}

/* IDENTIFY PACKET DEVICE: a removable CD-ROM, 12-byte packets, PIO. */
static void identify_packet(IdeDrive *d, uint8_t *out)
{
    uint16_t w[256] = { 0 };
    w[0] = 0x85c0;
    ide_put_string(&w[10], d->serial, 10);
    ide_put_string(&w[23], "2.5+", 4);
    ide_put_string(&w[27], d->model, 20);
    w[49] = 0x0300;                         /* LBA, DMA */
    w[53] = 0x0006;                         /* words 64-70 and 88 valid */
    ide_identify_modes(d, w);
    w[65] = w[66] = w[67] = w[68] = 120;
    w[80] = 0x001e;
    for (int i = 0; i < 256; i++) {
        out[2 * i] = (uint8_t)w[i];
        out[2 * i + 1] = (uint8_t)(w[i] >> 8);
    }
}

void ide_atapi_command(IdeChannel *ch, IdeDrive *d, uint8_t cmd)
{
    switch (cmd) {
    case 0xa0:                              /* PACKET */
        if ((ch->feature & 1) && !ch->dma_ops) {
            ide_abort(ch);
            break;
        }
        ch->dma = ch->feature & 1;
        ch->byte_limit = (ch->lcyl | (uint32_t)ch->hcyl << 8) & ~1u;
        if (!ch->byte_limit)
            ch->byte_limit = 0xfffe;
        ch->nsector = IR_COD;
        ide_pio_start(ch, 0, sizeof(ch->packet), packet_received, false);
        break;
    case 0xa1:
        identify_packet(d, ch->buf);
        ide_pio_start(ch, 0, IDE_SECTOR, ide_cmd_finish_pio, true);
        break;
    case 0x08:                              /* DEVICE RESET */
        ide_set_signature(ch, d);
        ch->error = 0x01;
        ch->status = 0;
        ch->end_fn = NULL;
        ch->pos = ch->end = 0;
        break;
    case 0xe5:
        ch->nsector = 0xff;
        ide_cmd_done(ch);
        break;
    case 0xef:
        ide_set_features(ch, d);
        break;
    case 0xe0: case 0xe1: case 0xe7: case 0x00:
        ide_cmd_done(ch);
        break;
    case 0x90:
        ide_set_signature(ch, &ch->drive[0]);
        ch->error = 0x01;
        ch->status = ST_DRDY | ST_DSC;
        ide_set_irq(ch);
        break;
    default:                                /* IDENTIFY DEVICE and disk commands */
        ide_set_signature(ch, d);
        ide_abort(ch);
        break;
    }
}

void ide_atapi_media_changed(IdeDrive *d, bool loaded)
{
    d->tray_open = false;
    d->media_event = loaded ? 2 : 3;
    if (loaded)
        d->unit_attention = true;
}
