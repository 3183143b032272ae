/* kemu without ncurses: the command line refuses -display curses, so
 * these are never asked to show anything. */
#include "ui/display.h"
#include "hw/core/error.h"

int curses_display_start(Machine *m)
{
    error_report("-display curses: kemu was built without ncurses");
    return -1;
}

void curses_display_cleanup(void)
{
}
