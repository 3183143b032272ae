/* The PC board (i440FX/PIIX-style): memory map with the PCI hole, e820,
 * firmware or kernel loading, the basic ISA devices and their IRQ wiring. */
#ifndef KEMU_PC_H
#define KEMU_PC_H

#include "hw/core/machine.h"

/* Build the board on an initialized Machine whose accelerator is chosen and
 * initialized (m->accel->init done): RAM, ROM/firmware, devices, CPUs
 * (created and handed to accel->vcpu_init), kernel/initrd loading.
 * Sets m->board (hw/pc/pc-board.h), m->irq_ack without a kernel irqchip,
 * and m->board_reset (BIOS shadow, boot order, -kernel again on reset).
 * Returns 0 or -1 after error_report. */
int pc_init(Machine *m);

/* The e820 map the board reports (for tests and the Linux loader). */
typedef struct E820Entry {
    uint64_t addr, size;
    uint32_t type;              /* 1 RAM, 2 reserved, 3 ACPI */
} E820Entry;
#define E820_RAM 1
#define E820_RESERVED 2
#define E820_ACPI 3
int pc_e820(const Machine *m, E820Entry *out, int max);

/* The -vga card (device "VGA", QEMU's default, or "cirrus-vga"): after
 * pc_init.  0 or -1 after error_report. */
int pc_vga_init(Machine *m, const char *device);
/* Each display card's vgabios for SeaBIOS (fw_cfg "pciVVVV,DDDD.rom"),
 * whether -vga or -device made it: once devices exist.  0 or -1. */
int pc_vga_roms(Machine *m);
/* A direct kernel boot has no vgabios: leave the card's I/O addressing as
 * it would (colour, CRT controller at 0x3d4), which drivers rely on. */
void pc_vga_boot_state(Machine *m);

/* Give the firmware the bootindex= order of the devices that exist now
 * (after -drive and -device created theirs).  0 or -1. */
int pc_set_bootorder_file(Machine *m);
/* Once -drive and -device created their devices: the boot order file and
 * the CMOS floppy bytes.  0 or -1. */
int pc_machine_done(Machine *m);

/* Press the ACPI power button (the monitor's system_powerdown): an OS with
 * ACPI shuts down, which ends in an S5 request and kemu exiting 0. */
void pc_powerdown_request(Machine *m);

#endif
