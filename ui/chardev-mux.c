/* The multiplexer: several frontends (serial port, monitor) share one
 * backend.  Output from every frontend goes out; input goes to the one with
 * the focus.  Ctrl-a is the escape: Ctrl-a h help, x quit, c switch, b
 * break, s sync disks, t timestamps, Ctrl-a Ctrl-a a literal Ctrl-a. */
#include "ui/chardev-int.h"
#include "hw/core/error.h"
#include "hw/core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MUX_MAX 4
#define ESCAPE_CHAR 0x01
#define MUX_PENDING 4096

/* Input the focused frontend had no room for (a UART's FIFO is 16 bytes,
 * a pasted line is longer) waits here until it reads; only when this is
 * full too are bytes dropped, which keeps Ctrl-a working while a guest
 * ignores its UART. */
typedef struct MuxPending {
    uint8_t buf[MUX_PENDING];
    size_t head, len;
} MuxPending;

typedef struct MuxState {
    Chardev *be;
    ChrFrontend fes[MUX_MAX];
    int count, focus;
    bool got_escape;
    bool timestamps, at_line_start;
    int64_t ts_start_ms;
    MuxPending pending;
} MuxState;

static void (*quit_handler)(void);

void chr_set_quit_handler(void (*fn)(void))
{
    quit_handler = fn;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void mux_write(Chardev *c, const uint8_t *buf, size_t len)
{
    MuxState *s = c->priv;
    if (!s->timestamps) {
        chr_write(s->be, buf, len);
        return;
    }
    /* Prefix each line with the time since timestamps were switched on. */
    for (size_t i = 0; i < len; i++) {
        if (s->at_line_start) {
            int64_t ms = now_ms() - s->ts_start_ms;
            char ts[32];
            int n = snprintf(ts, sizeof(ts), "[%02d:%02d:%02d.%03d] ", (int)(ms / 3600000),
                             (int)(ms / 60000 % 60), (int)(ms / 1000 % 60), (int)(ms % 1000));
            chr_write(s->be, (const uint8_t *)ts, (size_t)n);
            s->at_line_start = false;
        }
        chr_write(s->be, buf + i, 1);
        if (buf[i] == '\n')
            s->at_line_start = true;
    }
}

static void mux_event_all(MuxState *s, int ev)
{
    for (int i = 0; i < s->count; i++) {
        if (s->fes[i].event)
            s->fes[i].event(s->fes[i].opaque, ev);
    }
}

static void mux_set_focus(MuxState *s, int focus)
{
    if (s->focus >= 0 && s->fes[s->focus].event)
        s->fes[s->focus].event(s->fes[s->focus].opaque, CHR_EVENT_MUX_OUT);
    s->pending.len = s->pending.head = 0;   /* typed for the other frontend */
    s->focus = focus;
    if (s->fes[focus].event)
        s->fes[focus].event(s->fes[focus].opaque, CHR_EVENT_MUX_IN);
}

static void mux_help(Chardev *c)
{
    static const char *const lines[] = {
        "C-a h    print this help",
        "C-a x    exit emulator",
        "C-a s    save disk data back to file (if -snapshot)",
        "C-a t    toggle console timestamps",
        "C-a b    send break (magic sysrq)",
        "C-a c    switch between console and monitor",
        "C-a C-a  sends C-a",
    };
    MuxState *s = c->priv;
    chr_write(s->be, (const uint8_t *)"\r\n", 2);
    for (size_t i = 0; i < ARRAY_SIZE(lines); i++)
        chr_printf(s->be, "%s\r\n", lines[i]);
}

/* One byte after Ctrl-a.  Returns true if ch is to be delivered. */
static bool mux_escape(Chardev *c, uint8_t ch)
{
    MuxState *s = c->priv;
    switch (ch) {
    case 'h': case '?':
        mux_help(c);
        return false;
    case 'x':
        chr_printf(s->be, "kemu: Terminated\n\r");
        if (quit_handler) {
            quit_handler();
            return false;
        }
        chr_cleanup_all();
        exit(0);
    case 's':
        /* No -snapshot drives exist to commit: nothing to do. */
        return false;
    case 'b':
        mux_event_all(s, CHR_EVENT_BREAK);
        return false;
    case 'c':
        if (s->count)
            mux_set_focus(s, (s->focus + 1) % s->count);
        return false;
    case 't':
        s->timestamps = !s->timestamps;
        s->ts_start_ms = now_ms();
        s->at_line_start = true;
        return false;
    case ESCAPE_CHAR:
        return true;
    default:
        return false;
    }
}

/* Hand pending input to the focused frontend while it has room. */
static void mux_flush_pending(MuxState *s)
{
    MuxPending *p = &s->pending;
    if (s->focus < 0) {
        p->len = 0;
        return;
    }
    ChrFrontend *fe = &s->fes[s->focus];
    while (p->len) {
        size_t room = fe->can_read(fe->opaque);
        if (!room)
            return;
        size_t n = MIN(room, MIN(p->len, MUX_PENDING - p->head));
        const uint8_t *chunk = p->buf + p->head;
        p->head = (p->head + n) % MUX_PENDING;
        p->len -= n;
        fe->read(fe->opaque, chunk, n);
    }
    p->head = 0;
}

static void mux_queue(MuxState *s, uint8_t ch)
{
    MuxPending *p = &s->pending;
    if (p->len == MUX_PENDING)
        return;     /* overrun: the guest has not read its UART for a while */
    p->buf[(p->head + p->len) % MUX_PENDING] = ch;
    p->len++;
}

static size_t mux_can_read(void *opaque)
{
    Chardev *c = opaque;
    MuxState *s = c->priv;
    mux_flush_pending(s);
    size_t room = MUX_PENDING - s->pending.len;
    /* Always take at least one byte so that Ctrl-a works. */
    return room ? room : 1;
}

static void mux_read(void *opaque, const uint8_t *buf, size_t len)
{
    Chardev *c = opaque;
    MuxState *s = c->priv;
    for (size_t i = 0; i < len; i++) {
        uint8_t ch = buf[i];
        bool deliver;
        if (s->got_escape) {
            s->got_escape = false;
            deliver = mux_escape(c, ch);
        } else if (ch == ESCAPE_CHAR) {
            s->got_escape = true;
            deliver = false;
        } else {
            deliver = true;
        }
        if (deliver && s->focus >= 0)
            mux_queue(s, ch);
    }
    mux_flush_pending(s);
}

static void mux_be_event(void *opaque, int ev)
{
    Chardev *c = opaque;
    mux_event_all(c->priv, ev);
}

static void mux_attach(Chardev *c, const ChrFrontend *fe)
{
    MuxState *s = c->priv;
    if (s->count >= MUX_MAX) {
        warn_report("chardev '%s': more than %d users of one multiplexer; "
                    "the last one gets no input", c->label, MUX_MAX);
        return;
    }
    s->fes[s->count++] = *fe;
    if (fe->event)
        fe->event(fe->opaque, CHR_EVENT_OPENED);
    /* The first frontend (the serial port) starts with the focus; the
     * monitor is reached with Ctrl-a c. */
    if (s->count == 1)
        mux_set_focus(s, 0);
    chr_accept_input(s->be);
}

static void mux_accept_input(Chardev *c)
{
    MuxState *s = c->priv;
    mux_flush_pending(s);
    chr_accept_input(s->be);
}

static void mux_close(Chardev *c)
{
    free(c->priv);
}

static const ChrOps mux_ops = {
    .kind = "mux", .write = mux_write, .accept_input = mux_accept_input,
    .attach = mux_attach, .close = mux_close,
};

Chardev *chr_mux_new(const char *label, Chardev *backend)
{
    Chardev *c = chr_alloc(label, &mux_ops, "mux");
    MuxState *s = xzalloc(sizeof(*s));
    s->be = backend;
    s->focus = -1;
    c->priv = s;
    ChrFrontend fe = { .can_read = mux_can_read, .read = mux_read, .opaque = c,
                       .event = mux_be_event };
    chr_attach(backend, &fe);
    return c;
}
