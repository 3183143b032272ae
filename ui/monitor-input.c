/* The monitor's input commands: `sendkey KEYS [HOLD_MS]`, `mouse_move DX
 * DY [DZ]`, `mouse_button STATE` and `info mice`, through the display core
 * as if typed on a display.  A sendkey's keys are released HOLD_MS later
 * on the virtual clock (as QEMU's input queue), or at once when the next
 * sendkey comes first. */
#include "ui/monitor-int.h"
#include "hw/core/clock.h"
#include "hw/core/input.h"
#include "hw/usb/usb.h"
#include "hw/core/util.h"
#include "ui/console.h"
#include "ui/keycodes.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_KEYS 16

static Timer release_timer;
static int held[MAX_KEYS];
static int nheld;

static void release_keys(void *opaque)
{
    while (nheld > 0)
        console_key_event(held[--nheld], false);
    timer_del(&release_timer);
}

/* A key name, or its number in hex (0x1c) or decimal. */
static int parse_key(const char *s, size_t len)
{
    char buf[32];
    if (!len || len >= sizeof(buf))
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (buf[0] >= '0' && buf[0] <= '9' && len > 1) {
        char *end;
        errno = 0;
        long v = strtol(buf, &end, 0);
        return *end || errno || v <= 0 || v > 0xff ? -1 : (int)v;
    }
    return keycode_from_name(buf);
}

static int parse_keys(Monitor *mon, const char *list, size_t len, int *keys)
{
    int n = 0;
    for (size_t pos = 0; pos < len;) {
        size_t k = strcspn(list + pos, "-");
        if (pos + k > len)
            k = len - pos;
        int key = parse_key(list + pos, k);
        if (key < 0 || n == MAX_KEYS) {
            monitor_printf(mon, "invalid parameter: %.*s\n", (int)k, list + pos);
            return -1;
        }
        keys[n++] = key;
        pos += k + 1;
    }
    return n;
}

static void cmd_sendkey(Monitor *mon, const char *args)
{
    size_t len = strcspn(args, " ");
    int keys[MAX_KEYS];
    long hold = 100;
    if (!len) {
        monitor_printf(mon, "Parameter 'keys' is missing\n");
        return;
    }
    if (args[len]) {
        char *end;
        hold = strtol(args + len, &end, 0);
        if (*end || hold < 0) {
            monitor_printf(mon, "Parameter 'hold-time' expects a number\n");
            return;
        }
    }
    int n = parse_keys(mon, args, len, keys);
    if (n <= 0)
        return;
    if (!release_timer.cb)
        timer_init(&release_timer, release_keys, NULL);
    release_keys(NULL);
    for (int i = 0; i < n; i++) {
        console_key_event(keys[i], true);
        held[nheld++] = keys[i];
    }
    timer_mod(&release_timer, clock_ns() + (hold ? hold : 100) * 1000000LL);
}

static void cmd_mouse_move(Monitor *mon, const char *args)
{
    int dx, dy, dz = 0;
    if (sscanf(args, "%d %d %d", &dx, &dy, &dz) < 2) {
        monitor_printf(mon, "Parameter 'dy' is missing\n");
        return;
    }
    console_mouse_event(dx, dy, dz, console_mouse_buttons());
}

/* QEMU's state bits: 1 left, 2 middle, 4 right. */
static void cmd_mouse_button(Monitor *mon, const char *args)
{
    char *end;
    long state = strtol(args, &end, 0);
    if (end == args || *end) {
        monitor_printf(mon, "Parameter 'button_state' expects a number\n");
        return;
    }
    int buttons = (state & 1 ? CONSOLE_BTN_LEFT : 0) | (state & 2 ? CONSOLE_BTN_MIDDLE : 0) |
                  (state & 4 ? CONSOLE_BTN_RIGHT : 0);
    console_mouse_event(0, 0, 0, buttons);
}

/* The one receiving events has the star: a tablet when there is one. */
static void info_mice(Monitor *mon, const char *args)
{
    bool abs = console_mouse_absolute();
    if (!console_has_mouse()) {
        monitor_printf(mon, "No mouse devices connected\n");
        return;
    }
    if (mon->m && machine_find_device(mon->m, "i8042"))
        monitor_printf(mon, "%c Mouse #2: QEMU PS/2 Mouse\n", abs ? ' ' : '*');
    if (abs)
        monitor_printf(mon, "* Mouse #3: %s (absolute)\n", input_abs_name());
}

static void usb_line(const USBPort *p, void *opaque)
{
    if (p->dev)
        monitor_printf(opaque, "  Device %d.%u, Port %d, Speed 12 Mb/s, Product %s%s%s\n",
                       p->bus, p->dev->addr, p->index, p->dev->product,
                       p->dev->id ? ", ID: " : "", p->dev->id ? p->dev->id : "");
}

static void info_usb(Monitor *mon, const char *args)
{
    if (!usb_bus_present())
        monitor_printf(mon, "USB support not enabled\n");
    else
        usb_foreach_port(usb_line, mon);
}

const MonitorCmdDef monitor_input_cmds[] = {
    { "mouse_button", "state", "change mouse button state (1=L, 2=M, 4=R)",
      cmd_mouse_button },
    { "mouse_move", "dx dy [dz]", "send mouse move events", cmd_mouse_move },
    { "sendkey", "keys [hold_ms]", "send keys to the VM (e.g. 'sendkey ctrl-alt-f1', "
      "default hold time=100 ms)", cmd_sendkey },
    { NULL },
};

const MonitorCmdDef monitor_input_infos[] = {
    { "mice", "", "show which guest mouse is receiving events", info_mice },
    { "usb", "", "show guest USB devices", info_usb },
    { NULL },
};
