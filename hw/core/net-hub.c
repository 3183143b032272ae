/* Hubs (QEMU's -net vlan=N): every frame a port receives from its peer
 * goes out of all the hub's other ports, so each NIC and backend on a hub
 * sees what the others send. */
#include "hw/core/net-int.h"
#include "hw/core/error.h"
#include "hw/core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct NetHub {
    int id;
    int next_port;              /* number of the next port's name */
    NetClient *ports[64];
    int nports;
    struct NetHub *next;
} NetHub;

static NetHub *hubs;

static NetHub *hub_get(int id)
{
    NetHub **pp = &hubs;
    for (; *pp; pp = &(*pp)->next) {
        if ((*pp)->id == id)
            return *pp;
    }
    NetHub *h = xzalloc(sizeof(*h));
    h->id = id;
    *pp = h;
    return h;
}

/* A frame from the port's peer: out of every other port. */
static bool port_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    NetHub *h = nc->hub;
    for (int i = 0; i < h->nports; i++) {
        NetClient *p = h->ports[i];
        if (p != nc && p->peer)
            net_deliver(p->peer, buf, len);
    }
    return true;
}

static const NetClientOps port_ops = { .kind = NET_HUBPORT, .receive = port_receive };

NetClient *net_hub_add_port(int id, const char *name)
{
    NetHub *h = hub_get(id);
    if (h->nports == (int)ARRAY_SIZE(h->ports)) {
        error_report("hub %d: too many ports", id);
        return NULL;
    }
    char *gen = name ? NULL : xasprintf("hub%dport%d", id, h->next_port);
    NetClient *nc = net_client_new(&port_ops, "hubport", name ? name : gen, NULL);
    free(gen);
    h->next_port++;
    nc->hub = h;
    h->ports[h->nports++] = nc;
    return nc;
}

void net_hub_remove_port(NetClient *port)
{
    NetHub *h = port->hub;
    for (int i = 0; i < h->nports; i++) {
        if (h->ports[i] == port) {
            memmove(&h->ports[i], &h->ports[i + 1], (size_t)(h->nports - i - 1) *
                    sizeof(h->ports[0]));
            h->nports--;
            break;
        }
    }
    port->hub = NULL;
}

int net_hub_id_of(const NetClient *nc)
{
    if (nc->hub)
        return nc->hub->id;
    if (nc->peer && nc->peer->hub)
        return nc->peer->hub->id;
    return -1;
}

/* QEMU lists a hub's ports newest first. */
void net_hub_info(void (*print)(void *opaque, const char *line), void *opaque)
{
    char line[600], client[400];
    for (NetHub *h = hubs; h; h = h->next) {
        snprintf(line, sizeof(line), "hub %d\n", h->id);
        print(opaque, line);
        for (int i = h->nports - 1; i >= 0; i--) {
            NetClient *p = h->ports[i];
            if (p->peer) {
                net_format_client(p->peer, client, sizeof(client));
                snprintf(line, sizeof(line), " \\ %s: %s", p->name, client);
            } else {
                snprintf(line, sizeof(line), " \\ %s\n", p->name);
            }
            print(opaque, line);
        }
    }
}

static void check_hub(const NetHub *h)
{
    bool nic = false, host = false;
    for (int i = 0; i < h->nports; i++) {
        const NetClient *peer = h->ports[i]->peer;
        if (!peer)
            continue;
        if (peer->ops->kind == NET_NIC)
            nic = true;
        else
            host = true;
    }
    if (nic && !host)
        warn_report("hub %d is not connected to host network", h->id);
    if (host && !nic)
        warn_report("hub %d with no nics", h->id);
}

static void check_peer(NetClient *nc, void *opaque)
{
    (void)opaque;
    if (nc->peer || nc->ops->kind == NET_HUBPORT)
        return;
    warn_report("%s %s has no peer", nc->ops->kind == NET_NIC ? "nic" : "netdev", nc->name);
}

void net_check_clients(void)
{
    for (NetHub *h = hubs; h; h = h->next)
        check_hub(h);
    net_client_foreach(check_peer, NULL);
}
