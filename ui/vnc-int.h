/* VNC server internals (ui/vnc*.c). */
#ifndef KEMU_UI_VNC_INT_H
#define KEMU_UI_VNC_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>
#include <zlib.h>

#include "ui/console.h"
#include "ui/vnc.h"

#define VNC_TILE 16
#define VNC_MAX_COPIES 8
#define VNC_MAX_LISTEN 4
#define VNC_MAX_IN (1u << 20)           /* largest message kept whole (cut text) */
#define VNC_MAX_OUT (64u << 20)         /* a client this far behind is dropped */

enum { VNC_AUTH_NONE = 1, VNC_AUTH_VNC = 2 };
enum { VNC_SHARE_ALLOW_EXCLUSIVE, VNC_SHARE_FORCE_SHARED, VNC_SHARE_IGNORE };

enum {
    ENC_RAW = 0, ENC_COPYRECT = 1, ENC_HEXTILE = 5, ENC_ZRLE = 16,
    ENC_CURSOR = -239, ENC_DESKTOP_SIZE = -223, ENC_EXT_KEY_EVENT = -258,
};

typedef enum {
    VNC_VERSION, VNC_SECURITY, VNC_AUTH, VNC_INIT, VNC_NORMAL, VNC_CLOSED,
} VncState;

typedef struct VncPixelFormat {
    uint8_t bpp, depth, big_endian, true_colour;
    uint16_t max[3];                    /* red, green, blue */
    uint8_t shift[3];
} VncPixelFormat;

typedef struct VncBuffer {
    uint8_t *data;
    size_t len, cap;
} VncBuffer;

typedef struct VncClient {
    int fd;
    VncState state;
    int minor;                          /* protocol 3.minor */
    char addr[128];
    int family;
    VncBuffer in, out;
    uint8_t challenge[16];
    VncPixelFormat pf;
    int encoding;                       /* preferred picture encoding */
    bool want_resize, want_cursor, want_ext_key, want_copyrect;
    struct { int src_y, dst_y, h; } copies[VNC_MAX_COPIES];  /* CopyRects to send first */
    int ncopies;
    bool cursor_sent, resize_pending, ext_key_sent;
    bool update_requested;
    int fb_w, fb_h;                     /* the size this client knows */
    uint8_t *dirty;                     /* per tile, tiles_w * tiles_h */
    int tiles_w, tiles_h;
    z_stream zrle;
    bool zrle_init;
    int ptr_x, ptr_y, ptr_mask;
    bool ptr_known;
    uint8_t keys_down[32];              /* released when the client goes */
    bool exclusive;
    struct VncClient *next;
} VncClient;

typedef struct VncListener {
    int fd;
    int family;                         /* AF_INET, AF_INET6, AF_UNIX */
    char host[108], service[108];
} VncListener;

typedef struct VncServer {
    bool started, none;
    VncListener listen[VNC_MAX_LISTEN];
    int nlisten;
    int auth;
    char password[9];
    bool password_set;
    bool expires_set;                   /* expire_password other than never */
    time_t expires;
    int share;
    int max_clients;                    /* connections= */
    char unix_path[108];                /* removed at exit */
    VncClient *clients;
    DisplayListener dl;
    bool dl_added;
    char name[300];
} VncServer;

extern VncServer vnc;

/* vnc.c: buffers and clients */
void vnc_write(VncClient *c, const void *data, size_t len);
void vnc_write_u8(VncClient *c, uint8_t v);
void vnc_write_u16(VncClient *c, uint16_t v);
void vnc_write_u32(VncClient *c, uint32_t v);
void vnc_write_s32(VncClient *c, int32_t v);
void vnc_flush(VncClient *c);
void vnc_client_close(VncClient *c, const char *why);
/* The client reached the normal phase: it sees the picture from now on. */
void vnc_client_ready(VncClient *c);

/* vnc-proto.c: the handshake and the client's messages.  Consumes what it
 * can of c->in; -1 to drop the client. */
int vnc_process_input(VncClient *c);
void vnc_send_version(VncClient *c);
void vnc_release_keys(VncClient *c);

/* vnc-enc.c: the framebuffer updates */
void vnc_client_set_size(VncClient *c, int w, int h);
void vnc_mark_dirty(VncClient *c, int x, int y, int w, int h);
/* h rows of the picture moved from src_y up to dst_y. */
void vnc_scroll(VncClient *c, int src_y, int dst_y, int h);
/* Send an update if the client asked for one and something changed. */
void vnc_send_update(VncClient *c);
void vnc_set_default_pf(VncPixelFormat *pf);
void vnc_write_pf(VncClient *c, const VncPixelFormat *pf);
void vnc_encoder_free(VncClient *c);

/* vnc-auth.c: VNC authentication (DES); false when kemu has no DES. */
bool vnc_auth_available(void);
/* response = DES of challenge under password, as the client computes it. */
bool vnc_auth_check(const char *password, const uint8_t challenge[16],
                    const uint8_t response[16]);

/* vnc-keymap.c: an X keysym to a key number (ui/keycodes.h), or -1. */
int vnc_keysym_to_key(uint32_t keysym);

#endif
