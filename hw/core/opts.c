#include "hw/core/opts.h"
#include "hw/core/util.h"

#include <stdlib.h>
#include <string.h>

/* Copy one element from *p up to an unescaped separator (',' always, and
 * '=' when stop_eq), turning ",," into ','.  Advances *p past it. */
static char *take(const char **p, bool stop_eq)
{
    const char *s = *p;
    char *out = xmalloc(strlen(s) + 1), *d = out;
    while (*s) {
        if (*s == ',') {
            if (s[1] == ',') {
                *d++ = ',';
                s += 2;
                continue;
            }
            break;
        }
        if (stop_eq && *s == '=')
            break;
        *d++ = *s++;
    }
    *d = '\0';
    *p = s;
    return out;
}

static void add(Opts *o, char *key, char *val)
{
    o->v = xrealloc(o->v, (o->n + 1) * sizeof(Opt));
    o->v[o->n++] = (Opt){ key, val };
}

int opts_parse(Opts *o, const char *str, const char *implied_key, const char **err)
{
    o->v = NULL;
    o->n = 0;
    const char *p = str;
    bool first = true;
    while (*p) {
        char *key = take(&p, true);
        if (*p == '=') {
            p++;
            add(o, key, take(&p, false));
        } else if (first && implied_key) {
            add(o, xstrdup(implied_key), key);
        } else if (!*key) {
            free(key);
            opts_free(o);
            *err = "empty option";
            return -1;
        } else {
            add(o, key, xstrdup("on"));
        }
        first = false;
        if (*p == ',')
            p++;
    }
    return 0;
}

void opts_free(Opts *o)
{
    for (size_t i = 0; i < o->n; i++) {
        free(o->v[i].key);
        free(o->v[i].val);
    }
    free(o->v);
    o->v = NULL;
    o->n = 0;
}

const char *opts_get(const Opts *o, const char *key)
{
    for (size_t i = o->n; i-- > 0;) {
        if (!strcmp(o->v[i].key, key))
            return o->v[i].val;
    }
    return NULL;
}

bool opts_del(Opts *o, const char *key)
{
    bool found = false;
    size_t j = 0;
    for (size_t i = 0; i < o->n; i++) {
        if (!strcmp(o->v[i].key, key)) {
            free(o->v[i].key);
            free(o->v[i].val);
            found = true;
        } else {
            o->v[j++] = o->v[i];
        }
    }
    o->n = j;
    return found;
}
