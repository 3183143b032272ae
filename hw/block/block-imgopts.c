/* Opening an image the ways qemu-img names one besides a plain file name:
 * --image-opts option strings ("driver=qcow2,file.filename=x"), "json:{...}"
 * file names (the same keys as a JSON object) and "file:NAME".  Both forms
 * become one flat list of dotted keys. */
#include "hw/block/block.h"
#include "hw/core/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct KeyList {
    char **key, **val;
    int n;
} KeyList;

static char *dup_n(const char *s, size_t n)
{
    char *d = xmalloc(n + 1);
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

static void kl_add(KeyList *kl, const char *k, size_t klen, const char *v, size_t vlen)
{
    kl->key = xrealloc(kl->key, sizeof(char *) * (size_t)(kl->n + 1));
    kl->val = xrealloc(kl->val, sizeof(char *) * (size_t)(kl->n + 1));
    kl->key[kl->n] = dup_n(k, klen);
    kl->val[kl->n] = dup_n(v, vlen);
    kl->n++;
}

static void kl_free(KeyList *kl)
{
    for (int i = 0; i < kl->n; i++) {
        free(kl->key[i]);
        free(kl->val[i]);
    }
    free(kl->key);
    free(kl->val);
}

static int kl_add_cb(const char *k, const char *v, void *opaque)
{
    kl_add(opaque, k, strlen(k), v, strlen(v));
    return 0;
}

/* A small JSON reader: objects, strings, numbers, true/false/null. */
typedef struct Json {
    const char *p;
    const char *err;
} Json;

static void ws(Json *j)
{
    while (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r') {
        j->p++;
    }
}

/* \uXXXX as UTF-8 (the string was at least 6 bytes, room enough). */
static size_t utf8_put(char *o, unsigned cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xc0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    o[0] = (char)(0xe0 | cp >> 12);
    o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    o[2] = (char)(0x80 | (cp & 0x3f));
    return 3;
}

static char *json_string(Json *j)
{
    char *out = xmalloc(strlen(j->p) + 1);
    size_t n = 0;
    for (j->p++; *j->p && *j->p != '"'; j->p++) {
        if (*j->p == '\\' && j->p[1] == 'u') {
            unsigned cp;
            if (sscanf(j->p + 2, "%4x", &cp) != 1 || strspn(j->p + 2, "0123456789abcdefABCDEF") < 4) {
                j->err = "JSON parse error, invalid escape sequence in string";
                break;
            }
            n += utf8_put(out + n, cp);
            j->p += 5;
        } else if (*j->p == '\\' && j->p[1]) {
            j->p++;
            static const char esc[] = "\"\"\\\\//b\bf\fn\nr\rt\t";
            const char *e = strchr(esc, *j->p);
            if (!e || (e - esc) % 2) {
                j->err = "JSON parse error, invalid escape sequence in string";
                break;
            }
            out[n++] = e[1];
        } else {
            out[n++] = *j->p;
        }
    }
    out[n] = 0;
    if (!j->err && *j->p != '"') {
        j->err = "JSON parse error, premature EOI";
    }
    if (j->err) {
        free(out);
        return NULL;
    }
    j->p++;
    return out;
}

static void json_value(Json *j, KeyList *kl, const char *prefix);

static void json_object(Json *j, KeyList *kl, const char *prefix)
{
    j->p++;
    ws(j);
    if (*j->p == '}') {
        j->p++;
        return;
    }
    while (!j->err) {
        ws(j);
        if (*j->p != '"') {
            j->err = *j->p ? "JSON parse error, expecting a key" : "JSON parse error, premature EOI";
            return;
        }
        char *k = json_string(j);
        if (!k) {
            return;
        }
        char *path = prefix[0] ? xasprintf("%s.%s", prefix, k) : xstrdup(k);
        free(k);
        ws(j);
        if (*j->p != ':') {
            j->err = *j->p ? "JSON parse error, missing ':'" : "JSON parse error, premature EOI";
        } else {
            j->p++;
            json_value(j, kl, path);
        }
        free(path);
        ws(j);
        if (j->err || *j->p == '}') {
            j->p += !j->err;
            return;
        }
        if (*j->p != ',') {
            j->err = *j->p ? "JSON parse error, missing ','" : "JSON parse error, premature EOI";
            return;
        }
        j->p++;
    }
}

static void json_value(Json *j, KeyList *kl, const char *prefix)
{
    ws(j);
    if (*j->p == '{') {
        json_object(j, kl, prefix);
    } else if (*j->p == '"') {
        char *s = json_string(j);
        if (s) {
            kl_add(kl, prefix, strlen(prefix), s, strlen(s));
            free(s);
        }
    } else {
        size_t n = strspn(j->p, "+-.0123456789eEtruefalsn");
        if (!n) {
            j->err = *j->p ? "JSON parse error, invalid value" : "JSON parse error, premature EOI";
            return;
        }
        const char *v = j->p;
        j->p += n;
        /* true/false keep their text: the keys read "on"/"off" alike. */
        kl_add(kl, prefix, strlen(prefix), v, n);
    }
}

static int bool_of(const char *v, bool *b)
{
    if (!strcmp(v, "on") || !strcmp(v, "true") || !strcmp(v, "yes")) {
        *b = true;
    } else if (!strcmp(v, "off") || !strcmp(v, "false") || !strcmp(v, "no")) {
        *b = false;
    } else {
        return -1;
    }
    return 0;
}

typedef struct OpenSpec {
    const char *driver, *file, *filename, *bad;
    const char *key_secret; /* luks's key-secret or qcow2's encrypt.key-secret */
    const char *data_file;  /* qcow2's data-file.filename (or data-file=NAME) */
    /* driver=nbd: server.type=unix|inet, server.path or server.host and
     * server.port, export (also under "file.") */
    const char *nbd_type, *nbd_path, *nbd_host, *nbd_port, *nbd_export;
    int flags;
} OpenSpec;

static bool nbd_key(OpenSpec *s, const char *k, const char *v)
{
    if (!strncmp(k, "file.", 5) && strcmp(k, "file.filename") && strcmp(k, "file.driver")) {
        k += 5;
    }
    const char **slot = !strcmp(k, "server.type") ? &s->nbd_type
                        : !strcmp(k, "server.path") ? &s->nbd_path
                        : !strcmp(k, "server.host") ? &s->nbd_host
                        : !strcmp(k, "server.port") ? &s->nbd_port
                        : !strcmp(k, "export") ? &s->nbd_export : NULL;
    if (slot) {
        *slot = v;
    }
    return slot != NULL;
}

/* The NBD URI the server.* keys name (NULL when none was given). */
static char *nbd_uri(const OpenSpec *s)
{
    const char *ex = s->nbd_export ? s->nbd_export : "";
    if (s->nbd_path && (!s->nbd_type || !strcmp(s->nbd_type, "unix"))) {
        return xasprintf("nbd+unix:///%s?socket=%s", ex, s->nbd_path);
    }
    if (s->nbd_host) {
        return xasprintf("nbd://%s:%s/%s", s->nbd_host, s->nbd_port ? s->nbd_port : "10809", ex);
    }
    return NULL;
}

/* Sort the keys into spec; returns 0 or -1 with *errp set. */
static int read_keys(const KeyList *kl, OpenSpec *s, char **errp)
{
    for (int i = 0; i < kl->n; i++) {
        const char *k = kl->key[i], *v = kl->val[i];
        bool b;
        if (!strcmp(k, "driver")) {
            s->driver = v;
        } else if (!strcmp(k, "file.filename")) {
            s->file = v;
        } else if (!strcmp(k, "file")) {
            /* a plain string names another block node: there are none */
            blk_error(errp, "Cannot find device='%s' nor node-name='%s'", v, v);
            return -1;
        } else if (!strcmp(k, "filename")) {
            s->filename = v;
        } else if (nbd_key(s, k, v)) {
            /* taken */
        } else if (!strcmp(k, "data-file.filename") || !strcmp(k, "data-file")) {
            s->data_file = v;
        } else if (!strcmp(k, "data-file.driver") && !strcmp(v, "file")) {
            /* the only protocol there is */
        } else if (!strcmp(k, "key-secret") || !strcmp(k, "encrypt.key-secret")) {
            s->key_secret = v;
        } else if (!strcmp(k, "encrypt.format") && (!strcmp(v, "luks") || !strcmp(v, "aes"))) {
            /* the header says which */
        } else if (!strcmp(k, "file.driver") && !strcmp(v, "file")) {
            /* the only protocol there is */
        } else if (!strcmp(k, "read-only") || !strcmp(k, "force-share") ||
                   !strcmp(k, "file.locking")) {
            if (bool_of(v, &b) < 0) {
                blk_error(errp, "Parameter '%s' expects 'on' or 'off'", k);
                return -1;
            }
            int bit = !strcmp(k, "read-only") ? BDRV_O_RDWR : BDRV_O_SHARE;
            bool set = !strcmp(k, "read-only") || !strcmp(k, "file.locking") ? !b : b;
            s->flags = set ? s->flags | bit : s->flags & ~bit;
        } else if (!s->bad) {
            s->bad = k;
        }
    }
    return 0;
}

/* qemu-img names an image whose options hold a key secret by those options,
 * as its (unsorted) dictionary prints them. */
static char *key_name(const BlockDriverState *bs, const char *file, const char *key)
{
    char *f = xstrdup(file), *out;
    for (char *p = f; *p; p++) {
        *p = *p == '"' ? '\'' : *p; /* names with quotes are not worth escaping */
    }
    if (!strcmp(bs->drv->name, "luks")) {
        out = xasprintf("json:{\"driver\": \"luks\", \"file\": {\"driver\": \"file\", "
                        "\"filename\": \"%s\"}, \"key-secret\": \"%s\"}", f, key);
    } else {
        out = xasprintf("json:{\"encrypt.key-secret\": \"%s\", \"driver\": \"%s\", \"file\": "
                        "{\"driver\": \"file\", \"filename\": \"%s\"}}", key, bs->drv->name, f);
    }
    free(f);
    return out;
}

/* "Could not open 'NAME': why" from the block layer loses its first part:
 * the outer message names the whole option string instead. */
static char *inner_error(char *err, const char *filename)
{
    char *prefix = xasprintf("Could not open '%s': ", filename);
    char *out = xstrdup(err && !strncmp(err, prefix, strlen(prefix)) ? err + strlen(prefix)
                                                                      : err ? err : "");
    free(prefix);
    free(err);
    return out;
}

static BlockDriverState *open_keys(const char *whole, const KeyList *kl, const char *fmt,
                                   int flags, BlockCacheMode cache, char **errp)
{
    OpenSpec s = { .driver = fmt, .flags = flags };
    char *why = NULL, *uri = NULL;
    BlockDriverState *bs = NULL;
    if (read_keys(kl, &s, &why) < 0) {
        goto out;
    }
    uri = nbd_uri(&s);
    bool protocol = s.driver && (!strcmp(s.driver, "file") || !strcmp(s.driver, "nbd"));
    const char *name = uri ? uri : protocol && s.filename ? s.filename : s.file;
    if (s.filename && !protocol && !s.bad) {
        s.bad = "filename";
    }
    if (!s.driver && !s.file) {
        why = xstrdup("Must specify either driver or file");
    } else if (s.driver && !bdrv_find_format(s.driver)) {
        why = xasprintf("Unknown driver '%s'", s.driver);
    } else if (!name) {
        why = xstrdup(protocol ? "The 'file' block driver requires a file name"
                               : "A block device must be specified for \"file\"");
    } else if (s.data_file && s.driver && strcmp(s.driver, "qcow2")) {
        why = xasprintf(protocol ? "Block protocol '%s' doesn't support the option '%s'"
                                 : "Block format '%s' does not support the option '%s'",
                        s.driver, "data-file");
    } else if (!(bs = bdrv_open_with(name, s.driver, s.flags, cache,
                                     &(BlockOpenOpts){ s.key_secret, s.data_file }, &why))) {
        why = inner_error(why, name);
    } else if (s.key_secret && !s.bad && !protocol) {
        bs->json_name = key_name(bs, name, s.key_secret);
    }
    if (bs && s.bad) {
        why = xasprintf(protocol ? "Block protocol '%s' doesn't support the option '%s'"
                                 : "Block format '%s' does not support the option '%s'",
                        bs->drv->name, s.bad);
        bdrv_close(bs);
        bs = NULL;
    }
out:
    if (!bs) {
        blk_error(errp, "Could not open '%s': %s", whole, why ? why : "unknown error");
    }
    free(uri);
    free(why);
    return bs;
}

BlockDriverState *bdrv_open_image_opts(const char *spec, int flags, BlockCacheMode cache,
                                       char **errp)
{
    KeyList kl = { 0 };
    char *err = NULL;
    BlockDriverState *bs = NULL;
    if (blk_opts_split(spec, "file", kl_add_cb, &kl, &err) < 0) {
        blk_error(errp, "Could not open '%s': %s", spec, err ? err : "invalid options");
    } else {
        bs = open_keys(spec, &kl, NULL, flags, cache, errp);
    }
    free(err);
    kl_free(&kl);
    return bs;
}

BlockDriverState *bdrv_open_pseudo(const char *name, const char *fmt, int flags,
                                   BlockCacheMode cache, char **errp)
{
    if (!strncmp(name, "file:", 5)) {
        return bdrv_open(name + 5, fmt, flags, cache, errp);
    }
    if (strncmp(name, "json:", 5)) {
        return bdrv_open(name, fmt, flags, cache, errp);
    }
    KeyList kl = { 0 };
    Json j = { name + 5, NULL };
    ws(&j);
    BlockDriverState *bs = NULL;
    if (*j.p != '{') {
        blk_error(errp, "Could not open '%s': %s", name,
                  *j.p ? "Invalid JSON object given"
                       : "Could not parse the JSON options: Expecting a JSON value");
    } else {
        json_object(&j, &kl, "");
        ws(&j);
        if (!j.err && *j.p) {
            j.err = "JSON parse error, trailing characters";
        }
        if (j.err) {
            blk_error(errp, "Could not open '%s': Could not parse the JSON options: %s", name,
                      j.err);
        } else {
            bs = open_keys(name, &kl, fmt, flags, cache, errp);
        }
    }
    kl_free(&kl);
    return bs;
}
