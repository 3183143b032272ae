/* The "vc" chardev backend: output goes to a text screen (ui/vc.h) with
 * carriage return, line feed, backspace, tab and scrolling; escape
 * sequences are skipped.  Input comes from the display showing it. */
#include "ui/chardev-int.h"
#include "hw/core/util.h"
#include "ui/vc.h"

#include <string.h>

#define MAX_VC 8
#define ATTR 0x0700

typedef struct Vc {
    Chardev *chr;
    VcScreen screen;
    int esc;                    /* 1 after ESC, 2 inside ESC [ */
    bool dirty, monitor;
} Vc;

static Vc *vcs[MAX_VC];
static int nvc;

static void clear_rows(VcScreen *s, int from, int to)
{
    for (int i = from * VC_COLS; i < to * VC_COLS; i++)
        s->cells[i] = ATTR | ' ';
}

static void line_feed(VcScreen *s)
{
    if (++s->cursor_y < VC_ROWS)
        return;
    memmove(s->cells, s->cells + VC_COLS, sizeof(s->cells) - VC_COLS * sizeof(uint16_t));
    clear_rows(s, VC_ROWS - 1, VC_ROWS);
    s->cursor_y = VC_ROWS - 1;
}

static bool skip_escape(Vc *vc, uint8_t c)
{
    if (c == 0x1b) {
        vc->esc = 1;
        return true;
    }
    if (vc->esc == 1) {
        vc->esc = c == '[' ? 2 : 0;
        return true;
    }
    if (vc->esc == 2) {
        if (c >= 0x40 && c <= 0x7e)
            vc->esc = 0;
        return true;
    }
    return false;
}

static void put_byte(Vc *vc, uint8_t c)
{
    VcScreen *s = &vc->screen;
    if (skip_escape(vc, c))
        return;
    switch (c) {
    case '\r': s->cursor_x = 0; return;
    case '\n': line_feed(s); return;
    case '\b': if (s->cursor_x) s->cursor_x--; return;
    case '\t': s->cursor_x = MIN((s->cursor_x | 7) + 1, VC_COLS - 1); return;
    default: break;
    }
    if (c < 0x20)
        return;
    if (s->cursor_x == VC_COLS) {
        s->cursor_x = 0;
        line_feed(s);
    }
    s->cells[s->cursor_y * VC_COLS + s->cursor_x++] = (uint16_t)(ATTR | c);
}

static void vc_write(Chardev *c, const uint8_t *buf, size_t len)
{
    Vc *vc = c->priv;
    for (size_t i = 0; i < len; i++)
        put_byte(vc, buf[i]);
    vc->dirty = true;
}

static void vc_attach(Chardev *c, const ChrFrontend *fe)
{
    c->fe = *fe;
    c->has_fe = true;
    if (fe->event)
        fe->event(fe->opaque, CHR_EVENT_OPENED);
}

static const ChrOps vc_ops = { .kind = "vc", .write = vc_write, .attach = vc_attach };

Chardev *chr_vc_new(const char *label)
{
    Chardev *c = chr_alloc(label, &vc_ops, "vc");
    Vc *vc = xzalloc(sizeof(*vc));
    vc->chr = c;
    vc->monitor = strstr(label, "monitor") != NULL;
    clear_rows(&vc->screen, 0, VC_ROWS);
    c->priv = vc;
    if (nvc == MAX_VC)
        return c;               /* made, but no display shows it */
    int at = nvc;
    while (vc->monitor && at > 0 && !vcs[at - 1]->monitor) {
        vcs[at] = vcs[at - 1];  /* the monitors come first */
        at--;
    }
    vcs[at] = vc;
    nvc++;
    return c;
}

int vc_count(void)
{
    return nvc;
}

const VcScreen *vc_screen(int index)
{
    return index >= 0 && index < nvc ? &vcs[index]->screen : NULL;
}

const char *vc_name(int index)
{
    return index >= 0 && index < nvc ? chr_label(vcs[index]->chr) : "";
}

bool vc_take_dirty(int index)
{
    if (index < 0 || index >= nvc || !vcs[index]->dirty)
        return false;
    vcs[index]->dirty = false;
    return true;
}

void vc_input(int index, const uint8_t *buf, size_t len)
{
    if (index < 0 || index >= nvc)
        return;
    Chardev *c = vcs[index]->chr;
    if (!c->has_fe || !c->fe.read)
        return;
    size_t room = c->fe.can_read ? c->fe.can_read(c->fe.opaque) : len;
    if (room)
        c->fe.read(c->fe.opaque, buf, MIN(room, len));
}
