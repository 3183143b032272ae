/* Chardev core: the registry, fd-based input with frontend flow control,
 * buffered non-blocking output.  The backends and spec parsers are ui/'s. */
#include "hw/core/chardev-backend.h"
#include "hw/core/error.h"
#include "hw/core/loop.h"
#include "hw/core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static Chardev *chardevs;

Chardev *chr_alloc(const char *label, const ChrOps *ops, const char *filename)
{
    Chardev *c = xzalloc(sizeof(*c));
    c->label = xstrdup(label);
    c->filename = xstrdup(filename);
    c->ops = ops;
    c->in_fd = c->out_fd = -1;
    Chardev **p = &chardevs;
    while (*p)
        p = &(*p)->next;
    *p = c;
    return c;
}

void chr_set_filename(Chardev *c, const char *filename)
{
    free(c->filename);
    c->filename = xstrdup(filename);
}

Chardev *chr_find(const char *label)
{
    for (Chardev *c = chardevs; c; c = c->next) {
        if (!strcmp(c->label, label))
            return c;
        for (int i = 0; i < c->nalias; i++) {
            if (!strcmp(c->alias[i], label))
                return c;
        }
    }
    return NULL;
}

int chr_add_alias(Chardev *c, const char *label)
{
    if (c->nalias >= CHR_ALIASES)
        return -1;
    c->alias[c->nalias++] = xstrdup(label);
    return 0;
}

const char *chr_label(const Chardev *chr) { return chr->label; }
const char *chr_filename(const Chardev *chr) { return chr->filename; }

void chr_foreach(void (*fn)(Chardev *chr, void *opaque), void *opaque)
{
    for (Chardev *c = chardevs; c; c = c->next)
        fn(c, opaque);
}

/* ---- input ------------------------------------------------------------- */

static void chr_readable(void *opaque);

static void chr_flush(void *opaque);

/* The fd table holds one entry per fd: a socket or pty is both input and
 * output, so register both directions together. */
static void chr_update_fd(Chardev *c)
{
    FdHandler rd = c->reading ? chr_readable : NULL;
    FdHandler wr = c->outq_len ? chr_flush : NULL;
    if (c->in_fd >= 0 && c->in_fd == c->out_fd) {
        loop_set_fd(c->in_fd, rd, wr, c);
    } else {
        if (c->in_fd >= 0)
            loop_set_fd(c->in_fd, rd, NULL, c);
        if (c->out_fd >= 0)
            loop_set_fd(c->out_fd, NULL, wr, c);
    }
    loop_notify();
}

static void chr_readable(void *opaque)
{
    Chardev *c = opaque;
    size_t room = c->has_fe ? c->fe.can_read(c->fe.opaque) : 0;
    if (!room) {
        /* The frontend is full: stop polling until chr_accept_input(). */
        c->reading = false;
        chr_update_fd(c);
        return;
    }
    uint8_t buf[4096];
    ssize_t n = read(c->in_fd, buf, MIN(room, sizeof(buf)));
    if (n > 0) {
        size_t len = (size_t)n;
        if (c->ops->filter_input)
            len = c->ops->filter_input(c, buf, len);
        if (len)
            c->fe.read(c->fe.opaque, buf, len);
        return;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    /* EOF or error: stop reading this fd. */
    c->reading = false;
    int fd = c->in_fd;
    if (c->ops->hangup) {
        c->ops->hangup(c);
    } else {
        loop_set_fd(fd, NULL, NULL, NULL);
        c->in_fd = -1;
        chr_update_fd(c);
    }
}

void chr_accept_input(Chardev *chr)
{
    if (!chr)
        return;
    if (chr->ops->accept_input) {
        chr->ops->accept_input(chr);
        return;
    }
    if (!chr->reading && chr->has_fe && chr->in_fd >= 0) {
        chr->reading = true;
        chr_update_fd(chr);
    }
}

void chr_attach(Chardev *chr, const ChrFrontend *fe)
{
    if (chr->ops->attach) {
        chr->ops->attach(chr, fe);
        return;
    }
    chr->fe = *fe;
    chr->has_fe = true;
    chr->reading = chr->in_fd >= 0;
    if (chr->in_fd >= 0 || chr->out_fd >= 0)
        chr_update_fd(chr);
    if (chr->fe.event && (chr->in_fd >= 0 || chr->out_fd >= 0))
        chr->fe.event(chr->fe.opaque, CHR_EVENT_OPENED);
}

void chr_send_event(Chardev *c, int event)
{
    if (c->has_fe && c->fe.event)
        c->fe.event(c->fe.opaque, event);
}

void chr_set_fds(Chardev *c, int in_fd, int out_fd)
{
    c->in_fd = in_fd;
    c->out_fd = out_fd;
    c->reading = c->has_fe && in_fd >= 0;
    chr_update_fd(c);
}

void chr_clear_fds(Chardev *c)
{
    if (c->in_fd >= 0)
        loop_set_fd(c->in_fd, NULL, NULL, NULL);
    if (c->out_fd >= 0 && c->out_fd != c->in_fd)
        loop_set_fd(c->out_fd, NULL, NULL, NULL);
    c->in_fd = c->out_fd = -1;
    c->reading = false;
    c->outq_len = 0;
}

/* ---- output ------------------------------------------------------------ */

static void chr_flush(void *opaque)
{
    Chardev *c = opaque;
    while (c->outq_len && c->out_fd >= 0) {
        ssize_t n = write(c->out_fd, c->outq, c->outq_len);
        if (n <= 0) {
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && errno != EAGAIN)
                c->outq_len = 0;    /* the reader is gone: drop */
            break;
        }
        memmove(c->outq, c->outq + n, c->outq_len - (size_t)n);
        c->outq_len -= (size_t)n;
    }
    chr_update_fd(c);
}

static void chr_queue(Chardev *c, const uint8_t *buf, size_t len)
{
    /* Keep at most CHR_OUTQ_MAX bytes: a UART with nobody listening loses
     * its output rather than stalling the guest. */
    if (c->outq_len + len > CHR_OUTQ_MAX)
        len = CHR_OUTQ_MAX - c->outq_len;
    if (!len)
        return;
    c->outq = xrealloc(c->outq, c->outq_len + len);
    memcpy(c->outq + c->outq_len, buf, len);
    c->outq_len += len;
    chr_update_fd(c);
}

void chr_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    if (!chr || !len)
        return;
    if (chr->ops->write) {
        chr->ops->write(chr, buf, len);
        return;
    }
    if (chr->out_fd < 0)
        return;
    if (chr->outq_len) {
        chr_queue(chr, buf, len);
        return;
    }
    while (len) {
        ssize_t n = write(chr->out_fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno != EAGAIN)
            return;         /* the reader is gone */
        if (n <= 0)
            break;
        buf += n;
        len -= (size_t)n;
    }
    if (len)
        chr_queue(chr, buf, len);
}

void chr_printf(Chardev *chr, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = xvasprintf(fmt, ap);
    va_end(ap);
    chr_write(chr, (const uint8_t *)s, strlen(s));
    free(s);
}

/* ---- lifetime ---------------------------------------------------------- */

void chr_flush_all(void)
{
    for (Chardev *c = chardevs; c; c = c->next) {
        if (c->outq_len && c->out_fd >= 0) {
            ssize_t n = write(c->out_fd, c->outq, c->outq_len);
            (void)n;
        }
    }
}

void chr_close_all(void)
{
    while (chardevs) {
        Chardev *c = chardevs;
        chardevs = c->next;
        chr_clear_fds(c);
        if (c->ops->close)
            c->ops->close(c);
        free(c->outq);
        for (int i = 0; i < c->nalias; i++)
            free(c->alias[i]);
        free(c->label);
        free(c->filename);
        free(c);
    }
}

bool chr_is_mux(const Chardev *chr)
{
    return chr && !strcmp(chr->ops->kind, "mux");
}
