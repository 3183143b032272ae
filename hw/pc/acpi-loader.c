/* The ACPI tables for firmware: fw_cfg files etc/acpi/rsdp and
 * etc/acpi/tables plus etc/table-loader, QEMU's linker/loader script that
 * SeaBIOS runs -- allocate each file (the RSDP in the F segment, the tables
 * in high RAM), add the tables' final address to every pointer, then fix up
 * the checksums.  Every command is 128 bytes: le32 command, then
 *   ALLOCATE     file[56], le32 align, u8 zone (1 high, 2 F segment)
 *   ADD_POINTER  dest_file[56], src_file[56], le32 offset, u8 size
 *   ADD_CHECKSUM file[56], le32 result offset, le32 start, le32 length */
#include "hw/pc/acpi.h"
#include "hw/pc/fw_cfg.h"
#include "hw/pc/pc-board.h"
#include "hw/core/error.h"
#include "hw/core/util.h"

#include <stdlib.h>
#include <string.h>

#define LOADER_ENTRY 128
#define LOADER_NAME 56
#define RSDP_FILE "etc/acpi/rsdp"
#define TABLES_FILE "etc/acpi/tables"
enum { CMD_ALLOCATE = 1, CMD_ADD_POINTER = 2, CMD_ADD_CHECKSUM = 3 };
enum { ZONE_HIGH = 1, ZONE_FSEG = 2 };

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint8_t *command(uint8_t *script, int *n, uint32_t cmd, const char *file)
{
    uint8_t *e = script + LOADER_ENTRY * (size_t)(*n)++;
    put32(e, cmd);
    strncpy((char *)e + 4, file, LOADER_NAME - 1);
    return e;
}

/* The file holding buffer offset off, and off made relative to it. */
static const char *file_of(const AcpiLinker *lk, uint32_t *off)
{
    if (*off < lk->tables_off)
        return RSDP_FILE;
    *off -= lk->tables_off;
    return TABLES_FILE;
}

static size_t write_script(const AcpiLinker *lk, uint8_t *script)
{
    int n = 0;
    uint8_t *e = command(script, &n, CMD_ALLOCATE, RSDP_FILE);
    put32(e + 60, 16);
    e[64] = ZONE_FSEG;
    e = command(script, &n, CMD_ALLOCATE, TABLES_FILE);
    put32(e + 60, 64);                  /* the FACS's alignment */
    e[64] = ZONE_HIGH;
    for (int i = 0; i < lk->npointers; i++) {
        uint32_t off = lk->pointers[i].off;
        e = command(script, &n, CMD_ADD_POINTER, file_of(lk, &off));
        strncpy((char *)e + 60, TABLES_FILE, LOADER_NAME - 1);
        put32(e + 116, off);
        e[120] = lk->pointers[i].size;
    }
    for (int i = 0; i < lk->nchecksums; i++) {
        uint32_t off = lk->checksums[i].off, start = lk->checksums[i].start;
        e = command(script, &n, CMD_ADD_CHECKSUM, file_of(lk, &off));
        file_of(lk, &start);
        put32(e + 60, off);
        put32(e + 64, start);
        put32(e + 68, lk->checksums[i].len);
    }
    return LOADER_ENTRY * (size_t)n;
}

int pc_acpi_fw_cfg(Machine *m)
{
    Device *fw = pc_board(m)->fw_cfg;
    uint8_t *buf = xzalloc(PC_ACPI_AREA_SIZE);
    AcpiLinker lk;
    /* First pass for the layout; then addresses relative to the tables
     * file, to which the loader adds where it put it. */
    acpi_build_tables_linked(m, buf, 0, PC_ACPI_AREA_SIZE, &lk);
    size_t used = acpi_build_tables_linked(m, buf, (uint64_t)0 - lk.tables_off,
                                           PC_ACPI_AREA_SIZE, &lk);
    if (!used)
        KEMU_BUG("ACPI tables larger than their area");
    uint8_t *script = xzalloc(LOADER_ENTRY * (size_t)(2 + lk.npointers + lk.nchecksums));
    size_t slen = write_script(&lk, script);
    int ret = fw_cfg_add_file(fw, RSDP_FILE, buf, 36) < 0 ||
              fw_cfg_add_file(fw, TABLES_FILE, buf + lk.tables_off, used - lk.tables_off) < 0 ||
              fw_cfg_add_file(fw, "etc/table-loader", script, slen) < 0 ? -1 : 0;
    free(script);
    free(buf);
    return ret;
}
