/* Text consoles drawn with the host's console font (see sdl-text.h):
 * light grey on black, the cursor as an underline. */
#include "ui/sdl-text.h"
#include "hw/core/util.h"
#include "ui/cp437.h"
#include "ui/psf.h"

#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>

#define FG 0xaaaaaa
#define BG 0x000000

static PsfFont font;
static int font_state;          /* 0 not tried, 1 loaded, -1 none */

static const char *const font_files[] = {
    "/usr/share/consolefonts/Lat15-Fixed16.psf.gz",
    "/usr/share/consolefonts/Uni2-Fixed16.psf.gz",
    "/usr/share/consolefonts/Lat15-VGA16.psf.gz",
    "/usr/share/consolefonts/default8x16.psfu.gz",
    "/usr/share/kbd/consolefonts/default8x16.psfu.gz",
    "/usr/share/kbd/consolefonts/lat0-16.psfu.gz",
};

static int load_font(const char *path)
{
    gzFile gz = gzopen(path, "rb");
    if (!gz)
        return -1;
    size_t cap = 1 << 16, len = 0;
    uint8_t *buf = xmalloc(cap);
    int n;
    while ((n = gzread(gz, buf + len, (unsigned)(cap - len))) > 0) {
        len += (size_t)n;
        if (len == cap && cap < (4u << 20))
            buf = xrealloc(buf, cap *= 2);
        else if (len == cap)
            break;
    }
    gzclose(gz);
    int r = psf_parse(&font, buf, len);
    free(buf);
    return r;
}

bool sdl_text_available(void)
{
    for (size_t i = 0; !font_state && i < ARRAY_SIZE(font_files); i++) {
        if (load_font(font_files[i]) == 0)
            font_state = 1;
    }
    if (!font_state)
        font_state = -1;
    return font_state > 0;
}

static void draw_cell(uint32_t *px, int stride, int x, int y, uint8_t c, bool cursor)
{
    const uint8_t *g = psf_glyph(&font, cp437_to_unicode[c]);
    for (int r = 0; r < font.height; r++) {
        uint8_t bits = g[r];
        if (cursor && r >= font.height - 2)
            bits = 0xff;
        uint32_t *row = px + (size_t)(y * font.height + r) * stride + x * 8;
        for (int b = 0; b < 8; b++)
            row[b] = bits & (0x80 >> b) ? FG : BG;
    }
}

uint32_t *sdl_text_render(const VcScreen *s, int *w, int *h)
{
    *w = VC_COLS * 8;
    *h = VC_ROWS * font.height;
    uint32_t *px = xmalloc((size_t)*w * *h * sizeof(uint32_t));
    for (int y = 0; y < VC_ROWS; y++) {
        for (int x = 0; x < VC_COLS; x++)
            draw_cell(px, *w, x, y, (uint8_t)s->cells[y * VC_COLS + x],
                      x == s->cursor_x && y == s->cursor_y);
    }
    return px;
}
