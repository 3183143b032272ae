/* The monitor's command table: one row per command, QEMU's names. */
#include "ui/monitor-int.h"
#include "accel/accel.h"
#include "hw/core/loop.h"
#include "hw/core/util.h"
#include "hw/pc/acpi.h"
#include "ui/gdbstub.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef MonitorCmdDef MonCmd;

static void cmd_help(Monitor *mon, const char *args);

static void cmd_info(Monitor *mon, const char *args)
{
    char what[64];
    size_t n = strcspn(args, " ");
    if (!n || n >= sizeof(what)) {
        monitor_info_help(mon);
        return;
    }
    memcpy(what, args, n);
    what[n] = '\0';
    const char *rest = args + n;
    while (*rest == ' ')
        rest++;
    if (!monitor_info(mon, what, rest))
        monitor_info_help(mon);
}

/* As QEMU's: returns once no vCPU runs guest code (when the engine can
 * tell), so what `info registers` shows next is where the guest stopped. */
static void cmd_stop(Monitor *mon, const char *args)
{
    Machine *m = mon->m;
    machine_pause(m);
    if (m->accel && m->accel->wait_stopped) {
        big_unlock();
        m->accel->wait_stopped(m);
        big_lock();
    }
}

static void cmd_cont(Monitor *mon, const char *args)
{
    if (mon->m->state == RUN_STATE_SHUTDOWN) {
        monitor_printf(mon, "Resetting the Virtual Machine is required\n");
        return;
    }
    machine_resume(mon->m);
}

static void cmd_system_reset(Monitor *mon, const char *args)
{
    machine_request_reset(mon->m);
}

/* The ACPI power button: the guest decides to shut down (or not). */
static void cmd_system_powerdown(Monitor *mon, const char *args)
{
    Device *pm = machine_find_device(mon->m, "PIIX4_PM");
    if (!pm) {
        monitor_printf(mon, "system_powerdown: this machine has no ACPI power button\n");
        return;
    }
    acpi_pm_power_button(pm);
}

static void cmd_quit(Monitor *mon, const char *args)
{
    monitor_quit_requested = true;
    machine_request_shutdown(mon->m, 0);
}

/* gdbserver [device]: start the gdbstub now (ui/gdbstub.c). */
static void cmd_gdbserver(Monitor *mon, const char *args)
{
    const char *dev = *args ? args : "tcp::1234";
    if (gdbstub_start(mon->m, "gdbserver", dev))
        monitor_printf(mon, "Could not open gdbserver on device '%s'\n", dev);
    else if (!strcmp(dev, "none"))
        monitor_printf(mon, "Disabled gdbserver\n");
    else
        monitor_printf(mon, "Waiting for gdb connection on device '%s'\n", dev);
}

/* `change vnc password [PW]` is the VNC server's; anything else a medium. */
static void cmd_change(Monitor *mon, const char *args)
{
    if (!strncmp(args, "vnc", 3) && (args[3] == ' ' || !args[3]))
        monitor_change_vnc(mon, args + 3 + (args[3] == ' '));
    else
        monitor_change(mon, args);
}

static const MonCmd commands[] = {
    { "change", "device filename [format]", "change a removable medium", cmd_change },
    { "cont|c", "", "resume emulation", cmd_cont },
    { "eject", "[-f] device", "eject a removable medium (use -f to force it)", monitor_eject },
    { "gdbserver", "[device]", "start gdbserver on given device (default 'tcp::1234'), "
      "stop with 'none'", cmd_gdbserver },
    { "help|?", "[cmd]", "show the help", cmd_help },
    { "info", "[subcommand]", "show various information about the system state", cmd_info },
    { "netdev_add", "[user|tap|socket|hubport],id=str[,prop=value][,...]",
      "add host network device", monitor_netdev_add },
    { "netdev_del", "id", "remove host network device", monitor_netdev_del },
    { "quit|q", "", "quit the emulator", cmd_quit },
    { "screendump", "filename [-f format]", "save screen to a file (ppm or png)",
      monitor_screendump },
    { "set_link", "name on|off", "change the link status of a network adapter",
      monitor_set_link },
    { "stop", "", "stop emulation", cmd_stop },
    { "system_powerdown", "", "send system power down event", cmd_system_powerdown },
    { "system_reset", "", "reset the system", cmd_system_reset },
    { "xp", "/fmt addr", "physical memory dump starting at 'addr'", monitor_xp },
    { NULL },
};

static const MonCmd *const tables[] = { commands, monitor_input_cmds, monitor_vnc_cmds };

/* Does word match one of the '|'-separated names? */
static bool name_matches(const char *names, const char *word, size_t wlen)
{
    for (const char *p = names; *p;) {
        size_t n = strcspn(p, "|");
        if (n == wlen && !strncmp(p, word, n))
            return true;
        p += n + (p[n] == '|');
    }
    return false;
}

static int by_name(const void *a, const void *b)
{
    return strcmp((*(const MonCmd *const *)a)->names, (*(const MonCmd *const *)b)->names);
}

static void cmd_help(Monitor *mon, const char *args)
{
    const MonCmd *rows[128];
    size_t n = 0;
    for (size_t t = 0; t < ARRAY_SIZE(tables); t++) {
        for (const MonCmd *c = tables[t]; c->names && n < ARRAY_SIZE(rows); c++)
            rows[n++] = c;
    }
    qsort(rows, n, sizeof(rows[0]), by_name);
    for (size_t i = 0; i < n; i++) {
        const MonCmd *c = rows[i];
        if (*args && !name_matches(c->names, args, strlen(args)))
            continue;
        monitor_printf(mon, "%s %s -- %s\n", c->names, c->args, c->help);
        if (*args && c->fn == cmd_info)
            monitor_info_help(mon);
    }
}

static const MonCmd *find_command(const char *word, size_t len)
{
    for (size_t t = 0; t < ARRAY_SIZE(tables); t++) {
        for (const MonCmd *c = tables[t]; c->names; c++) {
            if (name_matches(c->names, word, len))
                return c;
        }
    }
    return NULL;
}

void monitor_execute(Monitor *mon, const char *line)
{
    while (*line == ' ' || *line == '\t')
        line++;
    size_t n = strcspn(line, " \t");
    if (!n)
        return;
    const char *args = line + n;
    while (*args == ' ' || *args == '\t')
        args++;
    char trimmed[MON_LINE_MAX];
    snprintf(trimmed, sizeof(trimmed), "%s", args);
    for (size_t l = strlen(trimmed); l && (trimmed[l - 1] == ' ' || trimmed[l - 1] == '\t');)
        trimmed[--l] = '\0';
    const MonCmd *c = find_command(line, n);
    if (c)
        c->fn(mon, trimmed);
    else
        monitor_printf(mon, "unknown command: '%.*s'\n", (int)n, line);
}
