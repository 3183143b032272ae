#include "hw/core/error.h"

#include <stdio.h>
#include <stdlib.h>

const char *error_progname = "kemu";

void error_vreport(const char *fmt, va_list ap)
{
    fprintf(stderr, "%s: ", error_progname);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void error_report(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_vreport(fmt, ap);
    va_end(ap);
}

void warn_report(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: warning: ", error_progname);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void fatal(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_vreport(fmt, ap);
    va_end(ap);
    exit(1);
}

void kemu_bug(const char *file, int line, const char *msg)
{
    fprintf(stderr, "%s: internal error at %s:%d: %s\n", error_progname, file, line, msg);
    abort();
}
