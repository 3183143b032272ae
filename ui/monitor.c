/* The monitor's line editor and output: bytes from the chardev are edited
 * into a line (backspace, Ctrl-u, escape sequences skipped); Enter runs it.
 * On a mux, output is held back while the serial console has the focus. */
#include "ui/monitor-int.h"
#include "config.h"
#include "hw/core/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Atomic bool monitor_quit_requested;

void monitor_printf(Monitor *mon, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = xvasprintf(fmt, ap);
    va_end(ap);
    monitor_puts(mon, s);
    free(s);
}

/* QEMU's monitor ends lines with "\r\n" whatever the terminal mode. */
void monitor_puts(Monitor *mon, const char *s)
{
    if (!mon->has_output)
        return;
    for (const char *p = s; *p;) {
        size_t n = strcspn(p, "\n");
        chr_write(mon->chr, (const uint8_t *)p, n);
        p += n;
        if (*p == '\n') {
            chr_write(mon->chr, (const uint8_t *)"\r\n", 2);
            p++;
        }
    }
}

static void show_prompt(Monitor *mon)
{
    monitor_puts(mon, "(kemu) ");
}

static void banner(Monitor *mon)
{
    if (mon->banner_done)
        return;
    mon->banner_done = true;
    monitor_printf(mon, "kemu %s monitor - type 'help' for more information\n", KEMU_VERSION);
}

static size_t mon_can_read(void *opaque)
{
    return MON_LINE_MAX;
}

static void history_add(Monitor *mon, const char *line)
{
    if (!*line || (mon->nhistory && !strcmp(mon->history[mon->nhistory - 1], line)))
        return;
    if (mon->nhistory == MON_HISTORY) {
        free(mon->history[0]);
        memmove(mon->history, mon->history + 1, (MON_HISTORY - 1) * sizeof(char *));
        mon->nhistory--;
    }
    mon->history[mon->nhistory++] = xstrdup(line);
}

static void erase_line(Monitor *mon)
{
    while (mon->len) {
        mon->len--;
        monitor_puts(mon, "\b \b");
    }
}

/* Up (-1) or down (+1) through the history; past the newest is empty. */
static void history_move(Monitor *mon, int dir)
{
    int pos = mon->hist_pos + dir;
    if (pos < 0 || pos > mon->nhistory)
        return;
    mon->hist_pos = pos;
    erase_line(mon);
    const char *text = pos < mon->nhistory ? mon->history[pos] : "";
    snprintf(mon->line, sizeof(mon->line), "%s", text);
    mon->len = strlen(mon->line);
    monitor_puts(mon, mon->line);
}

static void mon_enter(Monitor *mon)
{
    mon->line[mon->len] = '\0';
    if (!mon->read_secret)
        history_add(mon, mon->line);
    mon->hist_pos = mon->nhistory;
    monitor_puts(mon, "\n");
    mon->len = 0;
    if (mon->read_secret) {
        MonitorLineCb cb = mon->read_secret;
        mon->read_secret = NULL;
        cb(mon, mon->line);
        memset(mon->line, 0, sizeof(mon->line));
        show_prompt(mon);
        return;
    }
    monitor_execute(mon, mon->line);
    if (!monitor_quit_requested && !mon->read_secret)
        show_prompt(mon);
}

void monitor_read_secret(Monitor *mon, const char *prompt, MonitorLineCb cb)
{
    mon->read_secret = cb;
    monitor_puts(mon, prompt);
}

static void mon_byte(Monitor *mon, uint8_t c)
{
    if (mon->esc) {                 /* ESC [ ... final byte: cursor keys */
        if (mon->esc == 1 && (c == '[' || c == 'O')) {
            mon->esc = 2;
        } else if (mon->esc == 1 || (c >= 0x40 && c <= 0x7e)) {
            if (mon->esc == 2 && (c == 'A' || c == 'B'))
                history_move(mon, c == 'A' ? -1 : 1);
            mon->esc = 0;
        }
        return;
    }
    if (c == '\r' || c == '\n') {
        if (c == '\n' && mon->last_cr) {
            mon->last_cr = false;
            return;                 /* "\r\n" is one Enter */
        }
        mon->last_cr = c == '\r';
        mon_enter(mon);
        return;
    }
    mon->last_cr = false;
    if (c == 0x1b) {
        mon->esc = 1;
    } else if (c == 0x7f || c == 0x08) {
        if (mon->len) {
            mon->len--;
            monitor_puts(mon, "\b \b");
        }
    } else if (c == 0x15) {         /* Ctrl-u: kill the line */
        erase_line(mon);
    } else if (c >= 0x20 && mon->len < MON_LINE_MAX - 1) {
        mon->line[mon->len++] = (char)c;
        char echo[2] = { mon->read_secret ? '*' : (char)c, 0 };
        monitor_puts(mon, echo);
    }
}

static void mon_read(void *opaque, const uint8_t *buf, size_t len)
{
    Monitor *mon = opaque;
    for (size_t i = 0; i < len; i++)
        mon_byte(mon, buf[i]);
}

static void mon_event(void *opaque, int ev)
{
    Monitor *mon = opaque;
    switch (ev) {
    case CHR_EVENT_OPENED:
        if (!mon->on_mux) {
            mon->has_output = true;
            mon->banner_done = false;
            banner(mon);
            show_prompt(mon);
        }
        break;
    case CHR_EVENT_MUX_IN:
        mon->has_output = true;
        banner(mon);
        show_prompt(mon);
        break;
    case CHR_EVENT_MUX_OUT:
        mon->has_output = false;
        break;
    default:
        break;
    }
}

Monitor *monitor_new(Machine *m, Chardev *chr)
{
    Monitor *mon = xzalloc(sizeof(*mon));
    mon->m = m;
    mon->chr = chr;
    mon->on_mux = chr_is_mux(chr);
    ChrFrontend fe = { .can_read = mon_can_read, .read = mon_read, .opaque = mon,
                       .event = mon_event };
    chr_attach(chr, &fe);
    return mon;
}
