/* pty: a new pseudo-terminal; its name goes to stderr as QEMU prints it.
 * kemu keeps the slave side open itself so that the master does not hang
 * up (and spin the event loop) while no program has the slave open. */
#include "ui/chardev-int.h"
#include "hw/core/error.h"
#include "hw/core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

typedef struct PtyState {
    int slave;
} PtyState;

static void pty_close(Chardev *c)
{
    PtyState *s = c->priv;
    close(c->in_fd);
    close(s->slave);
    free(s);
}

static const ChrOps pty_ops = { .kind = "pty", .close = pty_close };

Chardev *chr_pty_new(const char *label, const char *opt, const char *arg)
{
    int master, slave;
    char name[256];
    if (openpty(&master, &slave, name, NULL, NULL) < 0) {
        error_report("%s %s: cannot create a pty: %s", opt, arg, strerror(errno));
        return NULL;
    }
    struct termios t;
    if (tcgetattr(slave, &t) == 0) {
        cfmakeraw(&t);
        tcsetattr(slave, TCSANOW, &t);
    }
    fcntl(master, F_SETFD, FD_CLOEXEC);
    fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
    fcntl(slave, F_SETFD, FD_CLOEXEC);
    char *fname = xasprintf("pty:%s", name);
    Chardev *c = chr_alloc(label, &pty_ops, fname);
    free(fname);
    PtyState *s = xzalloc(sizeof(*s));
    s->slave = slave;
    c->priv = s;
    chr_set_fds(c, master, master);
    fprintf(stderr, "char device redirected to %s (label %s)\n", name, label);
    return c;
}
