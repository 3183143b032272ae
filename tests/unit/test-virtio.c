/* virtio-blk-pci on its legacy transport, driven like a driver would on
 * the CPU-less board: features, a queue in RAM, read/write/flush/get id
 * requests through the ring (direct and indirect descriptors), and
 * hostile chains (a loop, an index past the ring, a buffer outside RAM)
 * that break the queue without the device touching anything else. */
#include "harness.h"
#include "unit.h"
#include "tests/unit/memdisk.h"
#include "hw/core/util.h"

#include <stdlib.h>

#define IO 0xc000
#define RING 0x10000            /* PFN 0x10 */
#define DESC(i) (RING + 16 * (i))
#define AVAIL (RING + 16 * 128)
#define USED 0x11000
#define BUFS 0x20000

static void poke(uint64_t a, const void *p, size_t n) { as_write(&harness_machine()->mem, a, p, n); }
static void peek(uint64_t a, void *p, size_t n) { as_read(&harness_machine()->mem, a, p, n); }
static void poke16(uint64_t a, uint16_t v) { poke(a, &v, 2); }
static uint16_t peek16(uint64_t a) { uint16_t v; peek(a, &v, 2); return v; }

static void desc(int i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
    uint8_t d[16];
    memcpy(d, &addr, 8);
    memcpy(d + 8, &len, 4);
    memcpy(d + 12, &flags, 2);
    memcpy(d + 14, &next, 2);
    poke(DESC(i), d, 16);
}

static uint16_t avail_idx;

static void kick(uint16_t head)
{
    poke16(AVAIL + 4 + 2 * (avail_idx % 128), head);
    poke16(AVAIL + 2, ++avail_idx);
    outw(IO + 0x10, 0);
}

static MemDisk *setup(void)
{
    harness_init();
    MemDisk *md = memdisk_new("vd0", 1 << 20, 13);
    harness_device("i440FX-pcihost", NULL);
    harness_device("virtio-blk-pci", "drive=vd0");
    machine_reset(harness_machine());
    /* Find it, put BAR0 at 0xc000, enable I/O and bus mastering. */
    int dev = -1;
    for (int d = 1; d < 32 && dev < 0; d++) {
        outl(0xcf8, 0x80000000u | (unsigned)d << 11);
        if (inl(0xcfc) == 0x10011af4)
            dev = d;
    }
    CHECK(dev > 0);
    outl(0xcf8, 0x80000000u | (unsigned)dev << 11 | 0x10);
    outl(0xcfc, IO);
    outl(0xcf8, 0x80000000u | (unsigned)dev << 11 | 0x04);
    outl(0xcfc, 0x5);
    outb(IO + 0x12, 0);                 /* reset */
    outb(IO + 0x12, 1 | 2);             /* ACKNOWLEDGE, DRIVER */
    uint32_t f = inl(IO);
    CHECK(f & (1u << 28));              /* indirect descriptors */
    CHECK(f & (1u << 9));               /* flush */
    outl(IO + 4, f & ~(1u << 29));      /* no event index: interrupts always */
    outw(IO + 0x0e, 0);
    CHECK_EQ(inw(IO + 0x0c), 128);
    outl(IO + 0x08, RING >> 12);
    outb(IO + 0x12, 1 | 2 | 4);         /* DRIVER_OK */
    avail_idx = 0;
    return md;
}

/* A request: header, data, status; returns the status byte. */
static int request(uint32_t type, uint64_t sector, uint32_t len, bool data_in)
{
    uint8_t hdr[16] = { 0 };
    memcpy(hdr, &type, 4);
    memcpy(hdr + 8, &sector, 8);
    poke(BUFS, hdr, 16);
    uint8_t st = 0xff;
    poke(BUFS + 0x3000, &st, 1);
    desc(0, BUFS, 16, 1, 1);
    desc(1, BUFS + 0x1000, len, 1 | (data_in ? 2 : 0), 2);
    desc(2, BUFS + 0x3000, 1, 2, 0);
    uint16_t used = peek16(USED + 2);
    kick(0);
    CHECK_EQ(peek16(USED + 2), (uint16_t)(used + 1));
    peek(BUFS + 0x3000, &st, 1);
    return st;
}

TEST(virtio, blk_read_write_flush_id)
{
    MemDisk *md = setup();
    gsi_clear();
    CHECK_EQ(request(0, 3, 1024, true), 0);
    uint8_t buf[1024];
    peek(BUFS + 0x1000, buf, 1024);
    CHECK(!memcmp(buf, md->data + 3 * 512, 1024));
    CHECK_EQ(inb(IO + 0x13) & 1, 1);    /* ISR, read clears it */
    CHECK_EQ(inb(IO + 0x13), 0);
    memset(buf, 0x5a, sizeof(buf));
    poke(BUFS + 0x1000, buf, 512);
    CHECK_EQ(request(1, 7, 512, false), 0);
    CHECK_EQ(md->data[7 * 512], 0x5a);
    CHECK_EQ(md->data[8 * 512], (uint8_t)(8 * 512 * 13 + 8));
    /* Past the end of the disk: an error status, nothing read. */
    CHECK_EQ(request(0, 2047, 1024, true), 1);
    /* Not a whole sector: an error too. */
    CHECK_EQ(request(0, 0, 100, true), 1);
    CHECK_EQ(request(99, 0, 512, true), 2);
    /* Flush: header and status only. */
    desc(0, BUFS, 16, 1, 1);
    desc(1, BUFS + 0x3000, 1, 2, 0);
    uint32_t t = 4;
    poke(BUFS, &t, 4);
    kick(0);
    CHECK_EQ(md->flushes, 1);
}

TEST(virtio, blk_indirect)
{
    MemDisk *md = setup();
    /* An indirect table at BUFS+0x4000 holding header, data, status. */
    uint8_t hdr[16] = { 0 };
    poke(BUFS, hdr, 16);
    uint8_t table[48];
    uint64_t a[3] = { BUFS, BUFS + 0x1000, BUFS + 0x3000 };
    uint32_t l[3] = { 16, 512, 1 };
    uint16_t fl[3] = { 1, 1 | 2, 2 }, nx[3] = { 1, 2, 0 };
    for (int i = 0; i < 3; i++) {
        memcpy(table + 16 * i, &a[i], 8);
        memcpy(table + 16 * i + 8, &l[i], 4);
        memcpy(table + 16 * i + 12, &fl[i], 2);
        memcpy(table + 16 * i + 14, &nx[i], 2);
    }
    poke(BUFS + 0x4000, table, 48);
    desc(5, BUFS + 0x4000, 48, 4, 0);
    kick(5);
    CHECK_EQ(peek16(USED + 2), 1);
    uint8_t buf[512];
    peek(BUFS + 0x1000, buf, 512);
    CHECK(!memcmp(buf, md->data, 512));
}

TEST(virtio, hostile_chains_break_the_queue_only)
{
    setup();
    /* A loop: 0 -> 1 -> 0. */
    desc(0, BUFS, 16, 1, 1);
    desc(1, BUFS + 0x1000, 512, 1, 0);
    kick(0);
    CHECK_EQ(peek16(USED + 2), 0);
    /* The queue is broken now: nothing more is served until a reset. */
    outb(IO + 0x12, 0);
    outl(IO + 0x08, RING >> 12);
    outb(IO + 0x12, 7);
    avail_idx = 0;
    poke16(AVAIL + 2, 0);
    /* A buffer outside RAM (the harness has 1 MiB) and one over MMIO. */
    desc(0, BUFS, 16, 1, 1);
    desc(1, 0xfee00000, 512, 3, 2);
    desc(2, BUFS + 0x3000, 1, 2, 0);
    kick(0);
    CHECK_EQ(peek16(USED + 2), 0);
    /* Reset, then a next index past the ring. */
    outb(IO + 0x12, 0);
    outl(IO + 0x08, RING >> 12);
    outb(IO + 0x12, 7);
    avail_idx = 0;
    poke16(AVAIL + 2, 0);
    desc(0, BUFS, 16, 1, 500);
    kick(0);
    CHECK_EQ(peek16(USED + 2), 0);
    /* And after a reset the device works again. */
    outb(IO + 0x12, 0);
    outl(IO + 0x08, RING >> 12);
    outb(IO + 0x12, 7);
    avail_idx = 0;
    poke16(AVAIL + 2, 0);
    CHECK_EQ(request(0, 0, 512, true), 0);
}
