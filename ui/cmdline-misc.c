/* -mon, and QEMU options kemu knows but does not implement yet: those
 * fail with a line that says so, rather than "invalid option". */
#include "ui/cmdline-int.h"
#include "hw/core/error.h"
#include "hw/core/util.h"

#include <string.h>

int cmdline_parse_mon(KemuOptions *o, const char *arg)
{
    static const char *const keys[] = { "chardev", "mode", "pretty", "id", NULL };
    Opts opts;
    if (cl_opts(&opts, "-mon", arg, "chardev", keys))
        return -1;
    int ret = -1;
    const char *chardev = opts_get(&opts, "chardev"), *mode = opts_get(&opts, "mode");
    if (!chardev)
        error_report("-mon %s: Parameter 'chardev' is missing", arg);
    else if (mode && !strcmp(mode, "control"))
        error_report("-mon %s: QMP (mode=control) is not supported yet", arg);
    else if (mode && strcmp(mode, "readline"))
        error_report("-mon %s: Parameter 'mode' does not accept value '%s'", arg, mode);
    else if (o->nmons >= MAX_SERIAL)
        error_report("-mon %s: too many monitors (at most %d)", arg, MAX_SERIAL);
    else
        ret = 0;
    if (!ret)
        o->mon_chardevs[o->nmons++] = xstrdup(chardev);
    if (!ret && !o->monitor_set) {
        o->monitor_set = true;      /* no default monitor beside it, as QEMU */
    }
    opts_free(&opts);
    return ret;
}

/* QEMU options with an argument (1) or without (0) that kemu lacks. */
static const struct {
    const char *name;
    int has_arg;
} later[] = {
    { "no-acpi", 0 }, { "no-hpet", 0 },
    { "L", 1 }, { "qmp", 1 }, { "qmp-pretty", 1 }, { "incoming", 1 },
    { "mem-path", 1 }, { "mem-prealloc", 0 }, { "overcommit", 1 },
    { "mtdblock", 1 }, { "sd", 1 },
    { "pflash", 1 }, { "parallel", 1 }, { "virtfs", 1 }, { "fsdev", 1 }, { "spice", 1 },
    { "audiodev", 1 }, { "watchdog-action", 1 }, { "readconfig", 1 },
    { "writeconfig", 1 }, { "runas", 1 }, { "chroot", 1 }, { "sandbox", 1 }, { "msg", 1 },
    { "trace", 1 }, { "icount", 1 }, { "option-rom", 1 }, { "fw_cfg", 1 },
    { "numa", 1 }, { "add-fd", 1 }, { "set", 1 }, { "tpmdev", 1 },
    { "blockdev", 1 }, { "debugcon", 1 }, { "action", 1 }, { "loadvm", 1 }, { "semihosting", 0 },
    { "plugin", 1 }, { "iscsi", 1 }, { "device-list", 0 }, { "localtime", 0 }, { "win2k-hack", 0 },
    { "rtc-td-hack", 0 }, { "no-fd-bootchk", 0 }, { "realtime", 1 }, { "portrait", 0 },
    { "rotate", 1 }, { "alt-grab", 0 }, { "ctrl-grab", 0 }, { "no-frame", 0 },
    { "g", 1 }, { "echr", 1 }, { "show-cursor", 0 }, { "tb-size", 1 }, { "preconfig", 0 },
    { "enable-sync-profile", 0 },
    { "seed", 1 }, { "cpu-pm", 1 }, { "bios-boot", 1 },
};

/* -1: not one of them; else whether it takes an argument. */
int cmdline_later_option(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(later); i++) {
        if (!strcmp(later[i].name, name))
            return later[i].has_arg;
    }
    return -1;
}
