/* SMBIOS (DMTF DSP0134 2.8): the structure table and its 32-bit entry
 * point ("_SM_") that the PC board gives its guest -- through fw_cfg's
 * etc/smbios/smbios-tables and etc/smbios/smbios-anchor for SeaBIOS to
 * install, or written into the F segment for a direct kernel boot.  The
 * types are QEMU's for the pc machine: 1 system, 3 chassis, 4 one per
 * socket, 16 memory array, 17 one per 16 GiB DIMM, 19 one per RAM range,
 * 32 boot information, 127 end; 0 (BIOS), 2 (base board) and 11 (OEM
 * strings) when -smbios gives fields for them (SeaBIOS adds its own type 0
 * otherwise). */
#ifndef KEMU_SMBIOS_H
#define KEMU_SMBIOS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/core/machine.h"

#define SMBIOS_ANCHOR_LEN 31
#define SMBIOS_KINDS 6              /* types 0, 1, 2, 3, 4, 17 take fields */
#define SMBIOS_KEYS 8

/* What -smbios and -uuid asked for: a string per type and key (NULL: the
 * default), and the UUID of type 1. */
#define SMBIOS_OEM_MAX 16

typedef struct SmbiosConfig {
    char *str[SMBIOS_KINDS][SMBIOS_KEYS];
    char *oem[SMBIOS_OEM_MAX];      /* type 11's value= strings, in order */
    int noem;
    uint8_t uuid[16];
    bool uuid_set;
} SmbiosConfig;

/* One -smbios argument ("type=1,manufacturer=X,...") into c: 0, or -1
 * after error_report. */
int smbios_parse_option(SmbiosConfig *c, const char *arg);
/* -uuid's 8-4-4-4-12 hex form into out (big-endian byte order, as
 * printed): 0 or -1. */
int smbios_parse_uuid(const char *s, uint8_t out[16]);
/* All of m->cfg's -smbios options and -uuid into c (zeroed first). */
int smbios_config_from_machine(SmbiosConfig *c, const Machine *m);
void smbios_config_free(SmbiosConfig *c);
/* The value -smbios gave a type's key, or NULL. */
const char *smbios_get(const SmbiosConfig *c, unsigned type, const char *key);

/* The structure table (malloc'd, *len bytes) for m; with_type0 adds a
 * BIOS table naming kemu when -smbios gave none (no firmware will).  The
 * entry point for a table at table_addr goes to anchor. */
uint8_t *smbios_build(const Machine *m, const SmbiosConfig *c, bool with_type0,
                      uint32_t table_addr, uint8_t anchor[SMBIOS_ANCHOR_LEN], size_t *len);

#endif
