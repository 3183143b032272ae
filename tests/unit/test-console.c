/* The display core without a guest: key numbers and scan code sets, keys
 * and mouse motion reaching the i8042 in the set the guest reads, the
 * picture's dirty rectangles from a fake graphic source, the monitor's
 * sendkey/mouse commands, and VNC's keysym tables. */
#include "tests/unit/harness.h"
#include "tests/unit/unit.h"
#include "hw/core/graphic.h"
#include "hw/core/util.h"
#include "hw/input/i8042.h"
#include "ui/chardev.h"
#include "ui/console.h"
#include "ui/keycodes.h"
#include "ui/monitor.h"
#include "ui/vnc-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int read_data(void)
{
    if (!(inb(0x64) & 0x01))
        return -1;
    return inb(0x60);
}

static Device *kbc_setup(void)
{
    Device *d = harness_device("i8042", NULL);
    console_init(harness_machine());
    return d;
}

TEST(console, key_names_and_set2)
{
    uint8_t b[8];
    CHECK_EQ(keycode_from_name("ctrl"), 0x1d);
    CHECK_EQ(keycode_from_name("delete"), 0xd3);
    CHECK_EQ(keycode_from_name("kp_enter"), 0x9c);
    CHECK_EQ(keycode_from_name("nosuchkey"), -1);
    CHECK(!strcmp(keycode_name(0x1e), "a"));
    CHECK_EQ(keycode_scancodes(0x1e, true, 2, b), 1u);
    CHECK_EQ(b[0], 0x1c);
    CHECK_EQ(keycode_scancodes(0xd3, false, 2, b), 3u);         /* E0 F0 71 */
    CHECK(b[0] == 0xe0 && b[1] == 0xf0 && b[2] == 0x71);
    CHECK_EQ(keycode_scancodes(0xd3, false, 1, b), 2u);         /* E0 D3 */
    CHECK(b[0] == 0xe0 && b[1] == 0xd3);
    CHECK_EQ(keycode_scancodes(KEY_PAUSE, true, 1, b), 6u);
    CHECK_EQ(keycode_scancodes(KEY_PAUSE, false, 1, b), 0u);
    CHECK_EQ(keycode_scancodes(0x41, true, 2, b), 1u);          /* F7 is 0x83 in set 2 */
    CHECK_EQ(b[0], 0x83);
}

TEST(console, keys_reach_i8042_in_guest_set)
{
    kbc_setup();
    console_key_event(0x1e, true);                  /* set 2 after reset */
    console_key_event(0x1e, false);
    CHECK_EQ(read_data(), 0x1c);
    CHECK_EQ(read_data(), 0xf0);
    CHECK_EQ(read_data(), 0x1c);
    outb(0x64, 0x60);
    outb(0x60, 0x47);                               /* translation on: set 1 */
    console_key_event(0x9d, true);
    console_key_event(0x9d, false);
    CHECK_EQ(read_data(), 0xe0);
    CHECK_EQ(read_data(), 0x1d);
    CHECK_EQ(read_data(), 0xe0);
    CHECK_EQ(read_data(), 0x9d);
    CHECK_EQ(read_data(), -1);
}

/* A pasted line: more than the controller holds waits in the console and
 * follows, in order, as the guest reads. */
TEST(console, keys_wait_for_a_full_controller)
{
    kbc_setup();
    for (int i = 0; i < 20; i++) {
        console_key_event(0x1e, true);
        console_key_event(0x1e, false);
    }
    int n = 0, bytes[64];
    for (int spins = 0; spins < 100 && n < 60; spins++) {
        int b;
        while (n < 64 && (b = read_data()) >= 0)
            bytes[n++] = b;
        console_refresh();                          /* a tick: the rest goes in */
    }
    CHECK_EQ(n, 60);                                /* 20 x (1C, F0 1C) */
    for (int i = 0; i + 2 < n; i += 3)
        CHECK(bytes[i] == 0x1c && bytes[i + 1] == 0xf0 && bytes[i + 2] == 0x1c);
}

TEST(console, mouse_packets)
{
    kbc_setup();
    outb(0x64, 0xd4);
    outb(0x60, 0xf4);                               /* enable reporting */
    CHECK_EQ(read_data(), 0xfa);
    console_mouse_event(5, 3, 0, CONSOLE_BTN_LEFT);  /* right 5, down 3 */
    CHECK_EQ(read_data(), 0x29);                    /* left, always-1, y negative */
    CHECK_EQ(read_data(), 5);
    CHECK_EQ(read_data(), 0xfd);
    console_mouse_event(-300, 0, 0, CONSOLE_BTN_RIGHT);
    CHECK_EQ(read_data(), 0x1a);                    /* right button, x negative */
    CHECK_EQ(read_data(), 0x01);                    /* -255 */
    CHECK_EQ(read_data(), 0);
    CHECK_EQ(read_data(), 0x1a);
    CHECK_EQ(read_data(), 0xd3);                    /* the other -45 */
    CHECK_EQ(read_data(), 0);
    CHECK_EQ(console_mouse_buttons(), CONSOLE_BTN_RIGHT);
}

/* --- the picture --- */

static uint32_t fake_px[64 * 48];
static int fake_w = 64, fake_h = 48;

static int fake_render(void *opaque, uint32_t **px, int *w, int *h)
{
    *px = xmalloc(sizeof(uint32_t) * fake_w * fake_h);
    memcpy(*px, fake_px, sizeof(uint32_t) * fake_w * fake_h);
    *w = fake_w;
    *h = fake_h;
    return 0;
}

static const GraphicHwOps fake_ops = { .render = fake_render };
static int resizes, updates, ux, uy, uw, uh;

static void on_resize(void *opaque, const DisplaySurface *s)
{
    resizes++;
}

static void on_update(void *opaque, const DisplaySurface *s, int x, int y, int w, int h)
{
    updates++;
    ux = x, uy = y, uw = w, uh = h;
}

TEST(console, dirty_rectangles)
{
    int fake;
    DisplayListener l = { .resize = on_resize, .update = on_update };
    graphic_hw_register(&fake_ops, &fake);
    console_init(harness_init());
    console_add_listener(&l);
    resizes = updates = 0;
    console_refresh();
    CHECK_EQ(resizes, 1);                           /* blank 640x480 -> 64x48 */
    CHECK_EQ(console_surface()->w, 64);
    console_refresh();
    CHECK_EQ(updates, 0);                           /* idle: nothing to send */
    fake_px[20 * 64 + 40] = 0xffffff;
    console_refresh();
    CHECK_EQ(updates, 1);
    CHECK(ux == 32 && uy == 16 && uw == 16 && uh == 16);
    CHECK_EQ(console_surface()->px[20 * 64 + 40], 0xffffffu);
    fake_px[47 * 64 + 0] = 1;
    fake_px[47 * 64 + 63] = 1;
    updates = 0;
    console_refresh();
    CHECK_EQ(updates, 2);                           /* two runs in the last tile row */
    CHECK(uy == 32 && uh == 16);
    console_remove_listener(&l);
    graphic_hw_unregister(&fake);
    memset(fake_px, 0, sizeof(fake_px));
}

/* The refresh period: 30 ms while the picture changes, 50 ms slower per
 * idle tick up to 500 ms, 30 ms again at once on input or a change, and
 * kept at 30 ms while a display polls its own input at each tick. */
TEST(console, idle_refresh_backs_off)
{
    int fake;
    DisplayListener l = { .resize = on_resize, .update = on_update };
    DisplayListener poller = { .polls = true };
    graphic_hw_register(&fake_ops, &fake);
    console_init(harness_init());
    console_add_listener(&l);
    CHECK_EQ(console_refresh_ms(), CONSOLE_REFRESH_MS);
    console_refresh();
    console_refresh();
    CHECK_EQ(console_refresh_ms(), CONSOLE_REFRESH_MS + CONSOLE_REFRESH_STEP_MS);
    for (int i = 0; i < 20; i++)
        console_refresh();
    CHECK_EQ(console_refresh_ms(), CONSOLE_REFRESH_IDLE_MS);
    fake_px[5] = 0x123456;
    console_refresh();
    CHECK_EQ(console_refresh_ms(), CONSOLE_REFRESH_MS);
    console_refresh();
    console_refresh();
    CHECK(console_refresh_ms() > CONSOLE_REFRESH_MS);
    console_key_event(0x1e, true);                  /* no keyboard: dropped, still input */
    CHECK_EQ(console_refresh_ms(), CONSOLE_REFRESH_MS);
    console_add_listener(&poller);
    for (int i = 0; i < 5; i++)
        console_refresh();
    CHECK_EQ(console_refresh_ms(), CONSOLE_REFRESH_MS);
    console_remove_listener(&poller);
    console_remove_listener(&l);
    graphic_hw_unregister(&fake);
    memset(fake_px, 0, sizeof(fake_px));
}

static int scrolls, s_src, s_dst, s_h;

static void on_scroll(void *opaque, const DisplaySurface *s, int src_y, int dst_y, int h)
{
    scrolls++;
    s_src = src_y, s_dst = dst_y, s_h = h;
}

/* Text moving up one 16-row line, caught halfway: the band that moved is a
 * scroll, the rest ordinary updates; the surface ends equal to the picture. */
TEST(console, scroll_detection)
{
    int fake;
    DisplayListener l = { .resize = on_resize, .update = on_update, .scroll = on_scroll };
    for (int i = 0; i < 64 * 48; i++)
        fake_px[i] = (uint32_t)(i / 64) * 0x010203;        /* every row different */
    graphic_hw_register(&fake_ops, &fake);
    console_init(harness_init());
    console_add_listener(&l);
    console_refresh();
    memmove(fake_px, fake_px + 16 * 64, 16 * 64 * sizeof(uint32_t));   /* rows 0-15 moved */
    scrolls = updates = 0;
    console_refresh();
    CHECK_EQ(scrolls, 1);
    CHECK(s_src == 16 && s_dst == 0 && s_h == 16);
    CHECK_EQ(updates, 0);                   /* nothing else changed */
    CHECK(!memcmp(console_surface()->px, fake_px, sizeof(fake_px)));
    memmove(fake_px + 16 * 64, fake_px + 32 * 64, 16 * 64 * sizeof(uint32_t));
    for (int i = 32 * 64; i < 48 * 64; i++)
        fake_px[i] = 0xffffff;                              /* the new last line */
    scrolls = updates = 0;
    console_refresh();
    CHECK_EQ(scrolls, 1);
    CHECK(s_src == 32 && s_dst == 16 && s_h == 16);
    CHECK_EQ(updates, 1);
    CHECK(!memcmp(console_surface()->px, fake_px, sizeof(fake_px)));
    console_remove_listener(&l);
    graphic_hw_unregister(&fake);
    memset(fake_px, 0, sizeof(fake_px));
}

/* The std VGA's write count: still while nothing is written (an idle
 * screen is not even rendered), moving on register and memory writes;
 * with the linear framebuffer on, moving when the visible bytes change
 * (the LFB is at 0xe0000000 on this PCI-less board). */
TEST(console, vga_generation)
{
    harness_init();
    harness_device("VGA", NULL);
    outb(0x3c2, 0x01);                              /* the CRT at 0x3d4 */
    uint64_t g0 = graphic_hw_generation();
    CHECK(g0 != 0);
    CHECK_EQ(graphic_hw_generation(), g0);
    outb(0x3d4, 0x0e);                              /* an index alone: no change */
    CHECK_EQ(graphic_hw_generation(), g0);
    outb(0x3d5, 0x01);
    CHECK(graphic_hw_generation() != g0);
    uint64_t g1 = graphic_hw_generation();
    writel(0xb8000, 0x07410741);
    CHECK(graphic_hw_generation() != g1);
    static const uint16_t mode[][2] = { { 1, 640 }, { 2, 480 }, { 3, 32 }, { 4, 0x41 } };
    for (int i = 0; i < 4; i++) {                   /* 640x480x32, enabled with the LFB */
        outw(0x1ce, mode[i][0]);
        outw(0x1d0, mode[i][1]);
    }
    uint64_t g2 = graphic_hw_generation();
    CHECK(g2 != 0);
    CHECK_EQ(graphic_hw_generation(), g2);
    writel(0xe0000000u + 4 * 640 * 479, 0x00ff0000);     /* the last line */
    CHECK(graphic_hw_generation() != g2);
}

/* The std VGA's framebuffer seen through its dirty log: idle refreshes
 * report nothing, a pixel written reports its tile alone, redrawn from
 * the lines its page holds into the surface. */
TEST(console, vga_lfb_pixel_updates_its_tile)
{
    DisplayListener l = { .resize = on_resize, .update = on_update };
    harness_init();
    harness_device("VGA", NULL);
    console_init(harness_machine());
    static const uint16_t mode[][2] = { { 1, 640 }, { 2, 480 }, { 3, 32 }, { 4, 0x41 } };
    for (int i = 0; i < 4; i++) {
        outw(0x1ce, mode[i][0]);
        outw(0x1d0, mode[i][1]);
    }
    console_add_listener(&l);
    console_refresh();                      /* the first picture, all black */
    updates = 0;
    console_refresh();
    console_refresh();
    CHECK_EQ(updates, 0);
    writel(0xe0000000u + 4 * (200 * 640 + 100), 0x00ff0000);
    writel(0xe0000000u + 4 * (200 * 640 + 101), 0);           /* unchanged */
    console_refresh();
    CHECK_EQ(updates, 1);
    CHECK(ux == 96 && uy == 192 && uw == 16 && uh == 16);
    CHECK_EQ(console_surface()->px[200 * 640 + 100], 0xff0000u);
    writel(0xe0000000u + 4 * (479 * 640 + 639), 0x0000ff00);  /* the last pixel */
    updates = 0;
    console_refresh();
    CHECK_EQ(updates, 1);
    CHECK(ux == 624 && uy == 464 && uw == 16 && uh == 16);
    CHECK_EQ(console_surface()->px[479 * 640 + 639], 0x00ff00u);
    updates = 0;
    console_refresh();
    CHECK_EQ(updates, 0);
    console_remove_listener(&l);
}

/* --- the monitor --- */

static char mon_path[64];

static Monitor *file_monitor(void)
{
    snprintf(mon_path, sizeof(mon_path), "/tmp/kemu-conmon-%d.txt", (int)getpid());
    char spec[96];
    snprintf(spec, sizeof(spec), "file:%s", mon_path);
    Chardev *chr = chr_new("console-test-mon", spec);
    CHECK(chr != NULL);
    return monitor_new(harness_machine(), chr);
}

static bool mon_says(const char *text)
{
    static char buf[16384];
    FILE *f = fopen(mon_path, "r");
    size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
    buf[n] = '\0';
    if (f)
        fclose(f);
    return strstr(buf, text) != NULL;
}

TEST(console, monitor_sendkey_and_mouse)
{
    kbc_setup();
    Monitor *mon = file_monitor();
    monitor_execute(mon, "sendkey ctrl-alt-delete 10");
    CHECK_EQ(read_data(), 0x14);                    /* set 2: ctrl, alt, E0 71 */
    CHECK_EQ(read_data(), 0x11);
    CHECK_EQ(read_data(), 0xe0);
    CHECK_EQ(read_data(), 0x71);
    CHECK_EQ(read_data(), -1);                      /* held for 10 ms */
    clock_advance(10 * 1000000LL);
    CHECK_EQ(read_data(), 0xe0);                    /* released in reverse order */
    CHECK_EQ(read_data(), 0xf0);
    CHECK_EQ(read_data(), 0x71);
    CHECK_EQ(read_data(), 0xf0);
    CHECK_EQ(read_data(), 0x11);
    CHECK_EQ(read_data(), 0xf0);
    CHECK_EQ(read_data(), 0x14);
    CHECK_EQ(read_data(), -1);
    monitor_execute(mon, "sendkey 0x1e");
    CHECK_EQ(read_data(), 0x1c);
    monitor_execute(mon, "sendkey foo");
    CHECK(mon_says("invalid parameter: foo"));
    monitor_execute(mon, "info mice");
    CHECK(mon_says("* Mouse #2: QEMU PS/2 Mouse"));
    outb(0x64, 0xd4);
    outb(0x60, 0xf4);
    while (read_data() >= 0)
        ;
    monitor_execute(mon, "mouse_button 4");         /* QEMU's 4 is the right button */
    CHECK_EQ(read_data(), 0x0a);
    CHECK_EQ(read_data(), 0);
    CHECK_EQ(read_data(), 0);
    monitor_execute(mon, "mouse_move 10 -20");
    CHECK_EQ(read_data(), 0x0a);
    CHECK_EQ(read_data(), 10);
    CHECK_EQ(read_data(), 20);
    monitor_execute(mon, "info vnc");
    CHECK(mon_says("None"));
    monitor_execute(mon, "set_password vnc abc");
    CHECK(mon_says("Error: Could not set password"));
    unlink(mon_path);
}

TEST(console, vnc_keysyms)
{
    CHECK_EQ(vnc_keysym_to_key('a'), 0x1e);
    CHECK_EQ(vnc_keysym_to_key('A'), 0x1e);
    CHECK_EQ(vnc_keysym_to_key('>'), 0x34);
    CHECK_EQ(vnc_keysym_to_key(0xff0d), 0x1c);      /* Return */
    CHECK_EQ(vnc_keysym_to_key(0xffe4), 0x9d);      /* Control_R */
    CHECK_EQ(vnc_keysym_to_key(0x12345), -1);
    /* QEMU's keymap files (Debian's qemu-system-data, which the tests
     * install with qemu-system-x86). */
    CHECK_EQ(vnc_set_keymap("de"), 0);
    CHECK_EQ(vnc_keysym_to_key('z'), 0x15);         /* German z is the US y key */
    CHECK_EQ(vnc_keysym_to_key(0xe4), 0x28);        /* adiaeresis */
    CHECK_EQ(vnc_set_keymap("en-us"), 0);
    CHECK_EQ(vnc_keysym_to_key('z'), 0x2c);
    CHECK_EQ(vnc_set_keymap("no-such-layout"), -1);
}
