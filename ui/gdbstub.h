/* The gdbstub: GDB's remote serial protocol on a TCP port (-s, -gdb). */
#ifndef KEMU_GDBSTUB_H
#define KEMU_GDBSTUB_H

#include <stddef.h>

#include "hw/core/machine.h"

/* Listen for GDB as -gdb spec says: "tcp::PORT", "tcp:HOST:PORT", "PORT"
 * (options after a ',' such as server,nowait are accepted and ignored),
 * "none", or any chardev spec (stdio, pty, unix:PATH,server, a device).
 * Called again (the monitor's gdbserver), it replaces the previous
 * listener; "none" then only stops it.  opt names the option for messages ("-gdb", "-s").  Call with
 * the big lock held after the machine is built.  Returns 0, or -1 after
 * error_report(). */
int gdbstub_start(Machine *m, const char *opt, const char *spec);
/* Check spec and split a TCP one into host ("" for any) and port.  Returns
 * 0 for TCP, 1 for a chardev spec (checked when it is created), or -1
 * after error_report(). */
int gdbstub_parse_spec(const char *opt, const char *spec, char *host, size_t host_size,
                       char *port, size_t port_size);

#endif
