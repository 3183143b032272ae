/* The VNC server: its options (`-vnc [HOST]:N|unix:PATH|none,...` as QEMU
 * 7.2 parses them), the listening sockets, the clients' buffered
 * non-blocking I/O, the display listener feeding their dirty tiles, and
 * what the monitor asks of it (passwords, `info vnc`). */
#include "ui/vnc-int.h"
#include "hw/core/error.h"
#include "hw/core/loop.h"
#include "hw/core/opts.h"
#include "hw/core/util.h"
#include "ui/cmdline-int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

VncServer vnc;

/* --- options --- */

typedef struct VncSpec {
    bool none, is_unix;
    char host[256];
    char path[108];
    int display, to, connections;
    bool password, ipv4, ipv6;
    int share;
} VncSpec;

static const char *const vnc_keys[] = {
    "vnc", "to", "password", "share", "lossy", "non-adaptive", "ipv4", "ipv6",
    "key-delay-ms", "connections", "power-control", "id", NULL,
};
/* lossy and non-adaptive tune encodings kemu does not have (JPEG, adaptive
 * quality); key-delay-ms paces keys, which kemu's console already feeds as
 * fast as the guest reads; power-control is for QEMU's VNC extension
 * messages, which kemu does not offer: all four change nothing visible. */
static const char *const vnc_unsupported[] = {
    "reverse", "websocket", "tls-creds", "tls-authz", "sasl", "sasl-authz",
    "password-secret", "acl", "audiodev", "display", "head", NULL,
};

/* "[HOST]:N", "[V6ADDR]:N", "unix:PATH", "none". */
static int parse_address(VncSpec *s, const char *opt, const char *spec, const char *addr)
{
    if (!strcmp(addr, "none")) {
        s->none = true;
        return 0;
    }
    if (!strncmp(addr, "unix:", 5)) {
        if (strlen(addr + 5) >= sizeof(s->path) || !addr[5]) {
            error_report("%s %s: UNIX socket path '%s' is invalid", opt, spec, addr + 5);
            return -1;
        }
        s->is_unix = true;
        snprintf(s->path, sizeof(s->path), "%s", addr + 5);
        return 0;
    }
    const char *colon = strrchr(addr, ':');
    if (!colon) {
        error_report("%s %s: no vnc port specified", opt, spec);
        return -1;
    }
    size_t hlen = (size_t)(colon - addr);
    if (hlen >= 2 && addr[0] == '[' && addr[hlen - 1] == ']') {
        addr++;
        hlen -= 2;
    }
    if (hlen >= sizeof(s->host)) {
        error_report("%s %s: host name too long", opt, spec);
        return -1;
    }
    memcpy(s->host, addr, hlen);
    s->host[hlen] = '\0';
    char *end;
    errno = 0;
    long n = strtol(colon + 1, &end, 10);
    if (!colon[1] || *end || errno || n < 0) {
        error_report("%s %s: can't convert to a number: %s", opt, spec, colon + 1);
        return -1;
    }
    if (n + 5900 > 65535) {
        error_report("%s %s: port %ld out of range", opt, spec, n);
        return -1;
    }
    s->display = (int)n;
    s->to = (int)n;
    return 0;
}

static int parse_share(VncSpec *s, const char *opt, const char *spec, const char *v)
{
    static const char *const names[] = { "allow-exclusive", "force-shared", "ignore" };
    for (int i = 0; i < 3; i++) {
        if (!strcmp(v, names[i])) {
            s->share = i;
            return 0;
        }
    }
    error_report("%s %s: unknown vnc share= option", opt, spec);
    return -1;
}

static int parse_flags(VncSpec *s, const Opts *o, const char *opt, const char *spec)
{
    for (size_t i = 0; i < o->n; i++) {
        const char *k = o->v[i].key, *v = o->v[i].val;
        bool flag = false;
        if (!strcmp(k, "to")) {
            char *end;
            long to = strtol(v, &end, 10);
            if (*end || to < 0 || to + 5900 > 65535) {
                error_report("%s %s: Parameter 'to' expects a number", opt, spec);
                return -1;
            }
            s->to = MAX((int)to, s->display);
        } else if (!strcmp(k, "connections")) {
            char *end;
            long n = strtol(v, &end, 10);
            if (*end || n < 1 || n > 1024) {
                error_report("%s %s: Parameter 'connections' expects a number", opt, spec);
                return -1;
            }
            s->connections = (int)n;
        } else if (!strcmp(k, "share")) {
            if (parse_share(s, opt, spec, v))
                return -1;
        } else if (!strcmp(k, "password") || !strcmp(k, "ipv4") || !strcmp(k, "ipv6") ||
                   !strcmp(k, "lossy") || !strcmp(k, "non-adaptive") ||
                   !strcmp(k, "power-control")) {
            if (parse_bool(v, &flag)) {
                error_report("%s %s: Parameter '%s' expects 'on' or 'off'", opt, spec, k);
                return -1;
            }
            if (!strcmp(k, "password"))
                s->password = flag;
            else if (!strcmp(k, "ipv4"))
                s->ipv4 = flag;
            else if (!strcmp(k, "ipv6"))
                s->ipv6 = flag;
        }
    }
    return 0;
}

static const char *unsupported_key(const Opts *o)
{
    for (size_t i = 0; i < o->n; i++) {
        for (const char *const *u = vnc_unsupported; *u; u++) {
            if (!strcmp(o->v[i].key, *u))
                return *u;
        }
    }
    return NULL;
}

static int parse_spec(VncSpec *s, const char *opt, const char *spec)
{
    Opts o;
    const char *err;
    memset(s, 0, sizeof(*s));
    s->connections = 32;
    if (opts_parse(&o, spec, "vnc", &err)) {
        error_report("%s %s: %s", opt, spec, err);
        return -1;
    }
    int ret = -1;
    const char *bad = unsupported_key(&o);
    const char *addr = opts_get(&o, "vnc");
    if (bad) {
        error_report("%s %s: VNC option '%s' is not supported", opt, spec, bad);
    } else if ((bad = cl_unknown_key(&o, vnc_keys))) {
        error_report("%s %s: Invalid parameter '%s'", opt, spec, bad);
    } else if (!addr) {
        error_report("%s %s: no vnc port specified", opt, spec);
    } else if (!parse_address(s, opt, spec, addr) && !parse_flags(s, &o, opt, spec)) {
        ret = 0;
    }
    if (!ret && opts_get(&o, "password") && !strcmp(opts_get(&o, "password"), "on") &&
        strstr(spec, ",password") && !strstr(spec, "password="))
        warn_report("%s %s: short-form boolean option 'password' deprecated\n"
                    "Please use password=on instead", opt, spec);
    if (!ret && s->password && !vnc_auth_available()) {
        error_report("%s %s: VNC password authentication needs kemu built with nettle",
                     opt, spec);
        ret = -1;
    }
    opts_free(&o);
    return ret;
}

int vnc_check_spec(const char *opt, const char *spec)
{
    VncSpec s;
    return parse_spec(&s, opt, spec);
}

/* --- listening --- */

static void on_accept(void *opaque);

static void listener_describe(VncListener *l, const struct sockaddr *sa)
{
    l->family = sa->sa_family;
    if (sa->sa_family == AF_UNIX) {
        snprintf(l->host, sizeof(l->host), "%s", "");
        snprintf(l->service, sizeof(l->service), "%s", ((const struct sockaddr_un *)sa)->sun_path);
        return;
    }
    getnameinfo(sa, sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                              : sizeof(struct sockaddr_in),
                l->host, sizeof(l->host), l->service, sizeof(l->service),
                NI_NUMERICHOST | NI_NUMERICSERV);
}

static int listen_fd(const struct sockaddr *sa, socklen_t len)
{
    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    if (sa->sa_family != AF_UNIX)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (sa->sa_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    if (bind(fd, sa, len) || listen(fd, 8)) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

static void close_listeners(void)
{
    for (int i = 0; i < vnc.nlisten; i++)
        close(vnc.listen[i].fd);
    vnc.nlisten = 0;
}

static int add_listener(const struct sockaddr *sa, socklen_t len)
{
    if (vnc.nlisten == VNC_MAX_LISTEN)
        return 0;
    int fd = listen_fd(sa, len);
    if (fd < 0)
        return -1;
    VncListener *l = &vnc.listen[vnc.nlisten++];
    l->fd = fd;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    listener_describe(l, sa->sa_family == AF_UNIX ? sa : (struct sockaddr *)&ss);
    return 0;
}

static int listen_unix(const VncSpec *s)
{
    struct sockaddr_un un = { .sun_family = AF_UNIX };
    snprintf(un.sun_path, sizeof(un.sun_path), "%s", s->path);
    snprintf(vnc.unix_path, sizeof(vnc.unix_path), "%s", s->path);
    unlink(s->path);
    return add_listener((struct sockaddr *)&un, sizeof(un));
}

/* A named host: its first address that binds (QEMU's choice).  No host:
 * every address, IPv6 first, as QEMU lists them; a family the host lacks
 * is left out. */
static int bind_addresses(struct addrinfo *res, bool named)
{
    int ok = 0;
    for (int pass = 0; pass < 2 && !(named && ok); pass++) {
        for (struct addrinfo *a = res; a && !(named && ok); a = a->ai_next) {
            if (!named && (a->ai_family == AF_INET6) != (pass == 0))
                continue;
            if (!add_listener(a->ai_addr, a->ai_addrlen))
                ok++;
            else if (errno == EADDRINUSE)
                return -1;              /* to= tries the next display */
        }
        if (named)
            break;
    }
    if (!ok)
        errno = EADDRNOTAVAIL;
    return ok ? 0 : -1;
}

static int listen_display(const VncSpec *s, int display)
{
    struct addrinfo hints = { .ai_flags = AI_PASSIVE, .ai_socktype = SOCK_STREAM };
    struct addrinfo *res;
    char port[16];
    hints.ai_family = s->ipv4 && !s->ipv6 ? AF_INET : s->ipv6 && !s->ipv4 ? AF_INET6 : AF_UNSPEC;
    snprintf(port, sizeof(port), "%d", 5900 + display);
    if (getaddrinfo(*s->host ? s->host : NULL, port, &hints, &res)) {
        errno = EADDRNOTAVAIL;
        return -1;
    }
    int r = bind_addresses(res, *s->host != '\0');
    int e = errno;
    freeaddrinfo(res);
    if (r)
        close_listeners();
    errno = e;
    return r;
}

static int listen_spec(const VncSpec *s)
{
    if (s->is_unix)
        return listen_unix(s);
    for (int d = s->display; d <= s->to; d++) {
        if (!listen_display(s, d))
            return 0;
        if (errno != EADDRINUSE)
            return -1;
    }
    return -1;
}

static void display_resize(void *opaque, const DisplaySurface *s);
static void display_update(void *opaque, const DisplaySurface *s, int x, int y, int w, int h);
static void display_scroll(void *opaque, const DisplaySurface *s, int src_y, int dst_y, int h);
static void display_tick(void *opaque);

int vnc_start(Machine *m, const char *opt, const char *spec)
{
    VncSpec s;
    if (vnc.started) {
        error_report("%s %s: only one VNC display is supported", opt, spec);
        return -1;
    }
    if (parse_spec(&s, opt, spec))
        return -1;
    vnc.started = true;
    vnc.none = s.none;
    vnc.auth = s.password ? VNC_AUTH_VNC : VNC_AUTH_NONE;
    vnc.share = s.share;
    vnc.max_clients = s.connections;
    snprintf(vnc.name, sizeof(vnc.name), "%s", console_title());
    vnc.dl = (DisplayListener){ .resize = display_resize, .update = display_update,
                                .scroll = display_scroll, .tick = display_tick };
    if (s.none)
        return 0;
    if (listen_spec(&s)) {
        error_report("%s %s: Failed to start VNC server: Failed to bind socket: %s", opt, spec,
                     strerror(errno));
        return -1;
    }
    for (int i = 0; i < vnc.nlisten; i++)
        loop_set_fd(vnc.listen[i].fd, on_accept, NULL, &vnc.listen[i]);
    return 0;
}

/* --- clients --- */

static void client_read(void *opaque);
static void client_writable(void *opaque);

static void client_describe(VncClient *c)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    char host[64] = "", serv[32] = "";
    c->family = AF_UNIX;
    if (getpeername(c->fd, (struct sockaddr *)&ss, &sl) == 0 && ss.ss_family != AF_UNIX) {
        c->family = ss.ss_family;
        getnameinfo((struct sockaddr *)&ss, sl, host, sizeof(host), serv, sizeof(serv),
                    NI_NUMERICHOST | NI_NUMERICSERV);
    }
    snprintf(c->addr, sizeof(c->addr), "%s:%s", host, serv);
}

static int client_count(void)
{
    int n = 0;
    for (VncClient *c = vnc.clients; c; c = c->next)
        n += c->state != VNC_CLOSED;
    return n;
}

static void on_accept(void *opaque)
{
    VncListener *l = opaque;
    int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return;
    if (client_count() >= vnc.max_clients) {
        close(fd);                      /* connections=: no room */
        return;
    }
    int one = 1;
    if (l->family != AF_UNIX)
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    VncClient *c = xzalloc(sizeof(*c));
    c->fd = fd;
    c->state = VNC_VERSION;
    c->encoding = ENC_RAW;
    vnc_set_default_pf(&c->pf);
    client_describe(c);
    c->next = vnc.clients;
    vnc.clients = c;
    loop_set_fd(fd, client_read, NULL, c);
    vnc_send_version(c);
}

static bool any_ready_client(void)
{
    for (VncClient *c = vnc.clients; c; c = c->next) {
        if (c->state == VNC_NORMAL)
            return true;
    }
    return false;
}

static void client_free(VncClient *c)
{
    for (VncClient **p = &vnc.clients; *p; p = &(*p)->next) {
        if (*p == c) {
            *p = c->next;
            break;
        }
    }
    vnc_encoder_free(c);
    free(c->in.data);
    free(c->out.data);
    free(c->dirty);
    free(c);
    if (vnc.dl_added && !any_ready_client()) {
        console_remove_listener(&vnc.dl);
        vnc.dl_added = false;
    }
}

/* Closed clients are freed from the read handler or the tick, never from
 * inside their own message processing. */
void vnc_client_close(VncClient *c, const char *why)
{
    if (c->state == VNC_CLOSED)
        return;
    if (c->state == VNC_NORMAL)
        vnc_release_keys(c);
    c->state = VNC_CLOSED;
    loop_set_fd(c->fd, NULL, NULL, NULL);
    close(c->fd);
    c->fd = -1;
    (void)why;
}

static void reap_closed(void)
{
    for (VncClient *c = vnc.clients, *next; c; c = next) {
        next = c->next;
        if (c->state == VNC_CLOSED)
            client_free(c);
    }
}

void vnc_client_ready(VncClient *c)
{
    const DisplaySurface *s = console_surface();
    vnc_client_set_size(c, s->w, s->h);
    if (!vnc.dl_added) {
        vnc.dl_added = true;
        console_add_listener(&vnc.dl);
    }
}

static void buf_reserve(VncBuffer *b, size_t more)
{
    if (b->len + more <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + more)
        cap *= 2;
    b->data = xrealloc(b->data, cap);
    b->cap = cap;
}

void vnc_write(VncClient *c, const void *data, size_t len)
{
    if (c->state == VNC_CLOSED)
        return;
    if (c->out.len + len > VNC_MAX_OUT) {
        vnc_client_close(c, "output backlog");
        return;
    }
    buf_reserve(&c->out, len);
    memcpy(c->out.data + c->out.len, data, len);
    c->out.len += len;
}

void vnc_write_u8(VncClient *c, uint8_t v)
{
    vnc_write(c, &v, 1);
}

void vnc_write_u16(VncClient *c, uint16_t v)
{
    uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
    vnc_write(c, b, 2);
}

void vnc_write_u32(VncClient *c, uint32_t v)
{
    uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
    vnc_write(c, b, 4);
}

void vnc_write_s32(VncClient *c, int32_t v)
{
    vnc_write_u32(c, (uint32_t)v);
}

void vnc_flush(VncClient *c)
{
    while (c->state != VNC_CLOSED && c->out.len) {
        ssize_t n = write(c->fd, c->out.data, c->out.len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n <= 0) {
            vnc_client_close(c, "write failed");
            return;
        }
        memmove(c->out.data, c->out.data + n, c->out.len - (size_t)n);
        c->out.len -= (size_t)n;
    }
    if (c->state != VNC_CLOSED)
        loop_set_fd(c->fd, client_read, c->out.len ? client_writable : NULL, c);
}

static void client_writable(void *opaque)
{
    VncClient *c = opaque;
    vnc_flush(c);
    if (c->state == VNC_NORMAL && !c->out.len)
        vnc_send_update(c);
    reap_closed();
}

static void client_read(void *opaque)
{
    VncClient *c = opaque;
    uint8_t buf[16384];
    ssize_t n = read(c->fd, buf, sizeof(buf));
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        vnc_client_close(c, "disconnected");
    } else if (c->in.len + (size_t)n > VNC_MAX_IN + 16) {
        vnc_client_close(c, "message too large");
    } else {
        buf_reserve(&c->in, (size_t)n);
        memcpy(c->in.data + c->in.len, buf, (size_t)n);
        c->in.len += (size_t)n;
        if (vnc_process_input(c) < 0)
            vnc_client_close(c, "protocol error");
        else
            vnc_flush(c);
    }
    reap_closed();
}

/* --- the display listener --- */

static void display_resize(void *opaque, const DisplaySurface *s)
{
    for (VncClient *c = vnc.clients; c; c = c->next) {
        if (c->state == VNC_NORMAL)
            vnc_client_set_size(c, s->w, s->h);
    }
}

static void display_scroll(void *opaque, const DisplaySurface *s, int src_y, int dst_y, int h)
{
    for (VncClient *c = vnc.clients; c; c = c->next) {
        if (c->state == VNC_NORMAL)
            vnc_scroll(c, src_y, dst_y, h);
    }
}

static void display_update(void *opaque, const DisplaySurface *s, int x, int y, int w, int h)
{
    for (VncClient *c = vnc.clients; c; c = c->next) {
        if (c->state == VNC_NORMAL)
            vnc_mark_dirty(c, x, y, w, h);
    }
}

/* The updates of the previous refresh go out now (at most one refresh
 * late); a client still draining its last update gets the next later. */
static void display_tick(void *opaque)
{
    for (VncClient *c = vnc.clients; c; c = c->next) {
        if (c->state == VNC_NORMAL && !c->out.len) {
            vnc_send_update(c);
            vnc_flush(c);
        }
    }
    reap_closed();
}

/* --- the monitor's interface --- */

int vnc_set_password(const char *password, const char **err)
{
    if (!vnc.started || vnc.auth != VNC_AUTH_VNC) {
        *err = "If you want use passwords please enable password auth using "
               "'-vnc ${dpy},password'.\nError: Could not set password";
        return -1;
    }
    snprintf(vnc.password, sizeof(vnc.password), "%s", password);
    vnc.password_set = true;
    return 0;
}

int vnc_expire_password(const char *when, const char **err)
{
    time_t now = time(NULL);
    if (!vnc.started) {
        *err = "Error: Could not set password expire time";
        return -1;
    }
    if (!strcmp(when, "now"))
        vnc.expires = now;
    else if (!strcmp(when, "never"))
        vnc.expires = 0;
    else if (when[0] == '+')
        vnc.expires = now + strtoll(when + 1, NULL, 10);
    else
        vnc.expires = (time_t)strtoll(when, NULL, 10);   /* 0 (or junk): already expired */
    vnc.expires_set = strcmp(when, "never") != 0;
    return 0;
}

static char *xasprintf_append(char *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static char *xasprintf_append(char *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *add = xvasprintf(fmt, ap);
    va_end(ap);
    char *r = xasprintf("%s%s", s, add);
    free(s);
    free(add);
    return r;
}

static const char *family_name(int family)
{
    return family == AF_INET6 ? "ipv6" : family == AF_INET ? "ipv4" : "unix";
}

char *vnc_info(void)
{
    const char *auth = vnc.auth == VNC_AUTH_VNC ? "vnc" : "none";
    if (!vnc.started)
        return xstrdup("None\n");
    char *s = xstrdup("default:\n");
    if (!vnc.nlisten)
        s = xasprintf_append(s, "  Auth: %s (Sub: none)\n", auth);
    for (int i = 0; i < vnc.nlisten; i++) {
        const VncListener *l = &vnc.listen[i];
        s = xasprintf_append(s, "  Server: %s:%s (%s)\n    Auth: %s (Sub: none)\n", l->host,
                             l->service, family_name(l->family), auth);
    }
    for (VncClient *c = vnc.clients; c; c = c->next) {
        if (c->state == VNC_CLOSED)
            continue;
        s = xasprintf_append(s, "  Client: %s (%s)\n    x509_dname: none\n"
                             "    sasl_username: none\n", c->addr, family_name(c->family));
    }
    return s;
}

void vnc_cleanup(void)
{
    if (vnc.unix_path[0])
        unlink(vnc.unix_path);
    vnc.unix_path[0] = '\0';
}
