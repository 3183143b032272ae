/* The option table and the parser loop.  Each option is one row: its name,
 * whether it takes an argument, and a short handler. */
#include "ui/cmdline-int.h"
#include "ui/gdbstub.h"
#include "config.h"
#include "hw/core/error.h"
#include "hw/core/log.h"
#include "hw/core/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int (*OptHandler)(KemuOptions *o, const char *opt, const char *arg);

typedef struct OptDef {
    const char *name;       /* without the leading '-' */
    bool has_arg;
    OptHandler fn;
} OptDef;

static int opt_mem(KemuOptions *o, const char *opt, const char *arg)
{
    return cmdline_parse_mem(&o->cfg, arg);
}

static int opt_smp(KemuOptions *o, const char *opt, const char *arg)
{
    return cmdline_parse_smp(&o->cfg, arg);
}

static int opt_cpu(KemuOptions *o, const char *opt, const char *arg)
{
    if (cl_is_help(arg)) {
        o->cpu_help = true;
        return 0;
    }
    cl_set_str(&o->cpu, arg);
    return 0;
}

static int opt_machine(KemuOptions *o, const char *opt, const char *arg)
{
    return cmdline_parse_machine(o, arg);
}

static int opt_accel(KemuOptions *o, const char *opt, const char *arg)
{
    return cmdline_parse_accel(o, arg);
}

/* QEMU treats -enable-kvm as "-machine accel=kvm". */
static int opt_enable_kvm(KemuOptions *o, const char *opt, const char *arg)
{
    if (cmdline_parse_machine(o, "accel=kvm"))
        return -1;
    o->accel_origin = "-enable-kvm";
    return 0;
}

static int opt_name(KemuOptions *o, const char *opt, const char *arg)
{
    return cmdline_parse_name(&o->cfg, arg);
}

/* -kernel, -initrd, -append, -bios: strings the board uses. */
static int opt_str(KemuOptions *o, const char *opt, const char *arg)
{
    const char **slot = !strcmp(opt, "kernel") ? &o->cfg.kernel :
                         !strcmp(opt, "initrd") ? &o->cfg.initrd :
                         !strcmp(opt, "append") ? &o->cfg.append : &o->cfg.bios;
    free((char *)*slot);
    *slot = xstrdup(arg);
    return 0;
}

static int opt_boot(KemuOptions *o, const char *opt, const char *arg)
{
    return cmdline_parse_boot(&o->cfg, arg);
}

static int opt_drive(KemuOptions *o, const char *opt, const char *arg)
{
    return cmdline_parse_drive(o, "-drive", arg);
}

static int opt_legacy_drive(KemuOptions *o, const char *opt, const char *arg)
{
    char name[16];
    snprintf(name, sizeof(name), "-%s", opt);
    return cmdline_parse_legacy_drive(o, name, arg);
}

static int opt_net(KemuOptions *o, const char *opt, const char *arg)
{
    return cmdline_parse_net(o, arg);
}

static int opt_netdev(KemuOptions *o, const char *opt, const char *arg)
{
    return cmdline_parse_netdev(o, arg);
}

static int opt_object(KemuOptions *o, const char *opt, const char *arg)
{
    return cmdline_parse_object(o, arg);
}

/* -device and -chardev are checked when the machine exists (their help
 * needs the registries, which are complete at start-up, so answer now). */
static int opt_list(KemuOptions *o, const char *opt, const char *arg)
{
    bool dev = !strcmp(opt, "device");
    char **list = dev ? o->devices : o->chardevs;
    int *n = dev ? &o->ndevices : &o->nchardevs;
    if (*n >= MAX_LIST) {
        error_report("-%s %s: too many -%s options", opt, arg, opt);
        return -1;
    }
    list[(*n)++] = xstrdup(arg);
    return 0;
}

/* -usbdevice tablet: -usb and -device usb-tablet (the one kind kemu has). */
static int opt_usbdevice(KemuOptions *o, const char *opt, const char *arg)
{
    if (strcmp(arg, "tablet")) {
        error_report("-usbdevice %s: '%s' is not a valid device model name "
                     "(kemu has: tablet)", arg, arg);
        return -1;
    }
    o->usb = true;
    return opt_list(o, "device", "usb-tablet");
}

static int opt_serial(KemuOptions *o, const char *opt, const char *arg)
{
    if (o->nserial >= MAX_SERIAL) {
        error_report("-serial %s: too many serial ports (at most %d)", arg, MAX_SERIAL);
        return -1;
    }
    o->serial[o->nserial++] = xstrdup(arg);
    o->serial_set = true;
    if (!strncmp(arg, "mon:", 4))
        o->monitor_set = true;      /* that serial port carries the monitor */
    return 0;
}

static int opt_monitor(KemuOptions *o, const char *opt, const char *arg)
{
    cl_set_str(&o->monitor, arg);
    o->monitor_set = true;
    return 0;
}

/* -nic TYPE[,model=...]: a card and its backend in one (help: the models). */
static int opt_nic(KemuOptions *o, const char *opt, const char *arg)
{
    size_t n = strcspn(arg, ",");
    char *type = xasprintf("%.*s", (int)n, arg);
    int r = cl_is_help(type) ? cmdline_parse_net(o, "nic,model=help")
                             : cmdline_parse_nic(o, arg);
    free(type);
    return r;
}

static int opt_mon(KemuOptions *o, const char *opt, const char *arg)
{
    return cmdline_parse_mon(o, arg);
}

static int opt_display(KemuOptions *o, const char *opt, const char *arg)
{
    return cmdline_parse_display(o, arg);
}

static int opt_vga(KemuOptions *o, const char *opt, const char *arg)
{
    return cmdline_parse_vga(o, arg);
}

static int opt_rtc(KemuOptions *o, const char *opt, const char *arg)
{
    return cmdline_parse_rtc(arg);
}

static int opt_smbios(KemuOptions *o, const char *opt, const char *arg)
{
    return !strcmp(opt, "uuid") ? cmdline_parse_uuid(o, arg) : cmdline_parse_smbios(o, arg);
}

static int opt_vnc(KemuOptions *o, const char *opt, const char *arg)
{
    return cmdline_parse_vnc(o, arg);
}

static int opt_keymap(KemuOptions *o, const char *opt, const char *arg)
{
    return cmdline_parse_keymap(o, arg);
}

/* -global DRIVER.PROP=VALUE.  The one global test suites written for QEMU
 * pass is kvm-pit.lost_tick_policy=discard: KVM's in-kernel PIT is told
 * to drop ticks the guest missed instead of re-injecting them.  kemu's own
 * PIT model never re-injects, so under TCG the policy asked for is the one
 * in force; any other global is refused rather than ignored. */
static int opt_global(KemuOptions *o, const char *opt, const char *arg)
{
    if (!strcmp(arg, "kvm-pit.lost_tick_policy=discard"))
        return 0;
    error_report("-global %s: this global property is not supported yet", arg);
    return -1;
}

/* Flags without an argument. */
static int opt_flag(KemuOptions *o, const char *opt, const char *arg)
{
    if (!strcmp(opt, "nographic"))
        o->nographic = true;
    else if (!strcmp(opt, "daemonize"))
        o->daemonize = true;
    else if (!strcmp(opt, "no-reboot"))
        o->cfg.no_reboot = true;
    else if (!strcmp(opt, "no-shutdown"))
        o->cfg.no_shutdown = true;
    else if (!strcmp(opt, "S"))
        o->start_paused = true;
    else if (!strcmp(opt, "snapshot"))
        o->snapshot = true;
    else if (!strcmp(opt, "nodefaults"))
        o->nodefaults = true;
    else if (!strcmp(opt, "usb"))
        o->usb = true;
    else if (!strcmp(opt, "full-screen"))
        o->full_screen = true;
    else if (!strcmp(opt, "no-quit"))
        o->window_close = false;        /* as -display sdl,window-close=off */
    else
        KEMU_BUG("flag without a field");
    return 0;
}

/* -no-user-config, -nodefconfig: do not read configuration files.  kemu
 * never reads any, so what the option asks for already holds. */
static int opt_no_config(KemuOptions *o, const char *opt, const char *arg)
{
    return 0;
}

static int opt_pidfile(KemuOptions *o, const char *opt, const char *arg)
{
    cl_set_str(&o->pidfile, arg);
    return 0;
}

static int opt_log(KemuOptions *o, const char *opt, const char *arg)
{
    if (!strcmp(opt, "D"))
        return log_set_file(arg);
    return log_parse_items(arg);
}

/* -s is -gdb tcp::1234; ui/gdbstub.c parses the spec when it starts. */
static int opt_gdb(KemuOptions *o, const char *opt, const char *arg)
{
    char host[256], port[16];
    const char *spec = arg ? arg : "tcp::1234";
    o->gdb_opt = arg ? "-gdb" : "-s";
    if (strcmp(spec, "none") &&
        gdbstub_parse_spec(o->gdb_opt, spec, host, sizeof(host), port, sizeof(port)) < 0)
        return -1;
    cl_set_str(&o->gdb, spec);
    return 0;
}

static int opt_version(KemuOptions *o, const char *opt, const char *arg)
{
    printf("kemu emulator version " KEMU_VERSION "\n");
    return 1;
}

static int opt_help(KemuOptions *o, const char *opt, const char *arg)
{
    cmdline_help();
    return 1;
}

static const OptDef options[] = {
    { "m", true, opt_mem },
    { "smp", true, opt_smp },
    { "cpu", true, opt_cpu },
    { "machine", true, opt_machine },
    { "M", true, opt_machine },
    { "accel", true, opt_accel },
    { "enable-kvm", false, opt_enable_kvm },
    { "name", true, opt_name },
    { "kernel", true, opt_str },
    { "initrd", true, opt_str },
    { "append", true, opt_str },
    { "bios", true, opt_str },
    { "boot", true, opt_boot },
    { "drive", true, opt_drive },
    { "hda", true, opt_legacy_drive },
    { "hdb", true, opt_legacy_drive },
    { "hdc", true, opt_legacy_drive },
    { "hdd", true, opt_legacy_drive },
    { "cdrom", true, opt_legacy_drive },
    { "fda", true, opt_legacy_drive },
    { "fdb", true, opt_legacy_drive },
    { "net", true, opt_net },
    { "netdev", true, opt_netdev },
    { "object", true, opt_object },
    { "nic", true, opt_nic },
    { "device", true, opt_list },
    { "chardev", true, opt_list },
    { "serial", true, opt_serial },
    { "monitor", true, opt_monitor },
    { "mon", true, opt_mon },
    { "display", true, opt_display },
    { "vga", true, opt_vga },
    { "vnc", true, opt_vnc },
    { "k", true, opt_keymap },
    { "full-screen", false, opt_flag },
    { "no-quit", false, opt_flag },
    { "global", true, opt_global },
    { "rtc", true, opt_rtc },
    { "smbios", true, opt_smbios },
    { "uuid", true, opt_smbios },
    { "nographic", false, opt_flag },
    { "daemonize", false, opt_flag },
    { "no-reboot", false, opt_flag },
    { "no-shutdown", false, opt_flag },
    { "nodefaults", false, opt_flag },
    { "usb", false, opt_flag },
    { "usbdevice", true, opt_usbdevice },
    { "no-user-config", false, opt_no_config },
    { "nodefconfig", false, opt_no_config },
    { "S", false, opt_flag },
    { "snapshot", false, opt_flag },
    { "pidfile", true, opt_pidfile },
    { "d", true, opt_log },
    { "D", true, opt_log },
    { "s", false, opt_gdb },
    { "gdb", true, opt_gdb },
    { "version", false, opt_version },
    { "h", false, opt_help },
    { "help", false, opt_help },
};

static const OptDef *opt_find(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
        if (!strcmp(options[i].name, name))
            return &options[i];
    }
    return NULL;
}

void cmdline_init(KemuOptions *o)
{
    memset(o, 0, sizeof(*o));
    o->cfg.type = "pc";
    o->cfg.ram_size = 128 * MiB;
    o->cfg.smp_cpus = o->cfg.smp_max = 1;
    o->cfg.sockets = o->cfg.dies = o->cfg.cores = o->cfg.threads = 1;
    o->cfg.boot_reboot_timeout = -1;
    o->cfg.boot_splash_time = -1;
    o->cfg.kernel_irqchip = true;
    o->window_close = true;
    snprintf(o->cfg.boot_order, sizeof(o->cfg.boot_order), "cad");
    cmdline_set_current(o);
}

int cmdline_parse(KemuOptions *o, int argc, char **argv)
{
    cmdline_set_current(o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-') {      /* a bare disk image is -hda */
            if (cmdline_parse_legacy_drive(o, "-hda", a))
                return CMDLINE_ERROR;
            continue;
        }
        const char *name = a + 1 + (a[1] == '-');
        const OptDef *d = opt_find(name);
        if (!d) {
            int later = cmdline_later_option(name);
            if (later < 0)
                error_report("%s: invalid option", a);
            else if (later && i + 1 < argc)
                error_report("%s %s: this option is not supported yet", a, argv[i + 1]);
            else
                error_report("%s: this option is not supported yet", a);
            return CMDLINE_ERROR;
        }
        const char *arg = NULL;
        if (d->has_arg) {
            if (i + 1 >= argc) {
                error_report("%s: requires an argument", a);
                return CMDLINE_ERROR;
            }
            arg = argv[++i];
        }
        int r = d->fn(o, d->name, arg);
        if (r)
            return r > 0 ? CMDLINE_EXIT_OK : CMDLINE_ERROR;
    }
    return CMDLINE_RUN;
}
