/* -smbios type=N,key=value,... and -uuid, with QEMU's keys per type and
 * its messages for what does not fit. */
#include "hw/pc/smbios.h"
#include "hw/core/error.h"
#include "hw/core/opts.h"
#include "hw/core/util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    unsigned type;
    const char *keys[SMBIOS_KEYS];
} kinds[SMBIOS_KINDS] = {
    { 0, { "vendor", "version", "date", "release", "uefi" } },
    { 1, { "manufacturer", "product", "version", "serial", "uuid", "sku", "family" } },
    { 2, { "manufacturer", "product", "version", "serial", "asset", "location" } },
    { 3, { "manufacturer", "version", "serial", "asset", "sku" } },
    { 4, { "sock_pfx", "manufacturer", "version", "serial", "asset", "part", "max-speed",
           "current-speed" } },
    { 17, { "loc_pfx", "bank", "manufacturer", "serial", "asset", "part", "speed" } },
};

int smbios_parse_uuid(const char *s, uint8_t out[16])
{
    static const int dash_at[] = { 8, 13, 18, 23 };
    if (strlen(s) != 36)
        return -1;
    for (size_t i = 0; i < sizeof(dash_at) / sizeof(dash_at[0]); i++) {
        if (s[dash_at[i]] != '-')
            return -1;
    }
    int n = 0;
    for (const char *p = s; *p; p++) {
        if (*p == '-')
            continue;
        if (!isxdigit((unsigned char)*p) || n >= 32)
            return -1;
        int d = isdigit((unsigned char)*p) ? *p - '0' : tolower((unsigned char)*p) - 'a' + 10;
        out[n / 2] = (uint8_t)(n & 1 ? out[n / 2] | d : d << 4);
        n++;
    }
    return n == 32 ? 0 : -1;
}

static int kind_of(unsigned type)
{
    for (int k = 0; k < SMBIOS_KINDS; k++) {
        if (kinds[k].type == type)
            return k;
    }
    return -1;
}

static int key_of(int kind, const char *key)
{
    for (int i = 0; i < SMBIOS_KEYS && kinds[kind].keys[i]; i++) {
        if (!strcmp(kinds[kind].keys[i], key))
            return i;
    }
    return -1;
}

/* A value the table needs as a number (or a pair, or a UUID) is checked
 * here so that a bad one fails at start-up, not later. */
static int check_value(SmbiosConfig *c, const char *arg, const char *key, const char *v)
{
    uint64_t n;
    bool b;
    if (!strcmp(key, "uuid")) {
        if (smbios_parse_uuid(v, c->uuid)) {
            error_report("-smbios %s: Invalid UUID", arg);
            return -1;
        }
        c->uuid_set = true;
    } else if (!strcmp(key, "uefi") && parse_bool(v, &b)) {
        error_report("-smbios %s: Parameter 'uefi' expects 'on' or 'off'", arg);
        return -1;
    } else if (strstr(key, "speed") && (parse_uint(v, &n) || n > 0xffff)) {
        error_report("-smbios %s: Parameter '%s' expects a number", arg, key);
        return -1;
    } else if (!strcmp(key, "release")) {
        unsigned maj, min;
        char end;
        if (sscanf(v, "%u.%u%c", &maj, &min, &end) != 2 || maj > 255 || min > 255) {
            error_report("-smbios %s: Invalid release", arg);
            return -1;
        }
    }
    return 0;
}

static int set_key(SmbiosConfig *c, const char *arg, int kind, const Opt *o)
{
    if (!strcmp(o->key, "type"))
        return 0;
    int key = key_of(kind, o->key);
    if (key < 0) {
        error_report("-smbios %s: Invalid parameter '%s'", arg, o->key);
        return -1;
    }
    if (check_value(c, arg, o->key, o->val))
        return -1;
    free(c->str[kind][key]);
    c->str[kind][key] = xstrdup(o->val);
    return 0;
}

static int parse_type(const char *arg, const Opts *o)
{
    const char *t = opts_get(o, "type");
    uint64_t type;
    if (opts_get(o, "file")) {
        error_report("-smbios %s: SMBIOS binary files are not supported yet", arg);
        return -1;
    }
    if (!t) {
        error_report("-smbios %s: Must specify type= or file=", arg);
        return -1;
    }
    if (parse_uint(t, &type) || type > 255) {
        error_report("-smbios %s: Parameter 'type' expects a number", arg);
        return -1;
    }
    int kind = kind_of((unsigned)type);
    if (kind < 0)
        error_report("-smbios %s: Don't know how to build fields for SMBIOS type %u", arg,
                     (unsigned)type);
    return kind;
}

/* Type 11: each value= is one more OEM string. */
static int parse_oem(SmbiosConfig *c, const char *arg, const Opts *o)
{
    for (size_t i = 0; i < o->n; i++) {
        const Opt *p = &o->v[i];
        if (!strcmp(p->key, "type"))
            continue;
        if (!strcmp(p->key, "path")) {
            error_report("-smbios %s: OEM strings from a file (path=) are not supported yet",
                         arg);
            return -1;
        }
        if (strcmp(p->key, "value")) {
            error_report("-smbios %s: Invalid parameter '%s'", arg, p->key);
            return -1;
        }
        if (c->noem >= SMBIOS_OEM_MAX) {
            error_report("-smbios %s: at most %d OEM strings", arg, SMBIOS_OEM_MAX);
            return -1;
        }
        c->oem[c->noem++] = xstrdup(p->val);
    }
    return 0;
}

int smbios_parse_option(SmbiosConfig *c, const char *arg)
{
    Opts o = { 0 };
    const char *err;
    if (opts_parse(&o, arg, NULL, &err)) {
        error_report("-smbios %s: %s", arg, err);
        return -1;
    }
    const char *t = opts_get(&o, "type");
    if (t && !strcmp(t, "11")) {
        int r = parse_oem(c, arg, &o);
        opts_free(&o);
        return r;
    }
    int kind = parse_type(arg, &o), ret = kind < 0 ? -1 : 0;
    for (size_t i = 0; !ret && i < o.n; i++)
        ret = set_key(c, arg, kind, &o.v[i]);
    opts_free(&o);
    return ret;
}

int smbios_config_from_machine(SmbiosConfig *c, const Machine *m)
{
    memset(c, 0, sizeof(*c));
    if (m->cfg.uuid_set) {
        memcpy(c->uuid, m->cfg.uuid, sizeof(c->uuid));
        c->uuid_set = true;
    }
    for (unsigned i = 0; i < m->cfg.nsmbios; i++) {
        if (smbios_parse_option(c, m->cfg.smbios[i]))
            return -1;
    }
    return 0;
}

void smbios_config_free(SmbiosConfig *c)
{
    for (int k = 0; k < SMBIOS_KINDS; k++) {
        for (int i = 0; i < SMBIOS_KEYS; i++)
            free(c->str[k][i]);
    }
    for (int i = 0; i < c->noem; i++)
        free(c->oem[i]);
    memset(c, 0, sizeof(*c));
}

const char *smbios_get(const SmbiosConfig *c, unsigned type, const char *key)
{
    int kind = kind_of(type), i = kind < 0 ? -1 : key_of(kind, key);
    return i < 0 ? NULL : c->str[kind][i];
}
