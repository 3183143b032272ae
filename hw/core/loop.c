#include "hw/core/loop.h"
#include "hw/core/clock.h"
#include "hw/core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>
#include <pthread.h>
#include <unistd.h>

typedef struct FdEntry {
    int fd;
    FdHandler on_read, on_write;
    void *opaque;
} FdEntry;

static FdEntry *fds;
static size_t nfds;
static int wake_pipe[2] = { -1, -1 };
static pthread_mutex_t machine_lock = PTHREAD_MUTEX_INITIALIZER;

void big_lock(void) { pthread_mutex_lock(&machine_lock); }
void big_unlock(void) { pthread_mutex_unlock(&machine_lock); }
bool big_trylock(void) { return pthread_mutex_trylock(&machine_lock) == 0; }

static void drain_wake(void *opaque)
{
    char buf[64];
    while (read(wake_pipe[0], buf, sizeof(buf)) > 0)
        ;
}

static void ensure_wake_pipe(void)
{
    if (wake_pipe[0] >= 0)
        return;
    if (pipe2(wake_pipe, O_NONBLOCK | O_CLOEXEC) == 0)
        loop_set_fd(wake_pipe[0], drain_wake, NULL, NULL);
}

void loop_notify(void)
{
    if (wake_pipe[1] >= 0) {
        char c = 0;
        ssize_t r = write(wake_pipe[1], &c, 1);
        (void)r; /* a full pipe already means "wake up" */
    }
}

void loop_set_fd(int fd, FdHandler on_read, FdHandler on_write, void *opaque)
{
    for (size_t i = 0; i < nfds; i++) {
        if (fds[i].fd != fd)
            continue;
        if (!on_read && !on_write) {
            fds[i] = fds[--nfds];
        } else {
            fds[i] = (FdEntry){ fd, on_read, on_write, opaque };
        }
        return;
    }
    if (!on_read && !on_write)
        return;
    fds = xrealloc(fds, (nfds + 1) * sizeof(*fds));
    fds[nfds++] = (FdEntry){ fd, on_read, on_write, opaque };
}

/* Called with the big lock held; releases it while waiting. */
void loop_wait(int timeout_ms)
{
    ensure_wake_pipe();
    /* Sleep exactly until the next timer (ns, not rounded up to a whole
     * millisecond): device and guest timers (APIC timer, NIC interrupt
     * delays) are often due in microseconds, and a guest that waits for
     * one would otherwise lose a millisecond or more each time. */
    int64_t wait_ns = timeout_ms < 0 ? -1 : (int64_t)timeout_ms * 1000000;
    int64_t next = timers_run_due();
    if (next >= 0) {
        next = MIN(next, NS_PER_SEC);
        if (wait_ns < 0 || next < wait_ns)
            wait_ns = next;
    }
    struct timespec ts = { (time_t)(wait_ns / NS_PER_SEC), (long)(wait_ns % NS_PER_SEC) };
    size_t n = nfds;
    struct pollfd *p = xmalloc((n ? n : 1) * sizeof(*p));
    for (size_t i = 0; i < n; i++) {
        p[i].fd = fds[i].fd;
        p[i].events = (fds[i].on_read ? POLLIN : 0) | (fds[i].on_write ? POLLOUT : 0);
        p[i].revents = 0;
    }
    big_unlock();
    int r = ppoll(p, n, wait_ns < 0 ? NULL : &ts, NULL);
    big_lock();
    if (r > 0) {
        for (size_t i = 0; i < n; i++) {
            if (!p[i].revents)
                continue;
            /* Handlers may change the table: look the fd up again. */
            for (size_t j = 0; j < nfds; j++) {
                if (fds[j].fd != p[i].fd)
                    continue;
                FdEntry e = fds[j];
                if ((p[i].revents & (POLLIN | POLLHUP | POLLERR)) && e.on_read)
                    e.on_read(e.opaque);
                else if ((p[i].revents & POLLOUT) && e.on_write)
                    e.on_write(e.opaque);
                break;
            }
        }
    }
    free(p);
    timers_run_due();
}
