/* How a PCI NIC boots a guest from the network: its PXE option ROM in the
 * expansion ROM BAR (romfile=, rombar=, as QEMU: the iPXE images of
 * Debian's ipxe-qemu package by default), which SeaBIOS runs and lists
 * as a boot entry, and its place in the boot order (bootindex=). */
#ifndef KEMU_NET_BOOT_H
#define KEMU_NET_BOOT_H

#include "hw/core/bootdev.h"
#include "hw/core/device.h"
#include "hw/core/memory.h"
#include "hw/core/pci.h"

#include <stdbool.h>
#include <stdint.h>

/* Where Debian's ipxe-qemu package puts the ROMs QEMU uses. */
#define NET_BOOT_ROM_DIR "/usr/lib/ipxe/qemu/"

typedef struct NetBoot {
    char *romfile;          /* NULL: the default; "" for none */
    uint32_t rombar;        /* 0: no ROM BAR (no network boot) */
    uint32_t bootindex;
    MemoryRegion rom;
} NetBoot;

#define NET_BOOT_PROPS(st, field) \
    DEFINE_PROP_STR("romfile", st, field.romfile, NULL), \
    DEFINE_PROP("rombar", st, field.rombar, PROP_U32, 1), \
    DEFINE_PROP("bootindex", st, field.bootindex, PROP_U32, BOOTINDEX_NONE)

/* Load the ROM into f's ROM BAR and register the boot path: call once f
 * is on the bus (its devfn known).  Without romfile= the ROM is
 * NET_BOOT_ROM_DIR default_rom when that is installed (the card works
 * without it, it just cannot boot the guest); a romfile= given that
 * cannot be used is an error: -1 after error_report(). */
int net_boot_init(NetBoot *b, PCIFunction *f, const char *model, const char *default_rom);
void net_boot_free(NetBoot *b);

#endif
