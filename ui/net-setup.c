/* The network the command line describes, built once the machine (and
 * its PCI bus) exists, in QEMU's order: -netdev backends, then -nic
 * (a backend and its card), then -net in order (each backend or card on
 * a port of its hub, vlan= or 0); the cards of -nic and -net are created
 * before -device, so the default MAC addresses count up the same way.
 * With no network option at all (and no -nodefaults) the machine gets
 * QEMU's default: an e1000 and user networking on hub 0 (the card alone
 * in a build without libslirp). */
#include "config.h"
#include "ui/net-setup.h"
#include "ui/chardev.h"
#include "hw/core/error.h"
#include "hw/core/opts.h"
#include "hw/core/util.h"
#include "hw/core/net.h"
#include "hw/core/net-dump.h"
#include "hw/net/netdev.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct PendingNic {
    char *device, *props, *what;
} PendingNic;

static PendingNic pending[2 * MAX_LIST + 1];
static int npending;

static Chardev *make_chardev(const char *label, const char *spec)
{
    return chr_new(label, spec);
}

static int backend(const char *opt, const char *arg, const char *spec, int hub)
{
    Opts o;
    const char *err;
    if (opts_parse(&o, spec, "type", &err)) {
        error_report("%s %s: %s", opt, arg, err);
        return -1;
    }
    char *what = xasprintf("%s %s", opt, arg);
    NetClient *nc = netdev_create(&o, hub, what);
    opts_free(&o);
    free(what);
    return nc ? 0 : -1;
}

/* The backend half of a -nic: its options without the card's, under id. */
static char *nic_backend_spec(const Opts *o, const char *id)
{
    char *spec = xstrdup(opts_get(o, "type"));
    for (size_t i = 0; i < o->n; i++) {
        const char *k = o->v[i].key;
        if (!strcmp(k, "type") || !strcmp(k, "model") || !strcmp(k, "mac"))
            continue;
        char *val = xmalloc(2 * strlen(o->v[i].val) + 1), *q = val;
        for (const char *p = o->v[i].val; *p; p++) {
            *q++ = *p;
            if (*p == ',')
                *q++ = ',';             /* QEMU's escape of a comma */
        }
        *q = '\0';
        char *next = xasprintf("%s,%s=%s", spec, k, val);
        free(val);
        free(spec);
        spec = next;
    }
    char *next = xasprintf("%s,id=%s", spec, id);
    free(spec);
    return next;
}

static void add_nic(const char *device, char *props, char *what)
{
    pending[npending++] = (PendingNic){ xstrdup(device), props, what };
}

/* -net nic[,vlan=N][,macaddr=][,model=][,name=][,addr=][,netdev=] */
static int net_nic(const char *arg)
{
    Opts o;
    const char *err;
    if (opts_parse(&o, arg, "type", &err))
        return -1;
    const char *model = opts_get(&o, "model"), *vlan = opts_get(&o, "vlan");
    const char *mac = opts_get(&o, "macaddr"), *name = opts_get(&o, "name");
    const char *addr = opts_get(&o, "addr"), *netdev = opts_get(&o, "netdev");
    char *port = NULL;
    const char *device = cmdline_nic_device(model ? model : "e1000");
    /* vectors= goes to a card with MSI-X (virtio-net: 0 means INTx). */
    const char *vectors = opts_get(&o, "vectors");
    bool msix = !strcmp(device, "virtio-net-pci");
    if (vectors && !msix)
        warn_report("-net %s: vectors= has no effect: %s has no MSI-X", arg, device);
    if (!netdev) {
        NetClient *p = net_hub_add_port(vlan ? atoi(vlan) : 0, NULL);
        if (!p) {
            opts_free(&o);
            return -1;
        }
        port = xstrdup(p->name);
    }
    bool vec = vectors && msix;
    char *props = xasprintf("netdev=%s%s%s%s%s%s%s%s%s", netdev ? netdev : port,
                            mac ? ",mac=" : "", mac ? mac : "", addr ? ",addr=" : "",
                            addr ? addr : "", name ? ",id=" : "", name ? name : "",
                            vec ? ",vectors=" : "", vec ? vectors : "");
    add_nic(device, props, xasprintf("-net %s", arg));
    free(port);
    opts_free(&o);
    return 0;
}

static int net_option(const char *arg)
{
    Opts o;
    const char *err;
    if (opts_parse(&o, arg, "type", &err))
        return -1;
    bool nic = !strcmp(opts_get(&o, "type"), "nic");
    const char *vlan = opts_get(&o, "vlan");
    int hub = vlan ? atoi(vlan) : 0;
    opts_free(&o);
    return nic ? net_nic(arg) : backend("-net", arg, arg, hub);
}

/* -nic TYPE,...: the backend under a generated id, then its card. */
static int nic_option(const char *arg, int index)
{
    Opts o;
    const char *err;
    if (opts_parse(&o, arg, "type", &err))
        return -1;
    char id[32];
    snprintf(id, sizeof(id), "__nic%d", index);
    const char *model = opts_get(&o, "model"), *mac = opts_get(&o, "mac");
    char *props = xasprintf("netdev=%s%s%s", id, mac ? ",mac=" : "", mac ? mac : "");
    add_nic(cmdline_nic_device(model ? model : "e1000"), props, xasprintf("-nic %s", arg));
    char *spec = nic_backend_spec(&o, id);
    opts_free(&o);
    int r = backend("-nic", arg, spec, -1);
    free(spec);
    return r;
}

static int create_nics(Machine *m)
{
    int ret = 0;
    for (int i = 0; i < npending; i++) {
        PendingNic *p = &pending[i];
        Device *dev = ret ? NULL : device_create(p->device, p->props);
        if (!ret && (!dev || device_realize(dev, m)))
            ret = -1;
        free(p->device);
        free(p->props);
        free(p->what);
    }
    npending = 0;
    return ret;
}

/* -object filter-dump on a netdev that now exists (QEMU's messages). */
static int add_dump(const char *arg)
{
    Opts o;
    const char *why;
    if (opts_parse(&o, arg, "qom-type", &why))
        return -1;                  /* checked by the command line already */
    const char *id = opts_get(&o, "netdev"), *file = opts_get(&o, "file");
    const char *maxlen = opts_get(&o, "maxlen");
    uint64_t n = 65536;
    if (maxlen)
        parse_uint(maxlen, &n);
    NetClient *nc = net_client_find(id);
    int ret = -1;
    if (!nc || nc->ops->kind == NET_NIC)
        error_report("-object %s: Property 'netdev' can't find value '%s'", arg, id);
    else if (nc->dump)
        error_report("-object %s: netdev '%s' is already dumped", arg, id);
    else if (!(nc->dump = net_dump_open(file, (uint32_t)n, &why)))
        error_report("-object %s: cannot open '%s': %s", arg, file, why);
    else
        ret = 0;
    opts_free(&o);
    return ret;
}

static int add_dumps(const KemuOptions *o)
{
    for (int i = 0; i < o->nobjects; i++) {
        if (add_dump(o->objects[i]))
            return -1;
    }
    return 0;
}

int net_setup(Machine *m, const KemuOptions *o)
{
    netdev_set_chardev_factory(make_chardev);
    bool any = o->nnets || o->nnetdevs || o->nnics;
    if (o->net_none || (!any && o->nodefaults))
        return add_dumps(o);
    if (!any) {
#ifdef CONFIG_SLIRP
        return net_nic("nic") || net_option("user") || create_nics(m) || add_dumps(o);
#else
        return net_nic("nic") || create_nics(m) || add_dumps(o);    /* as QEMU built without slirp */
#endif
    }
    for (int i = 0; i < o->nnetdevs; i++) {
        if (backend("-netdev", o->netdevs[i], o->netdevs[i], -1))
            return -1;
    }
    for (int i = 0; i < o->nnics; i++) {
        if (nic_option(o->nics[i], i))
            return -1;
    }
    for (int i = 0; i < o->nnets; i++) {
        if (net_option(o->nets[i]))
            return -1;
    }
    return create_nics(m) || add_dumps(o);
}

static void free_backend(NetClient *nc, void *opaque)
{
    (void)opaque;
    if (nc->ops->kind != NET_NIC && nc->ops->kind != NET_HUBPORT)
        net_client_free(nc);
}

void net_cleanup(void)
{
    net_client_foreach(free_backend, NULL);
}
