/* -net nic|user|tap|socket|bridge|none and -netdev TYPE,id=...: every key
 * is checked; a backend or card kemu does not have yet is refused by name. */
#include "ui/cmdline-int.h"
#include "hw/core/device.h"
#include "hw/core/error.h"
#include "hw/core/util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const nic_keys[] = { "type", "vlan", "macaddr", "model", "name", "addr",
                                        "vectors", "netdev", "id", NULL };
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
static const char *const none_keys[] = { "type", NULL };

static const struct {
    const char *type;
    const char *const *keys;
    const char *what;       /* for "... is not supported yet" */
} backends[] = {
    { "user", user_keys, "user-mode networking (-net user)" },
    { "tap", tap_keys, "tap networking" },
    { "bridge", bridge_keys, "bridge networking" },
    { "socket", socket_keys, "socket networking" },
    { "hubport", hubport_keys, "hub ports" },
};

/* NIC models users name, and the device model each one is. */
static const struct {
    const char *model, *device;
} nic_models[] = {
    { "e1000", "e1000" },
    { "rtl8139", "rtl8139" },
    { "virtio", "virtio-net-pci" },
    { "virtio-net-pci", "virtio-net-pci" },
};

static void nic_help(void)
{
    printf("Supported NIC models:\n");
    for (size_t i = 0; i < 3; i++) {
        bool built = device_class_find(nic_models[i].device) != NULL;
        printf("%s%s\n", nic_models[i].model, built ? "" : " (not implemented yet)");
    }
}

/* 52:54:00:12:34:56 (also with '-'). */
static bool mac_valid(const char *s)
{
    for (int i = 0; i < 6; i++) {
        if (!isxdigit((unsigned char)s[0]) || !isxdigit((unsigned char)s[1]))
            return false;
        s += 2;
        if (i < 5 && *s != ':' && *s != '-')
            return false;
        if (i < 5)
            s++;
    }
    return *s == '\0';
}

static int net_nic(const Opts *o, const char *arg)
{
    const char *model = opts_get(o, "model");
    const char *mac = opts_get(o, "macaddr");
    if (cl_is_help(model)) {
        nic_help();
        return 1;
    }
    if (mac && !mac_valid(mac)) {
        error_report("-net %s: invalid syntax for ethernet address", arg);
        return -1;
    }
    if (!model)
        model = "e1000";
    for (size_t i = 0; i < ARRAY_SIZE(nic_models); i++) {
        if (strcmp(model, nic_models[i].model))
            continue;
        if (!device_class_find(nic_models[i].device)) {
            error_report("-net %s: NIC model '%s' is not supported yet", arg, model);
            return -1;
        }
        error_report("-net %s: guest NICs from -net are not wired to a network yet "
                     "(use -device %s)", arg, nic_models[i].device);
        return -1;
    }
    error_report("-net %s: Unsupported NIC model: %s", arg, model);
    return -1;
}

/* Look up a backend type; report its bad keys; refuse it as not built. */
static int net_backend(const Opts *o, const char *opt, const char *arg, const char *type)
{
    for (size_t i = 0; i < ARRAY_SIZE(backends); i++) {
        if (strcmp(type, backends[i].type))
            continue;
        const char *bad = cl_unknown_key(o, backends[i].keys);
        if (bad) {
            error_report("%s %s: Invalid parameter '%s'", opt, arg, bad);
            return -1;
        }
        error_report("%s %s: %s is not supported yet", opt, arg, backends[i].what);
        return -1;
    }
    error_report("%s %s: Parameter 'type' does not accept value '%s'", opt, arg, type);
    return -1;
}

int cmdline_parse_net(KemuOptions *ko, const char *arg)
{
    Opts o;
    const char *err;
    if (opts_parse(&o, arg, "type", &err)) {
        error_report("-net %s: %s", arg, err);
        return -1;
    }
    const char *type = opts_get(&o, "type");
    int ret;
    if (!type) {
        error_report("-net %s: Parameter 'type' is missing", arg);
        ret = -1;
    } else if (!strcmp(type, "nic")) {
        const char *bad = cl_unknown_key(&o, nic_keys);
        if (bad) {
            error_report("-net %s: Invalid parameter '%s'", arg, bad);
            ret = -1;
        } else {
            ret = net_nic(&o, arg);
        }
    } else if (!strcmp(type, "none")) {
        const char *bad = cl_unknown_key(&o, none_keys);
        ret = bad ? -1 : 0;
        if (bad)
            error_report("-net %s: Invalid parameter '%s'", arg, bad);
        ko->net_none = true;
    } else {
        ret = net_backend(&o, "-net", arg, type);
    }
    opts_free(&o);
    return ret;
}

int cmdline_parse_netdev(KemuOptions *ko, const char *arg)
{
    Opts o;
    const char *err;
    if (opts_parse(&o, arg, "type", &err)) {
        error_report("-netdev %s: %s", arg, err);
        return -1;
    }
    const char *type = opts_get(&o, "type");
    int ret = -1;
    if (!type)
        error_report("-netdev %s: Parameter 'type' is missing", arg);
    else if (!strcmp(type, "nic") || !strcmp(type, "none"))
        error_report("-netdev %s: network backend '%s' is not compiled into this binary", arg,
                     type);
    else if (!opts_get(&o, "id"))
        error_report("-netdev %s: Parameter 'id' is missing", arg);
    else
        ret = net_backend(&o, "-netdev", arg, type);
    opts_free(&o);
    return ret;
}
