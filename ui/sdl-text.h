/* The text consoles in a window: drawn with the host's console font (a
 * PSF font from Debian's console-setup-linux or kbd), as no guest font is
 * there to borrow. */
#ifndef KEMU_UI_SDL_TEXT_H
#define KEMU_UI_SDL_TEXT_H

#include <stdbool.h>
#include <stdint.h>

#include "ui/vc.h"

/* Whether a console font was found (loaded on the first call). */
bool sdl_text_available(void);
/* The screen as 0x00RRGGBB pixels, w x h (caller frees). */
uint32_t *sdl_text_render(const VcScreen *s, int *w, int *h);

#endif
