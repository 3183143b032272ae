#include "accel/accel.h"

#include <string.h>

static AccelOps *accels;

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
