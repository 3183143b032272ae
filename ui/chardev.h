/* Character devices: the host end of a serial port or monitor (stdio, mux,
 * file, pty, tcp/unix sockets, null), made from command-line specs.  What
 * a frontend (UART, monitor) uses is in hw/core/chardev.h. */
#ifndef KEMU_CHARDEV_H
#define KEMU_CHARDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/core/chardev.h"

/* Create from a -serial/-monitor/-chardev spec ("stdio", "file:PATH",
 * "pty", "tcp:HOST:PORT,server,nowait", "unix:PATH,server", "null",
 * "none" -> NULL with *none set).  Returns NULL after error_report(). */
Chardev *chr_new(const char *label, const char *spec);
/* Restore terminals etc. (atexit). */
void chr_cleanup_all(void);

/* -chardev BACKEND,id=ID,... (null, stdio, file, pty, socket; mux=on).
 * Returns NULL after error_report(). */
Chardev *chr_new_from_opts(const char *spec);
/* "none": the port or monitor is absent (chr_new is not to be called). */
bool chr_spec_is_none(const char *spec);
/* A spec of the "mon:" form: the monitor shares the chardev (a mux). */
bool chr_spec_has_monitor(const char *spec);
/* What Ctrl-a x on a mux does after printing "kemu: Terminated": the main
 * loop's orderly quit when set, else exit(0). */
void chr_set_quit_handler(void (*fn)(void));
/* Drop every chardev (tests); restores the terminal. */
void chr_free_all(void);

#endif
