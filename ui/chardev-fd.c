/* The simple backends: stdio (raw terminal), file:PATH (output only, as
 * QEMU's), and null/vc (discard output, no input). */
#include "ui/chardev-int.h"
#include "hw/core/error.h"
#include "hw/core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

static const ChrOps stdio_ops = { .kind = "stdio" };
static const ChrOps file_ops = { .kind = "file" };
static const ChrOps null_ops = { .kind = "null" };

Chardev *chr_stdio_new(const char *label, const char *opt, const char *arg, bool signals)
{
    Chardev *c = chr_alloc(label, &stdio_ops, "stdio");
    if (isatty(0))
        term_set_raw(signals);
    /* Our own descriptors, closed independently of 0 and 1.  They share the
     * shell's file description, so they stay blocking: output to a slow
     * terminal waits rather than being lost. */
    int in = fcntl(0, F_DUPFD_CLOEXEC, 3), out = fcntl(1, F_DUPFD_CLOEXEC, 3);
    chr_set_fds(c, in, out);
    return c;
}

Chardev *chr_file_new(const char *label, const char *opt, const char *arg,
                      const char *path, bool append)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0666);
    if (fd < 0) {
        error_report("%s %s: Could not open '%s': %s", opt, arg, path, strerror(errno));
        return NULL;
    }
    Chardev *c = chr_alloc(label, &file_ops, path);
    chr_set_fds(c, -1, fd);
    return c;
}

Chardev *chr_null_new(const char *label, const char *filename)
{
    return chr_alloc(label, &null_ops, filename);
}
