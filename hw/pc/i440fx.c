/* "i440FX-pcihost": the i440FX host bridge as firmware sees it -- PCI
 * configuration mechanism #1 (address register 0xcf8, data 0xcfc-0xcff)
 * answering for bus 0 device 0 (8086:1237, a host bridge) with its PAM and
 * SMRAM registers, and the PIIX3 reset control register at 0xcf9.  Other
 * devices read as absent (all ones) until kemu has a PCI bus.
 *
 * PAM: SeaBIOS finds this bridge, opens 0xc0000-0xfffff for writing (PAM
 * 0x33/0x30) and, since PAM0's read-enable starts clear, copies its code
 * from the ROM below 4 GiB into the shadow.  The board keeps that range as
 * RAM with the ROM's last 128 KiB preloaded, which is what firmware sees
 * after unlocking; the registers are stored and read back, but locking
 * the range read-only again is not modelled. */
#include "hw/core/device.h"
#include "hw/core/machine.h"
#include "hw/core/memory.h"

#include <stdio.h>
#include <string.h>

#define CONFIG_ADDR_PORT 0xcf8
#define CONFIG_DATA_PORT 0xcfc
#define CONFIG_ENABLE    0x80000000u
#define RCR_SYS_RST      0x02
#define RCR_RST_CPU      0x04
#define PAM0             0x59
#define PAM_LAST         0x5f
#define SMRAM            0x72

typedef struct I440fx {
    Device dev;
    MemoryRegion addr_io, data_io;
    uint32_t config_addr;
    uint8_t rcr;
    uint8_t cfg[256];
} I440fx;

#define I440FX(d) ((I440fx *)(d))

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }

/* Config-space offset of the current cycle for our function, or -1. */
static int cfg_offset(const I440fx *s, uint64_t off)
{
    uint32_t a = s->config_addr;
    if (!(a & CONFIG_ENABLE) || (a & 0x00fff800u))   /* bus 0, device 0 only */
        return -1;
    if ((a >> 8) & 7)                                 /* function 0 only */
        return -1;
    return (int)((a & 0xfc) + off);
}

static bool cfg_writable(int reg)
{
    return (reg >= PAM0 && reg <= PAM_LAST) || reg == SMRAM || reg == 0x04 || reg == 0x0d;
}

static uint64_t data_read(void *opaque, uint64_t off, unsigned size)
{
    I440fx *s = opaque;
    int reg = cfg_offset(s, off);
    if (reg < 0)
        return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    uint64_t v = 0;
    for (unsigned i = 0; i < size && reg + (int)i < 256; i++)
        v |= (uint64_t)s->cfg[reg + i] << (8 * i);
    return v;
}

static void data_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    I440fx *s = opaque;
    int reg = cfg_offset(s, off);
    if (reg < 0)
        return;
    for (unsigned i = 0; i < size && reg + (int)i < 256; i++) {
        if (cfg_writable(reg + (int)i))
            s->cfg[reg + i] = (uint8_t)(val >> (8 * i));
    }
}

/* 0xcf8 takes the address as a dword; a byte at 0xcf9 is the reset
 * control register (writing RST_CPU resets the machine). */
static uint64_t addr_read(void *opaque, uint64_t off, unsigned size)
{
    I440fx *s = opaque;
    if (off == 1 && size == 1)
        return s->rcr;
    return (s->config_addr >> (8 * off)) & (size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1);
}

static void addr_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    I440fx *s = opaque;
    if (off == 0 && size == 4) {
        s->config_addr = (uint32_t)val;
    } else if (off == 1 && size == 1) {
        s->rcr = (uint8_t)(val & RCR_SYS_RST);
        if (val & RCR_RST_CPU)
            machine_request_reset(s->dev.machine);
    }
}

static const MemoryRegionOps addr_ops = { addr_read, addr_write, 1, 4 };
static const MemoryRegionOps data_ops = { data_read, data_write, 1, 4 };

static int i440fx_realize(Device *dev, Machine *m)
{
    I440fx *s = I440FX(dev);
    mr_init_io(&s->addr_io, "pci-conf-idx", 4, &addr_ops, s);
    mr_init_io(&s->data_io, "pci-conf-data", 4, &data_ops, s);
    as_map(&m->io, &s->addr_io, CONFIG_ADDR_PORT, 0);
    as_map(&m->io, &s->data_io, CONFIG_DATA_PORT, 0);
    return 0;
}

static void i440fx_reset(Device *dev)
{
    I440fx *s = I440FX(dev);
    memset(s->cfg, 0, sizeof(s->cfg));
    put16(s->cfg + 0x00, 0x8086);       /* vendor: Intel */
    put16(s->cfg + 0x02, 0x1237);       /* device: 82441FX PMC */
    put16(s->cfg + 0x04, 0x0006);       /* command: memory, bus master */
    put16(s->cfg + 0x06, 0x0280);       /* status: fast back-to-back, medium DEVSEL */
    s->cfg[0x08] = 0x02;                /* revision */
    s->cfg[0x0a] = 0x00;                /* subclass: host bridge */
    s->cfg[0x0b] = 0x06;                /* class: bridge */
    s->cfg[SMRAM] = 0x02;               /* SMRAM at 0xa0000 (C_BASE_SEG), closed */
    s->config_addr = 0;
    s->rcr = 0;
}

static void i440fx_unrealize(Device *dev)
{
    I440fx *s = I440FX(dev);
    mr_free(&s->addr_io);
    mr_free(&s->data_io);
}

static void i440fx_info(Device *dev, char *buf, size_t len)
{
    I440fx *s = I440FX(dev);
    snprintf(buf, len, "config_addr 0x%08x pam %02x %02x %02x %02x %02x %02x %02x",
             s->config_addr, s->cfg[0x59], s->cfg[0x5a], s->cfg[0x5b], s->cfg[0x5c],
             s->cfg[0x5d], s->cfg[0x5e], s->cfg[0x5f]);
}

static DeviceClass i440fx_class = {
    .name = "i440FX-pcihost",
    .desc = "i440FX host bridge: PCI config ports, PAM, reset control",
    .bus = "sys",
    .size = sizeof(I440fx),
    .realize = i440fx_realize,
    .reset = i440fx_reset,
    .unrealize = i440fx_unrealize,
    .info = i440fx_info,
};
DEVICE_REGISTER(i440fx_class)
