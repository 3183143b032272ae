/* Error reporting: every message a user sees starts with "kemu: " and names
 * the thing it is about (an option, a file, a device). */
#ifndef KEMU_ERROR_H
#define KEMU_ERROR_H

#include <stdarg.h>
#include <stdnoreturn.h>

/* Program name used as the message prefix ("kemu", "kemu-img"). */
extern const char *error_progname;

/* Print "PROG: <message>\n" to stderr. */
void error_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void error_vreport(const char *fmt, va_list ap);
/* Print "PROG: warning: <message>\n" to stderr. */
void warn_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* error_report() then exit(1). */
noreturn void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Abort on an internal invariant violation (a kemu bug, never bad input). */
#define KEMU_BUG(msg) kemu_bug(__FILE__, __LINE__, msg)
noreturn void kemu_bug(const char *file, int line, const char *msg);

#endif
