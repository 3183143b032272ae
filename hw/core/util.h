/* Small helpers shared by kemu and kemu-img: sizes, numbers, allocation. */
#ifndef KEMU_UTIL_H
#define KEMU_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define KiB (1024ULL)
#define MiB (1024ULL * KiB)
#define GiB (1024ULL * MiB)
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((uint64_t)(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a) - 1))
#define container_of(ptr, type, member) \
    ((type *)((char *)(ptr) - offsetof(type, member)))

/* Allocation that never returns NULL (out of memory is fatal). */
void *xmalloc(size_t n);
void *xzalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Parse a size with an optional suffix (k, K, m, M, g, G, t, T, also
 * "kB"/"KiB" forms are not accepted, as QEMU).  default_suffix is applied to
 * a bare number ('M' for -m, 'B' for byte sizes).  Returns 0 or -1 on a
 * malformed value or overflow. */
int parse_size(const char *s, char default_suffix, uint64_t *out);

/* Parse an unsigned integer (decimal, 0x hex or 0 octal).  Returns 0/-1. */
int parse_uint(const char *s, uint64_t *out);

/* Parse on/off/yes/no/true/false. Returns 0/-1. */
int parse_bool(const char *s, bool *out);

/* Format a byte count the way QEMU does ("512 MiB", "1.5 GiB"). */
void format_size(uint64_t bytes, char *buf, size_t len);

/* Host monotonic clock in nanoseconds. */
int64_t host_clock_ns(void);

#endif
