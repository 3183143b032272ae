/* bochs-display: QEMU's VGA-less display (1234:1111, class 0380 "display
 * controller"): the Bochs VBE registers and nothing of the legacy VGA (no
 * 0xa0000 window, no ports).  BAR 0 is the framebuffer, BAR 2 4 KiB of
 * MMIO laid out as QEMU's standard-VGA spec describes: an EDID block at
 * 0x000 (none here: it reads zero, so drivers use their default modes),
 * the VBE registers as 16-bit words from 0x500 (index * 2), and QEMU's
 * extension registers at 0x600 (their size, and the framebuffer's byte
 * order, which is little endian).  Linux's bochs DRM driver and SeaBIOS's
 * vgabios-bochs-display (romfile=, in the expansion ROM BAR) drive it. */
#include "hw/display/vga-int.h"
#include "hw/core/error.h"
#include "hw/core/machine.h"

#include <stdio.h>

#define MMIO_SIZE 0x1000
#define VBE_MMIO  0x500
#define QEXT_MMIO 0x600
#define QEXT_SIZE 8
#define FB_LITTLE_ENDIAN 0x1e1e1e1eu

typedef struct BochsDisplay {
    Vga vga;                   /* its Device comes first */
    MemoryRegion mmio, rom;
    char *romfile;
} BochsDisplay;

static uint16_t reg_read(BochsDisplay *s, uint64_t off)
{
    if (off >= VBE_MMIO && off < VBE_MMIO + 2 * 0x10)
        return vga_vbe_read(&s->vga, (uint16_t)((off - VBE_MMIO) / 2));
    if (off == QEXT_MMIO)
        return QEXT_SIZE;
    if (off == QEXT_MMIO + 4 || off == QEXT_MMIO + 6)
        return (uint16_t)FB_LITTLE_ENDIAN;
    return 0;
}

/* 16-bit registers: wider accesses are split, a byte reads its half. */
static uint64_t mmio_read(void *opaque, uint64_t off, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        uint64_t o = off + i;
        v |= (uint64_t)((reg_read(opaque, o & ~1ull) >> (8 * (o & 1))) & 0xff) << (8 * i);
    }
    return v;
}

static void mmio_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    BochsDisplay *s = opaque;
    for (unsigned i = 0; i + 2 <= size; i += 2) {
        uint64_t o = off + i;
        if (o >= VBE_MMIO && o < VBE_MMIO + 2 * 0x10 && !(o & 1))
            vga_vbe_write(&s->vga, (uint16_t)((o - VBE_MMIO) / 2), (uint16_t)(val >> (8 * i)));
    }
}

static const MemoryRegionOps mmio_ops = { mmio_read, mmio_write, 1, 4 };

static int bochs_realize(Device *dev, Machine *m)
{
    BochsDisplay *s = (BochsDisplay *)dev;
    if (!m->pci) {
        error_report("-device bochs-display: the machine has no PCI bus");
        return -1;
    }
    s->vga.no_legacy = true;
    vga_core_init(&s->vga, m, VGA_VRAM_SIZE, NULL);
    vga_lfb_init(&s->vga, "bochs-display.vram");
    mr_init_io(&s->mmio, "bochs-display.mmio", MMIO_SIZE, &mmio_ops, s);
    pci_function_init(&s->vga.fn, 0x1234, 0x1111, 0x03, 0x80, 0x02);
    pci_bar_init_flags(&s->vga.fn, 0, &s->vga.lfb, PCI_BAR_PREFETCH);
    pci_bar_init(&s->vga.fn, 2, &s->mmio, false);
    if (s->romfile && *s->romfile &&
        vga_load_romfile(&s->vga, &s->rom, "bochs-display", s->romfile))
        return -1;
    if (pci_bus_add(m->pci, &s->vga.fn, -1) < 0) {
        error_report("-device bochs-display: no free slot on PCI bus 0");
        return -1;
    }
    return 0;
}

static void bochs_reset(Device *dev)
{
    BochsDisplay *s = (BochsDisplay *)dev;
    vga_core_reset(&s->vga);
    pci_function_reset(&s->vga.fn);
    s->vga.vbe[VBE_ID] = 0xb0c5;
}

static void bochs_unrealize(Device *dev)
{
    BochsDisplay *s = (BochsDisplay *)dev;
    if (s->vga.fn.bus)
        pci_bus_remove(s->vga.fn.bus, &s->vga.fn);
    mr_free(&s->mmio);
    if (s->rom.host)
        mr_free(&s->rom);
    vga_core_unrealize(&s->vga);
}

static void bochs_info(Device *dev, char *buf, size_t len)
{
    BochsDisplay *s = (BochsDisplay *)dev;
    snprintf(buf, len, "%s %ux%ux%u", s->vga.vbe[VBE_ENABLE] & VBE_ENABLED ? "on" : "off",
             s->vga.vbe[VBE_XRES], s->vga.vbe[VBE_YRES], s->vga.vbe[VBE_BPP]);
}

/* SeaBIOS runs a display's option ROM only from its ROM BAR when the
 * card is not VGA-compatible: Debian's framebuffer vgabios by default. */
static const Property bochs_props[] = {
    DEFINE_PROP_STR("romfile", BochsDisplay, romfile, "/usr/share/seabios/vgabios-bochs-display.bin"),
    PROP_END,
};

static DeviceClass bochs_display_class = {
    .name = "bochs-display",
    .desc = "Bochs VBE display without legacy VGA: framebuffer BAR 0, registers in MMIO BAR 2",
    .bus = "pci",
    .size = sizeof(BochsDisplay),
    .props = bochs_props,
    .user_creatable = true,
    .realize = bochs_realize,
    .reset = bochs_reset,
    .unrealize = bochs_unrealize,
    .info = bochs_info,
};
DEVICE_REGISTER(bochs_display_class)
