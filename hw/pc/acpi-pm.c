/* "acpi-pm": the fixed ACPI hardware of a PIIX4 at QEMU's I/O base 0x600 --
 * PM1a status/enable (0x600/0x602), PM1a control (0x604) and the 24-bit
 * PM timer (0x608) counting at 3.579545 MHz on the virtual clock.  The SCI
 * (GSI 9) is high while an enabled status bit is set.  Writing SLP_EN with
 * SLP_TYP = S5 powers the machine off (kemu exits 0). */
#include "hw/pc/acpi.h"
#include "hw/core/clock.h"
#include "hw/core/error.h"
#include "hw/core/log.h"
#include "hw/core/machine.h"

#include <stdio.h>

typedef struct AcpiPm {
    Device dev;
    uint32_t iobase, sci;
    MemoryRegion io;
    uint16_t sts, en, cnt;
    Timer overflow;             /* next toggle of the timer's bit 23 */
} AcpiPm;

#define ACPIPM(d) ((AcpiPm *)(d))
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
    irq_set(&s->dev.machine->gsi[s->sci], (s->sts & s->en & EN_BITS) != 0);
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

static int acpi_pm_realize(Device *dev, Machine *m)
{
    AcpiPm *s = ACPIPM(dev);
    if (s->sci >= NUM_GSI) {
        error_report("acpi-pm: sci %u is not a GSI (0-%d)", s->sci, NUM_GSI - 1);
        return -1;
    }
    mr_init_io(&s->io, "acpi-pm", ACPI_PM_LEN, &pm_ops, s);
    as_map(&m->io, &s->io, s->iobase, 0);
    timer_init(&s->overflow, overflow_cb, s);
    return 0;
}

static void acpi_pm_reset(Device *dev)
{
    AcpiPm *s = ACPIPM(dev);
    s->sts = 0;
    s->en = 0;
    s->cnt = ACPI_SCI_EN;       /* no SMI_CMD: the machine is always in ACPI mode */
    update_sci(s);
    arm_overflow(s);
}

static void acpi_pm_unrealize(Device *dev)
{
    AcpiPm *s = ACPIPM(dev);
    timer_del(&s->overflow);
    mr_free(&s->io);
}

static void acpi_pm_info(Device *dev, char *buf, size_t len)
{
    AcpiPm *s = ACPIPM(dev);
    snprintf(buf, len, "iobase 0x%x sci %u pm1_sts 0x%04x pm1_en 0x%04x pm1_cnt 0x%04x",
             s->iobase, s->sci, s->sts, s->en, s->cnt);
}

static const Property acpi_pm_props[] = {
    DEFINE_PROP("iobase", AcpiPm, iobase, PROP_U32, ACPI_PM_BASE),
    DEFINE_PROP("sci", AcpiPm, sci, PROP_U32, ACPI_SCI_IRQ),
    PROP_END,
};

static DeviceClass acpi_pm_class = {
    .name = "acpi-pm",
    .desc = "ACPI PM1a event/control and PM timer (PIIX4 layout)",
    .bus = "isa",
    .size = sizeof(AcpiPm),
    .props = acpi_pm_props,
    .realize = acpi_pm_realize,
    .reset = acpi_pm_reset,
    .unrealize = acpi_pm_unrealize,
    .info = acpi_pm_info,
};
DEVICE_REGISTER(acpi_pm_class)
