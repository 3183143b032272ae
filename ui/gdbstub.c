/* The gdbstub: one GDB client at a time on a TCP listener (or a chardev)
 * served by the event loop.  The machine runs in all-stop mode: a breakpoint, a finished
 * step or Ctrl-C from GDB pauses every vCPU, and the stub waits until the
 * engine acknowledges that none runs guest code before GDB reads or
 * writes the state. */
#include "ui/gdbstub.h"
#include "ui/gdbstub-int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "accel/accel.h"
#include "hw/core/clock.h"
#include "hw/core/error.h"
#include "hw/core/loop.h"
#include "hw/core/util.h"
#include "ui/chardev.h"

enum { SIGINT_GDB = 2, SIGTRAP_GDB = 5 };
/* Replies a client has not read; a client that never reads is dropped. */
#define OUT_MAX (16u << 20)

static GdbStub stub = { .listen_fd = -1, .fd = -1 };
static int event_pipe[2] = { -1, -1 };
static atomic_int pending_cpu = -1;     /* set by a vCPU thread */
static atomic_int pending_reason;
static _Atomic uint64_t pending_addr;

static bool connected(const GdbStub *s)
{
    return s->fd >= 0 || s->chr;
}

/* ---- output ---- */

static void on_writable(void *opaque);

static void flush_out(GdbStub *s)
{
    while (s->out_len && s->fd >= 0) {
        ssize_t n = write(s->fd, s->out, s->out_len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        memmove(s->out, s->out + n, s->out_len - (size_t)n);
        s->out_len -= (size_t)n;
    }
}

static void on_readable(void *opaque);

static void update_handlers(GdbStub *s)
{
    if (s->fd >= 0)
        loop_set_fd(s->fd, on_readable, s->out_len ? on_writable : NULL, s);
}

static void on_writable(void *opaque)
{
    GdbStub *s = opaque;
    flush_out(s);
    update_handlers(s);
}

static void lost_client(GdbStub *s);
static void forget_breakpoints(GdbStub *s);

static void queue_raw(GdbStub *s, const char *buf, size_t len)
{
    if (s->chr) {
        chr_write(s->chr, (const uint8_t *)buf, len);
        return;
    }
    if (s->fd < 0)
        return;
    if (s->out_len + len > OUT_MAX) {
        error_report("gdbstub: the client does not read its replies; dropping it");
        lost_client(s);
        return;
    }
    if (s->out_len + len > s->out_cap) {
        s->out_cap = (s->out_len + len) * 2;
        s->out = xrealloc(s->out, s->out_cap);
    }
    memcpy(s->out + s->out_len, buf, len);
    s->out_len += len;
    flush_out(s);
    update_handlers(s);
}

void gdb_send_bin(GdbStub *s, const void *payload, size_t len)
{
    size_t cap = 2 * len + 8;
    char *framed = xmalloc(cap);
    size_t n = gdb_frame(payload, len, framed, cap);
    queue_raw(s, framed, n);
    free(s->last);
    s->last = framed;
    s->last_len = n;
}

void gdb_send(GdbStub *s, const char *payload)
{
    gdb_send_bin(s, payload, strlen(payload));
}

/* ---- stops ---- */

static bool at_breakpoint(const GdbStub *s, int type)
{
    if (s->stop_cpu < 0 || (unsigned)s->stop_cpu >= s->m->ncpus)
        return false;
    const CPUX86State *env = &s->m->cpus[s->stop_cpu]->env;
    uint64_t la = env->seg[SEG_CS].base + env->rip;
    bool code64 = (env->efer & EFER_LMA) && (env->seg[SEG_CS].attr & SEGATTR_L);
    if (!code64)
        la &= 0xffffffffULL;
    for (unsigned i = 0; i < s->nbps; i++) {
        if (s->bps[i].type == type && s->bps[i].addr == la)
            return true;
    }
    return false;
}

void gdb_send_stop_reply(GdbStub *s)
{
    char buf[96], why[48] = "";
    switch (s->stop_reason) {
    case ACCEL_STOP_BREAKPOINT:
        snprintf(why, sizeof(why), "%s", at_breakpoint(s, ACCEL_BP_HW) ? "hwbreak:;" : "swbreak:;");
        break;
    case ACCEL_STOP_WATCH_WRITE:
    case ACCEL_STOP_WATCH_READ:
    case ACCEL_STOP_WATCH_ACCESS:
        snprintf(why, sizeof(why), "%s:%" PRIx64 ";",
                 s->stop_reason == ACCEL_STOP_WATCH_WRITE ? "watch" :
                 s->stop_reason == ACCEL_STOP_WATCH_READ ? "rwatch" : "awatch", s->stop_addr);
        break;
    default:
        break;
    }
    snprintf(buf, sizeof(buf), "T%02xthread:%x;%s", s->stop_signal, s->stop_cpu + 1, why);
    gdb_send(s, buf);
}

/* Every vCPU is paused: wait for the engine, then make env exact. */
static void settle_stopped(GdbStub *s)
{
    Machine *m = s->m;
    if (m->accel->wait_stopped) {
        big_unlock();
        m->accel->wait_stopped(m);
        big_lock();
    }
    for (unsigned i = 0; i < m->ncpus; i++) {
        if (m->accel->sync_state)
            m->accel->sync_state(m->cpus[i], true);
    }
}

static void stopped(GdbStub *s, int cpu, int signal, int reason, uint64_t addr)
{
    s->paused_by_gdb = true;
    settle_stopped(s);
    s->stop_cpu = cpu;
    s->g_cpu = s->c_cpu = cpu;
    s->stop_signal = signal;
    s->stop_reason = reason;
    s->stop_addr = addr;
    if (s->running && connected(s))
        gdb_send_stop_reply(s);
    s->running = false;
}

/* The engines' stop reports (accel_debug_stopped), on a vCPU thread:
 * handed to the main loop through the event pipe. */
static void engine_stopped(CPUState *cpu, int reason, uint64_t addr)
{
    atomic_store(&pending_reason, reason);
    atomic_store(&pending_addr, addr);
    atomic_store(&pending_cpu, cpu->index);
    if (event_pipe[1] >= 0) {
        char c = 0;
        ssize_t r = write(event_pipe[1], &c, 1);
        (void)r;    /* a full pipe already wakes the handler */
    }
}

static void __attribute__((constructor)) register_stop_handler(void)
{
    accel_set_debug_stop_handler(engine_stopped);
}

static void on_engine_event(void *opaque)
{
    GdbStub *s = opaque;
    char buf[64];
    while (read(event_pipe[0], buf, sizeof(buf)) > 0)
        ;
    int cpu = atomic_exchange(&pending_cpu, -1);
    if (cpu < 0 || (unsigned)cpu >= s->m->ncpus)
        return;
    machine_pause(s->m);        /* the engine may have stopped only that vCPU */
    if (!connected(s)) {
        /* A step or breakpoint that was under way when the client left. */
        settle_stopped(s);
        forget_breakpoints(s);
        gdb_resume(s, -1, true);
        s->running = false;
        return;
    }
    stopped(s, cpu, SIGTRAP_GDB, atomic_load(&pending_reason), atomic_load(&pending_addr));
}

/* Ctrl-C from GDB. */
static void interrupt(GdbStub *s)
{
    if (!s->running)
        return;
    machine_pause(s->m);
    stopped(s, s->c_cpu >= 0 ? s->c_cpu : 0, SIGINT_GDB, 0, 0);
}

void gdb_cpu_written(GdbStub *s, CPUState *cpu)
{
    if (s->m->accel->sync_state)
        s->m->accel->sync_state(cpu, false);
}

void gdb_resume(GdbStub *s, int step_cpu, bool others_run)
{
    Machine *m = s->m;
    if (m->state == RUN_STATE_SHUTDOWN)
        return;
    for (unsigned i = 0; i < m->ncpus; i++) {
        CPUState *cpu = m->cpus[i];
        if (m->accel->set_singlestep)
            m->accel->set_singlestep(cpu, (int)i == step_cpu);
        __atomic_store_n(&cpu->stopped, !((int)i == step_cpu || others_run), __ATOMIC_RELEASE);
    }
    s->running = true;
    s->paused_by_gdb = false;
    if (m->state != RUN_STATE_RUNNING) {
        __atomic_store_n(&m->state, RUN_STATE_RUNNING, __ATOMIC_RELEASE);
        clock_resume();
    }
    for (unsigned i = 0; i < m->ncpus; i++) {
        if (m->accel->kick)
            m->accel->kick(m->cpus[i]);
    }
}

/* ---- connection ---- */

static void close_client(GdbStub *s)
{
    if (s->fd >= 0) {
        loop_set_fd(s->fd, NULL, NULL, NULL);
        close(s->fd);
    }
    s->fd = -1;
    s->out_len = 0;
    s->running = false;
    gdb_rx_init(&s->rx);
    s->no_ack = false;
}

static void forget_breakpoints(GdbStub *s)
{
    Machine *m = s->m;
    if (m->accel->remove_all_breakpoints)
        m->accel->remove_all_breakpoints(m);
    s->nbps = 0;
}

void gdb_detach(GdbStub *s)
{
    forget_breakpoints(s);
    if (s->paused_by_gdb || s->m->state == RUN_STATE_PRELAUNCH)
        gdb_resume(s, -1, true);
    else if (s->m->accel->set_singlestep) {
        for (unsigned i = 0; i < s->m->ncpus; i++)
            s->m->accel->set_singlestep(s->m->cpus[i], false);
    }
    s->running = false;
    flush_out(s);
    close_client(s);
}

/* The client went away without D: as a detach, but leave a machine that
 * was never started (-S) waiting. */
static void lost_client(GdbStub *s)
{
    forget_breakpoints(s);
    if (s->paused_by_gdb)
        gdb_resume(s, -1, true);
    close_client(s);
}

static void handle_event(GdbStub *s, GdbRxEvent ev)
{
    switch (ev) {
    case GDB_RX_PACKET:
        if (!s->no_ack)
            queue_raw(s, "+", 1);
        if (!s->running && s->m->state == RUN_STATE_RUNNING) {
            /* A client that did not see the machine stop (it attached to a
             * running one): GDB expects a stopped target. */
            machine_pause(s->m);
            s->paused_by_gdb = true;
            settle_stopped(s);
        }
        gdb_handle_packet(s, s->rx.buf, s->rx.len);
        break;
    case GDB_RX_BAD_CHECKSUM:
        if (!s->no_ack)
            queue_raw(s, "-", 1);
        break;
    case GDB_RX_NACK:
        if (s->last && !s->no_ack) {
            char *copy = xmalloc(s->last_len);
            memcpy(copy, s->last, s->last_len);
            queue_raw(s, copy, s->last_len);
            free(copy);
        }
        break;
    case GDB_RX_INTERRUPT:
        interrupt(s);
        break;
    default:
        break;
    }
}

static void receive(GdbStub *s, const uint8_t *buf, size_t n)
{
    for (size_t i = 0; i < n && connected(s); i++)
        handle_event(s, gdb_rx_byte(&s->rx, buf[i]));
}

static void on_readable(void *opaque)
{
    GdbStub *s = opaque;
    uint8_t buf[4096];
    ssize_t n = read(s->fd, buf, sizeof(buf));
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        lost_client(s);
        return;
    }
    receive(s, buf, (size_t)n);
}

/* A client arrived: fresh protocol state, and the machine stops. */
static void client_start(GdbStub *s)
{
    gdb_rx_init(&s->rx);
    s->no_ack = false;
    s->running = false;
    s->g_cpu = s->c_cpu = s->stop_cpu = 0;
    s->stop_signal = SIGTRAP_GDB;
    s->stop_reason = 0;
    if (s->m->state == RUN_STATE_RUNNING) {
        machine_pause(s->m);
        s->paused_by_gdb = true;
    }
    settle_stopped(s);
}

static void on_accept(void *opaque)
{
    GdbStub *s = opaque;
    int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return;
    if (s->fd >= 0) {           /* one client at a time */
        close(fd);
        return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    s->fd = fd;
    client_start(s);
    update_handlers(s);
}

/* ---- a chardev as the transport ---- */

static size_t chr_can_read(void *opaque)
{
    return GDB_PACKET_MAX;
}

/* A chardev stays attached after the monitor's gdbserver replaced it:
 * only the current one talks to the stub. */
static void chr_read(void *opaque, const uint8_t *buf, size_t len)
{
    GdbStub *s = &stub;
    if (s->chr == opaque)
        receive(s, buf, len);
}

/* The chardev stays; a peer that goes away detaches like a TCP client. */
static void chr_event(void *opaque, int event)
{
    GdbStub *s = &stub;
    if (s->chr != opaque)
        return;
    if (event == CHR_EVENT_OPENED) {
        client_start(s);
    } else if (event == CHR_EVENT_CLOSED) {
        forget_breakpoints(s);
        if (s->paused_by_gdb)
            gdb_resume(s, -1, true);
        s->running = false;
        gdb_rx_init(&s->rx);
    }
}

static int start_chardev(GdbStub *s, const char *spec)
{
    static unsigned count;
    char label[16];
    snprintf(label, sizeof(label), count ? "gdb%u" : "gdb", count);
    count++;
    Chardev *chr = chr_new(label, spec);
    if (!chr)
        return -1;
    ChrFrontend fe = { .can_read = chr_can_read, .read = chr_read, .opaque = chr,
                       .event = chr_event };
    s->chr = chr;
    gdb_rx_init(&s->rx);
    chr_attach(chr, &fe);
    return 0;
}

/* Before the monitor's gdbserver starts another: drop the client as if it
 * had gone away, and the listener. */
static void stop_stub(GdbStub *s)
{
    if (!s->m)
        return;
    if (connected(s))
        lost_client(s);
    s->chr = NULL;
    if (s->listen_fd >= 0) {
        loop_set_fd(s->listen_fd, NULL, NULL, NULL);
        close(s->listen_fd);
        s->listen_fd = -1;
    }
}

/* ---- listener ---- */

/* "tcp::1234", "tcp:host:1234", "1234", with ",server,nowait..." ignored. */
int gdbstub_parse_spec(const char *opt, const char *spec, char *host, size_t host_size,
                       char *port, size_t port_size)
{
    size_t end = strcspn(spec, ",");
    const char *p = spec;
    if (!strncmp(p, "tcp:", 4)) {
        p += 4;
        const char *colon = memchr(p, ':', (size_t)(spec + end - p));
        size_t hl = colon ? (size_t)(colon - p) : 0;
        if (!colon || hl >= host_size) {
            error_report("%s %s: expected tcp:[HOST]:PORT", opt, spec);
            return -1;
        }
        memcpy(host, p, hl);
        host[hl] = '\0';
        p = colon + 1;
    } else if (strspn(spec, "0123456789") != end) {
        return 1;               /* a chardev: stdio, pty, unix:PATH,server... */
    }
    size_t pl = (size_t)(spec + end - p);
    if (!pl || pl >= port_size || strspn(p, "0123456789") != pl) {
        error_report("%s %s: invalid port", opt, spec);
        return -1;
    }
    memcpy(port, p, pl);
    port[pl] = '\0';
    return 0;
}

static int open_listener(const char *opt, const char *spec, const char *host, const char *port)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                              .ai_flags = AI_PASSIVE }, *res;
    int err = getaddrinfo(*host ? host : NULL, port, &hints, &res);
    if (err) {
        error_report("%s %s: %s", opt, spec, gai_strerror(err));
        return -1;
    }
    int fd = -1, saved = 0;
    for (struct addrinfo *a = res; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
            continue;
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, a->ai_addr, a->ai_addrlen) || listen(fd, 1)) {
            saved = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0)
        error_report("%s %s: cannot listen on port %s: %s", opt, spec, port,
                     strerror(saved ? saved : EADDRNOTAVAIL));
    return fd;
}

/* kemu exits (the guest powered off or wrote isa-debug-exit, or quit):
 * an attached GDB learns the exit status ("W" packet) instead of seeing
 * the connection drop. */
static void tell_exit(void)
{
    GdbStub *s = &stub;
    if (!s->m || !connected(s))
        return;
    char buf[8];
    snprintf(buf, sizeof(buf), "W%02x", (unsigned)s->m->exit_code & 0xff);
    gdb_send(s, buf);
    flush_out(s);
}

int gdbstub_start(Machine *m, const char *opt, const char *spec)
{
    char host[256], port[16];
    int kind = strcmp(spec, "none") ?
               gdbstub_parse_spec(opt, spec, host, sizeof(host), port, sizeof(port)) : 2;
    if (kind < 0)
        return -1;
    stop_stub(&stub);
    if (kind == 2)
        return 0;
    if (!m->accel->set_breakpoint)
        warn_report("%s: the %s accelerator has no debug support: breakpoints and "
                    "single-step are refused", opt, m->accel->name);
    if (event_pipe[0] < 0 && pipe2(event_pipe, O_NONBLOCK | O_CLOEXEC)) {
        error_report("%s %s: %s", opt, spec, strerror(errno));
        return -1;
    }
    if (!stub.m)
        atexit(tell_exit);
    stub.m = m;
    loop_set_fd(event_pipe[0], on_engine_event, NULL, &stub);
    if (kind == 1)
        return start_chardev(&stub, spec);
    int fd = open_listener(opt, spec, host, port);
    if (fd < 0)
        return -1;
    stub.listen_fd = fd;
    loop_set_fd(fd, on_accept, NULL, &stub);
    return 0;
}
