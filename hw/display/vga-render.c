/* The VGA's picture, rendered on demand: alphanumeric modes through the
 * font in plane 2 (with the cursor and blinking of vga-blink.c), the 16-colour planar and 256-colour chain-4 graphics
 * modes through the attribute palette and the DAC, and the VBE modes
 * (8 to 32 bits per pixel) from the linear framebuffer. */
#include "hw/display/vga-int.h"
#include "hw/core/graphic.h"
#include "hw/core/util.h"

#include <stdlib.h>
#include <string.h>

uint32_t vga_dac_rgb(const Vga *s, uint8_t index)
{
    const uint8_t *p = s->palette + index * 3;
    if (s->vbe[VBE_ENABLE] & VBE_8BIT_DAC)
        return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
    uint32_t r = (p[0] & 63) * 255 / 63, g = (p[1] & 63) * 255 / 63, b = (p[2] & 63) * 255 / 63;
    return r << 16 | g << 8 | b;
}

/* A 4-bit attribute through the attribute controller's palette. */
static uint32_t attr_rgb(const Vga *s, uint8_t color)
{
    uint8_t v = s->ar[color & 15] & 0x3f;
    uint8_t sel = s->ar[0x14];
    if (s->ar[0x10] & 0x80)
        v = (uint8_t)((v & 0x0f) | ((sel & 1 ? 1 : 0) << 4) | ((sel & 2 ? 1 : 0) << 5));
    v |= (uint8_t)((sel & 0x0c) << 4);
    return vga_dac_rgb(s, v);
}

static uint32_t font_base(const Vga *s)
{
    static const uint32_t base[8] = { 0, 0x4000, 0x8000, 0xc000, 0x2000, 0x6000, 0xa000, 0xe000 };
    uint8_t sr3 = s->sr[3];
    return base[((sr3 >> 2) & 3) | ((sr3 >> 3) & 4)];
}

int vga_height(const Vga *s)
{
    return (s->cr[0x12] | ((s->cr[0x07] & 0x02) << 7) | ((s->cr[0x07] & 0x40) << 3)) + 1;
}

static int render_text(const Vga *s, uint32_t **out, int *w, int *h)
{
    int cw = (s->sr[1] & 1) ? 8 : 9;
    int ch = (s->cr[0x09] & 0x1f) + 1;
    int cols = s->cr[0x01] + 1, rows = vga_height(s) / ch;
    if (rows <= 0 || rows > 100 || cols > 160)
        return -1;
    uint32_t stride = s->cr[0x13] * 2u;
    uint32_t start = (uint32_t)s->cr[0x0c] << 8 | s->cr[0x0d];
    const uint8_t *vram = s->vram.host;
    uint32_t font = font_base(s);
    *w = cols * cw;
    *h = rows * ch;
    uint32_t *px = xmalloc((size_t)*w * *h * sizeof(uint32_t));
    bool blink = s->ar[0x10] & 0x08, hidden = blink && !vga_char_blink_phase(s);
    VgaTextGeometry g = { cols, rows, cw, ch, start, stride, 0 };
    uint32_t cursor = ((uint32_t)s->cr[0x0e] << 8 | s->cr[0x0f]) * 2 * 4 % s->vram_size;
    g.cursor_rgb = attr_rgb(s, vram[cursor + 1] & 15);
    for (int r = 0; r < rows; r++) {
        for (int c = 0; c < cols; c++) {
            uint32_t cell = (start + r * stride + c) * 2 * 4 % s->vram_size;
            uint8_t code = vram[cell], attr = vram[cell + 1];
            uint32_t bg = attr_rgb(s, blink ? (attr >> 4) & 7 : attr >> 4);
            uint32_t fg = hidden && (attr & 0x80) ? bg : attr_rgb(s, attr & 15);
            for (int y = 0; y < ch; y++) {
                uint8_t bits = vram[(font + code * 32u + y) * 4 + 2];
                uint32_t *row = px + (size_t)(r * ch + y) * *w + c * cw;
                for (int x = 0; x < 8; x++)
                    row[x] = (bits & (0x80 >> x)) ? fg : bg;
                if (cw == 9)            /* line-graphics characters extend into column 9 */
                    row[8] = ((s->ar[0x10] & 0x04) && code >= 0xc0 && code <= 0xdf &&
                              (bits & 1)) ? fg : bg;
            }
        }
    }
    vga_draw_text_cursor(s, px, *w, &g);
    *out = px;
    return 0;
}

static int render_vga_graphics(const Vga *s, uint32_t **out, int *w, int *h)
{
    bool chain4 = s->sr[4] & 0x08;
    int width = (s->cr[0x01] + 1) * 8, height = vga_height(s);
    if (s->cr[0x09] & 0x80)
        height /= 2;                        /* double scan */
    else if (s->cr[0x09] & 0x1f)
        height /= (s->cr[0x09] & 0x1f) + 1;
    if (chain4)
        width /= 2;                         /* 256 colours: two clocks per pixel */
    if (width <= 0 || height <= 0 || width > 2048 || height > 2048)
        return -1;
    uint32_t stride = s->cr[0x13] * (chain4 ? 8u : 2u);
    uint32_t start = (uint32_t)s->cr[0x0c] << 8 | s->cr[0x0d];
    const uint8_t *vram = s->vram.host;
    uint32_t *px = xmalloc((size_t)width * height * sizeof(uint32_t));
    for (int y = 0; y < height; y++) {
        for (int x = 0; x < width; x++) {
            uint32_t c;
            if (chain4) {
                c = vga_dac_rgb(s, vram[(start * 4 + y * stride + x) % s->vram_size]);
            } else {
                uint32_t off = (start + y * stride + x / 8) * 4 % s->vram_size;
                uint8_t idx = 0;
                for (int p = 0; p < 4; p++)
                    idx |= (uint8_t)(((vram[off + p] >> (7 - x % 8)) & 1) << p);
                c = attr_rgb(s, idx);
            }
            px[(size_t)y * width + x] = c;
        }
    }
    *out = px;
    *w = width;
    *h = height;
    return 0;
}

uint32_t vga_pixel_rgb(const Vga *s, const uint8_t *src, int bpp)
{
    uint32_t v = src[0] | (bpp > 8 ? src[1] << 8 : 0);
    switch (bpp) {
    case 8:
        return vga_dac_rgb(s, src[0]);
    case 15:
        return ((v >> 10) & 31) * 255 / 31 << 16 | ((v >> 5) & 31) * 255 / 31 << 8 |
               (v & 31) * 255 / 31;
    case 16:
        return ((v >> 11) & 31) * 255 / 31 << 16 | ((v >> 5) & 63) * 255 / 63 << 8 |
               (v & 31) * 255 / 31;
    default:
        return (uint32_t)src[2] << 16 | (uint32_t)src[1] << 8 | src[0];
    }
}

/* The VBE mode's line pitch in video RAM, or 0 if it cannot be shown. */
static uint64_t vbe_stride(const Vga *s)
{
    int width = s->vbe[VBE_XRES], height = s->vbe[VBE_YRES], bpp = s->vbe[VBE_BPP];
    int bytes = bpp == 15 ? 2 : (bpp + 7) / 8;
    uint64_t stride = (uint64_t)s->vbe[VBE_VIRT_WIDTH] * bytes;
    if (!width || !height || bpp < 8 || s->vbe_start + stride * height > s->vram_size)
        return 0;
    return stride;
}

static void vbe_line(const Vga *s, uint32_t *dst, int y, uint64_t stride)
{
    int bpp = s->vbe[VBE_BPP], bytes = bpp == 15 ? 2 : (bpp + 7) / 8;
    const uint8_t *src = s->vram.host + s->vbe_start + y * stride;
    for (int x = 0; x < s->vbe[VBE_XRES]; x++, src += bytes)
        dst[x] = vga_pixel_rgb(s, src, bpp);
}

static int render_vbe(const Vga *s, uint32_t **out, int *w, int *h)
{
    int width = s->vbe[VBE_XRES], height = s->vbe[VBE_YRES];
    uint64_t stride = vbe_stride(s);
    if (!stride)
        return -1;
    uint32_t *px = xmalloc((size_t)width * height * sizeof(uint32_t));
    for (int y = 0; y < height; y++)
        vbe_line(s, px + (size_t)y * width, y, stride);
    *out = px;
    *w = width;
    *h = height;
    return 0;
}

/* Only the VBE modes of the std VGA and bochs-display redraw lines. */
int vga_render_lines(Vga *s, uint32_t *px, int w, int h, const uint8_t *lines)
{
    uint64_t stride = vbe_stride(s);
    if (s->ext && s->ext->untracked(s))
        return s->ext->render_lines ? s->ext->render_lines(s, px, w, h, lines) : -1;
    if (!(s->vbe[VBE_ENABLE] & VBE_ENABLED) || !stride ||
        w != s->vbe[VBE_XRES] || h != s->vbe[VBE_YRES])
        return -1;
    for (int y = 0; y < h; y++) {
        if (lines[y])
            vbe_line(s, px + (size_t)y * w, y, stride);
    }
    return 0;
}

static bool never_programmed(const Vga *s)
{
    return !(s->ar_index & 0x20) && !(s->sr[1] & 0x20) && s->cr[0x01] == 0;
}

int vga_render(Vga *s, uint32_t **out, int *w, int *h)
{
    int r = s->ext ? s->ext->render(s, out, w, h) : 1;
    if (r != 1)
        return r;
    if (s->vbe[VBE_ENABLE] & VBE_ENABLED)
        return render_vbe(s, out, w, h);
    if (never_programmed(s))
        return -1;
    if (!(s->gr[6] & 1))
        return render_text(s, out, w, h);
    return render_vga_graphics(s, out, w, h);
}

int vga_text(Vga *s, GraphicText *t)
{
    if ((s->vbe[VBE_ENABLE] & VBE_ENABLED) || (s->gr[6] & 1))
        return 1;
    if (never_programmed(s))
        return -1;
    int ch = (s->cr[0x09] & 0x1f) + 1;
    int cols = s->cr[0x01] + 1, rows = vga_height(s) / ch;
    if (rows <= 0 || rows > 100 || cols > 160)
        return -1;
    uint32_t stride = s->cr[0x13] * 2u;
    uint32_t start = (uint32_t)s->cr[0x0c] << 8 | s->cr[0x0d];
    const uint8_t *vram = s->vram.host;
    t->cols = cols;
    t->rows = rows;
    t->cells = xmalloc((size_t)cols * rows * sizeof(uint16_t));
    for (int r = 0; r < rows; r++) {
        for (int c = 0; c < cols; c++) {
            uint32_t cell = (start + r * stride + c) * 2 * 4 % s->vram_size;
            t->cells[r * cols + c] = (uint16_t)(vram[cell] | vram[cell + 1] << 8);
        }
    }
    uint32_t cursor = ((uint32_t)s->cr[0x0e] << 8 | s->cr[0x0f]) - start;
    t->cursor_on = !(s->cr[0x0a] & 0x20) && stride && cursor / stride < (uint32_t)rows &&
                   cursor % stride < (uint32_t)cols;
    t->cursor_x = stride ? (int)(cursor % stride) : 0;
    t->cursor_y = stride ? (int)(cursor / stride) : 0;
    return 0;
}
