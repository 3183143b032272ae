/* -display sdl: the guest's picture in an SDL2 window titled "kemu
 * (NAME)", resized to the guest's mode (a window the user resizes scales
 * the picture); keys by scan code (USB HID usage
 * to PC key), the PS/2 mouse relative while the window holds the grab
 * (taken on a click, released with Ctrl-Alt-G, the title saying which);
 * Ctrl-Alt-F full screen, Ctrl-Alt-1/2/3 the guest and the text consoles;
 * closing the window quits as the monitor's quit.  Under X11 the window's
 * events wake the event loop through the X connection's descriptor, so an
 * idle window costs only the display core's backed-off refresh; elsewhere
 * SDL is polled at every refresh tick. */
#include "ui/display.h"
#include "hw/core/error.h"
#include "hw/core/loop.h"
#include "hw/core/util.h"
#include "ui/console.h"
#include "ui/keycodes.h"
#include "ui/monitor.h"
#include "ui/sdl-text.h"
#include "ui/vc.h"

#include <SDL.h>
#include <SDL_syswm.h>
#include <stdio.h>
#include <string.h>

typedef struct SdlState {
    Machine *m;
    SDL_Window *win;
    SDL_Renderer *ren;
    SDL_Texture *tex;
    int tex_w, tex_h;
    bool present, grab, full_screen, window_close;
    bool ctrl, alt;                 /* left Ctrl and Alt held: the hot-key modifier */
    int console_index;              /* 0: the guest; n: text console n-1 */
    int buttons;
    RunState shown_state;
    int x_fd;                       /* the X connection, or -1: poll */
    char title[400];
} SdlState;

static SdlState sdl;
static DisplayListener listener;
static bool active;

/* USB HID usages (SDL scan codes) 4..101 and 224..231 to key numbers. */
static const uint8_t hid_keys[102] = {
    [4] = 0x1e, 0x30, 0x2e, 0x20, 0x12, 0x21, 0x22, 0x23, 0x17, 0x24, 0x25, 0x26, 0x32, 0x31,
    0x18, 0x19, 0x10, 0x13, 0x1f, 0x14, 0x16, 0x2f, 0x11, 0x2d, 0x15, 0x2c,
    0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
    0x1c, 0x01, 0x0e, 0x0f, 0x39, 0x0c, 0x0d, 0x1a, 0x1b, 0x2b, 0x2b, 0x27, 0x28, 0x29,
    0x33, 0x34, 0x35, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x40, 0x41, 0x42, 0x43, 0x44,
    0x57, 0x58, 0xb7, 0x46, KEY_PAUSE, 0xd2, 0xc7, 0xc9, 0xd3, 0xcf, 0xd1, 0xcd, 0xcb,
    0xd0, 0xc8, 0x45, 0xb5, 0x37, 0x4a, 0x4e, 0x9c, 0x4f, 0x50, 0x51, 0x4b, 0x4c, 0x4d,
    0x47, 0x48, 0x49, 0x52, 0x53, 0x56, 0xdd,
};
static const uint8_t hid_modifier_keys[8] = { 0x1d, 0x2a, 0x38, 0xdb, 0x9d, 0x36, 0xb8, 0xdc };

static int key_of_scancode(SDL_Scancode sc)
{
    if (sc >= 4 && sc < (int)ARRAY_SIZE(hid_keys))
        return hid_keys[sc] ? hid_keys[sc] : -1;
    if (sc >= SDL_SCANCODE_LCTRL && sc <= SDL_SCANCODE_RGUI)
        return hid_modifier_keys[sc - SDL_SCANCODE_LCTRL];
    return -1;
}

/* QEMU's title: "kemu (NAME)", plus why the mouse is held or the VM stopped. */
static void update_title(void)
{
    const char *status = "";
    if (sdl.m->state != RUN_STATE_RUNNING)
        status = " [Stopped]";
    else if (sdl.grab)
        status = " - Press Ctrl-Alt-G to exit grab";
    snprintf(sdl.title, sizeof(sdl.title), "%s%s", console_title(), status);
    SDL_SetWindowTitle(sdl.win, sdl.title);
    sdl.shown_state = sdl.m->state;
}

static void set_grab(bool on)
{
    sdl.grab = on;
    SDL_SetWindowGrab(sdl.win, on ? SDL_TRUE : SDL_FALSE);
    SDL_SetRelativeMouseMode(on ? SDL_TRUE : SDL_FALSE);
    update_title();
}

static void make_texture(int w, int h)
{
    if (sdl.tex && sdl.tex_w == w && sdl.tex_h == h)
        return;
    if (sdl.tex)
        SDL_DestroyTexture(sdl.tex);
    sdl.tex = SDL_CreateTexture(sdl.ren, SDL_PIXELFORMAT_RGB888, SDL_TEXTUREACCESS_STREAMING,
                                w, h);
    sdl.tex_w = w;
    sdl.tex_h = h;
    if (!sdl.full_screen)
        SDL_SetWindowSize(sdl.win, w, h);
    SDL_RenderSetLogicalSize(sdl.ren, w, h);
}

static void sdl_resize(void *opaque, const DisplaySurface *s)
{
    if (sdl.console_index)
        return;
    make_texture(s->w, s->h);
    SDL_UpdateTexture(sdl.tex, NULL, s->px, s->w * 4);
    sdl.present = true;
}

static void sdl_update(void *opaque, const DisplaySurface *s, int x, int y, int w, int h)
{
    if (sdl.console_index)
        return;
    SDL_Rect r = { x, y, w, h };
    SDL_UpdateTexture(sdl.tex, &r, s->px + (size_t)y * s->w + x, s->w * 4);
    sdl.present = true;
}

static void show_text_console(void)
{
    int index = sdl.console_index - 1;
    if (!vc_take_dirty(index) && !sdl.present)
        return;
    int w, h;
    uint32_t *px = sdl_text_render(vc_screen(index), &w, &h);
    make_texture(w, h);
    SDL_UpdateTexture(sdl.tex, NULL, px, w * 4);
    free(px);
    sdl.present = true;
}

static void switch_console(int index)
{
    if (index > vc_count() || (index && !sdl_text_available()))
        return;
    sdl.console_index = index;
    sdl.present = true;
    if (!index)
        sdl_resize(NULL, console_surface());
}

static void toggle_full_screen(void)
{
    sdl.full_screen = !sdl.full_screen;
    SDL_SetWindowFullscreen(sdl.win, sdl.full_screen ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0);
    if (!sdl.full_screen)
        SDL_SetWindowSize(sdl.win, sdl.tex_w, sdl.tex_h);
    sdl.present = true;
}

/* Ctrl-Alt + F, G, 1..9: handled here, never sent to the guest. */
static bool hot_key(const SDL_KeyboardEvent *k)
{
    if (!sdl.ctrl || !sdl.alt)
        return false;
    SDL_Scancode sc = k->keysym.scancode;
    if (sc == SDL_SCANCODE_F) {
        if (k->type == SDL_KEYDOWN)
            toggle_full_screen();
        return true;
    }
    if (sc == SDL_SCANCODE_G) {
        if (k->type == SDL_KEYDOWN && sdl.grab)
            set_grab(false);
        return true;
    }
    if (sc >= SDL_SCANCODE_1 && sc <= SDL_SCANCODE_9) {
        if (k->type == SDL_KEYDOWN)
            switch_console(sc - SDL_SCANCODE_1);
        return true;
    }
    return false;
}

/* Typing on a text console: the key's character (SDL's text events are
 * not used, so that the guest gets scan codes only). */
static void text_console_key(const SDL_KeyboardEvent *k)
{
    SDL_Keycode sym = k->keysym.sym;
    uint8_t c;
    if (k->type != SDL_KEYDOWN)
        return;
    if (sym == SDLK_RETURN || sym == SDLK_KP_ENTER)
        c = '\r';
    else if (sym == SDLK_BACKSPACE)
        c = 0x7f;
    else if (sym >= 0x20 && sym < 0x7f)
        c = (uint8_t)((k->keysym.mod & KMOD_SHIFT) && sym >= 'a' && sym <= 'z' ? sym - 32 : sym);
    else
        return;
    vc_input(sdl.console_index - 1, &c, 1);
}

static void key_event(const SDL_KeyboardEvent *k)
{
    bool down = k->type == SDL_KEYDOWN;
    if (k->keysym.scancode == SDL_SCANCODE_LCTRL)
        sdl.ctrl = down;
    if (k->keysym.scancode == SDL_SCANCODE_LALT)
        sdl.alt = down;
    if (hot_key(k))
        return;
    if (sdl.console_index) {
        text_console_key(k);
        return;
    }
    int key = key_of_scancode(k->keysym.scancode);
    if (key >= 0)
        console_key_event(key, down);
}

static int sdl_buttons(uint32_t state)
{
    return (state & SDL_BUTTON_LMASK ? CONSOLE_BTN_LEFT : 0) |
           (state & SDL_BUTTON_RMASK ? CONSOLE_BTN_RIGHT : 0) |
           (state & SDL_BUTTON_MMASK ? CONSOLE_BTN_MIDDLE : 0);
}

/* With a tablet the pointer follows the host's, in surface pixels (SDL
 * maps window coordinates through the renderer's logical size): no grab. */
static void mouse_abs_event(const SDL_Event *e)
{
    static int x, y;
    int dz = 0;
    if (e->type == SDL_MOUSEMOTION) {
        x = e->motion.x;
        y = e->motion.y;
        sdl.buttons = sdl_buttons(e->motion.state);
    } else if (e->type == SDL_MOUSEWHEEL) {
        dz = -e->wheel.y;
    } else {
        x = e->button.x;
        y = e->button.y;
        sdl.buttons = sdl_buttons(SDL_GetMouseState(NULL, NULL));
    }
    console_mouse_abs_event(x, y, dz, sdl.buttons);
}

static void mouse_event(const SDL_Event *e)
{
    if (console_mouse_absolute() && !sdl.grab) {
        if (!sdl.console_index)
            mouse_abs_event(e);
        return;
    }
    if (e->type == SDL_MOUSEBUTTONDOWN && !sdl.grab) {
        if (e->button.button == SDL_BUTTON_LEFT && !sdl.console_index)
            set_grab(true);             /* the grabbing click stays ours */
        return;
    }
    if (!sdl.grab)
        return;
    if (e->type == SDL_MOUSEMOTION) {
        console_mouse_event(e->motion.xrel, e->motion.yrel, 0, sdl_buttons(e->motion.state));
    } else if (e->type == SDL_MOUSEWHEEL) {
        console_mouse_event(0, 0, -e->wheel.y, sdl.buttons);
    } else {
        sdl.buttons = sdl_buttons(SDL_GetMouseState(NULL, NULL));
        console_mouse_event(0, 0, 0, sdl.buttons);
    }
}

static void quit_requested(void)
{
    if (!sdl.window_close)
        return;
    monitor_quit_requested = true;
    machine_request_shutdown(sdl.m, 0);
}

static void handle_event(const SDL_Event *e)
{
    switch (e->type) {
    case SDL_QUIT: quit_requested(); break;
    case SDL_KEYDOWN: case SDL_KEYUP: key_event(&e->key); break;
    case SDL_MOUSEMOTION: case SDL_MOUSEBUTTONDOWN: case SDL_MOUSEBUTTONUP: case SDL_MOUSEWHEEL:
        mouse_event(e);
        break;
    case SDL_WINDOWEVENT:
        if (e->window.event == SDL_WINDOWEVENT_FOCUS_LOST) {
            sdl.ctrl = sdl.alt = false;
            if (sdl.grab)
                set_grab(false);
        }
        sdl.present = true;
        break;
    default: break;
    }
}

/* Everything SDL queued.  Each SDL call may read the X connection and
 * queue what arrived, so this runs after the last call of a turn. */
static void drain_events(void)
{
    SDL_Event e;
    while (SDL_PollEvent(&e))
        handle_event(&e);
}

static bool present(void)
{
    if (!sdl.present || !sdl.tex)
        return false;
    SDL_RenderClear(sdl.ren);
    SDL_RenderCopy(sdl.ren, sdl.tex, NULL, NULL);
    SDL_RenderPresent(sdl.ren);
    sdl.present = false;
    return true;
}

/* Events, then the picture, until neither leaves work (an expose event
 * asks for one more present); bounded, the next tick does the rest. */
static void service(void)
{
    for (int i = 0; i < 3; i++) {
        drain_events();
        if (sdl.m->state != sdl.shown_state)
            update_title();
        if (sdl.console_index)
            show_text_console();
        if (!present())
            break;
    }
}

static void sdl_tick(void *opaque)
{
    (void)opaque;
    service();
}

/* The X connection has data: input, or the window shown or resized. */
static void on_x_events(void *opaque)
{
    (void)opaque;
    service();
}

/* The X connection's descriptor, or -1 when SDL drives something else. */
static int x_connection_fd(void)
{
#if defined(SDL_VIDEO_DRIVER_X11)
    SDL_SysWMinfo info;
    SDL_VERSION(&info.version);
    if (SDL_GetWindowWMInfo(sdl.win, &info) && info.subsystem == SDL_SYSWM_X11)
        return ConnectionNumber(info.info.x11.display);
#endif
    return -1;
}

static int create_window(const DisplaySurface *s)
{
    sdl.win = SDL_CreateWindow(console_title(), SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED,
                               s->w, s->h, SDL_WINDOW_SHOWN | SDL_WINDOW_RESIZABLE);
    if (!sdl.win)
        return -1;
    sdl.ren = SDL_CreateRenderer(sdl.win, -1, 0);
    if (!sdl.ren)
        sdl.ren = SDL_CreateRenderer(sdl.win, -1, SDL_RENDERER_SOFTWARE);
    return sdl.ren ? 0 : -1;
}

int sdl_display_start(Machine *m, bool full_screen, bool window_close)
{
    if (SDL_Init(SDL_INIT_VIDEO) != 0) {
        error_report("Could not initialize SDL(%s) - exiting", SDL_GetError());
        return -1;
    }
    sdl = (SdlState){ .m = m, .window_close = window_close, .shown_state = m->state };
    if (create_window(console_surface())) {
        error_report("-display sdl: cannot create the window: %s", SDL_GetError());
        SDL_Quit();
        return -1;
    }
    active = true;
    update_title();
    if (full_screen)
        toggle_full_screen();
    SDL_StopTextInput();                /* keys as scan codes only: no input method */
    sdl.x_fd = x_connection_fd();
    listener = (DisplayListener){ .resize = sdl_resize, .update = sdl_update, .tick = sdl_tick,
                                  .polls = sdl.x_fd < 0 };
    console_add_listener(&listener);
    if (sdl.x_fd >= 0)
        loop_set_fd(sdl.x_fd, on_x_events, NULL, NULL);
    service();
    return 0;
}

void sdl_display_cleanup(void)
{
    if (!active)
        return;
    active = false;
    SDL_Quit();
}
