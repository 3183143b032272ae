/* Backends from option strings: which keys each type takes, which
 * constructor makes it, and how -net hangs it on a hub. */
#include "hw/net/netdev.h"
#include "hw/core/error.h"
#include "hw/core/util.h"

#include <stdlib.h>
#include <string.h>

static const char *const user_keys[] = { "type", "vlan", "name", "id", "net", "host",
    "restrict", "hostname", "dhcpstart", "dns", "dnssearch", "domainname", "tftp",
    "tftp-server-name", "bootfile", "smb", "smbserver", "hostfwd", "guestfwd", "ipv4",
    "ipv6", "ipv6-net", "ipv6-host", "ipv6-dns", NULL };
static const char *const tap_keys[] = { "type", "vlan", "name", "id", "fd", "fds", "ifname",
    "script", "downscript", "br", "helper", "sndbuf", "vnet_hdr", "vhost", "vhostfd",
    "vhostfds", "vhostforce", "queues", "poll-us", NULL };
static const char *const socket_keys[] = { "type", "vlan", "name", "id", "fd", "listen",
    "connect", "mcast", "udp", "localaddr", NULL };
static const char *const bridge_keys[] = { "type", "vlan", "name", "id", "br", "helper", NULL };
static const char *const hubport_keys[] = { "type", "id", "hubid", "netdev", NULL };

typedef NetClient *NetdevNew(const Opts *o, const char *name, const char *what);
static NetdevNew hubport_new;

static const struct {
    const char *type;
    const char *const *keys;
    NetdevNew *create;          /* NULL: not built */
    const char *what;           /* for "... is not supported yet" */
} backends[] = {
    { "user", user_keys, net_user_new, "user-mode networking" },
    { "tap", tap_keys, net_tap_new, "tap networking" },
    { "socket", socket_keys, net_socket_new, "socket networking" },
    { "bridge", bridge_keys, NULL, "bridge networking (use tap with a script)" },
    { "hubport", hubport_keys, hubport_new, "hub ports" },
};

static int find_type(const char *type)
{
    for (size_t i = 0; i < ARRAY_SIZE(backends); i++) {
        if (!strcmp(type, backends[i].type))
            return (int)i;
    }
    return -1;
}

static const char *unknown_key(const Opts *o, const char *const *keys)
{
    for (size_t i = 0; i < o->n; i++) {
        size_t k = 0;
        while (keys[k] && strcmp(keys[k], o->v[i].key))
            k++;
        if (!keys[k])
            return o->v[i].key;
    }
    return NULL;
}

int netdev_check(const Opts *o, const char *opt, const char *arg)
{
    const char *type = opts_get(o, "type");
    int t = type ? find_type(type) : -1;
    if (!type) {
        error_report("%s %s: Parameter 'type' is missing", opt, arg);
        return -1;
    }
    if (t < 0) {
        error_report("%s %s: Parameter 'type' does not accept value '%s'", opt, arg, type);
        return -1;
    }
    const char *bad = unknown_key(o, backends[t].keys);
    if (bad) {
        error_report("%s %s: Invalid parameter '%s'", opt, arg, bad);
        return -1;
    }
    if (!backends[t].create) {
        error_report("%s %s: %s is not supported yet", opt, arg, backends[t].what);
        return -1;
    }
    return 0;
}

static NetClient *hubport_new(const Opts *o, const char *name, const char *what)
{
    uint64_t hub;
    const char *id = opts_get(o, "hubid");
    if (!id || parse_uint(id, &hub) || hub > 1000) {
        error_report("%s: Parameter 'hubid' expects a hub number", what);
        return NULL;
    }
    return net_hub_add_port((int)hub, name);
}

NetClient *netdev_create(const Opts *o, int hub, const char *what)
{
    const char *type = opts_get(o, "type");
    const char *name = hub >= 0 ? opts_get(o, "name") : opts_get(o, "id");
    if (name && net_client_find(name)) {
        error_report("%s: Duplicate ID '%s' for netdev", what, name);
        return NULL;
    }
    int t = find_type(type);
    NetClient *nc = backends[t].create(o, name, what);
    if (!nc)
        return NULL;
    nc->from_netdev = hub < 0;
    if (hub >= 0) {
        NetClient *port = net_hub_add_port(hub, NULL);
        if (!port) {
            net_client_free(nc);
            return NULL;
        }
        net_connect(port, nc);
    }
    return nc;
}

int netdev_delete(const char *id)
{
    NetClient *nc = net_client_find(id);
    if (!nc || !nc->from_netdev)
        return -1;
    if (nc->peer && nc->peer->ops->kind == NET_NIC) {
        /* As QEMU: the NIC stays, its link down until a new backend. */
        nc->peer->link_down = true;
        if (nc->peer->ops->link_changed)
            nc->peer->ops->link_changed(nc->peer);
    }
    net_client_free(nc);
    return 0;
}

static NetChardevFactory chardev_factory;

void netdev_set_chardev_factory(NetChardevFactory fn)
{
    chardev_factory = fn;
}

struct Chardev *netdev_make_chardev(const char *label, const char *spec)
{
    return chardev_factory ? chardev_factory(label, spec) : NULL;
}
