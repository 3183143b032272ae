#include "hw/core/util.h"
#include "hw/core/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        fatal("out of memory allocating %zu bytes", n);
    return p;
}

void *xzalloc(size_t n)
{
    void *p = calloc(1, n ? n : 1);
    if (!p)
        fatal("out of memory allocating %zu bytes", n);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        fatal("out of memory allocating %zu bytes", n);
    return p;
}

char *xstrdup(const char *s)
{
    char *d = strdup(s);
    if (!d)
        fatal("out of memory");
    return d;
}

char *xvasprintf(const char *fmt, va_list ap)
{
    char *s;
    if (vasprintf(&s, fmt, ap) < 0)
        fatal("out of memory");
    return s;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = xvasprintf(fmt, ap);
    va_end(ap);
    return s;
}

static int suffix_shift(char c, int *shift)
{
    switch (c) {
    case 'b': case 'B': *shift = 0; return 0;
    case 'k': case 'K': *shift = 10; return 0;
    case 'm': case 'M': *shift = 20; return 0;
    case 'g': case 'G': *shift = 30; return 0;
    case 't': case 'T': *shift = 40; return 0;
    case 'p': case 'P': *shift = 50; return 0;
    case 'e': case 'E': *shift = 60; return 0;
    default: return -1;
    }
}

int parse_size(const char *s, char default_suffix, uint64_t *out)
{
    char *end;
    int shift;

    if (!s || !*s || *s == '-' || *s == ' ')
        return -1;
    errno = 0;
    /* QEMU accepts fractional values with a suffix ("1.5G"). */
    double frac = strtod(s, &end);
    if (errno || end == s)
        return -1;
    if (*end == '\0') {
        if (suffix_shift(default_suffix, &shift))
            return -1;
    } else if (suffix_shift(*end, &shift) || end[1] != '\0') {
        return -1;
    }
    /* Integers keep full 64-bit precision; only fractions go through double. */
    const char *dot = strchr(s, '.');
    if (dot && dot < end) {
        double v = frac * (double)(1ULL << shift);
        if (v >= 18446744073709551616.0 || v < 0)
            return -1;
        *out = (uint64_t)v;
        return 0;
    }
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno)
        return -1;
    if (shift && v > (UINT64_MAX >> shift))
        return -1;
    *out = (uint64_t)v << shift;
    return 0;
}

int parse_uint(const char *s, uint64_t *out)
{
    char *end;
    if (!s || !*s || *s == '-')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

int parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = { "on", "yes", "true", "y" };
    static const char *const no[] = { "off", "no", "false", "n" };
    for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
        if (!strcasecmp(s, yes[i])) {
            *out = true;
            return 0;
        }
        if (!strcasecmp(s, no[i])) {
            *out = false;
            return 0;
        }
    }
    return -1;
}

void format_size(uint64_t bytes, char *buf, size_t len)
{
    static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
    int i = 0;
    double v = (double)bytes;
    /* Switch unit at 1000 of the smaller one so the number keeps <= 3 digits,
     * as qemu-img's size_to_str does. */
    while (v >= 1000.0 && i < (int)ARRAY_SIZE(units) - 1) {
        v /= 1024.0;
        i++;
    }
    snprintf(buf, len, "%0.3g %s", v, units[i]);
}

int64_t host_clock_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
