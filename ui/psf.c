/* PSF font parsing (see psf.h): PSF 1 (magic 36 04, 256 or 512 glyphs of
 * 8 x charsize, UCS-2 table) and PSF 2 (magic 72 b5 4a 86, a header
 * giving the glyph count and size, UTF-8 table).  Every length is checked:
 * a font file is input like any other. */
#include "ui/psf.h"
#include "hw/core/util.h"

#include <stdlib.h>
#include <string.h>

static uint32_t le32(const uint8_t *p)
{
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void map_set(PsfFont *f, uint32_t cp, int glyph)
{
    if (cp < 0x10000 && !f->map[cp])
        f->map[cp] = (uint16_t)(glyph + 1);
}

static void table_psf1(PsfFont *f, const uint8_t *p, const uint8_t *end)
{
    for (int g = 0; g < f->nglyphs && p + 2 <= end; p += 2) {
        uint16_t v = (uint16_t)(p[0] | p[1] << 8);
        if (v == 0xffff)
            g++;
        else if (v != 0xfffe)
            map_set(f, v, g);
    }
}

/* One UTF-8 character at p (p < end); its length in *n, 0 on a bad byte. */
static uint32_t utf8_next(const uint8_t *p, const uint8_t *end, size_t *n)
{
    int len = p[0] < 0x80 ? 1 : (p[0] & 0xe0) == 0xc0 ? 2 : (p[0] & 0xf0) == 0xe0 ? 3 :
              (p[0] & 0xf8) == 0xf0 ? 4 : 0;
    if (!len || p + len > end) {
        *n = 0;
        return 0;
    }
    uint32_t cp = len == 1 ? p[0] : (uint32_t)(p[0] & (0x7f >> len));
    for (int i = 1; i < len; i++)
        cp = cp << 6 | (p[i] & 0x3f);
    *n = (size_t)len;
    return cp;
}

static void table_psf2(PsfFont *f, const uint8_t *p, const uint8_t *end)
{
    int g = 0;
    bool sequence = false;
    while (p < end && g < f->nglyphs) {
        if (*p == 0xff) {
            g++, p++;
            sequence = false;
        } else if (*p == 0xfe) {
            sequence = true, p++;       /* combining sequences: not used */
        } else {
            size_t n;
            uint32_t cp = utf8_next(p, end, &n);
            if (!n)
                return;
            if (!sequence)
                map_set(f, cp, g);
            p += n;
        }
    }
}

static int parse_psf1(PsfFont *f, const uint8_t *d, size_t len)
{
    f->nglyphs = d[2] & 1 ? 512 : 256;
    f->height = d[3];
    size_t size = (size_t)f->nglyphs * f->height;
    if (!f->height || 4 + size > len)
        return -1;
    f->glyphs = xmalloc(size);
    memcpy(f->glyphs, d + 4, size);
    if (d[2] & 2)
        table_psf1(f, d + 4 + size, d + len);
    return 0;
}

static int parse_psf2(PsfFont *f, const uint8_t *d, size_t len)
{
    if (len < 32)
        return -1;
    uint32_t hdr = le32(d + 8), flags = le32(d + 12), n = le32(d + 16);
    uint32_t charsize = le32(d + 20), height = le32(d + 24), width = le32(d + 28);
    if (width != 8 || charsize != height || !height || height > 64 || n > 4096 ||
        hdr > len || (uint64_t)n * charsize > len - hdr)
        return -1;
    f->nglyphs = (int)n;
    f->height = (int)height;
    f->glyphs = xmalloc((size_t)n * charsize);
    memcpy(f->glyphs, d + hdr, (size_t)n * charsize);
    if (flags & 1)
        table_psf2(f, d + hdr + (size_t)n * charsize, d + len);
    return 0;
}

int psf_parse(PsfFont *f, const uint8_t *data, size_t len)
{
    memset(f->map, 0, sizeof(f->map));
    f->glyphs = NULL;
    int r = -1;
    if (len >= 4 && data[0] == 0x36 && data[1] == 0x04)
        r = parse_psf1(f, data, len);
    else if (len >= 4 && le32(data) == 0x864ab572)
        r = parse_psf2(f, data, len);
    if (r == 0) {
        bool any = false;
        for (size_t i = 0; i < 0x10000 && !any; i++)
            any = f->map[i] != 0;
        for (int c = 0; !any && c < 256 && c < f->nglyphs; c++)
            f->map[c] = (uint16_t)(c + 1);      /* no table: glyph = code */
    }
    return r;
}

const uint8_t *psf_glyph(const PsfFont *f, uint32_t unicode)
{
    static const uint8_t blank[64];
    uint16_t g = unicode < 0x10000 ? f->map[unicode] : 0;
    if (!g)
        g = f->map['?'];
    return g ? f->glyphs + (size_t)(g - 1) * f->height : blank;
}

void psf_free(PsfFont *f)
{
    free(f->glyphs);
    f->glyphs = NULL;
}
