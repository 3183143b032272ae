/* The display core (see console.h).  The picture is rendered from the
 * graphic source and compared with the last one tile by tile; only the
 * tiles that changed are reported, merged into row runs. */
#include "ui/console.h"
#include "hw/core/graphic.h"
#include "hw/core/input.h"
#include "hw/core/loop.h"
#include "hw/core/util.h"
#include "hw/input/i8042.h"
#include "ui/keycodes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define TILE 16

static Machine *machine;
static DisplaySurface surface;
static DisplayListener *listeners;
static int timer_fd = -1;
static int refresh_ms = CONSOLE_REFRESH_MS;
static bool input_seen;            /* since the last refresh */
static unsigned changes;           /* resizes, updates and scrolls reported */
static int mouse_buttons;
static int pointer_x, pointer_y;   /* the absolute pointer, in pixels */
static char title[300];

#define KEY_QUEUE 512
typedef struct PendingKey {
    uint16_t key;
    bool down;
} PendingKey;
static PendingKey key_queue[KEY_QUEUE];
static unsigned key_head, key_count;
static bool blank;

#define BLANK_W 640
#define BLANK_H 480

static void surface_blank(void);

void console_init(Machine *m)
{
    machine = m;
    if (m->cfg.name)
        snprintf(title, sizeof(title), "kemu (%s)", m->cfg.name);
    else
        snprintf(title, sizeof(title), "kemu");
    if (!surface.px)
        surface_blank();
}

const char *console_title(void)
{
    return title[0] ? title : "kemu";
}

const DisplaySurface *console_surface(void)
{
    return &surface;
}

static void flush_keys(void);

static void on_timer(void *opaque)
{
    uint64_t ticks;
    if (read(timer_fd, &ticks, sizeof(ticks)) < 0)
        return;
    console_refresh();
}

static void timer_arm(void)
{
    struct timespec t = { refresh_ms / 1000, (refresh_ms % 1000) * 1000000L };
    struct itimerspec its = { .it_interval = t, .it_value = t };
    if (timer_fd >= 0)
        timerfd_settime(timer_fd, 0, &its, NULL);
}

static void timer_start(void)
{
    if (timer_fd >= 0)
        return;
    timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (timer_fd < 0)
        return;
    refresh_ms = CONSOLE_REFRESH_MS;
    timer_arm();
    loop_set_fd(timer_fd, on_timer, NULL, NULL);
}

/* The next period: the full rate while the picture changes, input comes
 * or a display polls; slower each idle tick. */
static void pace(bool busy)
{
    int ms = busy || input_seen ? CONSOLE_REFRESH_MS
                                : MIN(refresh_ms + CONSOLE_REFRESH_STEP_MS, CONSOLE_REFRESH_IDLE_MS);
    input_seen = false;
    if (ms != refresh_ms) {
        refresh_ms = ms;
        timer_arm();
    }
}

/* Input: the guest will likely answer on screen, so look at full rate. */
static void input_wake(void)
{
    input_seen = true;
    if (refresh_ms != CONSOLE_REFRESH_MS) {
        refresh_ms = CONSOLE_REFRESH_MS;
        timer_arm();
    }
}

int console_refresh_ms(void)
{
    return refresh_ms;
}

static void timer_stop(void)
{
    if (timer_fd < 0)
        return;
    loop_set_fd(timer_fd, NULL, NULL, NULL);
    close(timer_fd);
    timer_fd = -1;
}

void console_add_listener(DisplayListener *l)
{
    l->next = listeners;
    listeners = l;
    if (!l->no_pixels && l->resize)
        l->resize(l->opaque, &surface);
    timer_start();
    input_wake();
}

void console_remove_listener(DisplayListener *l)
{
    for (DisplayListener **p = &listeners; *p; p = &(*p)->next) {
        if (*p == l) {
            *p = l->next;
            break;
        }
    }
    if (!listeners && !key_count)
        timer_stop();
}

static void notify_resize(void)
{
    changes++;
    for (DisplayListener *l = listeners; l; l = l->next) {
        if (!l->no_pixels && l->resize)
            l->resize(l->opaque, &surface);
    }
}

static void notify_update(int x, int y, int w, int h)
{
    changes++;
    for (DisplayListener *l = listeners; l; l = l->next) {
        if (!l->no_pixels && l->update)
            l->update(l->opaque, &surface, x, y, w, h);
    }
}

static void notify_scroll(int src_y, int dst_y, int h)
{
    changes++;
    for (DisplayListener *l = listeners; l; l = l->next) {
        if (l->no_pixels)
            continue;
        if (l->scroll)
            l->scroll(l->opaque, &surface, src_y, dst_y, h);
        else if (l->update)
            l->update(l->opaque, &surface, 0, dst_y, surface.w, h);
    }
}

static bool row_equal(const uint32_t *px, int new_y, int old_y)
{
    return !memcmp(px + (size_t)new_y * surface.w, surface.px + (size_t)old_y * surface.w,
                   surface.w * sizeof(uint32_t));
}

/* lines: the rows that may have changed (NULL: any). */
static int first_changed_tile_row(const uint32_t *px, const uint8_t *lines)
{
    for (int y = 0; y < surface.h; y++) {
        if ((!lines || lines[y]) && !row_equal(px, y, y))
            return y / TILE * TILE;
    }
    return -1;
}

/* How many rows from y0 on show what was dy rows lower, in whole tiles. */
static int moved_rows(const uint32_t *px, int y0, int dy)
{
    int n = 0;
    while (y0 + n + dy < surface.h && row_equal(px, y0 + n, y0 + n + dy))
        n++;
    return n / TILE * TILE;
}

/* A guest scrolling its text moves the picture up by whole tile rows: a
 * display can copy what it has instead of receiving it again.  The guest
 * may be caught halfway through moving its text (it writes the rows one
 * by one), so the band that moved is found from the first changed row. */
static void detect_scroll(const uint32_t *px, const uint8_t *lines)
{
    static const int shifts[] = { TILE, 2 * TILE };
    int y0 = first_changed_tile_row(px, lines);
    if (y0 < 0)
        return;
    for (size_t i = 0; i < ARRAY_SIZE(shifts); i++) {
        int dy = shifts[i], n = moved_rows(px, y0, dy);
        if (n < TILE)
            continue;
        memmove(surface.px + (size_t)y0 * surface.w, surface.px + (size_t)(y0 + dy) * surface.w,
                (size_t)n * surface.w * sizeof(uint32_t));
        notify_scroll(y0 + dy, y0, n);
        return;
    }
}

static bool tile_differs(const uint32_t *a, const uint32_t *b, int stride, int tw, int th)
{
    for (int y = 0; y < th; y++) {
        if (memcmp(a + (size_t)y * stride, b + (size_t)y * stride, tw * sizeof(uint32_t)))
            return true;
    }
    return false;
}

/* Copy the changed tiles of one tile row into the surface and report
 * them as runs of adjacent tiles. */
static void diff_tile_row(const uint32_t *px, int ty)
{
    int y = ty * TILE, th = MIN(TILE, surface.h - y);
    int run_start = -1;
    for (int x = 0; x <= surface.w; x += TILE) {
        size_t off = (size_t)y * surface.w + x;
        int tw = MIN(TILE, surface.w - x);
        bool dirty = x < surface.w && tile_differs(px + off, surface.px + off, surface.w, tw, th);
        if (dirty) {
            for (int r = 0; r < th; r++)
                memcpy(surface.px + off + (size_t)r * surface.w, px + off + (size_t)r * surface.w,
                       tw * sizeof(uint32_t));
            if (run_start < 0)
                run_start = x;
        } else if (run_start >= 0) {
            notify_update(run_start, y, MIN(x, surface.w) - run_start, th);
            run_start = -1;
        }
    }
}

static void surface_replace(uint32_t *px, int w, int h)
{
    free(surface.px);
    surface.px = px;
    surface.w = w;
    surface.h = h;
    notify_resize();
}

/* A blank screen is a black 640 x 480 surface (as QEMU's), so a display
 * always has a size to show. */
static void surface_blank(void)
{
    surface_replace(xzalloc(BLANK_W * BLANK_H * sizeof(uint32_t)), BLANK_W, BLANK_H);
    blank = true;
}

/* Whether a tile row holds a line that may have changed. */
static bool tile_row_changed(const uint8_t *lines, int ty)
{
    for (int y = ty * TILE; y < MIN((ty + 1) * TILE, surface.h); y++) {
        if (lines[y])
            return true;
    }
    return false;
}

/* Compare the new picture with the surface where the source said it may
 * differ (lines; NULL: everywhere). */
static void diff_picture(const uint32_t *px, const uint8_t *lines)
{
    detect_scroll(px, lines);
    for (int ty = 0; ty * TILE < surface.h; ty++) {
        if (!lines || tile_row_changed(lines, ty))
            diff_tile_row(px, ty);
    }
}

/* The last picture rendered (the surface's size): the source may redraw
 * only its changed lines in it. */
static uint32_t *picture;

static void picture_set(uint32_t *px)
{
    free(picture);
    picture = px;
}

/* A new size: the surface and the picture both start from px. */
static void picture_resize(uint32_t *px, int w, int h)
{
    uint32_t *copy = xmalloc((size_t)w * h * sizeof(uint32_t));
    memcpy(copy, px, (size_t)w * h * sizeof(uint32_t));
    picture_set(copy);
    surface_replace(px, w, h);
}

/* The whole picture again; lines as for diff_picture. */
static void render_all(const uint8_t *lines)
{
    uint32_t *px = NULL;
    int w = 0, h = 0;
    if (graphic_hw_render(&px, &w, &h)) {
        picture_set(NULL);
        if (!blank)
            surface_blank();
        return;
    }
    blank = false;
    if (w != surface.w || h != surface.h) {
        picture_resize(px, w, h);
        return;
    }
    diff_picture(px, lines);
    picture_set(px);
}

/* Render when the source's picture may have changed: only the lines it
 * names when it can tell, and can redraw them alone. */
static void render(void)
{
    static uint64_t rendered;       /* the source's generation last rendered */
    uint64_t gen = graphic_hw_generation();
    if (gen && gen == rendered)
        return;
    rendered = gen;
    uint8_t *lines = xmalloc((size_t)surface.h);
    bool known = !blank && graphic_hw_changed_lines(lines, surface.h);
    if (known && picture && !graphic_hw_render_lines(picture, surface.w, surface.h, lines))
        diff_picture(picture, lines);
    else
        render_all(known ? lines : NULL);
    free(lines);
}

/* The picture first, so the displays' ticks send what it changed now. */
void console_refresh(void)
{
    bool pixels = false, polls = false;
    flush_keys();
    for (DisplayListener *l = listeners; l; l = l->next) {
        pixels |= !l->no_pixels;
        polls |= l->polls;
    }
    unsigned before = changes;
    if (pixels)
        render();
    for (DisplayListener *l = listeners; l; l = l->next) {
        if (l->tick)
            l->tick(l->opaque);
    }
    pace(changes != before || polls || key_count);
}

void console_render(void)
{
    render();
}

/* --- input --- */

static Device *kbd_device(void)
{
    return machine ? machine_find_device(machine, "i8042") : NULL;
}

bool console_has_mouse(void)
{
    return kbd_device() != NULL || input_abs_present();
}

bool console_mouse_absolute(void)
{
    return input_abs_present();
}

static int scale_axis(int v, int size)
{
    v = MAX(0, MIN(size - 1, v));
    return size > 1 ? (int)((int64_t)v * INPUT_ABS_MAX / (size - 1)) : 0;
}

void console_mouse_abs_event(int x, int y, int dz, int buttons)
{
    input_wake();
    mouse_buttons = buttons;
    pointer_x = MAX(0, MIN(surface.w - 1, x));
    pointer_y = MAX(0, MIN(surface.h - 1, y));
    input_abs_event(scale_axis(pointer_x, surface.w), scale_axis(pointer_y, surface.h), dz,
                    (buttons & CONSOLE_BTN_LEFT ? INPUT_BTN_LEFT : 0) |
                    (buttons & CONSOLE_BTN_RIGHT ? INPUT_BTN_RIGHT : 0) |
                    (buttons & CONSOLE_BTN_MIDDLE ? INPUT_BTN_MIDDLE : 0));
}

/* Keys wait here while the controller's 16-byte queue is full (a pasted
 * line arrives faster than the guest reads), and go in order as it
 * drains: on every key and every tick.  Encoded when they go, in the set
 * the guest reads then. */
static void flush_keys(void)
{
    Device *kbd = kbd_device();
    while (key_count && kbd) {
        uint8_t codes[8];
        const PendingKey *k = &key_queue[key_head];
        size_t n = keycode_scancodes(k->key, k->down, i8042_guest_scancode_set(kbd), codes);
        if (n && !i8042_queue_kbd(kbd, codes, n))
            break;
        key_head = (key_head + 1) % KEY_QUEUE;
        key_count--;
    }
    if (!kbd)
        key_count = 0;
    if (!key_count && !listeners)
        timer_stop();
}

void console_key_event(int key, bool down)
{
    if (key_count == KEY_QUEUE)
        return;                 /* far ahead of the guest: dropped */
    input_wake();
    key_queue[(key_head + key_count++) % KEY_QUEUE] = (PendingKey){ (uint16_t)key, down };
    flush_keys();
    if (key_count)
        timer_start();
}

/* One PS/2 movement packet: 9-bit two's complement deltas, y up. */
static void mouse_packet(Device *kbd, int dx, int dy, int buttons)
{
    uint8_t p[3];
    p[0] = (uint8_t)(0x08 | (buttons & 7) | (dx < 0 ? 0x10 : 0) | (dy < 0 ? 0x20 : 0));
    p[1] = (uint8_t)dx;
    p[2] = (uint8_t)dy;
    i8042_queue_aux(kbd, p, 3);
}

/* Relative motion: with an absolute device it moves the pointer from where
 * it is (the monitor's mouse_move, a grabbed SDL window). */
void console_mouse_event(int dx, int dy, int dz, int buttons)
{
    if (input_abs_present()) {
        console_mouse_abs_event(pointer_x + dx, pointer_y + dy, dz, buttons);
        return;
    }
    Device *kbd = kbd_device();
    mouse_buttons = buttons;
    input_wake();
    if (!kbd)
        return;
    int ps2_buttons = (buttons & CONSOLE_BTN_LEFT ? 1 : 0) |
                      (buttons & CONSOLE_BTN_RIGHT ? 2 : 0) |
                      (buttons & CONSOLE_BTN_MIDDLE ? 4 : 0);
    dy = -dy;
    do {                        /* a long move goes as several packets */
        int px = MAX(-255, MIN(255, dx)), py = MAX(-255, MIN(255, dy));
        mouse_packet(kbd, px, py, ps2_buttons);
        dx -= px;
        dy -= py;
    } while (dx || dy);
    (void)dz;                   /* a plain PS/2 mouse has no wheel */
}

int console_mouse_buttons(void)
{
    return mouse_buttons;
}
