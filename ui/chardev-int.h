/* Chardev internals shared by the backends (ui/chardev*.c only); the
 * Chardev object and its ops are hw/core/chardev-backend.h. */
#ifndef KEMU_CHARDEV_INT_H
#define KEMU_CHARDEV_INT_H

#include "hw/core/chardev-backend.h"
#include "ui/chardev.h"
#include "hw/core/opts.h"

/* Backends: each returns NULL after error_report(); opt/arg name the option
 * for messages. */
Chardev *chr_stdio_new(const char *label, const char *opt, const char *arg, bool signals);
Chardev *chr_file_new(const char *label, const char *opt, const char *arg,
                      const char *path, bool append);
Chardev *chr_null_new(const char *label, const char *filename);
Chardev *chr_pty_new(const char *label, const char *opt, const char *arg);
Chardev *chr_socket_new(const char *label, const char *opt, const char *arg, const Opts *o);
Chardev *chr_mux_new(const char *label, Chardev *backend);
Chardev *chr_vc_new(const char *label);

/* The terminal: raw mode for stdio, restored at exit and on fatal signals. */
void chr_term_set_raw(bool signals);
void chr_term_restore(void);

#endif
