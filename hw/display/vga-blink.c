/* The alphanumeric modes' blinking: the card counts frames and shows the
 * cursor 8 frames of 16 and blinking characters (attribute bit 7 with
 * AR10 bit 3) 16 of 32.  The frames here are the guest's clock's (about
 * 60 a second, as QEMU's 533 ms cursor period), so a stopped VM's
 * picture stands still and a screendump of it matches what a display
 * shows. */
#include "hw/display/vga-int.h"
#include "hw/core/clock.h"

#define VGA_BLINK_HALF_MS 266       /* 8 frames: the cursor's on or off time */

uint64_t vga_blink_count(const Vga *s)
{
    bool cursor = !(s->cr[0x0a] & 0x20) && (s->cr[0x0a] & 0x1f) <= (s->cr[0x0b] & 0x1f);
    bool blink = s->ar[0x10] & 0x08;
    if ((s->gr[6] & 1) || (s->vbe[VBE_ENABLE] & VBE_ENABLED) || (!cursor && !blink))
        return 0;
    return (uint64_t)(clock_ns() / 1000000 / VGA_BLINK_HALF_MS);
}

bool vga_cursor_phase(const Vga *s)
{
    return !(vga_blink_count(s) & 1);
}

bool vga_char_blink_phase(const Vga *s)
{
    return !(vga_blink_count(s) & 2);
}

void vga_draw_text_cursor(const Vga *s, uint32_t *px, int w, const VgaTextGeometry *g)
{
    uint32_t cursor = ((uint32_t)s->cr[0x0e] << 8 | s->cr[0x0f]) - g->start;
    int first = s->cr[0x0a] & 0x1f, last = s->cr[0x0b] & 0x1f;
    if ((s->cr[0x0a] & 0x20) || !g->stride || first > last || !vga_cursor_phase(s) ||
        cursor / g->stride >= (uint32_t)g->rows || cursor % g->stride >= (uint32_t)g->cols)
        return;
    int x = (int)(cursor % g->stride) * g->cw, y = (int)(cursor / g->stride) * g->ch;
    for (int line = first; line <= last && line < g->ch; line++) {
        uint32_t *row = px + (size_t)(y + line) * w + x;
        for (int i = 0; i < g->cw; i++)
            row[i] = g->cursor_rgb;
    }
}
