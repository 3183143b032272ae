/* Starting the displays the command line asked for (after the machine is
 * built, in the daemon's child with -daemonize): the display core, the VNC
 * server, and the curses or SDL front end. */
#ifndef KEMU_UI_DISPLAY_H
#define KEMU_UI_DISPLAY_H

#include <stdbool.h>

#include "hw/core/machine.h"
#include "ui/cmdline.h"

int display_start(Machine *m, const KemuOptions *o);
/* Give the terminal or window back (at exit). */
void display_cleanup(void);

/* ui/curses.c (ui/curses-stub.c without ncurses). */
int curses_display_start(Machine *m);
void curses_display_cleanup(void);
/* ui/sdl.c (ui/sdl-stub.c without SDL2). */
int sdl_display_start(Machine *m, bool full_screen, bool window_close);
void sdl_display_cleanup(void);

#endif
