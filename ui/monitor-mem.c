/* `xp /FMT ADDR`: guest physical memory, laid out as QEMU prints it.
 * FMT is [count][format][size]: format x (hex), d, u, o, c; size b, h, w,
 * g.  The last format and size are remembered, as QEMU does. */
#include "ui/monitor-int.h"
#include "hw/core/util.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XP_MAX_BYTES (64 * 1024)    /* one command dumps at most this much */

static char last_fmt = 'x';
static unsigned last_size = 4;

static int size_of(char c)
{
    switch (c) {
    case 'b': return 1;
    case 'h': return 2;
    case 'w': return 4;
    case 'g': return 8;
    default: return 0;
    }
}

/* Parse "/4xw"; returns the rest of args or NULL on a bad format. */
static const char *parse_fmt(const char *args, unsigned long *count, char *fmt, unsigned *size)
{
    *count = 1;
    *fmt = last_fmt;
    *size = last_size;
    if (*args != '/')
        return args;
    args++;
    if (isdigit((unsigned char)*args))
        *count = strtoul(args, (char **)&args, 10);
    for (; *args && *args != ' '; args++) {
        if (strchr("xduoc", *args))
            *fmt = *args;
        else if (size_of(*args))
            *size = (unsigned)size_of(*args);
        else
            return NULL;
    }
    if (*fmt == 'c')
        *size = 1;
    while (*args == ' ')
        args++;
    return args;
}

static void print_value(Monitor *mon, char fmt, unsigned size, uint64_t v)
{
    static const int dec_width[9] = { 0, 3, 5, 0, 10, 0, 0, 0, 20 };
    switch (fmt) {
    case 'x':
        monitor_printf(mon, " 0x%0*" PRIx64, (int)size * 2, v);
        break;
    case 'o':
        monitor_printf(mon, " %#*" PRIo64, (int)size * 3 + 1, v);
        break;
    case 'u':
        monitor_printf(mon, " %*" PRIu64, dec_width[size], v);
        break;
    case 'd': {
        int shift = 64 - 8 * (int)size;
        int64_t sv = (int64_t)(v << shift) >> shift;
        monitor_printf(mon, " %*" PRId64, dec_width[size], sv);
        break;
    }
    case 'c':
        if (isprint((int)v))
            monitor_printf(mon, " '%c'", (int)v);
        else
            monitor_printf(mon, " '\\x%02x'", (unsigned)v);
        break;
    }
}

void monitor_xp(Monitor *mon, const char *args)
{
    unsigned long count;
    char fmt;
    unsigned size;
    const char *rest = parse_fmt(args, &count, &fmt, &size);
    uint64_t addr;
    if (!rest || parse_uint(rest, &addr)) {
        monitor_printf(mon, "xp: usage: xp /[count][xduoc][bhwg] physical-address\n");
        return;
    }
    last_fmt = fmt;
    last_size = size;
    if (count * size > XP_MAX_BYTES)
        count = XP_MAX_BYTES / size;
    for (unsigned long i = 0; i < count; i++) {
        uint64_t a = addr + i * size;
        if (i % (16 / size) == 0)
            monitor_printf(mon, "%s%016" PRIx64 ":", i ? "\n" : "", a);
        uint8_t buf[8] = { 0 };
        as_read(&mon->m->mem, a, buf, size);   /* nothing there reads as all ones */
        uint64_t v = 0;
        for (unsigned b = 0; b < size; b++)
            v |= (uint64_t)buf[b] << (8 * b);
        print_value(mon, fmt, size, v);
    }
    monitor_printf(mon, "\n");
}
