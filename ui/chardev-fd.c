/* The simple backends: stdio (raw terminal), file:PATH (output only, as
 * QEMU's), and null/vc (discard output, no input). */
#include "ui/chardev-int.h"
#include "hw/core/error.h"
#include "hw/core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const ChrOps stdio_ops = { .kind = "stdio" };
static const ChrOps file_ops = { .kind = "file" };
static const ChrOps null_ops = { .kind = "null" };

/* Output must not stall the guest, yet stdout's file description is shared
 * with the shell, which must not find it non-blocking after we exit.  A
 * terminal or a pipe can be opened anew (a description of our own); other
 * kinds (a regular file: writes do not block) are used as they are. */
static int stdout_nonblocking(void)
{
    struct stat st;
    if (fstat(1, &st) == 0 && (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))) {
        int fd = open("/proc/self/fd/1", O_WRONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
        if (fd >= 0)
            return fd;
    }
    return fcntl(1, F_DUPFD_CLOEXEC, 3);
}

Chardev *chr_stdio_new(const char *label, const char *opt, const char *arg, bool signals)
{
    Chardev *c = chr_alloc(label, &stdio_ops, "stdio");
    if (isatty(0))
        chr_term_set_raw(signals);
    int in = fcntl(0, F_DUPFD_CLOEXEC, 3), out = stdout_nonblocking();
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
    char *fname = xasprintf("file:%s", path);
    Chardev *c = chr_alloc(label, &file_ops, fname);
    free(fname);
    chr_set_fds(c, -1, fd);
    return c;
}

Chardev *chr_null_new(const char *label, const char *filename)
{
    return chr_alloc(label, &null_ops, filename);
}
