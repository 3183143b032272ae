/* The display core every display (VNC, curses, SDL) and the monitor's
 * input commands share: the guest's picture as a surface with dirty
 * rectangles, refreshed on a host timer only while some display listens
 * (an idle screen sends nothing), and keyboard and mouse input turned into
 * scan codes and PS/2 packets for the keyboard controller.  The timer
 * slows down while the picture stays the same (by CONSOLE_REFRESH_STEP_MS
 * a tick, to CONSOLE_REFRESH_IDLE_MS) and is back at CONSOLE_REFRESH_MS as
 * soon as the picture changes or input arrives, unless a display polls
 * its own input at each tick.  Everything runs on the event loop with the
 * machine lock held. */
#ifndef KEMU_UI_CONSOLE_H
#define KEMU_UI_CONSOLE_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/core/machine.h"

#define CONSOLE_REFRESH_MS 30
#define CONSOLE_REFRESH_STEP_MS 50
#define CONSOLE_REFRESH_IDLE_MS 500

typedef struct DisplaySurface {
    int w, h;                   /* black 640 x 480 while the screen is blank */
    uint32_t *px;               /* 0x00RRGGBB, w * h */
} DisplaySurface;

typedef struct DisplayListener {
    /* The surface changed size (everything is new). */
    void (*resize)(void *opaque, const DisplaySurface *s);
    /* A rectangle of the surface changed. */
    void (*update)(void *opaque, const DisplaySurface *s, int x, int y, int w, int h);
    /* h rows at src_y moved up to dst_y (the guest scrolled), before any
     * update of this refresh; NULL: reported as an update of those rows. */
    void (*scroll)(void *opaque, const DisplaySurface *s, int src_y, int dst_y, int h);
    /* Every refresh tick, after the picture was compared (may be NULL):
     * a display sends what changed and polls its own input here. */
    void (*tick)(void *opaque);
    void *opaque;
    bool no_pixels;             /* reads the text screen itself: no rendering */
    bool polls;                 /* polls input in tick: keep the full rate */
    struct DisplayListener *next;
} DisplayListener;

void console_init(Machine *m);
void console_add_listener(DisplayListener *l);
void console_remove_listener(DisplayListener *l);
/* Render now and report what changed (the timer calls this). */
void console_refresh(void);
/* The refresh period now, in ms (CONSOLE_REFRESH_MS..._IDLE_MS). */
int console_refresh_ms(void);
/* Render now without the listeners' ticks (a new client's first size). */
void console_render(void);
const DisplaySurface *console_surface(void);
/* The window title's name: "kemu (NAME)" or "kemu". */
const char *console_title(void);

/* Input: key numbers (ui/keycodes.h), relative mouse motion (dy down is
 * positive, dz a wheel step) and buttons (CONSOLE_BTN_*). */
#define CONSOLE_BTN_LEFT 1
#define CONSOLE_BTN_RIGHT 2
#define CONSOLE_BTN_MIDDLE 4
void console_key_event(int key, bool down);
void console_mouse_event(int dx, int dy, int dz, int buttons);
int console_mouse_buttons(void);
bool console_has_mouse(void);
/* An absolute pointing device (a USB tablet) takes the pointer: displays
 * then send positions, in surface pixels, and need no grab. */
bool console_mouse_absolute(void);
void console_mouse_abs_event(int x, int y, int dz, int buttons);

#endif
