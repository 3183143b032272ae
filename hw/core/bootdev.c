/* The bootindex registry (bootdev.h). */
#include "hw/core/bootdev.h"
#include "hw/core/util.h"

#include <stdlib.h>
#include <string.h>

typedef struct BootDev {
    uint32_t index;
    char *path;
    struct BootDev *next;
} BootDev;

static BootDev *list;

void bootdev_register(uint32_t bootindex, const char *path)
{
    if (bootindex == BOOTINDEX_NONE)
        return;
    BootDev *b = xzalloc(sizeof(*b)), **p = &list;
    b->index = bootindex;
    b->path = xstrdup(path);
    while (*p && (*p)->index <= bootindex)
        p = &(*p)->next;
    b->next = *p;
    *p = b;
}

char *bootdev_list(void)
{
    size_t len = 1;
    for (BootDev *b = list; b; b = b->next)
        len += strlen(b->path) + 1;
    char *out = xzalloc(len), *o = out;
    for (BootDev *b = list; b; b = b->next) {
        size_t n = strlen(b->path);
        memcpy(o, b->path, n);
        o[n] = '\n';
        o += n + 1;
    }
    return out;
}
