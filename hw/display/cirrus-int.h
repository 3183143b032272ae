/* The Cirrus Logic CL-GD5446 ("cirrus-vga"): state shared by the register
 * model (cirrus.c), its BitBLT engine (cirrus-blit.c) and the renderer of
 * its extended modes (cirrus-render.c).  The standard VGA part is the VGA
 * core of vga.c; this adds the extension registers behind it. */
#ifndef KEMU_HW_DISPLAY_CIRRUS_INT_H
#define KEMU_HW_DISPLAY_CIRRUS_INT_H

#include "hw/display/vga-int.h"

#define CIRRUS_VRAM_SIZE (4u * 1024 * 1024)
#define CIRRUS_MMIO_SIZE 0x1000
#define CIRRUS_ID_5446   0xb8       /* CR27 and the PCI device id 00b8 */
#define CIRRUS_BLT_BUF   8192       /* one system-to-screen source line */

/* GR30, the BLT mode register */
#define BLT_BACKWARDS    0x01
#define BLT_TO_SYSTEM    0x02
#define BLT_FROM_SYSTEM  0x04
#define BLT_TRANSPARENT  0x08
#define BLT_PIXEL_WIDTH  0x30
#define BLT_PATTERN      0x40
#define BLT_EXPAND       0x80
/* GR31, start and status */
#define BLT_BUSY         0x01
#define BLT_START        0x02
#define BLT_RESET        0x04
#define BLT_PROGRESS     0x08
/* GR33, mode extensions */
#define BLT_EXPAND_INV   0x02
#define BLT_SOLID_FILL   0x04

typedef struct CirrusBlt {
    uint32_t width, height;         /* bytes per line, lines */
    uint32_t dst_pitch, src_pitch;
    uint32_t dst, src;              /* start addresses in VRAM */
    uint8_t mode, mode_ext, rop;
    uint32_t fg, bg;                /* colour-expansion colours */
    /* A system-to-screen blit waiting for its source lines (or, with
     * to_system, a screen-to-system one waiting for the CPU to read). */
    bool pending, to_system;
    uint32_t line, line_bytes, fill;
    uint8_t buf[CIRRUS_BLT_BUF];
} CirrusBlt;

typedef struct Cirrus {
    Vga vga;
    MemoryRegion mmio;              /* BAR 1 (BAR 0 is vga.lfb) */
    MemoryRegion lfb_blt;           /* over BAR 0 while a blit takes CPU data */
    MemoryRegion rom;               /* the expansion ROM, when loaded */
    char *romfile;
    uint8_t sr[32], gr[64], cr[64]; /* the extension registers */
    uint8_t hidden_dac;
    uint8_t cursor_palette[16 * 3]; /* the DAC's extra entries (SR12 bit 1) */
    uint16_t cursor_x, cursor_y;
    uint32_t dropped;               /* blits refused as out of bounds */
    CirrusBlt blt;
} Cirrus;

/* cirrus.c: cover BAR 0 with the region that feeds a system-to-screen
 * blit (on), or give it back to plain video memory (off). */
void cirrus_lfb_capture(Cirrus *c, bool on);

/* cirrus-blit.c: GR31 was written with the start bit (from zero). */
void cirrus_blt_start(Cirrus *c);
/* One byte of a system-to-screen blit's source, from the CPU. */
void cirrus_blt_feed(Cirrus *c, uint8_t v);
/* The blit registers through BAR 1 (offset 0x100 on) or 0xb8000. */
uint8_t cirrus_mmio_blt_read(Cirrus *c, uint32_t off);
void cirrus_mmio_blt_write(Cirrus *c, uint32_t off, uint8_t v);
/* The next byte of a screen-to-system blit's data, for a CPU read. */
uint8_t cirrus_blt_drain(Cirrus *c);
/* Write a GR20-GR3F register (also from the MMIO alias). */
void cirrus_gr_blt_write(Cirrus *c, uint8_t index, uint8_t v);

/* cirrus-write.c: whether extended write mode 4 or 5 is on; a CPU byte
 * written at offset off of video memory in that mode. */
bool cirrus_ext_write_mode(const Cirrus *c);
void cirrus_ext_write(Cirrus *c, uint64_t off, uint8_t v);
/* cirrus.c: BAR 0 goes through the device (a blit waits for the CPU, or
 * an extended write mode is on) or is plain memory again. */
void cirrus_lfb_update(Cirrus *c);

/* cirrus-render.c: the picture in the extended modes; 1 in a standard
 * VGA mode. */
int cirrus_render(Vga *s, uint32_t **out, int *w, int *h);
/* The video RAM an extended-mode picture is made of (VgaExt.visible). */
int cirrus_visible(Vga *s, uint32_t range[][2], uint32_t *pitch);
/* Only the flagged lines again, into the picture drawn before (VgaExt). */
int cirrus_render_lines(Vga *s, uint32_t *px, int w, int h, const uint8_t *lines);
/* Bits per pixel of the extended mode (SR7 and the hidden DAC), 0 if none. */
int cirrus_bpp(const Cirrus *c);

#endif
