/* The floppy disk controller's state, shared by its register file
 * (fdc.c), its commands (fdc-cmd.c) and the drives (floppy.c). */
#ifndef KEMU_FDC_INT_H
#define KEMU_FDC_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/core/blockdev.h"
#include "hw/core/clock.h"
#include "hw/core/machine.h"
#include "hw/floppy/fdc.h"

#define FDC_DRIVES     2
#define FDC_SECTOR     512
#define FDC_MAX_SPT    36
#define FDC_CMD_MAX    16       /* longest command is 9 bytes */
#define FDC_RES_MAX    16       /* longest result is 10 bytes */

/* DOR, MSR and ST0 bits */
#define DOR_SEL        0x03
#define DOR_NRESET     0x04
#define DOR_DMA_IRQ    0x08
#define MSR_RQM        0x80
#define MSR_DIO        0x40
#define MSR_NDMA       0x20
#define MSR_CB         0x10
#define ST0_ABNORMAL   0x40
#define ST0_INVALID    0x80
#define ST0_SEEK_END   0x20
#define ST0_EC         0x10
#define ST1_EN         0x80
#define ST1_OR         0x10
#define ST1_DE         0x20
#define ST1_ND         0x04
#define ST1_NW         0x02
#define ST1_MA         0x01

typedef struct FloppyDrive {
    BlockDev *bd;               /* NULL: no drive at this unit */
    const FloppyFormat *fmt;    /* the medium's geometry, NULL: none */
    uint8_t track, head, sector;
    bool changed;               /* DIR bit 7: medium changed since a step */
} FloppyDrive;

typedef enum { PH_COMMAND, PH_EXEC, PH_RESULT } FdcPhase;

/* A transfer in execution: its buffer outlives a controller reset that
 * abandons it (the block layer's completion then just frees it). */
typedef struct FdcXfer {
    struct Fdc *fdc;            /* NULL once abandoned */
    int drive, c, h, r, eot;
    bool write, format, mt, tc;
    bool disk_busy;             /* a block-layer request is in flight */
    bool pio, pio_ready;        /* non-DMA mode: data through the FIFO, ready */
    uint8_t st1;                /* an error to report once the medium is written */
    uint8_t fill;
    uint32_t len, done;         /* bytes to move through DMA, moved */
    uint32_t disk_len;          /* bytes read or written on the medium */
    uint64_t disk_off;
    uint8_t buf[2 * FDC_MAX_SPT * FDC_SECTOR];
} FdcXfer;

typedef struct Fdc {
    Device dev;
    uint32_t iobase, irq, dma;
    MemoryRegion io, io_dir;     /* base+0..5, base+7 */
    FloppyDrive drv[FDC_DRIVES];
    uint8_t dor, tdr, rate;
    bool in_reset;
    FdcPhase phase;
    uint8_t cmd[FDC_CMD_MAX];
    unsigned cmd_len, cmd_need;
    const struct FdcCommand *cur;
    uint8_t res[FDC_RES_MAX];
    unsigned res_len, res_pos;
    bool irq_pending;
    int reset_sensei;           /* drives still to report after a reset */
    bool seek_done;             /* a seek or recalibrate to report */
    uint8_t seek_st0;
    uint8_t specify[2], config, pretrk, perp, last_eot;
    bool lock;
    FdcXfer *xfer;
    Timer overrun;              /* non-DMA: the host stopped taking bytes */
} Fdc;

typedef struct FdcCommand {
    uint8_t code;               /* low five bits of the first byte */
    uint8_t len;                /* bytes with the command byte */
    const char *name;
    void (*run)(Fdc *s);
} FdcCommand;

/* fdc.c */
void fdc_update_irq(Fdc *s);
void fdc_raise_irq(Fdc *s);
void fdc_lower_irq(Fdc *s);
/* Enter the result phase with n bytes (interrupt: whether it raises IRQ). */
void fdc_result(Fdc *s, const uint8_t *bytes, unsigned n, bool interrupt);
/* Back to the command phase with no result. */
void fdc_idle(Fdc *s);
FloppyDrive *fdc_drive(Fdc *s, int unit);

/* fdc-cmd.c */
const FdcCommand *fdc_command(uint8_t first);
int fdc_dma_handler(void *opaque, int chan, int pos, int size);
/* Non-DMA execution: one data byte through the FIFO (read: returned). */
uint8_t fdc_pio_read(Fdc *s);
void fdc_overrun(void *opaque);
void fdc_pio_write(Fdc *s, uint8_t v);
/* Drop a transfer in progress (controller reset, unrealize). */
void fdc_abandon(Fdc *s);

/* floppy.c: the medium's format from its size (NULL if none fits). */
const FloppyFormat *floppy_format_of(uint64_t size);

#endif
