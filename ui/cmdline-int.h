/* Helpers shared by the command-line files (not for other layers). */
#ifndef KEMU_CMDLINE_INT_H
#define KEMU_CMDLINE_INT_H

#include "hw/core/opts.h"
#include "ui/cmdline.h"

/* Parse arg into o; on a syntax error or a key outside keys (NULL-ended,
 * NULL = any key) report "OPT ARG: ..." and return -1.  A bad key is
 * reported as QEMU does for most options: "Invalid parameter 'KEY'". */
int cl_opts(Opts *o, const char *opt, const char *arg, const char *implied,
            const char *const *keys);
/* The first key of o not in keys, or NULL. */
const char *cl_unknown_key(const Opts *o, const char *const *keys);
/* on/off value of key (def when absent); -1 after "Parameter 'NAME'
 * expects 'on' or 'off'" (NAME = prefix.key, or key if prefix is NULL). */
int cl_bool(const Opts *o, const char *key, bool def, bool *out,
            const char *opt, const char *arg, const char *prefix);
/* A help request: "help" or "?". */
bool cl_is_help(const char *s);
char *cl_strdup(const char *s);
void cl_set_str(char **slot, const char *s);

/* A QEMU option kemu does not implement yet: -1 if name is none of them,
 * else whether it takes an argument (ui/cmdline-misc.c). */
int cmdline_later_option(const char *name);
/* The parsed options drive_get() answers from. */
void cmdline_set_current(const KemuOptions *o);

#endif
