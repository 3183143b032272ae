/* Code page 437 (the VGA text mode's characters) to Unicode. */
#ifndef KEMU_UI_CP437_H
#define KEMU_UI_CP437_H

#include <stdint.h>

extern const uint16_t cp437_to_unicode[256];

#endif
