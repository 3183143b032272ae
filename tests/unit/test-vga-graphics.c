/* The std VGA's graphics modes as a BIOS programs them and a guest draws
 * in them through the 0xa0000 window: the 16-colour planar mode 12h
 * (map mask, latches, set/reset and bit mask in write mode 0, write mode
 * 2) and the 256-colour chain-4 mode 13h, each rendered and checked to
 * the exact RGB of the pixels drawn and the mode's size. */
#include "tests/unit/harness.h"
#include "tests/unit/unit.h"
#include "hw/core/graphic.h"

#include <stdlib.h>

static void sr(uint8_t i, uint8_t v) { outb(0x3c4, i); outb(0x3c5, v); }
static void gr(uint8_t i, uint8_t v) { outb(0x3ce, i); outb(0x3cf, v); }
static void cr(uint8_t i, uint8_t v) { outb(0x3d4, i); outb(0x3d5, v); }
static void ar(uint8_t i, uint8_t v) { inb(0x3da); outb(0x3c0, i); outb(0x3c0, v); }

static void dac(uint8_t i, uint8_t r, uint8_t g, uint8_t b)
{
    outb(0x3c8, i);
    outb(0x3c9, r); outb(0x3c9, g); outb(0x3c9, b);
}

static uint8_t memb(uint64_t a)
{
    uint8_t v;
    as_read(&harness_machine()->mem, a, &v, 1);
    return v;
}

static void setb(uint64_t a, uint8_t v) { as_write(&harness_machine()->mem, a, &v, 1); }

static uint32_t *px;
static int pw, ph;

static void render(void)
{
    free(px);
    px = NULL;
    REQUIRE(graphic_hw_render(&px, &pw, &ph) == 0, "no picture");
}

static uint32_t at(int x, int y) { return px[y * pw + x]; }

/* The CRTC values both modes share (SeaBIOS's tables), then the rest. */
static void crtc(uint8_t c07, uint8_t c09, uint8_t c12, uint8_t c14, uint8_t c17)
{
    cr(0x11, 0x00);                                     /* unlock CR0-CR7 */
    static const uint8_t common[] = { 0x5f, 0x4f, 0x50, 0x82, 0x54, 0x80, 0x0b };
    for (uint8_t i = 0; i < sizeof(common); i++)
        cr(i, common[i]);
    cr(0x07, c07);
    cr(0x09, c09);
    cr(0x10, 0xea); cr(0x11, 0x8c);
    cr(0x12, c12);
    cr(0x13, 0x28);
    cr(0x14, c14);
    cr(0x15, 0xe7); cr(0x16, 0x04);
    cr(0x17, c17);
}

/* Mode 12h: 640x480, 4 planes; the EGA palette in the attribute
 * controller, a few DAC entries the test uses. */
static void mode12(void)
{
    harness_init();
    REQUIRE(harness_device("VGA", NULL), "no VGA");
    outb(0x3c2, 0xe3);
    sr(0x00, 0x03); sr(0x01, 0x01); sr(0x02, 0x0f); sr(0x03, 0x00); sr(0x04, 0x06);
    crtc(0x3e, 0x40, 0xdf, 0x00, 0xe3);
    static const uint8_t pal[16] = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07,
                                     0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f };
    for (uint8_t i = 0; i < 16; i++)
        ar(i, pal[i]);
    ar(0x10, 0x01); ar(0x11, 0x00); ar(0x12, 0x0f); ar(0x13, 0x00); ar(0x14, 0x00);
    outb(0x3c0, 0x20);
    gr(0x00, 0x00); gr(0x01, 0x00); gr(0x02, 0x00); gr(0x03, 0x00); gr(0x04, 0x00);
    gr(0x05, 0x00); gr(0x06, 0x05); gr(0x07, 0x0f); gr(0x08, 0xff);
    dac(0x00, 0, 0, 0);
    dac(0x04, 42, 0, 0);                                /* red */
    dac(0x14, 42, 21, 0);                               /* brown */
    dac(0x39, 21, 21, 63);                              /* light blue */
    dac(0x3c, 63, 21, 21);                              /* light red */
}

TEST(vga_graphics, planar_16_colours)
{
    mode12();
    for (int i = 0; i < 80 * 480; i++)                  /* clear, all four planes */
        setb(0xa0000 + i, 0x00);
    /* Write mode 0, map mask: pixel 0 in plane 2 alone (colour 4), then
     * pixel 1 in planes 0 and 3 (colour 9), leaving plane 2 as it was. */
    sr(0x02, 0x04);
    setb(0xa0000, 0x80);
    sr(0x02, 0x09);
    setb(0xa0000, 0x40);
    /* The latches and the bit mask: read the byte, then set/reset colour
     * 6 into pixel 7 alone; pixels 0 and 1 come back from the latches. */
    sr(0x02, 0x0f);
    (void)memb(0xa0000);
    gr(0x00, 0x06); gr(0x01, 0x0f); gr(0x08, 0x01);
    setb(0xa0000, 0xff);
    gr(0x01, 0x00);
    /* Write mode 2: colour 12 at (321, 100), its neighbours kept. */
    gr(0x05, 0x02); gr(0x08, 0x40);
    (void)memb(0xa0000 + 100 * 80 + 40);
    setb(0xa0000 + 100 * 80 + 40, 0x0c);
    gr(0x05, 0x00); gr(0x08, 0xff);
    render();
    CHECK_EQ(pw, 640);
    CHECK_EQ(ph, 480);
    CHECK_EQ(at(0, 0), 0xaa0000);
    CHECK_EQ(at(1, 0), 0x5555ff);
    CHECK_EQ(at(2, 0), 0);
    CHECK_EQ(at(6, 0), 0);
    CHECK_EQ(at(7, 0), 0xaa5500);
    CHECK_EQ(at(0, 1), 0);                              /* the next line: 80 bytes on */
    CHECK_EQ(at(321, 100), 0xff5555);
    CHECK_EQ(at(320, 100), 0);
    CHECK_EQ(at(322, 100), 0);
    CHECK_EQ(at(321, 99), 0);
    /* The planes hold what was drawn: read map select, read mode 0. */
    gr(0x04, 2);
    CHECK_EQ(memb(0xa0000), 0x81);                      /* pixels 0 and 7 have bit 2 */
    gr(0x04, 3);
    CHECK_EQ(memb(0xa0000), 0x40);
    free(px);
    px = NULL;
}

/* Mode 13h: 320x200, chain 4, a byte a pixel through the DAC. */
TEST(vga_graphics, chain4_256_colours)
{
    harness_init();
    REQUIRE(harness_device("VGA", NULL), "no VGA");
    outb(0x3c2, 0x63);
    sr(0x00, 0x03); sr(0x01, 0x01); sr(0x02, 0x0f); sr(0x03, 0x00); sr(0x04, 0x0e);
    crtc(0x1f, 0x41, 0x8f, 0x40, 0xa3);
    for (uint8_t i = 0; i < 16; i++)
        ar(i, i);
    ar(0x10, 0x41); ar(0x11, 0x00); ar(0x12, 0x0f); ar(0x13, 0x00); ar(0x14, 0x00);
    outb(0x3c0, 0x20);
    gr(0x05, 0x40); gr(0x06, 0x05); gr(0x07, 0x0f); gr(0x08, 0xff);
    dac(0x00, 0, 0, 0);
    dac(0x01, 0, 0, 42);
    dac(0x2a, 63, 32, 0);
    dac(0xfe, 10, 50, 63);
    setb(0xa0000 + 5 * 320 + 10, 0x01);
    setb(0xa0000 + 199 * 320 + 319, 0x2a);
    setb(0xa0000 + 1, 0xfe);
    render();
    CHECK_EQ(pw, 320);
    CHECK_EQ(ph, 200);
    CHECK_EQ(at(10, 5), 0x0000aa);
    CHECK_EQ(at(11, 5), 0);
    CHECK_EQ(at(319, 199), 0xff8100);
    CHECK_EQ(at(1, 0), (10 * 255 / 63) << 16 | (50 * 255 / 63) << 8 | 0xff);
    CHECK_EQ(at(0, 0), 0);
    CHECK_EQ(memb(0xa0000 + 199 * 320 + 319), 0x2a);
    free(px);
    px = NULL;
}
