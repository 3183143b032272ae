/* The IDE channel driven through its ports, qtest-style: ATA IDENTIFY,
 * PIO reads and writes in LBA28/LBA48/CHS, errors for bad ranges, the
 * absent slave, software reset signatures, and the ATAPI packet commands
 * on a CD (INQUIRY, READ CAPACITY, READ(10) split by the byte limit,
 * READ TOC, GESN, sense after a media change, eject with the lock). */
#include "harness.h"
#include "unit.h"
#include "tests/unit/memdisk.h"
#include "hw/core/util.h"

#include <errno.h>
#include <stdlib.h>

static MemDisk *mem_disk(const char *id, uint64_t size)
{
    return memdisk_new(id, size, 7);
}

#define CMD 0x1f0
#define CTL 0x3f6
#define CMD2 0x170
#define CTL2 0x376

static void wait_not_busy(uint16_t base)
{
    for (int i = 0; i < 1000 && (inb(base + 7) & 0x80); i++)
        ;
}

static void read_words(uint16_t base, uint8_t *buf, int bytes)
{
    for (int i = 0; i < bytes; i += 2) {
        uint16_t w = inw(base);
        buf[i] = (uint8_t)w;
        buf[i + 1] = (uint8_t)(w >> 8);
    }
}

static MemDisk *setup_disk(uint64_t size)
{
    harness_init();
    MemDisk *md = mem_disk("hd0", size);
    harness_device("i440FX-pcihost", NULL);
    harness_device("piix3-ide", NULL);
    harness_device("ide-hd", "drive=hd0,bus=0,unit=0");
    machine_reset(harness_machine());
    return md;
}

TEST(ide, identify_and_signature)
{
    setup_disk(4 * 1024 * 1024);
    CHECK_EQ(inb(CMD + 2), 1);
    CHECK_EQ(inb(CMD + 4), 0);
    CHECK_EQ(inb(CMD + 5), 0);
    CHECK_EQ(inb(CMD + 7) & 0xc0, 0x40);
    outb(CMD + 6, 0xa0);
    outb(CMD + 7, 0xec);
    CHECK_EQ(inb(CMD + 7) & 0x89, 0x08);
    CHECK_EQ(gsi_level(14), 0);     /* the status read acknowledged it */
    uint8_t id[512];
    read_words(CMD, id, 512);
    CHECK_EQ(inb(CMD + 7) & 0x89, 0x00);
    CHECK_EQ(id[60 * 2] | id[60 * 2 + 1] << 8, 8192);
    CHECK_EQ(id[100 * 2] | id[100 * 2 + 1] << 8, 8192);
    CHECK(!memcmp(id + 54, "EQUMH ", 6));    /* "QEMU HARDDISK", byte-swapped words */
    /* The absent slave: status 0, cylinder signature 0xffff. */
    outb(CMD + 6, 0xb0);
    CHECK_EQ(inb(CMD + 7), 0);
    CHECK_EQ(inb(CMD + 4), 0xff);
    /* An empty channel reads 0 everywhere. */
    CHECK_EQ(inb(CMD2 + 7), 0);
}

TEST(ide, pio_read_write_lba28_lba48_chs)
{
    MemDisk *md = setup_disk(4 * 1024 * 1024);
    /* WRITE SECTORS, 2 sectors at LBA 5. */
    outb(CMD + 6, 0xe0);
    outb(CMD + 2, 2);
    outb(CMD + 3, 5);
    outb(CMD + 4, 0);
    outb(CMD + 5, 0);
    outb(CMD + 7, 0x30);
    for (int s = 0; s < 2; s++) {
        wait_not_busy(CMD);
        CHECK(inb(CMD + 7) & 0x08);
        for (int i = 0; i < 256; i++)
            outw(CMD, (uint16_t)(0xa500 + s * 256 + i));
    }
    wait_not_busy(CMD);
    CHECK_EQ(inb(CMD + 7) & 0x89, 0);
    CHECK_EQ(md->data[5 * 512], 0x00);
    CHECK_EQ(md->data[5 * 512 + 1], 0xa5);
    CHECK_EQ(md->data[6 * 512 + 2], 0x01);
    /* READ SECTORS EXT at LBA 6: hob bytes first. */
    outb(CMD + 6, 0x40);
    outb(CMD + 2, 0);
    outb(CMD + 3, 0);
    outb(CMD + 4, 0);
    outb(CMD + 5, 0);
    outb(CMD + 2, 1);
    outb(CMD + 3, 6);
    outb(CMD + 4, 0);
    outb(CMD + 5, 0);
    outb(CMD + 7, 0x24);
    wait_not_busy(CMD);
    uint8_t buf[512];
    read_words(CMD, buf, 512);
    CHECK(!memcmp(buf, md->data + 6 * 512, 512));
    CHECK_EQ(inb(CMD + 7) & 0x89, 0);
    /* CHS: cylinder 1, head 2, sector 3 with 16 heads x 63 sectors. */
    outb(CMD + 6, 0xa2);
    outb(CMD + 2, 1);
    outb(CMD + 3, 3);
    outb(CMD + 4, 1);
    outb(CMD + 5, 0);
    outb(CMD + 7, 0x20);
    wait_not_busy(CMD);
    read_words(CMD, buf, 512);
    CHECK(!memcmp(buf, md->data + ((1 * 16 + 2) * 63 + 2) * 512, 512));
    /* 32-bit data port reads work too (READ MULTIPLE after SET MULTIPLE). */
    outb(CMD + 2, 4);
    outb(CMD + 7, 0xc6);
    CHECK_EQ(inb(CMD + 7) & 0x01, 0);
    outb(CMD + 6, 0xe0);
    outb(CMD + 2, 4);
    outb(CMD + 3, 0);
    outb(CMD + 7, 0xc4);
    wait_not_busy(CMD);
    uint32_t l = inl(CMD);
    CHECK_EQ(l, md->data[0] | md->data[1] << 8 | md->data[2] << 16 | (uint32_t)md->data[3] << 24);
    /* FLUSH CACHE reaches the backend. */
    outb(CMD + 7, 0xe7);
    wait_not_busy(CMD);
    CHECK_EQ(md->flushes, 1);
}

TEST(ide, errors_out_of_range_and_reset)
{
    setup_disk(1024 * 1024);
    outb(CMD + 6, 0xe0);
    outb(CMD + 2, 4);
    outb(CMD + 3, 0xfe);
    outb(CMD + 4, 0x07);        /* LBA 2046 + 4 > 2048 sectors */
    outb(CMD + 5, 0);
    outb(CMD + 7, 0x20);
    CHECK_EQ(inb(CMD + 7) & 0x89, 0x01);
    CHECK_EQ(inb(CMD + 1), 0x10);
    /* An unknown command aborts. */
    outb(CMD + 7, 0xfe);
    CHECK_EQ(inb(CMD + 1), 0x04);
    /* Data port without DRQ reads all ones and changes nothing. */
    CHECK_EQ(inw(CMD), 0xffff);
    /* SRST: signature back, nIEN keeps the line low. */
    outb(CTL, 0x06);
    CHECK(inb(CTL) & 0x80);
    outb(CTL, 0x02);
    CHECK_EQ(inb(CMD + 2), 1);
    CHECK_EQ(inb(CMD + 7) & 0xc0, 0x40);
    gsi_clear();
    outb(CMD + 7, 0xec);
    CHECK_EQ(gsi_rises(14), 0);
}

/* ---- ATAPI ---- */

static MemDisk *setup_cd(void)
{
    harness_init();
    MemDisk *md = mem_disk("cd0", 64 * 2048);
    harness_device("i440FX-pcihost", NULL);
    harness_device("piix3-ide", NULL);
    harness_device("ide-cd", "drive=cd0,bus=1,unit=0");
    machine_reset(harness_machine());
    return md;
}

/* Send a packet with a byte limit; returns the status after the command
 * phase. */
static uint8_t packet(const uint8_t cdb[12], uint16_t limit)
{
    outb(CMD2 + 6, 0xa0);
    outb(CMD2 + 1, 0);
    outb(CMD2 + 4, (uint8_t)limit);
    outb(CMD2 + 5, (uint8_t)(limit >> 8));
    outb(CMD2 + 7, 0xa0);
    if (!(inb(CMD2 + 7) & 0x08) || inb(CMD2 + 2) != 1)
        return 0xff;
    for (int i = 0; i < 12; i += 2)
        outw(CMD2, (uint16_t)(cdb[i] | cdb[i + 1] << 8));
    wait_not_busy(CMD2);
    return inb(CMD2 + 7);
}

/* Read the whole reply, DRQ block by block; returns its length. */
static int reply(uint8_t *buf, int max, int *blocks)
{
    int n = 0;
    *blocks = 0;
    while (inb(CTL2) & 0x08) {
        int len = inb(CMD2 + 4) | inb(CMD2 + 5) << 8;
        CHECK_EQ(inb(CMD2 + 2), 2);     /* data to the host */
        for (int i = 0; i < len; i += 2) {
            uint16_t w = inw(CMD2);
            if (n + 1 < max) {
                buf[n] = (uint8_t)w;
                buf[n + 1] = (uint8_t)(w >> 8);
            }
            n += 2;
        }
        (*blocks)++;
        wait_not_busy(CMD2);
    }
    CHECK_EQ(inb(CMD2 + 2), 3);
    return n;
}

TEST(atapi, inquiry_capacity_read)
{
    MemDisk *md = setup_cd();
    CHECK_EQ(inb(CMD2 + 4), 0x14);
    CHECK_EQ(inb(CMD2 + 5), 0xeb);
    /* IDENTIFY DEVICE aborts with the signature, IDENTIFY PACKET answers. */
    outb(CMD2 + 7, 0xec);
    CHECK_EQ(inb(CMD2 + 7) & 0x01, 1);
    outb(CMD2 + 7, 0xa1);
    uint8_t id[512];
    read_words(CMD2, id, 512);
    CHECK_EQ(id[0] | id[1] << 8, 0x85c0);
    /* The medium changed since power-on? No: first TUR is fine. */
    uint8_t tur[12] = { 0 };
    CHECK_EQ(packet(tur, 0) & 0x01, 0);
    uint8_t inq[12] = { 0x12, 0, 0, 0, 36 };
    uint8_t buf[8192];
    int blocks;
    CHECK_EQ(packet(inq, 100) & 0x08, 0x08);
    CHECK_EQ(reply(buf, sizeof(buf), &blocks), 36);
    CHECK_EQ(buf[0], 5);
    CHECK(!memcmp(buf + 16, "QEMU DVD-ROM", 12));
    uint8_t cap[12] = { 0x25 };
    packet(cap, 8);
    CHECK_EQ(reply(buf, sizeof(buf), &blocks), 8);
    CHECK_EQ(buf[3], 63);
    CHECK_EQ(buf[6], 8);
    /* READ(10) of 2 blocks at 3 with a 1000-byte limit: 5 DRQ blocks. */
    uint8_t rd[12] = { 0x28, 0, 0, 0, 0, 3, 0, 0, 2 };
    packet(rd, 1000);
    CHECK_EQ(reply(buf, sizeof(buf), &blocks), 4096);
    CHECK(blocks >= 5);
    CHECK(!memcmp(buf, md->data + 3 * 2048, 4096));
    /* Past the end: ILLEGAL REQUEST, LBA out of range. */
    uint8_t bad[12] = { 0x28, 0, 0, 0, 0, 63, 0, 0, 2 };
    CHECK_EQ(packet(bad, 2048) & 0x01, 1);
    CHECK_EQ(inb(CMD2 + 1) >> 4, 5);
    uint8_t rs[12] = { 0x03, 0, 0, 0, 18 };
    packet(rs, 18);
    CHECK_EQ(reply(buf, sizeof(buf), &blocks), 18);
    CHECK_EQ(buf[2], 5);
    CHECK_EQ(buf[12], 0x21);
    /* READ TOC: a track and the lead-out at 64 blocks. */
    uint8_t toc[12] = { 0x43, 0, 0, 0, 0, 0, 0, 0, 100 };
    packet(toc, 100);
    CHECK_EQ(reply(buf, sizeof(buf), &blocks), 20);
    CHECK_EQ(buf[14], 0xaa);
    CHECK_EQ(buf[19], 64);
}

TEST(atapi, media_change_eject_lock)
{
    MemDisk *md = setup_cd();
    uint8_t buf[256];
    int blocks;
    char *err = NULL;
    CHECK_EQ(blockdev_eject(&md->bd, false, &err), 0);
    uint8_t tur[12] = { 0 };
    CHECK_EQ(packet(tur, 0) & 0x01, 1);
    CHECK_EQ(inb(CMD2 + 1) >> 4, 2);        /* NOT READY: no medium */
    uint8_t gesn[12] = { 0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8 };
    packet(gesn, 8);
    CHECK_EQ(reply(buf, sizeof(buf), &blocks), 8);
    CHECK_EQ(buf[4], 3);                    /* media removal */
    CHECK_EQ(blockdev_change(&md->bd, "new.iso", NULL, &err), 0);
    CHECK_EQ(packet(tur, 0) & 0x01, 1);
    CHECK_EQ(inb(CMD2 + 1) >> 4, 6);        /* UNIT ATTENTION once */
    CHECK_EQ(packet(tur, 0) & 0x01, 0);
    /* PREVENT MEDIUM REMOVAL: eject from the monitor needs force, the
     * guest's eject is refused. */
    uint8_t prevent[12] = { 0x1e, 0, 0, 0, 1 };
    CHECK_EQ(packet(prevent, 0) & 0x01, 0);
    CHECK_EQ(blockdev_eject(&md->bd, false, &err), -1);
    free(err);
    uint8_t eject[12] = { 0x1b, 0, 0, 0, 0x02 };
    CHECK_EQ(packet(eject, 0) & 0x01, 1);
    uint8_t allow[12] = { 0x1e };
    packet(allow, 0);
    CHECK_EQ(packet(eject, 0) & 0x01, 0);
    CHECK_EQ(packet(tur, 0) & 0x01, 1);     /* tray open */
}

/* ---- Bus-master DMA through the PIIX function's BAR4 ---- */

#define BM 0xc000

static void pci_cfg_write(int devfn, unsigned reg, uint32_t v)
{
    outl(0xcf8, 0x80000000u | (unsigned)devfn << 8 | reg);
    outl(0xcfc, v);
}

static void poke(uint64_t a, const void *p, size_t n) { as_write(&harness_machine()->mem, a, p, n); }
static void peek(uint64_t a, void *p, size_t n) { as_read(&harness_machine()->mem, a, p, n); }

static void prd(uint64_t at, uint32_t addr, uint16_t count, bool eot)
{
    uint8_t e[8] = { (uint8_t)addr, (uint8_t)(addr >> 8), (uint8_t)(addr >> 16),
                     (uint8_t)(addr >> 24), (uint8_t)count, (uint8_t)(count >> 8), 0,
                     eot ? 0x80 : 0 };
    poke(at, e, 8);
}

static MemDisk *setup_bmdma(void)
{
    MemDisk *md = setup_disk(1024 * 1024);
    pci_cfg_write(0x09, 0x20, BM);          /* 00:01.1 BAR4 */
    pci_cfg_write(0x09, 0x04, 0x5);         /* I/O decode, bus master */
    return md;
}

static void dma_cmd(uint8_t cmd, uint32_t lba, uint8_t count, bool to_mem)
{
    outb(BM, to_mem ? 0x08 : 0);
    outl(BM + 4, 0x8000);
    outb(BM + 2, 0x06);                     /* clear IRQ and error */
    outb(CMD + 6, 0xe0);
    outb(CMD + 2, count);
    outb(CMD + 3, (uint8_t)lba);
    outb(CMD + 4, (uint8_t)(lba >> 8));
    outb(CMD + 5, (uint8_t)(lba >> 16));
    outb(CMD + 7, cmd);
    outb(BM, (to_mem ? 0x08 : 0) | 1);      /* start */
}

/* Selecting the absent slave between READ DMA and the engine's start (the
 * device fuzzer's find): the command stays with the master, which has a
 * drive, instead of running on an empty slot. */
TEST(ide, device_select_ignored_while_dma_pending)
{
    MemDisk *md = setup_bmdma();
    prd(0x8000, 0x10000, 512, true);
    outb(BM, 0x08);
    outl(BM + 4, 0x8000);
    outb(BM + 2, 0x06);
    outb(CMD + 6, 0xe0);
    outb(CMD + 2, 1);
    outb(CMD + 3, 2);
    outb(CMD + 4, 0);
    outb(CMD + 5, 0);
    outb(CMD + 7, 0xc8);                    /* READ DMA, pending the engine */
    outb(CMD + 6, 0xf0);                    /* the slave: ignored now */
    outb(BM, 0x09);
    CHECK_EQ(inb(BM + 2) & 0x07, 0x04);
    uint8_t buf[512];
    peek(0x10000, buf, 512);
    CHECK(!memcmp(buf, md->data + 2 * 512, 512));
    outb(CMD + 6, 0xf0);                    /* idle again: the slave is selected */
    CHECK_EQ(inb(CMD + 7), 0);
}

TEST(ide, bmdma_read_write_and_bad_prd)
{
    MemDisk *md = setup_bmdma();
    /* READ DMA of 3 sectors into two buffers. */
    prd(0x8000, 0x10000, 1024, false);
    prd(0x8008, 0x20000, 512, true);
    gsi_clear();
    dma_cmd(0xc8, 4, 3, true);
    CHECK_EQ(inb(BM + 2) & 0x07, 0x04);     /* interrupt, not active, no error */
    CHECK_EQ(inb(CMD + 7) & 0x89, 0);
    CHECK_EQ(gsi_rises(14), 1);
    uint8_t buf[1024];
    peek(0x10000, buf, 1024);
    CHECK(!memcmp(buf, md->data + 4 * 512, 1024));
    peek(0x20000, buf, 512);
    CHECK(!memcmp(buf, md->data + 6 * 512, 512));
    /* WRITE DMA from guest memory. */
    memset(buf, 0x77, 512);
    poke(0x30000, buf, 512);
    prd(0x8000, 0x30000, 512, true);
    dma_cmd(0xca, 9, 1, false);
    CHECK_EQ(inb(BM + 2) & 0x07, 0x04);
    CHECK_EQ(md->data[9 * 512 + 100], 0x77);
    /* A buffer outside RAM (the harness has 1 MiB; 0xfee00000 is where a
     * local APIC would be): error status, nothing written, the machine
     * goes on. */
    prd(0x8000, 0xfee00000, 512, true);
    dma_cmd(0xc8, 0, 1, true);
    CHECK_EQ(inb(BM + 2) & 0x02, 0x02);
    CHECK_EQ(inb(CMD + 7) & 0x01, 0x01);
    /* The PRD table itself outside RAM. */
    outb(BM, 0x08);
    outl(BM + 4, 0xfff00000);
    outb(BM + 2, 0x06);
    outb(CMD + 2, 1);
    outb(CMD + 7, 0xc8);
    outb(BM, 0x09);
    CHECK_EQ(inb(BM + 2) & 0x02, 0x02);
    /* A PRD table too short for the transfer: an error as well. */
    prd(0x8000, 0x10000, 512, true);
    dma_cmd(0xc8, 0, 2, true);
    CHECK_EQ(inb(BM + 2) & 0x02, 0x02);
    /* Without bus mastering the engine does nothing to memory. */
    pci_cfg_write(0x09, 0x04, 0x1);
    memset(buf, 0, 512);
    poke(0x10000, buf, 512);
    prd(0x8000, 0x10000, 512, true);
    dma_cmd(0xc8, 0, 1, true);
    peek(0x10000, buf, 512);
    CHECK_EQ(buf[0], 0);
    CHECK_EQ(inb(BM + 2) & 0x02, 0x02);
}
