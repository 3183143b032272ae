/* The devices test suites written for QEMU expect (pci-testdev) and the
 * PCI bus core under them, on the CPU-less board. */
#include "tests/unit/harness.h"
#include "tests/unit/unit.h"

static uint32_t cfg_read(int dev, unsigned reg)
{
    outl(0xcf8, 0x80000000u | (unsigned)dev << 11 | reg);
    return inl(0xcfc);
}

static void cfg_write(int dev, unsigned reg, uint32_t v)
{
    outl(0xcf8, 0x80000000u | (unsigned)dev << 11 | reg);
    outl(0xcfc, v);
}

TEST(testdev, pci_bus_enumeration_and_bar_sizing)
{
    harness_init();
    harness_device("i440FX-pcihost", NULL);
    harness_device("pci-testdev", NULL);
    CHECK_EQ(cfg_read(0, 0), 0x12378086);           /* host bridge at 00.0 */
    CHECK_EQ(cfg_read(1, 0), 0x00051b36);           /* first free slot: 01.0 */
    CHECK_EQ(cfg_read(2, 0), 0xffffffff);           /* nothing else */
    CHECK_EQ(cfg_read(1, 8) >> 8, 0xff0000);        /* class: other */
    CHECK_EQ(cfg_read(1, 0x10), 0);                 /* 32-bit memory BAR */
    CHECK_EQ(cfg_read(1, 0x14), 1);                 /* I/O BAR */
    cfg_write(1, 0x10, 0xffffffff);
    cfg_write(1, 0x14, 0xffffffff);
    CHECK_EQ(cfg_read(1, 0x10), 0xfffff000);        /* 4 KiB */
    CHECK_EQ(cfg_read(1, 0x14), 0xffffff01);        /* 256 ports */
    CHECK_EQ(cfg_read(1, 0x18), 0);                 /* unimplemented BAR */
    cfg_write(1, 0x18, 0xffffffff);
    CHECK_EQ(cfg_read(1, 0x18), 0);
    CHECK_EQ(cfg_read(1, 0) & 0xffff, 0x1b36);      /* ID is read-only */
    cfg_write(1, 0, 0);
    CHECK_EQ(cfg_read(1, 0), 0x00051b36);
}

TEST(testdev, pci_bars_decode_only_when_enabled)
{
    harness_init();
    harness_device("i440FX-pcihost", NULL);
    harness_device("pci-testdev", NULL);
    cfg_write(1, 0x10, 0x80000);                    /* memory BAR in RAM's hole */
    cfg_write(1, 0x14, 0xc000);
    CHECK_EQ(inb(0xc001), 0xff);                    /* decoding still off */
    CHECK_EQ(readl(0x80004), 0);                    /* plain RAM below */
    cfg_write(1, 0x04, 0x3);                        /* I/O and memory on */
    CHECK_EQ(inb(0xc001), 4);                       /* test 0 is 32 bits wide */
    CHECK_EQ(readl(0x80008), 0x12345678);           /* its data */
    /* the test protocol through the I/O BAR: select, write, count */
    outb(0xc000, 1);
    CHECK_EQ(inb(0xc001), 2);
    uint32_t off = inl(0xc004);
    outw((uint16_t)(0xc000 + off), 0x5a5a);
    outw((uint16_t)(0xc000 + off), 0x5a5a);
    outw((uint16_t)(0xc000 + off), 0x1111);         /* wrong data: not counted */
    CHECK_EQ(inl(0xc00c), 2);
    CHECK_EQ(inb(0xc010), 'w');                     /* name "write16" */
    outb(0xc000, 3);
    CHECK_EQ(inb(0xc001), 0);                       /* past the last test */
    cfg_write(1, 0x14, 0xd000);                     /* moved */
    CHECK_EQ(inb(0xc001), 0xff);
    CHECK_EQ(inb(0xd000), 3);
    cfg_write(1, 0x04, 0);                          /* off again */
    CHECK_EQ(inb(0xd000), 0xff);
    CHECK_EQ(readl(0x80008), 0);
}
