/* -smbios type=N,... and -uuid: checked here (the board's parser, so a
 * bad field fails before anything starts), kept as given for the board. */
#include "ui/cmdline-int.h"
#include "hw/core/error.h"
#include "hw/pc/smbios.h"

#define MAX_SMBIOS (sizeof(((MachineConfig *)0)->smbios) / sizeof(char *))

int cmdline_parse_smbios(KemuOptions *o, const char *arg)
{
    SmbiosConfig scratch = { 0 };
    int ret = smbios_parse_option(&scratch, arg);
    smbios_config_free(&scratch);
    if (ret)
        return -1;
    if (o->cfg.nsmbios >= MAX_SMBIOS) {
        error_report("-smbios %s: at most %zu -smbios options", arg, MAX_SMBIOS);
        return -1;
    }
    o->cfg.smbios[o->cfg.nsmbios++] = arg;
    return 0;
}

int cmdline_parse_uuid(KemuOptions *o, const char *arg)
{
    if (smbios_parse_uuid(arg, o->cfg.uuid)) {
        error_report("-uuid %s: failed to parse UUID string: wrong format", arg);
        return -1;
    }
    o->cfg.uuid_set = true;
    return 0;
}
