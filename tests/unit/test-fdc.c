/* The floppy controller and the 8237 DMA pair driven through their ports,
 * qtest-style: reset and its four interrupt statuses, the small commands
 * (VERSION, DUMPREG, LOCK, SPECIFY, CONFIGURE), RECALIBRATE/SEEK with
 * SENSE INTERRUPT, READ ID at the right and wrong data rates, READ and
 * WRITE DATA by DMA (terminal count, end of cylinder, multi-track),
 * FORMAT TRACK, a read-only medium, and hostile input: over-long commands
 * and results read past their end (VENOM), DMA blocks beyond RAM or
 * wrapping their page. */
#include "harness.h"
#include "unit.h"
#include "tests/unit/memdisk.h"
#include "hw/core/util.h"
#include "hw/floppy/fdc.h"

#include <stdlib.h>
#include <string.h>

#define FDC 0x3f0
#define DOR (FDC + 2)
#define MSR (FDC + 4)
#define FIFO (FDC + 5)
#define CCR (FDC + 7)
#define FDC_IRQ 6
#define SIZE_144 1474560

static MemDisk *disk;
static Device *fdc;

static uint8_t disk_byte(uint64_t i) { return disk->data[i]; }

static uint8_t *harness_ram(uint64_t addr)
{
    uint8_t *p = as_ram_ptr(&harness_machine()->mem, addr, 1, true);
    REQUIRE(p != NULL, "not RAM");
    return p;
}

static void setup(uint64_t size, bool read_only)
{
    harness_init();
    disk = memdisk_new("fd0", size, 11);
    disk->bd.read_only = read_only;
    harness_device("i8257", NULL);
    fdc = harness_device("isa-fdc", NULL);
    harness_device("floppy", "drive=fd0,unit=0");
    fdc->cls->reset(fdc);
}

static void cmd(const uint8_t *bytes, int n)
{
    for (int i = 0; i < n; i++) {
        CHECK_EQ(inb(MSR) & 0xc0, 0x80);            /* RQM, to the controller */
        outb(FIFO, bytes[i]);
    }
}

static int result(uint8_t *out, int max)
{
    int n = 0;
    while (n < max && (inb(MSR) & 0xc0) == 0xc0)
        out[n++] = inb(FIFO);
    return n;
}

static void sense(uint8_t *st0, uint8_t *pcn)
{
    uint8_t r[2] = { 0, 0 };
    static const uint8_t c[] = { 0x08 };
    cmd(c, 1);
    CHECK_EQ(result(r, 2), 2);
    *st0 = r[0];
    *pcn = r[1];
}

/* Channel 2: mode (0x46 device-to-memory, 0x4a memory-to-device), block
 * at addr of count bytes, unmasked. */
static void dma_setup(uint8_t mode, uint32_t addr, uint32_t count)
{
    outb(0x0a, 0x06);
    outb(0x0c, 0);
    outb(0x0b, mode);
    outb(0x04, (uint8_t)addr);
    outb(0x04, (uint8_t)(addr >> 8));
    outb(0x81, (uint8_t)(addr >> 16));
    outb(0x05, (uint8_t)(count - 1));
    outb(0x05, (uint8_t)((count - 1) >> 8));
    outb(0x0a, 0x02);
}

static void rw(uint8_t op, uint8_t c, uint8_t h, uint8_t r, uint8_t eot, uint8_t *res)
{
    const uint8_t b[9] = { op, (uint8_t)(h << 2), c, h, r, 2, eot, 0x1b, 0xff };
    cmd(b, 9);
    CHECK_EQ(gsi_level(FDC_IRQ), 1);
    CHECK_EQ(result(res, 7), 7);
    CHECK_EQ(gsi_level(FDC_IRQ), 0);
}

TEST(fdc, reset_reports_four_drives)
{
    setup(SIZE_144, false);
    outb(DOR, 0x00);                                /* into reset */
    CHECK_EQ(inb(MSR), 0);
    outb(DOR, 0x0c);                                /* out: DMA/IRQ gate, drive 0 */
    CHECK_EQ(gsi_level(FDC_IRQ), 1);
    for (int i = 0; i < 4; i++) {
        uint8_t st0, pcn;
        sense(&st0, &pcn);
        CHECK_EQ(st0, 0xc0 | i);
    }
    CHECK_EQ(gsi_level(FDC_IRQ), 0);
    static const uint8_t c[] = { 0x08 };
    uint8_t r[2] = { 0, 0 };
    cmd(c, 1);
    CHECK_EQ(result(r, 2), 1);                      /* nothing left: invalid */
    CHECK_EQ(r[0], 0x80);
    CHECK_EQ(inb(MSR), 0x80);
}

TEST(fdc, small_commands)
{
    setup(SIZE_144, false);
    uint8_t r[16];
    static const uint8_t version[] = { 0x10 }, specify[] = { 0x03, 0xdf, 0x02 },
        configure[] = { 0x13, 0, 0x57, 0x03 }, lock[] = { 0x94 }, dump[] = { 0x0e },
        part[] = { 0x18 }, bogus[] = { 0x1f };
    cmd(version, 1);
    CHECK_EQ(result(r, 16), 1);
    CHECK_EQ(r[0], 0x90);
    cmd(specify, 3);
    CHECK_EQ(inb(MSR), 0x80);                       /* no result phase */
    cmd(configure, 4);
    cmd(lock, 1);
    CHECK_EQ(result(r, 16), 1);
    CHECK_EQ(r[0], 0x10);
    cmd(dump, 1);
    CHECK_EQ(result(r, 16), 10);
    CHECK_EQ(r[4], 0xdf);
    CHECK_EQ(r[5], 0x02);
    CHECK_EQ(r[7] & 0x80, 0x80);                    /* locked */
    CHECK_EQ(r[8], 0x57);
    CHECK_EQ(r[9], 0x03);
    outb(0x3f4, 0x80);                              /* DSR software reset */
    cmd(dump, 1);
    CHECK_EQ(result(r, 16), 10);
    CHECK_EQ(r[8], 0x57);                           /* LOCK kept CONFIGURE's */
    cmd(part, 1);
    CHECK_EQ(result(r, 16), 1);
    CHECK_EQ(r[0], 0x41);
    cmd(bogus, 1);
    CHECK_EQ(result(r, 16), 1);
    CHECK_EQ(r[0], 0x80);
}

TEST(fdc, recalibrate_seek_and_disk_change)
{
    setup(SIZE_144, false);
    uint8_t st0, pcn;
    CHECK_EQ(inb(CCR) & 0x80, 0x80);                /* a new medium */
    static const uint8_t seek[] = { 0x0f, 0x04, 42 }, recal[] = { 0x07, 0x00 },
        bad_unit[] = { 0x07, 0x01 };
    cmd(seek, 3);
    CHECK_EQ(gsi_level(FDC_IRQ), 1);
    sense(&st0, &pcn);
    CHECK_EQ(st0, 0x24);                            /* seek end, head 1, drive 0 */
    CHECK_EQ(pcn, 42);
    CHECK_EQ(inb(CCR) & 0x80, 0);                   /* the step cleared it */
    cmd(recal, 2);
    sense(&st0, &pcn);
    CHECK_EQ(st0, 0x20);
    CHECK_EQ(pcn, 0);
    cmd(bad_unit, 2);                               /* no drive B */
    sense(&st0, &pcn);
    CHECK_EQ(st0, 0x20 | 0x40 | 0x10 | 1);
}

TEST(fdc, read_id_needs_the_media_data_rate)
{
    setup(737280, false);                           /* 720K: 250 kbit/s */
    uint8_t r[7];
    static const uint8_t readid[] = { 0x4a, 0x00 };
    outb(CCR, 0);                                   /* 500 kbit/s */
    cmd(readid, 2);
    CHECK_EQ(result(r, 7), 7);
    CHECK_EQ(r[0] & 0xc0, 0x40);
    CHECK_EQ(r[1], 0x01);                           /* missing address mark */
    outb(CCR, 2);
    cmd(readid, 2);
    CHECK_EQ(result(r, 7), 7);
    CHECK_EQ(r[0], 0);
    CHECK_EQ(r[6], 2);                              /* 512-byte sectors */
    CHECK_EQ(fdc_cmos_type(fdc, 0), 3);
    CHECK_EQ(fdc_cmos_type(fdc, 1), 0);
}

TEST(fdc, read_by_dma_ends_at_terminal_count)
{
    setup(SIZE_144, false);
    uint8_t res[7];
    outb(CCR, 0);
    memset(harness_ram(0x10000), 0xee, 0x1000);
    dma_setup(0x46, 0x10000, 1024);                 /* two sectors to 64 KiB */
    rw(0xe6, 1, 1, 17, 18, res);                    /* C1 H1 R17 .. */
    CHECK_EQ(res[0], 0x04);                         /* normal end, head 1 */
    CHECK_EQ(res[1], 0);
    CHECK_EQ(res[3], 2);                            /* after EOT of head 1: C+1 */
    CHECK_EQ(res[4], 0);
    CHECK_EQ(res[5], 1);
    uint64_t lba = (1 * 2 + 1) * 18 + 16;
    for (int i = 0; i < 1024; i++)
        CHECK_EQ(*harness_ram(0x10000 + i), disk_byte(lba * 512 + i));
    CHECK_EQ(*harness_ram(0x10000 + 1024), 0xee);   /* nothing past the block */
    CHECK_EQ(inb(0x08) & 0x04, 0x04);               /* channel 2 reached TC */
}

TEST(fdc, multitrack_read_crosses_to_head_1)
{
    setup(SIZE_144, false);
    uint8_t res[7];
    outb(CCR, 0);
    dma_setup(0x46, 0x20000, 3 * 512);
    rw(0xe6, 0, 0, 17, 18, res);                    /* 17, 18 on head 0, then 1 on head 1 */
    CHECK_EQ(res[0], 0);
    CHECK_EQ(res[3], 0);
    CHECK_EQ(res[4], 1);
    CHECK_EQ(res[5], 2);
    for (int i = 0; i < 3 * 512; i++)
        CHECK_EQ(*harness_ram(0x20000 + i), disk_byte(16 * 512 + i));
}

TEST(fdc, read_past_eot_without_tc_is_end_of_cylinder)
{
    setup(SIZE_144, false);
    uint8_t res[7];
    outb(CCR, 0);
    dma_setup(0x46, 0x30000, 0x8000);
    rw(0x66, 0, 0, 18, 18, res);                    /* one sector, no MT */
    CHECK_EQ(res[0] & 0xc0, 0x40);
    CHECK_EQ(res[1], 0x80);                         /* EN */
    CHECK_EQ(res[3], 1);
    CHECK_EQ(res[5], 1);
}

TEST(fdc, write_then_format)
{
    setup(SIZE_144, false);
    uint8_t res[7];
    outb(CCR, 0);
    for (int i = 0; i < 512; i++)
        *harness_ram(0x40000 + i) = (uint8_t)(i ^ 0x5a);
    dma_setup(0x4a, 0x40000, 512);
    rw(0xc5, 3, 0, 5, 18, res);
    CHECK_EQ(res[0], 0);
    CHECK_EQ(res[5], 6);
    uint64_t off = (3 * 2 + 0) * 18 * 512 + 4 * 512;
    for (int i = 0; i < 512; i++)
        CHECK_EQ(disk->data[off + i], (uint8_t)(i ^ 0x5a));
    /* FORMAT TRACK on cylinder 3 head 1: 18 IDs by DMA, filled with 0xf6. */
    static const uint8_t seek[] = { 0x0f, 0x04, 3 };
    uint8_t st0, pcn;
    cmd(seek, 3);
    sense(&st0, &pcn);
    for (int i = 0; i < 18; i++) {
        uint8_t *id = harness_ram(0x50000 + 4 * i);
        id[0] = 3, id[1] = 1, id[2] = (uint8_t)(i + 1), id[3] = 2;
    }
    dma_setup(0x4a, 0x50000, 18 * 4);
    static const uint8_t fmt[] = { 0x4d, 0x04, 2, 18, 0x54, 0xf6 };
    cmd(fmt, 6);
    CHECK_EQ(result(res, 7), 7);
    CHECK_EQ(res[0], 0x04);
    off = (3 * 2 + 1) * 18 * 512;
    CHECK_EQ(disk->data[off], 0xf6);
    CHECK_EQ(disk->data[off + 18 * 512 - 1], 0xf6);
    CHECK_EQ(disk->data[off + 18 * 512], disk_byte(off + 18 * 512));
}

TEST(fdc, read_only_medium_refuses_writes)
{
    setup(SIZE_144, true);
    uint8_t res[7];
    outb(CCR, 0);
    dma_setup(0x4a, 0x40000, 512);
    rw(0xc5, 0, 0, 1, 18, res);
    CHECK_EQ(res[0] & 0xc0, 0x40);
    CHECK_EQ(res[1], 0x02);                         /* not writable */
}

/* VENOM's ground: bytes pushed at the FIFO in every phase, results read
 * past their end, then the controller still works. */
TEST(fdc, hostile_fifo_and_dma)
{
    setup(SIZE_144, false);
    for (int c = 0; c < 256; c++) {
        outb(FIFO, (uint8_t)c);
        for (int i = 0; i < 600; i++)
            outb(FIFO, (uint8_t)(i * 7 + c));
        for (int i = 0; i < 40; i++)
            inb(FIFO);
        if (c % 16 == 0)
            outb(0x3f4, 0x80);
    }
    outb(DOR, 0x00);
    outb(DOR, 0x0c);
    for (int i = 0; i < 4; i++) {
        uint8_t st0, pcn;
        sense(&st0, &pcn);
    }
    uint8_t r[16];
    static const uint8_t version[] = { 0x10 };
    cmd(version, 1);
    CHECK_EQ(result(r, 16), 1);
    CHECK_EQ(r[0], 0x90);
    /* A 64 KiB block starting just below a page end wraps inside the page;
     * one above the harness's 1 MiB of RAM moves nothing. */
    outb(CCR, 0);
    memset(harness_ram(0x60000), 0x11, 0x10000);
    dma_setup(0x46, 0x6ff00, 512);
    uint8_t res[7];
    rw(0x46, 0, 0, 1, 18, res);
    CHECK_EQ(*harness_ram(0x6ff00), disk_byte(0));
    CHECK_EQ(*harness_ram(0x60000), disk_byte(256));   /* wrapped to the page start */
    CHECK_EQ(*harness_ram(0x70000), 0x00);             /* the next page untouched */
    dma_setup(0x46, 0xf00000, 0x10000);
    rw(0x46, 0, 0, 1, 18, res);
    CHECK_EQ(res[0] & 0x40, 0x40);                   /* stopped short: no TC */
}

/* eject/change: no medium reads as a missing address mark and a disk
 * change; the new medium's format (a 720K one) is what READ ID sees. */
TEST(fdc, medium_change)
{
    setup(SIZE_144, false);
    uint8_t st0, pcn, r[7];
    static const uint8_t seek[] = { 0x0f, 0x00, 1 }, readid[] = { 0x4a, 0x00 };
    cmd(seek, 3);
    sense(&st0, &pcn);
    CHECK_EQ(inb(CCR) & 0x80, 0);
    disk->bd.inserted = false;                      /* what blockdev_eject does */
    disk->bd.media_changed(disk->bd.media_opaque, false);
    CHECK_EQ(inb(CCR) & 0x80, 0x80);
    outb(CCR, 0);
    cmd(readid, 2);
    CHECK_EQ(result(r, 7), 7);
    CHECK_EQ(r[1], 0x01);
    disk->bd.inserted = true;                       /* ...and blockdev_change */
    disk->bd.size = 737280;
    disk->bd.media_changed(disk->bd.media_opaque, true);
    outb(CCR, 2);
    cmd(readid, 2);
    CHECK_EQ(result(r, 7), 7);
    CHECK_EQ(r[0] & 0xc0, 0);
    CHECK_EQ(fdc_cmos_type(fdc, 0), 3);
    cmd(seek, 3);                                   /* a step clears the change */
    sense(&st0, &pcn);
    CHECK_EQ(inb(CCR) & 0x80, 0);
}

/* SPECIFY's ND bit: the data bytes pass through the FIFO with RQM and
 * NDMA, the interrupt up from the first; without DMA's terminal count the command
 * runs to EOT and ends with "end of cylinder", as pseudo-DMA drivers
 * expect. */
TEST(fdc, non_dma_read_and_write)
{
    setup(SIZE_144, false);
    static const uint8_t specify[] = { 0x03, 0xdf, 0x03 };
    cmd(specify, 3);
    outb(CCR, 0);
    const uint8_t rd[9] = { 0x46, 0x00, 2, 0, 17, 2, 18, 0x1b, 0xff };
    cmd(rd, 9);
    CHECK_EQ(gsi_level(FDC_IRQ), 1);
    uint64_t off = (2 * 2 * 18 + 16) * 512;
    for (int i = 0; i < 1024; i++) {
        CHECK_EQ(inb(MSR) & 0xf0, 0xf0);             /* RQM, DIO, NDMA, busy */
        CHECK_EQ(inb(FIFO), disk_byte(off + i));
    }
    CHECK_EQ(gsi_level(FDC_IRQ), 1);                 /* the result's interrupt */
    uint8_t res[7];
    CHECK_EQ(result(res, 7), 7);
    CHECK_EQ(res[0] & 0xc0, 0x40);
    CHECK_EQ(res[1], 0x80);                          /* EN */
    CHECK_EQ(res[3], 3);
    const uint8_t wr[9] = { 0x45, 0x00, 5, 0, 18, 2, 18, 0x1b, 0xff };
    cmd(wr, 9);
    for (int i = 0; i < 512; i++) {
        CHECK_EQ(inb(MSR) & 0xf0, 0xb0);             /* RQM, NDMA, busy: to the controller */
        outb(FIFO, (uint8_t)(i ^ 0x3c));
    }
    CHECK_EQ(result(res, 7), 7);
    off = (5 * 2 * 18 + 17) * 512;
    for (int i = 0; i < 512; i++)
        CHECK_EQ(disk->data[off + i], (uint8_t)(i ^ 0x3c));
}

/* Non-DMA: a host that stops after the sectors it wants overruns the
 * controller, which ends the command after the last whole sector (OR). */
TEST(fdc, non_dma_overrun_ends_the_command)
{
    setup(SIZE_144, false);
    static const uint8_t specify[] = { 0x03, 0xdf, 0x03 };
    cmd(specify, 3);
    outb(CCR, 0);
    const uint8_t rd[9] = { 0x46, 0x00, 0, 0, 3, 2, 18, 0x1b, 0xff };
    cmd(rd, 9);
    for (int i = 0; i < 600; i++)                    /* a sector and a bit */
        inb(FIFO);
    CHECK_EQ(inb(MSR) & 0xf0, 0xf0);
    clock_advance(10 * 1000 * 1000);
    uint8_t res[7];
    CHECK_EQ(result(res, 7), 7);
    CHECK_EQ(res[0] & 0xc0, 0x40);
    CHECK_EQ(res[1], 0x10);                          /* OR */
    CHECK_EQ(res[5], 4);                             /* one whole sector: R 3 done */
    const uint8_t wr[9] = { 0x45, 0x00, 1, 0, 1, 2, 18, 0x1b, 0xff };
    cmd(wr, 9);
    for (int i = 0; i < 1024 + 7; i++)
        outb(FIFO, 0xa5);
    clock_advance(10 * 1000 * 1000);
    CHECK_EQ(result(res, 7), 7);
    CHECK_EQ(res[1], 0x10);
    CHECK_EQ(res[5], 3);                             /* sectors 1 and 2 written */
    uint64_t off = 2 * 18 * 512;
    CHECK_EQ(disk->data[off], 0xa5);
    CHECK_EQ(disk->data[off + 1023], 0xa5);
    CHECK_EQ(disk->data[off + 1024], disk_byte(off + 1024));   /* the partial one not */
}
