/* -display, -vga, -vnc, -k: which displays run (ui/display.c starts
 * them) and which graphics card the board builds. */
#include "ui/cmdline-int.h"
#include "config.h"
#include "hw/core/device.h"
#include "hw/core/error.h"
#include "hw/core/util.h"
#include "ui/vnc.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const sdl_keys[] = { "type", "gl", "grab-mod", "show-cursor",
                                        "window-close", NULL };
static const char *const curses_keys[] = { "type", "charset", NULL };

#ifdef CONFIG_SDL
#define SDL_MISSING NULL
#else
#define SDL_MISSING "SDL display (kemu was built without SDL2)"
#endif
#ifdef CONFIG_CURSES
#define CURSES_MISSING NULL
#else
#define CURSES_MISSING "curses display (kemu was built without ncurses)"
#endif

static const struct {
    const char *name;
    DisplayType type;
    const char *what;           /* not built in: why it is refused */
    const char *const *keys;
} displays[] = {
    { "none", DISPLAY_NONE, NULL, NULL },
    { "sdl", DISPLAY_SDL, SDL_MISSING, sdl_keys },
    { "curses", DISPLAY_CURSES, CURSES_MISSING, curses_keys },
    { "gtk", DISPLAY_GTK, "GTK display", NULL },
    { "egl-headless", DISPLAY_NONE, "egl-headless display", NULL },
    { "spice-app", DISPLAY_NONE, "spice-app display", NULL },
    { "dbus", DISPLAY_NONE, "D-Bus display", NULL },
};

static void display_help(void)
{
    printf("Available display backend types:\n");
    for (size_t i = 0; i < ARRAY_SIZE(displays); i++) {
        if (!displays[i].what)
            printf("%s\n", displays[i].name);
    }
}

/* -display vnc=SPEC: the VNC server, nothing else. */
static int parse_display_vnc(KemuOptions *o, const char *arg)
{
    if (strncmp(arg, "vnc=", 4)) {
        error_report("-display %s: VNC requires a display argument vnc=<display>", arg);
        return -1;
    }
    if (vnc_check_spec("-display", arg + 4))
        return -1;
    cl_set_str(&o->vnc, arg + 4);
    o->display = DISPLAY_VNC;
    return 0;
}

static int display_options(KemuOptions *o, const Opts *opts, const char *arg,
                           const char *const *keys)
{
    for (size_t i = 1; i < opts->n; i++) {
        if (!keys || cl_unknown_key(&(Opts){ .v = opts->v + i, .n = 1 }, keys)) {
            error_report("-display %s: Parameter '%s' is unexpected", arg, opts->v[i].key);
            return -1;
        }
    }
    bool on, gl, cursor;
    const char *mod = opts_get(opts, "grab-mod"), *charset = opts_get(opts, "charset");
    if (cl_bool(opts, "window-close", true, &on, "-display", arg, NULL) ||
        cl_bool(opts, "gl", false, &gl, "-display", arg, NULL) ||
        cl_bool(opts, "show-cursor", false, &cursor, "-display", arg, NULL))
        return -1;
    if (gl || cursor || (mod && strcmp(mod, "lctrl-lalt")) ||
        (charset && strcasecmp(charset, "CP437"))) {
        error_report("-display %s: %s is not supported", arg,
                     gl ? "OpenGL (gl=on)" : cursor ? "show-cursor=on" :
                     charset ? "a character set other than CP437" :
                     "a grab modifier other than lctrl-lalt");
        return -1;
    }
    o->window_close = on;
    return 0;
}

int cmdline_parse_display(KemuOptions *o, const char *arg)
{
    Opts opts;
    const char *err;
    if (!strncmp(arg, "vnc", 3) && (!arg[3] || arg[3] == '=' || arg[3] == ','))
        return parse_display_vnc(o, arg);
    if (opts_parse(&opts, arg, "type", &err)) {
        error_report("-display %s: %s", arg, err);
        return -1;
    }
    const char *type = opts_get(&opts, "type");
    int ret = -1;
    if (cl_is_help(type)) {
        display_help();
        ret = 1;
        goto out;
    }
    for (size_t i = 0; type && i < ARRAY_SIZE(displays); i++) {
        if (strcmp(type, displays[i].name))
            continue;
        if (displays[i].what) {
            error_report("-display %s: %s is not supported", arg, displays[i].what);
            goto out;
        }
        if (display_options(o, &opts, arg, displays[i].keys))
            goto out;
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
        printf("cirrus               Cirrus VGA\n");
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
            o->vga_card = cards[i].device;
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
    if (vnc_check_spec("-vnc", arg))
        return -1;
    cl_set_str(&o->vnc, arg);
    return 0;
}

int cmdline_parse_keymap(KemuOptions *o, const char *arg)
{
    cl_set_str(&o->keymap, arg);
    return 0;
}
