/* Framebuffer updates: per-client dirty tiles turned into rectangles in
 * the client's pixel format and its preferred encoding (Raw, Hextile,
 * ZRLE), plus the DesktopSize, Cursor and QEMU extended-key pseudo
 * rectangles. */
#include "ui/vnc-int.h"
#include "hw/core/util.h"

#include <stdlib.h>
#include <string.h>

#define ZRLE_TILE 64
#define MAX_RECTS 4096

typedef struct Rect {
    int x, y, w, h;
} Rect;

void vnc_set_default_pf(VncPixelFormat *pf)
{
    *pf = (VncPixelFormat){ .bpp = 32, .depth = 24, .big_endian = 0, .true_colour = 1,
                            .max = { 255, 255, 255 }, .shift = { 16, 8, 0 } };
}

void vnc_write_pf(VncClient *c, const VncPixelFormat *pf)
{
    uint8_t b[16] = { pf->bpp, pf->depth, pf->big_endian, pf->true_colour };
    for (int i = 0; i < 3; i++) {
        b[4 + 2 * i] = (uint8_t)(pf->max[i] >> 8);
        b[5 + 2 * i] = (uint8_t)pf->max[i];
        b[10 + i] = pf->shift[i];
    }
    vnc_write(c, b, sizeof(b));
}

/* --- pixels in the client's format --- */

static uint32_t pf_value(const VncPixelFormat *pf, uint32_t rgb)
{
    uint32_t comp[3] = { (rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff };
    uint32_t v = 0;
    for (int i = 0; i < 3; i++)
        v |= (comp[i] * pf->max[i] + 127) / 255 << pf->shift[i];
    return v;
}

/* The pixel's bytes as the client reads them; returns how many. */
static int pf_bytes(const VncPixelFormat *pf, uint32_t v, uint8_t *out)
{
    int n = pf->bpp / 8;
    for (int i = 0; i < n; i++) {
        int shift = pf->big_endian ? 8 * (n - 1 - i) : 8 * i;
        out[i] = (uint8_t)(v >> shift);
    }
    return n;
}

static void put_pixel(VncClient *c, uint32_t rgb)
{
    uint8_t b[4];
    vnc_write(c, b, (size_t)pf_bytes(&c->pf, pf_value(&c->pf, rgb), b));
}

/* --- dirty tiles --- */

void vnc_client_set_size(VncClient *c, int w, int h)
{
    if (c->fb_w && (w != c->fb_w || h != c->fb_h)) {
        if (!c->want_resize)
            return;                     /* the client keeps its size; clipped */
        c->resize_pending = true;
    }
    c->fb_w = w;
    c->fb_h = h;
    c->tiles_w = (w + VNC_TILE - 1) / VNC_TILE;
    c->tiles_h = (h + VNC_TILE - 1) / VNC_TILE;
    free(c->dirty);
    c->dirty = xmalloc((size_t)c->tiles_w * c->tiles_h + 1);
    memset(c->dirty, 1, (size_t)c->tiles_w * c->tiles_h + 1);
}

void vnc_mark_dirty(VncClient *c, int x, int y, int w, int h)
{
    if (w <= 0 || h <= 0 || !c->dirty)
        return;
    int tx0 = x / VNC_TILE, ty0 = y / VNC_TILE;
    int tx1 = MIN((x + w - 1) / VNC_TILE, c->tiles_w - 1);
    int ty1 = MIN((y + h - 1) / VNC_TILE, c->tiles_h - 1);
    for (int ty = ty0; ty <= ty1; ty++) {
        for (int tx = tx0; tx <= tx1; tx++)
            c->dirty[ty * c->tiles_w + tx] = 1;
    }
}

/* What the client holds moves with the picture: a tile it has stale
 * stays stale at its new place.  Past VNC_MAX_COPIES waiting, the band is
 * sent again instead. */
void vnc_scroll(VncClient *c, int src_y, int dst_y, int h)
{
    const DisplaySurface *s = console_surface();
    if (!c->want_copyrect || c->ncopies == VNC_MAX_COPIES || c->fb_w != s->w ||
        c->fb_h != s->h || (src_y | dst_y | h) % VNC_TILE || !c->dirty) {
        vnc_mark_dirty(c, 0, dst_y, c->fb_w, h);
        return;
    }
    for (int t = 0; t < h / VNC_TILE; t++)
        memcpy(c->dirty + (dst_y / VNC_TILE + t) * c->tiles_w,
               c->dirty + (src_y / VNC_TILE + t) * c->tiles_w, (size_t)c->tiles_w);
    c->copies[c->ncopies].src_y = src_y;
    c->copies[c->ncopies].dst_y = dst_y;
    c->copies[c->ncopies++].h = h;
}

/* Runs of dirty tiles per tile row, clipped to what both the client and
 * the surface have; the tiles are clean afterwards. */
static int collect_rects(VncClient *c, const DisplaySurface *s, Rect *rects, int max)
{
    int n = 0, w = MIN(c->fb_w, s->w), h = MIN(c->fb_h, s->h);
    for (int ty = 0; ty < c->tiles_h && n < max; ty++) {
        for (int tx = 0; tx < c->tiles_w && n < max; tx++) {
            uint8_t *d = &c->dirty[ty * c->tiles_w + tx];
            if (!*d)
                continue;
            int start = tx;
            while (tx < c->tiles_w && c->dirty[ty * c->tiles_w + tx])
                c->dirty[ty * c->tiles_w + tx++] = 0;
            Rect r = { start * VNC_TILE, ty * VNC_TILE, (tx - start) * VNC_TILE, VNC_TILE };
            r.w = MIN(r.w, w - r.x);
            r.h = MIN(r.h, h - r.y);
            if (r.w > 0 && r.h > 0)
                rects[n++] = r;
        }
    }
    return n;
}

static void rect_header(VncClient *c, int x, int y, int w, int h, int32_t enc)
{
    vnc_write_u16(c, (uint16_t)x);
    vnc_write_u16(c, (uint16_t)y);
    vnc_write_u16(c, (uint16_t)w);
    vnc_write_u16(c, (uint16_t)h);
    vnc_write_s32(c, enc);
}

/* --- Raw --- */

static void send_raw(VncClient *c, const DisplaySurface *s, const Rect *r)
{
    size_t bpp = c->pf.bpp / 8;
    uint8_t *buf = xmalloc((size_t)r->w * bpp);
    for (int y = r->y; y < r->y + r->h; y++) {
        const uint32_t *row = s->px + (size_t)y * s->w + r->x;
        uint8_t *p = buf;
        for (int x = 0; x < r->w; x++)
            p += pf_bytes(&c->pf, pf_value(&c->pf, row[x]), p);
        vnc_write(c, buf, (size_t)r->w * bpp);
    }
    free(buf);
}

/* --- Hextile --- */

/* The tile's colours: 1 or 2 (bg the first, fg the other), or 3 = more. */
static int tile_colours(const DisplaySurface *s, const Rect *t, uint32_t *bg, uint32_t *fg)
{
    int n = 1;
    *bg = s->px[(size_t)t->y * s->w + t->x];
    for (int y = t->y; y < t->y + t->h; y++) {
        for (int x = t->x; x < t->x + t->w; x++) {
            uint32_t p = s->px[(size_t)y * s->w + x];
            if (p == *bg || (n == 2 && p == *fg))
                continue;
            if (n == 2)
                return 3;
            *fg = p;
            n = 2;
        }
    }
    return n;
}

/* Foreground runs of one row each; count, or -1 past 255. */
static int hextile_subrects(const DisplaySurface *s, const Rect *t, uint32_t fg, uint8_t *out)
{
    int n = 0;
    for (int y = 0; y < t->h; y++) {
        const uint32_t *row = s->px + (size_t)(t->y + y) * s->w + t->x;
        for (int x = 0; x < t->w; x++) {
            if (row[x] != fg)
                continue;
            int start = x;
            while (x < t->w && row[x] == fg)
                x++;
            if (n == 255)
                return -1;
            out[2 * n] = (uint8_t)(start << 4 | y);
            out[2 * n + 1] = (uint8_t)((x - start - 1) << 4);
            n++;
        }
    }
    return n;
}

static void hextile_tile(VncClient *c, const DisplaySurface *s, const Rect *t)
{
    uint32_t bg, fg = 0;
    uint8_t sub[512];
    int colours = tile_colours(s, t, &bg, &fg);
    int n = colours == 2 ? hextile_subrects(s, t, fg, sub) : -1;
    size_t bpp = c->pf.bpp / 8;
    if (colours == 1) {
        vnc_write_u8(c, 0x02);                  /* BackgroundSpecified */
        put_pixel(c, bg);
    } else if (n >= 0 && 2 * bpp + 1 + 2 * (size_t)n < (size_t)t->w * t->h * bpp) {
        vnc_write_u8(c, 0x02 | 0x04 | 0x08);    /* + ForegroundSpecified, AnySubrects */
        put_pixel(c, bg);
        put_pixel(c, fg);
        vnc_write_u8(c, (uint8_t)n);
        vnc_write(c, sub, 2 * (size_t)n);
    } else {
        vnc_write_u8(c, 0x01);                  /* Raw */
        send_raw(c, s, t);
    }
}

static void send_hextile(VncClient *c, const DisplaySurface *s, const Rect *r)
{
    for (int y = r->y; y < r->y + r->h; y += 16) {
        for (int x = r->x; x < r->x + r->w; x += 16) {
            Rect t = { x, y, MIN(16, r->x + r->w - x), MIN(16, r->y + r->h - y) };
            hextile_tile(c, s, &t);
        }
    }
}

/* --- ZRLE --- */

typedef struct ZBuf {
    uint8_t *data;
    size_t len, cap;
} ZBuf;

static void zb_put(ZBuf *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = MAX(b->cap * 2, b->len + n + 4096);
        b->data = xrealloc(b->data, b->cap);
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

/* CPIXEL: three bytes when a 32-bit true colour pixel's colours fit in
 * three of them. */
static int cpixel_bytes(const VncPixelFormat *pf, uint32_t v, uint8_t *out)
{
    uint8_t full[4];
    int n = pf_bytes(pf, v, full);
    uint32_t all = pf_value(pf, 0xffffff);
    if (pf->bpp != 32 || pf->depth > 24) {
        memcpy(out, full, (size_t)n);
        return n;
    }
    bool low = !(all & 0xff000000u);
    int first = low == !pf->big_endian ? 0 : 1;
    memcpy(out, full + first, 3);
    return 3;
}

static void zb_cpixel(ZBuf *b, const VncPixelFormat *pf, uint32_t rgb)
{
    uint8_t px[4];
    zb_put(b, px, (size_t)cpixel_bytes(pf, pf_value(pf, rgb), px));
}

static int zrle_palette(const DisplaySurface *s, const Rect *t, uint32_t *pal)
{
    int n = 0;
    for (int y = t->y; y < t->y + t->h; y++) {
        for (int x = t->x; x < t->x + t->w; x++) {
            uint32_t p = s->px[(size_t)y * s->w + x];
            int i = 0;
            while (i < n && pal[i] != p)
                i++;
            if (i < n)
                continue;
            if (n == 16)
                return 17;
            pal[n++] = p;
        }
    }
    return n;
}

static void zrle_packed(ZBuf *b, const DisplaySurface *s, const Rect *t, const uint32_t *pal,
                        int n)
{
    int bits = n <= 2 ? 1 : n <= 4 ? 2 : 4;
    for (int y = t->y; y < t->y + t->h; y++) {
        uint8_t acc = 0;
        int used = 0;
        for (int x = t->x; x < t->x + t->w; x++) {
            uint32_t p = s->px[(size_t)y * s->w + x];
            int i = 0;
            while (pal[i] != p)
                i++;
            acc = (uint8_t)(acc | i << (8 - bits - used));
            used += bits;
            if (used == 8) {
                zb_put(b, &acc, 1);
                acc = 0;
                used = 0;
            }
        }
        if (used)
            zb_put(b, &acc, 1);
    }
}

static void zrle_tile(ZBuf *b, const VncPixelFormat *pf, const DisplaySurface *s, const Rect *t)
{
    uint32_t pal[16];
    int n = zrle_palette(s, t, pal);
    uint8_t sub = n <= 16 ? (uint8_t)n : 0;
    zb_put(b, &sub, 1);
    if (n <= 16) {
        for (int i = 0; i < n; i++)
            zb_cpixel(b, pf, pal[i]);
        if (n > 1)
            zrle_packed(b, s, t, pal, n);
        return;
    }
    for (int y = t->y; y < t->y + t->h; y++) {
        for (int x = t->x; x < t->x + t->w; x++)
            zb_cpixel(b, pf, s->px[(size_t)y * s->w + x]);
    }
}

static int zrle_deflate(VncClient *c, const ZBuf *in, ZBuf *out)
{
    if (!c->zrle_init) {
        if (deflateInit(&c->zrle, 1) != Z_OK)
            return -1;
        c->zrle_init = true;
    }
    c->zrle.next_in = in->data;
    c->zrle.avail_in = (uInt)in->len;
    do {
        uint8_t chunk[16384];
        c->zrle.next_out = chunk;
        c->zrle.avail_out = sizeof(chunk);
        if (deflate(&c->zrle, Z_SYNC_FLUSH) == Z_STREAM_ERROR)
            return -1;
        zb_put(out, chunk, sizeof(chunk) - c->zrle.avail_out);
    } while (c->zrle.avail_out == 0);
    return 0;
}

static void send_zrle(VncClient *c, const DisplaySurface *s, const Rect *r)
{
    ZBuf raw = { 0 }, z = { 0 };
    for (int y = r->y; y < r->y + r->h; y += ZRLE_TILE) {
        for (int x = r->x; x < r->x + r->w; x += ZRLE_TILE) {
            Rect t = { x, y, MIN(ZRLE_TILE, r->x + r->w - x), MIN(ZRLE_TILE, r->y + r->h - y) };
            zrle_tile(&raw, &c->pf, s, &t);
        }
    }
    if (zrle_deflate(c, &raw, &z)) {
        vnc_client_close(c, "zlib failed");
    } else {
        vnc_write_u32(c, (uint32_t)z.len);
        vnc_write(c, z.data, z.len);
    }
    free(raw.data);
    free(z.data);
}

void vnc_encoder_free(VncClient *c)
{
    if (c->zrle_init)
        deflateEnd(&c->zrle);
    c->zrle_init = false;
}

/* --- the update --- */

/* A small dot, as VNC viewers show for a guest that draws its own
 * pointer (the PS/2 mouse is relative: the guest's pointer is the one). */
static void send_cursor(VncClient *c)
{
    rect_header(c, 0, 0, 1, 1, ENC_CURSOR);
    put_pixel(c, 0x000000);
    vnc_write_u8(c, 0x00);              /* mask: transparent */
    c->cursor_sent = true;
}

static int pseudo_rects(const VncClient *c)
{
    return (c->resize_pending && c->want_resize) + (c->want_cursor && !c->cursor_sent) +
           (c->want_ext_key && !c->ext_key_sent) + (c->resize_pending ? 0 : c->ncopies);
}

void vnc_send_update(VncClient *c)
{
    const DisplaySurface *s = console_surface();
    static Rect rects[MAX_RECTS];
    if (c->state != VNC_NORMAL || !c->update_requested || !c->dirty)
        return;
    int pseudo = pseudo_rects(c);
    int n = collect_rects(c, s, rects, MAX_RECTS);
    if (!n && !pseudo)
        return;
    c->update_requested = false;
    vnc_write_u8(c, 0);                 /* FramebufferUpdate */
    vnc_write_u8(c, 0);
    vnc_write_u16(c, (uint16_t)(n + pseudo));
    if (c->resize_pending && c->want_resize)
        rect_header(c, 0, 0, c->fb_w, c->fb_h, ENC_DESKTOP_SIZE);
    if (c->want_ext_key && !c->ext_key_sent) {
        rect_header(c, 0, 0, 0, 0, ENC_EXT_KEY_EVENT);
        c->ext_key_sent = true;
    }
    if (c->want_cursor && !c->cursor_sent)
        send_cursor(c);
    for (int i = 0; i < c->ncopies && !c->resize_pending; i++) {
        rect_header(c, 0, c->copies[i].dst_y, c->fb_w, c->copies[i].h, ENC_COPYRECT);
        vnc_write_u16(c, 0);
        vnc_write_u16(c, (uint16_t)c->copies[i].src_y);
    }
    c->ncopies = 0;
    c->resize_pending = false;
    for (int i = 0; i < n; i++) {
        rect_header(c, rects[i].x, rects[i].y, rects[i].w, rects[i].h, c->encoding);
        if (c->encoding == ENC_ZRLE)
            send_zrle(c, s, &rects[i]);
        else if (c->encoding == ENC_HEXTILE)
            send_hextile(c, s, &rects[i]);
        else
            send_raw(c, s, &rects[i]);
    }
}
