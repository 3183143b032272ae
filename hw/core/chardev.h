/* Character devices as frontends see them: a UART or the monitor attaches
 * with chr_attach() and writes with chr_write(); input arrives on the event
 * loop through can_read/read.  The backends (stdio, file, pty, sockets,
 * mux) and their command-line specs are ui/'s (ui/chardev.h); they plug in
 * through hw/core/chardev-backend.h. */
#ifndef KEMU_HW_CORE_CHARDEV_H
#define KEMU_HW_CORE_CHARDEV_H

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
/* Whether chr multiplexes several frontends (Ctrl-a c switches). */
bool chr_is_mux(const Chardev *chr);
/* What `info chardev` prints after "label: filename=". */
const char *chr_filename(const Chardev *chr);
void chr_foreach(void (*fn)(Chardev *chr, void *opaque), void *opaque);

#endif
