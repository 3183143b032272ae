/* -net nic|user|tap|socket|none, -netdev TYPE,id=..., -nic TYPE[,model=]:
 * every key and value is checked here; the specs are kept in order and
 * ui/net-setup.c builds the network once the machine exists. */
#include "ui/cmdline-int.h"
#include "hw/core/device.h"
#include "hw/core/error.h"
#include "hw/core/util.h"
#include "hw/core/net.h"
#include "hw/net/netdev.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const nic_keys[] = { "type", "vlan", "macaddr", "model", "name", "addr",
                                        "vectors", "netdev", "id", NULL };

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

const char *cmdline_nic_device(const char *model)
{
    for (size_t i = 0; i < ARRAY_SIZE(nic_models); i++) {
        if (!strcmp(model, nic_models[i].model))
            return nic_models[i].device;
    }
    return NULL;
}

/* model= and macaddr= of -net nic / -nic: 1 after help, -1 on error. */
static int check_nic(const Opts *o, const char *opt, const char *arg, const char *mackey)
{
    const char *model = opts_get(o, "model");
    const char *mac = opts_get(o, mackey);
    uint8_t m[6];
    if (cl_is_help(model)) {
        nic_help();
        return 1;
    }
    if (mac && net_parse_mac(mac, m)) {
        error_report("%s %s: invalid syntax for ethernet address", opt, arg);
        return -1;
    }
    const char *dev = cmdline_nic_device(model ? model : "e1000");
    if (!dev) {
        error_report("%s %s: Unsupported NIC model: %s", opt, arg, model);
        return -1;
    }
    if (!device_class_find(dev)) {
        error_report("%s %s: NIC model '%s' is not supported yet", opt, arg, model);
        return -1;
    }
    return 0;
}

static int check_vlan(const Opts *o, const char *arg)
{
    uint64_t v;
    const char *vlan = opts_get(o, "vlan");
    if (vlan && (parse_uint(vlan, &v) || v > 1000)) {
        error_report("-net %s: Parameter 'vlan' expects a hub number", arg);
        return -1;
    }
    return 0;
}

static int keep(char **list, int *n, const char *opt, const char *arg)
{
    if (*n >= MAX_LIST) {
        error_report("%s %s: too many %s options", opt, arg, opt);
        return -1;
    }
    list[(*n)++] = xstrdup(arg);
    return 0;
}

static int net_check(KemuOptions *ko, const Opts *o, const char *arg)
{
    const char *type = opts_get(o, "type");
    if (!type) {
        error_report("-net %s: Parameter 'type' is missing", arg);
        return -1;
    }
    if (!strcmp(type, "none")) {
        if (o->n > 1) {
            error_report("-net %s: Invalid parameter '%s'", arg, o->v[1].key);
            return -1;
        }
        ko->net_none = true;
        return 0;
    }
    if (strcmp(type, "nic"))
        return check_vlan(o, arg) || netdev_check(o, "-net", arg) ? -1 : 0;
    const char *bad = cl_unknown_key(o, nic_keys);
    if (bad) {
        error_report("-net %s: Invalid parameter '%s'", arg, bad);
        return -1;
    }
    return check_vlan(o, arg) ? -1 : check_nic(o, "-net", arg, "macaddr");
}

int cmdline_parse_net(KemuOptions *ko, const char *arg)
{
    Opts o;
    const char *err;
    if (opts_parse(&o, arg, "type", &err)) {
        error_report("-net %s: %s", arg, err);
        return -1;
    }
    int ret = net_check(ko, &o, arg);
    const char *type = opts_get(&o, "type");
    if (!ret && strcmp(type, "none"))
        ret = keep(ko->nets, &ko->nnets, "-net", arg);
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
    else if (!netdev_check(&o, "-netdev", arg))
        ret = keep(ko->netdevs, &ko->nnetdevs, "-netdev", arg);
    opts_free(&o);
    return ret;
}

/* -nic TYPE[,model=M][,mac=MAC][,backend options]: a card and its backend
 * in one; -nic none: no card at all. */
int cmdline_parse_nic(KemuOptions *ko, const char *arg)
{
    if (!strcmp(arg, "none")) {
        ko->net_none = true;
        return 0;
    }
    Opts o;
    const char *err;
    if (opts_parse(&o, arg, "type", &err)) {
        error_report("-nic %s: %s", arg, err);
        return -1;
    }
    int ret = check_nic(&o, "-nic", arg, "mac");
    if (!ret) {
        opts_del(&o, "model");
        opts_del(&o, "mac");
        ret = netdev_check(&o, "-nic", arg);
    }
    if (!ret)
        ret = keep(ko->nics, &ko->nnics, "-nic", arg);
    opts_free(&o);
    return ret;
}

/* The first key of o not in keys (NULL-terminated), or NULL. */
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

/* -object filter-dump,id=ID,netdev=NETDEV,file=FILE[,maxlen=N]: the only
 * object type kemu has; the netdev is looked up once the network exists. */
int cmdline_parse_object(KemuOptions *ko, const char *arg)
{
    static const char *const keys[] = { "qom-type", "id", "netdev", "file", "maxlen", NULL };
    Opts o;
    const char *err;
    if (opts_parse(&o, arg, "qom-type", &err)) {
        error_report("-object %s: %s", arg, err);
        return -1;
    }
    const char *type = opts_get(&o, "qom-type"), *maxlen = opts_get(&o, "maxlen");
    const char *bad = unknown_key(&o, keys);
    uint64_t n;
    int ret = -1;
    if (!type || strcmp(type, "filter-dump"))
        error_report("-object %s: invalid object type: %s", arg, type ? type : "");
    else if (bad)
        error_report("-object %s: Property '%s' not found", arg, bad);
    else if (!opts_get(&o, "id"))
        error_report("-object %s: Parameter 'id' is missing", arg);
    else if (!opts_get(&o, "netdev"))
        error_report("-object %s: Parameter 'netdev' is missing", arg);
    else if (!opts_get(&o, "file"))
        error_report("-object %s: Parameter 'file' is missing", arg);
    else if (maxlen && (parse_uint(maxlen, &n) || !n || n > UINT32_MAX))
        error_report("-object %s: Parameter 'maxlen' expects a positive number", arg);
    else
        ret = keep(ko->objects, &ko->nobjects, "-object", arg);
    opts_free(&o);
    return ret;
}
