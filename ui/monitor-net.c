/* The monitor's network commands: info network, set_link, netdev_add and
 * netdev_del, with QEMU's words. */
#include "ui/monitor-int.h"
#include "hw/core/opts.h"
#include "hw/core/util.h"
#include "hw/core/net.h"
#include "hw/net/netdev.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_line(void *opaque, const char *line)
{
    monitor_puts(opaque, line);
}

void monitor_info_network(Monitor *mon, const char *args)
{
    (void)args;
    net_info(print_line, mon);
}

/* set_link NAME on|off (also up|down) */
void monitor_set_link(Monitor *mon, const char *args)
{
    char name[128], state[16];
    if (sscanf(args, "%127s %15s", name, state) != 2) {
        monitor_printf(mon, "set_link: usage: set_link name on|off\n");
        return;
    }
    bool up;
    if (!strcmp(state, "on") || !strcmp(state, "up"))
        up = true;
    else if (!strcmp(state, "off") || !strcmp(state, "down"))
        up = false;
    else {
        monitor_printf(mon, "Parameter 'up' expects 'on' or 'off'\n");
        return;
    }
    if (net_set_link(name, up))
        monitor_printf(mon, "Device '%s' not found\n", name);
}

void monitor_netdev_add(Monitor *mon, const char *args)
{
    Opts o;
    const char *err;
    if (opts_parse(&o, args, "type", &err)) {
        monitor_printf(mon, "%s\n", err);
        return;
    }
    const char *id = opts_get(&o, "id");
    char *what = xasprintf("netdev_add %s", args);
    if (!id)
        monitor_printf(mon, "Parameter 'id' is missing\n");
    else if (!netdev_check(&o, "netdev_add", args))
        netdev_create(&o, -1, what);
    opts_free(&o);
    free(what);
}

void monitor_netdev_del(Monitor *mon, const char *args)
{
    if (netdev_delete(args))
        monitor_printf(mon, "Device '%s' not found\n", args);
}
