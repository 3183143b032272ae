#include "accel/accel.h"

#include <string.h>

static AccelOps *accels;
static AccelDebugStopFn *debug_stop_handler;

void accel_register(AccelOps *ops)
{
    AccelOps **p = &accels;
    while (*p && strcmp((*p)->name, ops->name) < 0)
        p = &(*p)->next;
    ops->next = *p;
    *p = ops;
}

const AccelOps *accel_find(const char *name)
{
    for (AccelOps *a = accels; a; a = a->next) {
        if (!strcmp(a->name, name))
            return a;
    }
    return NULL;
}

void accel_foreach(void (*fn)(const AccelOps *ops, void *opaque), void *opaque)
{
    for (AccelOps *a = accels; a; a = a->next)
        fn(a, opaque);
}

void accel_set_debug_stop_handler(AccelDebugStopFn *fn)
{
    debug_stop_handler = fn;
}

void accel_debug_stopped(struct CPUState *cpu, int reason, uint64_t addr)
{
    if (debug_stop_handler)
        debug_stop_handler(cpu, reason, addr);
}
