/* The IDE channel model shared by the files of hw/ide: one task file per
 * channel, two device slots (master, slave), PIO through the data port,
 * bus-master DMA through the controller's hook, and the ATA and ATAPI
 * command sets (ATA/ATAPI-6, MMC-3 for the packet commands). */
#ifndef KEMU_HW_IDE_INT_H
#define KEMU_HW_IDE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/core/blockdev.h"
#include "hw/core/device.h"
#include "hw/core/dma.h"
#include "hw/core/irq.h"
#include "hw/core/memory.h"

/* Status register bits. */
#define ST_ERR  0x01
#define ST_DRQ  0x08
#define ST_DSC  0x10
#define ST_DF   0x20
#define ST_DRDY 0x40
#define ST_BSY  0x80
/* Error register bits. */
#define ER_ABRT 0x04
#define ER_IDNF 0x10
#define ER_UNC  0x40
/* Device control register. */
#define CTL_NIEN 0x02
#define CTL_SRST 0x04
#define CTL_HOB  0x80
/* Device register. */
#define DEV_LBA 0x40
#define DEV_DEV 0x10
/* ATAPI interrupt reason (in the sector count register). */
#define IR_COD 0x01
#define IR_IO  0x02

#define IDE_SECTOR 512
#define CD_SECTOR 2048
#define IDE_MAX_MULT 16
/* The largest piece read or written in one block request. */
#define IDE_CHUNK (128 * 1024)
/* The largest piece of a bus-master DMA transfer (own buffers). */
#define IDE_DMA_CHUNK (1024 * 1024)
/* Host pieces of one chunk mapped in place (IOV_MAX: one system call). */
#define IDE_SG_MAX 1024

typedef struct IdeChannel IdeChannel;

typedef struct IdeDrive {
    BlockDev *bd;               /* NULL: no device in this slot */
    bool atapi;
    char serial[21], model[41];
    uint64_t sectors;           /* 512-byte sectors (ATA) */
    uint16_t cyls, heads, secs; /* CHS geometry for old software */
    uint8_t mult;               /* SET MULTIPLE MODE (sectors per DRQ block) */
    uint8_t xfer_mode;          /* SET FEATURES 03h */
    bool wcache;                /* write cache enabled (reported) */
    /* ATAPI: sense of the last error, media events for GESN. */
    uint8_t sense_key, asc, ascq;
    bool unit_attention;        /* new medium: next command reports it */
    int media_event;            /* 0 none, 2 new media, 3 media removal */
    bool tray_open;
    IdeChannel *ch;
    int unit;
} IdeDrive;

/* What a controller provides to its channels for bus-master DMA. */
typedef struct IdeDmaOps {
    /* Move len bytes between buf and the guest's PRD list, continuing where
     * the last call stopped; returns bytes moved (short: table ended), or
     * -1 when the PRD table or a buffer is not in RAM. */
    int64_t (*rw)(void *opaque, uint8_t *buf, uint64_t len, bool to_guest);
    /* The next len bytes of the PRD list as guest RAM in sg (at most
     * IDE_SG_MAX entries), for a transfer in place: true and the position
     * moved past them, or false with the position unchanged (the table
     * ends early, is not RAM, is too scattered: rw then moves the data and
     * reports what it finds, as without map).  NULL: no mapping. */
    bool (*map)(void *opaque, uint64_t len, bool to_guest, DmaSg *sg);
    /* The transfer is over (status: interrupt, error). */
    void (*done)(void *opaque, bool error);
    /* Whether the guest has started the engine (the command may start). */
    bool (*active)(void *opaque);
    /* The channel raised its interrupt (the engine's status shows every
     * device interrupt, not only those ending a transfer). */
    void (*irq)(void *opaque);
} IdeDmaOps;

struct IdeChannel {
    IdeDrive drive[2];
    int cur;                    /* selected slot (DEV bit) */
    /* The task file, shared by both slots; hob_* keep the previous write
     * of each register (the high-order bytes of 48-bit commands). */
    uint8_t feature, nsector, sector, lcyl, hcyl, select, status, error, ctrl;
    uint8_t hob_feature, hob_nsector, hob_sector, hob_lcyl, hob_hcyl;
    uint8_t cmd;
    IrqLine *irq;
    bool irq_pending;
    /* PIO: the data port walks buf[pos..end); at end, end_fn runs. */
    uint8_t *buf;
    uint32_t pos, end;
    void (*end_fn)(IdeChannel *ch);
    /* The request in progress. */
    uint64_t lba;               /* next sector (ATA) or 2048-byte block */
    uint32_t left;              /* sectors/blocks still to move */
    uint32_t chunk;             /* sectors in the buffer now */
    uint32_t blk;               /* sectors in the current DRQ block */
    bool lba48, dma;
    unsigned gen;               /* bumped by resets: stale completions drop */
    bool io_busy;               /* a block request is in flight */
    /* ATAPI */
    uint8_t packet[12];
    uint32_t byte_limit;        /* per DRQ block, from the cylinder registers */
    uint32_t xfer_end;          /* end of the reply in buf */
    void (*region_done)(IdeChannel *ch); /* the reply in buf was all read */
    /* Bus master DMA. */
    const IdeDmaOps *dma_ops;
    void *dma_opaque;
    bool dma_pending;           /* a DMA command waits for the engine */
    void (*dma_fn)(IdeChannel *ch); /* what runs when the engine starts */
};

/* piix-ide.c: channel bus (0, 1) of the controller device. */
IdeChannel *piix_ide_channel(Device *dev, int bus);

/* ide-core.c */
void ide_channel_init(IdeChannel *ch, IrqLine *irq);
void ide_channel_reset(IdeChannel *ch);
void ide_channel_free(IdeChannel *ch);
extern const MemoryRegionOps ide_cmd_ops, ide_ctl_ops;
void ide_set_irq(IdeChannel *ch);
/* Finish the command: status DRDY|DSC (plus err), interrupt. */
void ide_cmd_done(IdeChannel *ch);
void ide_abort(IdeChannel *ch);
/* A PIO-in command's data was all read: the command is over. */
void ide_cmd_finish_pio(IdeChannel *ch);
/* Hand buf[start, start+len) to the data port (DRQ); fn runs when it was
 * all transferred. */
void ide_pio_start(IdeChannel *ch, uint32_t start, uint32_t len, void (*fn)(IdeChannel *ch),
                   bool irq);
/* One block request on behalf of the channel's current command, with its
 * own bounce buffer: for a write, len bytes of data are copied now; for a
 * read, done() finds the data in data.  A completion that arrives after a
 * reset is dropped.  ret as BlockDevCb; done runs in the event loop or at
 * once when the request cannot even be queued. */
typedef void IdeDoneFn(IdeChannel *ch, int ret, const uint8_t *data, uint32_t len);
void ide_submit(IdeChannel *ch, IdeDrive *d, BlockDevOp op, uint64_t off, const uint8_t *data,
                uint32_t len, IdeDoneFn *done);
/* The same with a buffer the caller already filled (a DMA write gathered
 * from guest RAM): the request takes it over and frees it, no copy. */
void ide_submit_buf(IdeChannel *ch, IdeDrive *d, BlockDevOp op, uint64_t off, uint8_t *buf,
                    uint32_t len, IdeDoneFn *done);
/* The same in place: the data moves between the disk and the guest RAM
 * that sg maps (the request takes sg over and frees it); done() gets
 * data NULL. */
void ide_submit_sg(IdeChannel *ch, IdeDrive *d, BlockDevOp op, uint64_t off,
                   DmaSg *sg, IdeDoneFn *done);
void ide_pio_stop(IdeChannel *ch);
/* Kick a pending DMA command (the controller's engine was started). */
void ide_dma_kick(IdeChannel *ch);
void ide_set_signature(IdeChannel *ch, IdeDrive *d);
/* Attach a drive to a slot: identification strings, geometry. */
int ide_attach(IdeChannel *ch, int unit, BlockDev *bd, bool atapi, const char *serial);

/* ide-ata.c */
void ide_ata_command(IdeChannel *ch, IdeDrive *d, uint8_t cmd);
/* An ATA identification string: two characters per word, first in the
 * high byte, padded with spaces. */
void ide_put_string(uint16_t *w, const char *s, int words);
/* SET FEATURES (write cache, transfer mode, ...): shared with ATAPI. */
void ide_set_features(IdeChannel *ch, IdeDrive *d);
/* The transfer modes IDENTIFY (PACKET) DEVICE reports: words 63, 64, 88. */
void ide_identify_modes(const IdeDrive *d, uint16_t *w);

/* atapi.c */
void ide_atapi_command(IdeChannel *ch, IdeDrive *d, uint8_t cmd);
void ide_atapi_media_changed(IdeDrive *d, bool loaded);

#endif
