/* "PIIX4_PM": the PIIX4's power-management function, PCI 00:01.3
 * (8086:7113), as on QEMU's pc machine.  Its configuration space holds the
 * PM I/O base (PMBA, 0x40: a 64-byte block, decoded while PMREGMISC bit 0
 * at 0x80 is set), the SMBus host's base (0x90, enabled by bit 0 of 0xd2)
 * and DEVACTB (0x58), whose APMC_EN bit reads set: this machine has no
 * SMM, and SeaBIOS then leaves the APM ports alone.  Firmware programs
 * PMBA (SeaBIOS: 0x600) and the interrupt line; a direct kernel boot has
 * the board do it (piix4_pm_firmware_setup).
 *
 * In the PM block: PM1a status/enable (+0/+2) with the power button and
 * timer events, PM1a control (+4), the 24-bit PM timer (+8) counting at
 * 3.579545 MHz on the virtual clock.  The SCI is hard-wired to GSI 9 and
 * high while an enabled status bit is set.  Writing SLP_EN with SLP_TYP =
 * S5 powers the machine off (kemu exits 0). */
#include "hw/pc/acpi.h"
#include "hw/core/clock.h"
#include "hw/core/error.h"
#include "hw/core/log.h"
#include "hw/core/machine.h"
#include "hw/core/pci.h"

#include <stdio.h>
#include <string.h>

#define PMBA        0x40
#define DEVACTB     0x58
#define APMC_EN_BYTE 0x5b        /* DEVACTB bit 25 */
#define PMREGMISC   0x80
#define SMBBA       0x90
#define SMBHSTCFG   0xd2
#define PM_IO_SIZE  64
#define SMB_IO_SIZE 16

typedef struct AcpiPm {
    Device dev;
    PCIFunction fn;
    uint32_t smb_io_base;
    MemoryRegion io, smb;
    bool io_mapped, smb_mapped;
    uint16_t sts, en, cnt;
    uint8_t smb_regs[SMB_IO_SIZE];
    Timer overflow;             /* next toggle of the timer's bit 23 */
} AcpiPm;

#define ACPIPM(d) ((AcpiPm *)(d))
#define FN_PM(f) ((AcpiPm *)((char *)(f) - offsetof(AcpiPm, fn)))
#define TMR_BITS 24
#define STS_WRITABLE (ACPI_TMR_STS | ACPI_GBL_STS | ACPI_PWRBTN_STS | ACPI_RTC_STS | ACPI_WAK_STS)
#define EN_BITS (ACPI_TMR_STS | ACPI_GBL_STS | ACPI_PWRBTN_STS | ACPI_RTC_STS)

/* Timer ticks since the virtual clock started, without 64-bit overflow. */
static uint64_t ticks_at(int64_t ns)
{
    uint64_t s = (uint64_t)ns / NS_PER_SEC, r = (uint64_t)ns % NS_PER_SEC;
    return s * ACPI_PM_TIMER_HZ + r * ACPI_PM_TIMER_HZ / NS_PER_SEC;
}

/* First virtual ns at which the timer reads at least t. */
static int64_t ns_at(uint64_t t)
{
    uint64_t s = t / ACPI_PM_TIMER_HZ, r = t % ACPI_PM_TIMER_HZ;
    return (int64_t)(s * NS_PER_SEC + (r * NS_PER_SEC + ACPI_PM_TIMER_HZ - 1) / ACPI_PM_TIMER_HZ);
}

static void update_sci(AcpiPm *s)
{
    irq_set(&s->dev.machine->gsi[ACPI_SCI_IRQ], (s->sts & s->en & EN_BITS) != 0);
}

static void arm_overflow(AcpiPm *s)
{
    uint64_t half = 1ULL << (TMR_BITS - 1);
    uint64_t next = (ticks_at(clock_ns()) / half + 1) * half;
    timer_mod(&s->overflow, ns_at(next));
}

static void overflow_cb(void *opaque)
{
    AcpiPm *s = opaque;
    s->sts |= ACPI_TMR_STS;
    update_sci(s);
    arm_overflow(s);
}

static void sleep_request(AcpiPm *s, unsigned slp_typ)
{
    if (slp_typ == ACPI_SLP_TYP_S5) {
        machine_request_shutdown(s->dev.machine, 0);
    } else {
        if (log_enabled(LOG_UNIMP))
            log_printf("acpi-pm: sleep type %u not supported\n", slp_typ);
    }
}

static uint8_t reg_byte(AcpiPm *s, unsigned off)
{
    uint32_t v;
    switch (off & ~1u) {
    case 0: v = s->sts; break;
    case 2: v = s->en; break;
    case 4: v = s->cnt; break;
    case 8: v = (uint32_t)(ticks_at(clock_ns()) & ((1u << TMR_BITS) - 1)); break;
    case 10: v = (uint32_t)(ticks_at(clock_ns()) & ((1u << TMR_BITS) - 1)) >> 16; break;
    default: return 0;
    }
    return (uint8_t)(v >> ((off & 1) * 8));
}

static uint64_t pm_read(void *opaque, uint64_t off, unsigned size)
{
    AcpiPm *s = opaque;
    uint64_t v = 0;
    /* One timer sample for the whole access so a 32-bit read is coherent. */
    if (off == 8 && size == 4)
        return ticks_at(clock_ns()) & ((1u << TMR_BITS) - 1);
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)reg_byte(s, (unsigned)off + i) << (8 * i);
    return v;
}

/* Byte-wise: status bits are write-one-to-clear; SLP_EN (bit 13) acts with
 * the SLP_TYP written in the same byte and always reads back 0. */
static void write_byte(AcpiPm *s, unsigned off, uint8_t v)
{
    unsigned shift = (off & 1) * 8;
    uint16_t mask = (uint16_t)(0xff << shift), bits = (uint16_t)(v << shift);
    switch (off & ~1u) {
    case 0:
        s->sts &= (uint16_t)~(bits & STS_WRITABLE);
        break;
    case 2:
        s->en = (uint16_t)((s->en & ~mask) | (bits & EN_BITS));
        break;
    case 4:
        s->cnt = (uint16_t)((s->cnt & ~mask) | (bits & ~ACPI_SLP_EN));
        if (bits & ACPI_SLP_EN)
            sleep_request(s, (s->cnt >> ACPI_SLP_TYP_SHIFT) & 7);
        break;
    }
}

static void pm_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    AcpiPm *s = opaque;
    for (unsigned i = 0; i < size; i++)
        write_byte(s, (unsigned)off + i, (uint8_t)(val >> (8 * i)));
    update_sci(s);
}

static const MemoryRegionOps pm_ops = { pm_read, pm_write, 1, 4 };

void acpi_pm_power_button(Device *pm)
{
    AcpiPm *s = ACPIPM(pm);
    s->sts |= ACPI_PWRBTN_STS;
    update_sci(s);
}

static uint32_t cfg32(const AcpiPm *s, unsigned reg)
{
    const uint8_t *p = s->fn.config + reg;
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Map, move or unmap a block of I/O ports as its enable bit says. */
static void place(Machine *m, MemoryRegion *mr, bool *mapped, uint32_t base, bool on)
{
    on = on && base != 0 && base + mr->size <= 0x10000;
    if (on && !*mapped) {
        as_map(&m->io, mr, base, 0);
        *mapped = true;
    } else if (*mapped) {
        as_remap(&m->io, mr, base, on);
    }
}

static void update_io(AcpiPm *s)
{
    Machine *m = s->dev.machine;
    place(m, &s->io, &s->io_mapped, cfg32(s, PMBA) & 0xffc0, s->fn.config[PMREGMISC] & 1);
    place(m, &s->smb, &s->smb_mapped, cfg32(s, SMBBA) & 0xfff0, s->fn.config[SMBHSTCFG] & 1);
}

static void config_written(PCIFunction *f, unsigned reg, unsigned size)
{
    if ((reg < PMBA + 4 && reg + size > PMBA) || reg == PMREGMISC ||
        (reg < SMBBA + 4 && reg + size > SMBBA) || (reg <= SMBHSTCFG && reg + size > SMBHSTCFG))
        update_io(FN_PM(f));
}

void piix4_pm_firmware_setup(Device *pm, uint16_t base)
{
    AcpiPm *s = ACPIPM(pm);
    PCIBus *bus = s->fn.bus;
    pci_config_write(bus, s->fn.devfn, PCI_INTERRUPT_LINE, ACPI_SCI_IRQ, 1);
    pci_config_write(bus, s->fn.devfn, PMBA, base | 1u, 4);
    pci_config_write(bus, s->fn.devfn, PMREGMISC, 1, 1);
}

/* The SMBus host controller (HST_STS +0, HST_CNT +2, HST_CMD +3, slave
 * address +4, data +5/+6): no device answers on this bus, so every
 * transaction started ends at once in DEV_ERR, as a probe of an empty
 * bus does on hardware. */
#define SMB_HST_STS 0
#define SMB_HST_CNT 2
#define SMB_STS_DEV_ERR 0x04
#define SMB_CNT_START 0x40

static uint64_t smb_read(void *opaque, uint64_t off, unsigned size)
{
    AcpiPm *s = opaque;
    return off == SMB_HST_CNT ? s->smb_regs[off] & 0x1f : s->smb_regs[off];
}

static void smb_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    AcpiPm *s = opaque;
    if (off == SMB_HST_STS) {
        s->smb_regs[off] &= (uint8_t)~val;          /* write one to clear */
        return;
    }
    s->smb_regs[off] = (uint8_t)val;
    if (off == SMB_HST_CNT && (val & SMB_CNT_START))
        s->smb_regs[SMB_HST_STS] |= SMB_STS_DEV_ERR;
}

static const MemoryRegionOps smb_ops = { smb_read, smb_write, 1, 1 };

static int acpi_pm_realize(Device *dev, Machine *m)
{
    AcpiPm *s = ACPIPM(dev);
    if (!m->pci) {
        error_report("PIIX4_PM: the machine has no PCI bus");
        return -1;
    }
    pci_function_init(&s->fn, 0x8086, 0x7113, 0x06, 0x80, 0x03);
    s->fn.config[PCI_INTERRUPT_PIN] = 1;
    s->fn.wmask[PMBA] = 0xc0;
    s->fn.wmask[PMBA + 1] = 0xff;
    memset(s->fn.wmask + DEVACTB, 0xff, 4);
    s->fn.wmask[PMREGMISC] = 0x01;
    s->fn.wmask[SMBBA] = 0xf0;
    s->fn.wmask[SMBBA + 1] = 0xff;
    s->fn.wmask[SMBHSTCFG] = 0x0f;
    s->fn.config_written = config_written;
    if (pci_bus_add(m->pci, &s->fn, PCI_DEVFN(1, 3)) < 0) {
        error_report("PIIX4_PM: PCI address 00:01.3 is taken");
        return -1;
    }
    mr_init_io(&s->io, "piix4-pm", PM_IO_SIZE, &pm_ops, s);
    mr_init_io(&s->smb, "pm-smbus", SMB_IO_SIZE, &smb_ops, s);
    timer_init(&s->overflow, overflow_cb, s);
    return 0;
}

/* QEMU's power-on values: PMBA's I/O indicator bit, PM decoding off, the
 * SMBus at smb_io_base and enabled, APMC_EN set (no SMM to initialize). */
static void acpi_pm_reset(Device *dev)
{
    AcpiPm *s = ACPIPM(dev);
    uint8_t *c = s->fn.config;
    pci_function_reset(&s->fn);
    memset(c + PMBA, 0, 4);
    c[PMBA] = 0x01;
    memset(c + DEVACTB, 0, 4);
    c[APMC_EN_BYTE] = 0x02;
    c[PMREGMISC] = 0;
    c[SMBBA] = (uint8_t)(s->smb_io_base | 1);
    c[SMBBA + 1] = (uint8_t)(s->smb_io_base >> 8);
    c[SMBHSTCFG] = 0x09;
    memset(s->smb_regs, 0, sizeof(s->smb_regs));
    s->sts = 0;
    s->en = 0;
    s->cnt = ACPI_SCI_EN;       /* no SMI_CMD: the machine is always in ACPI mode */
    update_io(s);
    update_sci(s);
    arm_overflow(s);
}

static void acpi_pm_unrealize(Device *dev)
{
    AcpiPm *s = ACPIPM(dev);
    timer_del(&s->overflow);
    if (s->fn.bus)
        pci_bus_remove(s->fn.bus, &s->fn);
    if (s->io_mapped)
        as_unmap(&dev->machine->io, &s->io);
    if (s->smb_mapped)
        as_unmap(&dev->machine->io, &s->smb);
    mr_free(&s->io);
    mr_free(&s->smb);
}

static void acpi_pm_info(Device *dev, char *buf, size_t len)
{
    AcpiPm *s = ACPIPM(dev);
    snprintf(buf, len, "pm io 0x%x%s, smbus io 0x%x%s, sci %d, pm1_sts 0x%04x pm1_en 0x%04x "
             "pm1_cnt 0x%04x", cfg32(s, PMBA) & 0xffc0, s->io_mapped ? "" : " (off)",
             cfg32(s, SMBBA) & 0xfff0, s->smb_mapped ? "" : " (off)", ACPI_SCI_IRQ,
             s->sts, s->en, s->cnt);
}

static const Property acpi_pm_props[] = {
    DEFINE_PROP("smb_io_base", AcpiPm, smb_io_base, PROP_U32, 0),
    PROP_END,
};

static DeviceClass acpi_pm_class = {
    .name = "PIIX4_PM",
    .desc = "PIIX4 power management: ACPI PM1 events and control, PM timer, SMBus",
    .bus = "pci",
    .size = sizeof(AcpiPm),
    .props = acpi_pm_props,
    .realize = acpi_pm_realize,
    .reset = acpi_pm_reset,
    .unrealize = acpi_pm_unrealize,
    .info = acpi_pm_info,
};
DEVICE_REGISTER(acpi_pm_class)
