/* -display, -vga, -vnc: kemu has no graphical console yet, so only the
 * "none" forms are accepted; everything else is refused by name. */
#include "ui/cmdline-int.h"
#include "hw/core/device.h"
#include "hw/core/error.h"
#include "hw/core/util.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    DisplayType type;
    const char *what;
} displays[] = {
    { "none", DISPLAY_NONE, NULL },
    { "sdl", DISPLAY_SDL, "SDL display" },
    { "curses", DISPLAY_CURSES, "curses display" },
    { "gtk", DISPLAY_GTK, "GTK display" },
    { "vnc", DISPLAY_VNC, "VNC display" },
    { "egl-headless", DISPLAY_NONE, "egl-headless display" },
    { "spice-app", DISPLAY_NONE, "spice-app display" },
    { "dbus", DISPLAY_NONE, "D-Bus display" },
};

int cmdline_parse_display(KemuOptions *o, const char *arg)
{
    Opts opts;
    const char *err;
    if (opts_parse(&opts, arg, "type", &err)) {
        error_report("-display %s: %s", arg, err);
        return -1;
    }
    const char *type = opts_get(&opts, "type");
    int ret = -1;
    if (cl_is_help(type)) {
        printf("Available display backend types:\nnone\n");
        ret = 1;
        goto out;
    }
    for (size_t i = 0; type && i < ARRAY_SIZE(displays); i++) {
        if (strcmp(type, displays[i].name))
            continue;
        if (displays[i].what) {
            error_report("-display %s: %s is not supported yet", arg, displays[i].what);
            goto out;
        }
        if (opts.n > 1) {
            error_report("-display %s: Parameter '%s' is unexpected", arg, opts.v[1].key);
            goto out;
        }
        o->display = displays[i].type;
        ret = 0;
        goto out;
    }
    error_report("-display %s: Parameter 'type' does not accept value '%s'", arg,
                 type ? type : "");
out:
    opts_free(&opts);
    return ret;
}

int cmdline_parse_vga(KemuOptions *o, const char *arg)
{
    static const struct {
        const char *name, *device;
    } cards[] = {
        { "std", "VGA" }, { "cirrus", "cirrus-vga" }, { "vmware", "vmware-svga" },
        { "qxl", "qxl-vga" }, { "virtio", "virtio-vga" }, { "xenfb", NULL },
        { "tcx", NULL }, { "cg3", NULL },
    };
    if (cl_is_help(arg)) {
        printf("none                 no graphic card\n");
        printf("std                  standard VGA (default)\n");
        return 1;
    }
    if (!strcmp(arg, "none")) {
        o->vga_none = o->vga_set = true;
        o->vga = false;
        return 0;
    }
    for (size_t i = 0; i < ARRAY_SIZE(cards); i++) {
        if (strcmp(arg, cards[i].name))
            continue;
        if (cards[i].device && device_class_find(cards[i].device)) {
            o->vga_none = false;
            o->vga = o->vga_set = true;
            return 0;
        }
        error_report("-vga %s: %s is not supported yet", arg,
                     cards[i].device ? cards[i].device : "this card");
        return -1;
    }
    error_report("unknown vga type: %s", arg);
    return -1;
}

int cmdline_parse_vnc(KemuOptions *o, const char *arg)
{
    if (!strcmp(arg, "none"))
        return 0;
    error_report("-vnc %s: VNC display is not supported yet", arg);
    return -1;
}
