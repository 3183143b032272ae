/* The PC board's private state and the pieces pc_init() assembles: memory
 * map, firmware, kernel loaders and ACPI.  Only hw/pc and its tests include
 * this header. */
#ifndef KEMU_PC_BOARD_H
#define KEMU_PC_BOARD_H

#include <stddef.h>
#include <stdint.h>

#include "hw/core/machine.h"
#include "hw/pc/pc.h"

/* Low memory used by the direct kernel loaders (no BIOS runs first). */
#define PC_BOOT_GDT       0x500     /* flat GDT: 0x10 code, 0x18 data */
#define PC_ZERO_PAGE      0x7000    /* Linux boot_params */
#define PC_CMDLINE_ADDR   0x20000   /* Linux command line */
#define PC_CMDLINE_MAX    0x10000
#define PC_KERNEL_ADDR    0x100000  /* protected-mode kernel / 1 MiB */
#define PC_EBDA           0x9fc00   /* top 1 KiB of base memory, reserved */
#define PC_BIOS_AREA      0xe0000   /* legacy BIOS area (shadow of the ROM) */
#define PC_ISA_BIOS_SIZE  0x20000
#define PC_ACPI_AREA      PC_BIOS_AREA /* direct boot: ACPI tables live here */
#define PC_ACPI_AREA_SIZE 0x4000

/* QEMU's i440FX split: RAM below 4 GiB ends at 3.5 GiB, or at 3 GiB when
 * the RAM would not fit below 3.5 GiB (so the split is gigabyte-aligned). */
#define PC_LOWMEM_DEFAULT 0xe0000000ULL
#define PC_LOWMEM_SPLIT   0xc0000000ULL
#define PC_HIGHMEM_BASE   0x100000000ULL

typedef struct PcBoard {
    uint64_t below_4g, above_4g;
    MemoryRegion ram;                 /* all guest RAM (one host mapping) */
    MemoryRegion ram_low, ram_mid, ram_high; /* aliases: <0xa0000, 0xc0000.., >=4G */
    MemoryRegion bios, isa_bios;      /* ROM at the top of 4 GiB, its shadow */
    uint8_t *bios_data;
    size_t bios_size;
    Device *pic, *ioapic, *rtc, *fw_cfg, *acpi_pm;
    /* -kernel, through the firmware or direct: re-done on every reset. */
    int kernel_kind;                  /* PC_KERNEL_NONE/LINUX/MULTIBOOT */
    bool linuxboot_rom;               /* Linux through the firmware's boot order */
    uint64_t rsdp_addr;
    bool first_boot_over;             /* -boot once= applies until the first reset */
    struct SmbiosConfig *smbios;      /* -smbios and -uuid */
} PcBoard;

enum { PC_KERNEL_NONE, PC_KERNEL_LINUX, PC_KERNEL_MULTIBOOT };

static inline PcBoard *pc_board(const Machine *m) { return (PcBoard *)m->board; }

/* pc.c */
void pc_split_ram(uint64_t ram_size, uint64_t *below_4g, uint64_t *above_4g);
int pc_memory_init(Machine *m);
int pc_bios_load(Machine *m, const char *path);
/* Put the BIOS's last 128 KiB back into the 0xe0000 shadow (power-on). */
void pc_bios_shadow_reset(Machine *m);

/* pc-devices.c: CPUs, the ISA devices and their interrupt wiring, CMOS. */
int pc_cpus_init(Machine *m);
int pc_devices_init(Machine *m);
void pc_cmos_init(Machine *m);
void pc_cmos_floppy(Machine *m);
/* The boot device bytes in CMOS and fw_cfg (again after a reset). */
void pc_set_boot_order(Machine *m);
/* -boot letters for this boot ("once=" first, then "order=", default "cad"). */
const char *pc_boot_order(const Machine *m);

/* pc-fw-cfg.c: what fw_cfg tells the firmware (RAM, CPUs, e820, boot order). */
int pc_fw_cfg_init(Machine *m);

/* Direct boot: the SMBIOS entry point at the start of the F segment, the
 * structure table after it (a kernel scans 0xf0000-0xfffff for "_SM_"). */
#define PC_SMBIOS_ANCHOR  0xf0000
#define PC_SMBIOS_TABLES  0xf0020
#define PC_SMBIOS_MAX     0x8000

/* pc-smbios.c: parse -smbios/-uuid (0 or -1 after error_report), and put
 * the tables in fw_cfg for the firmware, or in the F segment. */
int pc_smbios_init(Machine *m);
int pc_smbios_fw_cfg(Machine *m);
void pc_smbios_install(Machine *m);

/* acpi-loader.c: the ACPI tables as fw_cfg files with QEMU's table-loader
 * script, for firmware (SeaBIOS) to install. */
int pc_acpi_fw_cfg(Machine *m);

/* pc-boot.c: a whole file into memory, with the option name for errors. */
uint8_t *pc_load_file(const char *opt, const char *path, size_t *size);
/* Copy into guest RAM; false if [addr, addr+len) is not all RAM. */
bool pc_write_guest(Machine *m, uint64_t addr, const void *buf, size_t len);
/* Start the BSP at eip in flat 32-bit protected mode, paging and interrupts
 * off, with a GDT at PC_BOOT_GDT (CS 0x10, DS/ES/SS/FS/GS 0x18). */
void pc_enter_flat32(Machine *m, uint32_t eip, uint32_t eax, uint32_t ebx, uint32_t esi);
/* Whether the firmware loads fw_cfg "genroms/" option ROMs (SeaBIOS does):
 * then a Linux -kernel boots through it. */
bool pc_firmware_runs_roms(const Machine *m);
/* Load -kernel/-initrd/-append (Linux bzImage or Multiboot): hand it to
 * the firmware, or load it and point the BSP at it.  0 or -1 after
 * error_report. */
int pc_boot_kernel(Machine *m);

/* linux-boot.c */
bool linux_is_bzimage(const uint8_t *img, size_t size);
/* firmware: hand the kernel to the option ROM PC_LINUXBOOT_ROM through
 * fw_cfg; otherwise load it and enter it directly. */
int linux_load(Machine *m, const char *path, const uint8_t *img, size_t size, bool firmware);
#define PC_LINUXBOOT_ROM "genroms/linuxboot_dma.bin"

/* multiboot.c */
/* Offset of a valid Multiboot 1 header in the first 8 KiB, or -1. */
long multiboot_find_header(const uint8_t *img, size_t size);
int multiboot_load(Machine *m, const char *path, const uint8_t *img, size_t size);

#endif
