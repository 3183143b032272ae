/* The VNC server (RFB 3.3/3.7/3.8, RFC 6143) on the display core: -vnc
 * and -display vnc=, the monitor's passwords and `info vnc`. */
#ifndef KEMU_UI_VNC_H
#define KEMU_UI_VNC_H

#include <stdbool.h>

#include "hw/core/machine.h"

/* Check a -vnc argument without starting anything (the command line):
 * 0, or -1 after error_report naming opt ("-vnc", "-display"). */
int vnc_check_spec(const char *opt, const char *spec);
/* Start the server ("none": no server, but `info vnc` shows one display).
 * 0, or -1 after error_report. */
int vnc_start(Machine *m, const char *opt, const char *spec);
/* -k LAYOUT: the keyboard layout of VNC clients' keysyms (default
 * en-us); 0, or -1 after error_report. */
int vnc_set_keymap(const char *layout);

/* The monitor's interface.  Each returns 0, or -1 with *err set. */
int vnc_set_password(const char *password, const char **err);
int vnc_expire_password(const char *when, const char **err);
/* `info vnc` text (caller frees). */
char *vnc_info(void);
/* At exit: remove the server's UNIX socket. */
void vnc_cleanup(void);

#endif
