/* The display adapter's firmware: SeaBIOS takes a PCI device's option ROM
 * from fw_cfg's "pciVVVV,DDDD.rom" when the device has no ROM BAR, so the
 * std VGA (1234:1111) gets Debian's vgabios-stdvga.bin and the Cirrus
 * CL-GD5446 (1013:00b8) vgabios-cirrus.bin that way. */
#include "hw/pc/pc-board.h"
#include "hw/pc/fw_cfg.h"
#include "hw/core/device.h"
#include "hw/core/machine.h"
#include "hw/core/memory.h"
#include "hw/pc/pc.h"

#include <stdlib.h>
#include <string.h>

static const struct {
    const char *device, *fw_name, *path;
} vga_bios[] = {
    { "VGA", "pci1234,1111.rom", "/usr/share/seabios/vgabios-stdvga.bin" },
    { "cirrus-vga", "pci1013,00b8.rom", "/usr/share/seabios/vgabios-cirrus.bin" },
};

static Device *find_card(Machine *m, const char *cls)
{
    for (Device *d = m->devices; d; d = d->next) {
        if (!strcmp(d->cls->name, cls))
            return d;
    }
    return NULL;
}

int pc_vga_init(Machine *m, const char *device)
{
    Device *dev = device_create(device, NULL);
    return !dev || device_realize(dev, m) ? -1 : 0;
}

int pc_vga_roms(Machine *m)
{
    for (size_t i = 0; i < sizeof(vga_bios) / sizeof(vga_bios[0]); i++) {
        if (!find_card(m, vga_bios[i].device))
            continue;
        size_t size;
        uint8_t *rom = pc_load_file(NULL, vga_bios[i].path, &size);
        if (!rom)
            return -1;
        int ret = fw_cfg_set_file(pc_board(m)->fw_cfg, vga_bios[i].fw_name, rom, size);
        free(rom);
        if (ret < 0)
            return -1;
    }
    return 0;
}

void pc_vga_boot_state(Machine *m)
{
    as_st(&m->io, 0x3c2, 0x67, 1);      /* misc output of the BIOS's mode 3 */
}
