/* NBD exports as block files, through libnbd: the URI or QEMU's older
 * "nbd:" syntax is parsed here, then libnbd does the handshake and the
 * requests (split to the protocol's request size), and answers block
 * status from the server's base:allocation context. */
#include "hw/block/block.h"
#include "hw/block/nbd.h"
#include "hw/core/util.h"

#include <errno.h>
#include <libnbd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NBD_DEFAULT_PORT "10809"
#define MAX_REQUEST (32u << 20) /* what every server accepts */

struct NbdConn {
    struct nbd_handle *h;
    int64_t size;
    bool can_zero, has_status;
};

/* Where an export lives: a unix socket or host and port, and its name. */
typedef struct NbdAddr {
    char *socket, *host, *port, *export;
} NbdAddr;

static void addr_free(NbdAddr *a)
{
    free(a->socket);
    free(a->host);
    free(a->port);
    free(a->export);
}

static char *pct_decode(const char *s, size_t n)
{
    char *out = xmalloc(n + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (s[i] == '%' && i + 2 < n + 1 && sscanf(s + i + 1, "%2x", &v) == 1) {
            *o++ = (char)v;
            i += 2;
        } else {
            *o++ = s[i];
        }
    }
    *o = 0;
    return out;
}

static char *dup_n(const char *s, size_t n)
{
    char *d = xmalloc(n + 1);
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

/* nbd:unix:PATH[:exportname=E] or nbd:HOST:PORT[:exportname=E]. */
static int parse_legacy(const char *p, NbdAddr *a)
{
    const char *ex = strstr(p, ":exportname=");
    size_t n = ex ? (size_t)(ex - p) : strlen(p);
    a->export = xstrdup(ex ? ex + 12 : "");
    if (!strncmp(p, "unix:", 5)) {
        a->socket = dup_n(p + 5, n - 5);
        return 0;
    }
    const char *colon = memchr(p, ':', n);
    if (!colon) {
        return -1;
    }
    a->host = dup_n(p, (size_t)(colon - p));
    a->port = dup_n(colon + 1, n - (size_t)(colon - p) - 1);
    return 0;
}

/* nbd://HOST[:PORT]/EXPORT (also nbd+tcp) and nbd+unix:///EXPORT?socket=PATH. */
static int parse_uri(const char *uri, NbdAddr *a)
{
    bool unix_sock = !strncmp(uri, "nbd+unix://", 11);
    const char *p = strstr(uri, "://");
    if (!p || (strncmp(uri, "nbd://", 6) && strncmp(uri, "nbd+tcp://", 10) && !unix_sock)) {
        return -1;
    }
    p += 3;
    const char *path = strchr(p, '/'), *query = strchr(p, '?');
    const char *auth_end = path ? path : query ? query : p + strlen(p);
    const char *ex = path ? path + 1 : auth_end;
    a->export = pct_decode(ex, (size_t)((query ? query : ex + strlen(ex)) - ex));
    if (unix_sock) {
        const char *s = query ? strstr(query, "socket=") : NULL;
        if (!s || auth_end != p) {
            return -1;
        }
        a->socket = pct_decode(s + 7, strcspn(s + 7, "&"));
        return 0;
    }
    const char *host_end = auth_end, *colon = NULL;
    if (*p == '[') {
        const char *rb = memchr(p, ']', (size_t)(auth_end - p));
        if (!rb) {
            return -1;
        }
        a->host = dup_n(p + 1, (size_t)(rb - p - 1));
        colon = rb[1] == ':' ? rb + 1 : NULL;
    } else {
        colon = memchr(p, ':', (size_t)(auth_end - p));
        host_end = colon ? colon : auth_end;
        a->host = dup_n(p, (size_t)(host_end - p));
    }
    a->port = colon ? dup_n(colon + 1, (size_t)(auth_end - colon - 1)) : xstrdup(NBD_DEFAULT_PORT);
    return a->host[0] ? 0 : -1;
}

static int connect_addr(struct nbd_handle *h, const NbdAddr *a, char **errp)
{
    int r = nbd_set_export_name(h, a->export);
    if (r == 0) {
        nbd_add_meta_context(h, LIBNBD_CONTEXT_BASE_ALLOCATION);
        r = a->socket ? nbd_connect_unix(h, a->socket) : nbd_connect_tcp(h, a->host, a->port);
    }
    if (r < 0) {
        int e = nbd_get_errno();
        const char *msg = nbd_get_error();
        if (msg && strstr(msg, "has no export named")) {
            blk_error(errp, "Requested export not available\nserver reported: export '%s' not "
                      "present", a->export);
            return -ENOENT;
        }
        /* qemu-img names the address and the reason. */
        if (a->socket) {
            blk_error(errp, "Failed to connect to '%s': %s", a->socket,
                      e ? strerror(e) : nbd_get_error());
        } else {
            blk_error(errp, "Failed to connect to '%s:%s': %s", a->host, a->port,
                      e ? strerror(e) : nbd_get_error());
        }
        return -(e ? e : EIO);
    }
    return 0;
}

static int open_conn(struct NbdConn *c, const char *uri, bool writable, char **errp)
{
    NbdAddr a = { 0 };
    int r = !strncmp(uri, "nbd:", 4) && strncmp(uri, "nbd://", 6) ? parse_legacy(uri + 4, &a)
                                                                  : parse_uri(uri, &a);
    if (r < 0) {
        blk_error(errp, "Invalid NBD address '%s'", uri);
        addr_free(&a);
        return -EINVAL;
    }
    c->h = nbd_create();
    char *why = NULL;
    r = c->h ? connect_addr(c->h, &a, &why) : -ENOMEM;
    if (r == 0 && writable && nbd_is_read_only(c->h) == 1) {
        why = xstrdup("export is read-only");
        r = -EACCES;
    }
    if (r == 0) {
        c->size = nbd_get_size(c->h);
        c->can_zero = nbd_can_zero(c->h) == 1;
        c->has_status = nbd_can_meta_context(c->h, LIBNBD_CONTEXT_BASE_ALLOCATION) == 1;
        r = c->size < 0 ? -EIO : 0;
    }
    if (r < 0) {
        blk_error(errp, "%s", why ? why : nbd_get_error());
    }
    free(why);
    addr_free(&a);
    return r;
}

int nbd_file_open(BlockFile **out, const char *uri, bool writable, char **errp)
{
    struct NbdConn *c = xzalloc(sizeof(*c));
    int r = open_conn(c, uri, writable, errp);
    if (r < 0) {
        if (c->h) {
            nbd_close(c->h);
        }
        free(c);
        return r;
    }
    BlockFile *f = xzalloc(sizeof(*f));
    f->fd = -1;
    f->path = xstrdup(uri);
    f->writable = writable;
    f->align = 1;
    f->nbd = c;
    *out = f;
    return 0;
}

void nbd_file_close(BlockFile *f)
{
    if (f->writable) {
        nbd_flush(f->nbd->h, 0);
    }
    nbd_shutdown(f->nbd->h, 0);
    nbd_close(f->nbd->h);
    free(f->nbd);
    free(f->path);
    free(f);
}

static int nbd_err(void)
{
    int e = nbd_get_errno();
    return -(e ? e : EIO);
}

/* Reads past the end of the export return zeros, as past a file's end. */
int nbd_file_pread(BlockFile *f, uint64_t off, void *buf, size_t len)
{
    struct NbdConn *c = f->nbd;
    uint8_t *p = buf;
    while (len) {
        if (off >= (uint64_t)c->size) {
            memset(p, 0, len);
            return 0;
        }
        size_t n = (size_t)MIN(MIN(len, MAX_REQUEST), (uint64_t)c->size - off);
        if (nbd_pread(c->h, p, n, off, 0) < 0) {
            return nbd_err();
        }
        p += n;
        off += n;
        len -= n;
    }
    return 0;
}

int nbd_file_pwrite(BlockFile *f, uint64_t off, const void *buf, size_t len)
{
    struct NbdConn *c = f->nbd;
    const uint8_t *p = buf;
    if (off > (uint64_t)c->size || len > (uint64_t)c->size - off) {
        return -ENOSPC;
    }
    while (len) {
        size_t n = MIN(len, MAX_REQUEST);
        if (nbd_pwrite(c->h, p, n, off, 0) < 0) {
            return nbd_err();
        }
        p += n;
        off += n;
        len -= n;
    }
    return 0;
}

int nbd_file_flush(BlockFile *f)
{
    return nbd_can_flush(f->nbd->h) == 1 && nbd_flush(f->nbd->h, 0) < 0 ? nbd_err() : 0;
}

int64_t nbd_file_length(BlockFile *f)
{
    return f->nbd->size;
}

int nbd_file_zero(BlockFile *f, uint64_t off, uint64_t len)
{
    struct NbdConn *c = f->nbd;
    if (off >= (uint64_t)c->size) {
        return 0;
    }
    len = MIN(len, (uint64_t)c->size - off);
    if (!c->can_zero) {
        uint8_t *z = xzalloc(MIN(len, MAX_REQUEST));
        int r = 0;
        for (uint64_t done = 0; r == 0 && done < len; done += MAX_REQUEST) {
            r = nbd_file_pwrite(f, off + done, z, (size_t)MIN(len - done, MAX_REQUEST));
        }
        free(z);
        return r;
    }
    for (uint64_t done = 0; done < len; done += MAX_REQUEST) {
        if (nbd_zero(c->h, MIN(len - done, MAX_REQUEST), off + done, 0) < 0) {
            return nbd_err();
        }
    }
    return 0;
}

typedef struct Extent {
    uint64_t len;
    uint32_t flags;
    bool got;
} Extent;

static int first_extent(void *opaque, const char *ctx, uint64_t off, uint32_t *entries,
                        size_t n, int *error)
{
    Extent *e = opaque;
    if (!e->got && n >= 2 && !strcmp(ctx, LIBNBD_CONTEXT_BASE_ALLOCATION)) {
        e->len = entries[0];
        e->flags = entries[1];
        e->got = true;
    }
    return 0;
}

int nbd_file_data_status(BlockFile *f, uint64_t off, uint64_t len, uint64_t *pnum)
{
    struct NbdConn *c = f->nbd;
    Extent e = { 0 };
    *pnum = len;
    if (!c->has_status || off >= (uint64_t)c->size) {
        return off >= (uint64_t)c->size ? 0 : 1;
    }
    uint64_t n = MIN(MIN(len, (uint64_t)c->size - off), UINT32_MAX / 2);
    nbd_extent_callback cb = { .callback = first_extent, .user_data = &e };
    if (nbd_block_status(c->h, n, off, cb, 0) < 0) {
        return nbd_err();
    }
    if (!e.got || !e.len) {
        return 1;
    }
    *pnum = MIN(len, e.len);
    /* A hole reads as zeros; so does a range the server calls zero. */
    return (e.flags & (LIBNBD_STATE_HOLE | LIBNBD_STATE_ZERO)) ? 0 : 1;
}
