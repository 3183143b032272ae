/* The DSDT's AML (ACPI 6.4, chapter 20): \_S5 for power-off, and the PCI
 * root bridge \_SB.PCI0 (PNP0A03) with the resources it decodes (_CRS)
 * and its interrupt routing (_PRT), without which an ACPI kernel sees no
 * PCI device at all; in it the 8042's keyboard and mouse (PNP0303,
 * PNP0F13).
 *
 * _PRT names GSIs directly (no link devices): slot S pin P reaches PIRQ
 * (S - 1 + P) mod 4 on the PIIX, and the PIRQs go to ISA IRQs 10, 10, 11,
 * 11 -- the routing SeaBIOS programs into the PIIX3 on this board. */
#include "hw/pc/acpi.h"
#include "hw/pc/pc-board.h"

#include <string.h>

typedef struct Aml {
    uint8_t *p;
    size_t len, max;
} Aml;

static void emit(Aml *a, const void *data, size_t n)
{
    if (a->len + n <= a->max)
        memcpy(a->p + a->len, data, n);
    a->len += n;
}

static void byte(Aml *a, uint8_t v) { emit(a, &v, 1); }

static void le(Aml *a, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        byte(a, (uint8_t)(v >> (8 * i)));
}

/* An integer in its shortest encoding. */
static void integer(Aml *a, uint32_t v)
{
    if (v == 0) {
        byte(a, 0x00);              /* ZeroOp */
    } else if (v == 1) {
        byte(a, 0x01);              /* OneOp */
    } else if (v <= 0xff) {
        byte(a, 0x0a);
        byte(a, (uint8_t)v);
    } else if (v <= 0xffff) {
        byte(a, 0x0b);
        le(a, v, 2);
    } else {
        byte(a, 0x0c);
        le(a, v, 4);
    }
}

/* Wrap body (already emitted from start) in a PkgLength: move it right by
 * the length's own size. */
static void pkg_wrap(Aml *a, size_t start)
{
    size_t body = a->len - start, n = body + 1 < 64 ? 1 : body + 2 < 4096 ? 2 : 3;
    size_t total = body + n;
    uint8_t enc[3];
    if (n == 1) {
        enc[0] = (uint8_t)total;
    } else if (n == 2) {
        enc[0] = (uint8_t)(0x40 | (total & 0x0f));
        enc[1] = (uint8_t)(total >> 4);
    } else {
        enc[0] = (uint8_t)(0x80 | (total & 0x0f));
        enc[1] = (uint8_t)(total >> 4);
        enc[2] = (uint8_t)(total >> 12);
    }
    if (a->len + n <= a->max) {
        memmove(a->p + start + n, a->p + start, body);
        memcpy(a->p + start, enc, n);
    }
    a->len += n;
}

static void name(Aml *a, const char *seg)
{
    byte(a, 0x08);                  /* NameOp */
    emit(a, seg, 4);
}

/* Word/DWord Address Space Descriptors: a range the bridge forwards. */
static void word_range(Aml *a, uint8_t type, uint8_t tflags, uint16_t min, uint16_t max)
{
    byte(a, 0x88);
    le(a, 13, 2);
    byte(a, type);
    byte(a, 0x0c);                  /* producer, fixed min and max */
    byte(a, tflags);
    le(a, 0, 2);                    /* granularity */
    le(a, min, 2);
    le(a, max, 2);
    le(a, 0, 2);                    /* translation */
    le(a, (uint32_t)max - min + 1, 2);
}

static void dword_mem(Aml *a, uint32_t min, uint32_t max)
{
    byte(a, 0x87);
    le(a, 23, 2);
    byte(a, 0);                     /* memory */
    byte(a, 0x0c);
    byte(a, 0x01);                  /* read-write, non-cacheable */
    le(a, 0, 4);
    le(a, min, 4);
    le(a, max, 4);
    le(a, 0, 4);
    le(a, max - min + 1, 4);
}

static void crs(Aml *a, const Machine *m)
{
    uint64_t below, above;
    pc_split_ram(m->cfg.ram_size, &below, &above);
    name(a, "_CRS");
    byte(a, 0x11);                  /* BufferOp */
    size_t start = a->len;
    size_t size_at = a->len;
    integer(a, 0xffff);             /* buffer size, patched below (word form) */
    size_t data = a->len;
    word_range(a, 2, 0, 0, 0xff);                   /* buses 0-255 */
    static const uint8_t cf8[] = { 0x47, 0x01, 0xf8, 0x0c, 0xf8, 0x0c, 0x01, 0x08 };
    emit(a, cf8, sizeof(cf8));                      /* the config ports */
    word_range(a, 1, 0x03, 0x0000, 0x0cf7);
    word_range(a, 1, 0x03, 0x0d00, 0xffff);
    dword_mem(a, 0xa0000, 0xbffff);
    dword_mem(a, (uint32_t)below, 0xfebfffff);
    byte(a, 0x79);                                  /* end tag */
    byte(a, 0x00);
    uint32_t n = (uint32_t)(a->len - data);
    if (size_at + 3 <= a->max) {
        a->p[size_at + 1] = (uint8_t)n;
        a->p[size_at + 2] = (uint8_t)(n >> 8);
    }
    pkg_wrap(a, start);
}

static void prt(Aml *a)
{
    static const uint8_t pirq_irq[4] = { 10, 10, 11, 11 };
    name(a, "_PRT");
    byte(a, 0x12);                  /* PackageOp */
    size_t start = a->len;
    byte(a, 31 * 4);
    for (uint32_t slot = 1; slot < 32; slot++) {
        for (uint32_t pin = 0; pin < 4; pin++) {
            byte(a, 0x12);
            size_t e = a->len;
            byte(a, 4);
            integer(a, slot << 16 | 0xffff);
            integer(a, pin);
            integer(a, 0);          /* no link device: the next is a GSI */
            integer(a, pirq_irq[(slot - 1 + pin) & 3]);
            pkg_wrap(a, e);
        }
    }
    pkg_wrap(a, start);
}

/* Device (seg) { _HID: EISA id "PNP" followed by pnp in hex; _CRS: the
 * 8042's I/O ports if ports is set, and IRQ irq }: used for
 * the 8042's keyboard (PNP0303: ports 0x60 and 0x64, IRQ 1) and PS/2
 * mouse (PNP0F13: IRQ 12).  Firmware looks for them before it sets the
 * keyboard up (SeaBIOS skips PS/2 when the DSDT lists no PNP0303), and
 * Linux's i8042 driver finds the controller through them. */
static void pnp_device(Aml *a, const char *seg, uint16_t pnp, bool ports, int irq)
{
    byte(a, 0x5b);                  /* DeviceOp */
    byte(a, 0x82);
    size_t dev = a->len;
    emit(a, seg, 4);
    name(a, "_HID");
    uint8_t id[] = { 0x0c, 0x41, 0xd0, (uint8_t)(pnp >> 8), (uint8_t)pnp };   /* EISAID */
    emit(a, id, sizeof(id));
    name(a, "_CRS");
    byte(a, 0x11);                  /* BufferOp */
    size_t start = a->len;
    static const uint8_t io[] = { 0x47, 0x01, 0x60, 0x00, 0x60, 0x00, 0x01, 0x01,
                                  0x47, 0x01, 0x64, 0x00, 0x64, 0x00, 0x01, 0x01 };
    uint8_t irqd[] = { 0x22, (uint8_t)(1u << irq), (uint8_t)((1u << irq) >> 8), 0x79, 0x00 };
    integer(a, (uint32_t)((ports ? sizeof(io) : 0) + sizeof(irqd)));
    if (ports)
        emit(a, io, sizeof(io));
    emit(a, irqd, sizeof(irqd));
    pkg_wrap(a, start);
    pkg_wrap(a, dev);
}

size_t acpi_dsdt_aml(const Machine *m, uint8_t *out, size_t max)
{
    Aml a = { out, 0, max };
    /* Name (_S5, Package (4) { 0, 0, 0, 0 }): SLP_TYP 0 is PIIX4 soft-off. */
    static const uint8_t s5[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0, 0, 0, 0 };
    emit(&a, s5, sizeof(s5));
    byte(&a, 0x10);                 /* Scope (\_SB) */
    size_t scope = a.len;
    emit(&a, "\\_SB_", 5);
    byte(&a, 0x5b);                 /* Device (PCI0) */
    byte(&a, 0x82);
    size_t dev = a.len;
    emit(&a, "PCI0", 4);
    name(&a, "_HID");
    static const uint8_t pnp0a03[] = { 0x0c, 0x41, 0xd0, 0x0a, 0x03 };  /* EISAID */
    emit(&a, pnp0a03, sizeof(pnp0a03));
    name(&a, "_ADR");
    integer(&a, 0);
    name(&a, "_UID");
    integer(&a, 0);
    crs(&a, m);
    prt(&a);
    pnp_device(&a, "KBD_", 0x0303, true, 1);
    pnp_device(&a, "MOU_", 0x0f13, false, 12);
    pkg_wrap(&a, dev);
    pkg_wrap(&a, scope);
    return a.len;
}
