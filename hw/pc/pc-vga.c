/* The display adapter's firmware: SeaBIOS runs the VGA BIOS it finds in
 * fw_cfg's "vgaroms/" directory.  The card is the std VGA at the ISA
 * addresses (Bochs VBE ports, linear framebuffer at 0xe0000000), which is
 * what Debian's vgabios-isavga.bin (SeaVGABIOS for that card) drives. */
#include "hw/pc/pc-board.h"
#include "hw/pc/fw_cfg.h"
#include "hw/core/device.h"

#include <stdlib.h>

#define VGA_BIOS "/usr/share/seabios/vgabios-isavga.bin"

int pc_vga_init(Machine *m)
{
    Device *dev = device_create("VGA", NULL);
    if (!dev || device_realize(dev, m))
        return -1;
    size_t size;
    uint8_t *rom = pc_load_file(NULL, VGA_BIOS, &size);
    if (!rom)
        return -1;
    int ret = fw_cfg_add_file(pc_board(m)->fw_cfg, "vgaroms/vgabios-isavga.bin", rom, size);
    free(rom);
    return ret < 0 ? -1 : 0;
}
