/* Starting the displays (see display.h). */
#include "ui/display.h"
#include "hw/core/error.h"
#include "ui/console.h"
#include "ui/vnc.h"

int display_start(Machine *m, const KemuOptions *o)
{
    console_init(m);
    if (o->keymap && vnc_set_keymap(o->keymap))
        return -1;
    if (o->vnc && vnc_start(m, o->display == DISPLAY_VNC ? "-display vnc=" : "-vnc", o->vnc))
        return -1;
    if (o->display == DISPLAY_CURSES && o->daemonize) {
        error_report("curses display cannot be used with -daemonize");
        return -1;
    }
    if (o->display == DISPLAY_CURSES)
        return curses_display_start(m);
    if (o->display == DISPLAY_SDL)
        return sdl_display_start(m, o->full_screen, o->window_close);
    return 0;
}

void display_cleanup(void)
{
    vnc_cleanup();
    curses_display_cleanup();
    sdl_display_cleanup();
}
