/* Absolute pointing devices (a USB tablet): the device registers how it
 * takes a pointer position, and the displays reach it only through here,
 * so no display knows which device points and no device knows which
 * display moved the pointer.  The relative PS/2 mouse stays with the
 * keyboard controller. */
#ifndef KEMU_INPUT_H
#define KEMU_INPUT_H

#include <stdbool.h>

#define INPUT_ABS_MAX 0x7fff    /* both axes run 0..INPUT_ABS_MAX */
#define INPUT_BTN_LEFT 1
#define INPUT_BTN_RIGHT 2
#define INPUT_BTN_MIDDLE 4

typedef struct InputAbsOps {
    /* The pointer is at (x, y) in 0..INPUT_ABS_MAX, the wheel turned dz
     * steps (down positive), buttons INPUT_BTN_*. */
    void (*event)(void *opaque, int x, int y, int dz, int buttons);
} InputAbsOps;

/* The first device registered receives the events; name is what
 * `info mice` shows. */
void input_abs_register(const char *name, const InputAbsOps *ops, void *opaque);
void input_abs_unregister(void *opaque);
bool input_abs_present(void);
const char *input_abs_name(void);
void input_abs_event(int x, int y, int dz, int buttons);

#endif
