/* The PC board: the memory map (RAM with the legacy holes, the BIOS ROM at
 * the top of 4 GiB and its shadow below 1 MiB, RAM above 4 GiB), the e820
 * map it implies, and pc_init(), which assembles the whole machine. */
#include "hw/pc/pc.h"
#include "hw/pc/pc-board.h"
#include "hw/pc/acpi.h"
#include "hw/core/error.h"
#include "hw/core/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_BIOS "/usr/share/seabios/bios-256k.bin"
#define VGA_HOLE_START 0xa0000
#define VGA_HOLE_END   0xc0000

void pc_split_ram(uint64_t ram_size, uint64_t *below_4g, uint64_t *above_4g)
{
    uint64_t lowmem = PC_LOWMEM_DEFAULT;
    if (ram_size >= lowmem)
        lowmem = PC_LOWMEM_SPLIT;
    *below_4g = MIN(ram_size, lowmem);
    *above_4g = ram_size - *below_4g;
}

/* One host mapping for all RAM, seen through three windows: below the VGA
 * hole, from 0xc0000 to the PCI hole, and above 4 GiB. */
int pc_memory_init(Machine *m)
{
    PcBoard *b = pc_board(m);
    pc_split_ram(m->cfg.ram_size, &b->below_4g, &b->above_4g);
    uint64_t top = b->above_4g ? PC_HIGHMEM_BASE + b->above_4g : PC_HIGHMEM_BASE;
    if (m->mem.size < top)
        m->mem.size = top;      /* the board decides how far memory reaches */
    mr_init_ram(&b->ram, "pc.ram", m->cfg.ram_size);
    mr_init_ram_ptr(&b->ram_low, "pc.ram.low", MIN(b->below_4g, VGA_HOLE_START), b->ram.host);
    as_map(&m->mem, &b->ram_low, 0, 0);
    if (b->below_4g > VGA_HOLE_END) {
        mr_init_ram_ptr(&b->ram_mid, "pc.ram.mid", b->below_4g - VGA_HOLE_END,
                        b->ram.host + VGA_HOLE_END);
        as_map(&m->mem, &b->ram_mid, VGA_HOLE_END, 0);
    }
    if (b->above_4g) {
        mr_init_ram_ptr(&b->ram_high, "pc.ram.high", b->above_4g, b->ram.host + b->below_4g);
        as_map(&m->mem, &b->ram_high, PC_HIGHMEM_BASE, 0);
    }
    return 0;
}

void pc_bios_shadow_reset(Machine *m)
{
    PcBoard *b = pc_board(m);
    size_t n = MIN(b->bios_size, (size_t)PC_ISA_BIOS_SIZE);
    memset(b->isa_bios.host, 0, PC_ISA_BIOS_SIZE);
    memcpy(b->isa_bios.host + PC_ISA_BIOS_SIZE - n, b->bios_data + b->bios_size - n, n);
}

/* The ROM sits just below 4 GiB (the reset vector is its last 16 bytes);
 * its last 128 KiB also appear at 0xe0000-0xfffff as writable shadow RAM,
 * as after the firmware has unlocked the i440FX's PAM registers. */
int pc_bios_load(Machine *m, const char *path)
{
    PcBoard *b = pc_board(m);
    bool deflt = !path;
    if (deflt)
        path = DEFAULT_BIOS;
    size_t size;
    uint8_t *data = pc_load_file(deflt ? NULL : "-bios", path, &size);
    if (!data) {
        if (deflt)
            error_report("could not load PC BIOS '%s' (install Debian's seabios package "
                         "or give -bios FILE)", path);
        return -1;
    }
    if (size == 0 || size % (64 * KiB) || size > 16 * MiB) {
        error_report("-bios %s: size %zu is not a multiple of 64 KiB up to 16 MiB", path, size);
        free(data);
        return -1;
    }
    b->bios_data = data;
    b->bios_size = size;
    mr_init_rom(&b->bios, "pc.bios", size);
    memcpy(b->bios.host, data, size);
    as_map(&m->mem, &b->bios, PC_HIGHMEM_BASE - size, 0);
    mr_init_ram(&b->isa_bios, "isa-bios", PC_ISA_BIOS_SIZE);
    pc_bios_shadow_reset(m);
    as_map(&m->mem, &b->isa_bios, PC_BIOS_AREA, 1);
    return 0;
}

static void e820_add(E820Entry *out, int max, int *n, uint64_t addr, uint64_t size,
                     uint32_t type)
{
    if (size == 0)
        return;
    if (*n < max)
        out[*n] = (E820Entry){ addr, size, type };
    (*n)++;
}

/* What a BIOS reports: base memory up to the EBDA, the BIOS area, RAM from
 * 1 MiB to the PCI hole, the flash, RAM above 4 GiB.  Returns the number of
 * entries (which may exceed max; only max are stored). */
int pc_e820(const Machine *m, E820Entry *out, int max)
{
    const PcBoard *b = pc_board(m);
    uint64_t below, above;
    pc_split_ram(m->cfg.ram_size, &below, &above);
    int n = 0;
    e820_add(out, max, &n, 0, MIN(below, PC_EBDA), E820_RAM);
    if (below > PC_EBDA)
        e820_add(out, max, &n, PC_EBDA, MIN(below, VGA_HOLE_START) - PC_EBDA, E820_RESERVED);
    e820_add(out, max, &n, PC_BIOS_AREA, PC_ISA_BIOS_SIZE, E820_RESERVED);
    if (below > PC_KERNEL_ADDR)
        e820_add(out, max, &n, PC_KERNEL_ADDR, below - PC_KERNEL_ADDR, E820_RAM);
    if (b && b->bios_size)
        e820_add(out, max, &n, PC_HIGHMEM_BASE - b->bios_size, b->bios_size, E820_RESERVED);
    e820_add(out, max, &n, PC_HIGHMEM_BASE, above, E820_RAM);
    return n;
}

static int check_config(const Machine *m)
{
    if (m->cfg.ram_size < MiB) {
        error_report("-m: RAM size must be at least 1 MiB");
        return -1;
    }
    if (!m->cfg.kernel && m->cfg.initrd) {
        error_report("-initrd only allowed with -kernel option");
        return -1;
    }
    if (!m->cfg.kernel && m->cfg.append) {
        error_report("-append only allowed with -kernel option");
        return -1;
    }
    return 0;
}

int pc_machine_done(Machine *m)
{
    pc_cmos_floppy(m);
    if (pc_vga_roms(m))
        return -1;
    if (m->cfg.kernel)
        pc_vga_boot_state(m);
    return pc_set_bootorder_file(m);
}

void pc_powerdown_request(Machine *m)
{
    PcBoard *b = pc_board(m);
    if (b && b->acpi_pm)
        acpi_pm_power_button(b->acpi_pm);
}

/* After devices and CPUs were reset: firmware sees its pristine shadow and
 * the regular boot order; a -kernel is loaded and entered again. */
static void pc_board_reset(Machine *m)
{
    PcBoard *b = pc_board(m);
    b->first_boot_over = true;
    pc_bios_shadow_reset(m);
    pc_set_boot_order(m);
    if (m->cfg.kernel)
        pc_vga_boot_state(m);
    if (m->cfg.kernel && pc_boot_kernel(m))
        machine_request_shutdown(m, 1);
}

int pc_init(Machine *m)
{
    if (check_config(m))
        return -1;
    m->board = xzalloc(sizeof(PcBoard));
    if (pc_memory_init(m) || pc_bios_load(m, m->cfg.bios))
        return -1;
    if (pc_cpus_init(m) || pc_devices_init(m))
        return -1;
    if (pc_fw_cfg_init(m))
        return -1;
    pc_cmos_init(m);
    m->a20 = true;
    if (m->cfg.kernel && pc_boot_kernel(m))
        return -1;
    m->board_reset = pc_board_reset;
    return 0;
}
