/* "isa-fdc": the PC floppy disk controller (an 82078 subset, register
 * compatible with the 8272A/82077AA that BIOSes, DOS and Linux drive) at
 * 0x3f0-0x3f5 and 0x3f7 (0x3f6 is the IDE controller's), IRQ 6, DMA
 * channel 2.
 *
 * Registers: SRA/SRB (+0/+1, PS/2 status), DOR (+2: drive select, reset,
 * DMA and IRQ gate, motors), TDR (+3), MSR (read) / DSR (write) (+4), the
 * FIFO (+5) through which commands, parameters and results pass, DIR
 * (read) / CCR (write) (+7: disk change, data rate).
 *
 * Every FIFO access is checked against the phase: parameters are taken
 * only in the command phase and only as many as the command has (at most
 * 9 bytes into a 16-byte buffer), results are read only in the result
 * phase and only as many as were produced, data bytes pass only in a
 * non-DMA execution phase and only up to the transfer's length; anything
 * else is ignored, so no guest sequence indexes past a buffer
 * (CVE-2015-3456 lived here). */
#include "hw/floppy/fdc-int.h"
#include "hw/core/error.h"
#include "hw/core/isa-dma.h"
#include "hw/core/log.h"

#include <stdio.h>
#include <string.h>

#define REG_SRA 0
#define REG_SRB 1
#define REG_DOR 2
#define REG_TDR 3
#define REG_MSR 4
#define REG_FIFO 5
#define REG_DIR 7
#define DSR_SW_RESET 0x80
#define DIR_CHANGED 0x80

FloppyDrive *fdc_drive(Fdc *s, int unit)
{
    return unit < FDC_DRIVES && s->drv[unit].bd ? &s->drv[unit] : NULL;
}

void fdc_update_irq(Fdc *s)
{
    irq_set(&s->dev.machine->gsi[s->irq], s->irq_pending && (s->dor & DOR_DMA_IRQ));
}

void fdc_raise_irq(Fdc *s)
{
    s->irq_pending = true;
    fdc_update_irq(s);
}

void fdc_lower_irq(Fdc *s)
{
    s->irq_pending = false;
    fdc_update_irq(s);
}

void fdc_idle(Fdc *s)
{
    s->phase = PH_COMMAND;
    s->cmd_len = s->cmd_need = 0;
    s->cur = NULL;
    s->res_len = s->res_pos = 0;
}

void fdc_result(Fdc *s, const uint8_t *bytes, unsigned n, bool interrupt)
{
    n = n < FDC_RES_MAX ? n : FDC_RES_MAX;
    memcpy(s->res, bytes, n);
    s->res_len = n;
    s->res_pos = 0;
    s->cmd_len = s->cmd_need = 0;
    s->phase = PH_RESULT;
    if (interrupt)
        fdc_raise_irq(s);
}

/* The controller's own reset (DOR bit 2 low, DSR bit 7): the command in
 * progress is dropped; CONFIGURE's settings survive only when locked. */
static void controller_reset(Fdc *s)
{
    fdc_abandon(s);
    fdc_idle(s);
    fdc_lower_irq(s);
    s->reset_sensei = 0;
    s->seek_done = false;
    s->rate = 0x02;                         /* 250 kbit/s */
    if (!s->lock) {
        s->config = 0x20;                   /* implied seeks off, FIFO off, polling on */
        s->pretrk = 0;
    }
}

/* Leaving reset: in polling mode the controller then interrupts once and
 * has a status for each of the four drives (SENSE INTERRUPT). */
static void reset_done(Fdc *s)
{
    s->reset_sensei = 4;
    fdc_raise_irq(s);
}

static uint8_t msr(const Fdc *s)
{
    if (s->in_reset)
        return 0;
    switch (s->phase) {
    case PH_COMMAND:
        return MSR_RQM | (s->cmd_len ? MSR_CB : 0);
    case PH_EXEC:
        if (s->xfer && s->xfer->pio_ready)  /* non-DMA: a byte for (or from) the CPU */
            return MSR_RQM | MSR_NDMA | MSR_CB | (s->xfer->write || s->xfer->format ? 0 : MSR_DIO);
        return MSR_CB;                      /* DMA transfer: the FIFO is not for the CPU */
    default:
        return MSR_RQM | MSR_DIO | MSR_CB;
    }
}

static uint8_t read_result(Fdc *s)
{
    if (s->phase == PH_EXEC)
        return fdc_pio_read(s);
    if (s->phase != PH_RESULT || s->res_pos >= s->res_len) {
        if (log_enabled(LOG_GUEST_ERROR))
            log_printf("isa-fdc: FIFO read outside the result phase\n");
        return 0;
    }
    uint8_t v = s->res[s->res_pos++];
    if (s->res_pos == 1)
        fdc_lower_irq(s);
    if (s->res_pos == s->res_len)
        fdc_idle(s);
    return v;
}

static void write_command(Fdc *s, uint8_t v)
{
    if (!s->in_reset && s->phase == PH_EXEC) {
        fdc_pio_write(s, v);
        return;
    }
    if (s->in_reset || s->phase != PH_COMMAND) {
        if (log_enabled(LOG_GUEST_ERROR))
            log_printf("isa-fdc: FIFO write 0x%02x outside the command phase ignored\n", v);
        return;
    }
    if (s->cmd_len == 0) {
        s->cur = fdc_command(v);
        if (!s->cur) {
            uint8_t st0 = ST0_INVALID;
            fdc_result(s, &st0, 1, false);
            return;
        }
        s->cmd_need = s->cur->len;
        fdc_lower_irq(s);
    }
    if (s->cmd_len < s->cmd_need && s->cmd_len < FDC_CMD_MAX)
        s->cmd[s->cmd_len++] = v;
    if (s->cmd_len == s->cmd_need)
        s->cur->run(s);
}

static uint8_t dir(const Fdc *s)
{
    const FloppyDrive *d = &s->drv[s->dor & 1];
    return d->bd && (d->changed || !d->fmt) ? DIR_CHANGED : 0;
}

static uint64_t fdc_read(void *opaque, uint64_t off, unsigned size)
{
    Fdc *s = opaque;
    switch (off) {
    case REG_SRA: return (s->irq_pending ? 0x80 : 0) | 0x04;   /* INTPEND, no second drive info */
    case REG_SRB: return 0xc0 | (s->dor & 1 ? 0x20 : 0);
    case REG_DOR: return s->dor;
    case REG_TDR: return s->tdr;
    case REG_MSR: return msr(s);
    case REG_FIFO: return read_result(s);
    case REG_DIR: return dir(s);
    default: return 0xff;
    }
}

static void write_dor(Fdc *s, uint8_t v)
{
    bool was_reset = !(s->dor & DOR_NRESET);
    s->dor = v;
    if (!(v & DOR_NRESET)) {
        if (!was_reset)
            controller_reset(s);
        s->in_reset = true;
    } else if (was_reset) {
        s->in_reset = false;
        reset_done(s);
    }
    fdc_update_irq(s);
}

static void fdc_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    Fdc *s = opaque;
    uint8_t v = (uint8_t)val;
    switch (off) {
    case REG_DOR:
        write_dor(s, v);
        break;
    case REG_TDR:
        s->tdr = v & 3;
        break;
    case REG_MSR:                           /* DSR */
        s->rate = v & 3;
        if (v & DSR_SW_RESET) {
            controller_reset(s);
            reset_done(s);
        }
        break;
    case REG_FIFO:
        write_command(s, v);
        break;
    case REG_DIR:                           /* CCR */
        s->rate = v & 3;
        break;
    }
}

static uint64_t dir_read(void *opaque, uint64_t off, unsigned size)
{
    return fdc_read(opaque, REG_DIR, size);
}

static void ccr_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    fdc_write(opaque, REG_DIR, val, size);
}

static const MemoryRegionOps fdc_ops = { fdc_read, fdc_write, 1, 1 };
static const MemoryRegionOps dir_ops = { dir_read, ccr_write, 1, 1 };

uint8_t fdc_cmos_type(Device *fdc, int unit)
{
    Fdc *s = (Fdc *)fdc;
    const FloppyDrive *d = unit >= 0 && unit < FDC_DRIVES ? &s->drv[unit] : NULL;
    if (!d || !d->bd)
        return 0;
    return d->fmt ? d->fmt->cmos : 4;       /* an empty drive: a 1.44 MB one */
}

static int fdc_realize(Device *dev, Machine *m)
{
    Fdc *s = (Fdc *)dev;
    if (s->irq >= NUM_GSI || s->dma >= ISA_DMA_CHANNELS || s->iobase > 0xfff8) {
        error_report("isa-fdc: iobase 0x%x, irq %u or dma %u out of range", s->iobase, s->irq,
                     s->dma);
        return -1;
    }
    if (isa_dma_register(m, (int)s->dma, fdc_dma_handler, s)) {
        error_report("isa-fdc: the machine has no ISA DMA controller");
        return -1;
    }
    timer_init(&s->overrun, fdc_overrun, s);
    mr_init_io(&s->io, "fdc", 6, &fdc_ops, s);
    mr_init_io(&s->io_dir, "fdc-dir", 1, &dir_ops, s);
    as_map(&m->io, &s->io, s->iobase, 0);
    as_map(&m->io, &s->io_dir, s->iobase + REG_DIR, 0);
    return 0;
}

/* Power-on: held in reset until the guest sets DOR bit 2 (as firmware
 * does first thing); the drives at track 0, their media "changed". */
static void fdc_reset(Device *dev)
{
    Fdc *s = (Fdc *)dev;
    controller_reset(s);
    s->dor = DOR_NRESET | DOR_DMA_IRQ;      /* firmware finds it running */
    s->in_reset = false;
    s->tdr = 0;
    s->lock = false;
    s->config = 0x20;
    s->pretrk = 0;
    memset(s->specify, 0, sizeof(s->specify));
    for (int i = 0; i < FDC_DRIVES; i++) {
        FloppyDrive *d = &s->drv[i];
        d->track = d->head = 0;
        d->sector = 1;
        d->changed = true;
    }
    fdc_update_irq(s);
}

static void fdc_unrealize(Device *dev)
{
    Fdc *s = (Fdc *)dev;
    fdc_abandon(s);
    timer_del(&s->overrun);
    isa_dma_register(dev->machine, (int)s->dma, NULL, NULL);
    as_unmap(&dev->machine->io, &s->io);
    as_unmap(&dev->machine->io, &s->io_dir);
    mr_free(&s->io);
    mr_free(&s->io_dir);
}

static void fdc_info(Device *dev, char *buf, size_t len)
{
    Fdc *s = (Fdc *)dev;
    snprintf(buf, len, "isa irq %u, dma %u, dor 0x%02x msr 0x%02x, drives %s%s", s->irq, s->dma,
             s->dor, msr(s), s->drv[0].bd ? "A" : "", s->drv[1].bd ? "B" : "");
}

static const Property fdc_props[] = {
    DEFINE_PROP("iobase", Fdc, iobase, PROP_U32, 0x3f0),
    DEFINE_PROP("irq", Fdc, irq, PROP_U32, 6),
    DEFINE_PROP("dma", Fdc, dma, PROP_U32, 2),
    PROP_END,
};

static DeviceClass fdc_class = {
    .name = "isa-fdc",
    .desc = "ISA floppy disk controller (82078 subset)",
    .bus = "isa",
    .size = sizeof(Fdc),
    .props = fdc_props,
    .realize = fdc_realize,
    .reset = fdc_reset,
    .unrealize = fdc_unrealize,
    .info = fdc_info,
    .child_bus_type = "floppy-bus",
    .child_bus_name = "floppy-bus",
    .child_buses = 1,
};
DEVICE_REGISTER(fdc_class)
