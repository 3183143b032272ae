/* Unit tests of the monitor's commands and the -nographic mux: commands
 * run on a machine without CPUs, output read back from the chardev. */
#include "tests/unit/unit.h"
#include "hw/core/loop.h"
#include "hw/core/util.h"
#include "ui/chardev.h"
#include "ui/monitor.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char path[64];

static const char *file_text(void)
{
    static char buf[8192];
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
    buf[n] = '\0';
    if (f)
        fclose(f);
    return buf;
}

static Monitor *file_monitor(Machine *m)
{
    snprintf(path, sizeof(path), "/tmp/kemu-mon-%d.txt", (int)getpid());
    char spec[96];
    snprintf(spec, sizeof(spec), "file:%s", path);
    Chardev *chr = chr_new("compat_monitor0", spec);
    CHECK(chr != NULL);
    return monitor_new(m, chr);
}

TEST(monitor, status_stop_cont)
{
    static Machine m;
    m.state = RUN_STATE_PRELAUNCH;
    m.cfg.name = "centos7";
    Monitor *mon = file_monitor(&m);
    CHECK(strstr(file_text(), "monitor - type 'help' for more information") != NULL);
    monitor_execute(mon, "info status");
    CHECK(strstr(file_text(), "VM status: paused (prelaunch)\r\n") != NULL);
    monitor_execute(mon, "cont");
    CHECK_EQ(m.state, RUN_STATE_RUNNING);
    monitor_execute(mon, "stop");
    CHECK_EQ(m.state, RUN_STATE_PAUSED);
    monitor_execute(mon, "  info   name  ");
    CHECK(strstr(file_text(), "centos7\r\n") != NULL);
    monitor_execute(mon, "c");
    CHECK_EQ(m.state, RUN_STATE_RUNNING);
    monitor_execute(mon, "system_reset");
    CHECK(m.reset_requested);
    monitor_execute(mon, "frobnicate");
    CHECK(strstr(file_text(), "unknown command: 'frobnicate'") != NULL);
    monitor_execute(mon, "q");
    CHECK(m.shutdown_requested && monitor_quit_requested);
    CHECK_EQ(m.exit_code, 0);
    unlink(path);
}

/* A mux on stdio (here a pair of pipes): Ctrl-a c moves the input focus
 * from the serial frontend to the monitor, Ctrl-a Ctrl-a sends Ctrl-a. */
static uint8_t got[64];
static size_t ngot;

static size_t fe_can_read(void *o) { return sizeof(got) - ngot; }
static void fe_read(void *o, const uint8_t *b, size_t n)
{
    memcpy(got + ngot, b, n);
    ngot += n;
}

TEST(monitor, mux_escapes)
{
    int in[2], out[2];
    CHECK(pipe(in) == 0 && pipe(out) == 0);
    dup2(in[0], 0);
    dup2(out[1], 1);
    static Machine m;
    m.state = RUN_STATE_RUNNING;
    Chardev *mux = chr_new("serial0", "mon:stdio");
    CHECK(mux != NULL && chr_is_mux(mux));
    ChrFrontend fe = { .can_read = fe_can_read, .read = fe_read };
    chr_attach(mux, &fe);
    monitor_new(&m, mux);
    big_lock();
    CHECK(write(in[1], "ab\x01\x01z", 5) == 5);
    loop_wait(100);
    CHECK_EQ(ngot, 4);
    CHECK(!memcmp(got, "ab\x01z", 4));
    CHECK(write(in[1], "\x01" "cinfo status\r", 14) == 14);
    loop_wait(100);
    CHECK_EQ(ngot, 4);                   /* the monitor took it */
    big_unlock();
    fcntl(out[0], F_SETFL, O_NONBLOCK);
    char buf[4096];
    ssize_t n = read(out[0], buf, sizeof(buf) - 1);
    buf[n > 0 ? n : 0] = '\0';
    CHECK(strstr(buf, "(kemu) info status\r\nVM status: running\r\n") != NULL);
    chr_free_all();
}

TEST(monitor, powerdown_without_acpi)
{
    static Machine m;
    Monitor *mon = file_monitor(&m);
    monitor_execute(mon, "system_powerdown");
    CHECK(strstr(file_text(), "this machine has no ACPI power button") != NULL);
    monitor_execute(mon, "help system_reset");
    CHECK(strstr(file_text(), "system_reset  -- reset the system\r\n") != NULL);
    unlink(path);
}

/* -monitor unix:PATH,server,nowait: a client gets the banner and prompt
 * when it connects, and answers to its commands. */
TEST(monitor, on_unix_socket)
{
    static Machine m;
    m.state = RUN_STATE_PAUSED;
    char sock[64], spec[96];
    snprintf(sock, sizeof(sock), "/tmp/kemu-mon-%d.sock", (int)getpid());
    snprintf(spec, sizeof(spec), "unix:%s,server,nowait", sock);
    big_lock();
    Chardev *chr = chr_new("compat_monitor0", spec);
    CHECK(chr != NULL);
    monitor_new(&m, chr);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    snprintf(a.sun_path, sizeof(a.sun_path), "%s", sock);
    CHECK(connect(s, (struct sockaddr *)&a, sizeof(a)) == 0);
    loop_wait(100);
    CHECK(write(s, "info status\n", 12) == 12);
    loop_wait(100);
    big_unlock();
    char buf[1024] = "";
    size_t len = 0;
    fcntl(s, F_SETFL, O_NONBLOCK);
    for (int i = 0; i < 20 && !strstr(buf, "VM status"); i++) {
        ssize_t n = read(s, buf + len, sizeof(buf) - 1 - len);
        if (n > 0)
            len += (size_t)n;
        buf[len] = '\0';
        usleep(10000);
    }
    CHECK(strstr(buf, "monitor - type 'help' for more information\r\n(kemu) ") != NULL);
    CHECK(strstr(buf, "info status\r\nVM status: paused\r\n(kemu) ") != NULL);
    close(s);
    chr_free_all();
}

/* The line editor: backspace, Ctrl-u, and the history on the arrow keys. */
TEST(monitor, line_editing_and_history)
{
    static Machine m;
    m.state = RUN_STATE_RUNNING;
    int in[2], out[2];
    CHECK(pipe(in) == 0 && pipe(out) == 0);
    dup2(in[0], 0);
    dup2(out[1], 1);
    Chardev *chr = chr_new("compat_monitor0", "stdio");
    CHECK(chr != NULL);
    monitor_new(&m, chr);
    big_lock();
    static const char keys[] = "stpo\x7f\x7fop\r"        /* "stop" after two backspaces */
                               "junk\x15" "cont\r"         /* Ctrl-u drops "junk" */
                               "\x1b[A\x1b[A\r";           /* up twice: "stop" again */
    CHECK(write(in[1], keys, sizeof(keys) - 1) == (ssize_t)sizeof(keys) - 1);
    loop_wait(100);
    big_unlock();
    CHECK_EQ(m.state, RUN_STATE_PAUSED);
    fcntl(out[0], F_SETFL, O_NONBLOCK);
    char buf[4096];
    ssize_t n = read(out[0], buf, sizeof(buf) - 1);
    buf[n > 0 ? n : 0] = '\0';
    CHECK(strstr(buf, "unknown command") == NULL);
    chr_free_all();
}

/* xp in QEMU's layout: 16 bytes a line, the format remembered. */
TEST(monitor, xp_physical_memory)
{
    static Machine m;
    static MemoryRegion ram;
    as_init(&m.mem, "memory", UINT64_MAX);
    as_init(&m.io, "io", 0x10000);
    mr_init_ram(&ram, "ram", 0x2000);
    as_map(&m.mem, &ram, 0, 0);
    static const uint8_t bytes[] = { 0xea, 0x5b, 0xe0, 0x00, 0xf0, 0x30, 0x36, 0x2f,
                                     0x32, 0x33, 0x2f, 0x39, 0x39, 0x00, 0xfc, 0x00 };
    as_write(&m.mem, 0x1000, bytes, sizeof(bytes));
    Monitor *mon = file_monitor(&m);
    monitor_execute(mon, "xp /8xw 0x1000");
    CHECK(strstr(file_text(), "0000000000001000: 0x00e05bea 0x2f3630f0 0x392f3332 0x00fc0039\r\n"
                              "0000000000001010: 0x00000000 0x00000000 0x00000000 0x00000000\r\n")
          != NULL);
    monitor_execute(mon, "xp /3xb 0x1000");
    CHECK(strstr(file_text(), "0000000000001000: 0xea 0x5b 0xe0\r\n") != NULL);
    monitor_execute(mon, "xp /2xg 0x1000");
    CHECK(strstr(file_text(), "0000000000001000: 0x2f3630f000e05bea 0x00fc0039392f3332\r\n")
          != NULL);
    monitor_execute(mon, "xp /4dh 0x1000");
    CHECK(strstr(file_text(), "0000000000001000: 23530   224 12528 12086\r\n") != NULL);
    monitor_execute(mon, "xp 0x1000");              /* the last format again */
    CHECK(strstr(file_text(), "0000000000001000: 23530\r\n") != NULL);
    monitor_execute(mon, "xp /2xw 0x100000");       /* nothing mapped there */
    CHECK(strstr(file_text(), "0000000000100000: 0xffffffff 0xffffffff\r\n") != NULL);
    monitor_execute(mon, "info mtree");
    CHECK(strstr(file_text(), "address-space: memory\r\n"
                              "  0000000000000000-0000000000001fff (prio 0, ram): ram\r\n") != NULL);
    monitor_execute(mon, "info mtree -f");
    CHECK(strstr(file_text(), "FlatView: memory\r\n"
                              "  0000000000000000-0000000000001fff (prio 0, ram): ram\r\n") != NULL);
    monitor_execute(mon, "xp /q 0");
    CHECK(strstr(file_text(), "xp: usage") != NULL);
    unlink(path);
}
