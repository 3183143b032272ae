/* User-mode networking (-net user, -netdev user) on libslirp: the guest
 * sees a NAT router at 10.0.2.2 with DHCP (first lease 10.0.2.15) and a
 * DNS forwarder at 10.0.2.3; hostfwd= opens host ports towards the
 * guest, guestfwd= the reverse.
 *
 * libslirp owns host sockets that change with every connection, so its
 * descriptors are registered with the event loop afresh after each thing
 * that may change them (a frame from the guest, a wake-up, a timer).  It
 * also wants to be polled every so often for its TCP timers: a virtual
 * timer at the delay it asks for (at most a second), so an idle network
 * costs one wake-up a second and no thread. */
#include "hw/core/net.h"
#include "hw/net/netdev.h"
#include "hw/core/chardev.h"
#include "hw/core/clock.h"
#include "hw/core/error.h"
#include "hw/core/loop.h"
#include "hw/core/util.h"

#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libslirp.h>

#define MAX_POLL 1024

typedef struct SlirpTimer {
    Timer t;
    SlirpTimerId id;
    void *cb_opaque;
    struct UserNet *s;
} SlirpTimer;

typedef struct GuestFwd {
    struct UserNet *s;
    Chardev *chr;
    struct in_addr addr;
    int port;
} GuestFwd;

typedef struct UserNet {
    NetClient *nc;
    Slirp *slirp;
    struct pollfd pfd[MAX_POLL];
    int npfd;
    int registered[MAX_POLL];   /* fds given to the event loop */
    int nregistered;
    Timer poll_timer;
    GuestFwd *fwd[16];
    int nfwd;
    char *what;                 /* "-net user,...": for messages */
} UserNet;

static void refresh(UserNet *s);

static ssize_t send_packet(const void *buf, size_t len, void *opaque)
{
    UserNet *s = opaque;
    net_send(s->nc, buf, len);
    return (ssize_t)len;
}

static void guest_error(const char *msg, void *opaque)
{
    (void)opaque;
    warn_report("user networking: guest error: %s", msg);
}

static int64_t clock_get_ns(void *opaque)
{
    (void)opaque;
    return clock_ns();
}

static void slirp_timer_fire(void *opaque)
{
    SlirpTimer *t = opaque;
    slirp_handle_timer(t->s->slirp, t->id, t->cb_opaque);
    refresh(t->s);
}

static void *timer_new_opaque(SlirpTimerId id, void *cb_opaque, void *opaque)
{
    SlirpTimer *t = xzalloc(sizeof(*t));
    t->id = id;
    t->cb_opaque = cb_opaque;
    t->s = opaque;
    timer_init(&t->t, slirp_timer_fire, t);
    return t;
}

static void timer_free_cb(void *timer, void *opaque)
{
    (void)opaque;
    timer_del(&((SlirpTimer *)timer)->t);
    free(timer);
}

static void timer_mod_cb(void *timer, int64_t expire_ms, void *opaque)
{
    (void)opaque;
    timer_mod(&((SlirpTimer *)timer)->t, expire_ms * 1000000);
}

static void register_poll_fd(int fd, void *opaque) { (void)fd; (void)opaque; }
static void unregister_poll_fd(int fd, void *opaque) { (void)fd; (void)opaque; }

static void notify(void *opaque)
{
    (void)opaque;
    loop_notify();
}

static const SlirpCb callbacks = {
    .send_packet = send_packet,
    .guest_error = guest_error,
    .clock_get_ns = clock_get_ns,
    .timer_free = timer_free_cb,
    .timer_mod = timer_mod_cb,
    .register_poll_fd = register_poll_fd,
    .unregister_poll_fd = unregister_poll_fd,
    .notify = notify,
    .timer_new_opaque = timer_new_opaque,
};

/* -- polling ------------------------------------------------------------ */

static int add_poll(int fd, int events, void *opaque)
{
    UserNet *s = opaque;
    if (s->npfd == MAX_POLL)
        return -1;
    short ev = (short)(((events & SLIRP_POLL_IN) ? POLLIN : 0) |
                       ((events & SLIRP_POLL_OUT) ? POLLOUT : 0) |
                       ((events & SLIRP_POLL_PRI) ? POLLPRI : 0));
    s->pfd[s->npfd] = (struct pollfd){ .fd = fd, .events = ev };
    return s->npfd++;
}

static int get_revents(int idx, void *opaque)
{
    UserNet *s = opaque;
    if (idx < 0 || idx >= s->npfd)
        return 0;
    short r = s->pfd[idx].revents;
    return ((r & POLLIN) ? SLIRP_POLL_IN : 0) | ((r & POLLOUT) ? SLIRP_POLL_OUT : 0) |
           ((r & POLLPRI) ? SLIRP_POLL_PRI : 0) | ((r & POLLERR) ? SLIRP_POLL_ERR : 0) |
           ((r & POLLHUP) ? SLIRP_POLL_HUP : 0);
}

/* Something may be ready: look at every descriptor libslirp wants without
 * waiting, let it do its work, then register the new set. */
static void poll_now(void *opaque)
{
    UserNet *s = opaque;
    int r = s->npfd ? poll(s->pfd, (nfds_t)s->npfd, 0) : 0;
    slirp_pollfds_poll(s->slirp, r < 0, get_revents, s);
    refresh(s);
}

static void unregister_all(UserNet *s)
{
    for (int i = 0; i < s->nregistered; i++)
        loop_set_fd(s->registered[i], NULL, NULL, NULL);
    s->nregistered = 0;
}

/* Register what libslirp wants polled now.  When that changed (a new
 * connection, data to write), the event loop, which may be waiting on the
 * old set, is woken to wait on the new one. */
static void refresh(UserNet *s)
{
    uint32_t timeout = 1000;
    struct pollfd old[MAX_POLL];
    int nold = s->npfd;
    memcpy(old, s->pfd, sizeof(old[0]) * (size_t)nold);
    unregister_all(s);
    s->npfd = 0;
    slirp_pollfds_fill(s->slirp, &timeout, add_poll, s);
    bool changed = nold != s->npfd;
    for (int i = 0; i < s->npfd; i++) {
        bool out = s->pfd[i].events & POLLOUT;
        bool in = s->pfd[i].events & (POLLIN | POLLPRI);
        loop_set_fd(s->pfd[i].fd, in ? poll_now : NULL, out ? poll_now : NULL, s);
        if (in || out)
            s->registered[s->nregistered++] = s->pfd[i].fd;
        changed |= !changed && (old[i].fd != s->pfd[i].fd || old[i].events != s->pfd[i].events);
    }
    int64_t expire = clock_ns() + (int64_t)timeout * 1000000;
    changed |= !timer_pending(&s->poll_timer) || expire < s->poll_timer.expire;
    timer_mod(&s->poll_timer, expire);
    if (changed)
        loop_notify();
}

/* -- the client --------------------------------------------------------- */

static bool user_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    UserNet *s = nc->opaque;
    slirp_input(s->slirp, buf, (int)len);
    refresh(s);
    return true;
}

static size_t detached_can_read(void *opaque)
{
    (void)opaque;
    return 0;
}

static void detached_read(void *opaque, const uint8_t *buf, size_t len)
{
    (void)opaque;
    (void)buf;
    (void)len;
}

/* A guestfwd chardev outlives the backend (netdev_del): it reads nothing
 * more, and never into freed state. */
static const ChrFrontend detached = { .can_read = detached_can_read, .read = detached_read };

static void user_cleanup(NetClient *nc)
{
    UserNet *s = nc->opaque;
    unregister_all(s);
    timer_del(&s->poll_timer);
    slirp_cleanup(s->slirp);
    free(s->what);
    for (int i = 0; i < s->nfwd; i++) {
        chr_attach(s->fwd[i]->chr, &detached);
        free(s->fwd[i]);
    }
    free(s);
}

static const NetClientOps user_ops = {
    .kind = NET_USER, .receive = user_receive, .cleanup = user_cleanup,
};

static void poll_timer_fire(void *opaque)
{
    poll_now(opaque);
}

/* -- configuration ------------------------------------------------------ */

typedef struct UserCfg {
    SlirpConfig c;
    const char *dnssearch[8];
} UserCfg;

static int parse_ip(const char *s, struct in_addr *out)
{
    return inet_pton(AF_INET, s, out) == 1 ? 0 : -1;
}

/* net=ADDR[/MASK] (MASK as a prefix length or dotted), as QEMU; then the
 * host, DNS and DHCP start addresses default to .2, .3 and .15 of it. */
static int parse_net(UserCfg *u, const Opts *o, const char *what)
{
    const char *net = opts_get(o, "net");
    u->c.vnetwork.s_addr = htonl(0x0a000200);
    u->c.vnetmask.s_addr = htonl(0xffffff00);
    if (net) {
        char buf[64];
        snprintf(buf, sizeof(buf), "%s", net);
        char *slash = strchr(buf, '/');
        if (slash) {
            *slash++ = '\0';
            char *end;
            long bits = strtol(slash, &end, 10);
            if (!*end && end != slash && bits >= 0 && bits <= 32)
                u->c.vnetmask.s_addr = htonl(bits ? ~0u << (32 - bits) : 0);
            else if (parse_ip(slash, &u->c.vnetmask))
                goto bad;
        }
        if (parse_ip(buf, &u->c.vnetwork))
            goto bad;
        u->c.vnetwork.s_addr &= u->c.vnetmask.s_addr;
    }
    return 0;
bad:
    error_report("%s: Invalid net address '%s'", what, net);
    return -1;
}

/* An address of the guest network: given (and inside it), or net + def. */
static int net_addr(UserCfg *u, const Opts *o, const char *key, uint32_t def,
                    struct in_addr *out, const char *what)
{
    const char *v = opts_get(o, key);
    uint32_t net = ntohl(u->c.vnetwork.s_addr), mask = ntohl(u->c.vnetmask.s_addr);
    if (!v) {
        out->s_addr = htonl(net | def);
        return 0;
    }
    if (parse_ip(v, out) || (ntohl(out->s_addr) & mask) != net) {
        error_report("%s: Invalid %s address '%s' (not in the guest network)", what, key,
                     v);
        return -1;
    }
    return 0;
}

static int parse_bool_key(const Opts *o, const char *key, bool def, bool *out,
                          const char *what)
{
    const char *v = opts_get(o, key);
    *out = def;
    if (v && parse_bool(v, out)) {
        error_report("%s: Parameter '%s' expects 'on' or 'off'", what, key);
        return -1;
    }
    return 0;
}

static int user_config(UserCfg *u, const Opts *o, const char *what)
{
    bool restrict_, ipv4, ipv6;
    memset(u, 0, sizeof(*u));
    u->c.version = 4;
    if (parse_net(u, o, what) || net_addr(u, o, "host", 2, &u->c.vhost, what) ||
        net_addr(u, o, "dhcpstart", 15, &u->c.vdhcp_start, what) ||
        net_addr(u, o, "dns", 3, &u->c.vnameserver, what) ||
        parse_bool_key(o, "restrict", false, &restrict_, what) ||
        parse_bool_key(o, "ipv4", true, &ipv4, what) ||
        parse_bool_key(o, "ipv6", true, &ipv6, what))
        return -1;
    if (opts_get(o, "smb")) {
        error_report("%s: smb= needs a Samba server, which kemu does not start", what);
        return -1;
    }
    u->c.restricted = restrict_;
    u->c.in_enabled = ipv4;
    u->c.in6_enabled = ipv6;
    inet_pton(AF_INET6, "fec0::", &u->c.vprefix_addr6);
    u->c.vprefix_len = 64;
    inet_pton(AF_INET6, "fec0::2", &u->c.vhost6);
    inet_pton(AF_INET6, "fec0::3", &u->c.vnameserver6);
    u->c.vhostname = opts_get(o, "hostname");
    u->c.tftp_server_name = opts_get(o, "tftp-server-name");
    u->c.tftp_path = opts_get(o, "tftp");
    u->c.bootfile = opts_get(o, "bootfile");
    u->c.vdomainname = opts_get(o, "domainname");
    int n = 0;
    for (size_t i = 0; i < o->n && n < 7; i++) {
        if (!strcmp(o->v[i].key, "dnssearch"))
            u->dnssearch[n++] = o->v[i].val;
    }
    u->c.vdnssearch = n ? u->dnssearch : NULL;
    return 0;
}

/* A port number that is all of [s, end): -1 if not one. */
static int parse_port(const char *s, const char *end, bool zero_ok)
{
    char buf[8];
    if (end <= s || end - s >= (long)sizeof(buf))
        return -1;
    memcpy(buf, s, (size_t)(end - s));
    buf[end - s] = '\0';
    char *e;
    long v = strtol(buf, &e, 10);
    return (*e || v < (zero_ok ? 0 : 1) || v > 65535) ? -1 : (int)v;
}

/* [ADDR]:rest: the address (empty: default) into *a, returns rest. */
static const char *parse_addr_part(const char *p, struct in_addr *a)
{
    const char *colon = strchr(p, ':');
    char buf[64];
    if (!colon || colon - p >= (long)sizeof(buf))
        return NULL;
    memcpy(buf, p, (size_t)(colon - p));
    buf[colon - p] = '\0';
    if (buf[0] && parse_ip(buf, a))
        return NULL;
    return colon + 1;
}

/* hostfwd=[tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT, with
 * QEMU's reasons for a bad rule. */
static const char *hostfwd_one(UserNet *s, const char *rule, struct in_addr dhcp)
{
    const char *colon = strchr(rule, ':');
    if (!colon)
        return "No : separators";
    bool udp = colon - rule == 3 && !strncmp(rule, "udp", 3);
    if (colon != rule && !udp && !(colon - rule == 3 && !strncmp(rule, "tcp", 3)))
        return "Bad protocol name";
    struct in_addr h = { .s_addr = INADDR_ANY }, g = dhcp;
    const char *p = parse_addr_part(colon + 1, &h);
    if (!p)
        return "Bad host address";
    const char *dash = strchr(p, '-');
    if (!dash)
        return "Bad host port separator";
    int hport = parse_port(p, dash, true);
    if (hport < 0)
        return "Bad host port";
    p = dash + 1;
    if (!strchr(p, ':'))
        return "Missing guest address";
    p = parse_addr_part(p, &g);
    if (!p)
        return "Bad guest address";
    int gport = parse_port(p, p + strlen(p), false);
    if (gport < 0)
        return "Bad guest port";
    if (slirp_add_hostfwd(s->slirp, udp, h, hport, g, gport) < 0)
        return "Could not set up host forwarding rule";
    return NULL;
}

static ssize_t guestfwd_write(const void *buf, size_t len, void *opaque)
{
    GuestFwd *f = opaque;
    chr_write(f->chr, buf, len);
    return (ssize_t)len;
}

static size_t guestfwd_can_read(void *opaque)
{
    GuestFwd *f = opaque;
    return slirp_socket_can_recv(f->s->slirp, f->addr, f->port);
}

static void guestfwd_read(void *opaque, const uint8_t *buf, size_t len)
{
    GuestFwd *f = opaque;
    slirp_socket_recv(f->s->slirp, f->addr, f->port, buf, (int)len);
    refresh(f->s);
}

/* guestfwd=[tcp]:SERVER:PORT-cmd:COMMAND, or -DEV with DEV a chardev
 * spec (tcp:..., unix:..., file:...): connections from the guest to
 * SERVER:PORT reach the command's stdin/stdout or the chardev. */
static const char *guestfwd_one(UserNet *s, const char *rule)
{
    char server[64];
    unsigned port;
    int n = 0;
    const char *p = !strncmp(rule, "tcp:", 4) ? rule + 4 : rule;
    if (sscanf(p, "%63[^:]:%u-%n", server, &port, &n) != 2 || !n || port == 0 || port > 65535)
        return "bad guest forwarding rule";
    struct in_addr addr;
    if (parse_ip(server, &addr))
        return "bad guest address";
    const char *dev = p + n;
    if (!strncmp(dev, "cmd:", 4)) {
        if (slirp_add_exec(s->slirp, dev + 4, &addr, (int)port) < 0)
            return "conflicting/invalid host:port in guest forwarding rule";
        return NULL;
    }
    if ((size_t)s->nfwd == ARRAY_SIZE(s->fwd))
        return "too many guest forwarding rules";
    char label[48];
    snprintf(label, sizeof(label), "%s-guestfwd%d", s->nc->name, s->nfwd);
    Chardev *chr = netdev_make_chardev(label, dev);
    if (!chr)
        return "could not open guest forwarding device";
    GuestFwd *f = xzalloc(sizeof(*f));
    *f = (GuestFwd){ .s = s, .chr = chr, .addr = addr, .port = (int)port };
    if (slirp_add_guestfwd(s->slirp, guestfwd_write, f, &addr, (int)port) < 0) {
        free(f);
        return "conflicting/invalid host:port in guest forwarding rule";
    }
    s->fwd[s->nfwd++] = f;
    chr_attach(chr, &(ChrFrontend){ .can_read = guestfwd_can_read, .read = guestfwd_read,
                                    .opaque = f });
    return NULL;
}

static int add_forwards(UserNet *s, const Opts *o, struct in_addr dhcp)
{
    for (size_t i = 0; i < o->n; i++) {
        const char *why = NULL, *kind = NULL;
        if (!strcmp(o->v[i].key, "hostfwd")) {
            why = hostfwd_one(s, o->v[i].val, dhcp);
            kind = "host";
        } else if (!strcmp(o->v[i].key, "guestfwd")) {
            why = guestfwd_one(s, o->v[i].val);
            kind = "guest";
        }
        if (why) {
            error_report("%s: Invalid %s forwarding rule '%s' (%s)", s->what, kind,
                         o->v[i].val, why);
            return -1;
        }
    }
    return 0;
}

NetClient *net_user_new(const Opts *o, const char *name, const char *what)
{
    UserCfg u;
    if (user_config(&u, o, what))
        return NULL;
    UserNet *s = xzalloc(sizeof(*s));
    s->what = xstrdup(what);
    s->slirp = slirp_new(&u.c, &callbacks, s);
    if (!s->slirp) {
        error_report("%s: user networking could not be set up", what);
        free(s->what);
        free(s);
        return NULL;
    }
    timer_init(&s->poll_timer, poll_timer_fire, s);
    s->nc = net_client_new(&user_ops, "user", name, s);
    char net[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &u.c.vnetwork, net, sizeof(net));
    snprintf(s->nc->info, sizeof(s->nc->info), "net=%s,restrict=%s", net,
             u.c.restricted ? "on" : "off");
    if (add_forwards(s, o, u.c.vdhcp_start)) {
        net_client_free(s->nc);
        return NULL;
    }
    refresh(s);
    return s->nc;
}
