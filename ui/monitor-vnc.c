/* The monitor's VNC commands: `set_password vnc PW [ACTION]`,
 * `expire_password vnc TIME`, `change vnc password [PW]` (asked for when
 * not given) and `info vnc`, with QEMU's words. */
#include "ui/monitor-int.h"
#include "ui/vnc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void set_password(Monitor *mon, const char *pw)
{
    const char *err;
    if (vnc_set_password(pw, &err))
        monitor_printf(mon, "%s\n", err);
}

/* "vnc" or "spice" first; the rest after it. */
static const char *protocol_args(Monitor *mon, const char *args, const char *what)
{
    if (!strncmp(args, "vnc", 3) && (args[3] == ' ' || !args[3]))
        return args + 3 + (args[3] == ' ');
    if (!strncmp(args, "spice", 5))
        monitor_printf(mon, "Error: spice is not supported\n");
    else if (!*args)
        monitor_printf(mon, "Parameter 'protocol' is missing\n");
    else
        monitor_printf(mon, "Error: Invalid parameter '%s'\n", what);
    return NULL;
}

static void cmd_set_password(Monitor *mon, const char *args)
{
    const char *rest = protocol_args(mon, args, "protocol");
    char pw[256];
    if (!rest)
        return;
    if (sscanf(rest, "%255s", pw) != 1) {
        monitor_printf(mon, "Parameter 'password' is missing\n");
        return;
    }
    set_password(mon, pw);
}

static void cmd_expire_password(Monitor *mon, const char *args)
{
    const char *rest = protocol_args(mon, args, "protocol");
    char when[64];
    const char *err;
    if (!rest)
        return;
    if (sscanf(rest, "%63s", when) != 1) {
        monitor_printf(mon, "Parameter 'time' is missing\n");
        return;
    }
    if (vnc_expire_password(when, &err))
        monitor_printf(mon, "%s\n", err);
}

static void password_typed(Monitor *mon, const char *line)
{
    set_password(mon, line);
}

void monitor_change_vnc(Monitor *mon, const char *args)
{
    char pw[256] = "";
    if (strncmp(args, "password", 8) || (args[8] && args[8] != ' ')) {
        monitor_printf(mon, "Error: only 'change vnc password' is supported\n");
        return;
    }
    if (sscanf(args + 8, "%255s", pw) == 1)
        set_password(mon, pw);
    else
        monitor_read_secret(mon, "Password: ", password_typed);
}

static void info_vnc(Monitor *mon, const char *args)
{
    char *s = vnc_info();
    monitor_puts(mon, s);
    free(s);
}

const MonitorCmdDef monitor_vnc_cmds[] = {
    { "expire_password", "protocol time [-d display]",
      "set spice/vnc password expire-time", cmd_expire_password },
    { "set_password", "protocol password [-d display] [action-if-connected]",
      "set spice/vnc password", cmd_set_password },
    { NULL },
};

const MonitorCmdDef monitor_vnc_infos[] = {
    { "vnc", "", "show the vnc server status", info_vnc },
    { NULL },
};
