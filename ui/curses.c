/* -display curses: the VGA's text screen on the terminal through ncurses
 * (CP437 characters as their Unicode glyphs, the attribute's colours),
 * graphics modes as QEMU's "W x H Graphic mode" notice, keys typed on the
 * terminal as key presses for the guest.  Esc 1 shows the guest's screen,
 * Esc 2, 3... the text consoles (the monitor, the serial port); Esc and
 * another key is Alt and that key. */
#define NCURSES_WIDECHAR 1
#include "ui/display.h"
#include "hw/core/error.h"
#include "hw/core/graphic.h"
#include "hw/core/util.h"
#include "ui/console.h"
#include "ui/cp437.h"
#include "ui/keycodes.h"
#include "ui/vc.h"

#include <curses.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#define KEY_CTRL 0x1d
#define KEY_SHIFT 0x2a
#define KEY_ALT 0x38


/* CGA colour order (blue is 1) to curses' (red is 1). */
static const short cga_to_curses[8] = {
    COLOR_BLACK, COLOR_BLUE, COLOR_GREEN, COLOR_CYAN,
    COLOR_RED, COLOR_MAGENTA, COLOR_YELLOW, COLOR_WHITE,
};

static bool active;
static DisplayListener listener;
static int console_index;           /* 0: the guest's screen; n: text console n-1 */
static uint16_t *shown;             /* what the terminal shows, to redraw changes only */
static int shown_cols, shown_rows;
static bool redraw_all = true;
static bool esc_pending;

static void set_cell(int y, int x, uint16_t cell)
{
    int attr = cell >> 8, fg = attr & 7, bg = (attr >> 4) & 7;
    wchar_t wc[2] = { (wchar_t)cp437_to_unicode[cell & 0xff], 0 };
    cchar_t cc;
    attr_t a = (attr & 8) ? A_BOLD : A_NORMAL;
    short pair = has_colors() && COLOR_PAIRS > 64 ? (short)(fg * 8 + bg + 1) : 0;
    setcchar(&cc, wc, a, pair, NULL);
    mvadd_wch(y, x, &cc);
}

static void show_cells(const uint16_t *cells, int cols, int rows)
{
    if (cols != shown_cols || rows != shown_rows || redraw_all) {
        free(shown);
        shown = xmalloc((size_t)cols * rows * sizeof(uint16_t));
        memset(shown, 0xff, (size_t)cols * rows * sizeof(uint16_t));
        shown_cols = cols;
        shown_rows = rows;
        redraw_all = false;
        erase();
    }
    for (int y = 0; y < rows && y < LINES; y++) {
        for (int x = 0; x < cols && x < COLS; x++) {
            uint16_t c = cells[y * cols + x];
            if (shown[y * cols + x] != c) {
                shown[y * cols + x] = c;
                set_cell(y, x, c);
            }
        }
    }
}

static void show_cursor(bool on, int x, int y)
{
    if (on && y < LINES && x < COLS) {
        move(y, x);
        curs_set(1);
    } else {
        curs_set(0);
    }
}

/* Graphics: a blank screen with the mode's size in the middle. */
static void show_graphic_notice(void)
{
    uint32_t *px;
    int w, h;
    char msg[64];
    uint16_t cells[25 * 80];
    for (int i = 0; i < 25 * 80; i++)
        cells[i] = 0x0700 | ' ';
    if (graphic_hw_render(&px, &w, &h) == 0) {
        free(px);
        snprintf(msg, sizeof(msg), "%d x %d Graphic mode", w, h);
        size_t len = strlen(msg);
        for (size_t i = 0; i < len; i++)
            cells[12 * 80 + (80 - len) / 2 + i] = (uint16_t)(0x0700 | (uint8_t)msg[i]);
    }
    show_cells(cells, 80, 25);
    show_cursor(false, 0, 0);
}

static void show_guest(void)
{
    GraphicText t = { 0 };
    int r = graphic_hw_text(&t);
    if (r == 1) {
        show_graphic_notice();
        return;
    }
    if (r < 0) {
        uint16_t blank[25 * 80];
        for (int i = 0; i < 25 * 80; i++)
            blank[i] = 0x0700 | ' ';
        show_cells(blank, 80, 25);
        show_cursor(false, 0, 0);
        return;
    }
    show_cells(t.cells, t.cols, t.rows);
    show_cursor(t.cursor_on, t.cursor_x, t.cursor_y);
    free(t.cells);
}

static void show_vc(int index)
{
    const VcScreen *s = vc_screen(index);
    vc_take_dirty(index);
    show_cells(s->cells, VC_COLS, VC_ROWS);
    show_cursor(true, s->cursor_x, s->cursor_y);
}

/* --- keys --- */

static void tap(int key, bool shift, bool ctrl, bool alt)
{
    if (ctrl)
        console_key_event(KEY_CTRL, true);
    if (alt)
        console_key_event(KEY_ALT, true);
    if (shift)
        console_key_event(KEY_SHIFT, true);
    console_key_event(key, true);
    console_key_event(key, false);
    if (shift)
        console_key_event(KEY_SHIFT, false);
    if (alt)
        console_key_event(KEY_ALT, false);
    if (ctrl)
        console_key_event(KEY_CTRL, false);
}

static int curses_special_key(int ch)
{
    static const struct {
        int curses, key;
    } map[] = {
        { KEY_UP, 0xc8 }, { KEY_DOWN, 0xd0 }, { KEY_LEFT, 0xcb }, { KEY_RIGHT, 0xcd },
        { KEY_HOME, 0xc7 }, { KEY_END, 0xcf }, { KEY_PPAGE, 0xc9 }, { KEY_NPAGE, 0xd1 },
        { KEY_IC, 0xd2 }, { KEY_DC, 0xd3 }, { KEY_BACKSPACE, 0x0e }, { KEY_ENTER, 0x1c },
        { KEY_BTAB, 0x0f },
    };
    for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
        if (map[i].curses == ch)
            return map[i].key;
    }
    if (ch >= KEY_F(1) && ch <= KEY_F(10))
        return 0x3b + ch - KEY_F(1);
    if (ch == KEY_F(11) || ch == KEY_F(12))
        return 0x57 + ch - KEY_F(11);
    return -1;
}

/* A byte or curses key to the guest; alt after a lone Esc. */
static void guest_key(int ch, bool alt)
{
    bool shift = false;
    int key = curses_special_key(ch);
    if (key >= 0)
        tap(key, ch == KEY_BTAB, false, alt);
    else if (ch == '\r' || ch == '\n')
        tap(0x1c, false, false, alt);
    else if (ch == '\t')
        tap(0x0f, false, false, alt);
    else if (ch == 0x7f || ch == 0x08)
        tap(0x0e, false, false, alt);
    else if (ch == 0x1b)
        tap(0x01, false, false, alt);
    else if (ch >= 1 && ch <= 26)
        tap(keycode_from_ascii('a' + ch - 1, NULL), false, true, alt);
    else if ((key = keycode_from_ascii(ch, &shift)) >= 0)
        tap(key, shift, false, alt);
}

static void vc_key(int ch)
{
    static const struct {
        int curses;
        const char *seq;
    } seqs[] = {
        { KEY_UP, "\033[A" }, { KEY_DOWN, "\033[B" }, { KEY_RIGHT, "\033[C" },
        { KEY_LEFT, "\033[D" }, { KEY_BACKSPACE, "\177" }, { KEY_ENTER, "\r" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(seqs); i++) {
        if (seqs[i].curses == ch) {
            vc_input(console_index - 1, (const uint8_t *)seqs[i].seq, strlen(seqs[i].seq));
            return;
        }
    }
    if (ch == '\n')
        ch = '\r';
    if (ch < 256) {
        uint8_t b = (uint8_t)ch;
        vc_input(console_index - 1, &b, 1);
    }
}

static void switch_console(int index)
{
    if (index > vc_count())
        return;
    console_index = index;
    redraw_all = true;
}

static void handle_key(int ch)
{
    if (esc_pending) {
        esc_pending = false;
        if (ch >= '1' && ch <= '9') {
            switch_console(ch - '1');
            return;
        }
        if (console_index == 0)
            guest_key(ch, true);
        return;
    }
    if (ch == 0x1b) {
        esc_pending = true;
        return;
    }
    if (ch == KEY_RESIZE) {
        redraw_all = true;
        return;
    }
    if (console_index == 0)
        guest_key(ch, false);
    else
        vc_key(ch);
}

static void read_keys(void)
{
    int ch, n = 0;
    while ((ch = getch()) != ERR) {
        handle_key(ch);
        n++;
    }
    if (!n && esc_pending) {            /* Esc alone: the Esc key */
        esc_pending = false;
        if (console_index == 0)
            tap(0x01, false, false, false);
    }
}

static void curses_tick(void *opaque)
{
    read_keys();
    if (console_index == 0)
        show_guest();
    else if (vc_take_dirty(console_index - 1) || redraw_all)
        show_vc(console_index - 1);
    refresh();
}

static void init_colours(void)
{
    if (!has_colors())
        return;
    start_color();
    for (short fg = 0; fg < 8; fg++) {
        for (short bg = 0; bg < 8; bg++) {
            if (fg * 8 + bg + 1 < COLOR_PAIRS)
                init_pair((short)(fg * 8 + bg + 1), cga_to_curses[fg], cga_to_curses[bg]);
        }
    }
}

int curses_display_start(Machine *m)
{
    if (!isatty(STDOUT_FILENO)) {
        error_report("We need a terminal output");
        return -1;
    }
    setlocale(LC_CTYPE, "");
    set_escdelay(25);
    initscr();
    raw();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    init_colours();
    active = true;
    listener = (DisplayListener){ .tick = curses_tick, .no_pixels = true, .polls = true };
    console_add_listener(&listener);
    return 0;
}

void curses_display_cleanup(void)
{
    if (!active)
        return;
    active = false;
    endwin();
}
