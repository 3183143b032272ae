/* Small helpers for option strings, shared by the cmdline-*.c files. */
#include "ui/cmdline-int.h"
#include "hw/core/error.h"
#include "hw/core/util.h"

#include <stdlib.h>
#include <string.h>

const char *cl_unknown_key(const Opts *o, const char *const *keys)
{
    if (!keys)
        return NULL;
    for (size_t i = 0; i < o->n; i++) {
        const char *const *k = keys;
        while (*k && strcmp(*k, o->v[i].key))
            k++;
        if (!*k)
            return o->v[i].key;
    }
    return NULL;
}

int cl_opts(Opts *o, const char *opt, const char *arg, const char *implied,
            const char *const *keys)
{
    const char *err;
    if (opts_parse(o, arg, implied, &err)) {
        error_report("%s %s: %s", opt, arg, err);
        return -1;
    }
    const char *bad = cl_unknown_key(o, keys);
    if (bad) {
        error_report("%s %s: Invalid parameter '%s'", opt, arg, bad);
        opts_free(o);
        return -1;
    }
    return 0;
}

int cl_bool(const Opts *o, const char *key, bool def, bool *out,
            const char *opt, const char *arg, const char *prefix)
{
    const char *v = opts_get(o, key);
    if (!v) {
        *out = def;
        return 0;
    }
    if (!strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "true")) {
        *out = true;
        return 0;
    }
    if (!strcmp(v, "off") || !strcmp(v, "no") || !strcmp(v, "false")) {
        *out = false;
        return 0;
    }
    if (prefix)
        error_report("Parameter '%s.%s' expects 'on' or 'off'", prefix, key);
    else
        error_report("%s %s: Parameter '%s' expects 'on' or 'off'", opt, arg, key);
    return -1;
}

bool cl_is_help(const char *s)
{
    return s && (!strcmp(s, "help") || !strcmp(s, "?"));
}

char *cl_strdup(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

void cl_set_str(char **slot, const char *s)
{
    free(*slot);
    *slot = cl_strdup(s);
}
