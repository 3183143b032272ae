/* Daemonizing after start-up, and the locked pid file. */
#include "ui/daemon.h"
#include "hw/core/error.h"
#include "hw/core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

static int status_pipe = -1;
static char *pidfile_path;
static pid_t pidfile_owner;

void daemon_start(void)
{
    int fds[2];
    if (pipe(fds))
        fatal("-daemonize: pipe: %s", strerror(errno));
    pid_t pid = fork();
    if (pid < 0)
        fatal("-daemonize: fork: %s", strerror(errno));
    if (pid > 0) {
        /* Parent: wait for the child's verdict. */
        close(fds[1]);
        char c;
        ssize_t n;
        do {
            n = read(fds[0], &c, 1);
        } while (n < 0 && errno == EINTR);
        if (n == 1)
            _exit(0);
        int st = 0;
        waitpid(pid, &st, 0);
        _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 1);
    }
    close(fds[0]);
    fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    status_pipe = fds[1];
    setsid();
}

void daemon_ready(void)
{
    if (status_pipe < 0)
        return;
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        if (null > 2)
            close(null);
    }
    char c = 0;
    ssize_t n = write(status_pipe, &c, 1);
    (void)n;
    close(status_pipe);
    status_pipe = -1;
}

static void pidfile_remove(void)
{
    /* Only the process that wrote it removes it (not a forked parent). */
    if (pidfile_path && getpid() == pidfile_owner)
        unlink(pidfile_path);
}

int pidfile_create(const char *path)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        error_report("cannot create PID file: Could not create '%s': %s", path, strerror(errno));
        return -1;
    }
    /* The lock lives as long as we do: a second kemu with the same pid file
     * fails here instead of overwriting it. */
    if (flock(fd, LOCK_EX | LOCK_NB)) {
        error_report("cannot create PID file: Cannot lock pid file: %s", strerror(errno));
        close(fd);
        return -1;
    }
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
    if (ftruncate(fd, 0) || write(fd, buf, (size_t)n) != n) {
        error_report("cannot create PID file: Failed to write pid file: %s", strerror(errno));
        close(fd);
        return -1;
    }
    pidfile_path = xstrdup(path);
    pidfile_owner = getpid();
    atexit(pidfile_remove);
    return 0;
}
