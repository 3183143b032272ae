#include "hw/core/log.h"
#include "hw/core/error.h"
#include "hw/core/opts.h"

#include <stdarg.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

unsigned log_mask;
static FILE *logf;

static const struct {
    const char *name;
    unsigned mask;
    const char *help;
} items[] = {
    { "in_asm", LOG_IN_ASM, "show target assembly code for each compiled TB" },
    { "op", LOG_OP, "show micro ops for each compiled TB" },
    { "int", LOG_INT, "show interrupts/exceptions in short format" },
    { "exec", LOG_EXEC, "show trace before each executed TB (lots of logs)" },
    { "cpu", LOG_CPU, "show CPU registers before entering a TB (lots of logs)" },
    { "guest_errors", LOG_GUEST_ERROR, "log when the guest OS does something invalid" },
    { "unimp", LOG_UNIMP, "log unimplemented functionality" },
    { "accel", LOG_ACCEL, "log accelerator selection and events" },
    { "out_asm", LOG_OUT_ASM, "show generated host assembly code for each compiled TB" },
};

int log_parse_items(const char *s)
{
    if (!strcmp(s, "help") || !strcmp(s, "?")) {
        printf("Log items (comma separated):\n");
        for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++)
            printf("%-15s %s\n", items[i].name, items[i].help);
        return 1;
    }
    unsigned mask = 0;
    char *copy = strdup(s), *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        size_t i;
        for (i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
            if (!strcmp(t, items[i].name)) {
                mask |= items[i].mask;
                break;
            }
        }
        if (i == sizeof(items) / sizeof(items[0])) {
            error_report("-d %s: unknown log item '%s' (see -d help)", s, t);
            free(copy);
            return -1;
        }
    }
    free(copy);
    log_mask |= mask;
    return 0;
}

int log_set_file(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        error_report("-D %s: %s", path, strerror(errno));
        return -1;
    }
    setvbuf(f, NULL, _IOLBF, 0);
    logf = f;
    return 0;
}

FILE *log_file(void)
{
    return logf ? logf : stderr;
}

void log_lock(void)
{
    flockfile(log_file());
}

void log_unlock(void)
{
    funlockfile(log_file());
}

void log_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(log_file(), fmt, ap);
    va_end(ap);
}
