/* The monitor's block commands: `info block`, `eject [-f] DEV`,
 * `change DEV FILE [FORMAT]`, over the drives' BlockDevs. */
#include "ui/monitor-int.h"
#include "hw/core/blockdev.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void monitor_info_block(Monitor *mon, const char *args)
{
    for (BlockDev *bd = blockdev_first(); bd; bd = bd->next) {
        if (*args && strcmp(args, bd->id))
            continue;
        if (bd->inserted)
            monitor_printf(mon, "%s: %s (%s%s)\n", bd->id, bd->file, bd->format,
                           bd->read_only ? ", read-only" : "");
        else
            monitor_printf(mon, "%s: [not inserted]\n", bd->id);
        if (!bd->attached)
            monitor_printf(mon, "    Attached to:      (none)\n");
        if (bd->removable)
            monitor_printf(mon, "    Removable device: %slocked, tray %s\n",
                           bd->locked ? "" : "not ", bd->inserted ? "closed" : "open");
        if (bd->inserted)
            monitor_printf(mon, "    Cache mode:       %s\n", bd->cache);
        monitor_printf(mon, "\n");
    }
}

static BlockDev *find_drive(Monitor *mon, const char *name)
{
    BlockDev *bd = blockdev_find(name);
    if (!bd)
        monitor_printf(mon, "Device '%s' not found\n", name);
    return bd;
}

void monitor_eject(Monitor *mon, const char *args)
{
    char name[128];
    bool force = false;
    if (!strncmp(args, "-f", 2) && (args[2] == ' ' || !args[2])) {
        force = true;
        args += 2;
        while (*args == ' ')
            args++;
    }
    if (sscanf(args, "%127s", name) != 1) {
        monitor_printf(mon, "eject: missing device name\n");
        return;
    }
    BlockDev *bd = find_drive(mon, name);
    char *err = NULL;
    if (bd && blockdev_eject(bd, force, &err)) {
        monitor_printf(mon, "%s\n", err);
        free(err);
    }
}

void monitor_change(Monitor *mon, const char *args)
{
    char name[128], file[1024], fmt[32] = "";
    if (sscanf(args, "%127s %1023s %31s", name, file, fmt) < 2) {
        monitor_printf(mon, "change: usage: change device filename [format]\n");
        return;
    }
    BlockDev *bd = find_drive(mon, name);
    char *err = NULL;
    if (bd && blockdev_change(bd, file, *fmt ? fmt : NULL, &err)) {
        monitor_printf(mon, "%s\n", err ? err : "change failed");
        free(err);
    }
}
