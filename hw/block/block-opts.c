/* Opening an image from a QEMU-style option string, as -drive and the
 * monitor's drive_add give them: "file=x.qcow2,format=qcow2,cache=none". */
#include "hw/block/block.h"
#include "hw/core/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct DriveSpec {
    char *file, *format;
    BlockCacheMode cache;
    int flags;
} DriveSpec;

static int bool_value(const char *k, const char *v, bool *out, char **errp)
{
    if (!strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "true")) {
        *out = true;
    } else if (!strcmp(v, "off") || !strcmp(v, "no") || !strcmp(v, "false")) {
        *out = false;
    } else {
        blk_error(errp, "Parameter '%s' expects 'on' or 'off'", k);
        return -EINVAL;
    }
    return 0;
}

static int set_key(DriveSpec *d, const char *k, const char *v, char **errp)
{
    bool b;
    if (!strcmp(k, "file")) {
        free(d->file);
        d->file = xstrdup(v);
    } else if (!strcmp(k, "format") || !strcmp(k, "driver")) {
        free(d->format);
        d->format = xstrdup(v);
    } else if (!strcmp(k, "cache")) {
        if (bdrv_parse_cache(v, &d->cache) < 0) {
            blk_error(errp, "invalid cache option '%s'", v);
            return -EINVAL;
        }
    } else if (!strcmp(k, "read-only") || !strcmp(k, "readonly")) {
        if (bool_value(k, v, &b, errp) < 0) {
            return -EINVAL;
        }
        d->flags = b ? d->flags & ~BDRV_O_RDWR : d->flags | BDRV_O_RDWR;
    } else if (!strcmp(k, "file.locking") || !strcmp(k, "force-share")) {
        if (bool_value(k, v, &b, errp) < 0) {
            return -EINVAL;
        }
        /* locking=off and force-share=on both mean: take no locks. */
        bool share = !strcmp(k, "force-share") ? b : !b;
        d->flags = share ? d->flags | BDRV_O_SHARE : d->flags & ~BDRV_O_SHARE;
    } else {
        blk_error(errp, "Invalid parameter '%s'", k);
        return -EINVAL;
    }
    return 0;
}

int blk_opts_split(const char *spec, const char *implied,
                   int (*fn)(const char *k, const char *v, void *opaque), void *opaque,
                   char **errp)
{
    bool first = true;
    char *buf = xmalloc(strlen(spec) + 1);
    int r = 0;
    while (*spec && r == 0) {
        size_t n = 0;
        for (; *spec; spec++) {
            if (*spec == ',' && spec[1] == ',') {
                buf[n++] = ',';
                spec++;
            } else if (*spec == ',') {
                spec++;
                break;
            } else {
                buf[n++] = *spec;
            }
        }
        buf[n] = 0;
        char *eq = strchr(buf, '=');
        if (!eq && first && implied) {
            r = fn(implied, buf, opaque);
            first = false;
            continue;
        }
        first = false;
        if (!eq) {
            blk_error(errp, "Parameter '%s' is missing a value", buf);
            r = -EINVAL;
            break;
        }
        *eq = 0;
        r = fn(buf, eq + 1, opaque);
    }
    free(buf);
    return r;
}

typedef struct ParseCtx {
    DriveSpec *d;
    char **errp;
} ParseCtx;

static int set_key_cb(const char *k, const char *v, void *opaque)
{
    ParseCtx *c = opaque;
    return set_key(c->d, k, v, c->errp);
}

static int parse(DriveSpec *d, const char *spec, char **errp)
{
    ParseCtx c = { d, errp };
    return blk_opts_split(spec, NULL, set_key_cb, &c, errp);
}

BlockDriverState *bdrv_open_opts(const char *spec, int flags, char **errp)
{
    DriveSpec d = { .cache = BDRV_CACHE_WRITEBACK, .flags = flags | BDRV_O_RDWR };
    BlockDriverState *bs = NULL;
    if (parse(&d, spec, errp) == 0) {
        if (!d.file) {
            blk_error(errp, "Parameter 'file' is missing");
        } else {
            bs = bdrv_open(d.file, d.format, d.flags, d.cache, errp);
        }
    }
    free(d.file);
    free(d.format);
    return bs;
}
