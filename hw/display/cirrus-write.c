/* The CL-GD5446's extended write modes 4 and 5 (GRB bit 2 with GR5 write
 * mode 4 or 5): the CPU writes a byte of bits and each bit is a pixel,
 * most significant first.  A 1 writes the foreground colour (GR1, with
 * GR11 as the high byte of 16-bit pixels); a 0 leaves the pixel (mode 4)
 * or writes the background colour (GR0/GR10, mode 5).  With by-8
 * addressing (GRB bit 1) a CPU byte's offset is multiplied by 8, with
 * 16-bit pixels (GRB bits 4 and 2) by 16, so consecutive bytes cover
 * consecutive runs of pixels.  Pixels past the end of video RAM are not
 * written. */
#include "hw/display/cirrus-int.h"

#define GR_MODE_EXT 0x0b
#define EXT_BY8     0x02
#define EXT_WRITES  0x04
#define EXT_16BPP   0x10

bool cirrus_ext_write_mode(const Cirrus *c)
{
    uint8_t mode = c->vga.gr[5] & 7;
    return (c->gr[GR_MODE_EXT] & EXT_WRITES) && (mode == 4 || mode == 5);
}

static bool wide_pixels(const Cirrus *c)
{
    return (c->gr[GR_MODE_EXT] & (EXT_16BPP | EXT_WRITES)) == (EXT_16BPP | EXT_WRITES);
}

void cirrus_ext_write(Cirrus *c, uint64_t off, uint8_t v)
{
    unsigned bytes = wide_pixels(c) ? 2 : 1;
    bool background = (c->vga.gr[5] & 7) == 5;
    uint8_t fg[2] = { c->vga.gr[1], c->gr[0x11] }, bg[2] = { c->vga.gr[0], c->gr[0x10] };
    uint8_t *vram = c->vga.vram.host;
    if (bytes == 2)
        off <<= 4;
    else if (c->gr[GR_MODE_EXT] & EXT_BY8)
        off <<= 3;
    for (unsigned i = 0; i < 8; i++, v = (uint8_t)(v << 1)) {
        bool bit = v & 0x80;
        if (!bit && !background)
            continue;
        for (unsigned b = 0; b < bytes; b++) {
            uint64_t at = off + i * bytes + b;
            if (at < c->vga.vram_size)
                vram[at] = bit ? fg[b] : bg[b];
        }
    }
    mr_dirty_mark(&c->vga.lfb, off, 8 * bytes);
}
