/* The PC's CPUs, its fixed ISA devices and their interrupt wiring, and the
 * CMOS bytes the firmware reads (memory sizes, CPU count, boot order).
 * With KVM's in-kernel irqchip every GSI goes to the accelerator and KVM
 * provides the PICs, IOAPIC, local APICs and PIT; otherwise the board
 * creates the i8259 pair, the IOAPIC and one local APIC per CPU, drives
 * both controllers from each GSI and feeds the PIC's INTR to the BSP's
 * LINT0. */
#include "hw/pc/pc-board.h"
#include "hw/pc/fw_cfg.h"
#include "hw/core/error.h"
#include "hw/core/util.h"
#include "hw/intc/apic.h"
#include "hw/intc/i8259.h"
#include "hw/intc/ioapic.h"
#include "hw/timer/mc146818rtc.h"
#include "hw/floppy/fdc.h"
#include "accel/accel.h"
#include "cpu/cpu.h"
#include "cpu/cpuid.h"
#include "hw/core/chardev.h"

#include <stdio.h>
#include <string.h>

_Static_assert(FEAT_WORDS <= ARRAY_SIZE(((CPUState *)0)->features), "feature words fit");

int pc_cpus_init(Machine *m)
{
    const CPUModel *model;
    uint32_t features[ARRAY_SIZE(((CPUState *)0)->features)] = { 0 };
    bool host_ok = m->accel && m->accel->host_cpu;
    const char *spec = m->cfg.cpu_model ? m->cfg.cpu_model : "qemu64";
    if (cpu_model_parse(spec, host_ok, &model, features))
        return -1;
    unsigned n = m->cfg.smp_cpus ? m->cfg.smp_cpus : 1;
    if (n > MAX_CPUS) {
        error_report("-smp %u: the PC board supports at most %d CPUs", n, MAX_CPUS);
        return -1;
    }
    for (unsigned i = 0; i < n; i++) {
        CPUState *cpu = cpu_create(m, (int)i, model, features);
        if (!cpu) {
            error_report("cannot allocate CPU %u", i);
            return -1;
        }
        m->cpus[i] = cpu;
        m->ncpus = i + 1;
        if (m->accel && m->accel->vcpu_init && m->accel->vcpu_init(cpu))
            return -1;
    }
    return 0;
}

static void gsi_to_accel(void *opaque, int gsi, int level)
{
    Machine *m = opaque;
    m->accel->set_gsi(m, gsi, level);
}

static void msi_to_accel(Machine *m, uint64_t addr, uint32_t data)
{
    if (m->accel->signal_msi)
        m->accel->signal_msi(m, addr, data);
}

/* A message to the local APICs (Intel SDM 10.11): the address holds the
 * destination ID (bits 19:12) and the destination mode (bit 2); the data
 * the vector, delivery mode (10:8), level (14) and trigger mode (15). */
static void msi_to_apic(Machine *m, uint64_t addr, uint32_t data)
{
    apic_deliver(m, (uint8_t)(addr >> 12), (addr >> 2) & 1, (int)(data >> 8) & 7,
                 (uint8_t)data, (int)(data >> 14) & 1, (int)(data >> 15) & 1);
}

/* Userspace controllers: ISA IRQ n drives i8259 pin n and IOAPIC pin n,
 * except IRQ 0 (the PIT), which reaches IOAPIC pin 2 as the MADT's
 * interrupt source override says; GSIs 16-23 exist on the IOAPIC only. */
static void gsi_to_pic_and_ioapic(void *opaque, int gsi, int level)
{
    PcBoard *b = opaque;
    if (gsi < 16)
        i8259_set_irq(b->pic, gsi, level);
    ioapic_set_irq(b->ioapic, gsi == 0 ? 2 : gsi, level);
}

/* INTA for the engine: the local APIC's highest request, or the 8259's
 * when it arrives through LINT0 in ExtINT mode (virtual wire). */
static int apic_irq_ack(Machine *m, CPUState *cpu)
{
    int vector = apic_get_interrupt(cpu);
    if (vector == APIC_EXTINT)
        return i8259_ack(pc_board(m)->pic);
    return vector;
}

static Device *add_device(Machine *m, const char *name, const char *props)
{
    Device *dev = device_create(name, props);
    if (!dev || device_realize(dev, m))
        return NULL;
    return dev;
}

static int wire_interrupts(Machine *m)
{
    PcBoard *b = pc_board(m);
    if (m->kernel_irqchip) {
        for (int i = 0; i < NUM_GSI; i++)
            irq_connect(&m->gsi[i], gsi_to_accel, m, i);
        m->msi = msi_to_accel;
        return 0;
    }
    b->pic = add_device(m, "i8259", NULL);
    b->ioapic = add_device(m, "ioapic", NULL);
    if (!b->pic || !b->ioapic)
        return -1;
    for (unsigned i = 0; i < m->ncpus; i++) {
        char props[32];
        snprintf(props, sizeof(props), "cpu=%u", i);
        if (!add_device(m, "apic", props))
            return -1;
    }
    for (int i = 0; i < NUM_GSI; i++)
        irq_connect(&m->gsi[i], gsi_to_pic_and_ioapic, b, i);
    /* The PIC's INTR is the BSP's LINT0. */
    irq_connect(i8259_intr(b->pic), apic_lint_irq, m->cpus[0], 0);
    m->irq_ack = apic_irq_ack;
    m->msi = msi_to_apic;
    return 0;
}

/* COM1-COM4 for the chardevs the front end created as serial0..serial3. */
static int add_serials(Machine *m)
{
    static const struct { unsigned iobase, irq; } com[4] = {
        { 0x3f8, 4 }, { 0x2f8, 3 }, { 0x3e8, 4 }, { 0x2e8, 3 },
    };
    for (int i = 0; i < 4; i++) {
        char label[16], props[64];
        snprintf(label, sizeof(label), "serial%d", i);
        if (!chr_find(label))
            continue;
        snprintf(props, sizeof(props), "iobase=0x%x,irq=%u,chardev=%s",
                 com[i].iobase, com[i].irq, label);
        if (!add_device(m, "isa-serial", props))
            return -1;
    }
    return 0;
}

int pc_devices_init(Machine *m)
{
    static const char *const fixed[] = { "i440FX-pcihost", "i8042", "ioport80", "port92",
                                         "ferr-latch", "PIIX3", "piix3-ide", "i8257",
                                         "isa-fdc" };
    PcBoard *b = pc_board(m);
    if (wire_interrupts(m))
        return -1;
    /* KVM's in-kernel irqchip comes with its own PIT; pit=off has none. */
    if (!m->kernel_irqchip && !m->cfg.no_pit && !add_device(m, "i8254", NULL))
        return -1;
    b->rtc = add_device(m, "mc146818rtc", NULL);
    if (!b->rtc)
        return -1;
    for (size_t i = 0; i < ARRAY_SIZE(fixed); i++) {
        if (!add_device(m, fixed[i], NULL))
            return -1;
    }
    if (add_serials(m))
        return -1;
    b->fw_cfg = add_device(m, "fw_cfg", NULL);
    b->acpi_pm = add_device(m, "PIIX4_PM", "smb_io_base=0xb100");
    return b->fw_cfg && b->acpi_pm ? 0 : -1;
}

static void cmos16(Device *rtc, int addr, uint64_t v)
{
    v = MIN(v, 0xffffu);
    rtc_set_cmos(rtc, addr, (uint8_t)v);
    rtc_set_cmos(rtc, addr + 1, (uint8_t)(v >> 8));
}

/* -boot letters as the BIOS's CMOS boot nibbles: a floppy, c disk,
 * d CD-ROM, n network. */
static uint8_t boot_nibble(char c)
{
    switch (c) {
    case 'a': return 1;
    case 'c': return 2;
    case 'd': return 3;
    case 'n': return 4;
    default: return 0;
    }
}

/* The boot order the firmware sees now: once= for the first boot. */
const char *pc_boot_order(const Machine *m)
{
    if (m->cfg.boot_once[0] && !pc_board(m)->first_boot_over)
        return m->cfg.boot_once;
    return m->cfg.boot_order[0] ? m->cfg.boot_order : "cad";
}

void pc_cmos_init(Machine *m)
{
    PcBoard *b = pc_board(m);
    Device *rtc = b->rtc;
    cmos16(rtc, 0x15, 640);                                   /* base memory, KiB */
    uint64_t ext = b->below_4g > MiB ? (b->below_4g - MiB) / KiB : 0;
    cmos16(rtc, 0x17, ext);                                   /* above 1 MiB, KiB */
    cmos16(rtc, 0x30, ext);
    uint64_t over16 = b->below_4g > 16 * MiB ? (b->below_4g - 16 * MiB) / (64 * KiB) : 0;
    cmos16(rtc, 0x34, over16);                                /* above 16 MiB, 64 KiB units */
    uint64_t high = b->above_4g / (64 * KiB);                 /* above 4 GiB, 64 KiB units */
    rtc_set_cmos(rtc, 0x5b, (uint8_t)high);
    rtc_set_cmos(rtc, 0x5c, (uint8_t)(high >> 8));
    rtc_set_cmos(rtc, 0x5d, (uint8_t)(high >> 16));
    rtc_set_cmos(rtc, 0x5f, (uint8_t)(m->ncpus - 1));         /* CPUs - 1 */
    rtc_set_cmos(rtc, 0x14, 0x06);                            /* equipment: FPU, PS/2 mouse */
    pc_set_boot_order(m);
}

/* The drive types at 0x10 (drive A in the high nibble) and the number of
 * floppy drives in the equipment byte, once the drives exist. */
void pc_cmos_floppy(Machine *m)
{
    PcBoard *b = pc_board(m);
    Device *fdc = machine_find_device(m, "isa-fdc");
    uint8_t a = fdc ? fdc_cmos_type(fdc, 0) : 0, bt = fdc ? fdc_cmos_type(fdc, 1) : 0;
    int n = (a != 0) + (bt != 0);
    uint8_t equip = rtc_get_cmos(b->rtc, 0x14) & 0x3e;
    if (n)
        equip |= (uint8_t)(0x01 | (n - 1) << 6);
    rtc_set_cmos(b->rtc, 0x10, (uint8_t)(a << 4 | bt));
    rtc_set_cmos(b->rtc, 0x14, equip);
}

void pc_set_boot_order(Machine *m)
{
    PcBoard *b = pc_board(m);
    const char *order = pc_boot_order(m);
    size_t n = strlen(order);
    uint8_t d0 = boot_nibble(order[0]), d1 = n > 1 ? boot_nibble(order[1]) : 0;
    uint8_t d2 = n > 2 ? boot_nibble(order[2]) : 0;
    rtc_set_cmos(b->rtc, 0x3d, (uint8_t)(d1 << 4 | d0));
    rtc_set_cmos(b->rtc, 0x38, (uint8_t)(d2 << 4));           /* bit 0 clear: check floppy */
    if (b->fw_cfg)
        fw_cfg_add_i16(b->fw_cfg, FW_CFG_BOOT_DEVICE, (uint16_t)order[0]);
}
