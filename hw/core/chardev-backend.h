/* What a chardev backend (ui/chardev-*.c) builds on: the Chardev object,
 * its ops, and the registry, fd polling and output queue the core keeps
 * (hw/core/chardev.c). */
#ifndef KEMU_HW_CORE_CHARDEV_BACKEND_H
#define KEMU_HW_CORE_CHARDEV_BACKEND_H

#include "hw/core/chardev.h"

#define CHR_OUTQ_MAX (1u << 20)     /* output kept for a slow reader */
#define CHR_ALIASES 8

typedef struct ChrOps {
    const char *kind;
    /* Optional: replaces the fd-based write (mux). */
    void (*write)(Chardev *c, const uint8_t *buf, size_t len);
    /* Optional: frontend room (mux forwards to its backend). */
    void (*accept_input)(Chardev *c);
    /* Optional: a frontend attached (mux adds it to its list). */
    void (*attach)(Chardev *c, const ChrFrontend *fe);
    /* Optional: rewrite input in place before the frontend sees it (telnet
     * option negotiation); returns the new length. */
    size_t (*filter_input)(Chardev *c, uint8_t *buf, size_t len);
    /* Optional: the reader saw EOF or an error (sockets go back to listen). */
    void (*hangup)(Chardev *c);
    void (*close)(Chardev *c);
} ChrOps;

struct Chardev {
    char *label;
    char *filename;             /* for `info chardev` */
    const ChrOps *ops;
    int in_fd, out_fd;          /* -1 when absent */
    bool reading;               /* read handler registered */
    bool has_fe;
    ChrFrontend fe;
    uint8_t *outq;              /* output the fd did not take yet */
    size_t outq_len;
    void *priv;                 /* backend state */
    /* Other labels it answers to ("-serial chardev:ID" makes it serial0). */
    char *alias[CHR_ALIASES];
    int nalias;
    Chardev *next;
};

Chardev *chr_alloc(const char *label, const ChrOps *ops, const char *filename);
/* Use these fds; in_fd is read (only when poll says so) when a frontend can
 * take data.  Either may be -1.  Backends that own their fds make them
 * non-blocking; stdio stays as it is, since its file description is shared
 * with the shell. */
void chr_set_fds(Chardev *c, int in_fd, int out_fd);
/* Forget the fds (does not close them). */
void chr_clear_fds(Chardev *c);
void chr_send_event(Chardev *c, int event);
void chr_set_filename(Chardev *c, const char *filename);
/* Make c findable as label too; -1 if it has too many names. */
int chr_add_alias(Chardev *c, const char *label);

/* Write out what is still queued (best effort: the fds are
 * non-blocking); for the exit path. */
void chr_flush_all(void);
/* Close and free every chardev. */
void chr_close_all(void);

#endif
