/* The RFB protocol from the client's side: the version and security
 * handshake, ClientInit, and the client-to-server messages.  A client is
 * never trusted: every length, count and rectangle is checked before use,
 * and anything malformed drops that client (never the emulator). */
#include "ui/vnc-int.h"
#include "hw/core/util.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void vnc_send_version(VncClient *c)
{
    vnc_write(c, "RFB 003.008\n", 12);
    vnc_flush(c);
}

/* A failure the client can read (3.8 carries a reason), then the close. */
static int fail_with(VncClient *c, const char *reason)
{
    vnc_write_u32(c, 1);
    if (c->minor >= 8) {
        vnc_write_u32(c, (uint32_t)strlen(reason));
        vnc_write(c, reason, strlen(reason));
    }
    vnc_flush(c);
    return -1;
}

/* The challenge is the kernel's randomness or nothing: a client is
 * dropped rather than given a guessable one. */
static int start_auth(VncClient *c)
{
    if (getrandom(c->challenge, sizeof(c->challenge), 0) != sizeof(c->challenge))
        return -1;
    vnc_write(c, c->challenge, sizeof(c->challenge));
    c->state = VNC_AUTH;
    return 0;
}

static void auth_passed(VncClient *c)
{
    if (c->minor >= 8 || vnc.auth == VNC_AUTH_VNC)
        vnc_write_u32(c, 0);            /* SecurityResult: OK */
    c->state = VNC_INIT;
}

static int on_version(VncClient *c)
{
    int major, minor;
    char text[13];
    memcpy(text, c->in.data, 12);
    text[12] = '\0';
    if (sscanf(text, "RFB %3d.%3d\n", &major, &minor) != 2 || major != 3 || text[11] != '\n')
        return -1;
    c->minor = minor >= 8 ? 8 : minor == 7 ? 7 : 3;
    if (c->minor == 3) {
        vnc_write_u32(c, (uint32_t)vnc.auth);
        if (vnc.auth == VNC_AUTH_VNC && start_auth(c))
            return -1;
        if (vnc.auth != VNC_AUTH_VNC)
            c->state = VNC_INIT;
    } else {
        vnc_write_u8(c, 1);
        vnc_write_u8(c, (uint8_t)vnc.auth);
        c->state = VNC_SECURITY;
    }
    return 12;
}

static int on_security(VncClient *c)
{
    if (c->in.data[0] != vnc.auth)
        return fail_with(c, "Unsupported security type");
    if (vnc.auth != VNC_AUTH_VNC)
        auth_passed(c);
    else if (start_auth(c))
        return -1;
    return 1;
}

static bool password_expired(void)
{
    return vnc.expires_set && time(NULL) >= vnc.expires;
}

static int on_auth(VncClient *c)
{
    if (!vnc.password_set || password_expired())
        return fail_with(c, "Authentication failed");
    if (!vnc_auth_check(vnc.password, c->challenge, c->in.data))
        return fail_with(c, "Authentication failed");
    auth_passed(c);
    return 16;
}

/* QEMU's share policies: allow-exclusive (an exclusive client drops the
 * others, and nobody joins while it is there), force-shared (an exclusive
 * request is refused), ignore (the flag means nothing).  -1 drops c. */
static int apply_share(VncClient *c, bool shared)
{
    if (vnc.share == VNC_SHARE_IGNORE)
        return 0;
    if (!shared && vnc.share == VNC_SHARE_FORCE_SHARED)
        return -1;
    for (VncClient *o = vnc.clients; o; o = o->next) {
        if (o == c || o->state != VNC_NORMAL)
            continue;
        if (o->exclusive)
            return -1;
        if (!shared)
            vnc_client_close(o, "exclusive client connected");
    }
    c->exclusive = !shared;
    return 0;
}

static int on_client_init(VncClient *c)
{
    console_render();
    const DisplaySurface *s = console_surface();
    if (apply_share(c, c->in.data[0] != 0))
        return -1;
    vnc_write_u16(c, (uint16_t)s->w);
    vnc_write_u16(c, (uint16_t)s->h);
    vnc_write_pf(c, &c->pf);
    vnc_write_u32(c, (uint32_t)strlen(vnc.name));
    vnc_write(c, vnc.name, strlen(vnc.name));
    c->state = VNC_NORMAL;
    vnc_client_ready(c);
    return 1;
}

/* --- normal messages --- */

/* A colour-map client gets a fixed 3-3-2 map and 8-bit "true colour"
 * values into it. */
static void send_bgr233_map(VncClient *c)
{
    vnc_write_u8(c, 1);                 /* SetColourMapEntries */
    vnc_write_u8(c, 0);
    vnc_write_u16(c, 0);
    vnc_write_u16(c, 256);
    for (int i = 0; i < 256; i++) {
        vnc_write_u16(c, (uint16_t)((i & 7) * 65535 / 7));
        vnc_write_u16(c, (uint16_t)(((i >> 3) & 7) * 65535 / 7));
        vnc_write_u16(c, (uint16_t)((i >> 6) * 65535 / 3));
    }
}

static int set_pixel_format(VncClient *c, const uint8_t *p)
{
    VncPixelFormat pf = {
        .bpp = p[4], .depth = p[5], .big_endian = p[6] != 0, .true_colour = p[7] != 0,
        .max = { rd16(p + 8), rd16(p + 10), rd16(p + 12) },
        .shift = { p[14], p[15], p[16] },
    };
    if (pf.bpp != 8 && pf.bpp != 16 && pf.bpp != 32)
        return -1;
    if (!pf.true_colour) {
        if (pf.bpp != 8)
            return -1;
        pf = (VncPixelFormat){ .bpp = 8, .depth = 8, .true_colour = 1, .max = { 7, 7, 3 },
                               .shift = { 0, 3, 6 } };
        send_bgr233_map(c);
    }
    for (int i = 0; i < 3; i++) {
        if (!pf.max[i] || pf.shift[i] >= pf.bpp || (uint32_t)pf.max[i] << pf.shift[i] >>
            pf.shift[i] != pf.max[i] || ((uint64_t)pf.max[i] << pf.shift[i]) >> pf.bpp)
            return -1;
    }
    c->pf = pf;
    vnc_client_set_size(c, c->fb_w, c->fb_h);   /* everything again, in the new format */
    return 20;
}

static void pick_encoding(VncClient *c, int32_t enc)
{
    switch (enc) {
    case ENC_RAW: case ENC_HEXTILE: case ENC_ZRLE:
        if (c->encoding == -1)
            c->encoding = enc;
        break;
    case ENC_COPYRECT: c->want_copyrect = true; break;
    case ENC_DESKTOP_SIZE: c->want_resize = true; break;
    case ENC_CURSOR: c->want_cursor = true; break;
    case ENC_EXT_KEY_EVENT: c->want_ext_key = true; break;
    default: break;                     /* unknown ones: not chosen */
    }
}

static int set_encodings(VncClient *c, const uint8_t *p, size_t avail)
{
    size_t n = rd16(p + 2), len = 4 + 4 * n;
    if (avail < len)
        return 0;
    c->encoding = -1;
    c->want_resize = c->want_cursor = c->want_ext_key = c->want_copyrect = false;
    for (size_t i = 0; i < n; i++)
        pick_encoding(c, (int32_t)rd32(p + 4 + 4 * i));
    if (c->encoding == -1)
        c->encoding = ENC_RAW;
    c->cursor_sent = false;
    return (int)len;
}

static int update_request(VncClient *c, const uint8_t *p)
{
    int x = rd16(p + 2), y = rd16(p + 4), w = rd16(p + 6), h = rd16(p + 8);
    if (!p[1] && x < c->fb_w && y < c->fb_h)
        vnc_mark_dirty(c, x, y, MIN(w, c->fb_w - x), MIN(h, c->fb_h - y));
    c->update_requested = true;
    if (!c->out.len)
        vnc_send_update(c);
    return 10;
}

static void key_event(VncClient *c, int key, bool down)
{
    if (key <= 0 || key > 0xff)
        return;
    if (down)
        c->keys_down[key / 8] |= (uint8_t)(1 << (key % 8));
    else
        c->keys_down[key / 8] &= (uint8_t)~(1 << (key % 8));
    console_key_event(key, down);
}

static int pointer_event(VncClient *c, const uint8_t *p)
{
    int mask = p[1], x = rd16(p + 2), y = rd16(p + 4);
    int dx = c->ptr_known ? x - c->ptr_x : 0, dy = c->ptr_known ? y - c->ptr_y : 0;
    int dz = ((mask & 0x08) && !(c->ptr_mask & 0x08)) ? -1 :
             ((mask & 0x10) && !(c->ptr_mask & 0x10)) ? 1 : 0;
    int buttons = (mask & 1 ? CONSOLE_BTN_LEFT : 0) | (mask & 2 ? CONSOLE_BTN_MIDDLE : 0) |
                  (mask & 4 ? CONSOLE_BTN_RIGHT : 0);
    if (console_mouse_absolute())
        console_mouse_abs_event(x, y, dz, buttons);
    else if (dx || dy || dz || (mask & 7) != (c->ptr_mask & 7))
        console_mouse_event(dx, dy, dz, buttons);
    c->ptr_x = x;
    c->ptr_y = y;
    c->ptr_mask = mask;
    c->ptr_known = true;
    return 6;
}

/* QEMU's extended key event: the client's own XT key number. */
static int qemu_message(VncClient *c, const uint8_t *p, size_t avail)
{
    if (avail < 2)
        return 0;
    if (p[1] != 0)
        return -1;
    if (avail < 12)
        return 0;
    uint32_t code = rd32(p + 8);
    int key = (code & 0xff00) == 0xe000 ? (int)(0x80 | (code & 0x7f)) : (int)code;
    if (key == 0)
        key = vnc_keysym_to_key(rd32(p + 4));
    key_event(c, key, rd16(p + 2) != 0);
    return 12;
}

static int cut_text(VncClient *c, const uint8_t *p, size_t avail)
{
    uint32_t len = rd32(p + 4);
    if (len > VNC_MAX_IN - 8)
        return -1;                      /* QEMU's limit too: 1 MiB */
    if (avail < 8 + (size_t)len)
        return 0;
    return (int)(8 + len);              /* the guest has no clipboard to take it */
}

/* One message of at least its fixed size; returns its length, 0 to wait
 * for more, -1 to drop the client. */
static int on_message(VncClient *c, const uint8_t *p, size_t avail)
{
    static const uint8_t fixed[256] = { [0] = 20, [2] = 4, [3] = 10, [4] = 8, [5] = 6,
                                        [6] = 8, [255] = 2 };
    if (!fixed[p[0]])
        return -1;
    if (avail < fixed[p[0]])
        return 0;
    switch (p[0]) {
    case 0: return set_pixel_format(c, p);
    case 2: return set_encodings(c, p, avail);
    case 3: return update_request(c, p);
    case 4:
        key_event(c, vnc_keysym_to_key(rd32(p + 4)), p[1] != 0);
        return 8;
    case 5: return pointer_event(c, p);
    case 6: return cut_text(c, p, avail);
    default: return qemu_message(c, p, avail);
    }
}

static int step(VncClient *c)
{
    static const size_t need[] = { [VNC_VERSION] = 12, [VNC_SECURITY] = 1, [VNC_AUTH] = 16,
                                   [VNC_INIT] = 1, [VNC_NORMAL] = 1 };
    if (c->state == VNC_CLOSED || c->in.len < need[c->state])
        return 0;
    switch (c->state) {
    case VNC_VERSION: return on_version(c);
    case VNC_SECURITY: return on_security(c);
    case VNC_AUTH: return on_auth(c);
    case VNC_INIT: return on_client_init(c);
    default: return on_message(c, c->in.data, c->in.len);
    }
}

int vnc_process_input(VncClient *c)
{
    size_t done = 0;
    for (;;) {
        VncBuffer view = c->in;
        c->in.data += done;
        c->in.len -= done;
        int n = step(c);
        c->in = view;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        done += (size_t)n;
    }
    memmove(c->in.data, c->in.data + done, c->in.len - done);
    c->in.len -= done;
    return 0;
}

void vnc_release_keys(VncClient *c)
{
    for (int key = 1; key < 256; key++) {
        if (c->keys_down[key / 8] & (1 << (key % 8)))
            console_key_event(key, false);
    }
    memset(c->keys_down, 0, sizeof(c->keys_down));
}
