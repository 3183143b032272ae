/* What changed in the picture of a VGA card, for the displays: in a
 * linear framebuffer mode the CPU writes video RAM as plain memory, and
 * the dirty log of the framebuffer region (hw/core/memory.h) says which
 * pages it wrote.  A look that finds visible pages written moves
 * vram_generation and marks the lines they hold; any other change (a
 * register, the 0xa0000 window, a new mode or start address) moves
 * generation, and then every line counts as changed.  An idle screen
 * thus costs a look at the log, and a changed one the lines it touched. */
#include "hw/display/vga-int.h"
#include "hw/core/util.h"

#include <string.h>

#define LOG_WORDS (VGA_VRAM_SIZE / 4096 / 64 + 1)

/* The VBE picture's bytes: the visible lines from the start offset. */
static int vbe_visible(Vga *s, uint32_t range[][2], uint32_t *pitch)
{
    uint32_t bpp = s->vbe[VBE_BPP] == 15 ? 16 : s->vbe[VBE_BPP];
    uint64_t stride = (uint64_t)s->vbe[VBE_VIRT_WIDTH] * ((bpp + 7) / 8);
    uint64_t len = stride * s->vbe[VBE_YRES];
    if (s->vbe_start >= s->vram_size || !stride)
        return 0;
    range[0][0] = s->vbe_start;
    range[0][1] = (uint32_t)(len < s->vram_size - s->vbe_start ? len : s->vram_size - s->vbe_start);
    *pitch = (uint32_t)stride;
    return 1;
}

/* Lines [b0, b1) of bytes from the picture's start fall on. */
static void mark_lines(Vga *s, uint64_t b0, uint64_t b1, uint32_t pitch)
{
    for (uint64_t y = b0 / pitch; y <= (b1 - 1) / pitch && y < VGA_MAX_LINES; y++)
        s->dirty_lines[y] = 1;
}

/* The written pages of the picture's bytes [start, start+len). */
static void take_lines(Vga *s, uint32_t start, uint32_t len, uint32_t pitch)
{
    uint64_t bits[LOG_WORDS];
    if (!len || !mr_dirty_get_and_clear(&s->lfb, start, len, bits))
        return;
    s->vram_generation++;
    uint64_t first = start >> 12, pages = ((start + (uint64_t)len - 1) >> 12) - first + 1;
    for (uint64_t i = 0; i < pages; i++) {
        if (!(bits[i / 64] >> (i % 64) & 1))
            continue;
        uint64_t b0 = MAX((first + i) << 12, start), b1 = MIN((first + i + 1) << 12, start + (uint64_t)len);
        mark_lines(s, b0 - start, b1 - start, pitch);
    }
}

/* A new mode, start address or pitch: everything is new. */
static bool same_geometry(Vga *s, uint32_t range[][2], int n, uint32_t pitch)
{
    uint32_t now[VGA_RANGES][2] = { { 0 } };
    memcpy(now, range, sizeof(now[0]) * (size_t)n);
    if (!memcmp(now, s->seen_range, sizeof(now)) && pitch == s->seen_pitch)
        return true;
    memcpy(s->seen_range, now, sizeof(now));
    s->seen_pitch = pitch;
    return false;
}

bool vga_dirty_poll(Vga *s)
{
    bool ext = s->ext && s->ext->untracked(s);
    if (!(s->vbe[VBE_ENABLE] & VBE_LFB_ENABLED) && !ext) {
        /* A VGA mode: its window's writes move the generation; video RAM
         * written another way (the framebuffer, a blit) redraws it all. */
        memset(s->seen_range, 0, sizeof(s->seen_range));
        if (mr_dirty_get_and_clear(&s->lfb, 0, s->vram_size, NULL))
            s->generation++;
        return true;
    }
    uint32_t range[VGA_RANGES][2], pitch = 0;
    int n = ext ? (s->ext->visible ? s->ext->visible(s, range, &pitch) : 0)
                : vbe_visible(s, range, &pitch);
    if (n <= 0 || !pitch)
        return false;
    if (!same_geometry(s, range, n, pitch)) {
        mr_dirty_get_and_clear(&s->lfb, 0, s->vram_size, NULL);
        s->generation++;
        return true;
    }
    take_lines(s, range[0][0], range[0][1], pitch);
    for (int i = 1; i < n; i++) {
        if (mr_dirty_get_and_clear(&s->lfb, range[i][0], range[i][1], NULL))
            s->generation++;
    }
    return true;
}

bool vga_changed_lines(Vga *s, uint8_t *lines, int h)
{
    bool known = s->lines_generation == s->generation && h <= VGA_MAX_LINES;
    s->lines_generation = s->generation;
    if (known)
        memcpy(lines, s->dirty_lines, (size_t)h);
    memset(s->dirty_lines, 0, sizeof(s->dirty_lines));
    return known;
}
