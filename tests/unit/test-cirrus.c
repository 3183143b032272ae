/* cirrus-vga through its ports, BARs and the 0xa0000 window on the device
 * harness: PCI identity, the extension registers (SR6 unlock, CR27, the
 * hidden DAC), extended modes on screen, banking, and the BitBLT engine:
 * each kind of blit, then hostile rectangles that must be dropped whole
 * without touching memory outside video RAM. */
#include "unit.h"
#include "harness.h"
#include "hw/core/graphic.h"
#include "hw/core/pci.h"
#include "hw/display/cirrus-int.h"

#include <stdlib.h>
#include <string.h>

#define LFB  0xe0000000u
#define MMIO 0xe1000000u
#define VRAM (4u << 20)

static Cirrus *card;
static int devno;

static void cfg_write(unsigned reg, uint32_t v) { pci_cfg_writel(devno, reg, v); }
static uint32_t cfg_read(unsigned reg) { return pci_cfg_readl(devno, reg); }

static void setup(void)
{
    harness_init();
    harness_device("i440FX-pcihost", NULL);
    card = (Cirrus *)harness_device("cirrus-vga", NULL);
    REQUIRE(card, "no cirrus-vga");
    machine_reset(harness_machine());
    devno = harness_pci_find(0x00b81013);
    REQUIRE(devno > 0, "cirrus-vga not found on the bus");
    cfg_write(PCI_BAR0, LFB);
    cfg_write(PCI_BAR0 + 4, MMIO);
    cfg_write(0x04, PCI_COMMAND_MEM | PCI_COMMAND_IO);
    outb(0x3c2, 0x01);                  /* CRT at 0x3d4 */
}

static void sr(uint8_t i, uint8_t v) { outb(0x3c4, i); outb(0x3c5, v); }
static void gr(uint8_t i, uint8_t v) { outb(0x3ce, i); outb(0x3cf, v); }
static void cr(uint8_t i, uint8_t v) { outb(0x3d4, i); outb(0x3d5, v); }
static uint8_t sr_get(uint8_t i) { outb(0x3c4, i); return inb(0x3c5); }
static uint8_t gr_get(uint8_t i) { outb(0x3ce, i); return inb(0x3cf); }
static uint8_t cr_get(uint8_t i) { outb(0x3d4, i); return inb(0x3d5); }
static uint8_t *vram(void) { return card->vga.vram.host; }

static uint8_t memb(uint64_t a)
{
    uint8_t v;
    as_read(&harness_machine()->mem, a, &v, 1);
    return v;
}

static void setb(uint64_t a, uint8_t v) { as_write(&harness_machine()->mem, a, &v, 1); }

TEST(cirrus, pci_identity_and_bars)
{
    setup();
    CHECK_EQ(cfg_read(0x08) >> 16, 0x0300);             /* VGA compatible */
    CHECK_EQ(cfg_read(0x2c), 0x11001af4);
    cfg_write(PCI_BAR0, 0xffffffff);
    CHECK_EQ(cfg_read(PCI_BAR0) & ~0xfu, ~(VRAM - 1));
    cfg_write(PCI_BAR0 + 4, 0xffffffff);
    CHECK_EQ(cfg_read(PCI_BAR0 + 4) & ~0xfu, ~0xfffu);
    cfg_write(PCI_BAR0, LFB);
    cfg_write(PCI_BAR0 + 4, MMIO);
    writel(LFB + 0x1234, 0xcafef00d);                   /* BAR 0 is VRAM */
    CHECK_EQ(memcmp(vram() + 0x1234, "\x0d\xf0\xfe\xca", 4), 0);
    setb(MMIO + 0x04, 0x27 - 0x20);                     /* BAR 1: 0x3c4 at 0x04 */
    outb(0x3d4, 0x27);
    setb(MMIO + 0x14, 0x27);                            /* CR index via 0x3d4 alias */
    CHECK_EQ(memb(MMIO + 0x15), CIRRUS_ID_5446);
}

TEST(cirrus, extension_registers)
{
    setup();
    CHECK_EQ(sr_get(0x06), 0x0f);                       /* locked */
    sr(0x06, 0x12);
    CHECK_EQ(sr_get(0x06), 0x12);
    sr(0x06, 0x00);
    CHECK_EQ(sr_get(0x06), 0x0f);
    CHECK_EQ(sr_get(0x15), 0x04);                       /* 4 MiB */
    CHECK_EQ(cr_get(0x27), CIRRUS_ID_5446);
    cr(0x1b, 0x32);
    CHECK_EQ(cr_get(0x1b), 0x32);
    gr(0x0b, 0x21);
    CHECK_EQ(gr_get(0x0b), 0x21);
    /* Hidden DAC: the fifth read of 0x3c6 in a row, then a write. */
    for (int i = 0; i < 4; i++)
        CHECK_EQ(inb(0x3c6), 0xff);
    outb(0x3c6, 0xc1);
    CHECK_EQ(card->hidden_dac, 0xc1);
    CHECK_EQ(inb(0x3c6), 0xff);                         /* mask is still 0xff */
    for (int i = 0; i < 3; i++)
        inb(0x3c6);
    CHECK_EQ(inb(0x3c6), 0xc1);
    for (int i = 0; i < 3; i++)                         /* an access between */
        inb(0x3c6);
    inb(0x3c8);
    inb(0x3c6);
    outb(0x3c6, 0x00);                                  /* the pixel mask */
    CHECK_EQ(card->hidden_dac, 0xc1);
    CHECK_EQ(card->vga.dac_mask, 0x00);
    /* Cursor position: index bits 7:5 are the low bits. */
    sr(0x10 | 0x60, 0x12);
    sr(0x11 | 0xe0, 0x03);
    CHECK_EQ(card->cursor_x, 0x12 << 3 | 3);
    CHECK_EQ(card->cursor_y, 0x03 << 3 | 7);
}

/* 64x16 extended mode: bpp from SR7 (and the hidden DAC), pitch from CR13
 * and CR1B, start address from CR0C/0D, CR1B and CR1D. */
static void set_mode_size(uint8_t sr7, uint8_t hdr, uint16_t pitch, uint32_t start, int w, int h)
{
    for (int i = 0; i < 4; i++)
        inb(0x3c6);
    outb(0x3c6, hdr);
    sr(0x07, sr7);
    gr(0x06, 0x05);
    cr(0x11, 0x00);
    cr(0x01, (uint8_t)(w / 8 - 1));
    cr(0x12, (uint8_t)(h - 1));
    cr(0x07, (uint8_t)(((h - 1) >> 8 & 1) << 1 | ((h - 1) >> 9 & 1) << 6));
    cr(0x13, (uint8_t)(pitch >> 3));
    cr(0x0c, (uint8_t)(start >> 10));
    cr(0x0d, (uint8_t)(start >> 2));
    cr(0x1b, (uint8_t)(((pitch >> 11) & 1) << 4 | ((start >> 18) & 1) | ((start >> 19) & 3) << 2));
    cr(0x1d, (uint8_t)(((start >> 21) & 1) << 7));
}

static void set_mode(uint8_t sr7, uint8_t hdr, uint16_t pitch, uint32_t start)
{
    set_mode_size(sr7, hdr, pitch, start, 64, 16);
}

static uint32_t pixel_at(int x, int y, int *w, int *h)
{
    uint32_t *px;
    REQUIRE(graphic_hw_render(&px, w, h) == 0, "no picture");
    uint32_t v = px[y * *w + x];
    free(px);
    return v;
}

TEST(cirrus, extended_modes_on_screen)
{
    setup();
    int w, h;
    set_mode(0x01, 0, 64, 0);                           /* 8 bpp through the DAC */
    outb(0x3c8, 7);
    outb(0x3c9, 63); outb(0x3c9, 0); outb(0x3c9, 63);
    vram()[64 * 3 + 5] = 7;
    CHECK_EQ(pixel_at(5, 3, &w, &h), 0xff00ff);
    CHECK_EQ(w, 64);
    CHECK_EQ(h, 16);
    set_mode(0x07, 0xc1, 128, 0);                       /* 16 bpp 5:6:5 */
    vram()[128 * 2 + 2] = 0x00; vram()[128 * 2 + 3] = 0xf8;
    CHECK_EQ(pixel_at(1, 2, &w, &h), 0xff0000);
    set_mode(0x07, 0xc0, 128, 0);                       /* 15 bpp */
    vram()[128 * 2 + 2] = 0xe0; vram()[128 * 2 + 3] = 0x03;
    CHECK_EQ(pixel_at(1, 2, &w, &h), 0x00ff00);
    /* 32 bpp, pitch 2048 (CR1B bit 4), start 0x2c0000 (CR1B, CR1D bits) */
    set_mode(0x09, 0, 2048, 0x2c0000);
    memcpy(vram() + 0x2c0000 + 2048 * 5 + 4 * 9, "\x11\x22\x33\x00", 4);
    CHECK_EQ(pixel_at(9, 5, &w, &h), 0x332211);
    set_mode(0x05, 0, 192, 0);                          /* 24 bpp */
    memcpy(vram() + 192 + 3 * 4, "\x01\x02\x03", 3);
    CHECK_EQ(pixel_at(4, 1, &w, &h), 0x030201);
    /* A start address near the end: the frame would run past VRAM: blank. */
    set_mode(0x09, 0, 2048, VRAM - 4096);
    uint32_t *px;
    CHECK_EQ(graphic_hw_render(&px, &w, &h), -1);
    /* The hardware cursor: 32x32 pattern 0 at VRAM - 16 KiB, line 0 all
     * foreground (both planes set). */
    set_mode(0x09, 0, 256, 0);
    memset(vram() + VRAM - 16384, 0xff, 4);
    memset(vram() + VRAM - 16384 + 128, 0xff, 4);
    sr(0x13, 0);
    sr(0x10, 2);                                        /* x = 16 */
    sr(0x11, 1);                                        /* y = 8 */
    sr(0x12, 0x02);                                     /* the cursor's palette */
    outb(0x3c8, 15);
    outb(0x3c9, 63); outb(0x3c9, 0); outb(0x3c9, 0);
    outb(0x3c7, 15);
    CHECK_EQ(inb(0x3c9), 63);
    CHECK_EQ(vram()[0], 0);                             /* (the DAC's entry 15 is apart) */
    CHECK_EQ(card->vga.palette[15 * 3], 0);
    sr(0x12, 0x01);
    CHECK_EQ(pixel_at(16, 8, &w, &h), 0xff0000);
    CHECK_EQ(pixel_at(16, 9, &w, &h), 0x000000);       /* transparent line */
    sr(0x12, 0x00);
    CHECK_EQ(pixel_at(16, 8, &w, &h), 0x000000);
}

TEST(cirrus, banked_window)
{
    setup();
    sr(0x07, 0x01);
    gr(0x09, 0x01);                                     /* 4 KiB granularity */
    setb(0xa0010, 0x5a);
    CHECK_EQ(vram()[0x1010], 0x5a);
    gr(0x0b, 0x20);                                     /* 16 KiB granularity */
    gr(0x09, 0x02);
    setb(0xa0020, 0x6b);
    CHECK_EQ(vram()[0x8020], 0x6b);
    CHECK_EQ(memb(0xa0020), 0x6b);
    gr(0x0b, 0x21);                                     /* two 32 KiB banks */
    gr(0x0a, 0x10);
    setb(0xa8004, 0x7c);
    CHECK_EQ(vram()[0x40004], 0x7c);
    gr(0x09, 0xfe);                                     /* 0x3f8000 + 0x7fff: the last byte */
    setb(0xa7fff, 0x11);
    CHECK_EQ(vram()[VRAM - 1], 0x11);
    gr(0x09, 0xff);                                     /* 0x3fc000 + 0x4000: past the end */
    CHECK_EQ(memb(0xa4000), 0xff);
    setb(0xa4000, 0x22);
    CHECK_EQ(memb(0xa3fff), vram()[VRAM - 1]);
    gr(0x0b, 0x20);                                     /* single bank past the end */
    CHECK_EQ(memb(0xaffff), 0xff);
    setb(0xaffff, 0x22);                                /* ignored, no crash */
    sr(0x07, 0x00);                                     /* standard VGA again */
    sr(0x04, 0x0e);                                     /* chain 4 */
    gr(0x06, 0x05);
    setb(0xa0003, 0x33);
    CHECK_EQ(vram()[3], 0x33);
}

/* ---- the BitBLT engine ---- */

static void blit_regs(uint32_t dst, uint32_t src, uint32_t w, uint32_t h, uint32_t dpitch,
                      uint32_t spitch, uint8_t mode, uint8_t rop)
{
    gr(0x20, (uint8_t)(w - 1)); gr(0x21, (uint8_t)((w - 1) >> 8));
    gr(0x22, (uint8_t)(h - 1)); gr(0x23, (uint8_t)((h - 1) >> 8));
    gr(0x24, (uint8_t)dpitch); gr(0x25, (uint8_t)(dpitch >> 8));
    gr(0x26, (uint8_t)spitch); gr(0x27, (uint8_t)(spitch >> 8));
    gr(0x28, (uint8_t)dst); gr(0x29, (uint8_t)(dst >> 8)); gr(0x2a, (uint8_t)(dst >> 16));
    gr(0x2c, (uint8_t)src); gr(0x2d, (uint8_t)(src >> 8)); gr(0x2e, (uint8_t)(src >> 16));
    gr(0x30, mode);
    gr(0x32, rop);
}

static void blit(uint32_t dst, uint32_t src, uint32_t w, uint32_t h, uint32_t dpitch,
                 uint32_t spitch, uint8_t mode, uint8_t rop)
{
    blit_regs(dst, src, w, h, dpitch, spitch, mode, rop);
    gr(0x31, 0x02);
}

static void fill_pattern(uint32_t at, size_t n)
{
    for (size_t i = 0; i < n; i++)
        vram()[at + i] = (uint8_t)(i * 7 + 1);
}

TEST(cirrus, blit_copy_forward_backward_and_rops)
{
    setup();
    fill_pattern(0x1000, 0x400);
    blit(0x10000, 0x1000, 16, 4, 100, 64, 0x00, 0x0d);  /* copy */
    for (int y = 0; y < 4; y++)
        CHECK_EQ(memcmp(vram() + 0x10000 + y * 100, vram() + 0x1000 + y * 64, 16), 0);
    CHECK_EQ(vram()[0x10000 + 16], 0);
    CHECK_EQ(gr_get(0x31) & 0x03, 0);                   /* done */
    /* Backwards: the addresses are the last bytes, lines go down. */
    blit(0x20000 + 3 * 100 + 15, 0x1000 + 3 * 64 + 15, 16, 4, 100, 64, 0x01, 0x0d);
    for (int y = 0; y < 4; y++)
        CHECK_EQ(memcmp(vram() + 0x20000 + y * 100, vram() + 0x1000 + y * 64, 16), 0);
    /* ROPs against the destination. */
    memset(vram() + 0x30000, 0xf0, 4);
    memset(vram() + 0x30100, 0x3c, 4);
    blit(0x30000, 0x30100, 4, 1, 0, 0, 0x00, 0x59);     /* xor */
    CHECK_EQ(vram()[0x30000], 0xcc);
    blit(0x30000, 0x30100, 4, 1, 0, 0, 0x00, 0x05);     /* and */
    CHECK_EQ(vram()[0x30000], 0x0c);
    blit(0x30000, 0x30100, 4, 1, 0, 0, 0x00, 0x0b);     /* not dst */
    CHECK_EQ(vram()[0x30000], 0xf3);
    blit(0x30000, 0x30100, 4, 1, 0, 0, 0x00, 0x00);     /* black */
    CHECK_EQ(vram()[0x30003], 0x00);
    blit(0x30000, 0x30100, 4, 1, 0, 0, 0x00, 0xda);     /* nor */
    CHECK_EQ(vram()[0x30000], 0xc3);
    /* Overlapping rectangles: a forward copy one byte to the right
     * propagates the first byte, as the engine reads as it writes. */
    memcpy(vram() + 0x40000, "\x01\x02\x03\x04", 4);
    blit(0x40001, 0x40000, 3, 1, 0, 0, 0x00, 0x0d);
    CHECK_EQ(memcmp(vram() + 0x40000, "\x01\x01\x01\x01", 4), 0);
    memcpy(vram() + 0x40000, "\x01\x02\x03\x04", 4);
    blit(0x40003, 0x40002, 3, 1, 0, 0, 0x01, 0x0d);     /* backwards: a true move */
    CHECK_EQ(memcmp(vram() + 0x40000, "\x01\x01\x02\x03", 4), 0);
    CHECK_EQ(card->dropped, 0);
}

TEST(cirrus, blit_pattern_and_colour_expansion)
{
    setup();
    /* 8x8 pattern at 8 bpp: row r is bytes r*8 .. r*8+7. */
    fill_pattern(0x2000, 64);
    blit(0x50000, 0x2000, 16, 10, 32, 0, 0x40, 0x0d);
    CHECK_EQ(vram()[0x50000 + 3 * 32 + 9], vram()[0x2000 + 3 * 8 + 1]);
    CHECK_EQ(vram()[0x50000 + 9 * 32 + 2], vram()[0x2000 + 1 * 8 + 2]);
    /* Colour expansion from video memory, 16 bpp: bit set = fg (GR1/GR11),
     * clear = bg (GR0/GR10). */
    gr(0x01, 0x34); gr(0x11, 0x12);
    gr(0x00, 0x78); gr(0x10, 0x56);
    vram()[0x3000] = 0xa0;                              /* 1010 0000 */
    blit(0x60000, 0x3000, 8, 1, 0, 1, 0x90, 0x0d);      /* 4 pixels */
    CHECK_EQ(memcmp(vram() + 0x60000, "\x34\x12\x78\x56\x34\x12\x78\x56", 8), 0);
    /* Transparent: clear bits leave the destination. */
    memset(vram() + 0x61000, 0xee, 8);
    blit(0x61000, 0x3000, 8, 1, 0, 1, 0x98, 0x0d);
    CHECK_EQ(memcmp(vram() + 0x61000, "\x34\x12\xee\xee\x34\x12\xee\xee", 8), 0);
    /* 24 bpp: three bytes a pixel (GR1/GR11/GR13 and GR0/GR10/GR12). */
    gr(0x13, 0x9a); gr(0x12, 0xbc);
    blit(0x60100, 0x3000, 9, 1, 0, 1, 0xa0, 0x0d);
    CHECK_EQ(memcmp(vram() + 0x60100, "\x34\x12\x9a\x78\x56\xbc\x34\x12\x9a", 9), 0);
    /* Pattern expansion (8 bytes, a row each) and solid fill. */
    memset(vram() + 0x3100, 0x80, 8);
    blit(0x62000, 0x3100, 4, 2, 16, 0, 0xc0, 0x0d);     /* 8 bpp */
    CHECK_EQ(memcmp(vram() + 0x62000, "\x34\x78\x78\x78", 4), 0);
    gr(0x33, 0x04);
    blit(0x63000, 0x3100, 4, 2, 16, 0, 0xc0, 0x0d);
    CHECK_EQ(memcmp(vram() + 0x63000 + 16, "\x34\x34\x34\x34", 4), 0);
    CHECK_EQ(card->dropped, 0);
}

TEST(cirrus, blit_system_to_screen)
{
    setup();
    sr(0x07, 0x01);
    /* Plain copy of 6 bytes x 2 lines: each line padded to 8 bytes. */
    blit(0x70000, 0, 6, 2, 64, 0, 0x04, 0x0d);
    CHECK(gr_get(0x31) & 0x01);                         /* busy, waiting */
    for (int i = 0; i < 16; i++)
        setb(0xa0000 + i, (uint8_t)(0x10 + i));
    CHECK_EQ(memcmp(vram() + 0x70000, "\x10\x11\x12\x13\x14\x15", 6), 0);
    CHECK_EQ(memcmp(vram() + 0x70040, "\x18\x19\x1a\x1b\x1c\x1d", 6), 0);
    CHECK_EQ(gr_get(0x31) & 0x01, 0);
    /* Colour expansion of 8 pixels x 2 lines at 8 bpp, through BAR 1. */
    gr(0x01, 0xaa); gr(0x00, 0x55);
    blit_regs(0x71000, 0, 8, 2, 8, 0, 0x84, 0x0d);
    setb(MMIO + 0x140, 0x02);                           /* start via BLTSTATUS */
    uint8_t lines[2] = { 0xf0, 0x0f };                  /* a byte a line */
    for (int i = 0; i < 2; i++)
        setb(0xa0000, lines[i]);
    CHECK_EQ(memcmp(vram() + 0x71000, "\xaa\xaa\xaa\xaa\x55\x55\x55\x55", 8), 0);
    CHECK_EQ(memcmp(vram() + 0x71008, "\x55\x55\x55\x55\xaa\xaa\xaa\xaa", 8), 0);
    /* Through BAR 0: a 4x2 copy whose data the CPU writes to the start of
     * the linear framebuffer; what follows the last byte is memory again. */
    blit(0x72000, 0, 4, 2, 16, 0, 0x04, 0x0d);
    writel(LFB + 0x100, 0x44332211);
    writel(LFB + 0x104, 0x88776655);
    CHECK_EQ(memcmp(vram() + 0x72000, "\x11\x22\x33\x44", 4), 0);
    CHECK_EQ(memcmp(vram() + 0x72010, "\x55\x66\x77\x88", 4), 0);
    CHECK_EQ(vram()[0x100], 0);                         /* fed, not stored */
    writel(LFB + 0x100, 0xdeadbeef);
    CHECK_EQ(memcmp(vram() + 0x100, "\xef\xbe\xad\xde", 4), 0);
    /* The blit registers through BAR 1 read back. */
    CHECK_EQ(memb(MMIO + 0x108), 3);                    /* width low */
    CHECK_EQ(memb(MMIO + 0x118), 0x04);                 /* mode */
    CHECK_EQ(card->dropped, 0);
}

/* A dropped blit leaves all of VRAM as it was and counts. */
static void check_dropped(uint32_t dst, uint32_t src, uint32_t w, uint32_t h, uint32_t dpitch,
                          uint32_t spitch, uint8_t mode, uint8_t rop)
{
    static uint8_t before[VRAM];
    uint32_t n = card->dropped;
    memcpy(before, vram(), VRAM);
    blit(dst, src, w, h, dpitch, spitch, mode, rop);
    CHECK_EQ(card->dropped, n + 1);
    CHECK_EQ(memcmp(before, vram(), VRAM), 0);
    CHECK_EQ(gr_get(0x31) & 0x03, 0);
}

TEST(cirrus, blit_hostile_rectangles)
{
    setup();
    fill_pattern(0, 0x10000);
    /* Forward past the end by one byte; then the exact fit runs. */
    check_dropped(VRAM - 100, 0, 101, 1, 0, 0, 0x00, 0x0d);
    blit(VRAM - 100, 0, 100, 1, 0, 0, 0x00, 0x0d);
    CHECK_EQ(vram()[VRAM - 1], vram()[99]);
    /* Huge width and height, largest pitches. */
    check_dropped(0, 0, 8192, 2048, 8191, 8191, 0x00, 0x0d);
    check_dropped(0x100000, 0, 8192, 1024, 0x1fff, 0, 0x00, 0x0d);
    /* Backwards past 0 ("negative pitch"): destination, then source. */
    check_dropped(10, 0x200000, 4, 5, 100, 100, 0x01, 0x0d);
    check_dropped(0x200000, 50, 4, 5, 100, 100, 0x01, 0x0d);
    check_dropped(0x200000, 2, 4, 1, 0, 0, 0x01, 0x0d);  /* last source byte -1 */
    blit(0x200000, 3, 4, 1, 0, 0, 0x01, 0x0d);           /* exactly to 0 */
    CHECK_EQ(vram()[0x200000 - 3], vram()[0]);
    /* Source past the end, forward. */
    check_dropped(0, VRAM - 10, 16, 1, 0, 0, 0x00, 0x0d);
    check_dropped(0, VRAM - 0x2000, 16, 3, 0, 0x1000, 0x00, 0x0d);
    /* Colour expansion whose bit source runs past the end. */
    check_dropped(0, VRAM - 1, 64, 4, 64, 0, 0x80, 0x0d);
    /* Screen-to-system from past the end, backwards, from the CPU too;
     * an unknown ROP; backwards expansion. */
    check_dropped(0, VRAM - 8, 16, 1, 0, 0, 0x02, 0x0d);
    check_dropped(0, 0x1000, 16, 2, 0, 0x1000, 0x03, 0x0d);
    check_dropped(0, 0x1000, 16, 1, 0, 0, 0x06, 0x0d);
    check_dropped(0, 0x1000, 16, 1, 0, 0, 0x82, 0x0d);
    check_dropped(0, 0x1000, 16, 1, 0, 0, 0x00, 0x42);
    check_dropped(0x1000, 0x100, 16, 1, 0, 0, 0x81, 0x0d);
    /* A system-to-screen blit whose destination does not fit is refused
     * before the CPU's data arrives: the data then goes to the window. */
    sr(0x07, 0x01);
    check_dropped(VRAM - 4, 0, 8, 1, 0, 0, 0x04, 0x0d);
    CHECK(!card->blt.pending);
}

TEST(cirrus, blit_reset_cancels_system_source)
{
    setup();
    sr(0x07, 0x01);
    blit(0x1000, 0, 8, 4, 8, 0, 0x04, 0x0d);
    CHECK(card->blt.pending);
    gr(0x31, 0x04);
    CHECK(!card->blt.pending);
    setb(0xa0000, 0x99);                                /* plain memory again */
    CHECK_EQ(vram()[0], 0x99);
}

TEST(cirrus, blit_screen_to_system)
{
    setup();
    sr(0x07, 0x01);
    fill_pattern(0x30000, 0x200);
    /* 6 bytes x 2 lines read back through the window: lines padded to 8. */
    blit(0, 0x30000, 6, 2, 0, 0x100, 0x02, 0x0d);
    CHECK(gr_get(0x31) & 0x01);                         /* busy, waiting */
    uint8_t got[16];
    for (int i = 0; i < 16; i++)
        got[i] = memb(0xa0000);
    CHECK_EQ(memcmp(got, vram() + 0x30000, 6), 0);
    CHECK_EQ(got[6] | got[7], 0);                       /* padding */
    CHECK_EQ(memcmp(got + 8, vram() + 0x30100, 6), 0);
    CHECK_EQ(gr_get(0x31) & 0x01, 0);                   /* done */
    CHECK_EQ(memb(0xa0000), vram()[0]);                 /* the window again */
    /* Through BAR 0 with a ROP (NOT source): 4 bytes x 1 line. */
    blit(0, 0x30010, 4, 1, 0, 0, 0x02, 0xd0);
    uint32_t v = readl(LFB + 0x40);
    CHECK_EQ(v, ~(uint32_t)(vram()[0x30010] | vram()[0x30011] << 8 |
                            vram()[0x30012] << 16 | (uint32_t)vram()[0x30013] << 24));
    CHECK(!card->blt.pending);
    CHECK_EQ(readl(LFB + 0x40), (uint32_t)vram()[0x40] | vram()[0x41] << 8 |
                                vram()[0x42] << 16 | (uint32_t)vram()[0x43] << 24);
    CHECK_EQ(card->dropped, 0);
}

TEST(cirrus, write_modes_4_and_5)
{
    setup();
    sr(0x07, 0x01);
    memset(vram(), 0x11, 64);
    gr(0x01, 0xaa); gr(0x00, 0x55);                     /* foreground, background */
    gr(0x0b, 0x06);                                     /* extended writes, by 8 */
    gr(0x05, 0x04);                                     /* mode 4: 0 bits leave */
    setb(0xa0001, 0xa5);                                /* pixels 8..15 */
    CHECK_EQ(memcmp(vram(), "\x11\x11\x11\x11\x11\x11\x11\x11", 8), 0);
    CHECK_EQ(memcmp(vram() + 8, "\xaa\x11\xaa\x11\x11\xaa\x11\xaa", 8), 0);
    gr(0x05, 0x05);                                     /* mode 5: 0 bits background */
    setb(LFB + 2, 0xf0);                                /* through BAR 0 */
    CHECK_EQ(memcmp(vram() + 16, "\xaa\xaa\xaa\xaa\x55\x55\x55\x55", 8), 0);
    CHECK_EQ(vram()[2], 0x11);                          /* not the byte itself */
    gr(0x0b, 0x14);                                     /* 16-bit pixels: by 16 */
    gr(0x11, 0xbb); gr(0x10, 0x66);
    setb(0xa0001, 0x80);
    CHECK_EQ(memcmp(vram() + 16, "\xaa\xbb\x55\x66\x55\x66", 6), 0);
    setb(0xa0000 + 0xffff, 0xff);                       /* bank 0, 16 x 0xffff */
    CHECK_EQ(vram()[0xffff0], 0xaa);
    gr(0x09, 0xff);                                     /* the last 4 KiB bank */
    setb(0xa0000 + 0xfff, 0xff);                        /* past the end: dropped */
    gr(0x05, 0x00);                                     /* plain writes again */
    gr(0x0b, 0x00);
    setb(LFB + 3, 0x77);
    CHECK_EQ(vram()[3], 0x77);
}

/* How many lines are flagged as changed since the last look, the first
 * in *first; -1 when the card cannot tell (everything changed). */
static int changed(int h, int *first)
{
    uint8_t lines[2048];
    if (!graphic_hw_changed_lines(lines, h))
        return -1;
    int n = 0;
    *first = -1;
    for (int y = 0; y < h; y++) {
        if (lines[y] && *first < 0)
            *first = y;
        n += lines[y] != 0;
    }
    return n;
}

/* Redrawing the flagged lines into the picture of the last look gives the
 * picture a full render gives now. */
static void check_redraw(uint32_t *picture, int w, int h, const uint8_t *lines)
{
    uint32_t *full;
    int fw, fh;
    REQUIRE(graphic_hw_render_lines(picture, w, h, lines) == 0, "no redraw of lines");
    REQUIRE(graphic_hw_render(&full, &fw, &fh) == 0, "no picture");
    CHECK_EQ(fw, w);
    CHECK_EQ(fh, h);
    CHECK_EQ(memcmp(picture, full, (size_t)w * h * sizeof(uint32_t)), 0);
    free(full);
}

/* In an extended mode the screen is video RAM seen through the dirty log:
 * an idle screen keeps its generation (the displays skip it); a blit
 * (its registers' writes change no picture) and a write through the banked
 * window mark only the lines they wrote, and redrawing those alone (the
 * hardware cursor included) gives the whole picture. */
TEST(cirrus, extended_mode_redraws_only_written_lines)
{
    setup();
    set_mode_size(0x01, 0, 640, 0, 640, 400);           /* 640x400, 8 bpp */
    outb(0x3c8, 5);
    outb(0x3c9, 63); outb(0x3c9, 0); outb(0x3c9, 0);
    memset(vram() + VRAM - 16384, 0xff, 8);             /* cursor line 0 */
    memset(vram() + VRAM - 16384 + 128, 0xff, 8);
    sr(0x10, 12);                                       /* x = 96 */
    sr(0x11, 25);                                       /* y = 200 */
    sr(0x12, 0x02);                                     /* foreground green */
    outb(0x3c8, 15);
    outb(0x3c9, 0); outb(0x3c9, 63); outb(0x3c9, 0);
    sr(0x12, 0x01);
    int first, w, h;
    uint32_t *picture;
    graphic_hw_generation();
    CHECK_EQ(changed(400, &first), -1);                 /* a new mode: everything */
    REQUIRE(graphic_hw_render(&picture, &w, &h) == 0, "no picture");
    uint64_t g0 = graphic_hw_generation();
    CHECK_EQ(graphic_hw_generation(), g0);              /* idle */
    CHECK_EQ(changed(400, &first), 0);
    CHECK_EQ(graphic_hw_generation(), g0);

    memset(vram() + 0x100000, 5, 32 * 4);               /* off-screen source */
    blit(200 * 640 + 90, 0x100000, 32, 4, 640, 32, 0x00, 0x0d);
    CHECK_EQ(card->dropped, 0);
    uint64_t g1 = graphic_hw_generation();
    CHECK(g1 != g0);
    uint8_t lines[400];
    REQUIRE(graphic_hw_changed_lines(lines, 400), "lines unknown after a blit");
    int flagged = 0;
    for (int y = 0; y < 400; y++) {
        flagged += lines[y] != 0;
        if (lines[y])
            CHECK(y >= 198 && y <= 204);                /* page 31 of video RAM */
    }
    CHECK(lines[200] && lines[203]);
    CHECK_EQ(flagged, 7);
    check_redraw(picture, w, h, lines);
    CHECK_EQ(picture[200 * 640 + 90], 0xff0000);
    CHECK_EQ(picture[200 * 640 + 96], 0x00ff00);        /* the cursor over the blit */
    CHECK_EQ(graphic_hw_generation(), g1);              /* idle again */

    gr(0x09, 0x00);
    setb(0xa0000 + 10 * 640 + 3, 5);                    /* line 10, bank 0 */
    CHECK(graphic_hw_generation() != g1);
    int n = changed(400, &first);
    CHECK(n > 0 && n <= 8);
    CHECK(first >= 0 && first <= 10);

    sr(0x07, 0x00);                                     /* a standard mode again */
    CHECK(graphic_hw_generation() != g1);
    free(picture);
}
