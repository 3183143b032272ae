/* Text consoles ("vc" chardevs): where QEMU puts the monitor and the
 * serial port when a display runs.  A vc keeps an 80x25 screen of what
 * its frontend writes; a display (curses: Esc-2/3) shows it and sends
 * the user's typing back as bytes. */
#ifndef KEMU_UI_VC_H
#define KEMU_UI_VC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VC_COLS 80
#define VC_ROWS 25

typedef struct VcScreen {
    uint16_t cells[VC_ROWS * VC_COLS];  /* char | attribute << 8, as VGA text */
    int cursor_x, cursor_y;
} VcScreen;

/* The text consoles: the monitors' first, then the others in the order
 * they were made (Esc-2 is the monitor, Esc-3 the first serial port). */
int vc_count(void);
const VcScreen *vc_screen(int index);
const char *vc_name(int index);
/* Changed since the last call? */
bool vc_take_dirty(int index);
/* Typed bytes for the vc's frontend (dropped when it has no room). */
void vc_input(int index, const uint8_t *buf, size_t len);

#endif
