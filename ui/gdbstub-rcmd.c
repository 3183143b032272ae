/* qRcmd: GDB's "monitor CMD" runs a kemu monitor command and shows its
 * output, as with QEMU.  The monitor writes to a file chardev on a pipe
 * that the stub reads after each command (both on the main thread, so the
 * output is complete when the command returns). */
#include "ui/gdbstub-int.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hw/core/error.h"
#include "ui/chardev.h"
#include "ui/monitor.h"

#define CHUNK ((GDB_PACKET_MAX - 8) / 2)

static Monitor *mon;
static int out_pipe[2] = { -1, -1 };

/* Whatever the monitor wrote since the last call; the caller frees it. */
static char *take_output(size_t *len)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    ssize_t r;
    while (buf && (r = read(out_pipe[0], buf + n, cap - n)) > 0) {
        n += (size_t)r;
        if (n == cap) {
            char *bigger = realloc(buf, cap * 2);
            if (!bigger)
                break;
            buf = bigger;
            cap *= 2;
        }
    }
    *len = n;
    return buf;
}

static Monitor *rcmd_monitor(GdbStub *s)
{
    if (mon)
        return mon;
    if (pipe2(out_pipe, O_NONBLOCK | O_CLOEXEC))
        return NULL;
    fcntl(out_pipe[1], F_SETPIPE_SZ, 1 << 20);      /* room for `info mtree` */
    char spec[48];
    snprintf(spec, sizeof(spec), "file:/proc/self/fd/%d", out_pipe[1]);
    Chardev *chr = chr_new("gdb-monitor", spec);
    if (!chr)
        return NULL;
    mon = monitor_new(s->m, chr);
    size_t n;
    free(take_output(&n));      /* the banner and prompt */
    return mon;
}

/* The monitor ends lines for a terminal ("\r\n"); GDB prints "\n". */
static size_t plain_newlines(char *text, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (!(text[i] == '\r' && i + 1 < len && text[i + 1] == '\n'))
            text[o++] = text[i];
    }
    return o;
}

/* "O" packets carry console output to GDB, hex-encoded. */
static void send_output(GdbStub *s, const char *text, size_t len)
{
    char hex[2 * CHUNK + 2];
    for (size_t off = 0; off < len; off += CHUNK) {
        size_t n = len - off < CHUNK ? len - off : CHUNK;
        hex[0] = 'O';
        gdb_tohex(hex + 1, (const uint8_t *)text + off, n);
        gdb_send(s, hex);
    }
}

void gdb_rcmd(GdbStub *s, const char *hex)
{
    size_t n = strlen(hex) / 2;
    char *cmd = malloc(n + 1);
    if (!cmd || strlen(hex) % 2 || !gdb_fromhex((uint8_t *)cmd, hex, n)) {
        free(cmd);
        gdb_send(s, "E22");
        return;
    }
    cmd[n] = '\0';
    Monitor *m = rcmd_monitor(s);
    if (!m) {
        free(cmd);
        error_report("gdbstub: cannot create a monitor for 'monitor' commands");
        gdb_send(s, "E05");
        return;
    }
    monitor_execute(m, cmd);
    free(cmd);
    size_t len;
    char *out = take_output(&len);
    if (out)
        send_output(s, out, plain_newlines(out, len));
    free(out);
    gdb_send(s, "OK");
}
