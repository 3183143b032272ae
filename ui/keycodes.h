/* Key numbers shared by every display and the monitor: a key is its
 * "number" as QEMU's sendkey knows it, the PC/XT (set 1) make code, with
 * 0x80 added for the keys sent after an 0xe0 prefix (right Ctrl is 0x9d).
 * The console turns a number into the scan codes of the set the guest
 * reads (keycode_scancodes). */
#ifndef KEMU_UI_KEYCODES_H
#define KEMU_UI_KEYCODES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KEY_PAUSE 0xc6          /* E1-prefixed in every set */

/* QEMU's key name (sendkey, "ctrl", "alt", "delete", "kp_5", ...) to its
 * number; -1 if unknown. */
int keycode_from_name(const char *name);
/* The key of a printable ASCII character on the US layout, and whether
 * Shift makes it (shift may be NULL); -1 if none. */
int keycode_from_ascii(int c, bool *shift);
/* The name of a key number, or NULL. */
const char *keycode_name(int key);
/* The bytes a key press (down) or release sends in scan code set 1, 2 or
 * 3 (set 3 is sent as set 2); returns their count (at most 8), 0 for an
 * unknown key. */
size_t keycode_scancodes(int key, bool down, int set, uint8_t *out);

#endif
