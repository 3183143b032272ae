/* -kernel: a Linux bzImage goes through the firmware when it runs fw_cfg
 * option ROMs (SeaBIOS, the default: QEMU's behaviour), handed to kemu's
 * Linux-boot ROM.  Otherwise (a -bios guest program or other firmware,
 * and Multiboot kernels) the board boots without firmware: it loads the
 * kernel and starts the BSP in flat 32-bit protected mode at the kernel's
 * entry, the way a boot loader would leave it, with the tables a BIOS
 * would have left. */
#include "hw/pc/pc-board.h"
#include "hw/pc/acpi.h"
#include "hw/core/error.h"
#include "hw/core/pci.h"
#include "hw/core/util.h"
#include "accel/accel.h"
#include "cpu/cpu.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint8_t *pc_load_file(const char *opt, const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    const char *what = opt ? opt : "file";
    if (!f) {
        if (opt)
            error_report("%s %s: %s", what, path, strerror(errno));
        return NULL;
    }
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 1 << 20;
            buf = xrealloc(buf, cap);
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    bool err = ferror(f);
    fclose(f);
    if (err) {
        error_report("%s %s: read error", what, path);
        free(buf);
        return NULL;
    }
    *size = len;
    return buf;
}

bool pc_write_guest(Machine *m, uint64_t addr, const void *buf, size_t len)
{
    if (len == 0)
        return true;
    uint8_t *p = as_ram_ptr(&m->mem, addr, len, true);
    if (!p)
        return false;
    memcpy(p, buf, len);
    return true;
}

/* Flat 4 GiB descriptors: 0x10 execute/read code, 0x18 read/write data,
 * both 32-bit, page-granular (the Linux boot protocol's __BOOT_CS/__BOOT_DS). */
static const uint64_t boot_gdt[4] = {
    0, 0, 0x00cf9b000000ffffULL, 0x00cf93000000ffffULL,
};

void pc_enter_flat32(Machine *m, uint32_t eip, uint32_t eax, uint32_t ebx, uint32_t esi)
{
    CPUState *cpu = m->cpus[0];
    CPUX86State *env = &cpu->env;
    uint8_t gdt[sizeof(boot_gdt)];
    for (size_t i = 0; i < ARRAY_SIZE(boot_gdt); i++) {
        for (int j = 0; j < 8; j++)
            gdt[i * 8 + j] = (uint8_t)(boot_gdt[i] >> (8 * j));
    }
    pc_write_guest(m, PC_BOOT_GDT, gdt, sizeof(gdt));
    env->gdt.base = PC_BOOT_GDT;
    env->gdt.limit = sizeof(gdt) - 1;
    env->idt.base = 0;
    env->idt.limit = 0;
    for (int i = 0; i < SEG_COUNT; i++) {
        uint64_t d = i == SEG_CS ? boot_gdt[2] : boot_gdt[3];
        seg_from_desc(&env->seg[i], i == SEG_CS ? 0x10 : 0x18, (uint32_t)d, (uint32_t)(d >> 32));
    }
    env->cr0 = CR0_PE | CR0_ET;
    env->rflags = 0x2;          /* IF clear */
    env->rip = eip;
    memset(env->regs, 0, sizeof(env->regs));
    env->regs[R_EAX] = eax;
    env->regs[R_EBX] = ebx;
    env->regs[R_ESI] = esi;
    env->halted = false;
    if (m->accel && m->accel->sync_state)
        m->accel->sync_state(cpu, false);
}

/* Without firmware nobody else writes ACPI tables: put them (RSDP first) in
 * the BIOS area, where a kernel scanning 0xe0000-0xfffff finds them. */
static void install_acpi(Machine *m)
{
    PcBoard *b = pc_board(m);
    uint8_t *area = b->isa_bios.host + (PC_ACPI_AREA - PC_BIOS_AREA);
    size_t used = acpi_build_tables(m, area, PC_ACPI_AREA, PC_ACPI_AREA_SIZE);
    if (!used)
        KEMU_BUG("ACPI tables larger than their area");
    b->rsdp_addr = PC_ACPI_AREA;
}

/* What a BIOS leaves in its data area that kernels read: the EBDA segment
 * (0x40e), base memory in KiB (0x413), and the EBDA's own size in KiB. */
static void setup_bda(Machine *m)
{
    uint8_t ebda_seg[2] = { (uint8_t)(PC_EBDA >> 4), (uint8_t)(PC_EBDA >> 12) };
    uint8_t base_kib[2] = { (uint8_t)(PC_EBDA / KiB), (uint8_t)((PC_EBDA / KiB) >> 8) };
    uint8_t ebda_kib = (uint8_t)((0xa0000 - PC_EBDA) / KiB);
    pc_write_guest(m, 0x40e, ebda_seg, sizeof(ebda_seg));
    pc_write_guest(m, 0x413, base_kib, sizeof(base_kib));
    pc_write_guest(m, PC_EBDA, &ebda_kib, 1);
}

/* The interrupt set-up a PC BIOS leaves for what it boots: the 8259s at
 * vectors 0x08 and 0x70 with only the timer (and the cascade) unmasked,
 * the PIT ticking at 18.2 Hz, and a real-mode vector table whose
 * hardware-interrupt entries acknowledge the PIC and return (the others
 * just return).  Real-mode code that enables interrupts then sees the
 * timer as under firmware; protected-mode kernels reprogram all of it. */
#define IVT_HANDLERS (PC_ACPI_AREA + PC_ACPI_AREA_SIZE)   /* where the handlers below live */
static void setup_legacy_interrupts(Machine *m)
{
    static const uint8_t handlers[] = {
        0xcf,                                           /* +0: iret */
        0x50, 0xb0, 0x20, 0xe6, 0x20, 0x58, 0xcf,       /* +1: EOI to the master */
        0x50, 0xb0, 0x20, 0xe6, 0xa0, 0xe6, 0x20, 0x58, 0xcf,  /* +8: slave, master */
    };
    static const struct { uint16_t port; uint8_t val; } init[] = {
        { 0x20, 0x11 }, { 0x21, 0x08 }, { 0x21, 0x04 }, { 0x21, 0x01 },
        { 0xa0, 0x11 }, { 0xa1, 0x70 }, { 0xa1, 0x02 }, { 0xa1, 0x01 },
        { 0x21, 0xfa }, { 0xa1, 0xff },
        { 0x43, 0x34 }, { 0x40, 0x00 }, { 0x40, 0x00 },   /* PIT 0: mode 2, 65536 */
    };
    uint8_t ivt[256 * 4];
    memcpy(pc_board(m)->isa_bios.host + (IVT_HANDLERS - PC_BIOS_AREA), handlers, sizeof(handlers));
    for (int v = 0; v < 256; v++) {
        unsigned off = (v >= 0x08 && v < 0x10) ? 1 : (v >= 0x70 && v < 0x78) ? 8 : 0;
        uint16_t ip = (uint16_t)(IVT_HANDLERS - PC_BIOS_AREA + off), cs = PC_BIOS_AREA >> 4;
        ivt[4 * v] = (uint8_t)ip;
        ivt[4 * v + 1] = (uint8_t)(ip >> 8);
        ivt[4 * v + 2] = (uint8_t)cs;
        ivt[4 * v + 3] = (uint8_t)(cs >> 8);
    }
    pc_write_guest(m, 0, ivt, sizeof(ivt));
    for (size_t i = 0; i < ARRAY_SIZE(init); i++)
        as_st(&m->io, init[i].port, init[i].val, 1);
}

/* The PCI interrupt routing SeaBIOS programs and the DSDT's _PRT assumes:
 * PIRQA-D to ISA IRQs 10, 10, 11, 11 (PIIX3 0x60-0x63), those IRQs
 * level-triggered in the ELCR.  Without firmware a PCI device's INTx
 * would otherwise reach no interrupt at all. */
static void setup_pci_irqs(Machine *m)
{
    if (!m->pci)
        return;
    pci_config_write(m->pci, PCI_DEVFN(1, 0), 0x60, 0x0b0b0a0a, 4);
    as_st(&m->io, 0x4d1, 0x0c, 1);
}

bool pc_firmware_runs_roms(const Machine *m)
{
    const PcBoard *b = pc_board(m);
    static const char marker[] = "genroms/";
    return b->bios_data && memmem(b->bios_data, b->bios_size, marker, sizeof(marker) - 1);
}

/* What a BIOS would have set up before a direct boot. */
static void firmware_stand_in(Machine *m)
{
    install_acpi(m);
    if (pc_board(m)->acpi_pm)
        piix4_pm_firmware_setup(pc_board(m)->acpi_pm, ACPI_PM_BASE);
    pc_smbios_install(m);
    setup_bda(m);
    setup_legacy_interrupts(m);
    setup_pci_irqs(m);
}

int pc_boot_kernel(Machine *m)
{
    PcBoard *b = pc_board(m);
    const char *path = m->cfg.kernel;
    size_t size;
    uint8_t *img = pc_load_file("-kernel", path, &size);
    if (!img)
        return -1;
    int ret;
    bool is_linux = linux_is_bzimage(img, size);
    b->linuxboot_rom = is_linux && pc_firmware_runs_roms(m);
    if (!b->linuxboot_rom)
        firmware_stand_in(m);
    if (is_linux) {
        b->kernel_kind = PC_KERNEL_LINUX;
        ret = linux_load(m, path, img, size, b->linuxboot_rom);
    } else if (multiboot_find_header(img, size) >= 0) {
        b->kernel_kind = PC_KERNEL_MULTIBOOT;
        ret = multiboot_load(m, path, img, size);
    } else {
        error_report("-kernel %s: not a Linux bzImage (no HdrS signature)", path);
        ret = -1;
    }
    free(img);
    return ret;
}
