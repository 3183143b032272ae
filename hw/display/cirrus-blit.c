/* The CL-GD5446 BitBLT engine (GR20-GR3F, also at BAR 1 + 0x100): copies,
 * pattern fills and colour expansion through one of the sixteen ROPs,
 * from video memory or from the CPU (system-to-screen, fed a line at a
 * time through the 0xa0000 window or BAR 0), and screen-to-system copies
 * the CPU reads back through the same apertures.
 *
 * Every rectangle a blit reads or writes (start, pitch, width, height,
 * direction) is checked against video RAM before any byte moves; a blit
 * that would leave it is dropped whole, as QEMU's fixed engine does, and
 * counted.  After the check every access is inside VRAM by construction. */
#include "hw/display/cirrus-int.h"
#include "hw/core/log.h"

#include <string.h>

static void blt_log(Cirrus *c, const char *why)
{
    c->dropped++;
    if (log_enabled(LOG_GUEST_ERROR))
        log_printf("cirrus-vga: blit dropped: %s (dst 0x%x pitch %u, src 0x%x pitch %u, "
                   "%ux%u, mode 0x%02x)\n", why, c->blt.dst, c->blt.dst_pitch, c->blt.src,
                   c->blt.src_pitch, c->blt.width, c->blt.height, c->blt.mode);
}

static uint8_t rop_apply(uint8_t rop, uint8_t s, uint8_t d)
{
    switch (rop) {
    case 0x00: return 0;
    case 0x05: return s & d;
    case 0x06: return d;
    case 0x09: return s & ~d;
    case 0x0b: return ~d;
    case 0x0d: return s;
    case 0x0e: return 0xff;
    case 0x50: return ~s & d;
    case 0x59: return s ^ d;
    case 0x6d: return s | d;
    case 0x90: return ~s | ~d;
    case 0x95: return ~(s ^ d);
    case 0xad: return s | ~d;
    case 0xd0: return ~s;
    case 0xd6: return ~s | d;
    default:   return ~s & ~d;      /* 0xda */
    }
}

static bool rop_known(uint8_t rop)
{
    static const uint8_t rops[] = { 0x00, 0x05, 0x06, 0x09, 0x0b, 0x0d, 0x0e, 0x50,
                                    0x59, 0x6d, 0x90, 0x95, 0xad, 0xd0, 0xd6, 0xda };
    return memchr(rops, rop, sizeof(rops)) != NULL;
}

/* Do h lines of w bytes, pitch apart from addr (upwards, or downwards for
 * a backwards blit), stay inside size bytes?  64-bit arithmetic: nothing
 * wraps. */
static bool rect_inside(uint32_t addr, uint32_t pitch, uint32_t w, uint32_t h, bool back,
                        uint32_t size)
{
    uint64_t span = (uint64_t)(h - 1) * pitch + w;
    if (addr >= size)
        return false;
    return back ? span <= (uint64_t)addr + 1 : addr + span <= size;
}

static unsigned blt_bpp(const CirrusBlt *b)
{
    return ((b->mode & BLT_PIXEL_WIDTH) >> 4) + 1;
}

/* Bytes of source one line takes: a bit per pixel when expanding (whole
 * bytes), else the width, padded to 32 bits when it comes from the CPU. */
static uint32_t src_line_bytes(const CirrusBlt *b)
{
    uint32_t pixels = (b->width + blt_bpp(b) - 1) / blt_bpp(b);
    uint32_t n = b->mode & BLT_EXPAND ? (pixels + 7) / 8 : b->width;
    return (b->mode & (BLT_FROM_SYSTEM | BLT_EXPAND)) == BLT_FROM_SYSTEM ? (n + 3) & ~3u : n;
}

/* Colour expansion of one bit into byte x of its pixel: false when the
 * pixel is transparent. */
static bool expand(const CirrusBlt *b, bool bit, uint32_t x, uint8_t *out)
{
    if (b->mode & BLT_TRANSPARENT) {
        if (b->mode_ext & BLT_EXPAND_INV)
            bit = !bit;
        if (!bit)
            return false;
    }
    *out = (uint8_t)((bit ? b->fg : b->bg) >> (8 * (x % blt_bpp(b))));
    return true;
}

static bool bit_at(const uint8_t *bits, uint32_t px)
{
    return (bits[px >> 3] >> (7 - (px & 7))) & 1;
}

/* The source byte for byte x of line y; false to leave the destination. */
static bool source_byte(Cirrus *c, const uint8_t *line, uint32_t x, uint32_t y, uint8_t *out)
{
    CirrusBlt *b = &c->blt;
    const uint8_t *vram = c->vga.vram.host;
    unsigned bpp = blt_bpp(b);
    if ((b->mode & (BLT_PATTERN | BLT_EXPAND)) == (BLT_PATTERN | BLT_EXPAND)) {
        if (b->mode_ext & BLT_SOLID_FILL)
            return expand(b, true, x, out);
        return expand(b, bit_at(vram + (b->src & ~7u) + ((y + b->src) & 7), (x / bpp) & 7),
                      x, out);
    }
    if (b->mode & BLT_PATTERN) {
        uint32_t row = bpp == 3 ? 32 : 8 * bpp;
        *out = vram[(b->src & ~(8 * row - 1)) + ((y + b->src) & 7) * row + x % (8 * bpp)];
        return true;
    }
    if (b->mode & BLT_EXPAND)
        return expand(b, bit_at(line, x / bpp), x, out);
    *out = line[(b->mode & BLT_BACKWARDS) ? -(int64_t)x : (int64_t)x];
    return true;
}

/* Line y of the destination from line (the source line, or NULL). */
static void blt_line(Cirrus *c, uint32_t y, const uint8_t *line)
{
    CirrusBlt *b = &c->blt;
    uint8_t *vram = c->vga.vram.host;
    bool back = b->mode & BLT_BACKWARDS;
    uint32_t d = back ? b->dst - y * b->dst_pitch : b->dst + y * b->dst_pitch;
    for (uint32_t x = 0; x < b->width; x++) {
        uint8_t s;
        uint32_t at = back ? d - x : d + x;
        if (source_byte(c, line, x, y, &s))
            vram[at] = rop_apply(b->rop, s, vram[at]);
    }
    /* checked inside video RAM at the start (blt_refusal) */
    mr_dirty_mark(&c->vga.lfb, back ? d + 1 - b->width : d, b->width);
}

static void blt_finish(Cirrus *c)
{
    bool was = c->blt.pending;
    c->blt.pending = c->blt.to_system = false;
    if (was)
        cirrus_lfb_update(c);
    c->gr[0x31] &= (uint8_t)~(BLT_BUSY | BLT_START | BLT_PROGRESS);
}

/* The source rectangle in video memory (none for the CPU or a solid fill). */
static bool source_inside(const CirrusBlt *b, uint32_t size)
{
    bool back = b->mode & BLT_BACKWARDS;
    if (b->mode & BLT_FROM_SYSTEM)
        return true;
    if (b->mode & BLT_PATTERN) {
        uint32_t row = (b->mode & BLT_EXPAND) ? 1 : blt_bpp(b) == 3 ? 32 : 8 * blt_bpp(b);
        return rect_inside(b->src & ~(8 * row - 1), row, row, 8, false, size);
    }
    if (b->mode & BLT_EXPAND)
        return rect_inside(b->src, src_line_bytes(b), src_line_bytes(b), b->height, false, size);
    return rect_inside(b->src, b->src_pitch, b->width, b->height, back, size);
}

/* Why the blit cannot run, or NULL. */
static const char *blt_refusal(const CirrusBlt *b, uint32_t size)
{
    if ((b->mode & BLT_TO_SYSTEM) &&
        (b->mode & (BLT_FROM_SYSTEM | BLT_PATTERN | BLT_EXPAND | BLT_BACKWARDS)))
        return "screen-to-system from anything but a forward screen rectangle";
    if (!rop_known(b->rop))
        return "unknown ROP";
    if ((b->mode & BLT_BACKWARDS) && (b->mode & (BLT_PATTERN | BLT_EXPAND | BLT_FROM_SYSTEM)))
        return "backwards pattern, expansion or system source";
    if ((b->mode & BLT_FROM_SYSTEM) && ((b->mode & BLT_PATTERN) ||
                                        src_line_bytes(b) > CIRRUS_BLT_BUF))
        return "system source line too long";
    if (!(b->mode & BLT_TO_SYSTEM) &&
        !rect_inside(b->dst, b->dst_pitch, b->width, b->height, b->mode & BLT_BACKWARDS, size))
        return "destination outside video memory";
    if (!source_inside(b, size))
        return "source outside video memory";
    return NULL;
}

static void blt_latch(Cirrus *c)
{
    const uint8_t *g = c->gr;
    CirrusBlt *b = &c->blt;
    b->width = (g[0x20] | (g[0x21] & 0x1f) << 8) + 1u;
    b->height = (g[0x22] | (g[0x23] & 0x07) << 8) + 1u;
    b->dst_pitch = g[0x24] | (g[0x25] & 0x1f) << 8;
    b->src_pitch = g[0x26] | (g[0x27] & 0x1f) << 8;
    b->dst = g[0x28] | g[0x29] << 8 | (uint32_t)(g[0x2a] & 0x3f) << 16;
    b->src = g[0x2c] | g[0x2d] << 8 | (uint32_t)(g[0x2e] & 0x3f) << 16;
    b->mode = g[0x30];
    b->rop = g[0x32];
    b->mode_ext = g[0x33];
    b->fg = c->vga.gr[1] | g[0x11] << 8 | (uint32_t)g[0x13] << 16 | (uint32_t)g[0x15] << 24;
    b->bg = c->vga.gr[0] | g[0x10] << 8 | (uint32_t)g[0x12] << 16 | (uint32_t)g[0x14] << 24;
}

void cirrus_blt_start(Cirrus *c)
{
    CirrusBlt *b = &c->blt;
    blt_latch(c);
    const char *why = blt_refusal(b, c->vga.vram_size);
    if (why) {
        blt_log(c, why);
        blt_finish(c);
        return;
    }
    if (b->mode & (BLT_FROM_SYSTEM | BLT_TO_SYSTEM)) {  /* wait for the CPU */
        b->pending = true;
        b->to_system = b->mode & BLT_TO_SYSTEM;
        b->line = b->fill = 0;
        b->line_bytes = b->to_system ? (b->width + 3) & ~3u : src_line_bytes(b);
        cirrus_lfb_update(c);
        c->gr[0x31] |= BLT_BUSY;
        return;
    }
    const uint8_t *vram = c->vga.vram.host;
    bool back = b->mode & BLT_BACKWARDS;
    uint32_t step = b->mode & BLT_EXPAND ? src_line_bytes(b) : b->src_pitch;
    for (uint32_t y = 0; y < b->height; y++)
        blt_line(c, y, vram + (back ? b->src - y * step : b->src + y * step));
    blt_finish(c);
}

void cirrus_blt_feed(Cirrus *c, uint8_t v)
{
    CirrusBlt *b = &c->blt;
    b->buf[b->fill++] = v;
    if (b->fill < b->line_bytes)
        return;
    blt_line(c, b->line, b->buf);
    b->fill = 0;
    if (++b->line == b->height)
        blt_finish(c);
}

/* Screen-to-system: the source rectangle (checked at the start) line by
 * line, each padded to 32 bits with zeros, through the ROP with a zero
 * destination (system memory is not the engine's to read). */
uint8_t cirrus_blt_drain(Cirrus *c)
{
    CirrusBlt *b = &c->blt;
    uint8_t v = 0;
    if (b->fill < b->width)
        v = rop_apply(b->rop, c->vga.vram.host[b->src + b->line * b->src_pitch + b->fill], 0);
    if (++b->fill == b->line_bytes) {
        b->fill = 0;
        if (++b->line == b->height)
            blt_finish(c);
    }
    return v;
}

void cirrus_gr_blt_write(Cirrus *c, uint8_t index, uint8_t v)
{
    uint8_t old = c->gr[0x31];
    if (index != 0x31) {
        c->gr[index] = v;
        return;
    }
    if (v & BLT_RESET) {
        bool was = c->blt.pending;
        c->blt.pending = c->blt.to_system = false;
        if (was)
            cirrus_lfb_update(c);
        c->gr[0x31] = (uint8_t)(v & ~(BLT_RESET | BLT_START | BLT_BUSY | BLT_PROGRESS));
        return;
    }
    c->gr[0x31] = (uint8_t)((v & ~(BLT_BUSY | BLT_PROGRESS)) | (old & (BLT_BUSY | BLT_PROGRESS)));
    if (!(old & BLT_START) && (v & BLT_START) && !c->blt.pending)
        cirrus_blt_start(c);
}

/* BAR 1 + 0x100: the blit registers in their memory-mapped order. */
static int mmio_blt_index(uint32_t off)
{
    static const uint8_t map[0x41] = {
        [0x00] = 0x00, [0x01] = 0x10, [0x02] = 0x12, [0x03] = 0x14,
        [0x04] = 0x01, [0x05] = 0x11, [0x06] = 0x13, [0x07] = 0x15,
        [0x08] = 0x20, [0x09] = 0x21, [0x0a] = 0x22, [0x0b] = 0x23,
        [0x0c] = 0x24, [0x0d] = 0x25, [0x0e] = 0x26, [0x0f] = 0x27,
        [0x10] = 0x28, [0x11] = 0x29, [0x12] = 0x2a,
        [0x14] = 0x2c, [0x15] = 0x2d, [0x16] = 0x2e, [0x17] = 0x2f,
        [0x18] = 0x30, [0x1a] = 0x32, [0x1b] = 0x33,
        [0x1c] = 0x34, [0x1d] = 0x35, [0x20] = 0x38, [0x21] = 0x39,
        [0x40] = 0x31,
    };
    if (off > 0x40 || (off && !map[off]))
        return -1;
    return map[off];
}

uint8_t cirrus_mmio_blt_read(Cirrus *c, uint32_t off)
{
    int i = mmio_blt_index(off);
    if (i < 0)
        return 0xff;
    return i < 2 ? c->vga.gr[i] : c->gr[i];
}

void cirrus_mmio_blt_write(Cirrus *c, uint32_t off, uint8_t v)
{
    int i = mmio_blt_index(off);
    if (i < 0)
        return;
    if (i < 2)
        c->vga.gr[i] = v;
    else if (i >= 0x20)
        cirrus_gr_blt_write(c, (uint8_t)i, v);
    else
        c->gr[i] = v;
}
