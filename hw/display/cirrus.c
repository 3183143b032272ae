/* "cirrus-vga": the Cirrus Logic CL-GD5446 on PCI (1013:00b8) as QEMU's pc
 * machine has it: 4 MiB of video RAM, linear in BAR 0; the VGA and BitBLT
 * registers memory-mapped in BAR 1; the standard VGA from the VGA core
 * (vga.c) with the Cirrus extensions behind it: the sequencer's SR6 unlock,
 * SR7 extended modes and SR10-SR1F (hardware cursor, memory size, MMIO
 * enable), the graphics controller's GR9-GRB banking of the 0xa0000 window
 * and GR10-GR3F (BitBLT, cirrus-blit.c), CR19-CR3F (extended start address
 * and pitch, chip id) and the hidden DAC register behind 0x3c6. */
#include "hw/display/cirrus-int.h"
#include "hw/core/error.h"
#include "hw/core/machine.h"
#include "hw/core/util.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SR_UNLOCK   0x06
#define SR_EXT_MODE 0x07
#define SR_MMIO     0x17
#define GR_BANK0    0x09
#define GR_BANK_CTL 0x0b

static Cirrus *cirrus_of(Vga *s)
{
    return (Cirrus *)s;
}

/* Cursor position registers answer at every index with these low 5 bits;
 * the index's top 3 bits are the position's low bits. */
static void sr_write(Cirrus *c, uint8_t index, uint8_t v)
{
    switch (index & 0x1f) {
    case 0x10:
        c->sr[0x10] = v;
        c->cursor_x = (uint16_t)(v << 3 | index >> 5);
        return;
    case 0x11:
        c->sr[0x11] = v;
        c->cursor_y = (uint16_t)(v << 3 | index >> 5);
        return;
    }
    if (index == SR_UNLOCK)
        c->sr[SR_UNLOCK] = (v & 0x17) == 0x12 ? 0x12 : 0x0f;
    else if (index < 0x20 && index != 0x0f && index != 0x15 && index != 0x1f)
        c->sr[index] = v;                   /* SR0F, SR15, SR1F: strapping, read-only */
}

static uint8_t sr_read(const Cirrus *c, uint8_t index)
{
    if ((index & 0x1f) == 0x10 || (index & 0x1f) == 0x11)
        return c->sr[index & 0x1f];
    return index < 0x20 ? c->sr[index] : 0xff;
}

static uint8_t cr_read(Cirrus *c, uint8_t index)
{
    switch (index) {
    case 0x24: return c->vga.ar_flip ? 0x80 : 0;   /* attribute flip-flop */
    case 0x26: return c->vga.ar_index & 0x3f;
    case 0x27: return CIRRUS_ID_5446;
    default:   return index < 0x40 ? c->cr[index] : 0xff;
    }
}

/* The hidden DAC register: four reads of 0x3c6 in a row (no other
 * 0x3cX access between) open it for the next read or write. */
static uint8_t hidden_dac_read(Cirrus *c)
{
    if (c->vga.dac_mask_reads == 5) {
        c->vga.dac_mask_reads = 0;
        return c->hidden_dac;
    }
    return c->vga.dac_mask;
}

static bool hidden_dac_write(Cirrus *c, uint8_t v)
{
    if (c->vga.dac_mask_reads != 4)
        return false;
    c->hidden_dac = v;
    return true;
}

/* SR12 bit 1 turns the DAC's data port to the cursor's palette. */
static bool cursor_palette_on(const Cirrus *c)
{
    return c->sr[0x12] & 0x02;
}

/* Which of the extension registers answer: false leaves the access to
 * the standard VGA. */
static bool is_extension(const Cirrus *c, VgaRegSet set, uint8_t index)
{
    switch (set) {
    case VGA_DAC_MASK: return true;
    case VGA_DAC_DATA: return cursor_palette_on(c);
    case VGA_SR:       return index >= SR_UNLOCK;
    case VGA_GR:       return index >= GR_BANK0;
    default:           return index >= 0x19;
    }
}

static bool ext_reg_read(Vga *s, VgaRegSet set, uint8_t index, uint8_t *v)
{
    Cirrus *c = cirrus_of(s);
    if (!is_extension(c, set, index))
        return false;
    switch (set) {
    case VGA_DAC_MASK: *v = hidden_dac_read(c); break;
    case VGA_DAC_DATA: *v = c->cursor_palette[index]; break;
    case VGA_SR:       *v = sr_read(c, index); break;
    case VGA_GR:       *v = index < 0x40 ? c->gr[index] : 0xff; break;
    default:           *v = cr_read(c, index); break;
    }
    return true;
}

/* The blit engine's registers (GR20-GR3F) and the bank registers change
 * no picture: a blit marks the video RAM it writes. */
static bool changes_picture(VgaRegSet set, uint8_t index)
{
    return set != VGA_GR || index < GR_BANK0;
}

static bool ext_reg_write(Vga *s, VgaRegSet set, uint8_t index, uint8_t v)
{
    Cirrus *c = cirrus_of(s);
    if (changes_picture(set, index))
        s->generation++;
    if (set == VGA_DAC_MASK)
        return hidden_dac_write(c, v);
    if (set == VGA_GR && index == 5) {  /* the write mode: BAR 0 may change */
        s->gr[5] = v;
        cirrus_lfb_update(c);
        return true;
    }
    if (!is_extension(c, set, index))
        return false;
    switch (set) {
    case VGA_DAC_DATA:
        c->cursor_palette[index] = v;
        break;
    case VGA_SR:
        sr_write(c, index, v);
        break;
    case VGA_GR:
        if (index >= 0x20 && index < 0x40)
            cirrus_gr_blt_write(c, index, v);
        else if (index < 0x40)
            c->gr[index] = v;
        if (index == GR_BANK_CTL)
            cirrus_lfb_update(c);
        break;
    default:
        if (index < 0x40 && index != 0x24 && index != 0x26 && index != 0x27)
            c->cr[index] = v;
        break;
    }
    return true;
}

/* VRAM offset of addr (< 0x10000) through GR9/GRA: one 64 KiB bank, or two
 * of 32 KiB (GRB bit 0), at 4 or 16 KiB (GRB bit 5) granularity; -1 past
 * the end of video RAM. */
static int64_t bank_offset(const Cirrus *c, uint64_t addr)
{
    bool dual = c->gr[GR_BANK_CTL] & 0x01;
    unsigned shift = c->gr[GR_BANK_CTL] & 0x20 ? 14 : 12;
    unsigned bank = dual ? (unsigned)(addr >> 15) : 0;
    uint64_t off = ((uint64_t)c->gr[GR_BANK0 + bank] << shift) + (dual ? addr & 0x7fff : addr);
    return off < c->vga.vram_size ? (int64_t)off : -1;
}

/* The blit registers at 0xb8000 (SR17 bit 2 on, bit 6 off). */
static bool is_mmio_window(const Cirrus *c, uint64_t addr)
{
    return addr >= 0x18000 && addr < 0x18100 && (c->sr[SR_MMIO] & 0x44) == 0x04;
}

static bool ext_mem_read(Vga *s, uint64_t addr, uint8_t *v)
{
    Cirrus *c = cirrus_of(s);
    if (!(c->sr[SR_EXT_MODE] & 0x01))
        return false;
    int64_t off = addr < 0x10000 ? bank_offset(c, addr) : -1;
    if (is_mmio_window(c, addr))
        *v = cirrus_mmio_blt_read(c, (uint32_t)(addr - 0x18000));
    else if (c->blt.pending && c->blt.to_system && addr < 0x10000)
        *v = cirrus_blt_drain(c);
    else
        *v = off < 0 ? 0xff : s->vram.host[off];
    return true;
}

static bool ext_mem_write(Vga *s, uint64_t addr, uint8_t v)
{
    Cirrus *c = cirrus_of(s);
    if (!(c->sr[SR_EXT_MODE] & 0x01))
        return false;
    if (is_mmio_window(c, addr)) {
        cirrus_mmio_blt_write(c, (uint32_t)(addr - 0x18000), v);
        return true;
    }
    if (addr >= 0x10000)
        return true;
    if (c->blt.pending && !c->blt.to_system) {
        cirrus_blt_feed(c, v);
        return true;
    }
    int64_t off = bank_offset(c, addr);
    if (off >= 0 && cirrus_ext_write_mode(c)) {
        cirrus_ext_write(c, (uint64_t)off, v);
    } else if (off >= 0) {
        s->vram.host[off] = v;
        mr_dirty_mark(&s->lfb, (uint64_t)off, 1);
    }
    return true;
}

static bool ext_untracked(Vga *s)
{
    return cirrus_of(s)->sr[SR_EXT_MODE] & 0x01;
}

static const VgaExt cirrus_ext = {
    .reg_read = ext_reg_read, .reg_write = ext_reg_write,
    .mem_read = ext_mem_read, .mem_write = ext_mem_write,
    .render = cirrus_render, .untracked = ext_untracked, .visible = cirrus_visible,
    .render_lines = cirrus_render_lines,
};

/* BAR 1: the VGA registers from 0x3c0 at 0x000-0x0ff, the BitBLT
 * registers at 0x100-0x1ff.  Byte accesses; the bus splits wider ones. */
static uint64_t mmio_read(void *opaque, uint64_t off, unsigned size)
{
    Cirrus *c = opaque;
    (void)size;
    if (off < 0x40)
        return vga_ioport_read(&c->vga, (uint16_t)(0x3c0 + off));
    if (off >= 0x100 && off < 0x200)
        return cirrus_mmio_blt_read(c, (uint32_t)(off - 0x100));
    return 0xff;
}

static void mmio_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    Cirrus *c = opaque;
    (void)size;
    if (off < 0x40)
        vga_ioport_write(&c->vga, (uint16_t)(0x3c0 + off), (uint8_t)val);
    else if (off >= 0x100 && off < 0x200)
        cirrus_mmio_blt_write(c, (uint32_t)(off - 0x100), (uint8_t)val);
}

static const MemoryRegionOps mmio_ops = { mmio_read, mmio_write, 1, 1 };

/* BAR 0 while a system-to-screen blit waits for data: writes are its
 * source (as QEMU's linear aperture takes them), reads see video RAM;
 * while a screen-to-system blit waits, reads are its data; in extended
 * write modes 4 and 5, writes are bits of pixels.  Otherwise BAR 0 is
 * plain memory, at the CPU's full speed. */
static uint64_t lfb_blt_read(void *opaque, uint64_t off, unsigned size)
{
    Cirrus *c = opaque;
    (void)size;
    if (c->blt.pending && c->blt.to_system)
        return cirrus_blt_drain(c);
    return c->vga.vram.host[off];
}

static void lfb_blt_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    Cirrus *c = opaque;
    (void)size;
    if (c->blt.pending && !c->blt.to_system)
        cirrus_blt_feed(c, (uint8_t)val);
    else if (cirrus_ext_write_mode(c))
        cirrus_ext_write(c, off, (uint8_t)val);
    else {                              /* the bytes after the blit's last */
        c->vga.vram.host[off] = (uint8_t)val;
        mr_dirty_mark(&c->vga.lfb, off, 1);
    }
}

static const MemoryRegionOps lfb_blt_ops = { lfb_blt_read, lfb_blt_write, 1, 1 };

void cirrus_lfb_update(Cirrus *c)
{
    cirrus_lfb_capture(c, c->blt.pending || cirrus_ext_write_mode(c));
}

void cirrus_lfb_capture(Cirrus *c, bool on)
{
    if (c->lfb_blt.as)
        as_unmap(c->lfb_blt.as, &c->lfb_blt);
    MemoryRegion *lfb = &c->vga.lfb;
    if (on && lfb->as && lfb->enabled)
        as_map(lfb->as, &c->lfb_blt, lfb->addr, 2);
}

static int cirrus_realize(Device *dev, Machine *m)
{
    Cirrus *c = (Cirrus *)dev;
    Vga *s = &c->vga;
    if (!m->pci) {
        error_report("cirrus-vga: the machine has no PCI bus");
        return -1;
    }
    vga_core_init(s, m, CIRRUS_VRAM_SIZE, &cirrus_ext);
    vga_lfb_init(s, "cirrus-vga.lfb");
    mr_init_io(&c->mmio, "cirrus-vga.mmio", CIRRUS_MMIO_SIZE, &mmio_ops, c);
    mr_init_io(&c->lfb_blt, "cirrus-vga.lfb-blt", CIRRUS_VRAM_SIZE, &lfb_blt_ops, c);
    pci_function_init(&s->fn, 0x1013, 0x00b8, 0x03, 0x00, 0x00);
    pci_bar_init(&s->fn, 0, &s->lfb, false);
    s->fn.config[PCI_BAR0] |= 0x08;                 /* prefetchable */
    pci_bar_init(&s->fn, 1, &c->mmio, false);
    if (c->romfile && *c->romfile && vga_load_romfile(s, &c->rom, "cirrus-vga", c->romfile))
        return -1;
    if (pci_bus_add(m->pci, &s->fn, PCI_DEVFN(2, 0)) < 0 &&
        pci_bus_add(m->pci, &s->fn, -1) < 0)
        return -1;
    return 0;
}

static void cirrus_reset(Device *dev)
{
    Cirrus *c = (Cirrus *)dev;
    cirrus_lfb_capture(c, false);
    vga_core_reset(&c->vga);
    pci_function_reset(&c->vga.fn);
    c->vga.fn.config[PCI_BAR0] |= 0x08;
    memset(c->sr, 0, offsetof(Cirrus, blt) - offsetof(Cirrus, sr));
    memset(&c->blt, 0, sizeof(c->blt));
    c->sr[SR_UNLOCK] = 0x0f;
    c->sr[0x0f] = 0x98;             /* 32-bit DRAM data bus, as QEMU's 5446 */
    c->sr[0x15] = 0x04;             /* 4 MiB */
    c->sr[SR_MMIO] = 0x20;          /* PCI bus */
    c->sr[0x1f] = 0x2d;             /* memory clock */
    c->gr[0x18] = 0x0f;
}

static void cirrus_unrealize(Device *dev)
{
    Cirrus *c = (Cirrus *)dev;
    cirrus_lfb_capture(c, false);
    pci_bus_remove(c->vga.fn.bus, &c->vga.fn);
    vga_core_unrealize(&c->vga);
    if (c->rom.host)
        mr_free(&c->rom);
}

static void cirrus_info(Device *dev, char *buf, size_t len)
{
    Cirrus *c = (Cirrus *)dev;
    const Vga *s = &c->vga;
    snprintf(buf, len, "%s, %d bpp, crt %ux%u, sr7 0x%02x hdr 0x%02x cr13 0x%02x cr1b 0x%02x, "
             "blits dropped %u",
             c->sr[SR_EXT_MODE] & 1 ? "extended" : s->gr[6] & 1 ? "graphics" : "text",
             cirrus_bpp(c), (s->cr[0x01] + 1) * 8, vga_height(s), c->sr[SR_EXT_MODE],
             c->hidden_dac, s->cr[0x13], c->cr[0x1b], c->dropped);
}

static const Property cirrus_props[] = {
    DEFINE_PROP_STR("romfile", Cirrus, romfile, ""),
    PROP_END,
};

static DeviceClass cirrus_class = {
    .name = "cirrus-vga",
    .desc = "Cirrus CLGD 54xx VGA",
    .bus = "pci",
    .size = sizeof(Cirrus),
    .props = cirrus_props,
    .user_creatable = true,
    .realize = cirrus_realize,
    .reset = cirrus_reset,
    .unrealize = cirrus_unrealize,
    .info = cirrus_info,
};
DEVICE_REGISTER(cirrus_class)
