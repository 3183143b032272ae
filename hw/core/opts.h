/* QEMU-style option strings: "value,key=val,flag,key2=a,,b".
 * ",," is a literal comma.  A leading element without '=' is the implied
 * key (e.g. -m 512 -> size=512, -machine pc -> type=pc).  Used by the
 * command line and by device properties. */
#ifndef KEMU_OPTS_H
#define KEMU_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct Opt {
    char *key, *val;
} Opt;

typedef struct Opts {
    Opt *v;
    size_t n;
} Opts;

/* Parse str; a first element without '=' gets implied_key (or, if NULL, is
 * a flag "key" with value "on").  Later bare words are flags ("server"
 * -> server=on, "noserver" is not special).  Returns 0, or -1 with *err set
 * to a static message. */
int opts_parse(Opts *o, const char *str, const char *implied_key, const char **err);
void opts_free(Opts *o);
/* Last value of key, or NULL. */
const char *opts_get(const Opts *o, const char *key);
/* Remove key (all occurrences); returns whether it was present. */
bool opts_del(Opts *o, const char *key);

#endif
