/* -boot [order=][,once=][,menu=][,splash=][,splash-time=][,reboot-timeout=]
 * [,strict=], and the legacy "-boot dc" (a bare order). */
#include "ui/cmdline-int.h"
#include "hw/core/error.h"
#include "hw/core/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* QEMU's generic rule: a..p, each once; then the PC's: floppy (a), disk
 * (c), CD-ROM (d), network (n), at most three (the CMOS holds three). */
static int boot_devices_valid(const char *s)
{
    unsigned seen = 0;
    for (const char *p = s; *p; p++) {
        if (*p < 'a' || *p > 'p') {
            error_report("Invalid boot device '%c'", *p);
            return -1;
        }
        if (seen & (1u << (*p - 'a'))) {
            error_report("Boot device '%c' was given twice", *p);
            return -1;
        }
        seen |= 1u << (*p - 'a');
    }
    for (const char *p = s; *p; p++) {
        if (!strchr("acdn", *p)) {
            error_report("Invalid boot device for PC: '%c'", *p);
            return -1;
        }
    }
    if (strlen(s) > 3) {
        error_report("Too many boot devices for PC");
        return -1;
    }
    return 0;
}

static int boot_int(const Opts *o, const char *key, long lo, long hi, int *out,
                    const char *range_msg)
{
    const char *v = opts_get(o, key);
    char *end;
    if (!v)
        return 0;
    errno = 0;
    long n = strtol(v, &end, 0);
    if (!*v || *end || errno) {
        error_report("Parameter 'boot.%s' expects integer", key);
        return -1;
    }
    if (n < lo || n > hi) {
        error_report("%s", range_msg);
        return -1;
    }
    *out = (int)n;
    return 0;
}

static int boot_order(char *dst, size_t len, const char *v)
{
    if (!v)
        return 0;
    if (boot_devices_valid(v))
        return -1;
    snprintf(dst, len, "%s", v);
    return 0;
}

static int boot_apply(MachineConfig *cfg, const Opts *o)
{
    if (boot_order(cfg->boot_order, sizeof(cfg->boot_order), opts_get(o, "order")) ||
        boot_order(cfg->boot_once, sizeof(cfg->boot_once), opts_get(o, "once")))
        return -1;
    if (cl_bool(o, "menu", cfg->boot_menu, &cfg->boot_menu, NULL, NULL, "boot") ||
        cl_bool(o, "strict", cfg->boot_strict, &cfg->boot_strict, NULL, NULL, "boot"))
        return -1;
    int t = cfg->boot_splash_time;
    if (boot_int(o, "splash-time", 0, 65535, &t,
                 "splash-time is invalid,it should be a value between 0 and 65535"))
        return -1;
    cfg->boot_splash_time = t;
    t = cfg->boot_reboot_timeout;
    if (boot_int(o, "reboot-timeout", -1, 65535, &t,
                 "reboot timeout is invalid,it should be a value between -1 and 65535"))
        return -1;
    cfg->boot_reboot_timeout = t;
    const char *splash = opts_get(o, "splash");
    if (splash) {
        FILE *f = fopen(splash, "rb");
        if (!f) {
            error_report("failed to find file '%s'", splash);
            return -1;
        }
        fclose(f);
        free((char *)cfg->boot_splash);
        cfg->boot_splash = xstrdup(splash);
    }
    return 0;
}

int cmdline_parse_boot(MachineConfig *cfg, const char *arg)
{
    static const char *const keys[] = { "order", "once", "menu", "splash", "splash-time",
                                        "reboot-timeout", "strict", NULL };
    Opts o;
    const char *err;
    if (opts_parse(&o, arg, "order", &err)) {
        error_report("-boot %s: %s", arg, err);
        return -1;
    }
    const char *bad = cl_unknown_key(&o, keys);
    int ret = -1;
    if (bad)
        error_report("Parameter 'boot.%s' is unexpected", bad);
    else
        ret = boot_apply(cfg, &o);
    opts_free(&o);
    return ret;
}
