/* The network core: clients, peers, delivery and the per-receiver queue. */
#include "hw/core/net.h"
#include "hw/core/net-dump.h"
#include "hw/core/net-int.h"
#include "hw/core/error.h"
#include "hw/core/util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static NetClient *clients, **clients_tail = &clients;

const char *net_kind_name(NetKind kind)
{
    static const char *const names[] = { "nic", "user", "tap", "socket", "hubport" };
    return names[kind];
}

/* QEMU's names for clients without id=: model.N, N counting that model. */
static char *default_name(const char *model)
{
    int n = 0;
    for (NetClient *c = clients; c; c = c->next) {
        if (!strcmp(c->model, model))
            n++;
    }
    return xasprintf("%s.%d", model, n);
}

NetClient *net_client_new(const NetClientOps *ops, const char *model, const char *name,
                          void *opaque)
{
    NetClient *nc = xzalloc(sizeof(*nc));
    nc->ops = ops;
    nc->model = xstrdup(model);
    nc->name = name ? xstrdup(name) : default_name(model);
    nc->opaque = opaque;
    nc->queue_tail = &nc->queue;
    *clients_tail = nc;
    clients_tail = &nc->next;
    return nc;
}

static void queue_purge(NetClient *nc)
{
    while (nc->queue) {
        NetPacket *p = nc->queue;
        nc->queue = p->next;
        free(p);
    }
    nc->queue_tail = &nc->queue;
    nc->queued = 0;
}

static void unlink_client(NetClient *nc)
{
    for (NetClient **pp = &clients; *pp; pp = &(*pp)->next) {
        if (*pp != nc)
            continue;
        *pp = nc->next;
        if (clients_tail == &nc->next)
            clients_tail = pp;
        return;
    }
}

void net_client_free(NetClient *nc)
{
    if (!nc)
        return;
    if (nc->peer) {
        queue_purge(nc->peer);
        nc->peer->peer = NULL;
    }
    queue_purge(nc);
    net_dump_close(nc->dump);
    unlink_client(nc);
    if (nc->hub)
        net_hub_remove_port(nc);
    if (nc->ops->cleanup)
        nc->ops->cleanup(nc);
    free(nc->name);
    free(nc->model);
    free(nc);
}

NetClient *net_client_find(const char *name)
{
    for (NetClient *c = clients; c; c = c->next) {
        if (!strcmp(c->name, name))
            return c;
    }
    return NULL;
}

void net_client_foreach(void (*fn)(NetClient *nc, void *opaque), void *opaque)
{
    for (NetClient *c = clients, *next; c; c = next) {
        next = c->next;
        fn(c, opaque);
    }
}

void net_connect(NetClient *a, NetClient *b)
{
    a->peer = b;
    b->peer = a;
}

static void enqueue(NetClient *to, const uint8_t *buf, size_t len)
{
    if (to->queued >= NET_QUEUE_MAX)
        return;                 /* the wire drops what nobody can take */
    NetPacket *p = xmalloc(sizeof(*p) + len);
    p->next = NULL;
    p->len = len;
    memcpy(p->data, buf, len);
    *to->queue_tail = p;
    to->queue_tail = &p->next;
    to->queued++;
}

/* Hand a frame to a receiver, behind anything already waiting for it. */
void net_deliver(NetClient *to, const uint8_t *buf, size_t len)
{
    if (to->link_down || !to->ops->receive)
        return;
    if (to->dump)               /* and those it gets, from its peer or hub */
        net_dump_frame(to->dump, buf, len);
    if (to->queue || !to->ops->receive(to, buf, len))
        enqueue(to, buf, len);
}

void net_send(NetClient *nc, const uint8_t *buf, size_t len)
{
    if (nc->link_down || !nc->peer || !len || len > NET_MAX_FRAME)
        return;
    if (nc->dump)               /* a dumped client's outgoing frames */
        net_dump_frame(nc->dump, buf, len);
    net_deliver(nc->peer, buf, len);
}

bool net_send_gso(NetClient *nc, const uint8_t *vnet_hdr, const uint8_t *buf, size_t len)
{
    NetClient *to = nc->peer;
    if (nc->link_down || !to || to->link_down || !to->ops->receive_gso || nc->dump ||
        to->dump || to->queue || len > NET_MAX_FRAME)
        return false;
    return to->ops->receive_gso(to, vnet_hdr, buf, len);
}

void net_flush_queue(NetClient *nc)
{
    while (nc->queue) {
        NetPacket *p = nc->queue;
        if (!nc->link_down && !nc->ops->receive(nc, p->data, p->len))
            return;
        nc->queue = p->next;
        if (!nc->queue)
            nc->queue_tail = &nc->queue;
        nc->queued--;
        free(p);
    }
}

static void set_link_one(NetClient *nc, bool up)
{
    if (nc->link_down == !up)
        return;
    nc->link_down = !up;
    if (!up)
        queue_purge(nc);
    if (nc->ops->link_changed)
        nc->ops->link_changed(nc);
}

/* As QEMU: the named client changes; a NIC's backend peer (not a hub
 * port, which other clients share) changes with it, and so does the NIC
 * of a backend named. */
int net_set_link(const char *name, bool up)
{
    NetClient *nc = net_client_find(name);
    if (!nc)
        return -1;
    set_link_one(nc, up);
    if (nc->peer && nc->peer->ops->kind != NET_HUBPORT && nc->ops->kind != NET_HUBPORT)
        set_link_one(nc->peer, up);
    return 0;
}

int net_parse_mac(const char *s, uint8_t mac[6])
{
    for (int i = 0; i < 6; i++) {
        if (!isxdigit((unsigned char)s[0]) || !isxdigit((unsigned char)s[1]))
            return -1;
        char hex[3] = { s[0], s[1], 0 };
        mac[i] = (uint8_t)strtoul(hex, NULL, 16);
        s += 2;
        if (i < 5 && *s != ':' && *s != '-')
            return -1;
        if (i < 5)
            s++;
    }
    return *s ? -1 : 0;
}

void net_default_mac(uint8_t mac[6])
{
    static unsigned index;
    static const uint8_t base[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
    memcpy(mac, base, 6);
    mac[5] = (uint8_t)(base[5] + index++);
}

void net_format_mac(const uint8_t mac[6], char *buf, size_t len)
{
    snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
             mac[4], mac[5]);
}

NetClient *net_nic_new(const NetClientOps *ops, const char *model, const char *id,
                       const char *netdev, const char *macstr, uint8_t mac[6], void *opaque)
{
    NetClient *peer = NULL;
    if (macstr && net_parse_mac(macstr, mac)) {
        error_report("%s: Property '%s.mac' doesn't take value '%s'", model, model, macstr);
        return NULL;
    }
    if (netdev) {
        peer = net_client_find(netdev);
        if (!peer || peer->ops->kind == NET_NIC) {
            error_report("%s: Property '%s.netdev' can't find value '%s'", model, model,
                         netdev);
            return NULL;
        }
        if (peer->peer) {
            error_report("%s: Property '%s.netdev' can't take value '%s', it's in use",
                         model, model, netdev);
            return NULL;
        }
    }
    if (!macstr)
        net_default_mac(mac);
    NetClient *nc = net_client_new(ops, model, id, opaque);
    char m[32];
    net_format_mac(mac, m, sizeof(m));
    snprintf(nc->info, sizeof(nc->info), "model=%s,macaddr=%s", model, m);
    if (peer)
        net_connect(nc, peer);
    return nc;
}

void net_format_client(const NetClient *nc, char *buf, size_t len)
{
    snprintf(buf, len, "%s: index=0,type=%s,%s\n", nc->name, net_kind_name(nc->ops->kind),
             nc->info);
}

/* As QEMU's `info network`: NICs with their backend indented under them,
 * then lone clients, then the hubs with what hangs on each port. */
void net_info(void (*print)(void *opaque, const char *line), void *opaque)
{
    char line[512], peer[400];
    for (NetClient *c = clients; c; c = c->next) {
        if (net_hub_id_of(c) >= 0)
            continue;
        if (c->peer && c->ops->kind != NET_NIC)
            continue;           /* shown under its NIC */
        net_format_client(c, line, sizeof(line));
        print(opaque, line);
        if (c->peer) {
            net_format_client(c->peer, peer, sizeof(peer));
            snprintf(line, sizeof(line), " \\ %s", peer);
            print(opaque, line);
        }
    }
    net_hub_info(print, opaque);
}

int net_parse_pci_addr(const char *s)
{
    char *end;
    unsigned long slot = strtoul(s, &end, 16), fn = 0;
    if (end == s || slot > 31)
        return -1;
    if (*end == '.') {
        const char *f = end + 1;
        fn = strtoul(f, &end, 16);
        if (end == f || fn > 7)
            return -1;
    }
    return *end ? -1 : (int)(slot << 3 | fn);
}
