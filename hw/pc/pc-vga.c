/* The display adapter's firmware: SeaBIOS takes a PCI device's option ROM
 * from fw_cfg's "pciVVVV,DDDD.rom" when the device has no ROM BAR, so the
 * std VGA (1234:1111) gets Debian's vgabios-stdvga.bin that way. */
#include "hw/pc/pc-board.h"
#include "hw/pc/fw_cfg.h"
#include "hw/core/device.h"

#include <stdlib.h>

#define VGA_BIOS "/usr/share/seabios/vgabios-stdvga.bin"

int pc_vga_init(Machine *m)
{
    Device *dev = device_create("VGA", NULL);
    if (!dev || device_realize(dev, m))
        return -1;
    size_t size;
    uint8_t *rom = pc_load_file(NULL, VGA_BIOS, &size);
    if (!rom)
        return -1;
    int ret = fw_cfg_add_file(pc_board(m)->fw_cfg, "pci1234,1111.rom", rom, size);
    free(rom);
    return ret < 0 ? -1 : 0;
}
