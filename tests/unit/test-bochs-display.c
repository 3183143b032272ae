/* bochs-display on the CPU-less board: the VBE registers through MMIO BAR
 * 2 as Linux's bochs driver programs them, QEMU's extension registers,
 * the picture read back from the framebuffer in BAR 0, no legacy VGA
 * decoding, and modes larger than video RAM refused. */
#include "harness.h"
#include "unit.h"
#include "hw/core/graphic.h"
#include "hw/core/pci.h"

#include <stdlib.h>

#define FB 0xe0000000u
#define MMIO 0xe1000000u
#define DISPI(i) (MMIO + 0x500 + 2 * (i))

static void setup(void)
{
    harness_init();
    harness_device("i440FX-pcihost", NULL);
    harness_device("bochs-display", "romfile=");
    machine_reset(harness_machine());
    int dev = harness_pci_find(0x11111234);
    REQUIRE(dev > 0, "bochs-display not on the bus");
    CHECK_EQ(pci_cfg_readl(dev, 0x08) >> 8, 0x038000);  /* display, other */
    pci_cfg_writel(dev, 0x10, FB);
    pci_cfg_writel(dev, 0x18, MMIO);
    pci_cfg_writel(dev, 0x04, PCI_COMMAND_MEM);
}

static uint16_t rd(int i) { return (uint16_t)as_ld(&harness_machine()->mem, DISPI(i), 2); }
static void wr(int i, uint16_t v) { as_st(&harness_machine()->mem, DISPI(i), v, 2); }

static void set_mode(int w, int h, int bpp)
{
    wr(4, 0);
    wr(3, (uint16_t)bpp);
    wr(1, (uint16_t)w);
    wr(2, (uint16_t)h);
    wr(4, 0x41);                                           /* enabled, LFB */
}

TEST(bochs_display, registers_through_mmio)
{
    setup();
    CHECK_EQ(rd(0), 0xb0c5);
    CHECK_EQ(rd(10), 256);                                 /* 16 MiB in 64 KiB units */
    CHECK_EQ(readl(MMIO + 0x600), 8);
    CHECK_EQ(readl(MMIO + 0x604), 0x1e1e1e1e);
    CHECK_EQ(readl(MMIO), 0);                              /* no EDID */
    set_mode(640, 480, 32);
    CHECK_EQ(rd(1), 640);
    CHECK_EQ(rd(6), 640);                                  /* virtual width follows */
    CHECK_EQ(rd(4), 0x41);
}

TEST(bochs_display, picture_from_framebuffer)
{
    setup();
    uint32_t *px;
    int w, h;
    CHECK_EQ(graphic_hw_render(&px, &w, &h), -1);          /* blank until a mode */
    set_mode(320, 200, 32);
    writel(FB + (10 * 320 + 7) * 4, 0x00123456);
    REQUIRE(graphic_hw_render(&px, &w, &h) == 0, "no picture");
    CHECK_EQ(w, 320);
    CHECK_EQ(h, 200);
    CHECK_EQ(px[10 * 320 + 7], 0x123456);
    CHECK_EQ(px[0], 0);
    free(px);
    wr(9, 10);                                             /* y offset: scrolled */
    REQUIRE(graphic_hw_render(&px, &w, &h) == 0, "no picture");
    CHECK_EQ(px[7], 0x123456);
    free(px);
}

TEST(bochs_display, no_legacy_vga)
{
    setup();
    CHECK_EQ(inb(0x3cc), 0xff);                            /* no VGA ports */
    CHECK_EQ(inw(0x1ce), 0xffff);                          /* no VBE ports */
    set_mode(320, 200, 8);
    as_st(&harness_machine()->mem, 0xa0000, 0x55, 1);
    CHECK_EQ(as_ld(&harness_machine()->mem, FB, 1), 0);    /* window not decoded */
}

TEST(bochs_display, oversized_mode_refused)
{
    setup();
    set_mode(2560, 1600, 32);                              /* 16,384,000 bytes: fits */
    CHECK_EQ(rd(4) & 1, 1);
    wr(4, 0);
    wr(1, 4000);                                           /* above the maximum */
    CHECK_EQ(rd(1), 2560);
    uint32_t *px;
    int w, h;
    set_mode(2560, 1600, 32);
    wr(9, 0xffff);                                         /* start beyond VRAM */
    CHECK_EQ(graphic_hw_render(&px, &w, &h), -1);
}

/* The framebuffer is written as plain memory, seen through its dirty
 * log: an unchanged screen keeps its generation (displays skip it), a
 * written pixel moves it and names the lines of its page as changed. */
TEST(bochs_display, idle_framebuffer_keeps_generation)
{
    setup();
    set_mode(320, 200, 32);
    uint64_t g0 = graphic_hw_generation();
    CHECK(g0 != 0);
    uint8_t lines[200];
    CHECK(!graphic_hw_changed_lines(lines, 200));            /* new mode: all */
    CHECK_EQ(graphic_hw_generation(), g0);
    writel(FB + (199 * 320 + 319) * 4, 0x00abcdef);          /* the last pixel */
    uint64_t g1 = graphic_hw_generation();
    CHECK(g1 != g0);
    REQUIRE(graphic_hw_changed_lines(lines, 200), "lines unknown after a pixel");
    int first = -1, n = 0;
    for (int y = 0; y < 200; y++) {
        if (lines[y] && first < 0)
            first = y;
        n += lines[y] != 0;
    }
    /* its 4 KiB page (bytes 0x3e000-0x3efff) holds parts of lines 198
     * and 199 (1280 bytes each) */
    CHECK_EQ(first, 198);
    CHECK_EQ(n, 2);
    CHECK_EQ(graphic_hw_generation(), g1);
    writel(FB + 320 * 200 * 4 + 4096, 0x00abcdef);           /* off screen */
    CHECK_EQ(graphic_hw_generation(), g1);
    wr(9, 1);                                                /* scrolled: new range */
    CHECK(graphic_hw_generation() != g1);
    CHECK(!graphic_hw_changed_lines(lines, 200));
}
