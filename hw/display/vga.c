/* "VGA": the standard VGA (IBM VGA register set: sequencer, CRT, graphics
 * and attribute controllers, DAC) with its planar memory at 0xa0000-
 * 0xbffff, plus the Bochs VBE extensions (ports 0x1ce/0x1cf) and a linear
 * framebuffer, the card SeaBIOS's vgabios drives.  The picture is rendered
 * on demand (screendump) by vga-render.c.
 *
 * Video memory holds the four planes interleaved: byte o of plane p is
 * vram[4 * o + p], so chain-4 modes and the VBE framebuffer see it as
 * linear memory. */
#include "hw/display/vga-int.h"
#include "hw/core/error.h"
#include "hw/core/graphic.h"
#include "hw/core/machine.h"
#include "hw/core/util.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GR_SET_RESET   0
#define GR_ENABLE_SR   1
#define GR_COLOR_CMP   2
#define GR_ROTATE      3
#define GR_READ_MAP    4
#define GR_MODE        5
#define GR_MISC        6
#define GR_DONT_CARE   7
#define GR_BIT_MASK    8
#define SR_MAP_MASK    2
#define SR_MEM_MODE    4

static uint32_t expand4(uint8_t v)
{
    uint32_t r = 0;
    for (int p = 0; p < 4; p++)
        r |= (uint32_t)((v >> p) & 1 ? 0xff : 0) << (8 * p);
    return r;
}

/* Offset of addr (from 0xa0000) inside the window GR6 selects, or -1. */
static int64_t window_offset(const Vga *s, uint64_t addr)
{
    switch ((s->gr[GR_MISC] >> 2) & 3) {
    case 0: return (int64_t)addr;
    case 1: return addr < 0x10000 ? (int64_t)addr : -1;
    case 2: return addr >= 0x10000 && addr < 0x18000 ? (int64_t)(addr - 0x10000) : -1;
    default: return addr >= 0x18000 ? (int64_t)(addr - 0x18000) : -1;
    }
}

static bool vbe_on(const Vga *s)
{
    return s->vbe[VBE_ENABLE] & VBE_ENABLED;
}

uint8_t vga_mem_readb(Vga *s, uint64_t addr)
{
    if (vbe_on(s)) {            /* banked window of 64 KiB pages */
        uint64_t off = (uint64_t)s->vbe[VBE_BANK] * 0x10000 + (addr & 0xffff);
        return addr < 0x10000 && off < s->vram_size ? s->vram.host[off] : 0xff;
    }
    int64_t off = window_offset(s, addr);
    if (off < 0)
        return 0xff;
    uint8_t *vram = s->vram.host;
    if (s->sr[SR_MEM_MODE] & 0x08)          /* chain 4 */
        return vram[off];
    if (!(s->sr[SR_MEM_MODE] & 0x04)) {     /* odd/even */
        int plane = (s->gr[GR_READ_MAP] & 2) | (off & 1);
        return vram[(uint64_t)(off & ~1) * 4 + plane];
    }
    if (off * 4 + 3 >= s->vram_size)
        return 0xff;
    memcpy(s->latch, vram + off * 4, 4);
    if (!(s->gr[GR_MODE] & 0x08))           /* read mode 0 */
        return s->latch[s->gr[GR_READ_MAP] & 3];
    uint8_t r = 0;                          /* read mode 1: color compare */
    for (int bit = 0; bit < 8; bit++) {
        bool match = true;
        for (int p = 0; p < 4; p++) {
            if (!((s->gr[GR_DONT_CARE] >> p) & 1))
                continue;
            if (((s->latch[p] >> bit) & 1) != ((s->gr[GR_COLOR_CMP] >> p) & 1))
                match = false;
        }
        r |= (uint8_t)(match << bit);
    }
    return r;
}

/* Write modes 0-3 through rotate, set/reset, the ALU and the bit mask. */
static void planar_write(Vga *s, uint64_t off, uint8_t val)
{
    uint8_t mode = s->gr[GR_MODE] & 3, rot = s->gr[GR_ROTATE] & 7;
    uint8_t func = (s->gr[GR_ROTATE] >> 3) & 3, mask = s->gr[GR_BIT_MASK];
    uint32_t data;
    switch (mode) {
    case 0:
        val = (uint8_t)((val >> rot) | (val << (8 - rot)));
        data = val * 0x01010101u;
        data = (data & ~expand4(s->gr[GR_ENABLE_SR])) |
               (expand4(s->gr[GR_SET_RESET]) & expand4(s->gr[GR_ENABLE_SR]));
        break;
    case 1:
        memcpy(&data, s->latch, 4);
        mask = 0xff;
        func = 0;
        goto store;
    case 2:
        data = expand4(val & 0x0f);
        break;
    default:
        val = (uint8_t)((val >> rot) | (val << (8 - rot)));
        mask &= val;
        data = expand4(s->gr[GR_SET_RESET]);
        break;
    }
    uint32_t latch;
    memcpy(&latch, s->latch, 4);
    switch (func) {
    case 1: data &= latch; break;
    case 2: data |= latch; break;
    case 3: data ^= latch; break;
    }
    uint32_t m = mask * 0x01010101u;
    data = (data & m) | (latch & ~m);
store:;
    uint32_t planes = expand4(s->sr[SR_MAP_MASK] & 0x0f);
    uint32_t old;
    memcpy(&old, s->vram.host + off * 4, 4);
    data = (data & planes) | (old & ~planes);
    memcpy(s->vram.host + off * 4, &data, 4);
}

void vga_mem_writeb(Vga *s, uint64_t addr, uint8_t val)
{
    if (vbe_on(s)) {
        uint64_t off = (uint64_t)s->vbe[VBE_BANK] * 0x10000 + (addr & 0xffff);
        if (addr < 0x10000 && off < s->vram_size)
            s->vram.host[off] = val;
        return;
    }
    int64_t off = window_offset(s, addr);
    if (off < 0)
        return;
    uint8_t *vram = s->vram.host;
    if (s->sr[SR_MEM_MODE] & 0x08) {
        if (s->sr[SR_MAP_MASK] & (1 << (off & 3)))
            vram[off] = val;
        return;
    }
    if (!(s->sr[SR_MEM_MODE] & 0x04)) {
        int plane = (s->gr[GR_READ_MAP] & 2) | (off & 1);
        if (s->sr[SR_MAP_MASK] & (1 << plane))
            vram[(uint64_t)(off & ~1) * 4 + plane] = val;
        return;
    }
    if (off * 4 + 3 < s->vram_size)
        planar_write(s, (uint64_t)off, val);
}

static uint64_t lowmem_read(void *opaque, uint64_t off, unsigned size)
{
    Vga *s = opaque;
    uint8_t v;
    (void)size;
    if (s->ext && s->ext->mem_read(s, off, &v))
        return v;
    return vga_mem_readb(s, off);
}

static void lowmem_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    Vga *s = opaque;
    (void)size;
    if (s->ext && s->ext->mem_write(s, off, (uint8_t)val))
        return;                     /* the card counted it (VgaExt) */
    s->generation++;
    vga_mem_writeb(s, off, (uint8_t)val);
}

/* ---- registers at 0x3c0-0x3cf ---- */
static bool ext_read(Vga *s, VgaRegSet set, uint8_t index, uint8_t *v)
{
    return s->ext && s->ext->reg_read(s, set, index, v);
}

static bool ext_write(Vga *s, VgaRegSet set, uint8_t index, uint8_t v)
{
    return s->ext && s->ext->reg_write(s, set, index, v);
}

static uint64_t r3c0_read(void *opaque, uint64_t off, unsigned size)
{
    Vga *s = opaque;
    uint8_t v;
    (void)size;
    s->dac_mask_reads = off == 0x6 ? (uint8_t)(s->dac_mask_reads + 1) : 0;
    if ((off == 0x5 && ext_read(s, VGA_SR, s->sr_index, &v)) ||
        (off == 0x6 && ext_read(s, VGA_DAC_MASK, 0, &v)) ||
        (off == 0xf && ext_read(s, VGA_GR, s->gr_index, &v)))
        return v;
    switch (off) {
    case 0x0: return s->ar_index;
    case 0x1: return (s->ar_index & 0x1f) < sizeof(s->ar) ? s->ar[s->ar_index & 0x1f] : 0;
    case 0x2: return 0;                     /* input status 0 */
    case 0x4: return s->sr_index;
    case 0x5: return s->sr[s->sr_index & 7];
    case 0x6: return s->dac_mask;
    case 0x7: return s->dac_state;
    case 0x8: return s->dac_write;
    case 0x9: {
        if (!ext_read(s, VGA_DAC_DATA, (uint8_t)((s->dac_read & 15) * 3 + s->dac_sub), &v))
            v = s->palette[s->dac_read * 3 + s->dac_sub];
        if (++s->dac_sub == 3) {
            s->dac_sub = 0;
            s->dac_read++;
        }
        return v;
    }
    case 0xc: return s->misc;
    case 0xe: return s->gr_index;
    case 0xf: return s->gr[s->gr_index & 15];
    default: return 0xff;
    }
}

static void r3c0_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    Vga *s = opaque;
    uint8_t v = (uint8_t)val;
    (void)size;
    if ((off == 0x5 && ext_write(s, VGA_SR, s->sr_index, v)) ||
        (off == 0x6 && ext_write(s, VGA_DAC_MASK, 0, v)) ||
        (off == 0xf && ext_write(s, VGA_GR, s->gr_index, v))) {
        s->dac_mask_reads = 0;
        return;                     /* the card counted it (VgaExt) */
    }
    if (off != 0x4 && off != 0x7 && off != 0x8 && off != 0xe)
        s->generation++;            /* not a mere index */
    s->dac_mask_reads = 0;
    switch (off) {
    case 0x0:
        if (!s->ar_flip)
            s->ar_index = v & 0x3f;
        else if ((s->ar_index & 0x1f) < sizeof(s->ar))
            s->ar[s->ar_index & 0x1f] = v;
        s->ar_flip = !s->ar_flip;
        break;
    case 0x2: s->misc = v; break;
    case 0x4: s->sr_index = v; break;
    case 0x5: s->sr[s->sr_index & 7] = v; break;
    case 0x6: s->dac_mask = v; break;
    case 0x7: s->dac_read = v; s->dac_sub = 0; s->dac_state = 3; break;
    case 0x8: s->dac_write = v; s->dac_sub = 0; s->dac_state = 0; break;
    case 0x9:
        if (!ext_write(s, VGA_DAC_DATA, (uint8_t)((s->dac_write & 15) * 3 + s->dac_sub), v))
            s->palette[s->dac_write * 3 + s->dac_sub] = v;
        if (++s->dac_sub == 3) {
            s->dac_sub = 0;
            s->dac_write++;
        }
        break;
    case 0xe: s->gr_index = v; break;
    case 0xf: s->gr[s->gr_index & 15] = v; break;
    }
}

/* CRT controller and input status 1, at 0x3b4 (mono) or 0x3d4 (color):
 * only the pair misc bit 0 selects answers. */
static uint64_t crt_read(Vga *s, uint64_t off, bool color)
{
    uint8_t v;
    if (color != (s->misc & 1))
        return 0xff;
    if (off == 1 && ext_read(s, VGA_CR, s->cr_index, &v))
        return v;
    switch (off) {
    case 0: return s->cr_index;
    case 1: return s->cr[s->cr_index & 31];
    case 6:                                 /* input status 1: retrace toggles */
        s->ar_flip = false;
        s->st01_toggle ^= 0x09;
        return s->st01_toggle;
    default: return 0xff;
    }
}

static void crt_write(Vga *s, uint64_t off, uint8_t v, bool color)
{
    if (color != (s->misc & 1))
        return;
    if (off != 0)
        s->generation++;            /* not a mere index */
    if (off == 0) {
        s->cr_index = v;
    } else if (off == 1 && !ext_write(s, VGA_CR, s->cr_index, v)) {
        int i = s->cr_index & 31;
        if (i <= 7 && (s->cr[0x11] & 0x80) && i != 7)
            return;                         /* registers 0-6 write-protected */
        s->cr[i] = v;
    }
}

static uint64_t r3b4_read(void *o, uint64_t off, unsigned size) { (void)size; return crt_read(o, off, false); }
static uint64_t r3d4_read(void *o, uint64_t off, unsigned size) { (void)size; return crt_read(o, off, true); }
static void r3b4_write(void *o, uint64_t off, uint64_t v, unsigned size) { (void)size; crt_write(o, off, (uint8_t)v, false); }
static void r3d4_write(void *o, uint64_t off, uint64_t v, unsigned size) { (void)size; crt_write(o, off, (uint8_t)v, true); }

/* ---- Bochs VBE: index at 0x1ce, data at 0x1cf ---- */
static uint16_t vbe_max(uint16_t reg)
{
    switch (reg) {
    case VBE_XRES: return 2560;
    case VBE_YRES: return 1600;
    case VBE_BPP: return 32;
    default: return 0;
    }
}

static void vbe_update_start(Vga *s)
{
    uint32_t bpp = s->vbe[VBE_BPP] == 15 ? 16 : s->vbe[VBE_BPP];
    uint32_t stride = s->vbe[VBE_VIRT_WIDTH] * ((bpp + 7) / 8);
    s->vbe_start = s->vbe[VBE_Y_OFFSET] * stride + s->vbe[VBE_X_OFFSET] * ((bpp + 7) / 8);
}

static void vbe_enable(Vga *s, uint16_t v)
{
    if ((v & VBE_ENABLED) && !vbe_on(s)) {
        uint32_t bpp = s->vbe[VBE_BPP] == 15 ? 16 : s->vbe[VBE_BPP];
        if (!bpp || !s->vbe[VBE_XRES] || !s->vbe[VBE_YRES] ||
            (uint64_t)s->vbe[VBE_XRES] * s->vbe[VBE_YRES] * ((bpp + 7) / 8) > s->vram_size)
            return;
        s->vbe[VBE_VIRT_WIDTH] = s->vbe[VBE_XRES];
        s->vbe[VBE_VIRT_HEIGHT] = (uint16_t)(s->vram_size /
                                             (s->vbe[VBE_XRES] * ((bpp + 7) / 8)));
        s->vbe[VBE_X_OFFSET] = s->vbe[VBE_Y_OFFSET] = 0;
        if (!(v & VBE_NOCLEARMEM))
            memset(s->vram.host, 0, (size_t)s->vbe[VBE_XRES] * s->vbe[VBE_YRES] *
                                   ((bpp + 7) / 8));
        /* The VGA side in a graphics, chain-4 configuration, as the
         * hardware the VBE BIOS was written for leaves it. */
        s->gr[GR_MISC] = (s->gr[GR_MISC] & ~0x0c) | 0x05;
        s->sr[SR_MEM_MODE] |= 0x08;
    }
    s->vbe[VBE_ENABLE] = v & ~VBE_GETCAPS;
    vbe_update_start(s);
}

uint16_t vga_vbe_read(Vga *s, uint16_t index)
{
    if (index == VBE_VIDEO_MEMORY_64K)
        return (uint16_t)(s->vram_size / 65536);
    if (index >= VBE_REGS)
        return 0;
    if ((s->vbe[VBE_ENABLE] & VBE_GETCAPS) && vbe_max(index))
        return vbe_max(index);
    return s->vbe[index];
}

static uint64_t vbe_read(void *opaque, uint64_t off, unsigned size)
{
    Vga *s = opaque;
    (void)size;
    return off == 0 ? s->vbe_index : vga_vbe_read(s, s->vbe_index);
}

static void vbe_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    Vga *s = opaque;
    (void)size;
    if (off == 0) {
        s->generation++;
        s->vbe_index = (uint16_t)val;
        return;
    }
    vga_vbe_write(s, s->vbe_index, (uint16_t)val);
}

void vga_vbe_write(Vga *s, uint16_t index, uint16_t v)
{
    s->generation++;
    switch (index) {
    case VBE_ID:
        if (v >= 0xb0c0 && v <= 0xb0c5)
            s->vbe[VBE_ID] = v;
        break;
    case VBE_XRES: case VBE_YRES:
        if (!vbe_on(s) && v <= vbe_max(index))
            s->vbe[index] = v;
        break;
    case VBE_BPP:
        if (!vbe_on(s) && (v == 4 || v == 8 || v == 15 || v == 16 || v == 24 || v == 32))
            s->vbe[VBE_BPP] = v;
        break;
    case VBE_ENABLE:
        if ((v & VBE_GETCAPS) && !(v & VBE_ENABLED)) {
            s->vbe[VBE_ENABLE] = (uint16_t)((s->vbe[VBE_ENABLE] & VBE_ENABLED) | VBE_GETCAPS);
            break;
        }
        vbe_enable(s, v);
        break;
    case VBE_BANK:
        if ((uint32_t)v * 65536 < s->vram_size)
            s->vbe[VBE_BANK] = v;
        break;
    case VBE_VIRT_WIDTH: case VBE_X_OFFSET: case VBE_Y_OFFSET:
        s->vbe[index] = v;
        vbe_update_start(s);
        break;
    default:
        break;
    }
}

static const MemoryRegionOps lowmem_ops = { lowmem_read, lowmem_write, 1, 1 };
static const MemoryRegionOps r3c0_ops = { r3c0_read, r3c0_write, 1, 1 };
static const MemoryRegionOps r3b4_ops = { r3b4_read, r3b4_write, 1, 1 };
static const MemoryRegionOps r3d4_ops = { r3d4_read, r3d4_write, 1, 1 };
static const MemoryRegionOps vbe_ops = { vbe_read, vbe_write, 2, 2 };

uint8_t vga_ioport_read(Vga *s, uint16_t port)
{
    if (port >= 0x3c0 && port < 0x3d0)
        return (uint8_t)r3c0_read(s, port - 0x3c0, 1);
    if (port >= 0x3b4 && port < 0x3bb)
        return (uint8_t)crt_read(s, port - 0x3b4, false);
    if (port >= 0x3d4 && port < 0x3db)
        return (uint8_t)crt_read(s, port - 0x3d4, true);
    return 0xff;
}

void vga_ioport_write(Vga *s, uint16_t port, uint8_t v)
{
    if (port >= 0x3c0 && port < 0x3d0)
        r3c0_write(s, port - 0x3c0, v, 1);
    else if (port >= 0x3b4 && port < 0x3bb)
        crt_write(s, port - 0x3b4, v, false);
    else if (port >= 0x3d4 && port < 0x3db)
        crt_write(s, port - 0x3d4, v, true);
}

static int source_render(void *opaque, uint32_t **px, int *w, int *h)
{
    return vga_render(opaque, px, w, h);
}

static int source_text(void *opaque, GraphicText *t)
{
    return vga_text(opaque, t);
}

/* 0: unknown (render every time). */
static uint64_t source_generation(void *opaque)
{
    Vga *s = opaque;
    uint64_t blink = vga_blink_count(s);
    if (blink != s->blink_seen) {       /* the cursor or characters blinked */
        s->blink_seen = blink;
        s->generation++;
    }
    if (!vga_dirty_poll(s))
        return 0;
    uint64_t g = s->generation + s->vram_generation;
    return g ? g : 1;
}

static bool source_changed_lines(void *opaque, uint8_t *lines, int h)
{
    return vga_changed_lines(opaque, lines, h);
}

static int source_render_lines(void *opaque, uint32_t *px, int w, int h, const uint8_t *lines)
{
    return vga_render_lines(opaque, px, w, h, lines);
}

static const GraphicHwOps source_ops = {
    .render = source_render, .text = source_text, .generation = source_generation,
    .changed_lines = source_changed_lines, .render_lines = source_render_lines,
};

void vga_core_init(Vga *s, Machine *m, uint32_t vram_size, const VgaExt *ext)
{
    s->vram_size = vram_size;
    s->ext = ext;
    mr_init_ram(&s->vram, "vga.vram", vram_size);
    mr_init_io(&s->lowmem, "vga-lowmem", 0x20000, &lowmem_ops, s);
    mr_init_io(&s->io_3c0, "vga", 16, &r3c0_ops, s);
    mr_init_io(&s->io_3b4, "vga-mono", 7, &r3b4_ops, s);
    mr_init_io(&s->io_3d4, "vga-color", 7, &r3d4_ops, s);
    graphic_hw_register(&source_ops, s);
    if (s->no_legacy)
        return;
    as_map(&m->mem, &s->lowmem, 0xa0000, 1);
    as_map(&m->io, &s->io_3c0, 0x3c0, 0);
    as_map(&m->io, &s->io_3b4, 0x3b4, 0);
    as_map(&m->io, &s->io_3d4, 0x3d4, 0);
}

void vga_core_reset(Vga *s)
{
    s->generation++;
    memset(&s->misc, 0, sizeof(*s) - offsetof(Vga, misc));
    s->dac_mask = 0xff;
    s->sr[SR_MAP_MASK] = 0x0f;
    s->gr[GR_BIT_MASK] = 0xff;
}

void vga_lfb_init(Vga *s, const char *name)
{
    mr_init_ram_ptr(&s->lfb, name, s->vram_size, s->vram.host);
    mr_dirty_log_start(&s->lfb);
}

void vga_core_unrealize(Vga *s)
{
    graphic_hw_unregister(s);
    mr_free(&s->lfb);
    if (!s->no_legacy) {
        as_unmap(s->lowmem.as, &s->lowmem);
        as_unmap(s->io_3c0.as, &s->io_3c0);
        as_unmap(s->io_3b4.as, &s->io_3b4);
        as_unmap(s->io_3d4.as, &s->io_3d4);
    }
    mr_free(&s->vram);
}

int vga_load_romfile(Vga *s, MemoryRegion *rom, const char *dev, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        error_report("%s: romfile=%s: cannot open it", dev, path);
        return -1;
    }
    uint8_t *buf = xmalloc(1 << 20);
    size_t n = fread(buf, 1, 1 << 20, f);
    fclose(f);
    uint64_t size = 2048;
    while (size < n)
        size *= 2;
    if (n == 0 || n == 1 << 20) {
        error_report("%s: romfile=%s: empty or larger than 1 MiB", dev, path);
        free(buf);
        return -1;
    }
    mr_init_rom(rom, "vga.rom", size);
    memcpy(rom->host, buf, n);
    free(buf);
    pci_rom_init(&s->fn, rom);
    return 0;
}

static int vga_realize(Device *dev, Machine *m)
{
    Vga *s = (Vga *)dev;
    vga_core_init(s, m, VGA_VRAM_SIZE, NULL);
    vga_lfb_init(s, "vga.lfb");
    mr_init_io(&s->io_vbe, "vbe", 4, &vbe_ops, s);
    if (m->pci) {
        /* The framebuffer is BAR0, where firmware puts it; class "VGA
         * compatible", so the legacy ranges above stay decoded. */
        pci_function_init(&s->fn, 0x1234, 0x1111, 0x03, 0x00, 0x02);
        pci_bar_init(&s->fn, 0, &s->lfb, false);
        s->fn.config[PCI_BAR0] |= 0x08;             /* prefetchable */
        if (pci_bus_add(m->pci, &s->fn, PCI_DEVFN(2, 0)) < 0 &&
            pci_bus_add(m->pci, &s->fn, -1) < 0)
            return -1;
    } else {
        as_map(&m->mem, &s->lfb, VBE_LFB_ADDR, 0);
    }
    /* Index at 0x1ce; data at 0x1cf (and 0x1d0), always 16-bit. */
    as_map(&m->io, &s->io_vbe, 0x1ce, 0);
    return 0;
}

static void vga_reset(Device *dev)
{
    Vga *s = (Vga *)dev;
    vga_core_reset(s);
    if (s->fn.bus) {
        pci_function_reset(&s->fn);
        s->fn.config[PCI_BAR0] |= 0x08;
    }
    s->vbe[VBE_ID] = 0xb0c5;
}

static void vga_unrealize(Device *dev)
{
    Vga *s = (Vga *)dev;
    if (s->fn.bus)
        pci_bus_remove(s->fn.bus, &s->fn);
    else
        as_unmap(s->lfb.as, &s->lfb);
    as_unmap(s->io_vbe.as, &s->io_vbe);
    vga_core_unrealize(s);
}

static void vga_info(Device *dev, char *buf, size_t len)
{
    Vga *s = (Vga *)dev;
    snprintf(buf, len, "%s vbe %ux%ux%u", s->gr[GR_MISC] & 1 ? "graphics" : "text",
             s->vbe[VBE_XRES], s->vbe[VBE_YRES], s->vbe[VBE_BPP]);
}

static DeviceClass vga_class = {
    .name = "VGA",
    .desc = "standard VGA with Bochs VBE extensions and a linear framebuffer",
    .bus = "pci",
    .size = sizeof(Vga),
    .realize = vga_realize,
    .user_creatable = true,
    .reset = vga_reset,
    .unrealize = vga_unrealize,
    .info = vga_info,
};
DEVICE_REGISTER(vga_class)
