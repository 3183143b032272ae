/* The registered absolute pointing device (see input.h). */
#include "hw/core/input.h"

#include <stddef.h>

static const InputAbsOps *abs_ops;
static void *abs_opaque;
static const char *abs_name;

void input_abs_register(const char *name, const InputAbsOps *ops, void *opaque)
{
    if (abs_ops)
        return;
    abs_ops = ops;
    abs_opaque = opaque;
    abs_name = name;
}

void input_abs_unregister(void *opaque)
{
    if (abs_opaque == opaque) {
        abs_ops = NULL;
        abs_opaque = NULL;
        abs_name = NULL;
    }
}

bool input_abs_present(void)
{
    return abs_ops != NULL;
}

const char *input_abs_name(void)
{
    return abs_name;
}

static int clamp_axis(int v)
{
    return v < 0 ? 0 : v > INPUT_ABS_MAX ? INPUT_ABS_MAX : v;
}

void input_abs_event(int x, int y, int dz, int buttons)
{
    if (abs_ops)
        abs_ops->event(abs_opaque, clamp_axis(x), clamp_axis(y), dz, buttons);
}
