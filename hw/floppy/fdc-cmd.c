/* The floppy controller's commands (82078 datasheet, section 8): their
 * lengths, and what each does.  Data moves through ISA DMA, clipped by the
 * controller to the block the guest programmed, or (SPECIFY's ND bit) a
 * byte at a time through the FIFO; the medium is read
 * or written through the block layer (its completion comes later, from
 * the event loop).  A transfer runs from sector R up to EOT (and on to
 * head 1 with MT) unless DMA's terminal count ends it first, which is the
 * normal end; running off the track without it is "end of cylinder". */
#include "hw/floppy/fdc-int.h"
#include "hw/core/isa-dma.h"
#include "hw/core/log.h"
#include "hw/core/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define UNIT(s) ((s)->cmd[1] & 3)
#define HEAD(s) (((s)->cmd[1] >> 2) & 1)
#define MT 0x80
#define OVERRUN_NS 2000000      /* a byte not taken within 2 ms (virtual) */

/* ---- seeks and status ---- */

static void seek_end(Fdc *s, int track, uint8_t st0)
{
    FloppyDrive *d = fdc_drive(s, UNIT(s));
    if (d) {
        d->track = (uint8_t)track;
        if (d->fmt)
            d->changed = false;             /* a step pulse with a medium in */
    } else {
        st0 |= ST0_ABNORMAL | ST0_EC;
    }
    s->seek_st0 = st0;
    s->seek_done = true;
    fdc_idle(s);
    fdc_raise_irq(s);
}

static void cmd_recalibrate(Fdc *s)
{
    seek_end(s, 0, ST0_SEEK_END | UNIT(s));
}

/* SEEK, and RELATIVE SEEK (bit 7; bit 6 the direction). */
static void cmd_seek(Fdc *s)
{
    FloppyDrive *d = fdc_drive(s, UNIT(s));
    int track = s->cmd[2];
    if (s->cmd[0] & 0x80) {
        int from = d ? d->track : 0;
        track = s->cmd[0] & 0x40 ? MIN(from + track, 255) : MAX(from - track, 0);
    }
    if (d)
        d->head = (uint8_t)HEAD(s);
    seek_end(s, track, (uint8_t)(ST0_SEEK_END | (s->cmd[1] & 7)));
}

static void cmd_sense_interrupt(Fdc *s)
{
    uint8_t r[2];
    if (s->reset_sensei > 0) {
        int unit = 4 - s->reset_sensei--;
        r[0] = (uint8_t)(0xc0 | unit);
        r[1] = unit < FDC_DRIVES ? s->drv[unit].track : 0;
    } else if (s->seek_done) {
        int unit = s->seek_st0 & 3;
        s->seek_done = false;
        r[0] = s->seek_st0;
        r[1] = unit < FDC_DRIVES ? s->drv[unit].track : 0;
    } else {
        r[0] = ST0_INVALID;
        fdc_result(s, r, 1, false);
        return;
    }
    fdc_result(s, r, 2, false);
}

static void cmd_sense_drive(Fdc *s)
{
    FloppyDrive *d = fdc_drive(s, UNIT(s));
    uint8_t st3 = (uint8_t)(s->cmd[1] & 7);
    if (d) {
        st3 |= 0x28;                        /* ready, two-sided */
        st3 |= d->track == 0 ? 0x10 : 0;
        st3 |= d->bd->read_only ? 0x40 : 0;
    }
    fdc_result(s, &st3, 1, false);
}

/* ---- settings ---- */

static void cmd_specify(Fdc *s)
{
    s->specify[0] = s->cmd[1];
    s->specify[1] = s->cmd[2];
    fdc_idle(s);
}

static void cmd_configure(Fdc *s)
{
    s->config = s->cmd[2];
    s->pretrk = s->cmd[3];
    fdc_idle(s);
}

static void cmd_perpendicular(Fdc *s)
{
    s->perp = s->cmd[1];
    fdc_idle(s);
}

static void cmd_lock(Fdc *s)
{
    s->lock = s->cmd[0] & 0x80;
    uint8_t r = (uint8_t)(s->lock << 4);
    fdc_result(s, &r, 1, false);
}

static void cmd_version(Fdc *s)
{
    uint8_t r = 0x90;                       /* an enhanced controller */
    fdc_result(s, &r, 1, false);
}

static void cmd_part_id(Fdc *s)
{
    uint8_t r = 0x41;                       /* 82078, stepping 1 */
    fdc_result(s, &r, 1, false);
}

static void cmd_dumpreg(Fdc *s)
{
    uint8_t r[10] = { s->drv[0].track, s->drv[1].track, 0, 0, s->specify[0], s->specify[1],
                      s->last_eot, (uint8_t)(s->lock << 7 | (s->perp & 0x7f)), s->config,
                      s->pretrk };
    fdc_result(s, r, sizeof(r), false);
}

/* ---- reading the medium's IDs and data ---- */

/* Why the drive cannot read its medium now (ST1 bits), 0 if it can: a
 * medium must be in and the data rate must be the one it was written at
 * (how firmware tells a 720K disk from a 1.44M one). */
static uint8_t medium_error(const Fdc *s, const FloppyDrive *d)
{
    if (!d || !d->fmt || !d->bd->inserted)
        return ST1_MA;
    return s->rate == d->fmt->rate ? 0 : ST1_MA;
}

static void cmd_read_id(Fdc *s)
{
    FloppyDrive *d = fdc_drive(s, UNIT(s));
    uint8_t st1 = medium_error(s, d);
    if (!st1 && HEAD(s) >= d->fmt->heads)
        st1 = ST1_MA;
    uint8_t r[7] = { (uint8_t)((s->cmd[1] & 7) | (st1 ? ST0_ABNORMAL : 0)), st1, 0,
                     d ? d->track : 0, (uint8_t)HEAD(s), d ? d->sector : 1, 2 };
    fdc_result(s, r, sizeof(r), true);
}

/* A command that ends before any data moves. */
static void fail(Fdc *s, uint8_t st1)
{
    uint8_t r[7] = { (uint8_t)((s->cmd[1] & 7) | ST0_ABNORMAL), st1, 0, s->cmd[2], s->cmd[3],
                     s->cmd[4], s->cmd[5] };
    fdc_result(s, r, sizeof(r), true);
}

static void xfer_free(Fdc *s)
{
    free(s->xfer);
    s->xfer = NULL;
}

/* The result of a read or write: where the next sector would be. */
static void finish(Fdc *s, FdcXfer *x, uint8_t st1)
{
    FloppyDrive *d = &s->drv[x->drive];
    int c = x->c, h = x->h, r = x->r;
    for (uint32_t k = (x->done + FDC_SECTOR - 1) / FDC_SECTOR; k > 0; k--) {
        if (r < x->eot) {
            r++;
        } else if (x->mt && h == 0 && d->fmt && d->fmt->heads == 2) {
            h = 1;
            r = 1;
        } else {
            c++;
            r = 1;
            h = x->mt ? !h : h;
        }
    }
    uint8_t st0 = (uint8_t)(s->cmd[1] & 7);
    if (st1)
        st0 |= ST0_ABNORMAL;
    else if (!x->tc && !x->format) {
        st0 |= ST0_ABNORMAL;                /* ran off the track without TC */
        st1 = ST1_EN;
    }
    d->sector = (uint8_t)r;
    uint8_t res[7] = { st0, st1, 0, (uint8_t)c, (uint8_t)h, (uint8_t)r, 2 };
    xfer_free(s);
    fdc_result(s, res, sizeof(res), true);
}

/* The data phase begins: DMA requests, or (non-DMA) an interrupt for
 * the first byte. */
static void data_ready(Fdc *s, FdcXfer *x)
{
    if (!x->pio) {
        isa_dma_hold(s->dev.machine, (int)s->dma);
        return;
    }
    x->pio_ready = true;
    fdc_raise_irq(s);
    timer_mod(&s->overrun, clock_ns() + OVERRUN_NS);
}

static void disk_done(void *opaque, int ret)
{
    FdcXfer *x = opaque;
    Fdc *s = x->fdc;
    x->disk_busy = false;
    if (!s) {                               /* abandoned by a reset */
        free(x);
        return;
    }
    if (ret < 0) {
        finish(s, x, ST1_DE);
    } else if (x->write || x->format) {
        finish(s, x, x->st1);
    } else {
        data_ready(s, x);                   /* for the CPU's memory */
    }
}

static void disk_io(Fdc *s, FdcXfer *x, bool write)
{
    BlockDev *bd = s->drv[x->drive].bd;
    x->disk_busy = true;
    int r = blockdev_submit(bd, write ? BLOCKDEV_WRITE : BLOCKDEV_READ, x->disk_off, x->buf,
                            x->disk_len, disk_done, x);
    if (r < 0) {
        x->disk_busy = false;
        finish(s, x, r == -EROFS ? ST1_NW : r == -ENOMEDIUM ? ST1_MA : ST1_DE);
    }
}

/* After the DMA stage of a write: whole sectors (a partial one padded with
 * zeros, as the controller does); of a format: the track, filled. */
static void write_medium(Fdc *s, FdcXfer *x)
{
    const FloppyFormat *f = s->drv[x->drive].fmt;
    if (x->format) {
        uint32_t n = MIN((uint32_t)s->cmd[3], (uint32_t)f->spt);
        x->disk_off = ((uint64_t)x->c * f->heads + (uint64_t)x->h) * f->spt * FDC_SECTOR;
        x->disk_len = n * FDC_SECTOR;
        x->done = 0;                        /* the result names the track, not sectors */
        memset(x->buf, x->fill, x->disk_len);
    } else {
        x->disk_len = (x->done + FDC_SECTOR - 1) / FDC_SECTOR * FDC_SECTOR;
        memset(x->buf + x->done, 0, x->disk_len - x->done);
    }
    if (!x->disk_len)
        finish(s, x, x->st1);
    else
        disk_io(s, x, true);
}

int fdc_dma_handler(void *opaque, int chan, int pos, int size)
{
    Fdc *s = opaque;
    FdcXfer *x = s->xfer;
    Machine *m = s->dev.machine;
    if (!x || s->phase != PH_EXEC || pos < 0 || pos >= size || !(s->dor & DOR_DMA_IRQ))
        return pos;
    int want = (int)MIN((uint32_t)(size - pos), x->len - x->done);
    int moved = x->write || x->format ? isa_dma_read(m, chan, x->buf + x->done, pos, want)
                                      : isa_dma_write(m, chan, x->buf + x->done, pos, want);
    moved = moved < 0 ? 0 : MIN(moved, want);
    x->done += (uint32_t)moved;
    pos += moved;
    x->tc = pos >= size;
    if (x->tc || x->done >= x->len || moved < want) {
        isa_dma_release(m, chan);
        if (x->write || x->format)
            write_medium(s, x);
        else
            finish(s, x, 0);
    }
    return pos;
}

/* After one data byte: wait for the next (the interrupt raised when the
 * data phase began stays up, as with the FIFO enabled, so a driver takes
 * the bytes in one handler), or end the data phase, which without DMA's
 * terminal count runs to the end of the track. */
static void pio_step(Fdc *s, FdcXfer *x)
{
    if (x->done < x->len) {
        timer_mod(&s->overrun, clock_ns() + OVERRUN_NS);
        return;
    }
    timer_del(&s->overrun);
    fdc_lower_irq(s);                       /* the result's is a new edge */
    x->pio_ready = false;
    if (x->write || x->format)
        write_medium(s, x);
    else
        finish(s, x, 0);
}

/* A host that stops taking (or giving) bytes overruns the controller: the
 * command ends after the last whole sector, with OR -- how pseudo-DMA
 * drivers end a transfer shorter than the track. */
void fdc_overrun(void *opaque)
{
    Fdc *s = opaque;
    FdcXfer *x = s->xfer;
    if (!x || !x->pio_ready || s->phase != PH_EXEC)
        return;
    x->pio_ready = false;
    x->done -= x->done % FDC_SECTOR;
    fdc_lower_irq(s);
    if (x->write || x->format) {
        x->st1 = ST1_OR;
        write_medium(s, x);
    } else {
        finish(s, x, ST1_OR);
    }
}

uint8_t fdc_pio_read(Fdc *s)
{
    FdcXfer *x = s->xfer;
    if (!x || !x->pio_ready || x->write || x->format || x->done >= x->len)
        return 0;
    uint8_t v = x->buf[x->done++];
    pio_step(s, x);
    return v;
}

void fdc_pio_write(Fdc *s, uint8_t v)
{
    FdcXfer *x = s->xfer;
    if (!x || !x->pio_ready || !(x->write || x->format) || x->done >= x->len)
        return;
    x->buf[x->done++] = v;
    pio_step(s, x);
}

void fdc_abandon(Fdc *s)
{
    FdcXfer *x = s->xfer;
    timer_del(&s->overrun);
    if (!x)
        return;
    isa_dma_release(s->dev.machine, (int)s->dma);
    s->xfer = NULL;
    if (x->disk_busy)
        x->fdc = NULL;                      /* its completion frees it */
    else
        free(x);
}

/* Checks shared by READ, WRITE and FORMAT; ST1 error bits or 0. */
static uint8_t check_rw(Fdc *s, FloppyDrive *d, bool write)
{
    uint8_t err = medium_error(s, d);
    if (err)
        return err;
    if (write && d->bd->read_only)
        return ST1_NW;
    return 0;
}

static FdcXfer *xfer_new(Fdc *s, bool write, uint32_t len)
{
    FdcXfer *x = xzalloc(sizeof(*x));
    x->fdc = s;
    x->drive = UNIT(s);
    x->write = write;
    x->pio = s->specify[1] & 1;             /* SPECIFY's ND bit */
    x->len = MIN(len, (uint32_t)sizeof(x->buf));
    s->xfer = x;
    s->phase = PH_EXEC;
    return x;
}

/* READ DATA / WRITE DATA: C H R N EOT GPL DTL after the drive byte. */
static void read_write(Fdc *s, bool write)
{
    FloppyDrive *d = fdc_drive(s, UNIT(s));
    uint8_t err = check_rw(s, d, write);
    if (err) {
        fail(s, err);
        return;
    }
    const FloppyFormat *f = d->fmt;
    int c = s->cmd[2], h = s->cmd[3], r = s->cmd[4], eot = MIN(s->cmd[6], f->spt);
    bool mt = (s->cmd[0] & MT) && f->heads == 2 && h == 0;
    if (c >= f->tracks || h >= f->heads || h != HEAD(s) || s->cmd[5] != 2 || r < 1 || r > eot) {
        fail(s, ST1_ND);
        return;
    }
    s->last_eot = s->cmd[6];
    d->track = (uint8_t)c;                  /* an implied seek */
    d->head = (uint8_t)h;
    uint32_t n = (uint32_t)(eot - r + 1) + (mt ? (uint32_t)eot : 0);
    FdcXfer *x = xfer_new(s, write, n * FDC_SECTOR);
    x->c = c, x->h = h, x->r = r, x->eot = eot, x->mt = s->cmd[0] & MT;
    x->disk_off = (((uint64_t)c * f->heads + (uint64_t)h) * f->spt + (uint64_t)r - 1) * FDC_SECTOR;
    x->disk_len = x->len;
    if (write)
        data_ready(s, x);
    else
        disk_io(s, x, false);
}

static void cmd_read(Fdc *s) { read_write(s, false); }
static void cmd_write(Fdc *s) { read_write(s, true); }

/* FORMAT TRACK: N SC GPL D; the IDs (C H R N per sector) come by DMA. */
static void cmd_format(Fdc *s)
{
    FloppyDrive *d = fdc_drive(s, UNIT(s));
    uint8_t err = check_rw(s, d, true);
    if (err) {
        fail(s, err);
        return;
    }
    if (s->cmd[2] != 2 || s->cmd[3] == 0 || s->cmd[3] > d->fmt->spt || HEAD(s) >= d->fmt->heads) {
        fail(s, ST1_ND);
        return;
    }
    FdcXfer *x = xfer_new(s, false, 4u * s->cmd[3]);
    x->format = true;
    x->fill = s->cmd[5];
    x->c = d->track, x->h = HEAD(s), x->r = 1, x->eot = s->cmd[3];
    data_ready(s, x);
}

/* ---- the table ---- */

static const struct {
    FdcCommand cmd;
    uint8_t flags;              /* high bits the first byte may carry */
} commands[] = {
    { { 0x03, 3, "SPECIFY", cmd_specify }, 0 },
    { { 0x04, 2, "SENSE DRIVE STATUS", cmd_sense_drive }, 0 },
    { { 0x05, 9, "WRITE DATA", cmd_write }, 0xc0 },
    { { 0x06, 9, "READ DATA", cmd_read }, 0xe0 },
    { { 0x07, 2, "RECALIBRATE", cmd_recalibrate }, 0 },
    { { 0x08, 1, "SENSE INTERRUPT STATUS", cmd_sense_interrupt }, 0 },
    { { 0x0a, 2, "READ ID", cmd_read_id }, 0x40 },
    { { 0x0d, 6, "FORMAT TRACK", cmd_format }, 0x40 },
    { { 0x0e, 1, "DUMPREG", cmd_dumpreg }, 0 },
    { { 0x0f, 3, "SEEK", cmd_seek }, 0xc0 },
    { { 0x10, 1, "VERSION", cmd_version }, 0 },
    { { 0x12, 2, "PERPENDICULAR MODE", cmd_perpendicular }, 0 },
    { { 0x13, 4, "CONFIGURE", cmd_configure }, 0 },
    { { 0x14, 1, "LOCK", cmd_lock }, 0x80 },
    { { 0x18, 1, "PART ID", cmd_part_id }, 0 },
};

const FdcCommand *fdc_command(uint8_t first)
{
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
        if ((first & 0x1f) == commands[i].cmd.code && !(first & 0xe0 & ~commands[i].flags))
            return &commands[i].cmd;
    }
    if (log_enabled(LOG_UNIMP))
        log_printf("isa-fdc: command 0x%02x not supported\n", first);
    return NULL;
}
