/* Unit tests of the chardev backends: file, pty, TCP and Unix servers
 * (nowait and wait), a TCP client, -chardev specs and their errors. */
#include "tests/unit/unit.h"
#include "hw/core/loop.h"
#include "hw/core/util.h"
#include "ui/chardev.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static uint8_t rx[256];
static size_t nrx;
static int events[8], nevents;

static size_t can_read(void *o) { return sizeof(rx) - nrx; }
static void do_read(void *o, const uint8_t *b, size_t n)
{
    memcpy(rx + nrx, b, n);
    nrx += n;
}
static void on_event(void *o, int ev)
{
    if (nevents < 8)
        events[nevents++] = ev;
}
static const ChrFrontend fe = { can_read, do_read, NULL, on_event };

/* stderr of fn's chardev creation, first line. */
static char err[512];
static Chardev *new_capture(const char *label, const char *spec, bool opts_form)
{
    FILE *f = tmpfile();
    int saved = dup(2);
    fflush(stderr);
    dup2(fileno(f), 2);
    Chardev *c = opts_form ? chr_new_from_opts(spec) : chr_new(label, spec);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(f);
    if (!fgets(err, sizeof(err), f))
        err[0] = '\0';
    err[strcspn(err, "\n")] = '\0';
    fclose(f);
    return c;
}

static int free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof(a);
    bind(s, (struct sockaddr *)&a, sizeof(a));
    getsockname(s, (struct sockaddr *)&a, &len);
    close(s);
    return ntohs(a.sin_port);
}

static int tcp_connect(int port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (connect(s, (struct sockaddr *)&a, sizeof(a))) {
        close(s);
        return -1;
    }
    return s;
}

/* Exchange data both ways between a connected peer fd and the chardev. */
static void check_exchange(Chardev *c, int peer)
{
    nrx = 0;
    CHECK(write(peer, "hello", 5) == 5);
    for (int i = 0; i < 20 && nrx < 5; i++)
        loop_wait(50);
    CHECK_EQ(nrx, 5);
    CHECK(!memcmp(rx, "hello", 5));
    chr_write(c, (const uint8_t *)"world", 5);
    char buf[8] = "";
    CHECK(read(peer, buf, 5) == 5);
    CHECK(!memcmp(buf, "world", 5));
}

TEST(chardev, tcp_server_nowait)
{
    int port = free_port();
    char spec[64];
    snprintf(spec, sizeof(spec), "tcp:127.0.0.1:%d,server,nowait", port);
    big_lock();
    Chardev *c = chr_new("serial0", spec);
    CHECK(c != NULL);
    chr_attach(c, &fe);
    char want[96];
    snprintf(want, sizeof(want), "disconnected:tcp:127.0.0.1:%d,server=on", port);
    CHECK_STR(chr_filename(c), want);
    chr_write(c, (const uint8_t *)"lost", 4);     /* nobody listens: dropped */
    int peer = tcp_connect(port);
    CHECK(peer >= 0);
    for (int i = 0; i < 20 && strncmp(chr_filename(c), "connected", 9); i++)
        loop_wait(50);
    CHECK(!strncmp(chr_filename(c), "connected:", 10));
    CHECK(nevents && events[nevents - 1] == CHR_EVENT_OPENED);
    check_exchange(c, peer);
    close(peer);
    for (int i = 0; i < 20 && strncmp(chr_filename(c), "disconnected", 12); i++)
        loop_wait(50);
    CHECK_EQ(events[nevents - 1], CHR_EVENT_CLOSED);
    /* A second client is accepted after the first left. */
    peer = tcp_connect(port);
    for (int i = 0; i < 20 && strncmp(chr_filename(c), "connected", 9); i++)
        loop_wait(50);
    check_exchange(c, peer);
    close(peer);
    big_unlock();
    chr_free_all();
}

static void *late_client(void *arg)
{
    usleep(100000);
    int fd = tcp_connect(*(int *)arg);
    if (fd >= 0)
        (void)!write(fd, "x", 1);
    return (void *)(intptr_t)fd;
}

TEST(chardev, tcp_server_wait)
{
    static int port;
    port = free_port();
    pthread_t t;
    pthread_create(&t, NULL, late_client, &port);
    char spec[64];
    snprintf(spec, sizeof(spec), "tcp:127.0.0.1:%d,server=on,wait=on", port);
    Chardev *c = new_capture("serial0", spec, false);
    void *fd;
    pthread_join(t, &fd);
    CHECK(c != NULL);
    CHECK(strstr(err, "kemu waiting for connection on: disconnected:tcp:127.0.0.1:") != NULL);
    CHECK(!strncmp(chr_filename(c), "connected:", 10));   /* start-up waited */
    close((int)(intptr_t)fd);
    chr_free_all();
}

TEST(chardev, unix_server)
{
    char path[64], spec[96];
    snprintf(path, sizeof(path), "/tmp/kemu-chr-%d.sock", (int)getpid());
    snprintf(spec, sizeof(spec), "unix:%s,server,nowait", path);
    big_lock();
    Chardev *c = chr_new("serial1", spec);
    CHECK(c != NULL);
    chr_attach(c, &fe);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
    CHECK(connect(s, (struct sockaddr *)&a, sizeof(a)) == 0);
    for (int i = 0; i < 20 && strncmp(chr_filename(c), "connected", 9); i++)
        loop_wait(50);
    check_exchange(c, s);
    close(s);
    big_unlock();
    chr_free_all();
    CHECK(access(path, F_OK) != 0);     /* the socket file is removed */
}

TEST(chardev, tcp_client_refused)
{
    int port = free_port();
    char spec[64], want[160];
    snprintf(spec, sizeof(spec), "tcp:127.0.0.1:%d", port);
    CHECK(new_capture("serial0", spec, false) == NULL);
    snprintf(want, sizeof(want), "kemu: -serial %s: Failed to connect to '127.0.0.1:%d': "
             "Connection refused", spec, port);
    CHECK_STR(err, want);
}

TEST(chardev, file_and_pty)
{
    char path[64], spec[96];
    snprintf(path, sizeof(path), "/tmp/kemu-chr-%d.log", (int)getpid());
    snprintf(spec, sizeof(spec), "file:%s", path);
    Chardev *f = chr_new("serial0", spec);
    CHECK(f != NULL);
    chr_printf(f, "line %d\n", 42);
    FILE *in = fopen(path, "r");
    char buf[64] = "";
    CHECK(in && fgets(buf, sizeof(buf), in));
    CHECK_STR(buf, "line 42\n");
    if (in)
        fclose(in);
    unlink(path);

    Chardev *p = new_capture("serial1", "pty", false);
    if (!p && strstr(err, "cannot create a pty"))
        SKIP("no pseudo-terminals here (/dev/pts)");
    CHECK(p != NULL);
    CHECK(!strncmp(chr_filename(p), "pty:/dev/pts/", 13));
    char want[128];
    snprintf(want, sizeof(want), "char device redirected to %s (label serial1)",
             chr_filename(p) + 4);
    CHECK_STR(err, want);
    big_lock();
    chr_attach(p, &fe);
    int slave = open(chr_filename(p) + 4, O_RDWR | O_NOCTTY);
    CHECK(slave >= 0);
    check_exchange(p, slave);
    close(slave);
    big_unlock();
    chr_free_all();
}

TEST(chardev, specs_and_errors)
{
    CHECK(new_capture(NULL, "null,id=n0", true) != NULL);
    CHECK(chr_find("n0") != NULL);
    CHECK(new_capture(NULL, "null", true) == NULL);
    CHECK_STR(err, "kemu: -chardev null: chardev: no id specified");
    CHECK(new_capture(NULL, "foo,id=x", true) == NULL);
    CHECK_STR(err, "kemu: -chardev foo,id=x: 'foo' is not a valid char driver name");
    CHECK(new_capture("serial0", "foo", false) == NULL);
    CHECK_STR(err, "kemu: -serial foo: 'foo' is not a valid char driver");
    CHECK(new_capture("serial0", "chardev:n0", false) == chr_find("n0"));
    CHECK(chr_find("serial0") == chr_find("n0"));     /* the board finds serial0 */
    CHECK(chr_spec_is_none("none"));
    CHECK(chr_spec_has_monitor("mon:stdio"));
    int in[2], out[2];
    CHECK(pipe(in) == 0 && pipe(out) == 0);
    dup2(in[0], 0);
    dup2(out[1], 1);
    CHECK(new_capture("serial0", "stdio", false) != NULL);
    CHECK(new_capture("compat_monitor0", "stdio", false) == NULL);
    CHECK_STR(err, "kemu: -monitor stdio: cannot use stdio by multiple character devices");
    chr_free_all();
}

/* telnet: the server greets with its options and strips the client's
 * negotiation; IAC IAC is a data byte 0xff. */
TEST(chardev, telnet_server)
{
    int port = free_port();
    char spec[64];
    snprintf(spec, sizeof(spec), "telnet:127.0.0.1:%d,server,nowait", port);
    big_lock();
    Chardev *c = chr_new("serial0", spec);
    CHECK(c != NULL);
    chr_attach(c, &fe);
    int peer = tcp_connect(port);
    CHECK(peer >= 0);
    for (int i = 0; i < 20 && strncmp(chr_filename(c), "connected", 9); i++)
        loop_wait(50);
    char want[80];
    snprintf(want, sizeof(want), "connected:telnet:127.0.0.1:%d,server=on", port);
    CHECK_STR(chr_filename(c), want);
    uint8_t greet[12];
    CHECK(read(peer, greet, sizeof(greet)) == 12);
    CHECK_EQ(greet[0], 255);
    nrx = 0;
    static const uint8_t in[] = { 'a', 255, 251, 1, 'b', 255, 255, 'c', 255, 250, 24, 0, 'x',
                                  255, 240, 'd' };
    CHECK(write(peer, in, sizeof(in)) == (ssize_t)sizeof(in));
    for (int i = 0; i < 20 && nrx < 5; i++)
        loop_wait(50);
    CHECK_EQ(nrx, 5);
    CHECK(!memcmp(rx, "ab\xff" "cd", 5));
    close(peer);
    big_unlock();
    chr_free_all();
}

/* A frontend with a UART-sized receive buffer. */
static uint8_t small_rx[256];
static size_t small_n, small_room;
static size_t small_can_read(void *o) { return small_room; }
static void small_read(void *o, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n && small_n < sizeof(small_rx); i++)
        small_rx[small_n++] = b[i];
    small_room -= n < small_room ? n : small_room;
}

/* A line pasted into a mux is longer than the UART's FIFO: what does not
 * fit waits in the mux until the guest reads, none of it is lost. */
TEST(chardev, mux_keeps_input_the_frontend_cannot_take_yet)
{
    int port = free_port();
    char spec[96];
    snprintf(spec, sizeof(spec), "socket,id=m0,host=127.0.0.1,port=%d,server=on,wait=off,mux=on",
             port);
    big_lock();
    Chardev *c = new_capture(NULL, spec, true);
    CHECK(c != NULL && chr_is_mux(c));
    static const ChrFrontend small = { small_can_read, small_read, NULL, NULL };
    small_room = 16;
    chr_attach(c, &small);
    int peer = tcp_connect(port);
    CHECK(peer >= 0);
    char line[100];
    for (size_t i = 0; i < sizeof(line); i++)
        line[i] = (char)('a' + i % 26);
    CHECK(write(peer, line, sizeof(line)) == (ssize_t)sizeof(line));
    for (int i = 0; i < 20 && small_n < 16; i++)
        loop_wait(50);
    CHECK_EQ(small_n, 16);
    /* The guest drains its FIFO, a few bytes at a time. */
    for (int round = 0; round < 200 && small_n < sizeof(line); round++) {
        small_room = 7;
        chr_accept_input(c);
        loop_wait(10);
    }
    CHECK_EQ(small_n, sizeof(line));
    CHECK(!memcmp(small_rx, line, sizeof(line)));
    close(peer);
    big_unlock();
    chr_free_all();
}
