/* Chardev specs: -serial/-monitor's legacy forms ("stdio", "mon:stdio",
 * "file:PATH", "pty", "tcp:HOST:PORT,server,nowait", "unix:PATH,server",
 * "null", "vc", "chardev:ID") and -chardev's "BACKEND,id=ID,key=val". */
#include "ui/chardev-int.h"
#include "hw/core/error.h"
#include "hw/core/util.h"

#include <stdlib.h>
#include <string.h>

static bool stdio_used;

bool chr_spec_is_none(const char *spec)
{
    return !strcmp(spec, "none");
}

bool chr_spec_has_monitor(const char *spec)
{
    return !strncmp(spec, "mon:", 4);
}

static Chardev *stdio_once(const char *label, const char *opt, const char *arg, bool sig)
{
    if (stdio_used) {
        error_report("%s %s: cannot use stdio by multiple character devices", opt, arg);
        return NULL;
    }
    Chardev *c = chr_stdio_new(label, opt, arg, sig);
    stdio_used = c != NULL;
    return c;
}

static void opt_add(Opts *o, const char *key, char *val)
{
    o->v = xrealloc(o->v, (o->n + 1) * sizeof(Opt));
    o->v[o->n++] = (Opt){ xstrdup(key), val };
}

/* Turn the leading address into host= and port= (or path=). */
static int split_address(Opts *o, const char *opt, const char *spec, bool is_tcp)
{
    const char *addr = opts_get(o, "addr");
    if (!addr) {
        error_report("%s %s: address is missing", opt, spec);
        return -1;
    }
    if (!is_tcp) {
        char *path = xstrdup(addr);
        opts_del(o, "addr");
        opt_add(o, "path", path);
        return 0;
    }
    const char *colon = strrchr(addr, ':');
    if (!colon) {
        error_report("%s %s: host and port must be given as HOST:PORT", opt, spec);
        return -1;
    }
    char *host = xasprintf("%.*s", (int)(colon - addr), addr);
    char *port = xstrdup(colon + 1);
    opts_del(o, "addr");        /* frees addr */
    opt_add(o, "host", host);
    opt_add(o, "port", port);
    return 0;
}

/* "tcp:HOST:PORT,opts" / "telnet:HOST:PORT,opts" / "unix:PATH,opts" ->
 * socket options. */
static Chardev *legacy_socket(const char *label, const char *opt, const char *spec)
{
    bool is_telnet = !strncmp(spec, "telnet:", 7);
    bool is_tcp = is_telnet || !strncmp(spec, "tcp:", 4);
    Opts o;
    const char *err;
    if (opts_parse(&o, strchr(spec, ':') + 1, "addr", &err)) {
        error_report("%s %s: %s", opt, spec, err);
        return NULL;
    }
    Chardev *c = NULL;
    if (!split_address(&o, opt, spec, is_tcp)) {
        if (is_telnet)
            opt_add(&o, "telnet", xstrdup("on"));
        c = chr_socket_new(label, opt, spec, &o);
    }
    opts_free(&o);
    return c;
}

static Chardev *legacy_new(const char *label, const char *opt, const char *spec)
{
    if (!strcmp(spec, "stdio"))
        return stdio_once(label, opt, spec, true);
    if (!strcmp(spec, "null"))
        return chr_null_new(label, "null");
    if (!strcmp(spec, "vc") || !strncmp(spec, "vc:", 3))
        return chr_vc_new(label);
    if (!strcmp(spec, "pty"))
        return chr_pty_new(label, opt, spec);
    if (!strncmp(spec, "file:", 5))
        return chr_file_new(label, opt, spec, spec + 5, false);
    if (!strncmp(spec, "tcp:", 4) || !strncmp(spec, "unix:", 5) || !strncmp(spec, "telnet:", 7))
        return legacy_socket(label, opt, spec);
    if (!strncmp(spec, "chardev:", 8)) {
        Chardev *c = chr_find(spec + 8);
        if (!c) {
            error_report("%s %s: chardev '%s' not found", opt, spec, spec + 8);
        } else if (chr_add_alias(c, label)) {
            error_report("%s %s: chardev '%s' is used too many times", opt, spec, spec + 8);
            c = NULL;
        }
        return c;
    }
    static const char *const later[] = { "udp:", "pipe:", "/dev/", "msmouse",
                                         "braille", "websocket:", "spicevmc", NULL };
    for (const char *const *p = later; *p; p++) {
        if (!strncmp(spec, *p, strlen(*p))) {
            error_report("%s %s: character device '%s' is not supported yet", opt, spec, spec);
            return NULL;
        }
    }
    error_report("%s %s: '%s' is not a valid char driver", opt, spec, spec);
    return NULL;
}

Chardev *chr_new(const char *label, const char *spec)
{
    const char *opt = !strncmp(label, "serial", 6) ? "-serial" : "-monitor";
    if (chr_spec_has_monitor(spec)) {
        Chardev *be = legacy_new(label, opt, spec + 4);
        if (!be)
            return NULL;
        char *be_label = xasprintf("%s-base", label);
        free(be->label);
        be->label = be_label;
        return chr_mux_new(label, be);
    }
    return legacy_new(label, opt, spec);
}

static Chardev *opts_backend(const char *id, const char *spec, const char *be, const Opts *o)
{
    bool b;
    if (!strcmp(be, "null"))
        return chr_null_new(id, "null");
    if (!strcmp(be, "stdio")) {
        const char *sig = opts_get(o, "signal");
        return stdio_once(id, "-chardev", spec, !sig || parse_bool(sig, &b) || b);
    }
    if (!strcmp(be, "pty"))
        return chr_pty_new(id, "-chardev", spec);
    if (!strcmp(be, "file")) {
        const char *path = opts_get(o, "path"), *app = opts_get(o, "append");
        if (!path) {
            error_report("-chardev %s: chardev: file: no filename given", spec);
            return NULL;
        }
        return chr_file_new(id, "-chardev", spec, path, app && !parse_bool(app, &b) && b);
    }
    if (!strcmp(be, "socket"))
        return chr_socket_new(id, "-chardev", spec, o);
    static const char *const later[] = { "udp", "pipe", "serial", "tty", "parallel",
        "msmouse", "braille", "testdev", "ringbuf", "memory", "vc", "spicevmc", "qemu-vdagent",
        "dbus", NULL };
    for (const char *const *p = later; *p; p++) {
        if (!strcmp(be, *p)) {
            error_report("-chardev %s: chardev backend '%s' is not supported yet", spec, be);
            return NULL;
        }
    }
    error_report("-chardev %s: '%s' is not a valid char driver name", spec, be);
    return NULL;
}

Chardev *chr_new_from_opts(const char *spec)
{
    Opts o;
    const char *err;
    if (opts_parse(&o, spec, "backend", &err)) {
        error_report("-chardev %s: %s", spec, err);
        return NULL;
    }
    Chardev *c = NULL;
    const char *be = opts_get(&o, "backend"), *id = opts_get(&o, "id");
    const char *mux = opts_get(&o, "mux");
    bool want_mux = false;
    if (!be) {
        error_report("-chardev %s: chardev: \"backend\" is missing", spec);
    } else if (!id) {
        error_report("-chardev %s: chardev: no id specified", spec);
    } else if (chr_find(id)) {
        error_report("-chardev %s: attempt to add duplicate property '%s' to object "
                     "(type 'container')", spec, id);
    } else if (mux && parse_bool(mux, &want_mux)) {
        error_report("-chardev %s: Parameter 'mux' expects 'on' or 'off'", spec);
    } else if (want_mux) {
        char *be_label = xasprintf("%s-base", id);
        Chardev *base = opts_backend(be_label, spec, be, &o);
        free(be_label);
        c = base ? chr_mux_new(id, base) : NULL;
    } else {
        c = opts_backend(id, spec, be, &o);
    }
    opts_free(&o);
    return c;
}
