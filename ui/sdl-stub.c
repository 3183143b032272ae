/* kemu without SDL2: the command line refuses -display sdl, so these are
 * never asked to show anything. */
#include "ui/display.h"
#include "hw/core/error.h"

int sdl_display_start(Machine *m, bool full_screen, bool window_close)
{
    error_report("-display sdl: kemu was built without SDL2");
    return -1;
}

void sdl_display_cleanup(void)
{
}
