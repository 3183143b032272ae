/* socket: TCP or Unix, client or server (one client at a time; wait=on
 * blocks start-up until the first client connects, as QEMU's). */
#include "ui/chardev-int.h"
#include "hw/core/error.h"
#include "hw/core/loop.h"
#include "hw/core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

typedef struct SockState {
    int listen_fd;          /* -1 for a client */
    int conn_fd;            /* -1 while disconnected */
    char *addr;             /* "tcp:0.0.0.0:4444" or "unix:/path" */
    char *unix_path;        /* removed at close (server) */
    bool server, nodelay, telnet;
    int iac_state;          /* telnet: position inside an IAC sequence */
} SockState;

/* Telnet (RFC 854): the server asks the client for character mode and no
 * local echo, and strips the client's option negotiation from the data. */
enum { IAC = 255, SB = 250, SE = 240, WILL = 251, DONT = 254, TN_BREAK = 243 };
enum { TN_DATA, TN_IAC, TN_OPT, TN_SUB, TN_SUB_IAC };

static void telnet_greet(int fd)
{
    static const uint8_t greet[] = {
        IAC, WILL, 1,       /* we echo */
        IAC, WILL, 3,       /* suppress go-ahead */
        IAC, WILL, 0,       /* binary both ways */
        IAC, 253, 0,
    };
    ssize_t n = write(fd, greet, sizeof(greet));
    (void)n;
}

static size_t telnet_filter(Chardev *c, uint8_t *buf, size_t len)
{
    SockState *s = c->priv;
    size_t out = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t b = buf[i];
        switch (s->iac_state) {
        case TN_DATA:
            if (b == IAC)
                s->iac_state = TN_IAC;
            else
                buf[out++] = b;
            break;
        case TN_IAC:
            s->iac_state = TN_DATA;
            if (b == IAC)
                buf[out++] = b;             /* an escaped 0xff */
            else if (b >= WILL && b <= DONT)
                s->iac_state = TN_OPT;
            else if (b == SB)
                s->iac_state = TN_SUB;
            else if (b == TN_BREAK)
                chr_send_event(c, CHR_EVENT_BREAK);
            break;
        case TN_OPT:
            s->iac_state = TN_DATA;         /* the option byte */
            break;
        case TN_SUB:
            if (b == IAC)
                s->iac_state = TN_SUB_IAC;
            break;
        case TN_SUB_IAC:
            s->iac_state = b == SE ? TN_DATA : TN_SUB;
            break;
        }
    }
    return out;
}

static void sock_set_conn(Chardev *c, int fd)
{
    SockState *s = c->priv;
    s->conn_fd = fd;
    char *fname = xasprintf("%s:%s%s", fd >= 0 ? "connected" : "disconnected", s->addr,
                            s->server ? ",server=on" : "");
    chr_set_filename(c, fname);
    free(fname);
    if (fd >= 0) {
        s->iac_state = TN_DATA;
        if (s->telnet)
            telnet_greet(fd);
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        if (s->nodelay) {
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        }
        chr_set_fds(c, fd, fd);
        chr_send_event(c, CHR_EVENT_OPENED);
    }
}

static void sock_accept(void *opaque)
{
    Chardev *c = opaque;
    SockState *s = c->priv;
    int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0)
        return;
    if (s->conn_fd >= 0) {      /* one client at a time */
        close(fd);
        return;
    }
    loop_set_fd(s->listen_fd, NULL, NULL, NULL);
    sock_set_conn(c, fd);
}

static void sock_hangup(Chardev *c)
{
    SockState *s = c->priv;
    chr_clear_fds(c);
    if (s->conn_fd >= 0)
        close(s->conn_fd);
    sock_set_conn(c, -1);
    chr_send_event(c, CHR_EVENT_CLOSED);
    if (s->server)
        loop_set_fd(s->listen_fd, sock_accept, NULL, c);
}

static void sock_close(Chardev *c)
{
    SockState *s = c->priv;
    if (s->conn_fd >= 0)
        close(s->conn_fd);
    if (s->listen_fd >= 0) {
        loop_set_fd(s->listen_fd, NULL, NULL, NULL);
        close(s->listen_fd);
    }
    if (s->unix_path)
        unlink(s->unix_path);
    free(s->unix_path);
    free(s->addr);
    free(s);
}

static const ChrOps sock_ops = { .kind = "socket", .hangup = sock_hangup, .close = sock_close };
static const ChrOps telnet_ops = { .kind = "socket", .hangup = sock_hangup, .close = sock_close,
                                   .filter_input = telnet_filter };

/* Resolve and bind/listen or connect.  Returns the fd or -1 (errno-style
 * message in *why). */
static int sock_tcp(const char *host, const char *port, bool server, const char **why)
{
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = server ? AI_PASSIVE : 0 };
    struct addrinfo *res;
    int r = getaddrinfo(*host ? host : NULL, port, &hints, &res);
    if (r) {
        *why = gai_strerror(r);
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *a = res; a; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0)
            continue;
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (server ? (bind(fd, a->ai_addr, a->ai_addrlen) == 0 && listen(fd, 1) == 0)
                   : connect(fd, a->ai_addr, a->ai_addrlen) == 0)
            break;
        *why = strerror(errno);
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

static int sock_unix(const char *path, bool server, const char **why)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof(sa.sun_path)) {
        *why = "path too long";
        return -1;
    }
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *why = strerror(errno);
        return -1;
    }
    if (server)
        unlink(path);
    if (server ? (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(fd, 1) == 0)
               : connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
        return fd;
    *why = strerror(errno);
    close(fd);
    return -1;
}

static int sock_flag(const Opts *o, const char *key, bool def, bool *out)
{
    const char *v = opts_get(o, key);
    *out = def;
    return v ? parse_bool(v, out) : 0;
}

Chardev *chr_socket_new(const char *label, const char *opt, const char *arg, const Opts *o)
{
    const char *host = opts_get(o, "host"), *port = opts_get(o, "port");
    const char *path = opts_get(o, "path");
    bool server, wait, nodelay, telnet, nowait_flag = opts_get(o, "nowait") != NULL;
    if (sock_flag(o, "server", false, &server) || sock_flag(o, "wait", !nowait_flag, &wait) ||
        sock_flag(o, "nodelay", false, &nodelay) || sock_flag(o, "telnet", false, &telnet)) {
        error_report("%s %s: server, wait, nodelay and telnet expect 'on' or 'off'", opt, arg);
        return NULL;
    }
    if (opts_get(o, "reconnect") || opts_get(o, "websocket") || opts_get(o, "tls-creds")) {
        error_report("%s %s: websocket, tls-creds and reconnect are not supported yet", opt,
                     arg);
        return NULL;
    }
    if (!path && !port) {
        error_report("%s %s: chardev: socket: no host given", opt, arg);
        return NULL;
    }
    const char *why = "";
    int fd = path ? sock_unix(path, server, &why) : sock_tcp(host ? host : "", port, server, &why);
    char *addr = path ? xasprintf("unix:%s", path)
                      : xasprintf("%s:%s:%s", telnet ? "telnet" : "tcp",
                                  host && *host ? host : "0.0.0.0", port);
    if (fd < 0) {
        if (server)
            error_report("%s %s: Failed to bind socket %s: %s", opt, arg, addr, why);
        else
            error_report("%s %s: Failed to connect to '%s': %s", opt, arg,
                         strchr(addr, ':') + 1, why);
        free(addr);
        return NULL;
    }
    Chardev *c = chr_alloc(label, telnet ? &telnet_ops : &sock_ops, addr);
    SockState *s = xzalloc(sizeof(*s));
    *s = (SockState){ .listen_fd = server ? fd : -1, .conn_fd = -1, .addr = addr,
                      .unix_path = server && path ? xstrdup(path) : NULL, .server = server,
                      .nodelay = nodelay, .telnet = telnet };
    c->priv = s;
    if (!server) {
        sock_set_conn(c, fd);
        return c;
    }
    sock_set_conn(c, -1);
    if (wait) {
        fprintf(stderr, "kemu: %s %s: info: kemu waiting for connection on: %s\n", opt, arg,
                c->filename);
        int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
        if (cfd >= 0) {
            sock_set_conn(c, cfd);
            return c;
        }
    }
    loop_set_fd(fd, sock_accept, NULL, c);
    return c;
}
