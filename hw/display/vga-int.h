/* The standard VGA with Bochs VBE extensions: state shared by the register
 * and memory model (vga.c) and the renderer (vga-render.c). */
#ifndef KEMU_HW_DISPLAY_VGA_INT_H
#define KEMU_HW_DISPLAY_VGA_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/core/device.h"
#include "hw/core/memory.h"
#include "hw/core/pci.h"

#define VGA_VRAM_SIZE (16u * 1024 * 1024)
#define VBE_LFB_ADDR 0xe0000000u
#define VBE_REGS 10

enum {
    VBE_ID, VBE_XRES, VBE_YRES, VBE_BPP, VBE_ENABLE, VBE_BANK, VBE_VIRT_WIDTH,
    VBE_VIRT_HEIGHT, VBE_X_OFFSET, VBE_Y_OFFSET, VBE_VIDEO_MEMORY_64K = 0x0a,
};
#define VBE_ENABLED     0x01
#define VBE_GETCAPS     0x02
#define VBE_8BIT_DAC    0x20
#define VBE_LFB_ENABLED 0x40
#define VBE_NOCLEARMEM  0x80

struct Vga;
/* VGA_DAC_DATA's index is (DAC index & 15) * 3 + component: a card's
 * extra palette entries (the index and component still advance). */
typedef enum { VGA_SR, VGA_GR, VGA_CR, VGA_DAC_MASK, VGA_DAC_DATA } VgaRegSet;

/* What a card built on this VGA core (Cirrus) adds: each hook returns true
 * when it handled the access, false to leave it to the standard VGA.  A
 * register or window write the card handles is its own to count: it moves
 * Vga.generation when the picture may change, or marks the video RAM it
 * wrote in the dirty log (so a blit redraws only its lines). */
typedef struct VgaExt {
    bool (*reg_read)(struct Vga *s, VgaRegSet set, uint8_t index, uint8_t *val);
    bool (*reg_write)(struct Vga *s, VgaRegSet set, uint8_t index, uint8_t val);
    /* The 0xa0000 window (addr from 0xa0000), in the card's own modes. */
    bool (*mem_read)(struct Vga *s, uint64_t addr, uint8_t *val);
    bool (*mem_write)(struct Vga *s, uint64_t addr, uint8_t val);
    /* The picture in the card's own modes: 1 when a standard VGA mode. */
    int (*render)(struct Vga *s, uint32_t **out, int *w, int *h);
    /* True while the CPU writes video RAM directly (a linear framebuffer):
     * the picture then changes with the pages the dirty log marks. */
    bool (*untracked)(struct Vga *s);
    /* Then: the video RAM the picture is made of, as up to VGA_RANGES
     * [offset, length) pairs inside VRAM, the first one the picture's
     * lines of *pitch bytes (a write to the others redraws everything);
     * returns how many (0: unknown). */
    int (*visible)(struct Vga *s, uint32_t range[][2], uint32_t *pitch);
    /* Redraw only the flagged lines of the picture px (w x h) drawn
     * before: 0, or -1 when it cannot (then render draws it all). */
    int (*render_lines)(struct Vga *s, uint32_t *px, int w, int h, const uint8_t *lines);
} VgaExt;

#define VGA_RANGES 2
#define VGA_MAX_LINES 2048          /* lines vga-dirty.c tracks one by one */

typedef struct Vga {
    Device dev;
    PCIFunction fn;             /* 00:02.0, 1234:1111 (when there is a PCI bus) */
    MemoryRegion vram;          /* host memory of the video RAM */
    MemoryRegion lfb;           /* the linear framebuffer: vram seen by the
                                 * CPU, with the dirty log of video RAM */
    MemoryRegion lowmem;        /* 0xa0000-0xbfffff window */
    MemoryRegion io_3c0, io_3b4, io_3d4, io_vbe;
    uint32_t vram_size;
    const VgaExt *ext;          /* NULL for the std VGA */
    bool no_legacy;             /* no 0xa0000 window, no VGA ports (set
                                 * before vga_core_init: bochs-display) */
    /* What changed since the displays last looked (vga-dirty.c): */
    uint64_t generation;        /* counts writes that can change the picture */
    uint64_t vram_generation;   /* counts looks that found visible pages written */
    uint64_t lines_generation;  /* generation when the lines were last handed out */
    uint32_t seen_range[VGA_RANGES][2], seen_pitch;
    uint8_t dirty_lines[VGA_MAX_LINES];     /* lines of those pages since */
    uint64_t blink_seen;        /* vga_blink_count at the last look */
    uint8_t misc, sr_index, sr[8], gr_index, gr[16], cr_index, cr[32];
    uint8_t ar_index, ar[21];
    bool ar_flip;               /* next 0x3c0 write is data */
    uint8_t dac_mask, dac_read, dac_write, dac_sub, dac_state;
    uint8_t dac_mask_reads;     /* reads of 0x3c6 in a row, this one included
                                 * (a card's hidden DAC register counts them) */
    uint8_t palette[256 * 3];
    uint8_t latch[4];
    uint8_t st01_toggle;
    uint16_t vbe_index, vbe[VBE_REGS];
    uint32_t vbe_start;         /* byte offset of the visible frame in vram */
} Vga;

/* vga.c: the VGA core a card is built on: video RAM of vram_size bytes,
 * the 0xa0000 window, the registers at 0x3b4/0x3c0/0x3d4 and the graphic
 * source; reset to power-on values; unmapped and freed. */
struct Machine;
void vga_core_init(Vga *s, struct Machine *m, uint32_t vram_size, const VgaExt *ext);
void vga_core_reset(Vga *s);
void vga_core_unrealize(Vga *s);
/* The card's linear framebuffer (s->lfb, video RAM as the CPU sees it in
 * a BAR) with the dirty log on. */
void vga_lfb_init(Vga *s, const char *name);
/* romfile=: the option ROM at path in the expansion ROM BAR of s's PCI
 * function (rom: the region to hold it).  -1 after an error naming dev. */
int vga_load_romfile(Vga *s, MemoryRegion *rom, const char *dev, const char *path);
/* Bochs VBE register index (VBE_*), as through ports 0x1ce/0x1cf. */
uint16_t vga_vbe_read(Vga *s, uint16_t index);
void vga_vbe_write(Vga *s, uint16_t index, uint16_t v);
/* A register port 0x3b0-0x3df by number (for a card's MMIO aliases). */
uint8_t vga_ioport_read(Vga *s, uint16_t port);
void vga_ioport_write(Vga *s, uint16_t port, uint8_t v);
/* The standard window access, for the card's non-extended modes. */
uint8_t vga_mem_readb(Vga *s, uint64_t addr);
void vga_mem_writeb(Vga *s, uint64_t addr, uint8_t val);

/* A pixel of bpp 8 (through the DAC), 15, 16, 24 or 32 as 0xRRGGBB. */
uint32_t vga_pixel_rgb(const Vga *s, const uint8_t *src, int bpp);
/* Visible lines from the CRT controller's vertical display end. */
int vga_height(const Vga *s);
/* vga-render.c: DAC entry as 0xRRGGBB (6-bit components, or 8-bit with the
 * VBE flag). */
uint32_t vga_dac_rgb(const Vga *s, uint8_t index);
/* vga-render.c: the visible picture as 0x00RRGGBB pixels (caller frees
 * *out).  Returns 0, or -1 if the screen is blank (display disabled). */
int vga_render(Vga *s, uint32_t **out, int *w, int *h);
/* The lines flagged of a VBE picture into px (w x h): 0, or -1 when the
 * card shows anything else. */
int vga_render_lines(Vga *s, uint32_t *px, int w, int h, const uint8_t *lines);
/* The alphanumeric screen (characters, attributes, cursor): 0, 1 in a
 * graphics mode, -1 when blank. */
struct GraphicText;
int vga_text(Vga *s, struct GraphicText *t);

/* vga-blink.c: the text modes' blink counter (0 when nothing blinks; it
 * moves every half cursor period), whether the cursor and the blinking
 * characters show now, and the cursor drawn over a rendered text screen. */
typedef struct VgaTextGeometry {
    int cols, rows, cw, ch;         /* characters, cell size in pixels */
    uint32_t start, stride;         /* start address and row pitch, in characters */
    uint32_t cursor_rgb;            /* the colour of the cursor cell's foreground */
} VgaTextGeometry;
uint64_t vga_blink_count(const Vga *s);
bool vga_cursor_phase(const Vga *s);
bool vga_char_blink_phase(const Vga *s);
void vga_draw_text_cursor(const Vga *s, uint32_t *px, int w, const VgaTextGeometry *g);

/* vga-dirty.c: take what the dirty log of video RAM says into the
 * generation and the changed lines; false when the picture's memory is
 * unknown (render every time).  Then which lines changed since the last
 * call (GraphicHwOps.changed_lines). */
bool vga_dirty_poll(Vga *s);
bool vga_changed_lines(Vga *s, uint8_t *lines, int h);

#endif
