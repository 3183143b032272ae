/* kemu: entry point.  Parses the command line, builds the machine, starts
 * the accelerator and runs the event loop, serving reset and shutdown
 * requests from devices and the monitor. */
#include "config.h"
#include "accel/accel.h"
#include "cpu/cpu.h"
#include "cpu/cpuid.h"
#include "hw/core/error.h"
#include "hw/core/loop.h"
#include "hw/core/util.h"
#include "hw/core/net.h"
#include "hw/pc/pc.h"
#include "ui/chardev.h"
#include "ui/cmdline.h"
#include "ui/daemon.h"
#include "ui/device-help.h"
#include "ui/display.h"
#include "ui/drive.h"
#include "ui/gdbstub.h"
#include "ui/monitor.h"
#include "ui/net-setup.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t term_signal, term_pid;

static void on_term_signal(int sig, siginfo_t *info, void *ctx)
{
    term_signal = sig;
    term_pid = info ? info->si_pid : 0;
    loop_notify();
}

/* "terminating on signal 15 from pid 123 (kill)", as QEMU says it. */
static void report_signal(void)
{
    char path[64], comm[64] = "";
    snprintf(path, sizeof(path), "/proc/%d/comm", (int)term_pid);
    FILE *f = term_pid ? fopen(path, "r") : NULL;
    if (f) {
        if (!fgets(comm, sizeof(comm), f))
            comm[0] = '\0';
        comm[strcspn(comm, "\n")] = '\0';
        fclose(f);
    }
    if (*comm)
        error_report("terminating on signal %d from pid %d (%s)", (int)term_signal,
                     (int)term_pid, comm);
    else
        error_report("terminating on signal %d from pid %d", (int)term_signal, (int)term_pid);
}

static void install_term_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_term_signal;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* -device help / NAME,help: answered before anything is built. */
static int device_helps(const KemuOptions *o)
{
    for (int i = 0; i < o->ndevices; i++) {
        int r = device_help(o->devices[i]);
        if (r)
            return r;
    }
    return 0;
}

/* Fail early and with QEMU's words on a bad -cpu (e.g. "host" without KVM);
 * the board parses it again when it creates the CPUs. */
static int check_cpu(const Machine *m)
{
    const struct CPUModel *model;
    uint32_t features[FEAT_WORDS];
    bool host_ok = m->accel && m->accel->host_cpu;
    return cpu_model_parse(m->cfg.cpu_model ? m->cfg.cpu_model : "qemu64", host_ok, &model,
                           features);
}

static int create_chardevs(const KemuOptions *o)
{
    for (int i = 0; i < o->nchardevs; i++) {
        if (!chr_new_from_opts(o->chardevs[i]))
            return -1;
    }
    for (int i = 0; i < o->nserial; i++) {
        char label[16];
        snprintf(label, sizeof(label), "serial%d", i);
        if (!chr_spec_is_none(o->serial[i]) && !chr_new(label, o->serial[i]))
            return -1;
    }
    if (o->monitor && !chr_spec_is_none(o->monitor) &&
        !chr_new("compat_monitor0", o->monitor))
        return -1;
    return 0;
}

/* The monitor attaches after the board so that a shared (mux) console
 * starts on the serial port. */
static int create_monitors(Machine *m, const KemuOptions *o)
{
    for (int i = 0; i < o->nserial; i++) {
        char label[16];
        snprintf(label, sizeof(label), "serial%d", i);
        if (chr_spec_has_monitor(o->serial[i]) && chr_find(label))
            monitor_new(m, chr_find(label));
    }
    Chardev *mon = chr_find("compat_monitor0");
    if (mon)
        monitor_new(m, mon);
    for (int i = 0; i < o->nmons; i++) {
        Chardev *chr = chr_find(o->mon_chardevs[i]);
        if (!chr) {
            error_report("-mon chardev=%s: chardev '%s' not found", o->mon_chardevs[i],
                         o->mon_chardevs[i]);
            return -1;
        }
        monitor_new(m, chr);
    }
    return 0;
}

/* -usb: the PIIX3's UHCI at 01.2, where QEMU's pc machine has it. */
static bool add_usb_controller(Machine *m)
{
    Device *dev = device_create("piix3-usb-uhci", "addr=1.2");
    return dev && !device_realize(dev, m);
}

static int create_devices(Machine *m, const KemuOptions *o)
{
    if (o->usb && !add_usb_controller(m))
        return -1;
    for (int i = 0; i < o->ndevices; i++) {
        const char *spec = o->devices[i];
        size_t n = strcspn(spec, ",");
        char *name = xasprintf("%.*s", (int)n, spec);
        const DeviceClass *cls = device_class_find(name);
        Device *dev = NULL;
        if (!cls)
            device_report_unknown(spec, name);
        else if (!cls->user_creatable)
            error_report("-device %s: device '%s' can not be created with -device "
                         "(the board creates it)", spec, name);
        else
            dev = device_create(name, spec[n] ? spec + n + 1 : NULL);
        free(name);
        if (!dev || device_realize(dev, m))
            return -1;
    }
    return 0;
}

static int build_machine(Machine *m, const KemuOptions *o)
{
    m->cfg = o->cfg;
    m->cfg.cpu_model = o->cpu;
    as_init(&m->mem, "memory", UINT64_MAX);
    as_init(&m->io, "io", 64 * KiB);
    m->state = RUN_STATE_PRELAUNCH;
    m->a20 = true;
    if (accel_select(m, o->accel_list, o->accel_origin ? o->accel_origin : "-accel"))
        return -1;
    if (check_cpu(m) || create_chardevs(o))
        return -1;
    if (drives_open(o) || pc_init(m) || (o->vga && pc_vga_init(m, o->vga_card)) ||
        drives_create_devices(m, o) || net_setup(m, o) || create_devices(m, o) ||
        pc_machine_done(m))
        return -1;
    net_check_clients();
    if (create_monitors(m, o) || display_start(m, o))
        return -1;
    if (o->gdb && gdbstub_start(m, o->gdb_opt, o->gdb))
        return -1;
    return 0;
}

static void start_machine(Machine *m, bool paused)
{
    for (unsigned i = 0; i < m->ncpus; i++)
        m->cpus[i]->stopped = true;
    if (m->accel->start)
        m->accel->start(m);
    if (!paused)
        machine_resume(m);
}

/* Engines do not enter guest code while reset_requested is set (it stays
 * set until the reset is done), but a vCPU may still be inside a block
 * that writes its registers when it ends (a TCG block looping on itself
 * runs for milliseconds): wait_stopped returns once none is.  It runs
 * without the lock, which such a block may need to finish an I/O access. */
static void reset_quiet(Machine *m)
{
    for (unsigned i = 0; i < m->ncpus; i++) {
        if (m->accel->kick)
            m->accel->kick(m->cpus[i]);
    }
    if (m->accel->wait_stopped) {
        big_unlock();
        m->accel->wait_stopped(m);
        big_lock();
    }
    machine_reset(m);
}

/* A reset request: -no-reboot turns it into an exit; otherwise everything
 * is reset (the board then boots from order= instead of once=). */
static bool serve_reset(Machine *m)
{
    if (m->cfg.no_reboot)
        return true;
    reset_quiet(m);
    m->reset_requested = 0;
    /* A stopped machine (also one stopped at -no-shutdown's shutdown) waits
     * for "cont" after the reset, as QEMU's prelaunch state. */
    if (m->state != RUN_STATE_RUNNING)
        __atomic_store_n(&m->state, RUN_STATE_PRELAUNCH, __ATOMIC_RELEASE);
    return false;
}

/* A shutdown request: exit, or with -no-shutdown stop a guest that powered
 * off (status 0).  The monitor's quit and isa-debug-exit (whose statuses
 * are odd) always exit, as in QEMU. */
static bool serve_shutdown(Machine *m)
{
    m->shutdown_requested = 0;
    if (!m->cfg.no_shutdown || monitor_quit_requested || m->exit_code != 0)
        return true;
    machine_pause(m);
    __atomic_store_n(&m->state, RUN_STATE_SHUTDOWN, __ATOMIC_RELEASE);
    return false;
}

static int run_loop(Machine *m)
{
    for (;;) {
        loop_wait(-1);
        if (term_signal) {
            chr_cleanup_all();      /* the message goes to a cooked terminal */
            report_signal();
            return 0;
        }
        if (m->shutdown_requested && serve_shutdown(m))
            return m->exit_code;
        if (m->reset_requested && serve_reset(m))
            return 0;
    }
}

static Machine machine;

/* Ctrl-a x: quit as the monitor's quit does. */
static void quit_from_console(void)
{
    monitor_quit_requested = true;
    machine_request_shutdown(&machine, 0);
}

static int run(KemuOptions *o)
{
    Machine *m = &machine;
    chr_set_quit_handler(quit_from_console);
    if (o->daemonize)
        daemon_start();
    if (o->pidfile && pidfile_create(o->pidfile))
        return 1;
    big_lock();
    if (build_machine(m, o)) {
        big_unlock();
        return 1;
    }
    if (o->console_hidden)
        warn_report("no display chosen: the guest's console is not shown "
                    "(use -display sdl|curses, -vnc :N, -nographic, or -serial stdio)");
    start_machine(m, o->start_paused);
    if (o->daemonize)
        daemon_ready();
    int code = run_loop(m);
    /* Without the lock: an engine may wait for its vCPU threads, which may
     * be waiting for the lock to finish a device access. */
    big_unlock();
    if (m->accel->shutdown)
        m->accel->shutdown(m);
    drives_close();
    net_cleanup();
    return code;
}

/* Everything up to running the machine; returns the exit status. */
static int kemu_main(KemuOptions *o, int argc, char **argv)
{
    int r = cmdline_parse(o, argc, argv);
    if (r != CMDLINE_RUN)
        return r == CMDLINE_EXIT_OK ? 0 : 1;
    if (o->cpu_help) {
        cpu_model_list();
        return 0;
    }
    r = device_helps(o);
    if (r)
        return r > 0 ? 0 : 1;
    if (cmdline_finish(o))
        return 1;
    atexit(chr_cleanup_all);
    atexit(display_cleanup);
    install_term_handlers();
    return run(o);
}

int main(int argc, char **argv)
{
    static KemuOptions o;
    cmdline_init(&o);
    int code = kemu_main(&o, argc, argv);
    fflush(stdout);
    exit(code);
}
