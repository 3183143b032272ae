/* virtio-blk-pci through the modern virtio PCI interface (virtio 1.0,
 * 4.1.4) on the CPU-less board: the capability list and QEMU's BAR layout,
 * 64-bit feature negotiation with VERSION_1, queue set-up through the
 * common configuration, notification, MSI-X vectors for the queue and for
 * configuration changes, the disable-legacy/disable-modern variants, and
 * malformed rings that set DEVICE_NEEDS_RESET instead of touching
 * anything outside the driver's buffers. */
#include "harness.h"
#include "unit.h"
#include "tests/unit/memdisk.h"
#include "hw/core/util.h"

#include <stdlib.h>

#define BAR4 0xfe000000u
#define BAR1 0xfe100000u
#define QSIZE 64
#define DESC 0x10000
#define AVAIL 0x12000
#define USED 0x13000
#define BUFS 0x20000
#define ST_NEEDS_RESET 0x40

static int dev;
static uint32_t common, isr, devcfg, notify;
static uint16_t avail_idx;

static uint32_t cfg(unsigned reg)
{
    outl(0xcf8, 0x80000000u | (unsigned)dev << 11 | (reg & ~3u));
    return inl(0xcfc) >> (8 * (reg & 3));
}

static void cfg_set(unsigned reg, uint32_t v)
{
    outl(0xcf8, 0x80000000u | (unsigned)dev << 11 | reg);
    outl(0xcfc, v);
}

static void poke(uint64_t a, const void *p, size_t n) { as_write(&harness_machine()->mem, a, p, n); }
static void peek(uint64_t a, void *p, size_t n) { as_read(&harness_machine()->mem, a, p, n); }
static void poke16(uint64_t a, uint16_t v) { poke(a, &v, 2); }
static uint16_t peek16(uint64_t a) { uint16_t v; peek(a, &v, 2); return v; }
static uint8_t readb(uint64_t a) { return (uint8_t)as_ld(&harness_machine()->mem, a, 1); }
static void writeb(uint64_t a, uint8_t v) { as_st(&harness_machine()->mem, a, v, 1); }
static uint16_t readw(uint64_t a) { return (uint16_t)as_ld(&harness_machine()->mem, a, 2); }
static void writew(uint64_t a, uint16_t v) { as_st(&harness_machine()->mem, a, v, 2); }

static void desc(uint64_t table, int i, uint64_t addr, uint32_t len, uint16_t flags,
                 uint16_t next)
{
    uint8_t d[16];
    memcpy(d, &addr, 8);
    memcpy(d + 8, &len, 4);
    memcpy(d + 12, &flags, 2);
    memcpy(d + 14, &next, 2);
    poke(table + 16 * i, d, 16);
}

/* Find the function with this vendor:device pair and its capabilities. */
static void find(uint32_t id)
{
    dev = -1;
    for (int d = 1; d < 32 && dev < 0; d++) {
        outl(0xcf8, 0x80000000u | (unsigned)d << 11);
        if (inl(0xcfc) == id)
            dev = d;
    }
    REQUIRE(dev > 0, "virtio-blk-pci not found");
    common = isr = devcfg = notify = 0;
    for (unsigned at = cfg(0x34) & 0xff; at; at = cfg(at + 1) & 0xff) {
        if ((cfg(at) & 0xff) != 9)
            continue;
        uint32_t where = BAR4 + cfg(at + 8);
        CHECK_EQ(cfg(at + 4) & 0xff, 4);            /* all in BAR 4 */
        switch (cfg(at + 3) & 0xff) {
        case 1: common = where; break;
        case 2: notify = where; CHECK_EQ(cfg(at + 16), 4); break;
        case 3: isr = where; break;
        case 4: devcfg = where; break;
        }
    }
}

static MemDisk *setup(const char *props)
{
    harness_init();
    MemDisk *md = memdisk_new("vd0", 1 << 20, 13);
    harness_device("i440FX-pcihost", NULL);
    char p[128];
    snprintf(p, sizeof(p), "drive=vd0%s%s", props ? "," : "", props ? props : "");
    harness_device("virtio-blk-pci", p);
    machine_reset(harness_machine());
    return md;
}

static void map_bars(void)
{
    cfg_set(0x14, BAR1);
    cfg_set(0x20, BAR4);
    cfg_set(0x24, 0);
    cfg_set(0x04, 0x7);                              /* I/O, memory, master */
}

/* Enable MSI-X: vector 0 for configuration changes, 1 for the queue. */
static void msix_on(void)
{
    for (uint32_t v = 0; v < 2; v++) {
        writel(BAR1 + 16 * v, 0xfee00000);
        writel(BAR1 + 16 * v + 8, 0x40 + v);
        writel(BAR1 + 16 * v + 12, 0);
    }
    unsigned at;
    for (at = cfg(0x34) & 0xff; at && (cfg(at) & 0xff) != 0x11; at = cfg(at + 1) & 0xff)
        ;
    REQUIRE(at, "no MSI-X capability");
    cfg_set(at, 0x8000u << 16);
    msi_clear();
}

static void driver_up_at(uint64_t avail)
{
    writeb(common + 0x14, 0);                        /* reset */
    writeb(common + 0x14, 1 | 2);
    writel(common + 0x00, 1);
    CHECK_EQ(readl(common + 0x04) & 1, 1);           /* VERSION_1 (bit 32) */
    writel(common + 0x00, 0);
    uint32_t lo = readl(common + 0x04);
    CHECK(lo & (1u << 28));
    writel(common + 0x08, 0);
    writel(common + 0x0c, lo & ~(1u << 29));         /* no event index */
    writel(common + 0x08, 1);
    writel(common + 0x0c, 1);
    writeb(common + 0x14, 1 | 2 | 8);
    CHECK_EQ(readb(common + 0x14) & 8, 8);           /* FEATURES_OK kept */
    writew(common + 0x10, 0);                        /* config vector */
    CHECK_EQ(readw(common + 0x10), 0);
    writew(common + 0x16, 0);
    CHECK_EQ(readw(common + 0x18), 256);             /* maximum size */
    writew(common + 0x18, 100);                      /* not a power of two */
    CHECK_EQ(readw(common + 0x18), 256);
    writew(common + 0x18, QSIZE);
    writew(common + 0x1a, 1);
    CHECK_EQ(readw(common + 0x1a), 1);
    writel(common + 0x20, DESC);
    writel(common + 0x24, 0);
    writel(common + 0x28, (uint32_t)avail);
    writel(common + 0x2c, 0);
    writel(common + 0x30, USED);
    writel(common + 0x34, 0);
    writew(common + 0x1c, 1);
    CHECK_EQ(readw(common + 0x1c), 1);
    writeb(common + 0x14, 1 | 2 | 4 | 8);
    avail_idx = 0;
    poke16(AVAIL + 2, 0);
    poke16(USED + 2, 0);
}

static void driver_up(void)
{
    driver_up_at(AVAIL);
}

static void kick(uint16_t head)
{
    poke16(AVAIL + 4 + 2 * (avail_idx % QSIZE), head);
    poke16(AVAIL + 2, ++avail_idx);
    writew(notify + 4 * readw(common + 0x1e), 0);
}

/* header, data, status in descriptors 0-2; returns the status byte. */
static int request(uint32_t type, uint64_t sector, uint32_t len)
{
    uint8_t hdr[16] = { 0 }, st = 0xff;
    memcpy(hdr, &type, 4);
    memcpy(hdr + 8, &sector, 8);
    poke(BUFS, hdr, 16);
    poke(BUFS + 0x3000, &st, 1);
    desc(DESC, 0, BUFS, 16, 1, 1);
    desc(DESC, 1, BUFS + 0x1000, len, 1 | 2, 2);
    desc(DESC, 2, BUFS + 0x3000, 1, 2, 0);
    kick(0);
    peek(BUFS + 0x3000, &st, 1);
    return st;
}

TEST(virtio_modern, capabilities_and_bars_as_qemu)
{
    setup(NULL);
    find(0x10011af4);                                /* transitional */
    CHECK(common && isr && devcfg && notify);
    CHECK_EQ(cfg(0x34) & 0xff, 0x98);                /* MSI-X, then 84 70 60 50 40 */
    CHECK_EQ(cfg(0x2c), 0x00021af4);                 /* subsystem: block */
    CHECK_EQ(cfg(0x10) & 1, 1);                      /* legacy I/O BAR 0 */
    CHECK_EQ(cfg(0x20), 0xc);                        /* BAR 4: 64-bit prefetchable */
    cfg_set(0x20, 0xffffffff);
    CHECK_EQ(cfg(0x20), 0xffffc00c);                 /* 16 KiB */
    map_bars();
    CHECK_EQ(common, BAR4);
    CHECK_EQ(isr, BAR4 + 0x1000);
    CHECK_EQ(devcfg, BAR4 + 0x2000);
    CHECK_EQ(notify, BAR4 + 0x3000);
    CHECK_EQ(readl(devcfg), 2048);                   /* capacity in sectors */
    CHECK_EQ(readw(common + 0x12), 1);               /* num_queues */
}

TEST(virtio_modern, request_with_msix)
{
    MemDisk *md = setup(NULL);
    find(0x10011af4);
    map_bars();
    msix_on();
    driver_up();
    CHECK_EQ(request(0, 4, 512), 0);
    CHECK_EQ(peek16(USED + 2), 1);
    uint8_t buf[512];
    peek(BUFS + 0x1000, buf, 512);
    CHECK(!memcmp(buf, md->data + 4 * 512, 512));
    CHECK_EQ(msi_count(), 1);                        /* the queue's vector */
    CHECK_EQ(msi_last_data(), 0x41);
    CHECK_EQ(gsi_rises(10) + gsi_rises(11) + gsi_rises(5), 0);   /* no INTx */
    CHECK_EQ(readb(isr) & 1, 1);
    /* A vector the table does not have reads back as none. */
    writew(common + 0x10, 7);
    CHECK_EQ(readw(common + 0x10), 0xffff);
}

TEST(virtio_modern, disable_legacy)
{
    setup("disable-legacy=on");
    find(0x10421af4);                                /* modern-only: 0x1040 + 2 */
    CHECK_EQ(cfg(0x08) & 0xff, 1);                   /* revision 1 */
    CHECK_EQ(cfg(0x2c), 0x11001af4);
    CHECK_EQ(cfg(0x10), 0);                          /* no I/O BAR */
    map_bars();
    msix_on();
    driver_up();
    CHECK_EQ(request(0, 0, 512), 0);
}

TEST(virtio_modern, disable_modern_and_neither)
{
    setup("disable-modern=on");
    find(0x10011af4);
    CHECK(!common);                                  /* no virtio capabilities */
    CHECK_EQ(cfg(0x34) & 0xff, 0x40);                /* only MSI-X */
    CHECK_EQ(cfg(0x20), 0);
    memdisk_new("vd1", 1 << 20, 1);
    Device *d = device_create("virtio-blk-pci", "drive=vd1,disable-modern=on,"
                              "disable-legacy=on");
    CHECK(d && device_realize(d, harness_machine()) < 0);
    d = device_create("virtio-blk-pci", "drive=vd1,disable-legacy=maybe");
    CHECK(d && device_realize(d, harness_machine()) < 0);
}

TEST(virtio_modern, legacy_registers_move_under_msix)
{
    setup(NULL);
    find(0x10011af4);
    cfg_set(0x10, 0xc000);
    map_bars();
    CHECK_EQ(inl(0xc014), 2048);                     /* config at 0x14 */
    msix_on();
    CHECK_EQ(inw(0xc014), 0xffff);                   /* config vector */
    outw(0xc014, 0);
    CHECK_EQ(inw(0xc014), 0);
    CHECK_EQ(inl(0xc018), 2048);                     /* config at 0x18 */
}

/* The device gave up on its ring: NEEDS_RESET and a config interrupt. */
static void check_needs_reset(const char *what)
{
    uint8_t st = readb(common + 0x14);
    if (!(st & ST_NEEDS_RESET))
        unit_fail(__FILE__, __LINE__, "%s: status 0x%x without NEEDS_RESET", what, st);
    CHECK_EQ(msi_last_data(), 0x40);
    CHECK_EQ(readb(isr) & 2, 2);
    /* Kicks are ignored until the driver resets the device. */
    kick(0);
    CHECK_EQ(peek16(USED + 2), 0);
    driver_up();
    CHECK_EQ(readb(common + 0x14) & ST_NEEDS_RESET, 0);
    msi_clear();
}

TEST(virtio_modern, malformed_rings_set_needs_reset)
{
    MemDisk *md = setup(NULL);
    uint8_t *before = xmalloc(1 << 20);
    memcpy(before, md->data, 1 << 20);
    find(0x10011af4);
    map_bars();
    msix_on();
    driver_up();
    desc(DESC, 0, BUFS, 16, 1, 1);                   /* a loop 0 -> 1 -> 0 */
    desc(DESC, 1, BUFS + 0x1000, 512, 1, 0);
    kick(0);
    check_needs_reset("loop");
    desc(DESC, 0, BUFS, 16, 1, QSIZE);               /* next past the ring */
    kick(0);
    check_needs_reset("next index");
    desc(DESC, 0, BUFS, 16, 1, 1);                   /* DMA at its own BAR */
    desc(DESC, 1, BAR4, 512, 3, 2);
    desc(DESC, 2, BUFS + 0x3000, 1, 2, 0);
    kick(0);
    check_needs_reset("buffer in the BAR");
    desc(DESC, 1, BUFS + 0x1000, 0xffffffff, 3, 2);  /* huge length */
    kick(0);
    check_needs_reset("huge length");
    desc(DESC, 1, 0xfffffffffffffe00ull, 0x400, 3, 2);   /* wraps around */
    kick(0);
    check_needs_reset("wrapping address");
    desc(DESC, 0, BUFS + 0x4000, 32, 4, 0);          /* indirect table ... */
    desc(BUFS + 0x4000, 0, BUFS + 0x4000, 32, 4, 0); /* ... naming itself */
    kick(0);
    check_needs_reset("self-referencing indirect table");
    desc(BUFS + 0x4000, 0, BUFS, 16, 1, 1);          /* indirect loop 0 -> 1 -> 0 */
    desc(BUFS + 0x4000, 1, BUFS, 16, 1, 0);
    desc(DESC, 0, BUFS + 0x4000, 32, 4, 0);
    kick(0);
    check_needs_reset("indirect loop");
    desc(DESC, 0, BUFS + 0x4000, 0, 4, 0);           /* empty indirect table */
    kick(0);
    check_needs_reset("empty indirect table");
    poke16(AVAIL + 4, 0);                            /* index far ahead */
    poke16(AVAIL + 2, 1000);
    writew(notify, 0);
    check_needs_reset("available index");
    writew(common + 0x16, 0);
    writew(common + 0x1c, 0);
    CHECK_EQ(readw(common + 0x1c), 1);               /* enabled stays enabled */
    driver_up_at(0xf0000000);                        /* a ring outside RAM */
    writew(notify, 0);
    check_needs_reset("ring outside RAM");
    driver_up_at(BAR4);                              /* a ring in its own BAR */
    writew(notify, 0);
    check_needs_reset("ring in the BAR");
    /* Through all this the disk was never written. */
    CHECK(!memcmp(before, md->data, 1 << 20));
    driver_up();
    CHECK_EQ(request(0, 1, 512), 0);
    free(before);
}

/* The configuration's writeback byte follows the cache mode; a read-only
 * drive offers VIRTIO_BLK_F_RO and fails writes; GET_ID gives serial=. */
TEST(virtio_modern, cache_mode_readonly_and_serial)
{
    harness_init();
    MemDisk *md = memdisk_new("vd0", 1 << 20, 13);
    md->bd.cache = "writethrough";
    md->bd.read_only = true;
    harness_device("i440FX-pcihost", NULL);
    harness_device("virtio-blk-pci", "drive=vd0,serial=SN-1234");
    machine_reset(harness_machine());
    find(0x10011af4);
    map_bars();
    CHECK_EQ(readb(devcfg + 32), 0);                 /* writethrough: no cache */
    writel(common, 0);
    CHECK(readl(common + 4) & (1u << 5));            /* VIRTIO_BLK_F_RO */
    msix_on();
    driver_up();
    uint8_t before = md->data[512];
    CHECK_EQ(request(1, 1, 512), 1);                 /* write: I/O error */
    CHECK_EQ(md->data[512], before);
    CHECK_EQ(request(8, 0, 512), 0);                 /* GET_ID */
    char id[21] = { 0 };
    peek(BUFS + 0x1000, id, 20);
    CHECK_STR(id, "SN-1234");
    md->bd.cache = "none";
    CHECK_EQ(readb(devcfg + 32), 1);
}
