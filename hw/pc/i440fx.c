/* "i440FX-pcihost": the i440FX host bridge -- PCI configuration mechanism
 * #1 (address register 0xcf8, data 0xcfc-0xcff) for PCI bus 0
 * (hw/core/pci.c), on which it is itself device 0 (8086:1237, a host
 * bridge) with its PAM and SMRAM registers, and the PIIX3 reset control
 * register at 0xcf9.
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
#include "hw/core/pci.h"

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
    PCIBus bus;
    PCIFunction host;
} I440fx;

#define I440FX(d) ((I440fx *)(d))

/* The devfn and register of the current cycle, or -1: bus 0 only (no
 * bridges behind it).  The address's low two bits, reserved by the spec,
 * are ORed into the byte offset (as other PC emulators do): test code
 * writes the register's own offset there and reads data port 0xcfc. */
static int cfg_target(const I440fx *s, uint64_t off, uint8_t *devfn)
{
    uint32_t a = s->config_addr;
    if (!(a & CONFIG_ENABLE) || ((a >> 16) & 0xff))
        return -1;
    *devfn = (uint8_t)(a >> 8);
    return (int)((a & 0xfc) + ((a & 3) | off));
}

static uint64_t data_read(void *opaque, uint64_t off, unsigned size)
{
    I440fx *s = opaque;
    uint8_t devfn;
    int reg = cfg_target(s, off, &devfn);
    if (reg < 0)
        return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    return pci_config_read(&s->bus, devfn, (unsigned)reg, size);
}

static void data_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    I440fx *s = opaque;
    uint8_t devfn;
    int reg = cfg_target(s, off, &devfn);
    if (reg >= 0)
        pci_config_write(&s->bus, devfn, (unsigned)reg, (uint32_t)val, size);
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

/* The bridge's own function: identity, and the registers firmware writes
 * (command, latency timer, PAM, SMRAM). */
static void host_config(I440fx *s)
{
    PCIFunction *f = &s->host;
    memset(f->config, 0, sizeof(f->config));
    memset(f->wmask, 0, sizeof(f->wmask));
    f->config[0x00] = 0x86; f->config[0x01] = 0x80;    /* vendor: Intel */
    f->config[0x02] = 0x37; f->config[0x03] = 0x12;    /* device: 82441FX PMC */
    f->config[0x04] = 0x06;                            /* command: memory, bus master */
    f->config[0x06] = 0x80; f->config[0x07] = 0x02;    /* status: fast b2b, medium DEVSEL */
    f->config[0x08] = 0x02;                            /* revision */
    f->config[0x0b] = 0x06;                            /* class: bridge, subclass host */
    f->config[SMRAM] = 0x02;                           /* SMRAM at 0xa0000, closed */
    f->wmask[0x04] = f->wmask[0x0d] = f->wmask[SMRAM] = 0xff;
    memset(f->wmask + PAM0, 0xff, PAM_LAST - PAM0 + 1);
}

static int i440fx_realize(Device *dev, Machine *m)
{
    I440fx *s = I440FX(dev);
    pci_bus_init(&s->bus, m);
    pci_bus_add(&s->bus, &s->host, PCI_DEVFN(0, 0));
    m->pci = &s->bus;
    mr_init_io(&s->addr_io, "pci-conf-idx", 4, &addr_ops, s);
    mr_init_io(&s->data_io, "pci-conf-data", 4, &data_ops, s);
    as_map(&m->io, &s->addr_io, CONFIG_ADDR_PORT, 0);
    as_map(&m->io, &s->data_io, CONFIG_DATA_PORT, 0);
    return 0;
}

static void i440fx_reset(Device *dev)
{
    I440fx *s = I440FX(dev);
    host_config(s);
    s->config_addr = 0;
    s->rcr = 0;
}

static void i440fx_unrealize(Device *dev)
{
    I440fx *s = I440FX(dev);
    if (s->dev.machine && s->dev.machine->pci == &s->bus)
        s->dev.machine->pci = NULL;
    mr_free(&s->addr_io);
    mr_free(&s->data_io);
}

static void i440fx_info(Device *dev, char *buf, size_t len)
{
    I440fx *s = I440FX(dev);
    const uint8_t *c = s->host.config;
    snprintf(buf, len, "config_addr 0x%08x pam %02x %02x %02x %02x %02x %02x %02x",
             s->config_addr, c[0x59], c[0x5a], c[0x5b], c[0x5c], c[0x5d], c[0x5e], c[0x5f]);
}

static DeviceClass i440fx_class = {
    .name = "i440FX-pcihost",
    .desc = "i440FX host bridge: PCI bus 0 and its config ports, PAM, reset control",
    .bus = "sys",
    .size = sizeof(I440fx),
    .realize = i440fx_realize,
    .reset = i440fx_reset,
    .unrealize = i440fx_unrealize,
    .info = i440fx_info,
    .child_bus_type = "PCI",
    .child_bus_name = "pci",
    .child_buses = 1,
};
DEVICE_REGISTER(i440fx_class)
