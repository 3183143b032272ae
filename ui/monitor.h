/* The human monitor (HMP) on a chardev: prompt "(kemu) ", QEMU's commands
 * (help, info ..., stop, cont, system_reset, quit). */
#ifndef KEMU_MONITOR_H
#define KEMU_MONITOR_H

#include <stdbool.h>

#include "hw/core/machine.h"
#include "ui/chardev.h"

typedef struct Monitor Monitor;

/* Attach a monitor to chr (a mux or a plain chardev). */
Monitor *monitor_new(Machine *m, Chardev *chr);
/* Run one command line as if typed (tests, and the line editor). */
void monitor_execute(Monitor *mon, const char *line);
void monitor_printf(Monitor *mon, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Set by "quit": the main loop exits with status 0 even with -no-shutdown. */
extern _Atomic bool monitor_quit_requested;

#endif
