/* Checks across options and the defaults that depend on other options,
 * run once the whole command line is read. */
#include "ui/cmdline-int.h"
#include "hw/core/error.h"
#include "hw/core/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int file_readable(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    fclose(f);
    return 0;
}

static int check_boot_files(const MachineConfig *cfg)
{
    if (!cfg->kernel && cfg->initrd) {
        error_report("-initrd only allowed with -kernel option");
        return -1;
    }
    if (!cfg->kernel && cfg->append) {
        error_report("-append only allowed with -kernel option");
        return -1;
    }
    if (cfg->kernel && file_readable(cfg->kernel)) {
        error_report("could not open kernel file '%s': %s", cfg->kernel, strerror(errno));
        return -1;
    }
    if (cfg->initrd && file_readable(cfg->initrd)) {
        error_report("could not load initial ram disk '%s': %s", cfg->initrd, strerror(errno));
        return -1;
    }
    if (cfg->bios && file_readable(cfg->bios)) {
        error_report("could not load PC BIOS '%s'", cfg->bios);
        return -1;
    }
    return 0;
}

/* -cpu host with accelerators that cannot run it: said before the boot
 * files are looked at, in QEMU's order, since scripts written for QEMU
 * tell "cannot run here" from "no such kernel" by which comes first. */
static int check_cpu_accel(const KemuOptions *o)
{
    const char *cpu = o->cpu, *list = o->accel_list;
    if (!cpu || strncmp(cpu, "host", 4) || (cpu[4] && cpu[4] != ',') || !list)
        return 0;
    char *copy = xstrdup(list), *save = NULL;
    bool kvm = false;
    for (char *t = strtok_r(copy, ":", &save); t; t = strtok_r(NULL, ":", &save))
        kvm |= !strcmp(t, "kvm");
    free(copy);
    if (kvm)
        return 0;
    error_report("CPU model 'host' requires KVM");
    return -1;
}

/* QEMU's defaults: -nographic puts the serial port and the monitor on
 * stdio (multiplexed when both are defaults); otherwise both go to text
 * consoles ("vc") that a display shows (curses Esc 2/3, SDL Ctrl-Alt-2/3). */
static void default_consoles(KemuOptions *o)
{
    bool def_serial = !o->serial_set && !o->nodefaults;
    bool def_monitor = !o->monitor_set && !o->nodefaults;
    if (o->nographic) {
        o->display = DISPLAY_NONE;
        if (def_serial && def_monitor) {
            o->serial[o->nserial++] = xstrdup("mon:stdio");
            return;
        }
        if (def_serial)
            o->serial[o->nserial++] = xstrdup("stdio");
        if (def_monitor)
            o->monitor = xstrdup("stdio");
        return;
    }
    bool implicit = o->display == DISPLAY_DEFAULT && !o->vnc;
    if (implicit)
        o->display = DISPLAY_NONE;
    if (def_serial)
        o->serial[o->nserial++] = xstrdup("vc");
    /* QEMU would open a window here: main says where the console went. */
    o->console_hidden = implicit && def_serial && !o->daemonize;
    if (def_monitor)
        o->monitor = xstrdup("vc");
}

static bool is_stdio(const char *spec)
{
    return spec && (!strcmp(spec, "stdio") || !strcmp(spec, "mon:stdio"));
}

static int check_daemonize(const KemuOptions *o)
{
    if (!o->daemonize)
        return 0;
    if (o->nographic) {
        error_report("-nographic cannot be used with -daemonize");
        return -1;
    }
    for (int i = 0; i < o->nserial; i++) {
        if (is_stdio(o->serial[i])) {
            error_report("-serial %s: cannot use stdio with -daemonize", o->serial[i]);
            return -1;
        }
    }
    if (is_stdio(o->monitor)) {
        error_report("-monitor %s: cannot use stdio with -daemonize", o->monitor);
        return -1;
    }
    return 0;
}

static bool device_is_display(const KemuOptions *o)
{
    for (int i = 0; i < o->ndevices; i++) {
        size_t n = strcspn(o->devices[i], ",");
        if ((n == 3 && !strncmp(o->devices[i], "VGA", 3)) ||
            (n == 10 && !strncmp(o->devices[i], "cirrus-vga", 10)) ||
            (n == 13 && !strncmp(o->devices[i], "bochs-display", 13)))
            return true;
    }
    return false;
}

int cmdline_finish(KemuOptions *o)
{
    cmdline_set_current(o);
    if (check_cpu_accel(o) || check_boot_files(&o->cfg) || check_daemonize(o))
        return CMDLINE_ERROR;
    default_consoles(o);
    if (!o->vga_set)                /* QEMU's default card, also under -nographic, */
        o->vga = !o->nodefaults && !device_is_display(o);  /* unless -device gives one */
    if (!o->vga_card)
        o->vga_card = "VGA";
    return CMDLINE_RUN;
}

void cmdline_free(KemuOptions *o)
{
    for (int i = 0; i < o->ndrives; i++) {
        DriveOpts *d = &o->drives[i];
        free(d->spec);
        free(d->opt_name);
        free(d->file);
        free(d->format);
        free(d->id);
        free(d->serial);
    }
    for (int i = 0; i < o->nserial; i++)
        free(o->serial[i]);
    for (int i = 0; i < o->nchardevs; i++)
        free(o->chardevs[i]);
    for (int i = 0; i < o->nmons; i++)
        free(o->mon_chardevs[i]);
    for (int i = 0; i < o->ndevices; i++)
        free(o->devices[i]);
    for (int i = 0; i < o->nnets; i++)
        free(o->nets[i]);
    for (int i = 0; i < o->nnetdevs; i++)
        free(o->netdevs[i]);
    for (int i = 0; i < o->nnics; i++)
        free(o->nics[i]);
    for (int i = 0; i < o->nobjects; i++)
        free(o->objects[i]);
    free(o->monitor);
    free(o->accel_list);
    free(o->cpu);
    free(o->pidfile);
    free((char *)o->cfg.name);
    free((char *)o->cfg.kernel);
    free((char *)o->cfg.initrd);
    free((char *)o->cfg.append);
    free((char *)o->cfg.bios);
    free((char *)o->cfg.boot_splash);
    cmdline_set_current(NULL);
}
