/* The board's SMBIOS: -smbios and -uuid parsed once, then the tables
 * handed to SeaBIOS through fw_cfg (QEMU's etc/smbios/smbios-tables and
 * etc/smbios/smbios-anchor: the firmware places them and fixes the
 * table address), or written into the F segment by the direct kernel
 * boot, where nobody else would. */
#include "hw/pc/pc-board.h"
#include "hw/pc/fw_cfg.h"
#include "hw/pc/smbios.h"
#include "hw/core/error.h"
#include "hw/core/util.h"

#include <stdlib.h>
#include <string.h>

int pc_smbios_init(Machine *m)
{
    PcBoard *b = pc_board(m);
    if (!b->smbios)
        b->smbios = xzalloc(sizeof(*b->smbios));
    if (smbios_config_from_machine(b->smbios, m))
        return -1;
    /* -smbios type=1,uuid= is the machine's UUID as well (fw_cfg's). */
    memcpy(m->cfg.uuid, b->smbios->uuid, sizeof(m->cfg.uuid));
    m->cfg.uuid_set = b->smbios->uuid_set;
    return 0;
}

int pc_smbios_fw_cfg(Machine *m)
{
    Device *fw = pc_board(m)->fw_cfg;
    uint8_t anchor[SMBIOS_ANCHOR_LEN];
    size_t len;
    uint8_t *tables = smbios_build(m, pc_board(m)->smbios, false, 0, anchor, &len);
    int ret = fw_cfg_add_file(fw, "etc/smbios/smbios-tables", tables, len) < 0 ||
              fw_cfg_add_file(fw, "etc/smbios/smbios-anchor", anchor, sizeof(anchor)) < 0;
    free(tables);
    return ret ? -1 : 0;
}

void pc_smbios_install(Machine *m)
{
    PcBoard *b = pc_board(m);
    static const SmbiosConfig none;         /* a board built without fw_cfg */
    uint8_t anchor[SMBIOS_ANCHOR_LEN];
    size_t len;
    const SmbiosConfig *c = b->smbios ? b->smbios : &none;
    uint8_t *tables = smbios_build(m, c, true, PC_SMBIOS_TABLES, anchor, &len);
    if (len > PC_SMBIOS_MAX)
        KEMU_BUG("SMBIOS tables larger than their area");
    memcpy(b->isa_bios.host + (PC_SMBIOS_ANCHOR - PC_BIOS_AREA), anchor, sizeof(anchor));
    memcpy(b->isa_bios.host + (PC_SMBIOS_TABLES - PC_BIOS_AREA), tables, len);
    free(tables);
}
