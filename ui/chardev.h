/* Character devices: the host end of a serial port or monitor (stdio, mux,
 * file, pty, tcp/unix sockets, null).  A frontend (UART, monitor) attaches
 * with chr_attach(); input arrives on the event loop through can_read/read. */
#ifndef KEMU_CHARDEV_H
#define KEMU_CHARDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct Chardev Chardev;

typedef struct ChrFrontend {
    /* How many bytes the frontend can take now (UART FIFO room). */
    size_t (*can_read)(void *opaque);
    void (*read)(void *opaque, const uint8_t *buf, size_t len);
    void *opaque;
    /* Optional: CHR_EVENT_* (a client connected, a break, mux focus). */
    void (*event)(void *opaque, int event);
} ChrFrontend;

enum {
    CHR_EVENT_OPENED,       /* a peer is there (socket client, stdio at start) */
    CHR_EVENT_CLOSED,       /* the peer went away */
    CHR_EVENT_BREAK,        /* serial break (Ctrl-a b on a mux) */
    CHR_EVENT_MUX_IN,       /* this frontend now has the mux's input focus */
    CHR_EVENT_MUX_OUT,      /* ... and lost it */
};

/* Create from a -serial/-monitor/-chardev spec ("stdio", "file:PATH",
 * "pty", "tcp:HOST:PORT,server,nowait", "unix:PATH,server", "null",
 * "none" -> NULL with *none set).  Returns NULL after error_report(). */
Chardev *chr_new(const char *label, const char *spec);
/* Bytes from the guest/monitor to the host; never blocks the caller for long
 * (output to a slow socket is buffered or dropped, as a UART with no
 * listener would). */
void chr_write(Chardev *chr, const uint8_t *buf, size_t len);
void chr_printf(Chardev *chr, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void chr_attach(Chardev *chr, const ChrFrontend *fe);
/* Frontend room became available: poll the backend again. */
void chr_accept_input(Chardev *chr);
const char *chr_label(const Chardev *chr);
Chardev *chr_find(const char *label);
/* Restore terminals etc. (atexit). */
void chr_cleanup_all(void);

/* -chardev BACKEND,id=ID,... (null, stdio, file, pty, socket; mux=on).
 * Returns NULL after error_report(). */
Chardev *chr_new_from_opts(const char *spec);
/* "none": the port or monitor is absent (chr_new is not to be called). */
bool chr_spec_is_none(const char *spec);
/* A spec of the "mon:" form: the monitor shares the chardev (a mux). */
bool chr_spec_has_monitor(const char *spec);
/* Whether chr multiplexes several frontends (Ctrl-a c switches). */
bool chr_is_mux(const Chardev *chr);
/* What `info chardev` prints after "label: filename=". */
const char *chr_filename(const Chardev *chr);
void chr_foreach(void (*fn)(Chardev *chr, void *opaque), void *opaque);
/* What Ctrl-a x on a mux does after printing "kemu: Terminated": the main
 * loop's orderly quit when set, else exit(0). */
void chr_set_quit_handler(void (*fn)(void));
/* Drop every chardev (tests); restores the terminal. */
void chr_free_all(void);

#endif
