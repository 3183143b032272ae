/* The VNC server driven through a real socket in the same process (the
 * event loop pumped by the test): the handshake and a Raw frame of a fake
 * picture, then hostile clients (bad lengths, counts, rectangles, pixel
 * formats, and seeded random bytes) that must each be dropped while the
 * server keeps serving.  In the sanitizer leg this is the ASan check of
 * every parser path. */
#include "tests/unit/harness.h"
#include "tests/unit/unit.h"
#include "hw/core/graphic.h"
#include "hw/core/loop.h"
#include "hw/core/util.h"
#include "ui/console.h"
#include "ui/vnc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static char sock_path[64];
static uint32_t picture[64 * 48];

static int fake_render(void *opaque, uint32_t **px, int *w, int *h)
{
    *px = xmalloc(sizeof(picture));
    memcpy(*px, picture, sizeof(picture));
    *w = 64;
    *h = 48;
    return 0;
}

static const GraphicHwOps fake_ops = { .render = fake_render };

static void server_setup(void)
{
    Machine *m = harness_init();
    for (int i = 0; i < 64 * 48; i++)
        picture[i] = (uint32_t)(i * 2654435761u) & 0xffffff;
    graphic_hw_register(&fake_ops, picture);
    console_init(m);
    console_refresh();
    snprintf(sock_path, sizeof(sock_path), "/tmp/kemu-vnc-unit-%d.sock", (int)getpid());
    char spec[96];
    snprintf(spec, sizeof(spec), "unix:%s", sock_path);
    big_lock();
    REQUIRE(vnc_start(m, "-vnc", spec) == 0, "vnc_start(m, -vnc, spec) == 0");
}

static int client_connect(void)
{
    struct sockaddr_un un = { .sun_family = AF_UNIX };
    snprintf(un.sun_path, sizeof(un.sun_path), "%s", sock_path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    REQUIRE(fd >= 0, "fd >= 0");
    REQUIRE(connect(fd, (struct sockaddr *)&un, sizeof(un)) == 0, "connect(fd, (struct sockaddr *)&un, sizeof(un)) == 0");
    fcntl(fd, F_SETFL, O_NONBLOCK);
    return fd;
}

/* Read n bytes while the server runs; the count read (less: closed or
 * nothing more within ~2 s). */
static size_t client_read(int fd, void *buf, size_t n)
{
    size_t got = 0;
    for (int spins = 0; got < n && spins < 100; spins++) {
        ssize_t r = read(fd, (uint8_t *)buf + got, n - got);
        if (r == 0)
            break;
        if (r > 0) {
            got += (size_t)r;
            spins = 0;
            continue;
        }
        loop_wait(20);
    }
    return got;
}

static bool client_closed(int fd)
{
    uint8_t buf[4096];
    for (int spins = 0; spins < 100; spins++) {
        ssize_t r = read(fd, buf, sizeof(buf));
        if (r == 0 || (r < 0 && errno != EAGAIN))
            return true;
        if (r < 0)
            loop_wait(20);
    }
    return false;
}

static void client_send(int fd, const void *data, size_t n)
{
    ssize_t r = write(fd, data, n);
    (void)r;                    /* a closed peer is what some cases expect */
    for (int i = 0; i < 3; i++)
        loop_wait(5);
}

/* Version 3.8, security None, shared: the ServerInit's width and height. */
static bool handshake(int fd, int *w, int *h)
{
    uint8_t buf[64];
    if (client_read(fd, buf, 12) != 12 || memcmp(buf, "RFB 003.008\n", 12))
        return false;
    client_send(fd, "RFB 003.008\n", 12);
    if (client_read(fd, buf, 2) != 2 || buf[0] != 1 || buf[1] != 1)
        return false;
    client_send(fd, "\x01", 1);
    if (client_read(fd, buf, 4) != 4 || buf[3] != 0)
        return false;
    client_send(fd, "\x01", 1);
    if (client_read(fd, buf, 24) != 24)
        return false;
    *w = buf[0] << 8 | buf[1];
    *h = buf[2] << 8 | buf[3];
    uint32_t name = (uint32_t)buf[20] << 24 | buf[21] << 16 | buf[22] << 8 | buf[23];
    return name < sizeof(buf) && client_read(fd, buf, name) == name;
}

TEST(vnc, handshake_and_raw_frame)
{
    server_setup();
    int fd = client_connect(), w = 0, h = 0;
    REQUIRE(handshake(fd, &w, &h), "handshake(fd, &w, &h)");
    CHECK_EQ(w, 64);
    CHECK_EQ(h, 48);
    static const uint8_t enc[] = { 2, 0, 0, 1, 0, 0, 0, 0 };                 /* Raw */
    static const uint8_t req[] = { 3, 0, 0, 0, 0, 0, 0, 64, 0, 48 };
    client_send(fd, enc, sizeof(enc));
    client_send(fd, req, sizeof(req));
    uint8_t hdr[4];
    REQUIRE(client_read(fd, hdr, 4) == 4, "client_read(fd, hdr, 4) == 4");
    CHECK_EQ(hdr[0], 0);
    int rects = hdr[2] << 8 | hdr[3];
    size_t pixels = 0;
    static uint8_t px[64 * 48 * 4];
    for (int i = 0; i < rects; i++) {
        uint8_t r[12];
        REQUIRE(client_read(fd, r, 12) == 12, "client_read(fd, r, 12) == 12");
        int x = r[0] << 8 | r[1], y = r[2] << 8 | r[3], rw = r[4] << 8 | r[5], rh = r[6] << 8 | r[7];
        REQUIRE(r[8] == 0 && r[9] == 0 && r[10] == 0 && r[11] == 0, "r[8] == 0 && r[9] == 0 && r[10] == 0 && r[11] == 0");
        REQUIRE(client_read(fd, px, (size_t)rw * rh * 4) == (size_t)rw * rh * 4, "client_read(fd, px, (size_t)rw * rh * 4) == (size_t)rw * rh * 4");
        uint32_t first = px[0] | px[1] << 8 | px[2] << 16;
        CHECK_EQ(first, picture[y * 64 + x]);
        pixels += (size_t)rw * rh;
    }
    CHECK_EQ(pixels, 64u * 48u);
    close(fd);
    unlink(sock_path);
}

static void pf_message(uint8_t *m, uint8_t bpp, uint16_t max, uint8_t shift)
{
    memset(m, 0, 20);
    m[4] = bpp;
    m[5] = bpp;
    m[7] = 1;
    for (int i = 0; i < 3; i++) {
        m[8 + 2 * i] = (uint8_t)(max >> 8);
        m[9 + 2 * i] = (uint8_t)max;
        m[14 + i] = shift;
    }
}

static int kbc_read(void)
{
    if (!(inb(0x64) & 0x01))
        return -1;
    return inb(0x60);
}

/* KeyEvent (keysym), QEMU's extended key event (key number) and
 * PointerEvent (absolute, turned into relative PS/2 motion). */
TEST(vnc, keys_and_pointer_reach_i8042)
{
    server_setup();
    harness_device("i8042", NULL);
    outb(0x64, 0xd4);
    outb(0x60, 0xf4);                               /* mouse reporting on */
    CHECK_EQ(kbc_read(), 0xfa);
    int fd = client_connect(), w, h;
    REQUIRE(handshake(fd, &w, &h), "handshake");
    static const uint8_t key_a[] = { 4, 1, 0, 0, 0, 0, 0, 'a', 4, 0, 0, 0, 0, 0, 0, 'a' };
    client_send(fd, key_a, sizeof(key_a));
    CHECK_EQ(kbc_read(), 0x1c);
    CHECK_EQ(kbc_read(), 0xf0);
    CHECK_EQ(kbc_read(), 0x1c);
    static const uint8_t ext_del[] = { 255, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xe0, 0x53 };
    client_send(fd, ext_del, sizeof(ext_del));
    CHECK_EQ(kbc_read(), 0xe0);
    CHECK_EQ(kbc_read(), 0x71);
    static const uint8_t ptr[] = { 5, 0, 0, 10, 0, 10, 5, 1, 0, 15, 0, 7 };
    client_send(fd, ptr, sizeof(ptr));
    CHECK_EQ(kbc_read(), 0x09);                     /* left button */
    CHECK_EQ(kbc_read(), 5);
    CHECK_EQ(kbc_read(), 3);                        /* up 3 on the screen */
    close(fd);
    for (int i = 0; i < 5; i++)
        loop_wait(5);
    CHECK_EQ(kbc_read(), 0xe0);                     /* a client leaving releases its keys */
    CHECK_EQ(kbc_read(), 0xf0);
    CHECK_EQ(kbc_read(), 0x71);
    unlink(sock_path);
}

/* Each message must get the client dropped. */
TEST(vnc, hostile_messages_drop_the_client)
{
    server_setup();
    uint8_t msgs[8][24];
    size_t lens[8];
    static const uint8_t cut[] = { 6, 0, 0, 0, 0xff, 0xff, 0xff, 0xff };
    static const uint8_t qemu[] = { 255, 9, 0, 0 };
    static const uint8_t unknown[] = { 7, 0, 0, 0 };
    memcpy(msgs[0], cut, sizeof(cut)), lens[0] = sizeof(cut);
    memcpy(msgs[1], qemu, sizeof(qemu)), lens[1] = sizeof(qemu);
    memcpy(msgs[2], unknown, sizeof(unknown)), lens[2] = sizeof(unknown);
    pf_message(msgs[3], 24, 255, 0), lens[3] = 20;       /* 24 bpp */
    pf_message(msgs[4], 32, 0, 0), lens[4] = 20;         /* no colour */
    pf_message(msgs[5], 16, 255, 12), lens[5] = 20;      /* past 16 bits */
    pf_message(msgs[6], 8, 7, 8), lens[6] = 20;          /* shift == bpp */
    pf_message(msgs[7], 32, 0xffff, 20), lens[7] = 20;   /* 36 bits */
    for (int i = 0; i < 8; i++) {
        int fd = client_connect(), w, h;
        REQUIRE(handshake(fd, &w, &h), "handshake(fd, &w, &h)");
        client_send(fd, msgs[i], lens[i]);
        CHECK(client_closed(fd));
        close(fd);
    }
    int fd = client_connect(), w, h;
    CHECK(handshake(fd, &w, &h));                       /* still serving */
    close(fd);
    unlink(sock_path);
}

/* Legal but extreme requests are clipped, never read past the picture. */
TEST(vnc, extreme_rectangles_are_clipped)
{
    server_setup();
    int fd = client_connect(), w, h;
    REQUIRE(handshake(fd, &w, &h), "handshake(fd, &w, &h)");
    static const uint8_t hextile[] = { 2, 0, 0, 1, 0, 0, 0, 5 };
    static const uint8_t req[] = { 3, 0, 0, 60, 0, 40, 0xff, 0xff, 0xff, 0xff };
    client_send(fd, hextile, sizeof(hextile));
    client_send(fd, req, sizeof(req));
    uint8_t hdr[16];
    REQUIRE(client_read(fd, hdr, 16) == 16, "client_read(fd, hdr, 16) == 16");
    CHECK_EQ(hdr[0], 0);
    CHECK(!client_closed(fd));
    close(fd);
    unlink(sock_path);
}

TEST(vnc, random_bytes_never_crash)
{
    server_setup();
    srand(20261207);
    uint8_t buf[300];
    for (int iter = 0; iter < 150; iter++) {
        int fd = client_connect(), w, h;
        bool init = iter % 3 != 0;
        if (init)
            REQUIRE(handshake(fd, &w, &h), "handshake(fd, &w, &h)");
        size_t n = 1 + (size_t)rand() % sizeof(buf);
        for (size_t i = 0; i < n; i++)
            buf[i] = (uint8_t)rand();
        if (init && iter % 2)
            buf[0] = (uint8_t)(rand() % 7);     /* mostly known message types */
        client_send(fd, buf, n);
        close(fd);
        loop_wait(1);
    }
    int fd = client_connect(), w, h;
    CHECK(handshake(fd, &w, &h));
    close(fd);
    unlink(sock_path);
}
