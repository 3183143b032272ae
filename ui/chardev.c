#include "ui/chardev.h"

#include <stddef.h>

Chardev *chr_find(const char *label)
{
    (void)label;
    return NULL;
}
