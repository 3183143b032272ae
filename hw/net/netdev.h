/* Host network backends from option strings: -net TYPE,..., -netdev
 * TYPE,id=..., the monitor's netdev_add, and the backends' constructors. */
#ifndef KEMU_NETDEV_H
#define KEMU_NETDEV_H

#include "hw/core/opts.h"
#include "hw/core/net.h"

struct Chardev;

/* Check o's keys against its type; "OPT ARG: Invalid parameter 'K'" etc.
 * Returns 0 or -1 after error_report(). */
int netdev_check(const Opts *o, const char *opt, const char *arg);
/* Create the backend o describes (its keys checked), named id= (or name=,
 * or generated).  hub >= 0 (-net): it hangs on a new port of that hub.
 * Returns NULL after error_report().  what is "-net ARG" for messages
 * (backends keep their own copy). */
NetClient *netdev_create(const Opts *o, int hub, const char *what);
/* netdev_del: only what -netdev/netdev_add created. */
int netdev_delete(const char *id);

/* The chardev a guestfwd= rule names by spec: made by ui/, which owns the
 * chardev backends (registered at start-up). */
typedef struct Chardev *(*NetChardevFactory)(const char *label, const char *spec);
void netdev_set_chardev_factory(NetChardevFactory fn);
struct Chardev *netdev_make_chardev(const char *label, const char *spec);

/* The backends (hw/net/slirp.c, socket.c, tap.c). */
NetClient *net_user_new(const Opts *o, const char *name, const char *what);
NetClient *net_socket_new(const Opts *o, const char *name, const char *what);
NetClient *net_tap_new(const Opts *o, const char *name, const char *what);

#endif
