/* The host terminal: raw mode while a stdio chardev is in use, restored at
 * exit and when a fatal signal arrives (then the signal is re-raised). */
#include "ui/chardev-int.h"

#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static struct termios saved;
static volatile sig_atomic_t is_raw;

void chr_term_restore(void)
{
    if (is_raw) {
        tcsetattr(0, TCSANOW, &saved);
        is_raw = 0;
    }
}

/* The exit path: push out what is still queued, then give the terminal
 * back. */
void chr_cleanup_all(void)
{
    chr_flush_all();
    chr_term_restore();
}

void chr_free_all(void)
{
    chr_close_all();
    chr_term_restore();
}

static void fatal_signal(int sig)
{
    chr_term_restore();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void install_fatal_handlers(void)
{
    static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = fatal_signal;
        sa.sa_flags = SA_RESETHAND;
        sigaction(sigs[i], &sa, NULL);
    }
}

/* Like QEMU's stdio: no echo, no line editing, output post-processing kept
 * (so "\n" still returns the carriage); signals (Ctrl-C) only if asked. */
void chr_term_set_raw(bool signals)
{
    struct termios t;
    if (is_raw || tcgetattr(0, &saved))
        return;
    t = saved;
    t.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    t.c_oflag |= OPOST;
    t.c_lflag &= ~(ECHO | ECHONL | ICANON | IEXTEN);
    if (!signals)
        t.c_lflag &= ~ISIG;
    t.c_cflag &= ~(CSIZE | PARENB);
    t.c_cflag |= CS8;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    install_fatal_handlers();
    if (tcsetattr(0, TCSANOW, &t) == 0)
        is_raw = 1;
}
