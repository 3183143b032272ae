/* The std VGA's alphanumeric picture: the cursor (CR0A-CR0F) drawn in its
 * cell's foreground colour on its scan lines, and blinking (the cursor,
 * and characters with attribute bit 7 when AR10 bit 3 is on) on the
 * guest's clock: the picture changes with the phase, stands still while
 * the clock does, and costs nothing when nothing blinks. */
#include "tests/unit/harness.h"
#include "tests/unit/unit.h"
#include "hw/core/clock.h"
#include "hw/core/graphic.h"
#include "hw/display/vga-int.h"

#include <stdlib.h>

#define MS 1000000LL
#define GREY 0xaaaaaa

static Vga *vga;

static void cr(uint8_t i, uint8_t v) { outb(0x3d4, i); outb(0x3d5, v); }
static void ar(uint8_t i, uint8_t v) { inb(0x3da); outb(0x3c0, i); outb(0x3c0, v); }

/* 80x25 text, 9x16 cells; DAC 7 grey; 'A' (0x41) a glyph with line 3 lit. */
static void text_mode(void)
{
    harness_init();
    vga = (Vga *)harness_device("VGA", NULL);
    REQUIRE(vga, "no VGA");
    clock_set_manual(true);
    outb(0x3c2, 0x01);
    outb(0x3c4, 0x01); outb(0x3c5, 0x00);               /* 9-dot characters */
    outb(0x3ce, 0x06); outb(0x3cf, 0x0e);               /* text */
    cr(0x11, 0x00);
    cr(0x01, 79);
    cr(0x09, 15);
    cr(0x12, 399 & 0xff);
    cr(0x07, 0x02);
    cr(0x13, 40);
    for (uint8_t i = 0; i < 16; i++)
        ar(i, i);
    ar(0x10, 0x00);
    outb(0x3c0, 0x20);                                  /* palette address source: on */
    outb(0x3c8, 7);
    outb(0x3c9, 42); outb(0x3c9, 42); outb(0x3c9, 42);
    for (int c = 0; c < 80 * 25; c++) {
        vga->vram.host[c * 8] = ' ';
        vga->vram.host[c * 8 + 1] = 0x07;
    }
    vga->vram.host[(0x41 * 32 + 3) * 4 + 2] = 0xff;
}

static uint32_t pixel(int x, int y)
{
    uint32_t *px;
    int w, h;
    REQUIRE(graphic_hw_render(&px, &w, &h) == 0, "no picture");
    REQUIRE(w == 720 && h == 400, "not 720x400");
    uint32_t v = px[y * w + x];
    free(px);
    return v;
}

TEST(vga_text, cursor_blinks_on_the_guest_clock)
{
    text_mode();
    cr(0x0e, 0); cr(0x0f, 81);                          /* row 1, column 1 */
    cr(0x0a, 14); cr(0x0b, 15);                         /* an underline */
    CHECK_EQ(pixel(9 + 4, 16 + 14), GREY);
    CHECK_EQ(pixel(9 + 4, 16 + 13), 0);
    CHECK_EQ(pixel(9 + 4, 14), 0);                      /* not in the cell above */
    uint64_t g = graphic_hw_generation();
    CHECK_EQ(graphic_hw_generation(), g);               /* the clock stands: no change */
    clock_step(300 * MS);                               /* the off half */
    CHECK(graphic_hw_generation() != g);
    uint8_t lines[400];
    CHECK(!graphic_hw_changed_lines(lines, 400));       /* a display redraws it */
    CHECK_EQ(pixel(9 + 4, 16 + 14), 0);
    clock_step(266 * MS);
    CHECK_EQ(pixel(9 + 4, 16 + 14), GREY);
    cr(0x0a, 0x20 | 14);                                /* cursor off */
    g = graphic_hw_generation();
    clock_step(300 * MS);
    CHECK_EQ(graphic_hw_generation(), g);               /* nothing blinks: nothing to do */
    CHECK_EQ(pixel(9 + 4, 16 + 14), 0);
}

TEST(vga_text, blinking_characters)
{
    text_mode();
    cr(0x0a, 0x20);
    vga->vram.host[0] = 0x41;
    vga->vram.host[1] = 0x87;                           /* blinking grey */
    CHECK_EQ(pixel(2, 3), GREY);                        /* blink off: bit 7 is intensity */
    ar(0x10, 0x08);
    outb(0x3c0, 0x20);
    CHECK_EQ(pixel(2, 3), GREY);                        /* shown half */
    clock_step(540 * MS);
    CHECK_EQ(pixel(2, 3), 0);                           /* hidden half */
    clock_step(540 * MS);
    CHECK_EQ(pixel(2, 3), GREY);
}
