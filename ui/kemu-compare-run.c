/* kemu-compare: one timed run of the guest under one engine.  The emulator
 * is a child on pipes (stdin, stdout, stderr); its console output is
 * matched line by line against --ready and --work as it arrives, and
 * wait4() gives its CPU time and peak RSS.  Nothing of kemu-compare's own
 * runs between the start and the figures but reading the pipes, so the
 * figures are the engine's. */
#include "ui/kemu-compare.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct RunState {
    const CmpOptions *o;
    CmpRun *r;
    double t0;
    char line[8192];            /* the console line being received */
    size_t len;
    int esc;                    /* inside a terminal control sequence */
    bool ready, work, stop;
    char last[200];             /* the last non-empty console line */
    char err[200];              /* the last line on stderr */
    size_t err_len;
    int to_guest;
    FILE *log;
} RunState;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool matches(const regex_t *rx, const char *s, regmatch_t *m, size_t nm)
{
    return regexec(rx, s, nm, m, 0) == 0;
}

static void saw_ready(RunState *s)
{
    s->ready = true;
    s->r->m[M_READY] = now() - s->t0;
    if (s->o->send && write(s->to_guest, s->o->send, strlen(s->o->send)) < 0)
        snprintf(s->r->why, sizeof(s->r->why), "cannot type --send text: %s", strerror(errno));
    s->stop |= s->o->stop_at == STOP_AT_READY;
}

/* A whole line (or, for --ready only, the unfinished last one: a shell
 * prompt has no newline). */
static void check_line(RunState *s, bool whole)
{
    const CmpOptions *o = s->o;
    regmatch_t m[2];
    s->line[s->len] = 0;
    if (o->ready_src && !s->ready && matches(&o->ready, s->line, m, 1)) {
        saw_ready(s);
        return;
    }
    if (!whole || !o->work_src || s->work || (o->ready_src && !s->ready))
        return;
    if (matches(&o->work, s->line, m, 2) && m[1].rm_so >= 0) {
        s->work = true;
        s->r->m[M_WORK] = strtod(s->line + m[1].rm_so, NULL);
        s->stop |= o->stop_at == STOP_AT_WORK;
    }
}

enum { ESC_NONE, ESC_START, ESC_CSI, ESC_OSC };
enum { TEXT, SWALLOWED, BREAK };

/* What byte c is: TEXT, or part of a terminal control sequence (ESC c,
 * ESC [ ... final, ESC ] ... BEL), which is no text a user sees and is
 * left out of what the regular expressions see; firmware prints such
 * sequences before a guest's first line.  A terminal reset (ESC c), a
 * screen erase (ESC [ ... J) or a cursor move (ESC [ ... H) also ends the
 * line, as a carriage return does: what follows starts a new one. */
static int escape(RunState *s, unsigned char c)
{
    switch (s->esc) {
    case ESC_START:
        s->esc = c == '[' ? ESC_CSI : c == ']' ? ESC_OSC : ESC_NONE;
        return c == 'c' ? BREAK : SWALLOWED;
    case ESC_CSI:
        if (c < 0x40 || c > 0x7e)
            return SWALLOWED;
        s->esc = ESC_NONE;
        return c == 'J' || c == 'H' || c == 'f' ? BREAK : SWALLOWED;
    case ESC_OSC:
        if (c == 0x07)
            s->esc = ESC_NONE;
        return SWALLOWED;
    default:
        if (c != 0x1b)
            return c == '\n' || c == '\r' ? BREAK : TEXT;
        s->esc = ESC_START;
        return SWALLOWED;
    }
}

static void end_line(RunState *s)
{
    check_line(s, true);
    if (s->len)
        snprintf(s->last, sizeof(s->last), "%.199s", s->line);
    s->len = 0;
}

static void console_bytes(RunState *s, const char *buf, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int kind = escape(s, (unsigned char)buf[i]);
        if (kind == BREAK)
            end_line(s);
        else if (kind == TEXT && s->len + 1 < sizeof(s->line))
            s->line[s->len++] = buf[i];
    }
    if (s->len)
        check_line(s, false);
}

static void stderr_bytes(RunState *s, const char *buf, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (buf[i] == '\n') {
            s->err_len = 0;
            continue;
        }
        if (s->err_len == 0)
            s->err[0] = 0;
        if (s->err_len + 1 < sizeof(s->err)) {
            s->err[s->err_len++] = buf[i];
            s->err[s->err_len] = 0;
        }
    }
}

/* Reads what is there on fd; false at its end. */
static bool drain(RunState *s, int fd, bool console)
{
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return true;
    if (n <= 0)
        return false;
    if (s->log)
        fwrite(buf, 1, (size_t)n, s->log);
    if (console)
        console_bytes(s, buf, (size_t)n);
    else
        stderr_bytes(s, buf, (size_t)n);
    return true;
}

static pid_t spawn(char *const argv[], int fds[3])
{
    int in[2], out[2], err[2];
    if (pipe(in) || pipe(out) || pipe(err))
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        dup2(err[1], 2);
        for (int i = 0; i < 2; i++) {
            close(in[i]);
            close(out[i]);
            close(err[i]);
        }
        signal(SIGPIPE, SIG_DFL);
        execv(argv[0], argv);
        fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    close(err[1]);
    fds[0] = in[1], fds[1] = out[0], fds[2] = err[0];
    return pid;
}

/* Reads the child's output until both pipes end, a --stop-at marker or
 * the timeout; true on the timeout. */
static bool watch(RunState *s, int fds[3])
{
    bool open_out = true, open_err = true;
    double deadline = s->t0 + s->o->timeout;
    while ((open_out || open_err) && !s->stop) {
        double left = deadline - now();
        if (left <= 0)
            return true;
        struct pollfd p[2] = { { open_out ? fds[1] : -1, POLLIN, 0 },
                               { open_err ? fds[2] : -1, POLLIN, 0 } };
        if (poll(p, 2, left > 1 ? 1000 : (int)(left * 1000) + 1) < 0 && errno != EINTR)
            return true;
        if (p[0].revents)
            open_out = drain(s, fds[1], true);
        if (p[1].revents)
            open_err = drain(s, fds[2], false);
    }
    return false;
}

/* Records WHAT as the run's failure, with the last output as evidence. */
static void say(RunState *s, const char *what)
{
    CmpRun *r = s->r;
    if (r->why[0])
        return;
    int n = snprintf(r->why, sizeof(r->why), "%s", what);
    if (s->last[0] && n > 0 && (size_t)n < sizeof(r->why))
        n += snprintf(r->why + n, sizeof(r->why) - (size_t)n, "; last console line: %.80s",
                      s->last);
    if (s->err[0] && n > 0 && (size_t)n < sizeof(r->why))
        snprintf(r->why + n, sizeof(r->why) - (size_t)n, "; stderr: %.120s", s->err);
}

/* The run's verdict from how it ended (status from wait4). */
static void judge(RunState *s, bool timed_out, int status)
{
    const CmpOptions *o = s->o;
    char st[64], what[200];
    if (WIFSIGNALED(status))
        snprintf(st, sizeof(st), "killed by signal %d", WTERMSIG(status));
    else
        snprintf(st, sizeof(st), "exited with status %d", WEXITSTATUS(status));
    what[0] = 0;
    if (timed_out && o->ready_src && !s->ready)
        snprintf(what, sizeof(what), "no line matched --ready in %g s (killed)", o->timeout);
    else if (timed_out)
        snprintf(what, sizeof(what), "still running after %g s (killed)", o->timeout);
    else if (o->ready_src && !s->ready)
        snprintf(what, sizeof(what), "%s before a line matched --ready", st);
    else if (o->work_src && !s->work)
        snprintf(what, sizeof(what), "%s before a line matched --work", st);
    else if (!s->stop && WIFSIGNALED(status))
        snprintf(what, sizeof(what), "%s", st);
    else if (!s->stop && o->expect_exit >= 0 && WEXITSTATUS(status) != o->expect_exit)
        snprintf(what, sizeof(what), "%s, expected %d (--expect-exit)", st, o->expect_exit);
    if (what[0])
        say(s, what);
}

static FILE *open_log(const CmpOptions *o, const CmpEngine *e, int index)
{
    if (!o->log_dir)
        return NULL;
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s-%d.log", o->log_dir, e->name, index + 1);
    FILE *f = fopen(path, "we");     /* not inherited by the emulator */
    if (f)
        setvbuf(f, NULL, _IONBF, 0);    /* a log to watch while it runs */
    else
        fprintf(stderr, "kemu-compare: --log %s: cannot write %s: %s\n", o->log_dir, path,
                strerror(errno));
    return f;
}

/* The emulator's argument list: the binary, -accel, the guest's arguments. */
static char **engine_argv(const CmpOptions *o, const CmpEngine *e)
{
    int n = 0;
    while (o->guest[n])
        n++;
    char **argv = calloc((size_t)n + 4, sizeof(*argv));
    argv[0] = (char *)(e->is_kemu ? o->kemu : o->qemu);
    argv[1] = "-accel";
    argv[2] = (char *)e->accel;
    memcpy(argv + 3, o->guest, (size_t)n * sizeof(*argv));
    return argv;
}

/* Waits for the emulator to exit (its output has ended, or it was sent
 * SIGKILL); one that is still there at the deadline is killed.  True when
 * it had to be. */
static bool reap(pid_t pid, double deadline, int *status, struct rusage *ru)
{
    bool killed = false;
    for (;;) {
        pid_t got = wait4(pid, status, WNOHANG, ru);
        if (got == pid || (got < 0 && errno != EINTR))
            return killed;
        if (!killed && now() > deadline) {
            kill(pid, SIGKILL);
            killed = true;
        }
        nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
    }
}

void cmp_run_once(const CmpOptions *o, const CmpEngine *e, int index, CmpRun *r)
{
    RunState s = { .o = o, .r = r, .log = open_log(o, e, index) };
    for (int i = 0; i < M_COUNT; i++)
        r->m[i] = -1;
    r->why[0] = 0;
    char **argv = engine_argv(o, e);
    int fds[3];
    s.t0 = now();
    pid_t pid = spawn(argv, fds);
    if (pid < 0)
        snprintf(r->why, sizeof(r->why), "cannot start %s: %s", argv[0], strerror(errno));
    free(argv);
    if (pid < 0)
        return;
    s.to_guest = fds[0];
    bool timed_out = watch(&s, fds);
    if (timed_out || s.stop)
        kill(pid, SIGKILL);
    double stopped = now() - s.t0;
    int status = 0;
    struct rusage ru = { 0 };
    timed_out |= reap(pid, s.t0 + o->timeout, &status, &ru);
    r->m[M_WALL] = s.stop ? stopped : now() - s.t0;
    for (int i = 0; i < 3; i++)
        close(fds[i]);
    if (s.log)
        fclose(s.log);
    r->m[M_CPU] = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                  (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    r->m[M_RSS] = (double)ru.ru_maxrss / 1024.0;
    judge(&s, timed_out, status);
}
