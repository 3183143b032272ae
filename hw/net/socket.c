/* -netdev socket: frames over a host socket, QEMU's wire format, so two
 * kemu (or kemu and QEMU) processes form a network without root.
 *   listen=[HOST]:PORT / connect=HOST:PORT  TCP, each frame preceded by
 *                                           its length (32-bit big-endian)
 *   mcast=GROUP:PORT[,localaddr=ADDR]       UDP multicast, a frame a datagram
 *   udp=HOST:PORT,localaddr=HOST:PORT       UDP unicast, likewise
 *   fd=N                                    an open TCP or UDP socket
 * A listening backend serves one connection at a time; frames sent while
 * nobody is connected are lost, as on an unplugged cable.  Over TCP the
 * frames of one burst (a transmit kick, a large send cut into segments)
 * leave together in one send() from the event loop, not one each. */
#include "hw/net/netdev.h"
#include "hw/core/clock.h"
#include "hw/core/error.h"
#include "hw/core/loop.h"
#include "hw/core/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define OUT_MAX (4 * NET_MAX_FRAME)
#define SEND_BATCH NET_MAX_FRAME    /* sent at once from this much on */

typedef struct SocketNet {
    NetClient *nc;
    int listen_fd, fd;
    bool dgram;
    struct sockaddr_in dest;        /* UDP: where frames go */
    uint8_t *in;                    /* TCP: bytes received, not yet a frame */
    size_t in_len;
    uint8_t *out;                   /* TCP: bytes not yet written */
    size_t out_len;
    bool polling_out;
    Timer flush;                    /* TCP: sends what a burst queued */
} SocketNet;

static int parse_hostport(const char *s, struct sockaddr_in *sa, bool host_required)
{
    char host[256];
    const char *colon = strrchr(s, ':');
    if (!colon || (size_t)(colon - s) >= sizeof(host))
        return -1;
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || end == colon + 1 || port < 0 || port > 65535)
        return -1;
    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    if (!host[0]) {
        sa->sin_addr.s_addr = htonl(INADDR_ANY);
        return host_required ? -1 : 0;
    }
    if (inet_pton(AF_INET, host, &sa->sin_addr) == 1)
        return 0;
    struct addrinfo hints = { .ai_family = AF_INET }, *ai;
    if (getaddrinfo(host, NULL, &hints, &ai))
        return -1;
    sa->sin_addr = ((struct sockaddr_in *)ai->ai_addr)->sin_addr;
    freeaddrinfo(ai);
    return 0;
}

static void set_info(SocketNet *s, const char *what, const struct sockaddr_in *sa)
{
    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &sa->sin_addr, ip, sizeof(ip));
    snprintf(s->nc->info, sizeof(s->nc->info), "socket: %s %s:%d", what, ip,
             ntohs(sa->sin_port));
}

static void on_readable(void *opaque);
static void on_writable(void *opaque);

/* Poll for reading, and for writing while output waits.  Called from
 * vCPU threads too: the loop is woken to see the new interest. */
static void watch(SocketNet *s)
{
    bool want_out = s->out_len != 0;
    loop_set_fd(s->fd, on_readable, want_out ? on_writable : NULL, s);
    if (want_out != s->polling_out)
        loop_notify();
    s->polling_out = want_out;
}

static void drop_connection(SocketNet *s)
{
    loop_set_fd(s->fd, NULL, NULL, NULL);
    close(s->fd);
    s->fd = -1;
    s->in_len = s->out_len = 0;
    if (s->listen_fd >= 0)
        snprintf(s->nc->info, sizeof(s->nc->info), "%s", "");
}

/* TCP: hand every complete frame in the input to the peer. */
static void deliver_frames(SocketNet *s)
{
    size_t off = 0;
    while (s->in_len - off >= 4) {
        uint32_t len = (uint32_t)s->in[off] << 24 | (uint32_t)s->in[off + 1] << 16 |
                       (uint32_t)s->in[off + 2] << 8 | s->in[off + 3];
        if (len > NET_MAX_FRAME) {
            warn_report("netdev %s: frame of %u bytes from the socket: connection dropped",
                        s->nc->name, len);
            drop_connection(s);
            return;
        }
        if (s->in_len - off - 4 < len)
            break;
        net_send(s->nc, s->in + off + 4, len);
        off += 4 + len;
    }
    memmove(s->in, s->in + off, s->in_len - off);
    s->in_len -= off;
}

static void on_readable(void *opaque)
{
    SocketNet *s = opaque;
    if (s->dgram) {
        static uint8_t buf[NET_MAX_FRAME];
        ssize_t n = recv(s->fd, buf, sizeof(buf), 0);
        if (n > 0)
            net_send(s->nc, buf, (size_t)n);
        return;
    }
    ssize_t n = recv(s->fd, s->in + s->in_len, NET_MAX_FRAME + 4 - s->in_len, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        drop_connection(s);
        return;
    }
    if (n > 0) {
        s->in_len += (size_t)n;
        deliver_frames(s);
    }
}

static void on_writable(void *opaque)
{
    SocketNet *s = opaque;
    ssize_t n = send(s->fd, s->out, s->out_len, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
        drop_connection(s);
        return;
    }
    if (n > 0) {
        memmove(s->out, s->out + n, s->out_len - (size_t)n);
        s->out_len -= (size_t)n;
    }
    watch(s);
}

static void on_accept(void *opaque)
{
    SocketNet *s = opaque;
    struct sockaddr_in sa;
    socklen_t sl = sizeof(sa);
    int fd = accept4(s->listen_fd, (struct sockaddr *)&sa, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return;
    if (s->fd >= 0) {
        close(fd);              /* one connection at a time */
        return;
    }
    s->fd = fd;
    set_info(s, "connection from", &sa);
    watch(s);
}

static bool socket_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    SocketNet *s = nc->opaque;
    if (s->fd < 0)
        return true;
    if (s->dgram) {
        sendto(s->fd, buf, len, MSG_DONTWAIT, (struct sockaddr *)&s->dest, sizeof(s->dest));
        return true;
    }
    if (s->out_len + 4 + len > OUT_MAX)
        return true;            /* the other end is not reading: drop */
    uint8_t *p = s->out + s->out_len;
    p[0] = (uint8_t)(len >> 24);
    p[1] = (uint8_t)(len >> 16);
    p[2] = (uint8_t)(len >> 8);
    p[3] = (uint8_t)len;
    memcpy(p + 4, buf, len);
    s->out_len += 4 + len;
    if (s->out_len >= SEND_BATCH)
        on_writable(s);
    else if (!timer_pending(&s->flush))
        timer_mod(&s->flush, clock_ns());   /* after the burst, from the event loop */
    return true;
}

static void flush_out(void *opaque)
{
    SocketNet *s = opaque;
    if (s->fd >= 0 && s->out_len)
        on_writable(s);
}

static void socket_cleanup(NetClient *nc)
{
    SocketNet *s = nc->opaque;
    timer_del(&s->flush);
    if (s->fd >= 0) {
        loop_set_fd(s->fd, NULL, NULL, NULL);
        close(s->fd);
    }
    if (s->listen_fd >= 0) {
        loop_set_fd(s->listen_fd, NULL, NULL, NULL);
        close(s->listen_fd);
    }
    free(s->in);
    free(s->out);
    free(s);
}

static const NetClientOps socket_ops = {
    .kind = NET_SOCKET, .receive = socket_receive, .cleanup = socket_cleanup,
};

static SocketNet *socket_new(const char *name, int fd, bool dgram)
{
    SocketNet *s = xzalloc(sizeof(*s));
    s->listen_fd = -1;
    s->fd = fd;
    s->dgram = dgram;
    timer_init(&s->flush, flush_out, s);
    if (!dgram) {
        s->in = xmalloc(NET_MAX_FRAME + 4);
        s->out = xmalloc(OUT_MAX);
    }
    s->nc = net_client_new(&socket_ops, "socket", name, s);
    if (fd >= 0) {
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        watch(s);
    }
    return s;
}

static int new_socket(int type)
{
    return socket(AF_INET, type | SOCK_CLOEXEC, 0);
}

static NetClient *sock_listen(const char *addr, const char *name, const char *what)
{
    struct sockaddr_in sa;
    if (parse_hostport(addr, &sa, false)) {
        error_report("%s: host address '%s' is not HOST:PORT", what, addr);
        return NULL;
    }
    int fd = new_socket(SOCK_STREAM), on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 1)) {
        error_report("%s: can't bind ip=%s to socket: %s", what, inet_ntoa(sa.sin_addr),
                     strerror(errno));
        close(fd);
        return NULL;
    }
    SocketNet *s = socket_new(name, -1, false);
    s->listen_fd = fd;
    loop_set_fd(fd, on_accept, NULL, s);
    return s->nc;
}

static NetClient *sock_connect(const char *addr, const char *name, const char *what)
{
    struct sockaddr_in sa;
    if (parse_hostport(addr, &sa, true)) {
        error_report("%s: host address '%s' is not HOST:PORT", what, addr);
        return NULL;
    }
    int fd = new_socket(SOCK_STREAM);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
        error_report("%s: can't connect socket: %s", what, strerror(errno));
        close(fd);
        return NULL;
    }
    SocketNet *s = socket_new(name, fd, false);
    set_info(s, "connect to", &sa);
    return s->nc;
}

/* mcast=: every member of the group on that port hears every frame,
 * our own included (loopback on), as QEMU's peers expect. */
static NetClient *sock_mcast(const char *addr, const char *local, const char *name,
                             const char *what)
{
    struct sockaddr_in sa, la;
    if (parse_hostport(addr, &sa, true) || !IN_MULTICAST(ntohl(sa.sin_addr.s_addr))) {
        error_report("%s: multicast address '%s' is not GROUP:PORT with a multicast group",
                     what, addr);
        return NULL;
    }
    struct ip_mreq mreq = { .imr_multiaddr = sa.sin_addr };
    mreq.imr_interface.s_addr = htonl(INADDR_ANY);
    if (local && inet_pton(AF_INET, local, &mreq.imr_interface) != 1) {
        error_report("%s: localaddr '%s' is not an IPv4 address", what, local);
        return NULL;
    }
    int fd = new_socket(SOCK_DGRAM), on = 1;
    la = sa;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    if (bind(fd, (struct sockaddr *)&la, sizeof(la)) ||
        setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof(mreq)) ||
        setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &on, sizeof(on)) ||
        (local && setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mreq.imr_interface,
                             sizeof(mreq.imr_interface)))) {
        error_report("%s: can't join multicast group %s: %s", what, addr, strerror(errno));
        close(fd);
        return NULL;
    }
    SocketNet *s = socket_new(name, fd, true);
    s->dest = sa;
    set_info(s, "mcast", &sa);
    return s->nc;
}

static NetClient *sock_udp(const char *addr, const char *local, const char *name,
                           const char *what)
{
    struct sockaddr_in sa, la;
    if (!local || parse_hostport(local, &la, false)) {
        error_report("%s: udp= needs localaddr=HOST:PORT", what);
        return NULL;
    }
    if (parse_hostport(addr, &sa, true)) {
        error_report("%s: host address '%s' is not HOST:PORT", what, addr);
        return NULL;
    }
    int fd = new_socket(SOCK_DGRAM), on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    if (bind(fd, (struct sockaddr *)&la, sizeof(la))) {
        error_report("%s: can't bind ip=%s to socket: %s", what, inet_ntoa(la.sin_addr),
                     strerror(errno));
        close(fd);
        return NULL;
    }
    SocketNet *s = socket_new(name, fd, true);
    s->dest = sa;
    set_info(s, "udp to", &sa);
    return s->nc;
}

static NetClient *sock_fd(const char *fdstr, const char *name, const char *what)
{
    char *end;
    long fd = strtol(fdstr, &end, 10);
    int type;
    socklen_t tl = sizeof(type);
    if (*end || end == fdstr || fd < 0 ||
        getsockopt((int)fd, SOL_SOCKET, SO_TYPE, &type, &tl)) {
        error_report("%s: fd=%s is not an open socket", what, fdstr);
        return NULL;
    }
    SocketNet *s = socket_new(name, (int)fd, type == SOCK_DGRAM);
    snprintf(s->nc->info, sizeof(s->nc->info), "socket: fd=%ld", fd);
    return s->nc;
}

NetClient *net_socket_new(const Opts *o, const char *name, const char *what)
{
    const char *listen_ = opts_get(o, "listen"), *conn = opts_get(o, "connect");
    const char *mcast = opts_get(o, "mcast"), *udp = opts_get(o, "udp");
    const char *fd = opts_get(o, "fd"), *local = opts_get(o, "localaddr");
    int n = !!listen_ + !!conn + !!mcast + !!udp + !!fd;
    if (n != 1) {
        error_report("%s: exactly one of listen=, connect=, mcast=, udp= or fd= is required",
                     what);
        return NULL;
    }
    if (local && !mcast && !udp) {
        error_report("%s: localaddr= is only valid with mcast= or udp=", what);
        return NULL;
    }
    if (listen_)
        return sock_listen(listen_, name, what);
    if (conn)
        return sock_connect(conn, name, what);
    if (mcast)
        return sock_mcast(mcast, local, name, what);
    if (udp)
        return sock_udp(udp, local, name, what);
    return sock_fd(fd, name, what);
}
