/* What the board tells the firmware through fw_cfg: RAM size and map, CPU
 * counts, boot device and menu, the IRQ0 override.  The kernel keys are
 * added by the Linux loader. */
#include "hw/pc/pc-board.h"
#include "hw/pc/fw_cfg.h"
#include "hw/core/bootdev.h"
#include "hw/core/util.h"
#include "hw/core/chardev.h"

#include <stdlib.h>
#include <string.h>

/* "etc/e820": the RAM as QEMU lists it (le64 address, le64 length, le32
 * type per entry); the firmware carves out its own reservations. */
static int add_e820_file(Machine *m, Device *fw)
{
    PcBoard *b = pc_board(m);
    uint8_t buf[2 * 20];
    size_t n = 0;
    const struct { uint64_t addr, size; } ram[2] = {
        { 0, b->below_4g }, { PC_HIGHMEM_BASE, b->above_4g },
    };
    for (int i = 0; i < 2; i++) {
        if (!ram[i].size)
            continue;
        uint8_t *p = buf + 20 * n++;
        for (int j = 0; j < 8; j++) {
            p[j] = (uint8_t)(ram[i].addr >> (8 * j));
            p[8 + j] = (uint8_t)(ram[i].size >> (8 * j));
        }
        p[16] = E820_RAM;
        p[17] = p[18] = p[19] = 0;
    }
    return fw_cfg_add_file(fw, "etc/e820", buf, 20 * n) < 0 ? -1 : 0;
}

/* "bootorder": device paths by bootindex, one per line; -boot strict=on
 * ends the list with HALT so the firmware tries nothing else.  Set again
 * once the devices the command line adds exist.  A -kernel's Linux-boot
 * ROM comes first, as bootindex 0 (SeaBIOS names a fw_cfg ROM
 * "/rom@FILE"). */
int pc_set_bootorder_file(Machine *m)
{
    char *list = bootdev_list();
    const char *rom = pc_board(m)->linuxboot_rom ? "/rom@" PC_LINUXBOOT_ROM "\n" : "";
    char *order = xasprintf("%s%s%s", rom, list, m->cfg.boot_strict ? "HALT" : "");
    size_t n = strlen(order);
    if (n && order[n - 1] == '\n')
        order[--n] = '\0';
    int ret = fw_cfg_set_file(pc_board(m)->fw_cfg, "bootorder", order, n ? n + 1 : 0);
    free(list);
    free(order);
    return ret < 0 ? -1 : 0;
}

int pc_fw_cfg_init(Machine *m)
{
    Device *fw = pc_board(m)->fw_cfg;
    if (pc_smbios_init(m) || pc_smbios_fw_cfg(m))
        return -1;
    fw_cfg_add_i64(fw, FW_CFG_RAM_SIZE, m->cfg.ram_size);
    fw_cfg_add_bytes(fw, FW_CFG_UUID, m->cfg.uuid, sizeof(m->cfg.uuid));
    fw_cfg_add_i16(fw, FW_CFG_NB_CPUS, (uint16_t)m->ncpus);
    fw_cfg_add_i16(fw, FW_CFG_MAX_CPUS, (uint16_t)MAX(m->cfg.smp_max, m->ncpus));
    fw_cfg_add_i16(fw, FW_CFG_BOOT_DEVICE, (uint16_t)pc_boot_order(m)[0]);
    fw_cfg_add_i16(fw, FW_CFG_BOOT_MENU, m->cfg.boot_menu);
    fw_cfg_add_i32(fw, FW_CFG_IRQ0_OVERRIDE, 1);
    if (add_e820_file(m, fw) || pc_acpi_fw_cfg(m))
        return -1;
    if (pc_set_bootorder_file(m) < 0)
        return -1;
    /* SeaBIOS: reboot this many ms after a failed boot (-1: never). */
    uint8_t wait[4];
    for (int i = 0; i < 4; i++)
        wait[i] = (uint8_t)((uint32_t)m->cfg.boot_reboot_timeout >> (8 * i));
    if (fw_cfg_add_file(fw, "etc/boot-fail-wait", wait, sizeof(wait)) < 0)
        return -1;
    /* The board has no display adapter: SeaBIOS talks on COM1 instead. */
    if (chr_find("serial0")) {
        uint8_t port[2] = { 0xf8, 0x03 };
        if (fw_cfg_add_file(fw, "etc/sercon-port", port, sizeof(port)) < 0)
            return -1;
    }
    /* SeaBIOS: how long "Press ESC for boot menu." waits (its default,
     * 2.5 s, unless splash-time was given; as QEMU, whether or not the
     * menu is on: the splash screen shows that long too). */
    if (m->cfg.boot_splash_time >= 0) {
        uint8_t menu[2] = { (uint8_t)m->cfg.boot_splash_time,
                            (uint8_t)(m->cfg.boot_splash_time >> 8) };
        if (fw_cfg_add_file(fw, "etc/boot-menu-wait", menu, sizeof(menu)) < 0)
            return -1;
    }
    return 0;
}
