/* The CL-GD5446's extended (SR7 bit 0) modes on screen: 8 bits per pixel
 * through the DAC, 15/16 (the hidden DAC register chooses), 24 and 32 bits
 * direct colour, from the start address and pitch the CRT controller's
 * extension bits (CR1B, CR1D) widen; then the 32x32 or 64x64 hardware
 * cursor on top, in the colours of the DAC's extra entries 0 and 15.  A
 * frame that would run past video RAM is blank.  Between two looks only
 * the lines the dirty log names are drawn again (cirrus_render_lines). */
#include "hw/display/cirrus-int.h"
#include "hw/core/util.h"

#include <stdlib.h>

int cirrus_bpp(const Cirrus *c)
{
    if (!(c->sr[0x07] & 0x01))
        return 0;
    switch (c->sr[0x07] & 0x0e) {
    case 0x00: return 8;
    case 0x02:
    case 0x06: return (c->hidden_dac & 0x0f) == 0x01 ? 16 : (c->hidden_dac & 0x0f) ? 0 : 15;
    case 0x04: return 24;
    case 0x08: return 32;
    default:   return 0;
    }
}

static uint32_t start_address(const Cirrus *c)
{
    const uint8_t *cr = c->vga.cr;
    uint32_t a = cr[0x0d] | cr[0x0c] << 8 | (c->cr[0x1b] & 0x01) << 16 |
                 (uint32_t)(c->cr[0x1b] & 0x0c) << 15 | (uint32_t)(c->cr[0x1d] & 0x80) << 12;
    return a * 4;
}

static uint32_t line_pitch(const Cirrus *c)
{
    return (uint32_t)(c->vga.cr[0x13] | (c->cr[0x1b] & 0x10) << 4) << 3;
}

/* Cursor pixel (px, py): 0 transparent, 1 inverted, 2 background,
 * 3 foreground colour; the pattern sits in the last 16 KiB of VRAM. */
static int cursor_pixel(const Cirrus *c, int px, int py)
{
    bool big = c->sr[0x12] & 0x04;
    uint32_t base = c->vga.vram_size - 16384 + (c->sr[0x13] & (big ? 0x3c : 0x3f)) * 256u;
    const uint8_t *p0 = c->vga.vram.host + base + (big ? py * 16 : py * 4);
    const uint8_t *p1 = p0 + (big ? 8 : 128);
    int bit = 7 - (px & 7);
    return ((p0[px >> 3] >> bit) & 1) | ((p1[px >> 3] >> bit) & 1) << 1;
}

/* Entry 0 (background) or 15 (foreground) of the cursor's palette. */
static uint32_t cursor_rgb(const Cirrus *c, int entry)
{
    const uint8_t *p = c->cursor_palette + entry * 3;
    return (uint32_t)((p[0] & 63) * 255 / 63) << 16 | (uint32_t)((p[1] & 63) * 255 / 63) << 8 |
           (uint32_t)((p[2] & 63) * 255 / 63);
}

/* The cursor over the picture's lines (only the flagged ones, when lines
 * is not NULL: the others still show it from before). */
static void draw_cursor(const Cirrus *c, uint32_t *px, int w, int h, const uint8_t *lines)
{
    int size = c->sr[0x12] & 0x04 ? 64 : 32;
    uint32_t bg = cursor_rgb(c, 0), fg = cursor_rgb(c, 15);
    if (!(c->sr[0x12] & 0x01))
        return;
    for (int y = 0; y < size && c->cursor_y + y < h; y++) {
        if (lines && !lines[c->cursor_y + y])
            continue;
        for (int x = 0; x < size && c->cursor_x + x < w; x++) {
            uint32_t *d = px + (size_t)(c->cursor_y + y) * w + c->cursor_x + x;
            switch (cursor_pixel(c, x, y)) {
            case 1: *d ^= 0xffffff; break;
            case 2: *d = bg; break;
            case 3: *d = fg; break;
            }
        }
    }
}

int cirrus_visible(Vga *s, uint32_t range[][2], uint32_t *pitch_out)
{
    Cirrus *c = (Cirrus *)s;
    int bytes = (cirrus_bpp(c) + 7) / 8, width = (s->cr[0x01] + 1) * 8, height = vga_height(s);
    uint32_t start = start_address(c), pitch = line_pitch(c);
    uint64_t len = (uint64_t)pitch * (height > 0 ? height - 1 : 0) + (uint64_t)width * bytes;
    if (!bytes || height <= 0 || start >= s->vram_size)
        return 0;
    range[0][0] = start;
    range[0][1] = (uint32_t)(len < s->vram_size - start ? len : s->vram_size - start);
    range[1][0] = s->vram_size - 16384;             /* the cursor's patterns */
    range[1][1] = 16384;
    *pitch_out = pitch;
    return 2;
}

typedef struct Frame {
    int bpp, width, height;
    uint32_t start, pitch;
} Frame;

/* The extended mode's frame, false when it is not one to show (too big
 * or running past video RAM). */
static bool frame_of(const Cirrus *c, Frame *f)
{
    const Vga *s = &c->vga;
    *f = (Frame){ cirrus_bpp(c), (s->cr[0x01] + 1) * 8, vga_height(s), start_address(c),
                  line_pitch(c) };
    return f->bpp && f->width <= 2048 && f->height <= 2048 &&
           f->start + (uint64_t)f->pitch * (f->height - 1) +
           (uint64_t)f->width * ((f->bpp + 7) / 8) <= s->vram_size;
}

static void draw_line(const Cirrus *c, const Frame *f, uint32_t *px, int y)
{
    int bytes = (f->bpp + 7) / 8;
    const uint8_t *src = c->vga.vram.host + f->start + (size_t)y * f->pitch;
    uint32_t *dst = px + (size_t)y * f->width;
    for (int x = 0; x < f->width; x++, src += bytes)
        dst[x] = vga_pixel_rgb(&c->vga, src, f->bpp);
}

int cirrus_render(Vga *s, uint32_t **out, int *w, int *h)
{
    Cirrus *c = (Cirrus *)s;
    Frame f;
    if (!(c->sr[0x07] & 0x01))
        return 1;
    if (!frame_of(c, &f))
        return -1;
    uint32_t *px = xmalloc((size_t)f.width * f.height * sizeof(uint32_t));
    for (int y = 0; y < f.height; y++)
        draw_line(c, &f, px, y);
    draw_cursor(c, px, f.width, f.height, NULL);
    *out = px;
    *w = f.width;
    *h = f.height;
    return 0;
}

int cirrus_render_lines(Vga *s, uint32_t *px, int w, int h, const uint8_t *lines)
{
    Cirrus *c = (Cirrus *)s;
    Frame f;
    if (!(c->sr[0x07] & 0x01) || !frame_of(c, &f) || w != f.width || h != f.height)
        return -1;
    for (int y = 0; y < h; y++) {
        if (lines[y])
            draw_line(c, &f, px, y);
    }
    draw_cursor(c, px, w, h, lines);
    return 0;
}
