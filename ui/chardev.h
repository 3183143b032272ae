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
} ChrFrontend;

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

#endif
